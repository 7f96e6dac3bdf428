import { describe, expect, it } from 'vitest';

import { NetStats, lossPercent } from '../../src/app/net_stats';

describe('lossPercent', () => {
  it('is 0 without gaps or with too few ids', () => {
    expect(lossPercent([])).toBe(0);
    expect(lossPercent([5])).toBe(0);
    expect(lossPercent([1, 2, 3, 4])).toBe(0);
  });

  it('counts the ids missing between the lowest and the highest', () => {
    expect(lossPercent([1, 2, 4, 5])).toBe(20);
    expect(lossPercent([10, 19])).toBe(80);
  });

  it('does not count reordering or duplicates as loss', () => {
    expect(lossPercent([3, 1, 2, 2])).toBe(0);
  });
});

describe('NetStats', () => {
  it('averages snapshot and byte rates over its window', () => {
    const s = new NetStats(1000);
    for (let i = 0; i < 20; ++i) {
      s.addSnapshot(i + 1, i * 50);
      s.addBytesIn(500, i * 50);
    }
    s.addBytesOut(1000, 900);
    const sum = s.summary(999);
    expect(sum.snapshotsPerSecond).toBe(20);
    expect(sum.kbpsIn).toBe(80); // 10000 bytes in 1 s
    expect(sum.kbpsOut).toBe(8);
    expect(sum.lossPercent).toBe(0);
    // Two seconds later everything has left the window.
    const later = s.summary(3000);
    expect(later.snapshotsPerSecond).toBe(0);
    expect(later.kbpsIn).toBe(0);
  });

  it('estimates loss from gaps in snapshot ids', () => {
    const s = new NetStats();
    for (const id of [1, 2, 3, 5, 6, 7, 9, 10]) {
      s.addSnapshot(id, id * 50);
    }
    expect(s.summary(500).lossPercent).toBe(20);
  });

  it('starts over when the numbering restarts (a new connection)', () => {
    const s = new NetStats();
    for (let id = 1000; id < 1010; ++id) {
      s.addSnapshot(id, 0);
    }
    s.addSnapshot(1, 10);
    s.addSnapshot(2, 20);
    expect(s.summary(30).lossPercent).toBe(0);
  });

  it('smooths round-trip times and ignores nonsense', () => {
    const s = new NetStats();
    expect(s.summary(0).rttMs).toBeNull();
    s.addRtt(100);
    expect(s.summary(0).rttMs).toBe(100);
    s.addRtt(200);
    expect(s.summary(0).rttMs).toBeCloseTo(120);
    s.addRtt(-5);
    s.addRtt(Number.NaN);
    expect(s.summary(0).rttMs).toBeCloseTo(120);
  });
});
