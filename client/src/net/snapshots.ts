// The client side of state sync: decodes each Snapshot against the view named by its
// header.baseline and keeps the last 32 decoded views by snapshot id, as the server keeps the
// views it sent (docs/protocol.md "Snapshot delta format"). The newest decoded id goes back to the
// server in every input (ack_snapshot), and the server encodes the next snapshots against it.
//
//   snapshot id 7, baseline 5 ──> ring[5 % 32] holds id 5? ── yes ──> decodeDelta(view 5) ──> ring[7]
//                                                          └─ no ──> dropped (unknown baseline)
//
// Snapshots travel on an unreliable channel: one older than or equal to the newest decoded one is
// ignored (the newer one supersedes it), one whose baseline is gone is dropped until the server
// falls back to a full snapshot (baseline 0) or to a baseline the client still has.
//
// Resync: a snapshot that does not decode (malformed), or RESYNC_AFTER_UNKNOWN in a row whose
// baseline the client does not hold, means the client cannot follow the server from what it
// holds. Then needsResync() is true, and the client sets `resync` in every InputBatch (or
// SpectateControl) it sends, until a full snapshot (baseline 0) decodes: the server answers with
// a full snapshot (docs/protocol.md "Views over time").

import type { Effect, EffectType, Snapshot } from '../proto/game_generated';
import { BitReader } from './bitstream';
import { type View, decodeDelta } from './delta';

/** Views remembered (the server's ring is the same size). */
export const SNAPSHOT_RING = 32;

/** One effect of a snapshot, as plain numbers (positions still in 1/2 wu). */
export interface SnapshotEffect {
  readonly type: EffectType;
  readonly detail: number;
  readonly value: number;
  readonly x: number;
  readonly y: number;
  readonly a: number;
  readonly b: number;
}

/** A decoded snapshot: its header, the view it leaves the client with, and its effects. */
export interface DecodedSnapshot {
  readonly id: number;
  readonly tick: number;
  readonly baseline: number;
  readonly lastInput: number;
  readonly view: View;
  readonly effects: readonly SnapshotEffect[];
}

/** What receive() did with a snapshot. */
export type ReceiveResult =
  | 'decoded' // now the newest
  | 'stale' // id older than or equal to the newest decoded one: ignored
  | 'unknown-baseline' // its baseline is not among the views kept: dropped
  | 'malformed'; // no header, id 0, or a delta decodeDelta rejects: dropped

export interface ReceiverStats {
  decoded: number;
  stale: number;
  unknownBaseline: number;
  malformed: number;
  /** Times the receiver started asking for a full snapshot. */
  resyncs: number;
}

/** Why the receiver asks for a full snapshot. */
export type ResyncReason = 'malformed' | 'unknown-baseline';

/**
 * Snapshots in a row (no decode between them) whose baseline is not held before the receiver
 * asks for a full one: half a second at 20 Hz. The server falls back to a full snapshot by itself
 * only once the acknowledged one leaves its ring (1.6 s), or never if it believes the client holds
 * a view that it lost (an acknowledgement from before a reconnection).
 */
export const RESYNC_AFTER_UNKNOWN = 10;

function readEffect(e: Effect): SnapshotEffect {
  return { type: e.type(), detail: e.detail(), value: e.value(), x: e.x(), y: e.y(), a: e.a(), b: e.b() };
}

/** Decodes the snapshots of one connection. Not shared between connections. */
export class SnapshotReceiver {
  private readonly ring: ({ readonly id: number; readonly view: View } | undefined)[] = new Array<undefined>(
    SNAPSHOT_RING,
  ).fill(undefined);
  private newest: DecodedSnapshot | null = null;
  private readonly stats_: ReceiverStats = {
    decoded: 0,
    stale: 0,
    unknownBaseline: 0,
    malformed: 0,
    resyncs: 0,
  };
  private resync: ResyncReason | null = null;
  private unknownRun = 0;

  /**
   * Takes one Snapshot (from a verified envelope, see readEnvelope). Decodes it if its id is newer
   * than every decoded one and its baseline is 0 or a kept view; then it becomes latest().
   */
  receive(snapshot: Snapshot): ReceiveResult {
    const header = snapshot.header();
    if (header === null || header.id() === 0) {
      this.stats_.malformed += 1;
      this.startResync('malformed');
      return 'malformed';
    }
    const id = header.id();
    const baselineId = header.baseline();
    if (this.newest !== null && id <= this.newest.id) {
      this.stats_.stale += 1;
      return 'stale';
    }
    let baseline: View = [];
    if (baselineId !== 0) {
      const kept = this.viewOf(baselineId);
      if (kept === null) {
        this.stats_.unknownBaseline += 1;
        this.unknownRun += 1;
        if (this.unknownRun >= RESYNC_AFTER_UNKNOWN) {
          this.startResync('unknown-baseline');
        }
        return 'unknown-baseline';
      }
      baseline = kept;
    }
    const view = decodeDelta(baseline, new BitReader(snapshot.dataArray() ?? new Uint8Array(0)));
    if (view === null) {
      this.stats_.malformed += 1;
      this.startResync('malformed');
      return 'malformed';
    }
    const effects: SnapshotEffect[] = [];
    for (let i = 0; i < snapshot.effectsLength(); ++i) {
      const e = snapshot.effects(i);
      if (e !== null) {
        effects.push(readEffect(e));
      }
    }
    this.ring[id % SNAPSHOT_RING] = { id, view };
    this.newest = {
      id,
      tick: header.tick(),
      baseline: baselineId,
      lastInput: header.lastInput(),
      view,
      effects,
    };
    this.stats_.decoded += 1;
    this.unknownRun = 0;
    if (baselineId === 0) {
      this.resync = null; // a full snapshot: the client holds what the server will build on
    }
    return 'decoded';
  }

  /**
   * True while the client cannot decode against what it holds: from a malformed snapshot, or
   * RESYNC_AFTER_UNKNOWN snapshots in a row with a baseline it does not have, until a full
   * snapshot decodes. Send it as `resync` in every InputBatch / SpectateControl meanwhile.
   */
  needsResync(): boolean {
    return this.resync !== null;
  }

  /** Why needsResync() is true (the first cause since the last full snapshot), or null. */
  resyncReason(): ResyncReason | null {
    return this.resync;
  }

  private startResync(reason: ResyncReason): void {
    if (this.resync === null) {
      this.resync = reason;
      this.stats_.resyncs += 1;
    }
  }

  /** The newest decoded snapshot, or null before the first one. */
  latest(): DecodedSnapshot | null {
    return this.newest;
  }

  /** The id to acknowledge in the next input: the newest decoded id (0 = none yet). */
  ackId(): number {
    return this.newest?.id ?? 0;
  }

  /** The view decoded for snapshot `id` if it is still kept (one of the last 32 ids), else null. */
  viewOf(id: number): View | null {
    const slot = this.ring[id % SNAPSHOT_RING];
    return slot !== undefined && slot.id === id ? slot.view : null;
  }

  /** Counts of receive() results since construction. */
  stats(): Readonly<ReceiverStats> {
    return this.stats_;
  }
}
