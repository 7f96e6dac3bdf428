// The map under the entities: floor, grid, team bases and walls. Indestructible walls never change
// and are drawn once per map into one Graphics. Destructible walls get one sprite each (created
// once per map), whose colour shows the wall's health fraction; a destroyed wall shows as rubble.
// Wall health comes from the snapshots' wall entities while they are in view; out of view a wall
// keeps the last health seen.

import { Container, Graphics, Sprite, type Texture } from 'pixi.js';

import type { GameMap } from '../app/map_data';
import { FLOOR, GRID, RUBBLE, WALL, WALL_DESTRUCTIBLE, WALL_EDGE, teamColor } from './palette';

const GRID_WU = 200;

function mix(a: number, b: number, t: number): number {
  const ch = (s: number): number => {
    const x = (a >> s) & 0xff;
    const y = (b >> s) & 0xff;
    return Math.round(x + (y - x) * t) << s;
  };
  return ch(16) | ch(8) | ch(0);
}

export class MapLayer {
  readonly container = new Container();
  private readonly floor = new Graphics();
  private readonly walls = new Graphics();
  private readonly destructible = new Container();
  private sprites: Sprite[] = [];
  private cracks: Sprite[] = [];
  /** Sprite index of each map wall index (-1 for indestructible walls). */
  private spriteOf: Int32Array = new Int32Array(0);
  private health: Int16Array = new Int16Array(0);
  private map: GameMap | null = null;

  constructor(private readonly white: Texture) {
    this.container.addChild(this.floor, this.walls, this.destructible);
  }

  setMap(map: GameMap): void {
    this.map = map;
    const f = this.floor.clear();
    f.rect(0, 0, map.width, map.height).fill(FLOOR);
    for (let x = GRID_WU; x < map.width; x += GRID_WU) {
      f.moveTo(x, 0).lineTo(x, map.height);
    }
    for (let y = GRID_WU; y < map.height; y += GRID_WU) {
      f.moveTo(0, y).lineTo(map.width, y);
    }
    f.stroke({ width: 2, color: GRID, alpha: 0.6 });
    map.bases.forEach((b, team) => {
      f.rect(b.minX, b.minY, b.maxX - b.minX, b.maxY - b.minY)
        .fill({ color: teamColor(team), alpha: 0.1 })
        .stroke({ width: 4, color: teamColor(team), alpha: 0.5 });
      f.circle(b.flagX, b.flagY, 28).stroke({ width: 4, color: teamColor(team), alpha: 0.8 });
    });

    const w = this.walls.clear();
    for (const wall of map.walls) {
      if (wall.maxHealth === 0) {
        w.rect(wall.minX, wall.minY, wall.maxX - wall.minX, wall.maxY - wall.minY);
      }
    }
    w.fill(WALL).stroke({ width: 2, color: WALL_EDGE, alpha: 0.9 });

    for (const s of this.sprites) {
      s.destroy();
    }
    for (const s of this.cracks) {
      s.destroy();
    }
    this.destructible.removeChildren();
    this.sprites = [];
    this.cracks = [];
    this.spriteOf = new Int32Array(map.walls.length).fill(-1);
    this.health = new Int16Array(map.walls.length);
    map.walls.forEach((wall, i) => {
      if (wall.maxHealth === 0) {
        return;
      }
      const s = new Sprite(this.white);
      s.position.set(wall.minX, wall.minY);
      s.width = wall.maxX - wall.minX;
      s.height = wall.maxY - wall.minY;
      s.tint = WALL_DESTRUCTIBLE;
      // A darker band along the middle that widens as the wall loses health (the "cracks").
      const c = new Sprite(this.white);
      c.tint = 0x000000;
      c.alpha = 0;
      this.spriteOf[i] = this.sprites.length;
      this.health[i] = wall.maxHealth;
      this.sprites.push(s);
      this.cracks.push(c);
      this.destructible.addChild(s, c);
      this.paint(i);
    });
  }

  /** The health of wall `index` from a snapshot entity (0 = destroyed). */
  setWallHealth(index: number, health: number): void {
    if (index >= this.health.length || this.health[index] === health) {
      return;
    }
    this.health[index] = health;
    this.paint(index);
  }

  private paint(index: number): void {
    const wall = this.map?.walls[index];
    const si = this.spriteOf[index] ?? -1;
    const s = this.sprites[si];
    const c = this.cracks[si];
    if (wall === undefined || s === undefined || c === undefined) {
      return;
    }
    const hp = this.health[index] ?? 0;
    const frac = Math.max(0, Math.min(1, hp / wall.maxHealth));
    const w = wall.maxX - wall.minX;
    const h = wall.maxY - wall.minY;
    if (hp <= 0) {
      // Rubble: a low, dark slab a little smaller than the wall.
      s.tint = RUBBLE;
      s.alpha = 0.55;
      s.position.set(wall.minX + w * 0.1, wall.minY + h * 0.1);
      s.width = w * 0.8;
      s.height = h * 0.8;
      c.alpha = 0;
      return;
    }
    s.alpha = 1;
    s.position.set(wall.minX, wall.minY);
    s.width = w;
    s.height = h;
    s.tint = mix(RUBBLE, WALL_DESTRUCTIBLE, 0.35 + 0.65 * frac);
    const crack = 1 - frac;
    c.alpha = crack > 0.05 ? 0.35 : 0;
    if (w >= h) {
      c.position.set(wall.minX, wall.minY + (h * (1 - crack)) / 2);
      c.width = w;
      c.height = h * crack;
    } else {
      c.position.set(wall.minX + (w * (1 - crack)) / 2, wall.minY);
      c.width = w * crack;
      c.height = h;
    }
  }

  /** Health of a destructible wall as last seen (for the debug hook), or -1. */
  wallHealth(index: number): number {
    return this.spriteOf[index] === -1 ? -1 : (this.health[index] ?? -1);
  }
}
