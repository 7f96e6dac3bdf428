// A read-only view of the client for automated tests and curious players:
//   window.__mgs.state()  -> DebugState (a fresh plain object on every call)
// Nothing in it can change the game.

export interface DebugState {
  /** "start", "connecting", "playing", "reconnecting". */
  readonly connection: string;
  /** "webrtc", "websocket" or null before a connection. */
  readonly transport: string | null;
  /** Why the WebSocket transport is used, when it is a fallback. */
  readonly transportNote: string | null;
  readonly spectator: boolean;
  /** Own world slot from the Welcome (null before it; 0xFFFFFFFF for a spectator). */
  readonly playerId: number | null;
  readonly resumed: boolean;
  /** Own position in the newest snapshot (wu). */
  readonly serverPosition: { readonly x: number; readonly y: number } | null;
  /** Own position as drawn (predicted). */
  readonly predictedPosition: { readonly x: number; readonly y: number } | null;
  readonly alive: boolean;
  readonly health: number | null;
  /** Entities in the newest snapshot, by kind. */
  readonly entities: { players: number; projectiles: number; pickups: number; walls: number; flags: number };
  readonly names: readonly string[];
  /** The last chat lines as "name: text". */
  readonly chat: readonly string[];
  readonly killFeed: readonly string[];
  readonly snapshots: {
    readonly received: number;
    readonly decoded: number;
    readonly lastId: number;
    /** performance.now() (ms since the page's timeOrigin) of the first decoded snapshot; null before. */
    readonly firstDecodedAtMs: number | null;
    /** Snapshots of this connection that did not decode, and that named a baseline not held. */
    readonly malformed: number;
    readonly unknownBaseline: number;
    /** True while the client asks for a full snapshot (InputBatch.resync); resyncs: times it started. */
    readonly resync: boolean;
    readonly resyncs: number;
    /** Decoded snapshots without the own player (players; since the page loaded). */
    readonly withoutOwn: number;
  };
  readonly rttMs: number | null;
  readonly match: {
    readonly phase: number;
    readonly mode: number;
    readonly red: number;
    readonly blue: number;
  } | null;
  readonly mapLoaded: boolean;
  readonly mapSeed: string | null;
  readonly renderer: string | null;
  readonly fps: number;
  /** Milliseconds a frame takes in the client's code and Pixi's render call (smoothed). */
  readonly frameMs: number;
  /**
   * The same over the last 120 frames (src/app/frame_stats.ts): the work measured with
   * performance.now() around the update, HUD and render call, not the interval between frames.
   */
  readonly frameTime: {
    /** Frames in the window (at most 120). */
    readonly frames: number;
    readonly meanMs: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    /** Frames measured since the page loaded: the newest `total - previous total` of `recentMs` are new. */
    readonly total: number;
    /** The window's frame times, oldest first (ms, rounded to µs). */
    readonly recentMs: readonly number[];
  };
  /** Entities given to the renderer in the last frame, and how many of them were on the screen. */
  readonly drawn: { readonly entities: number; readonly onScreen: number };
  /**
   * The own player's private state (Snapshot.me, src/app/own_state.ts); null for a spectator and
   * before the first one. Timers in seconds left (null: off).
   */
  readonly own: {
    /** Server tick of the snapshot that carried it. */
    readonly tick: number;
    /** Selected gun 0..3. */
    readonly weapon: number;
    /** Owned per slot: pistol, shotgun, rifle, sniper, melee. */
    readonly owned: readonly boolean[];
    /** The selected gun's rounds in the magazine and spare rounds (-1 = unlimited). */
    readonly ammo: { readonly magazine: number; readonly reserve: number } | null;
    /** Reload progress 0..1, null when not reloading. */
    readonly reload: number | null;
    readonly speedS: number | null;
    readonly damageS: number | null;
    readonly protectedS: number | null;
    readonly respawnS: number | null;
  } | null;
  /** True once the own player is predicted (src/game/prediction.ts; needs the map and a snapshot). */
  readonly predicting: boolean;
  /** Server tick drawn by the interpolation. */
  readonly renderTick: number;
  readonly error: string | null;
}

declare global {
  interface Window {
    __mgs?: { readonly state: () => DebugState };
  }
}

export function installDebugHook(state: () => DebugState): void {
  Object.defineProperty(window, '__mgs', {
    value: Object.freeze({ state }),
    configurable: true,
    enumerable: false,
    writable: false,
  });
}
