// What the client knows besides the entities of the snapshots: the Welcome's figures, names of
// players, the match state, the kill feed, chat, the last scoreboard. Filled from verified
// messages (net/messages.ts readEnvelope), read by the HUD and the renderer.

import type { Chat, Events, MatchState, Scoreboard, Welcome } from '../proto/game_generated';
import { type FeedEntry, NO_PLAYER, type PlayerName, formatGlobalEvent } from './feed';
import { GlobalEventType } from '../proto/game_generated';

export interface WeaponSpec {
  readonly projectileSpeed: number;
  readonly lifetimeS: number;
  readonly cooldownS: number;
  readonly reloadS: number;
  readonly magazine: number;
  readonly pellets: number;
  readonly range: number;
}

export interface WelcomeInfo {
  /** NO_PLAYER for a spectator. */
  readonly playerId: number;
  readonly tickHz: number;
  readonly snapshotHz: number;
  readonly mapSeed: bigint;
  readonly mapWidth: number;
  readonly mapHeight: number;
  readonly mode: number;
  readonly viewHalfWidth: number;
  readonly viewHalfHeight: number;
  readonly playerRadius: number;
  readonly playerSpeed: number;
  readonly speedBoost: number;
  readonly maxHealth: number;
  readonly maxShield: number;
  readonly weapons: readonly WeaponSpec[];
}

export interface MatchInfo {
  readonly number: number;
  /** 0 waiting, 1 active, 2 ended. */
  readonly phase: number;
  readonly mode: number;
  readonly timeLeftMs: number;
  /** Client clock when time_left_ms was received (the client counts down). */
  readonly receivedAtMs: number;
  readonly redScore: number;
  readonly blueScore: number;
  readonly winner: number;
  readonly bestPlayer: number;
  /** 0 home, 1 carried, 2 dropped. */
  readonly redFlag: number;
  readonly blueFlag: number;
  readonly mapSeed: bigint;
}

export interface ChatLine {
  readonly from: number;
  readonly teamOnly: boolean;
  readonly text: string;
  readonly atMs: number;
}

export interface ScoreRowInfo {
  readonly player: number;
  readonly score: number;
  readonly kills: number;
  readonly deaths: number;
  readonly captures: number;
  readonly team: number;
  readonly you: boolean;
}

export interface ScoreboardInfo {
  readonly rows: readonly ScoreRowInfo[];
  readonly players: number;
  readonly redScore: number;
  readonly blueScore: number;
  readonly atMs: number;
}

export interface TimedFeedEntry {
  readonly entry: FeedEntry;
  readonly atMs: number;
}

export const FEED_KEEP = 8;
export const CHAT_KEEP = 60;

export const MODE_NAMES: readonly string[] = ['Free-for-all', 'Team deathmatch', 'Capture the flag'];

export function welcomeInfo(w: Welcome): WelcomeInfo {
  const weapons: WeaponSpec[] = [];
  for (let i = 0; i < w.weaponsLength(); ++i) {
    const x = w.weapons(i);
    if (x !== null) {
      weapons.push({
        projectileSpeed: x.projectileSpeed(),
        lifetimeS: x.lifetimeS(),
        cooldownS: x.cooldownS(),
        reloadS: x.reloadS(),
        magazine: x.magazine(),
        pellets: x.pellets(),
        range: x.range(),
      });
    }
  }
  return {
    playerId: w.playerId(),
    tickHz: w.tickHz() || 30,
    snapshotHz: w.snapshotHz() || 20,
    mapSeed: w.mapSeed(),
    mapWidth: w.mapWidth(),
    mapHeight: w.mapHeight(),
    mode: w.mode(),
    viewHalfWidth: w.viewHalfWidth() || 1100,
    viewHalfHeight: w.viewHalfHeight() || 700,
    playerRadius: w.playerRadius() || 15,
    playerSpeed: w.playerSpeed() || 150,
    speedBoost: w.speedBoost() || 1.5,
    maxHealth: w.maxHealth() || 100,
    maxShield: w.maxShield() || 50,
    weapons,
  };
}

function matchInfo(m: MatchState, nowMs: number): MatchInfo {
  return {
    number: m.number(),
    phase: m.phase(),
    mode: m.mode(),
    timeLeftMs: m.timeLeftMs(),
    receivedAtMs: nowMs,
    redScore: m.redScore(),
    blueScore: m.blueScore(),
    winner: m.winner(),
    bestPlayer: m.bestPlayer(),
    redFlag: m.redFlag(),
    blueFlag: m.blueFlag(),
    mapSeed: m.mapSeed(),
  };
}

/** Milliseconds left on the match clock at `nowMs` (counted down by the client). */
export function timeLeftMs(m: MatchInfo, nowMs: number): number {
  return Math.max(0, m.timeLeftMs - (nowMs - m.receivedAtMs));
}

export class World {
  welcome: WelcomeInfo | null = null;
  match: MatchInfo | null = null;
  readonly names = new Map<number, PlayerName>();
  readonly feed: TimedFeedEntry[] = [];
  readonly chat: ChatLine[] = [];
  scoreboard: ScoreboardInfo | null = null;
  /** Incremented on every change the HUD shows (feed, chat, match, scoreboard, names). */
  version = 0;
  /** Called with each new feed entry (sounds, announcements). */
  onFeed: ((e: FeedEntry, type: number, a: number, b: number) => void) | null = null;

  get ownId(): number {
    return this.welcome?.playerId ?? NO_PLAYER;
  }

  get spectator(): boolean {
    return this.welcome !== null && this.welcome.playerId === NO_PLAYER;
  }

  readonly lookup = (slot: number): PlayerName | undefined => this.names.get(slot);

  onWelcome(w: Welcome): void {
    this.welcome = welcomeInfo(w);
    // The server starts its reliable state over: names come again with the next snapshot.
    this.names.clear();
    this.version += 1;
  }

  onEvents(ev: Events, nowMs: number): void {
    for (let i = 0; i < ev.playersLength(); ++i) {
      const p = ev.players(i);
      if (p !== null) {
        this.names.set(p.id(), { name: p.name() ?? `Player ${p.id()}`, team: p.team(), bot: p.bot() });
      }
    }
    const m = ev.match();
    if (m !== null) {
      this.match = matchInfo(m, nowMs);
    }
    for (let i = 0; i < ev.eventsLength(); ++i) {
      const g = ev.events(i);
      if (g === null) {
        continue;
      }
      const type = g.type() as number;
      const entry = formatGlobalEvent(g.type(), g.detail(), g.a(), g.b(), this.lookup, this.ownId);
      if (entry !== null) {
        this.feed.push({ entry, atMs: nowMs });
        if (this.feed.length > FEED_KEEP) {
          this.feed.shift();
        }
        this.onFeed?.(entry, type, g.a(), g.b());
      }
      if (type === (GlobalEventType.PlayerLeft as number)) {
        this.names.delete(g.a());
      }
    }
    this.version += 1;
  }

  onChat(c: Chat, nowMs: number): void {
    const text = c.text();
    if (text === null || text.length === 0) {
      return;
    }
    this.chat.push({ from: c.from(), teamOnly: c.teamOnly(), text, atMs: nowMs });
    if (this.chat.length > CHAT_KEEP) {
      this.chat.shift();
    }
    this.version += 1;
  }

  onScoreboard(s: Scoreboard, nowMs: number): void {
    const rows: ScoreRowInfo[] = [];
    for (let i = 0; i < s.rowsLength(); ++i) {
      const r = s.rows(i);
      if (r !== null) {
        rows.push({
          player: r.player(),
          score: r.score(),
          kills: r.kills(),
          deaths: r.deaths(),
          captures: r.captures(),
          team: r.team(),
          you: (r.rankFlags() & 1) !== 0,
        });
      }
    }
    this.scoreboard = {
      rows,
      players: s.players(),
      redScore: s.redScore(),
      blueScore: s.blueScore(),
      atMs: nowMs,
    };
    this.version += 1;
  }

  /** Name of a world slot for display. */
  nameOf(slot: number): string {
    return this.names.get(slot)?.name ?? `Player ${slot}`;
  }
}
