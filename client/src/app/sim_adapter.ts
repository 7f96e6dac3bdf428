// The seam between the app and the client-side simulation of src/game/: the fixed-rate input
// sender with redundancy (input.ts), own-player prediction and reconciliation (prediction.ts,
// movement.ts) and snapshot interpolation with an adaptive delay (interpolation.ts). The app
// talks only to Sim below; the game modules' own APIs are used here alone.
//
//   snapshot ──> Sim.onSnapshot ──> Interpolator.push       (every client)
//                                └─> Predictor.reconcile    (players, once the map is known)
//                                └─> InputSender.acknowledge
//   frame    ──> Sim.inputs(controls) ──> InputSender.update ──> Predictor.applyInput ──> batch
//            ──> Sim.sample(now) ──> Interpolator.sample (entities) + Predictor.renderPosition

import type { View } from '../net/delta';
import type { InputSample } from '../net/messages';
import { InputSender } from '../game/input';
import { Interpolator } from '../game/interpolation';
import { CollisionMap, type MovementParams } from '../game/movement';
import { Predictor } from '../game/prediction';
import type { EntityKind } from '../net/fields';
import type { GameMap } from './map_data';
import type { WelcomeInfo } from './world';

/** What the controls ask for at one instant. */
export interface ControlState {
  readonly moveX: number;
  readonly moveY: number;
  readonly aim: number;
  readonly buttons: number;
  /** 0..3, or -1 to keep the weapon. */
  readonly weaponSlot: number;
}

/** An entity as drawn. */
export interface RenderEntity {
  readonly localId: number;
  readonly kind: EntityKind;
  /** Quantised fields as decoded (net/fields.ts tables). */
  readonly f: readonly number[];
  /** Position in wu at the render time (projectiles: where they have flown to; walls, pickups: 0). */
  readonly x: number;
  readonly y: number;
  /** Radians (players: aim; projectiles: direction; others 0). */
  readonly angle: number;
}

export interface SimFrame {
  /** Server tick drawn (with a fraction). */
  readonly renderTick: number;
  readonly entities: readonly RenderEntity[];
}

export interface SimStats {
  /** Interpolation delay drawn now, ms (null before the first snapshot). */
  readonly delayMs: number | null;
  readonly jitterMs: number;
  /** Length of the newest prediction correction, wu. */
  readonly correctionWu: number;
  /** Inputs sent that no snapshot acknowledged yet. */
  readonly pendingInputs: number;
}

/** A decoded snapshot as the simulation needs it (net/snapshots.ts DecodedSnapshot fits). */
export interface SimSnapshot {
  readonly tick: number;
  readonly lastInput: number;
  readonly view: View;
}

/** The simulation of one connection (a Welcome starts a new one). */
export class Sim {
  private readonly sender: InputSender | null;
  private readonly interpolator: Interpolator;
  private predictor: Predictor | null = null;
  private readonly params: MovementParams;
  private readonly playerId: number;

  /** `spectator`: no inputs and no prediction, only interpolation. */
  constructor(w: WelcomeInfo, spectator: boolean) {
    this.params = {
      tickHz: w.tickHz,
      radius: w.playerRadius,
      speed: w.playerSpeed,
      speedBoost: w.speedBoost,
    };
    this.playerId = w.playerId;
    this.sender = spectator ? null : new InputSender({ tickHz: w.tickHz });
    this.interpolator = new Interpolator({ tickHz: w.tickHz, snapshotHz: w.snapshotHz, weapons: w.weapons });
  }

  /** The map's walls for prediction (GET /map); prediction starts with the next snapshot. */
  setMap(map: GameMap): void {
    if (this.sender === null) {
      return;
    }
    const collision = new CollisionMap(map.width, map.height, map.walls);
    if (this.predictor === null) {
      this.predictor = new Predictor(collision, this.params, this.playerId);
    } else {
      this.predictor.setMap(collision);
    }
  }

  /**
   * The input samples due at `nowMs` (one per server tick), applied to the prediction at once,
   * and the InputBatch to send (null when no sample was due), with `resync` set when the client
   * asks for a full snapshot. Players only.
   */
  inputs(controls: ControlState, nowMs: number, ackSnapshot: number, resync = false): Uint8Array | null {
    if (this.sender === null) {
      return null;
    }
    const samples = this.sender.update(controls, nowMs, ackSnapshot);
    return this.applied(samples, resync);
  }

  /** One sample now, whatever the clock (a neutral input when the tab is hidden). */
  inputNow(controls: ControlState, nowMs: number, ackSnapshot: number, resync = false): Uint8Array | null {
    if (this.sender === null) {
      return null;
    }
    return this.applied([this.sender.sample(controls, nowMs, ackSnapshot)], resync);
  }

  private applied(samples: readonly InputSample[], resync: boolean): Uint8Array | null {
    if (samples.length === 0 || this.sender === null) {
      return null;
    }
    for (const s of samples) {
      this.predictor?.applyInput(s);
    }
    return this.sender.batch(resync);
  }

  onSnapshot(s: SimSnapshot, receivedMs: number): void {
    this.interpolator.push(s, receivedMs);
    this.predictor?.reconcile(s, receivedMs);
    this.sender?.acknowledge(s.lastInput);
  }

  sample(nowMs: number): SimFrame {
    return this.interpolator.sample(nowMs);
  }

  /** Where to draw the own player (predicted), or null (spectator, no map or snapshot yet). */
  ownPosition(nowMs: number): { readonly x: number; readonly y: number } | null {
    return this.predictor?.renderPosition(nowMs) ?? null;
  }

  /** The aim of the newest local input (the own player is drawn with it), or null. */
  ownAim(): number | null {
    return this.predicting ? (this.predictor?.aim ?? null) : null;
  }

  /** Whether the own player is predicted (a map and a snapshot with the player arrived). */
  get predicting(): boolean {
    return this.predictor !== null && this.predictor.position !== null;
  }

  stats(nowMs: number): SimStats {
    return {
      delayMs: this.interpolator.delayMs(nowMs),
      jitterMs: this.interpolator.jitterMs,
      correctionWu: this.predictor?.lastCorrection ?? 0,
      pendingInputs: this.sender?.pending.length ?? 0,
    };
  }
}
