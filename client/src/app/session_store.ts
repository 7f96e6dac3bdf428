// The resume token of the current game, kept in sessionStorage: it survives a page reload (the
// server then resumes the same player, docs/protocol.md "Resume") but not a closed tab. With it
// go the join choices, so that a reload rejoins as the same kind of client without asking.

import type { KeyValueStorage } from './settings';
import type { TeamChoice } from './start_form';

export interface SavedSession {
  /** The `session` of the answer or welcome: 36 characters. */
  readonly token: string;
  readonly name: string;
  readonly team: TeamChoice;
  readonly spectate: boolean;
  /** WebRTC failed for this session: a reload goes straight to the WebSocket transport. */
  readonly websocket: boolean;
}

export const SESSION_KEY = 'mgs.session.v1';

/** The saved session, or null if there is none or it does not parse. Never throws. */
export function loadSession(storage: KeyValueStorage | null): SavedSession | null {
  try {
    const text = storage?.getItem(SESSION_KEY) ?? null;
    if (text === null) {
      return null;
    }
    const o = JSON.parse(text) as Record<string, unknown>;
    const team = o.team === 'red' || o.team === 'blue' ? o.team : 'auto';
    if (
      typeof o.token !== 'string' ||
      o.token.length === 0 ||
      o.token.length > 64 ||
      typeof o.name !== 'string'
    ) {
      return null;
    }
    return {
      token: o.token,
      name: o.name,
      team,
      spectate: o.spectate === true,
      websocket: o.websocket === true,
    };
  } catch {
    return null;
  }
}

export function saveSession(storage: KeyValueStorage | null, session: SavedSession): void {
  try {
    storage?.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // storage disabled or full: a reload then starts a new player, nothing worse
  }
}

export function clearSession(storage: KeyValueStorage | null): void {
  try {
    storage?.removeItem(SESSION_KEY);
  } catch {
    // as above
  }
}

/** window.sessionStorage, or null where it is unavailable. */
export function browserSessionStorage(): KeyValueStorage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
