// Figures of the network panel, from what the connection sees: round-trip times of Pings, the
// ids of the snapshots that arrive (the server numbers them +1 each, so a gap is a loss, or a
// reordering that a later arrival fills), and the bytes each way. Time is an argument (ms on any
// monotonic clock), so the arithmetic is tested without a clock.

export interface NetSummary {
  /** Smoothed round-trip time (ms), null before the first Pong. */
  readonly rttMs: number | null;
  /** Snapshots missing among the last ids seen, in percent (0 .. 100). */
  readonly lossPercent: number;
  /** Snapshots that arrived per second over the window. */
  readonly snapshotsPerSecond: number;
  readonly kbpsIn: number;
  readonly kbpsOut: number;
}

/** Ids considered for the loss estimate. */
export const LOSS_WINDOW_IDS = 100;

export class NetStats {
  private rtt: number | null = null;
  // Snapshot ids seen, newest last (at most LOSS_WINDOW_IDS distinct values considered).
  private ids: number[] = [];
  private readonly arrivals: number[] = [];
  private readonly bytesIn: [number, number][] = [];
  private readonly bytesOut: [number, number][] = [];

  /** `windowMs`: the span the rates are averaged over. */
  constructor(private readonly windowMs = 2000) {}

  /** A Pong came back: `sampleMs` = now - its client_time_ms. */
  addRtt(sampleMs: number): void {
    if (!Number.isFinite(sampleMs) || sampleMs < 0) {
      return;
    }
    this.rtt = this.rtt === null ? sampleMs : this.rtt + (sampleMs - this.rtt) * 0.2;
  }

  /** A snapshot with header id `id` arrived at `nowMs` (decoded or not). */
  addSnapshot(id: number, nowMs: number): void {
    const newest = this.ids.length > 0 ? Math.max(...this.ids) : 0;
    if (id + LOSS_WINDOW_IDS * 4 < newest) {
      this.ids = []; // numbering restarted: a new connection
    }
    if (!this.ids.includes(id)) {
      this.ids.push(id);
      if (this.ids.length > LOSS_WINDOW_IDS) {
        this.ids.shift();
      }
    }
    this.arrivals.push(nowMs);
  }

  addBytesIn(n: number, nowMs: number): void {
    this.bytesIn.push([nowMs, n]);
  }

  addBytesOut(n: number, nowMs: number): void {
    this.bytesOut.push([nowMs, n]);
  }

  /** Forgets the snapshot ids (a new connection numbers from 1 again). */
  resetSnapshots(): void {
    this.ids = [];
  }

  summary(nowMs: number): NetSummary {
    const from = nowMs - this.windowMs;
    while (this.arrivals.length > 0 && (this.arrivals[0] ?? 0) < from) {
      this.arrivals.shift();
    }
    const sum = (list: [number, number][]): number => {
      while (list.length > 0 && (list[0]?.[0] ?? 0) < from) {
        list.shift();
      }
      return list.reduce((acc, [, n]) => acc + n, 0);
    };
    const seconds = this.windowMs / 1000;
    return {
      rttMs: this.rtt,
      lossPercent: lossPercent(this.ids),
      snapshotsPerSecond: this.arrivals.length / seconds,
      kbpsIn: (sum(this.bytesIn) * 8) / 1000 / seconds,
      kbpsOut: (sum(this.bytesOut) * 8) / 1000 / seconds,
    };
  }
}

/**
 * Percent of ids missing between the smallest and the largest of `ids` (distinct values). The
 * newest id's successors are not counted: they may still be on their way.
 */
export function lossPercent(ids: readonly number[]): number {
  if (ids.length < 2) {
    return 0;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const id of ids) {
    min = Math.min(min, id);
    max = Math.max(max, id);
  }
  const expected = max - min + 1;
  const got = new Set(ids).size;
  return Math.max(0, ((expected - got) / expected) * 100);
}
