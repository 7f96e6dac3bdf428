// Entities other than the own player, drawn a little in the past so that there is always a
// snapshot on each side of the time drawn: positions are interpolated between the two, never
// guessed, except projectiles, which fly straight and are computed from their spawn.
//
// Time is the server's tick (a number with a fraction), not arrival time: snapshots leave the
// server on ticks 1 or 2 apart (20 of 30 at the defaults), and `header.tick` says which.
//
//   server tick clock   transit_i = received_ms_i - tick_i x ms_per_tick   (latency + clock offset)
//                       offset    = the lowest transit seen, relaxed upwards 5 % per snapshot
//                                   towards later ones (follows a latency that grows or a
//                                   server running slow; a faster packet lowers it at once)
//                       server tick at now = (now - offset) / ms_per_tick
//   jitter              J += (|transit_i - transit_i-1| - J) / 16        (RFC 3550, 6.4.1)
//   delay (target)      min(maxDelayMs, max(baseDelayMs, 1.5 x gap) + jitterFactor x J)
//                       gap = the longest regular interval between snapshots,
//                       ceil(tick_hz / snapshot_hz) ticks (67 ms at 30/20 Hz): at the defaults
//                       100 ms + 2 J
//   render tick         a clock that runs at 0.9x .. 1.1x real time, steered towards
//                       server tick - delay (an error of e ms changes its rate by e / 500,
//                       clamped; more than 250 ms off, it jumps), so a changing delay or
//                       offset never makes motion jerk or time run backwards
//
// At the render tick t, between buffered snapshots A (tick <= t) and B (tick > t):
//   - an entity in A and in B (same instance) is interpolated: positions linearly, aims along the
//     shorter arc; other fields are A's until t reaches B;
//   - an entity only in A is drawn as in A (it leaves at B), one only in B is not drawn yet;
//   - a jump longer than an entity could move (a respawn, a flag returned) is not interpolated:
//     A's position until B;
//   - projectiles: spawn + direction x projectile_speed x (t - fired_tick + 1) / tick_hz
//     (docs/protocol.md), within their lifetime.
// Past the newest snapshot (starved) positions are extrapolated from the last two snapshots for
// at most maxExtrapolationMs, then held. Before the oldest one, the oldest is drawn.
//
// Identity: a local id is reused after its entity left the view, possibly by another entity of
// the same kind. An instance number is given to each appearance: same (local id, kind) as in the
// previous snapshot and the same identity fields (player slot, wall or pickup index, flag team,
// every projectile field), else a new instance. Only one instance is ever interpolated with
// itself; a renderer keys its sprites by instance.

import type { View, ViewEntry } from '../net/delta';
import {
  EntityKind,
  FlagField,
  PickupField,
  PlayerField,
  ProjectileField,
  WallField,
  dequantiseAngle,
  dequantisePosition,
} from '../net/fields';
import type { Welcome } from '../proto/game_generated';

/** What a projectile needs of its weapon (Welcome.weapons). */
export interface ProjectileWeapon {
  /** wu/s. */
  readonly projectileSpeed: number;
  /** Seconds a projectile lives. */
  readonly lifetimeS: number;
}

export interface InterpolatorOptions {
  /** Simulation ticks per second (Welcome.tick_hz). */
  readonly tickHz: number;
  /** Snapshots per second (Welcome.snapshot_hz). */
  readonly snapshotHz: number;
  /** Weapons by index (Welcome.weapons), for projectiles. */
  readonly weapons: readonly ProjectileWeapon[];
  /** Interpolation delay without jitter, ms (default 100). */
  readonly baseDelayMs?: number;
  /** Largest delay, ms (default 400). */
  readonly maxDelayMs?: number;
  /** Delay added per ms of measured jitter (default 2). */
  readonly jitterFactor?: number;
  /** Longest extrapolation past the newest snapshot, ms (default 100). */
  readonly maxExtrapolationMs?: number;
  /** Fastest an entity moves without teleporting, wu/s (default 480: boosted speed plus the largest separation push, with margin). */
  readonly maxEntitySpeed?: number;
}

/** Interpolator options from a Welcome (delays at their defaults). */
export function interpolatorOptionsFromWelcome(w: Welcome): InterpolatorOptions {
  const weapons: ProjectileWeapon[] = [];
  for (let i = 0; i < w.weaponsLength(); ++i) {
    const x = w.weapons(i);
    weapons.push({ projectileSpeed: x?.projectileSpeed() ?? 0, lifetimeS: x?.lifetimeS() ?? 0 });
  }
  return { tickHz: w.tickHz(), snapshotHz: w.snapshotHz(), weapons };
}

/** How an entity's position was found. */
export type SampleMode = 'interpolated' | 'held' | 'extrapolated';

/** An entity as drawn at the render tick. */
export interface InterpolatedEntity {
  /** Stable while the same entity stays in view; a renderer keys its sprites by it. */
  readonly instance: number;
  readonly localId: number;
  readonly kind: EntityKind;
  /** Quantised fields (net/fields.ts tables) of the snapshot at or before the render tick. */
  readonly f: readonly number[];
  /** wu. Players and flags: interpolated; projectiles: flown; walls and pickups: 0 (they index MapData). */
  readonly x: number;
  readonly y: number;
  /** Radians in [0, 2 pi): players' aim, projectiles' direction, others 0. */
  readonly angle: number;
  readonly mode: SampleMode;
}

/** The entities at one render tick. */
export interface InterpolatedFrame {
  /** Server tick drawn (with a fraction). */
  readonly renderTick: number;
  readonly entities: readonly InterpolatedEntity[];
}

interface Tracked {
  readonly instance: number;
  readonly entry: ViewEntry;
  /** Projectiles: the full tick it was fired on. */
  readonly firedTick: number;
}

interface Frame {
  readonly tick: number;
  readonly entities: ReadonlyMap<number, Tracked>;
}

const TWO_PI = 2 * Math.PI;
const OFFSET_RELAX = 0.05;
const RATE_LIMIT = 0.1;
const STEER_MS = 500;
const JUMP_MS = 250;
const MAX_FRAMES = 64;
const TELEPORT_SLACK_WU = 32;

function keyOf(e: ViewEntry): number {
  return e.localId * 8 + e.kind;
}

/** True when two entries of the same (local id, kind) are the same entity. */
function sameEntity(a: ViewEntry, b: ViewEntry): boolean {
  switch (b.kind) {
    case EntityKind.Player:
      return a.f[PlayerField.Id] === b.f[PlayerField.Id];
    case EntityKind.Projectile:
      return a.f.every((v, i) => v === b.f[i]);
    case EntityKind.Pickup:
      return a.f[PickupField.Index] === b.f[PickupField.Index];
    case EntityKind.Wall:
      return a.f[WallField.Index] === b.f[WallField.Index];
    case EntityKind.Flag:
      return a.f[FlagField.Team] === b.f[FlagField.Team];
  }
}

/** Position in wu of a player or flag entry (x, y are fields 0 and 1 of both). */
function positionOf(e: ViewEntry): [number, number] {
  return [dequantisePosition(e.f[0] ?? 0), dequantisePosition(e.f[1] ?? 0)];
}

/** `a` + the shorter arc to `b`, times t; in [0, 2 pi). */
export function lerpAngle(a: number, b: number, t: number): number {
  let d = (b - a) % TWO_PI;
  if (d > Math.PI) d -= TWO_PI;
  if (d < -Math.PI) d += TWO_PI;
  const r = (a + d * t) % TWO_PI;
  return r < 0 ? r + TWO_PI : r;
}

/** Buffers snapshots and samples the entities at a render tick behind the newest. One per connection. */
export class Interpolator {
  private readonly msPerTick: number;
  private readonly weapons: readonly ProjectileWeapon[];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitterFactor: number;
  private readonly gapMs: number;
  private readonly maxExtrapolationTicks: number;
  private readonly maxStepWuPerTick: number;
  private frames: Frame[] = [];
  private nextInstance = 1;
  private offsetMs: number | null = null;
  private lastTransitMs: number | null = null;
  private jitter = 0;
  private renderTick_: number | null = null;
  private lastSampleMs = 0;

  constructor(options: InterpolatorOptions) {
    if (!(options.tickHz > 0) || !(options.snapshotHz > 0)) {
      throw new RangeError('tickHz and snapshotHz must be positive');
    }
    this.msPerTick = 1000 / options.tickHz;
    this.weapons = options.weapons;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 400;
    this.jitterFactor = options.jitterFactor ?? 2;
    this.gapMs = Math.ceil(options.tickHz / options.snapshotHz) * this.msPerTick;
    this.maxExtrapolationTicks = (options.maxExtrapolationMs ?? 100) / this.msPerTick;
    this.maxStepWuPerTick = (options.maxEntitySpeed ?? 480) / options.tickHz;
  }

  /**
   * Adds a decoded snapshot (its header.tick and view) received at local time `receivedMs`.
   * Returns false, ignoring it, when its tick is not newer than the newest one's.
   */
  push(snapshot: { readonly tick: number; readonly view: View }, receivedMs: number): boolean {
    const newest = this.frames[this.frames.length - 1];
    if (newest !== undefined && snapshot.tick <= newest.tick) {
      return false;
    }
    const entities = new Map<number, Tracked>();
    for (const e of snapshot.view) {
      const key = keyOf(e);
      const before = newest?.entities.get(key);
      if (before !== undefined && sameEntity(before.entry, e)) {
        entities.set(key, { instance: before.instance, entry: e, firedTick: before.firedTick });
        continue;
      }
      let firedTick = 0;
      if (e.kind === EntityKind.Projectile) {
        const low = e.f[ProjectileField.SpawnTick] ?? 0;
        firedTick = snapshot.tick - ((((snapshot.tick - low) % 65536) + 65536) % 65536);
      }
      entities.set(key, { instance: this.nextInstance++, entry: e, firedTick });
    }
    this.frames.push({ tick: snapshot.tick, entities });
    if (this.frames.length > MAX_FRAMES) {
      this.frames.splice(0, this.frames.length - MAX_FRAMES);
    }
    // Clock and jitter.
    const transit = receivedMs - snapshot.tick * this.msPerTick;
    if (this.lastTransitMs !== null) {
      this.jitter += (Math.abs(transit - this.lastTransitMs) - this.jitter) / 16;
    }
    this.lastTransitMs = transit;
    if (this.offsetMs === null || transit < this.offsetMs) {
      this.offsetMs = transit;
    } else {
      this.offsetMs += (transit - this.offsetMs) * OFFSET_RELAX;
    }
    return true;
  }

  /** Measured inter-arrival jitter, ms (RFC 3550 estimator). */
  get jitterMs(): number {
    return this.jitter;
  }

  /** The delay the render clock steers towards, ms (formula at the top of this file). */
  targetDelayMs(): number {
    return Math.min(
      this.maxDelayMs,
      Math.max(this.baseDelayMs, 1.5 * this.gapMs) + this.jitterFactor * this.jitter,
    );
  }

  /** Estimated server tick at local time `nowMs` (with a fraction), or null before the first snapshot. */
  serverTick(nowMs: number): number | null {
    return this.offsetMs === null ? null : (nowMs - this.offsetMs) / this.msPerTick;
  }

  /** The delay drawn at `nowMs` (server tick estimate - render tick), ms; null before the first sample(). */
  delayMs(nowMs: number): number | null {
    const server = this.serverTick(nowMs);
    return server === null || this.renderTick_ === null ? null : (server - this.renderTick_) * this.msPerTick;
  }

  /** Tick of the newest snapshot, or null before the first. */
  get newestTick(): number | null {
    return this.frames[this.frames.length - 1]?.tick ?? null;
  }

  /**
   * Advances the render clock to local time `nowMs` (call once per animation frame, with a clock
   * that never goes backwards) and returns the entities at the render tick. Empty before the
   * first snapshot.
   */
  sample(nowMs: number): InterpolatedFrame {
    const server = this.serverTick(nowMs);
    if (server === null) {
      return { renderTick: 0, entities: [] };
    }
    const target = server - this.targetDelayMs() / this.msPerTick;
    if (this.renderTick_ === null) {
      this.renderTick_ = target;
    } else {
      const elapsedTicks = Math.max(0, nowMs - this.lastSampleMs) / this.msPerTick;
      // How far the clock would be off after running at real time.
      const errMs = (target - (this.renderTick_ + elapsedTicks)) * this.msPerTick;
      if (Math.abs(errMs) > JUMP_MS) {
        this.renderTick_ = target;
      } else {
        const rate = 1 + Math.max(-RATE_LIMIT, Math.min(RATE_LIMIT, errMs / STEER_MS));
        this.renderTick_ += elapsedTicks * rate;
      }
    }
    this.lastSampleMs = nowMs;
    const t = this.renderTick_;
    // Frames older than the one at or before t are no longer needed.
    while (this.frames.length > 2 && (this.frames[1]?.tick ?? Infinity) <= t) {
      this.frames.shift();
    }
    return { renderTick: t, entities: this.entitiesAt(t) };
  }

  /** The entities at render tick `t` from the buffered snapshots (no clock involved). */
  entitiesAt(t: number): InterpolatedEntity[] {
    const frames = this.frames;
    const first = frames[0];
    if (first === undefined) {
      return [];
    }
    let i = frames.length - 1;
    while (i > 0 && (frames[i]?.tick ?? 0) > t) {
      --i;
    }
    const a = frames[i] ?? first;
    const out: InterpolatedEntity[] = [];
    if (t < a.tick) {
      // Before the oldest snapshot: the oldest as it is.
      for (const e of a.entities.values()) out.push(this.still(e, t, 'held'));
      return out;
    }
    const b = frames[i + 1];
    if (b !== undefined) {
      const alpha = (t - a.tick) / (b.tick - a.tick);
      for (const [key, ea] of a.entities) {
        const eb = b.entities.get(key);
        out.push(
          eb !== undefined && eb.instance === ea.instance
            ? this.between(ea, eb, b.tick - a.tick, alpha, t)
            : this.still(ea, t, 'held'),
        );
      }
      return out;
    }
    // Starved: past the newest snapshot.
    const prev = frames[i - 1];
    const ahead = Math.min(t - a.tick, this.maxExtrapolationTicks);
    for (const [key, ea] of a.entities) {
      const ep = prev?.entities.get(key);
      if (prev !== undefined && ep !== undefined && ep.instance === ea.instance && ahead > 0) {
        const span = a.tick - prev.tick;
        out.push(this.between(ep, ea, span, 1 + ahead / span, t, 'extrapolated'));
      } else {
        out.push(this.still(ea, t, 'held'));
      }
    }
    return out;
  }

  /** An entity as in one snapshot (projectiles still fly). */
  private still(e: Tracked, t: number, mode: SampleMode): InterpolatedEntity {
    const { entry } = e;
    const base = { instance: e.instance, localId: entry.localId, kind: entry.kind, f: entry.f, mode };
    switch (entry.kind) {
      case EntityKind.Player: {
        const [x, y] = positionOf(entry);
        return { ...base, x, y, angle: dequantiseAngle(entry.f[PlayerField.Aim] ?? 0) };
      }
      case EntityKind.Flag: {
        const [x, y] = positionOf(entry);
        return { ...base, x, y, angle: 0 };
      }
      case EntityKind.Projectile:
        return this.projectile(e, t);
      case EntityKind.Pickup:
      case EntityKind.Wall:
        return { ...base, x: 0, y: 0, angle: 0 };
    }
  }

  /** The same entity between its state in two snapshots `span` ticks apart, at fraction `alpha` (> 1 extrapolates). */
  private between(
    ea: Tracked,
    eb: Tracked,
    span: number,
    alpha: number,
    t: number,
    mode: SampleMode = 'interpolated',
  ): InterpolatedEntity {
    const kind = ea.entry.kind;
    if (kind === EntityKind.Projectile) {
      return this.projectile(ea, t);
    }
    if (kind !== EntityKind.Player && kind !== EntityKind.Flag) {
      return this.still(alpha < 1 ? ea : eb, t, 'held');
    }
    const [ax, ay] = positionOf(ea.entry);
    const [bx, by] = positionOf(eb.entry);
    if (Math.hypot(bx - ax, by - ay) > this.maxStepWuPerTick * span + TELEPORT_SLACK_WU) {
      return this.still(alpha < 1 ? ea : eb, t, 'held'); // a teleport: no sliding across the map
    }
    const shown = alpha < 1 ? ea.entry : eb.entry;
    const angle =
      kind === EntityKind.Player
        ? lerpAngle(
            dequantiseAngle(ea.entry.f[PlayerField.Aim] ?? 0),
            dequantiseAngle(eb.entry.f[PlayerField.Aim] ?? 0),
            alpha,
          )
        : 0;
    return {
      instance: ea.instance,
      localId: shown.localId,
      kind,
      f: shown.f,
      x: ax + (bx - ax) * alpha,
      y: ay + (by - ay) * alpha,
      angle,
      mode,
    };
  }

  /** A projectile at render tick t: flown from its spawn, within its lifetime. */
  private projectile(e: Tracked, t: number): InterpolatedEntity {
    const { entry } = e;
    const angle = dequantiseAngle(entry.f[ProjectileField.Angle] ?? 0);
    const weapon = this.weapons[entry.f[ProjectileField.Weapon] ?? 0];
    const speed = weapon?.projectileSpeed ?? 0;
    const lifeTicks = (weapon?.lifetimeS ?? 0) / (this.msPerTick / 1000);
    const ticks = Math.max(0, Math.min(t - e.firedTick + 1, lifeTicks));
    const dist = (speed * ticks * this.msPerTick) / 1000;
    return {
      instance: e.instance,
      localId: entry.localId,
      kind: entry.kind,
      f: entry.f,
      x: dequantisePosition(entry.f[ProjectileField.X] ?? 0) + Math.cos(angle) * dist,
      y: dequantisePosition(entry.f[ProjectileField.Y] ?? 0) + Math.sin(angle) * dist,
      angle,
      mode: 'extrapolated',
    };
  }
}
