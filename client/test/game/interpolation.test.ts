// Interpolator: positions between snapshots, aims along the shorter arc, the adaptive delay,
// identity across reused local ids, teleports, starvation, and projectiles flown from their spawn.
import { describe, expect, it } from 'vitest';

import {
  type InterpolatedEntity,
  Interpolator,
  type InterpolatorOptions,
  lerpAngle,
} from '../../src/game/interpolation';
import type { View, ViewEntry } from '../../src/net/delta';
import { EntityKind, PlayerStatus } from '../../src/net/fields';
import { rng } from '../util';

const MS_PER_TICK = 1000 / 30;
const options: InterpolatorOptions = {
  tickHz: 30,
  snapshotHz: 20,
  weapons: [
    { projectileSpeed: 450, lifetimeS: 2 },
    { projectileSpeed: 400, lifetimeS: 1.2 },
    { projectileSpeed: 550, lifetimeS: 2.5 },
    { projectileSpeed: 700, lifetimeS: 4 },
    { projectileSpeed: 0, lifetimeS: 0 },
  ],
};

/** A player entry: position in wu (quantised to 1/8), aim in 1/256 turns, world slot. */
function player(localId: number, x: number, y: number, aim = 0, slot = 40 + localId): ViewEntry {
  return {
    localId,
    kind: EntityKind.Player,
    f: [Math.round(x * 8), Math.round(y * 8), aim, 100, 0, 0, 0, PlayerStatus.Alive, slot],
  };
}

function projectile(
  localId: number,
  x: number,
  y: number,
  angle: number,
  weapon: number,
  spawnTick: number,
): ViewEntry {
  return { localId, kind: EntityKind.Projectile, f: [x * 8, y * 8, angle, weapon, spawnTick & 0xffff] };
}

function find(list: readonly InterpolatedEntity[], localId: number): InterpolatedEntity {
  const e = list.find((x) => x.localId === localId);
  if (e === undefined) throw new Error(`no entity ${localId}`);
  return e;
}

/** An interpolator with the snapshots pushed on time (no latency, no jitter). */
function withSnapshots(snaps: [number, View][]): Interpolator {
  const it = new Interpolator(options);
  for (const [tick, view] of snaps) it.push({ tick, view }, tick * MS_PER_TICK);
  return it;
}

describe('lerpAngle', () => {
  it('takes the shorter arc and stays in [0, 2 pi)', () => {
    expect(lerpAngle(0.5, 1.5, 0.5)).toBeCloseTo(1.0, 12);
    expect(lerpAngle(6.2, 0.1, 0.5)).toBeCloseTo((6.2 + 0.1 + 2 * Math.PI) / 2 - 2 * Math.PI, 12);
    expect(lerpAngle(0.1, 6.2, 0.5)).toBeCloseTo((6.2 + 0.1 + 2 * Math.PI) / 2 - 2 * Math.PI, 12);
    expect(lerpAngle(0.1, 6.2, 0.75)).toBeGreaterThan(6);
    expect(lerpAngle(1, 2, 0)).toBe(1);
  });
});

describe('Interpolator', () => {
  it('interpolates positions between the two snapshots around the render tick', () => {
    const it = withSnapshots([
      [100, [player(3, 100, 200)]],
      [102, [player(3, 110, 190)]],
      [103, [player(3, 110, 190)]],
    ]);
    const at = (t: number) => find(it.entitiesAt(t), 3);
    expect(at(100)).toMatchObject({ x: 100, y: 200, mode: 'interpolated' });
    expect(at(101)).toMatchObject({ x: 105, y: 195, mode: 'interpolated' });
    expect(at(101.5)).toMatchObject({ x: 107.5, y: 192.5 });
    expect(at(102.5)).toMatchObject({ x: 110, y: 190 });
    expect(at(100).instance).toBe(at(102.5).instance);
    expect(at(99)).toMatchObject({ x: 100, y: 200, mode: 'held' }); // before the oldest
  });

  it('interpolates aims across the wrap-around', () => {
    const it = withSnapshots([
      [10, [player(1, 0, 0, 250)]],
      [12, [player(1, 0, 0, 6)]],
    ]);
    const mid = find(it.entitiesAt(11), 1).angle; // 250 -> 262 (= 6): 256 = 0 rad
    expect(Math.min(mid, 2 * Math.PI - mid)).toBeLessThan(1e-9);
    const quarter = find(it.entitiesAt(10.5), 1).angle; // 253 turns/256
    expect(quarter).toBeCloseTo((253 / 256) * 2 * Math.PI, 9);
  });

  it('never interpolates between different entities that reuse a local id', () => {
    const it = withSnapshots([
      [100, [player(5, 100, 100, 0, 7)]],
      [102, []], // slot 7 left
      [104, [player(5, 140, 100, 0, 9)]], // slot 9 got local id 5
      [106, [player(5, 150, 100, 0, 9)]],
    ]);
    const a = find(it.entitiesAt(101), 5);
    expect(a).toMatchObject({ x: 100, mode: 'held' });
    expect(it.entitiesAt(103)).toEqual([]);
    const b = find(it.entitiesAt(105), 5);
    expect(b).toMatchObject({ x: 145, mode: 'interpolated' });
    expect(b.instance).not.toBe(a.instance);
    // The snapshot in between lost: the identity fields still tell them apart.
    const lost = withSnapshots([
      [100, [player(5, 100, 100, 0, 7)]],
      [104, [player(5, 140, 100, 0, 9)]],
    ]);
    const c = find(lost.entitiesAt(102), 5);
    expect(c).toMatchObject({ x: 100, mode: 'held' });
    expect(find(lost.entitiesAt(104), 5).instance).not.toBe(c.instance);
  });

  it('does not slide a teleported player across the map', () => {
    const it = withSnapshots([
      [100, [player(2, 100, 100)]],
      [102, [player(2, 900, 700)]], // respawned
    ]);
    expect(find(it.entitiesAt(101.9), 2)).toMatchObject({ x: 100, y: 100, mode: 'held' });
    expect(find(it.entitiesAt(102), 2)).toMatchObject({ x: 900, y: 700 });
  });

  it('extrapolates briefly when starved, then holds', () => {
    const it = withSnapshots([
      [100, [player(1, 100, 100)]],
      [102, [player(1, 110, 100)]],
    ]);
    expect(find(it.entitiesAt(103), 1)).toMatchObject({ x: 115, mode: 'extrapolated' });
    // 100 ms = 3 ticks at most.
    expect(find(it.entitiesAt(110), 1).x).toBeCloseTo(125, 9);
  });

  it('flies projectiles from their spawn, across the 16-bit spawn tick wrap and within their lifetime', () => {
    const it = withSnapshots([
      [100, [projectile(7, 100, 200, 0, 0, 98)]],
      [102, [projectile(7, 100, 200, 0, 0, 98)]],
    ]);
    // Fired on 98, it has moved 3 ticks by the end of tick 100: 450 * 3 / 30 = 45 wu.
    const p = find(it.entitiesAt(100), 7);
    expect(p.x).toBeCloseTo(145, 9);
    expect(p.y).toBeCloseTo(200, 9);
    expect(find(it.entitiesAt(101.5), 7).x).toBeCloseTo(167.5, 9);
    expect(find(it.entitiesAt(110), 7).x).toBeCloseTo(100 + 15 * 13, 9); // starved: still flying
    expect(find(it.entitiesAt(1000), 7).x).toBeCloseTo(100 + 900, 9); // lifetime 2 s = 900 wu
    // Pointing down (64/256 turn), fired on tick 65535, seen in the snapshot of tick 65537.
    const wrap = withSnapshots([[65537, [projectile(1, 50, 60, 64, 3, 65535)]]]);
    const q = find(wrap.entitiesAt(65537), 1);
    expect(q.x).toBeCloseTo(50, 9);
    expect(q.y).toBeCloseTo(60 + (700 * 3) / 30, 9);
  });

  it('ignores snapshots not newer than the newest', () => {
    const it = withSnapshots([[100, [player(1, 100, 100)]]]);
    expect(it.push({ tick: 100, view: [] }, 0)).toBe(false);
    expect(it.push({ tick: 99, view: [] }, 0)).toBe(false);
    expect(it.newestTick).toBe(100);
  });

  it('draws about 100 ms behind a steady stream, and delays more when arrivals jitter', () => {
    const steady = new Interpolator(options);
    const jittery = new Interpolator(options);
    const random = rng(7);
    const latency = 40;
    let tick = 1000;
    for (let i = 0; i < 200; ++i) {
      tick += i % 2 === 0 ? 1 : 2; // 20 of 30 ticks
      const sent = tick * MS_PER_TICK;
      steady.push({ tick, view: [player(1, tick, 0)] }, sent + latency);
      jittery.push({ tick, view: [player(1, tick, 0)] }, sent + latency + random() * 60);
    }
    expect(steady.jitterMs).toBeLessThan(1e-6);
    expect(steady.targetDelayMs()).toBeCloseTo(100, 6);
    expect(jittery.jitterMs).toBeGreaterThan(10);
    expect(jittery.targetDelayMs()).toBeGreaterThan(120);
    expect(jittery.targetDelayMs()).toBeLessThanOrEqual(400);

    // The render clock settles on the target delay and the steady stream is never starved.
    const now = tick * MS_PER_TICK + latency;
    for (const it of [steady, jittery]) {
      it.sample(now - 2000);
      for (let t = now - 2000; t <= now; t += 16) it.sample(t);
      const delay = it.delayMs(now) ?? NaN;
      expect(Math.abs(delay - it.targetDelayMs())).toBeLessThan(5);
    }
    const frame = steady.sample(now + 16);
    expect(find(frame.entities, 1).mode).toBe('interpolated');
  });

  it('moves the render tick forward smoothly when the delay grows', () => {
    const it = new Interpolator(options);
    const random = rng(11);
    let tick = 0;
    let last = -Infinity;
    let now = 0;
    for (let i = 0; i < 300; ++i) {
      tick += i % 2 === 0 ? 1 : 2;
      // Jitter starts after 100 snapshots.
      const recv = tick * MS_PER_TICK + 30 + (i > 100 ? random() * 80 : 0);
      it.push({ tick, view: [player(1, tick, 0)] }, recv);
      for (; now < recv; now += 16) {
        const r = it.sample(now).renderTick;
        if (last !== -Infinity) {
          expect(r).toBeGreaterThanOrEqual(last); // never backwards
          expect(r - last).toBeLessThanOrEqual((16 / MS_PER_TICK) * 1.1 + 1e-9); // at most 1.1x speed
        }
        last = r;
      }
    }
    expect(it.delayMs(now) ?? 0).toBeGreaterThan(130);
  });
});
