// Frame time: how long the client's own work per animation frame takes (its update, the HUD and
// Pixi's render call), measured with performance.now() around that work. Not the interval between
// frames (that is the display's refresh rate, or the browser's throttling). Kept for the last
// FRAME_WINDOW frames; the debug hook reports the summary and the window itself with a running
// frame count, so that a reader polling it (server/tests/interop/client_bench.mjs) can take every
// frame exactly once.

export const FRAME_WINDOW = 120;

export interface FrameTimeSummary {
  /** Frames in the window (at most FRAME_WINDOW). */
  readonly frames: number;
  readonly meanMs: number;
  /** 99th percentile (nearest rank) of the window. */
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class FrameStats {
  private readonly samples: number[] = [];
  private next = 0;
  private total_ = 0;

  constructor(private readonly window = FRAME_WINDOW) {}

  add(ms: number): void {
    if (this.samples.length < this.window) {
      this.samples.push(ms);
    } else {
      this.samples[this.next] = ms;
    }
    this.next = (this.next + 1) % this.window;
    this.total_ += 1;
  }

  /** Frames added since construction (or reset): tells a reader which of recent() are new. */
  get total(): number {
    return this.total_;
  }

  /** The frame times of the window, oldest first. */
  recent(): number[] {
    return this.samples.length < this.window
      ? [...this.samples]
      : [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)];
  }

  summary(): FrameTimeSummary {
    const n = this.samples.length;
    if (n === 0) {
      return { frames: 0, meanMs: 0, p99Ms: 0, maxMs: 0 };
    }
    const sorted = [...this.samples].sort((a, b) => a - b);
    const sum = sorted.reduce((s, v) => s + v, 0);
    return {
      frames: n,
      meanMs: sum / n,
      p99Ms: sorted[Math.max(0, Math.ceil(0.99 * n) - 1)] ?? 0,
      maxMs: sorted[n - 1] ?? 0,
    };
  }

  reset(): void {
    this.samples.length = 0;
    this.next = 0;
    this.total_ = 0;
  }
}
