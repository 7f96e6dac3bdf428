// Predictor: the own player moves at once on local inputs, replays what the server has not applied
// after each snapshot, and absorbs corrections smoothly.
import { describe, expect, it } from 'vitest';

import { CollisionMap, type MovementParams, type Vec2, stepMovement } from '../../src/game/movement';
import { Predictor, type PredictedInput } from '../../src/game/prediction';
import type { ViewEntry } from '../../src/net/delta';
import { EntityKind, PlayerStatus, quantisePosition } from '../../src/net/fields';

const params: MovementParams = { tickHz: 30, radius: 15, speed: 150, speedBoost: 1.5 };
const SLOT = 70003; // low 16 bits 4467 are the entity's id field
const ALIVE = PlayerStatus.Alive;

// A 2000 x 1000 map: a block with its left face at x = 600, and a destructible wall (index 1)
// with its left face at x = 300 for y in 0 .. 200.
function makeMap(): CollisionMap {
  return new CollisionMap(2000, 1000, [
    { minX: 600, minY: 300, maxX: 700, maxY: 700 },
    { minX: 300, minY: 0, maxX: 320, maxY: 200 },
  ]);
}

function own(x: number, y: number, status: number = ALIVE): ViewEntry {
  return {
    localId: 0,
    kind: EntityKind.Player,
    f: [quantisePosition(x), quantisePosition(y), 0, 100, 0, 0, 2, status, SLOT & 0xffff],
  };
}

function other(x: number, y: number): ViewEntry {
  return {
    localId: 1,
    kind: EntityKind.Player,
    f: [quantisePosition(x), quantisePosition(y), 0, 100, 0, 0, 2, ALIVE, 5],
  };
}

const wallEntity = (health: number): ViewEntry => ({ localId: 2, kind: EntityKind.Wall, f: [1, health] });

let seq = 0;
function input(moveX: number, moveY: number): PredictedInput {
  seq += 1;
  return { seq, moveX, moveY, aim: 0.25 };
}

/** A predictor that has had a first snapshot with the player at (x, y), no input acknowledged. */
function started(x: number, y: number, map = makeMap()): Predictor {
  seq = 0;
  const p = new Predictor(map, params, SLOT);
  expect(p.renderPosition(0)).toBeNull();
  expect(p.reconcile({ lastInput: 0, view: [other(900, 900), own(x, y)] }, 0)).toBe(true);
  return p;
}

function near(a: Vec2 | null, x: number, y: number, eps = 1e-9): void {
  expect(a).not.toBeNull();
  expect(Math.abs((a?.x ?? NaN) - x)).toBeLessThanOrEqual(eps);
  expect(Math.abs((a?.y ?? NaN) - y)).toBeLessThanOrEqual(eps);
}

describe('Predictor', () => {
  it('moves one tick per input at once, and renders where it predicts when the server agrees', () => {
    const p = started(100, 100);
    near(p.renderPosition(0), 100, 100);
    p.applyInput(input(1, 0));
    p.applyInput(input(1, 0));
    p.applyInput(input(1, 0));
    near(p.position, 115, 100);
    expect(p.aim).toBe(0.25);
    // The server applied 2 of the 3: it has the player at 110.
    expect(p.reconcile({ lastInput: 2, view: [own(110, 100)] }, 50)).toBe(true);
    near(p.position, 115, 100);
    near(p.renderPosition(50), 115, 100);
    near(p.offsetAt(50), 0, 0);
    expect(p.lastCorrection).toBe(0);
    expect(p.pendingCount).toBe(1);
  });

  it('replays the unacknowledged inputs from the server position', () => {
    const map = makeMap();
    const p = started(200, 400, map);
    const inputs = [input(1, 1), input(1, 1), input(0, -1), input(-1, 0), input(1, -1), input(0, 1)];
    for (const i of inputs) p.applyInput(i);
    // The server has applied 3 inputs, and its position differs a little (a push by someone).
    const server = { x: 211.5, y: 408.25 };
    p.reconcile({ lastInput: 3, view: [own(server.x, server.y)] }, 10);
    let expected: Vec2 = server;
    for (const i of inputs.slice(3)) expected = stepMovement(map, params, expected, i.moveX, i.moveY, false);
    near(p.position, expected.x, expected.y, 0);
    expect(p.pendingCount).toBe(3);
  });

  it('drops acknowledged inputs, and an old snapshot acknowledges nothing new', () => {
    const p = started(100, 100);
    for (let i = 0; i < 5; ++i) p.applyInput(input(0, 1));
    p.applyInput({ seq: 3, moveX: 1, moveY: 0, aim: 0 }); // not newer: ignored
    expect(p.pendingCount).toBe(5);
    p.reconcile({ lastInput: 4, view: [own(100, 120)] }, 0);
    expect(p.pendingCount).toBe(1);
    near(p.position, 100, 125);
    p.reconcile({ lastInput: 2, view: [own(100, 120)] }, 0);
    expect(p.pendingCount).toBe(1);
    p.reconcile({ lastInput: 5, view: [own(100, 125)] }, 0);
    expect(p.pendingCount).toBe(0);
    near(p.position, 100, 125);
    // A snapshot without the own player only drops acknowledged inputs.
    p.applyInput(input(0, 1));
    expect(p.reconcile({ lastInput: 6, view: [other(1, 1)] }, 0)).toBe(false);
    expect(p.pendingCount).toBe(0);
    near(p.position, 100, 130);
  });

  it('smooths a correction: the drawn player does not jump and converges on the prediction', () => {
    const p = started(100, 100);
    p.applyInput(input(1, 0));
    p.applyInput(input(1, 0));
    p.applyInput(input(1, 0)); // predicted 115
    // The server says it only got to 104 after input 2 (blocked by someone): predicted 109.
    p.reconcile({ lastInput: 2, view: [own(104, 100)] }, 1000);
    near(p.position, 109, 100);
    expect(p.lastCorrection).toBeCloseTo(6, 9);
    near(p.renderPosition(1000), 115, 100, 1e-9); // no jump
    near(p.renderPosition(1100), 109 + 6 * Math.exp(-1), 100, 1e-9); // time constant 100 ms
    let prev = Infinity;
    for (let t = 1000; t <= 1600; t += 25) {
      const x = p.renderPosition(t)?.x ?? NaN;
      expect(x).toBeLessThan(prev);
      expect(x).toBeGreaterThanOrEqual(109);
      prev = x;
    }
    near(p.renderPosition(3000), 109, 100, 0); // fully absorbed
    // A second correction adds to what is left of the first.
    p.reconcile({ lastInput: 3, view: [own(112, 100)] }, 3000);
    near(p.renderPosition(3000), 109, 100, 1e-9);
    near(p.position, 112, 100);
  });

  it('snaps when the correction is huge or the player respawns', () => {
    const p = started(100, 100);
    p.applyInput(input(1, 0));
    p.reconcile({ lastInput: 1, view: [own(500, 500)] }, 0); // 400 wu off: snap
    near(p.renderPosition(0), 500, 500);
    p.reconcile({ lastInput: 1, view: [own(500, 500, 0)] }, 10); // killed
    expect(p.alive).toBe(false);
    p.reconcile({ lastInput: 1, view: [own(530, 500, ALIVE)] }, 20); // respawned 30 wu away
    expect(p.alive).toBe(true);
    near(p.renderPosition(20), 530, 500);
  });

  it('does not move a dead player', () => {
    const p = started(100, 100);
    p.reconcile({ lastInput: 0, view: [own(100, 100, 0)] }, 0);
    p.applyInput(input(1, 0));
    p.applyInput(input(1, 0));
    near(p.position, 100, 100);
    p.reconcile({ lastInput: 1, view: [own(100, 100, 0)] }, 10);
    near(p.position, 100, 100);
    expect(p.pendingCount).toBe(1);
  });

  it('predicts the boost the snapshot shows', () => {
    const p = started(100, 100);
    p.reconcile({ lastInput: 0, view: [own(100, 100, ALIVE | PlayerStatus.Speed)] }, 0);
    expect(p.boosted).toBe(true);
    p.applyInput(input(1, 0));
    near(p.position, 107.5, 100, 1e-5);
  });

  it('stops at walls, and walks through one a snapshot shows destroyed', () => {
    const p = started(550, 500);
    for (let i = 0; i < 20; ++i) p.applyInput(input(1, 0));
    near(p.position, 585, 500); // the block's face at 600, minus the radius
    const q = started(250, 100);
    q.reconcile({ lastInput: 0, view: [own(250, 100), wallEntity(150)] }, 0);
    for (let i = 0; i < 20; ++i) q.applyInput(input(1, 0));
    near(q.position, 285, 100);
    // The wall is destroyed: the same inputs, replayed from the start, go through.
    q.reconcile({ lastInput: 0, view: [own(250, 100), wallEntity(0)] }, 10);
    near(q.position, 350, 100, 1e-3);
  });

  it('before the first snapshot, keeps inputs and replays them on it', () => {
    seq = 0;
    const p = new Predictor(makeMap(), params, SLOT);
    p.applyInput(input(0, 1));
    p.applyInput(input(0, 1));
    expect(p.position).toBeNull();
    p.reconcile({ lastInput: 1, view: [own(100, 105)] }, 0);
    near(p.position, 100, 110);
    near(p.renderPosition(0), 100, 110);
  });
});
