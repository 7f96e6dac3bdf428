// The client's inputs: sampled at a fixed rate, numbered, and sent in batches with redundancy
// (docs/protocol.md "Input and InputBatch").
//
// Rate: one sample per server tick (Welcome.tick_hz, 30 Hz by default), and one InputBatch per
// sample. The server applies the newest input it has at each tick, so sampling faster would not
// move the player more often, and sampling slower would make it apply the same input twice. The
// own player's prediction (prediction.ts) moves one tick per sample for the same reason.
//
//   seq:    1      2      3      4      5      6     (acknowledged up to 3 by a snapshot)
//   batch:                            [4, 5, 6]        the newest and up to batchSize - 1
//                                                      before it that no snapshot acknowledged
//
// A batch is sent once and never resent: a lost batch is covered by the next ones, which repeat
// the samples the server has not acknowledged. The server reads at most 8 per batch and ignores
// seqs it has seen, so repeats are harmless.
//
// Buttons: a held button is set in every sample while it is held. A click shorter than the
// sampling period would fall between two samples, so press() latches it: it is set in every
// sample until one carrying it has gone out in a batch. A weapon selection is latched the same
// way. The server ORs the buttons of all inputs it receives before one tick, so a latched click
// is never lost when two samples arrive together.

import { MAX_BATCH_INPUTS, encodeInputBatch, type InputSample } from '../net/messages';

/** What the controls ask for at one instant. */
export interface InputControls {
  /** -1, 0, 1: screen-relative, +x right (other values are clamped and rounded). */
  readonly moveX: number;
  /** -1, 0, 1: +y down. */
  readonly moveY: number;
  /** Radians, 0 = +x. */
  readonly aim: number;
  /** Buttons held now (Buttons bits of net/messages.ts). */
  readonly buttons: number;
  /** 0..3 to select pistol/shotgun/rifle/sniper now, -1 to keep the weapon (default -1). */
  readonly weaponSlot?: number;
}

export interface InputSenderOptions {
  /** Samples per second: the server's tick rate (Welcome.tick_hz). */
  readonly tickHz: number;
  /** Samples per batch: the newest and up to batchSize - 1 unacknowledged ones (default 5, 1..8). */
  readonly batchSize?: number;
  /** Sequence number of the first sample (default 1). */
  readonly firstSeq?: number;
  /** At most this many samples from one update() after a stall (default 4); older ones are skipped. */
  readonly maxCatchUp?: number;
}

/** Default samples per batch: the newest and 4 before it (about 130 ms of inputs at 30 Hz). */
export const DEFAULT_BATCH_SIZE = 5;

function clampMove(v: number): number {
  return Number.isFinite(v) ? Math.max(-1, Math.min(1, Math.round(v))) : 0;
}

/** Samples the controls at a fixed rate and builds the InputBatch messages that carry them. */
export class InputSender {
  private readonly periodMs: number;
  private readonly batchSize: number;
  private readonly maxCatchUp: number;
  private nextSeq: number;
  private nextDueMs: number | null = null;
  /** Samples not acknowledged yet, oldest first. */
  private unacked: InputSample[] = [];
  private latchedButtons = 0;
  private latchedSlot = -1;
  /** Latched state that went into the newest sample: cleared once that sample is sent. */
  private inNewest: { buttons: number; slot: number } = { buttons: 0, slot: -1 };
  private newestSent = true;

  constructor(options: InputSenderOptions) {
    if (!(options.tickHz > 0)) {
      throw new RangeError(`tickHz must be positive, got ${options.tickHz}`);
    }
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_INPUTS) {
      throw new RangeError(`batchSize must be 1 .. ${MAX_BATCH_INPUTS}, got ${size}`);
    }
    this.periodMs = 1000 / options.tickHz;
    this.batchSize = size;
    this.maxCatchUp = Math.max(1, options.maxCatchUp ?? 4);
    this.nextSeq = options.firstSeq ?? 1;
  }

  /** Latches a button press (Buttons bits) until a sample carrying it has been sent. */
  press(buttons: number): void {
    this.latchedButtons |= buttons & 0xff;
  }

  /** Latches a weapon selection (0..3) until a sample carrying it has been sent. */
  selectWeapon(slot: number): void {
    if (Number.isInteger(slot) && slot >= 0 && slot <= 3) {
      this.latchedSlot = slot;
    }
  }

  /**
   * Makes the next sample (seq + 1) from the controls, the latched presses and `ackSnapshot` (the
   * newest snapshot id decoded, SnapshotReceiver.ackId()). Call it once per tick, or use update().
   */
  sample(controls: InputControls, nowMs: number, ackSnapshot: number): InputSample {
    const slot = this.latchedSlot >= 0 ? this.latchedSlot : (controls.weaponSlot ?? -1);
    const s: InputSample = {
      seq: this.nextSeq,
      clientTimeMs: Math.floor(Math.max(0, nowMs)) % 2 ** 32,
      moveX: clampMove(controls.moveX),
      moveY: clampMove(controls.moveY),
      aim: Number.isFinite(controls.aim) ? controls.aim : 0,
      buttons: (controls.buttons | this.latchedButtons) & 0xff,
      weaponSlot: Number.isInteger(slot) && slot >= -1 && slot <= 3 ? slot : -1,
      ackSnapshot,
    };
    this.nextSeq = (this.nextSeq + 1) % 2 ** 32;
    this.unacked.push(s);
    // Bound the memory while nothing is acknowledged (a stalled connection): a batch never
    // carries more than batchSize anyway.
    if (this.unacked.length > 4 * MAX_BATCH_INPUTS) {
      this.unacked.splice(0, this.unacked.length - 4 * MAX_BATCH_INPUTS);
    }
    this.inNewest = { buttons: this.latchedButtons, slot: this.latchedSlot };
    this.newestSent = false;
    return s;
  }

  /**
   * The fixed-rate clock: makes every sample due at `nowMs` (one per 1000 / tickHz ms since the
   * first call) and returns them, oldest first (usually zero or one per animation frame). After a
   * stall (a hidden tab) at most maxCatchUp are made and the clock skips ahead.
   */
  update(controls: InputControls, nowMs: number, ackSnapshot: number): InputSample[] {
    if (this.nextDueMs === null) {
      this.nextDueMs = nowMs;
    }
    const out: InputSample[] = [];
    while (nowMs >= this.nextDueMs) {
      if (out.length === this.maxCatchUp) {
        this.nextDueMs = nowMs + this.periodMs; // skip the rest
        break;
      }
      out.push(this.sample(controls, nowMs, ackSnapshot));
      this.nextDueMs += this.periodMs;
    }
    return out;
  }

  /**
   * Envelope(InputBatch) of the newest samples not acknowledged yet (at most batchSize, oldest
   * first), or null when there is none; `resync` asks the server for a full snapshot
   * (SnapshotReceiver.needsResync). Marks the newest sample as sent, which releases the presses
   * latched into it. Call it after each sample (or update() that made any).
   */
  batch(resync = false): Uint8Array | null {
    const inputs = this.batchInputs();
    if (inputs.length === 0) {
      return null;
    }
    const bytes = encodeInputBatch(inputs, resync);
    if (!this.newestSent) {
      this.newestSent = true;
      this.latchedButtons &= ~this.inNewest.buttons;
      if (this.latchedSlot === this.inNewest.slot) {
        this.latchedSlot = -1;
      }
    }
    return bytes;
  }

  /** The samples batch() would send now, oldest first. */
  batchInputs(): readonly InputSample[] {
    return this.unacked.slice(Math.max(0, this.unacked.length - this.batchSize));
  }

  /**
   * A snapshot's header.last_input: the server applied every sample up to that seq, so they are
   * not repeated any more. A value above the newest seq comes from an earlier session of this
   * player (the server ignores seqs not above the last it accepted): numbering continues after it.
   */
  acknowledge(lastInput: number): void {
    if (lastInput >= this.nextSeq) {
      this.nextSeq = (lastInput + 1) % 2 ** 32;
    }
    this.unacked = this.unacked.filter((s) => s.seq > lastInput);
  }

  /** Sequence number the next sample gets. */
  get nextSequence(): number {
    return this.nextSeq;
  }

  /** Samples not acknowledged yet (what batches repeat), oldest first. */
  get pending(): readonly InputSample[] {
    return this.unacked;
  }
}
