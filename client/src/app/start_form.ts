// Start-screen validation with the server's rules for a name (server/src/net/signaling_message.cpp
// validate_player_name): spaces trimmed at both ends, then 1 to 16 Unicode code points, none of
// them a control character, a line or paragraph separator or an invisible formatting character.
// Checking here gives the player the reason before a round trip to the server.

export type TeamChoice = 'auto' | 'red' | 'blue';

export const NAME_MAX_CODE_POINTS = 16;

/** Code points the server refuses in a name (forbidden_in_name). */
export function forbiddenInName(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    cp === 0xfffe ||
    cp === 0xffff ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xd800 && cp <= 0xdfff) // a lone surrogate: not valid UTF-8 once encoded
  );
}

export type NameCheck =
  { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };

/** The name as the server will take it (trimmed of spaces), or why it would be refused. */
export function validateName(raw: string): NameCheck {
  const name = raw.replace(/^ +| +$/g, '');
  if (name.length === 0) {
    return { ok: false, error: 'Enter a name.' };
  }
  let count = 0;
  for (const ch of name) {
    const cp = ch.codePointAt(0) ?? 0;
    if (forbiddenInName(cp)) {
      return { ok: false, error: 'The name contains control or invisible characters.' };
    }
    count += 1;
  }
  if (count > NAME_MAX_CODE_POINTS) {
    return { ok: false, error: `The name is longer than ${NAME_MAX_CODE_POINTS} characters.` };
  }
  return { ok: true, name };
}

/** A team choice from a form value; anything unknown is "auto". */
export function parseTeamChoice(value: string): TeamChoice {
  return value === 'red' || value === 'blue' ? value : 'auto';
}
