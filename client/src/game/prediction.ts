// Prediction of the own player: it moves at once on local inputs instead of a round trip later,
// and follows the server, which stays the authority, through reconciliation.
//
//   local input seq 7 ──> pending [5, 6, 7], predicted = one more tick of movement
//   snapshot: own player at P (1/8 wu), last_input 5
//        ──> pending [6, 7]; predicted = P, then replay 6 and 7 (movement.ts, the server's code)
//        ──> error = old predicted - new predicted, added to a render offset that decays
//
// One input sample is one server tick of movement (input.ts samples at Welcome.tick_hz). The
// server applies the newest input it has at each tick; when two samples reach it before one tick,
// only the newer moves the player, and a tick with no new sample repeats the last one. Those
// ticks, the separation between players (not predicted, see movement.ts) and boosts starting or
// ending between snapshots are what the server corrects; on a steady link the prediction is
// exact, because movement.ts is bit-exact with the server.
//
// Smoothing: the drawn position is predicted + offset. A correction adds (old - new predicted)
// to the offset, so the drawn player does not jump; the offset then decays exponentially with
// time constant correctionMs (100 ms: 63 % of it gone after 100 ms, 95 % after 300 ms). A
// correction larger than snapDistance (a teleport, a respawn, a long stall) is taken at once,
// as is a respawn (alive again) and the first snapshot.

import type { View } from '../net/delta';
import { EntityKind, PlayerField, PlayerStatus, dequantisePosition } from '../net/fields';
import { type CollisionMap, type MovementParams, type Vec2, stepMovement } from './movement';

export interface PredictorOptions {
  /** Time constant of the correction's decay, ms (default 100). */
  readonly correctionMs?: number;
  /** A correction longer than this (wu) snaps instead of being smoothed (default 64). */
  readonly snapDistance?: number;
  /** Unacknowledged inputs kept at most (default 120, 4 s at 30 Hz); older ones are dropped. */
  readonly maxPending?: number;
}

/** The part of an input sample prediction uses (an InputSample fits). */
export interface PredictedInput {
  readonly seq: number;
  readonly moveX: number;
  readonly moveY: number;
  readonly aim: number;
}

/** The part of a decoded snapshot reconciliation uses (a DecodedSnapshot fits). */
export interface ReconcileSnapshot {
  /** header.last_input: newest input seq the server applied. */
  readonly lastInput: number;
  readonly view: View;
}

/** An offset below this (wu) counts as none. */
const OFFSET_EPSILON = 1e-3;

/** Predicts and reconciles the own player. One per connection (a Welcome starts a new one). */
export class Predictor {
  private map: CollisionMap;
  private readonly params: MovementParams;
  private readonly slotId: number;
  private readonly correctionMs: number;
  private readonly snapDistance: number;
  private readonly maxPending: number;
  private pending: PredictedInput[] = [];
  private predicted: Vec2 | null = null;
  private alive_ = false;
  private boosted_ = false;
  private aim_ = 0;
  private offsetX = 0;
  private offsetY = 0;
  private offsetAtMs = 0;
  private lastCorrection_ = 0;

  /**
   * `map` holds the walls (its wall states are updated from each reconciled view), `params` the
   * movement rules (movementParamsFromWelcome), `playerSlot` Welcome.player_id.
   */
  constructor(map: CollisionMap, params: MovementParams, playerSlot: number, options: PredictorOptions = {}) {
    this.map = map;
    this.params = params;
    this.slotId = playerSlot & 0xffff; // the player entity's id field: the slot's low 16 bits
    this.correctionMs = options.correctionMs ?? 100;
    this.snapDistance = options.snapDistance ?? 64;
    this.maxPending = options.maxPending ?? 120;
  }

  /** A new map (GET /map again): the next reconcile snaps. */
  setMap(map: CollisionMap): void {
    this.map = map;
    this.predicted = null;
  }

  /**
   * Applies a new local input at once: one tick of movement from the predicted position (nothing
   * while dead or before the first snapshot), and keeps it until a snapshot acknowledges it. Call
   * it with every sample the InputSender makes, in order.
   */
  applyInput(input: PredictedInput): void {
    this.aim_ = input.aim;
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && input.seq <= last.seq) {
      return; // not newer: already applied
    }
    this.pending.push(input);
    if (this.pending.length > this.maxPending) {
      this.pending.splice(0, this.pending.length - this.maxPending);
    }
    if (this.predicted !== null && this.alive_) {
      this.predicted = stepMovement(
        this.map,
        this.params,
        this.predicted,
        input.moveX,
        input.moveY,
        this.boosted_,
      );
    }
  }

  /**
   * Reconciles with a decoded snapshot at local time `nowMs`: updates the walls from its view,
   * drops the inputs up to `lastInput`, and predicts again from the own player's position in the
   * view by replaying the others. Returns false (and only drops the acknowledged inputs) when the
   * own player is not in the view.
   */
  reconcile(snapshot: ReconcileSnapshot, nowMs: number): boolean {
    this.map.updateWalls(snapshot.view);
    this.pending = this.pending.filter((i) => i.seq > snapshot.lastInput);
    const own = snapshot.view.find(
      (e) => e.kind === EntityKind.Player && e.f[PlayerField.Id] === this.slotId,
    );
    if (own === undefined) {
      return false;
    }
    const status = own.f[PlayerField.Status] ?? 0;
    const alive = (status & PlayerStatus.Alive) !== 0;
    const respawned = alive && !this.alive_;
    this.alive_ = alive;
    this.boosted_ = (status & PlayerStatus.Speed) !== 0;
    let p: Vec2 = {
      x: dequantisePosition(own.f[PlayerField.X] ?? 0),
      y: dequantisePosition(own.f[PlayerField.Y] ?? 0),
    };
    if (alive) {
      for (const i of this.pending) {
        p = stepMovement(this.map, this.params, p, i.moveX, i.moveY, this.boosted_);
      }
    }
    const before = this.predicted;
    this.predicted = p;
    if (before === null || respawned) {
      this.setOffset(0, 0, nowMs);
      this.lastCorrection_ = 0;
      return true;
    }
    const o = this.offsetAt(nowMs);
    const ex = before.x - p.x;
    const ey = before.y - p.y;
    this.lastCorrection_ = Math.hypot(ex, ey);
    if (Math.hypot(o.x + ex, o.y + ey) > this.snapDistance) {
      this.setOffset(0, 0, nowMs);
    } else {
      this.setOffset(o.x + ex, o.y + ey, nowMs);
    }
    return true;
  }

  /** The predicted position (the server's, once it has applied every pending input), or null before the first snapshot. */
  get position(): Vec2 | null {
    return this.predicted;
  }

  /** Where to draw the own player at `nowMs`: predicted + the decaying correction offset; null before the first snapshot. */
  renderPosition(nowMs: number): Vec2 | null {
    if (this.predicted === null) {
      return null;
    }
    const o = this.offsetAt(nowMs);
    return { x: this.predicted.x + o.x, y: this.predicted.y + o.y };
  }

  /** The correction still to absorb at `nowMs` (render - predicted), wu. */
  offsetAt(nowMs: number): Vec2 {
    if (this.offsetX === 0 && this.offsetY === 0) {
      return { x: 0, y: 0 };
    }
    const k = Math.exp(-Math.max(0, nowMs - this.offsetAtMs) / this.correctionMs);
    const x = this.offsetX * k;
    const y = this.offsetY * k;
    return Math.hypot(x, y) < OFFSET_EPSILON ? { x: 0, y: 0 } : { x, y };
  }

  /** Aim of the newest local input (radians): the own player is drawn with it, not the server's. */
  get aim(): number {
    return this.aim_;
  }

  /** Alive in the newest reconciled snapshot. */
  get alive(): boolean {
    return this.alive_;
  }

  /** Under a speed boost in the newest reconciled snapshot (predicted with it until the next). */
  get boosted(): boolean {
    return this.boosted_;
  }

  /** Inputs applied locally that no snapshot has acknowledged yet. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Length of the newest correction (wu): how far the prediction was off, for the network panel. */
  get lastCorrection(): number {
    return this.lastCorrection_;
  }

  private setOffset(x: number, y: number, nowMs: number): void {
    this.offsetX = x;
    this.offsetY = y;
    this.offsetAtMs = nowMs;
  }
}
