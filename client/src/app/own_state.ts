// The own player's private state from Snapshot.me (docs/protocol.md "Snapshot"): rounds and spare
// rounds per gun, the owned weapons, and timers as absolute server ticks (reload, speed and damage
// boosts, spawn protection, respawn). The server sends it when it changed, at least every 10th
// snapshot, never to spectators; the client keeps the newest one (by snapshot tick).
//
// Countdowns run between snapshots on ServerClock, an estimate of the server tick now:
//
//   snapshot header.tick, arrival ms ──> offset = tick / tick_hz - arrival (the largest recent one:
//                                        the least delayed snapshot) ──> tickAt(now) = (now + offset) x tick_hz
//
// ownHud() turns both into what the HUD shows (pure, tested in test/app/own_state.test.ts).

import type { OwnState as OwnStateMessage } from '../proto/game_generated';
import type { WeaponSpec } from './world';

/** Guns with ammunition: pistol, shotgun, rifle, sniper (melee is slot 4 and needs none). */
export const GUNS = 4;
/** Weapon slots the HUD shows: the four guns and melee. */
export const WEAPON_SLOTS = 5;
/** OwnState.reserve_*: unlimited spare rounds (the pistol). */
export const UNLIMITED = -1;

/** Snapshot.me as plain numbers. */
export interface OwnInfo {
  /** Rounds in each gun's magazine (pistol, shotgun, rifle, sniper). */
  readonly magazine: readonly number[];
  /** Spare rounds of each gun; UNLIMITED (-1) for none to count. */
  readonly reserve: readonly number[];
  /** Bit per weapon: pistol 1, shotgun 2, rifle 4, sniper 8, melee 16. */
  readonly owned: number;
  /** Selected gun 0..3. */
  readonly weapon: number;
  /** Reloading until this tick; 0 = not reloading. */
  readonly reloadDoneTick: number;
  readonly speedUntil: number;
  readonly damageUntil: number;
  readonly protectedUntil: number;
  /** While dead: the tick of the respawn; 0 while alive. */
  readonly respawnTick: number;
}

export function readOwnState(m: OwnStateMessage): OwnInfo {
  return {
    magazine: [m.magazinePistol(), m.magazineShotgun(), m.magazineRifle(), m.magazineSniper()],
    reserve: [m.reservePistol(), m.reserveShotgun(), m.reserveRifle(), m.reserveSniper()],
    owned: m.owned(),
    weapon: m.weapon(),
    reloadDoneTick: m.reloadDoneTick(),
    speedUntil: m.speedUntil(),
    damageUntil: m.damageUntil(),
    protectedUntil: m.protectedUntil(),
    respawnTick: m.respawnTick(),
  };
}

/** The newest Snapshot.me of a connection. */
export class OwnTracker {
  private info_: OwnInfo | null = null;
  private tick_ = -1;

  /** The kept state, null before the first one (and always for a spectator). */
  get info(): OwnInfo | null {
    return this.info_;
  }

  /** Server tick of the snapshot that carried the kept state (-1: none). */
  get tick(): number {
    return this.tick_;
  }

  /**
   * A snapshot of server tick `tick` arrived carrying `me` (null: absent, nothing changed). An
   * older snapshot (reordered on the unreliable channel) does not replace a newer state.
   */
  update(tick: number, me: OwnInfo | null): void {
    if (me !== null && tick >= this.tick_) {
      this.info_ = me;
      this.tick_ = tick;
    }
  }

  reset(): void {
    this.info_ = null;
    this.tick_ = -1;
  }
}

/** Samples more than this much behind the estimate restart it (a server restart, a long pause). */
const CLOCK_RESET_MS = 1000;
/** The estimate gives way by this much per millisecond (clock drift between client and server). */
const CLOCK_DRIFT = 0.001;

/** Estimates the server tick now from the snapshot headers (see the top of this file). */
export class ServerClock {
  private offsetMs: number | null = null;
  private lastMs = 0;

  constructor(private tickHz = 30) {}

  /** A snapshot of server tick `tick` arrived at `nowMs` (client ms). */
  onSnapshot(tick: number, nowMs: number): void {
    const sample = (tick * 1000) / this.tickHz - nowMs;
    if (this.offsetMs === null || sample >= this.offsetMs || sample < this.offsetMs - CLOCK_RESET_MS) {
      this.offsetMs = sample;
    } else {
      this.offsetMs = Math.max(sample, this.offsetMs - Math.max(0, nowMs - this.lastMs) * CLOCK_DRIFT);
    }
    this.lastMs = nowMs;
  }

  /** The estimated server tick at `nowMs` (fractional), null before the first snapshot. */
  tickAt(nowMs: number): number | null {
    return this.offsetMs === null ? null : ((nowMs + this.offsetMs) * this.tickHz) / 1000;
  }

  /** A new connection (Welcome): forget the estimate; `tickHz` from the Welcome. */
  reset(tickHz: number): void {
    this.tickHz = tickHz > 0 ? tickHz : 30;
    this.offsetMs = null;
    this.lastMs = 0;
  }
}

/** Seconds from `tickNow` to `untilTick`; null when the timer is off (0) or has run out. */
export function secondsUntil(untilTick: number, tickNow: number, tickHz: number): number | null {
  if (untilTick === 0 || tickNow >= untilTick || tickHz <= 0) {
    return null;
  }
  return (untilTick - tickNow) / tickHz;
}

/**
 * Progress 0..1 of a reload that ends at `doneTick` and lasts `reloadS` seconds; null when not
 * reloading (doneTick 0). Stays at 1 past the end until the state that clears it arrives.
 */
export function reloadProgress(
  doneTick: number,
  tickNow: number,
  tickHz: number,
  reloadS: number,
): number | null {
  if (doneTick === 0) {
    return null;
  }
  if (reloadS <= 0 || tickHz <= 0) {
    return 1;
  }
  const leftS = (doneTick - tickNow) / tickHz;
  return Math.min(1, Math.max(0, 1 - leftS / reloadS));
}

/** What the HUD shows of the own state. */
export interface OwnHud {
  /** Selected weapon 0..4. */
  readonly weapon: number;
  /** Per slot (pistol, shotgun, rifle, sniper, melee): owned. */
  readonly owned: readonly boolean[];
  /** Rounds in the selected gun's magazine; null when unknown or for melee. */
  readonly magazine: number | null;
  /** Spare rounds of the selected gun (UNLIMITED = -1); null when unknown or for melee. */
  readonly reserve: number | null;
  /** 0..1 while reloading, else null. */
  readonly reload: number | null;
  /** Seconds left of the speed boost, damage boost and spawn protection; null when off. */
  readonly speedS: number | null;
  readonly damageS: number | null;
  readonly protectedS: number | null;
  /** Seconds to the respawn while dead (0 when due), null while alive or unknown. */
  readonly respawnS: number | null;
}

/**
 * The HUD's view of the own state `info` (null: none received yet) at server tick `tickNow` (null:
 * no estimate yet). `selected` is the weapon field of the own entity when it is in the view; the
 * weapons' reload times come from the Welcome.
 */
export function ownHud(
  info: OwnInfo | null,
  tickNow: number | null,
  tickHz: number,
  weapons: readonly WeaponSpec[],
  selected: number | null,
): OwnHud {
  const weapon = selected ?? info?.weapon ?? 0;
  const owned: boolean[] = [];
  for (let i = 0; i < WEAPON_SLOTS; ++i) {
    // Before the first state: the selected weapon and melee, which everybody has.
    owned.push(info === null ? i === weapon || i === GUNS : (info.owned & (1 << i)) !== 0);
  }
  if (info === null) {
    return {
      weapon,
      owned,
      magazine: null,
      reserve: null,
      reload: null,
      speedS: null,
      damageS: null,
      protectedS: null,
      respawnS: null,
    };
  }
  const gun = weapon < GUNS;
  const timer = (until: number): number | null =>
    tickNow === null ? null : secondsUntil(until, tickNow, tickHz);
  const reloadS = weapons[info.weapon]?.reloadS ?? 1;
  return {
    weapon,
    owned,
    magazine: gun ? (info.magazine[weapon] ?? 0) : null,
    reserve: gun ? (info.reserve[weapon] ?? 0) : null,
    reload:
      info.reloadDoneTick === 0
        ? null
        : tickNow === null
          ? 0
          : reloadProgress(info.reloadDoneTick, tickNow, tickHz, reloadS),
    speedS: timer(info.speedUntil),
    damageS: timer(info.damageUntil),
    protectedS: timer(info.protectedUntil),
    respawnS: info.respawnTick === 0 ? null : (timer(info.respawnTick) ?? (tickNow === null ? null : 0)),
  };
}

/** "12 / 36", "7 / ∞" (unlimited spare rounds), "–" when unknown. */
export function formatAmmo(magazine: number | null, reserve: number | null): string {
  if (magazine === null) {
    return '–';
  }
  const spare = reserve === null ? '–' : reserve < 0 ? '∞' : `${reserve}`;
  return `${magazine} / ${spare}`;
}
