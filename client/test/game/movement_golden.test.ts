// The client's movement against the server's: proto/testdata/movement.json is a player's path
// stepped by a real sim::World (tools/golden), tick by tick; movement.ts must find every position.
//
// Tolerance 1e-3 wu: far below what a player could see (a snapshot quantises positions to 1/8 wu)
// and far above float32 rounding noise at these coordinates (1 ulp of 1200 is 1.2e-4), so it
// would pass a port that rounds a little differently but catches any difference in the algorithm
// (a push order, a sub-step, a clamp). The port is meant to be exact: the largest deviation is
// also checked to be 0, so a change that loses bit-exactness shows up here first.
import { describe, expect, it } from 'vitest';

import { CollisionMap, type MovementParams, stepMovement } from '../../src/game/movement';
import { readTestdata } from '../util';

type Tick = [number, number, number, number];

interface Segment {
  name: string;
  start: [number, number];
  boost: boolean;
  walls_down: number[];
  ticks: Tick[];
}

interface Run {
  name: string;
  tick_hz: number;
  player_radius: number;
  player_speed: number;
  speed_boost: number;
  map: { width: number; height: number; walls: [number, number, number, number, number][] };
  segments: Segment[];
}

const golden = readTestdata('movement.json') as { runs: Run[] };
const TOLERANCE_WU = 1e-3;

describe('movement matches the server (proto/testdata/movement.json)', () => {
  it('has runs with segments', () => {
    expect(golden.runs.length).toBeGreaterThanOrEqual(2);
    for (const run of golden.runs) expect(run.segments.length).toBeGreaterThan(10);
  });

  for (const run of golden.runs) {
    const params: MovementParams = {
      tickHz: run.tick_hz,
      radius: run.player_radius,
      speed: run.player_speed,
      speedBoost: run.speed_boost,
    };
    const walls = run.map.walls.map(([minX, minY, maxX, maxY]) => ({ minX, minY, maxX, maxY }));

    describe(`run "${run.name}"`, () => {
      let maxDeviation = 0;
      for (const seg of run.segments) {
        it(seg.name, () => {
          const map = new CollisionMap(run.map.width, run.map.height, walls);
          for (const w of seg.walls_down) map.setStanding(w, false);
          let pos = { x: seg.start[0], y: seg.start[1] };
          seg.ticks.forEach(([mx, my, x, y], i) => {
            pos = stepMovement(map, params, pos, mx, my, seg.boost);
            const dev = Math.max(Math.abs(pos.x - x), Math.abs(pos.y - y));
            maxDeviation = Math.max(maxDeviation, dev);
            if (dev > TOLERANCE_WU) {
              throw new Error(`tick ${i}: (${pos.x}, ${pos.y}) but the server has (${x}, ${y})`);
            }
          });
        });
      }
      it('is bit-exact (largest deviation 0)', () => {
        expect(maxDeviation).toBe(0);
      });
    });
  }
});
