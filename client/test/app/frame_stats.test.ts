import { describe, expect, it } from 'vitest';

import { FRAME_WINDOW, FrameStats } from '../../src/app/frame_stats';

describe('FrameStats', () => {
  it('is all zero before the first frame', () => {
    expect(new FrameStats().summary()).toEqual({ frames: 0, meanMs: 0, p99Ms: 0, maxMs: 0 });
  });

  it('gives the mean, the 99th percentile (nearest rank) and the maximum', () => {
    const s = new FrameStats();
    for (let i = 1; i <= 100; ++i) {
      s.add(i / 10); // 0.1 .. 10 ms
    }
    const sum = s.summary();
    expect(sum.frames).toBe(100);
    expect(sum.meanMs).toBeCloseTo(5.05);
    expect(sum.p99Ms).toBeCloseTo(9.9);
    expect(sum.maxMs).toBeCloseTo(10);
  });

  it('keeps only the last FRAME_WINDOW frames', () => {
    const s = new FrameStats();
    s.add(500); // a slow first frame (shader compilation) drops out of the window
    for (let i = 0; i < FRAME_WINDOW; ++i) {
      s.add(2);
    }
    expect(s.summary()).toEqual({ frames: FRAME_WINDOW, meanMs: 2, p99Ms: 2, maxMs: 2 });
    s.add(14);
    expect(s.summary().maxMs).toBe(14);
    expect(s.summary().p99Ms).toBe(2); // one frame of 120 is above the 99th percentile
    s.reset();
    expect(s.summary().frames).toBe(0);
  });

  it('returns the window oldest first, and counts every frame added', () => {
    const s = new FrameStats(3);
    s.add(1);
    s.add(2);
    expect(s.recent()).toEqual([1, 2]);
    s.add(3);
    s.add(4);
    s.add(5);
    expect(s.recent()).toEqual([3, 4, 5]);
    expect(s.total).toBe(5);
    s.reset();
    expect(s.total).toBe(0);
    expect(s.recent()).toEqual([]);
  });

  it('takes a smaller window', () => {
    const s = new FrameStats(3);
    [1, 2, 3, 4].forEach((v) => {
      s.add(v);
    });
    expect(s.summary()).toMatchObject({ frames: 3, meanMs: 3, maxMs: 4 });
  });
});
