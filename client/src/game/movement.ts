// One tick of a player's movement, the TypeScript twin of the server's (server/src/sim/world.cpp,
// World::phase_move pass 1 and World::resolve_walls, with circle_box_push of
// server/src/core/geometry.hpp), for the prediction of the own player (prediction.ts).
//
//   dir   = normalised (move_x, move_y)                 nothing happens when it is (0, 0)
//   delta = dir * speed * (speed_boost if boosted) / tick_hz
//   steps = ceil(|delta| / (radius / 2)), at least 1   so no wall is crossed within a tick
//   each step: pos += delta / steps, then resolve_walls:
//     up to 3 times: every standing wall overlapping the square (pos +- radius), in the order of
//     the server's wall grid, pushes the circle out along the shortest way; stop when none did
//     clamp pos to [radius, size - radius] on both axes
//
// Exact, not approximate: the server computes in float32 with no fused multiply-add
// (-ffp-contract=off), and every operation here is rounded to float32 with Math.fround. Single
// +, -, *, / and sqrt rounded from a double to float32 give the correctly rounded float32 result,
// so both sides produce the same bits; proto/testdata/movement.json (a real sim::World stepped by
// tools/golden) checks it (test/game/movement_golden.test.ts). Pushes are applied one wall after
// the other, so their order matters as much as their values: CollisionMap keeps the server's
// grid (64 wu cells) and visits walls in the same order.
//
// Not predicted: the soft separation between players (pass 2 and 3 of phase_move), because other
// players are only known ~100 ms in the past; the server's correction arrives with the next
// snapshot and prediction.ts smooths it. For a player nobody touches, pass 3 does nothing (it
// skips players with no separation push), and the clamp to the map bounds is resolve_walls'.
// A player standing still (input (0, 0)) is not moved at all, not even out of a wall.

import type { View } from '../net/delta';
import { EntityKind, WallField } from '../net/fields';
import type { Welcome } from '../proto/game_generated';

const f32 = Math.fround;

/** The rules movement depends on (Welcome fields; numbers as the server's float32 values). */
export interface MovementParams {
  /** Simulation ticks per second (Welcome.tick_hz). */
  readonly tickHz: number;
  /** Player radius, wu (Welcome.player_radius). */
  readonly radius: number;
  /** wu/s (Welcome.player_speed). */
  readonly speed: number;
  /** Speed multiplier while boosted (Welcome.speed_boost). */
  readonly speedBoost: number;
}

/** The movement rules of a Welcome. */
export function movementParamsFromWelcome(w: Welcome): MovementParams {
  return { tickHz: w.tickHz(), radius: w.playerRadius(), speed: w.playerSpeed(), speedBoost: w.speedBoost() };
}

/** An axis-aligned wall box in wu (MapData.walls; extra fields are ignored). */
export interface WallBox {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** A position in wu. */
export interface Vec2 {
  readonly x: number;
  readonly y: number;
}

/** Cell size of the server's wall grid (kWallGridCell in world.cpp): it sets the push order. */
export const WALL_GRID_CELL = 64;

/**
 * The walls of a map for movement: their boxes, which of them stand, and the server's wall grid
 * (so that walls are visited in the server's order). Built once per map (MapData); wall states
 * follow the snapshots (updateWalls).
 */
export class CollisionMap {
  /** World size, wu (float32). */
  readonly width: number;
  readonly height: number;
  private readonly boxes: Float32Array; // minX, minY, maxX, maxY per wall
  private readonly standing: Uint8Array;
  private readonly cols: number;
  private readonly rows: number;
  private readonly cellStart: Uint32Array;
  private readonly entries: Uint32Array;
  private readonly invCell = f32(1 / WALL_GRID_CELL);

  /**
   * Walls by MapData index (so snapshot wall entities can name them); all standing at first.
   * Values are rounded to float32 as the server holds them.
   */
  constructor(width: number, height: number, walls: readonly WallBox[]) {
    this.width = f32(width);
    this.height = f32(height);
    this.boxes = new Float32Array(walls.length * 4);
    walls.forEach((w, i) => {
      this.boxes.set([w.minX, w.minY, w.maxX, w.maxY], i * 4);
    });
    this.standing = new Uint8Array(walls.length).fill(1);
    // WallGrid::build: a counting sort of (cell, wall) over the cells each wall covers.
    this.cols = Math.max(1, Math.ceil(f32(this.width * this.invCell)));
    this.rows = Math.max(1, Math.ceil(f32(this.height * this.invCell)));
    const cells = this.cols * this.rows;
    this.cellStart = new Uint32Array(cells + 1);
    const visit = (fn: (cell: number, wall: number) => void): void => {
      for (let w = 0; w < walls.length; ++w) {
        const [x0, y0, x1, y1] = this.box(w);
        for (let r = this.rowOf(y0); r <= this.rowOf(y1); ++r) {
          for (let c = this.colOf(x0); c <= this.colOf(x1); ++c) {
            fn(r * this.cols + c, w);
          }
        }
      }
    };
    visit((cell) => {
      this.cellStart[cell + 1] = (this.cellStart[cell + 1] ?? 0) + 1;
    });
    for (let i = 0; i < cells; ++i) {
      this.cellStart[i + 1] = (this.cellStart[i + 1] ?? 0) + (this.cellStart[i] ?? 0);
    }
    this.entries = new Uint32Array(this.cellStart[cells] ?? 0);
    const fill = this.cellStart.slice(0, cells);
    visit((cell, w) => {
      const at = fill[cell] ?? 0;
      this.entries[at] = w;
      fill[cell] = at + 1;
    });
  }

  /** Number of walls. */
  get wallCount(): number {
    return this.standing.length;
  }

  /** True when wall `index` stands (an unknown index reads as not standing). */
  isStanding(index: number): boolean {
    return this.standing[index] === 1;
  }

  /** Sets whether wall `index` stands; an index out of range is ignored. */
  setStanding(index: number, standing: boolean): void {
    if (Number.isInteger(index) && index >= 0 && index < this.standing.length) {
      this.standing[index] = standing ? 1 : 0;
    }
  }

  /**
   * Takes the wall states of a snapshot view: a wall entity with health 0 is down, any other
   * stands. Walls not in the view keep their last known state (they are far away: the view holds
   * every destructible wall near the player).
   */
  updateWalls(view: View): void {
    for (const e of view) {
      if (e.kind === EntityKind.Wall) {
        this.setStanding(e.f[WallField.Index] ?? -1, (e.f[WallField.Health] ?? 0) > 0);
      }
    }
  }

  /** Every wall standing again (a new match on the same map). */
  resetWalls(): void {
    this.standing.fill(1);
  }

  /** minX, minY, maxX, maxY of wall `w` (float32 values). */
  box(w: number): [number, number, number, number] {
    const b = this.boxes;
    const i = w * 4;
    return [b[i] ?? 0, b[i + 1] ?? 0, b[i + 2] ?? 0, b[i + 3] ?? 0];
  }

  private colOf(x: number): number {
    return Math.min(Math.max(Math.floor(f32(x * this.invCell)), 0), this.cols - 1);
  }

  private rowOf(y: number): number {
    return Math.min(Math.max(Math.floor(f32(y * this.invCell)), 0), this.rows - 1);
  }

  /**
   * Calls fn(wall) once for every standing wall whose box overlaps the area (strictly), in the
   * server's order (WallGrid::for_each_overlapping: cells row by row, walls by index within a
   * cell, each wall in the cell holding the lower-left corner of its overlap with the area).
   */
  forEachOverlapping(
    minX: number,
    minY: number,
    maxX: number,
    maxY: number,
    fn: (wall: number, box: readonly [number, number, number, number]) => void,
  ): void {
    const c0 = this.colOf(minX);
    const c1 = this.colOf(maxX);
    const r0 = this.rowOf(minY);
    const r1 = this.rowOf(maxY);
    for (let r = r0; r <= r1; ++r) {
      for (let c = c0; c <= c1; ++c) {
        const cell = r * this.cols + c;
        const end = this.cellStart[cell + 1] ?? 0;
        for (let k = this.cellStart[cell] ?? 0; k < end; ++k) {
          const w = this.entries[k] ?? 0;
          if (this.standing[w] !== 1) {
            continue;
          }
          const b = this.box(w);
          if (!(b[0] < maxX && minX < b[2] && b[1] < maxY && minY < b[3])) {
            continue;
          }
          const rx = b[0] > minX ? b[0] : minX;
          const ry = b[1] > minY ? b[1] : minY;
          if (this.colOf(rx) !== c || this.rowOf(ry) !== r) {
            continue;
          }
          fn(w, b);
        }
      }
    }
  }
}

function clampf(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

const EPS_NORMALISE = f32(1e-6);
const EPS_INSIDE = f32(1e-12);

/**
 * circle_box_push: the displacement (float32) that moves the circle (cx, cy, r) out of the box
 * along the shortest way, [0, 0] when they do not overlap; a centre inside the box leaves through
 * the nearest face.
 */
export function circleBoxPush(
  cx: number,
  cy: number,
  r: number,
  box: readonly [number, number, number, number],
): [number, number] {
  const [minX, minY, maxX, maxY] = box;
  const dx = f32(cx - clampf(cx, minX, maxX));
  const dy = f32(cy - clampf(cy, minY, maxY));
  const d2 = f32(f32(dx * dx) + f32(dy * dy));
  if (d2 >= f32(r * r)) {
    return [0, 0];
  }
  if (d2 > EPS_INSIDE) {
    const len = f32(Math.sqrt(d2));
    const s = f32(f32(r - len) / len);
    return [f32(dx * s), f32(dy * s)];
  }
  const left = f32(cx - minX);
  const right = f32(maxX - cx);
  const top = f32(cy - minY);
  const bottom = f32(maxY - cy);
  const m = Math.min(Math.min(left, right), Math.min(top, bottom));
  if (m === left) return [-f32(left + r), 0];
  if (m === right) return [f32(right + r), 0];
  if (m === top) return [0, -f32(top + r)];
  return [0, f32(bottom + r)];
}

/**
 * World::resolve_walls: pushes the circle at (x, y) out of the standing walls (at most 3 passes)
 * and clamps it to the map. Returns the new position (float32 values).
 */
export function resolveWalls(map: CollisionMap, x: number, y: number, radius: number): Vec2 {
  const r = f32(radius);
  let px = f32(x);
  let py = f32(y);
  for (let iter = 0; iter < 3; ++iter) {
    let pushes = 0;
    // The area is fixed when the pass starts; each push uses the position as pushed so far.
    map.forEachOverlapping(f32(px - r), f32(py - r), f32(px + r), f32(py + r), (_w, box) => {
      const [ox, oy] = circleBoxPush(px, py, r, box);
      if (ox !== 0 || oy !== 0) {
        px = f32(px + ox);
        py = f32(py + oy);
        pushes += 1;
      }
    });
    if (pushes === 0) {
      break;
    }
  }
  return { x: clampf(px, r, f32(map.width - r)), y: clampf(py, r, f32(map.height - r)) };
}

/**
 * One tick of a living player's movement with the input (moveX, moveY) (each clamped to -1..1,
 * as the server does), from `pos`; `boosted` = under a speed boost. Returns the new position;
 * (0, 0) input returns `pos` unchanged (not even pushed out of walls, like the server).
 */
export function stepMovement(
  map: CollisionMap,
  params: MovementParams,
  pos: Vec2,
  moveX: number,
  moveY: number,
  boosted: boolean,
): Vec2 {
  const mx = clampf(Math.trunc(moveX) || 0, -1, 1);
  const my = clampf(Math.trunc(moveY) || 0, -1, 1);
  const len = f32(Math.sqrt(f32(mx * mx + my * my)));
  if (!(len > EPS_NORMALISE)) {
    return pos;
  }
  const dirX = f32(mx / len);
  const dirY = f32(my / len);
  const speed = f32(f32(params.speed) * (boosted ? f32(params.speedBoost) : 1));
  const dt = f32(1 / f32(params.tickHz));
  const perTick = f32(speed * dt);
  const deltaX = f32(dirX * perTick);
  const deltaY = f32(dirY * perTick);
  const r = f32(params.radius);
  const deltaLen = f32(Math.sqrt(f32(f32(deltaX * deltaX) + f32(deltaY * deltaY))));
  const steps = Math.max(1, Math.trunc(Math.ceil(f32(deltaLen / f32(r * 0.5)))));
  const inv = f32(1 / steps);
  const subX = f32(deltaX * inv);
  const subY = f32(deltaY * inv);
  let p: Vec2 = { x: f32(pos.x), y: f32(pos.y) };
  for (let s = 0; s < steps; ++s) {
    p = resolveWalls(map, f32(p.x + subX), f32(p.y + subY), r);
  }
  return p;
}
