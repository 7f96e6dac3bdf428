// Text of the kill feed and the other global events (docs/protocol.md "Events"), as parts the UI
// puts into text nodes (never markup: names are whatever players typed). Names come from the
// PlayerInfo the server sends once per player; a slot without a known name reads "Player N".

import { GlobalEventType } from '../proto/game_generated';

export const WEAPON_NAMES: readonly string[] = ['Pistol', 'Shotgun', 'Rifle', 'Sniper', 'Melee'];
export const TEAM_NAMES: readonly string[] = ['Red', 'Blue'];
/** "No player" in a GlobalEvent. */
export const NO_PLAYER = 0xffffffff;

/** What the client knows about a world slot (Events.players). */
export interface PlayerName {
  readonly name: string;
  /** 0 red, 1 blue, 2 none, as sent (the snapshot has the current team). */
  readonly team: number;
  readonly bot: boolean;
}

export type NameLookup = (slot: number) => PlayerName | undefined;

/** One run of text; `team` colours it (0 red, 1 blue, 2 none), `you` marks the own player. */
export interface FeedPart {
  readonly text: string;
  readonly team?: number;
  readonly you?: boolean;
  readonly weapon?: boolean;
}

export interface FeedEntry {
  readonly kind: 'kill' | 'flag' | 'info';
  readonly parts: readonly FeedPart[];
  /** The parts joined: what a screen reader or a test reads. */
  readonly text: string;
}

export function weaponName(weapon: number): string {
  return WEAPON_NAMES[weapon] ?? `Weapon ${weapon}`;
}

export function teamName(team: number): string {
  return TEAM_NAMES[team] ?? 'No team';
}

function playerPart(slot: number, names: NameLookup, ownId: number): FeedPart {
  const info = names(slot);
  const text = info?.name ?? `Player ${slot}`;
  return { text, team: info?.team ?? 2, you: slot === ownId };
}

function entry(kind: FeedEntry['kind'], parts: FeedPart[]): FeedEntry {
  return { kind, parts, text: parts.map((p) => p.text).join('') };
}

const FLAG_VERBS: readonly string[] = ['took', 'dropped', 'returned', 'captured'];

/**
 * The feed line of one global event, or null for an unknown type. `ownId` is the own world slot
 * (NO_PLAYER for a spectator).
 */
export function formatGlobalEvent(
  type: GlobalEventType,
  detail: number,
  a: number,
  b: number,
  names: NameLookup,
  ownId: number,
): FeedEntry | null {
  switch (type) {
    case GlobalEventType.Kill: {
      const victim = playerPart(b, names, ownId);
      const weapon: FeedPart = { text: ` [${weaponName(detail)}] `, weapon: true };
      if (a === NO_PLAYER || a === b) {
        return entry('kill', [victim, { text: a === b ? ' killed themself' : ' died' }]);
      }
      return entry('kill', [playerPart(a, names, ownId), weapon, victim]);
    }
    case GlobalEventType.Flag: {
      const verb = FLAG_VERBS[detail] ?? 'moved';
      const flag: FeedPart = { text: `${teamName(b)} flag`, team: b };
      if (a === NO_PLAYER) {
        return entry('flag', [{ text: 'The ' }, flag, { text: ' returned home' }]);
      }
      return entry('flag', [playerPart(a, names, ownId), { text: ` ${verb} the ` }, flag]);
    }
    case GlobalEventType.PlayerJoined:
      return entry('info', [playerPart(a, names, ownId), { text: ' joined' }]);
    case GlobalEventType.PlayerLeft:
      return entry('info', [playerPart(a, names, ownId), { text: ' left' }]);
    case GlobalEventType.MatchStarted:
      return entry('info', [{ text: 'The match started' }]);
    case GlobalEventType.MatchEnded: {
      const parts: FeedPart[] = [{ text: 'The match ended: ' }];
      parts.push(detail <= 1 ? { text: `${teamName(detail)} wins`, team: detail } : { text: 'no winner' });
      if (a !== NO_PLAYER) {
        parts.push({ text: ', best player ' }, playerPart(a, names, ownId));
      }
      return entry('info', parts);
    }
    default:
      return null;
  }
}

/** A chat line's sender as a part: its name, or "Player N". */
export function chatSender(from: number, names: NameLookup, ownId: number): FeedPart {
  return playerPart(from, names, ownId);
}

/** mm:ss of a duration in ms, rounded up to the second (a timer shows 0:00 only at the end). */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${s.toString().padStart(2, '0')}`;
}
