// The minimap (bottom right; M makes it bigger): walls and bases drawn once per map and size into
// an offscreen canvas, then per update the flags, teammates, the own player and the view.

import type { GameMap } from '../app/map_data';
import { WALL, WALL_DESTRUCTIBLE, css, teamColor } from '../render/palette';
import { el } from './dom';

export interface MinimapDot {
  readonly x: number;
  readonly y: number;
  readonly team: number;
}

export interface MinimapFrame {
  readonly own: { readonly x: number; readonly y: number } | null;
  readonly teammates: readonly MinimapDot[];
  /** Flags by team (null: unknown). */
  readonly flags: readonly ({ readonly x: number; readonly y: number; readonly state: number } | null)[];
  /** The camera's view rectangle centre and half sizes (wu). */
  readonly view: { readonly x: number; readonly y: number; readonly hw: number; readonly hh: number };
}

const SMALL = 180;
const LARGE = 440;

export class Minimap {
  readonly root = el(
    'div',
    'pointer-events-none absolute bottom-3 right-3 rounded-lg border border-slate-700 bg-slate-950/70 p-1 shadow-lg',
  );
  private readonly canvas = el('canvas', 'block');
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly base = document.createElement('canvas');
  private map: GameMap | null = null;
  private large = false;
  private baseKey = '';

  constructor() {
    this.root.id = 'minimap';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Minimap');
    this.root.append(this.canvas);
    this.ctx = this.canvas.getContext('2d');
  }

  setMap(map: GameMap): void {
    this.map = map;
    this.baseKey = '';
  }

  toggleSize(): void {
    this.large = !this.large;
  }

  private size(): { w: number; h: number; scale: number } {
    const map = this.map;
    const max = this.large ? Math.min(LARGE, window.innerHeight * 0.7) : SMALL;
    if (map === null || map.width <= 0 || map.height <= 0) {
      return { w: max, h: max * 0.75, scale: 1 };
    }
    const scale = max / Math.max(map.width, map.height);
    return { w: Math.round(map.width * scale), h: Math.round(map.height * scale), scale };
  }

  private drawBase(w: number, h: number, scale: number): void {
    const map = this.map;
    const key = `${w}x${h}:${map?.seed ?? 0n}:${map?.walls.length ?? 0}`;
    if (key === this.baseKey || map === null) {
      return;
    }
    this.baseKey = key;
    this.base.width = w;
    this.base.height = h;
    const g = this.base.getContext('2d');
    if (g === null) {
      return;
    }
    g.fillStyle = '#1f242b';
    g.fillRect(0, 0, w, h);
    map.bases.forEach((b, team) => {
      g.fillStyle = css(teamColor(team));
      g.globalAlpha = 0.25;
      g.fillRect(b.minX * scale, b.minY * scale, (b.maxX - b.minX) * scale, (b.maxY - b.minY) * scale);
      g.globalAlpha = 1;
    });
    for (const wall of map.walls) {
      g.fillStyle = css(wall.maxHealth === 0 ? WALL : WALL_DESTRUCTIBLE);
      g.fillRect(
        wall.minX * scale,
        wall.minY * scale,
        Math.max(1, (wall.maxX - wall.minX) * scale),
        Math.max(1, (wall.maxY - wall.minY) * scale),
      );
    }
  }

  update(fr: MinimapFrame): void {
    const g = this.ctx;
    if (g === null) {
      return;
    }
    const { w, h, scale } = this.size();
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.drawBase(w, h, scale);
    g.clearRect(0, 0, w, h);
    if (this.map !== null) {
      g.drawImage(this.base, 0, 0);
    }
    g.strokeStyle = 'rgba(255,255,255,0.35)';
    g.lineWidth = 1;
    g.strokeRect(
      (fr.view.x - fr.view.hw) * scale,
      (fr.view.y - fr.view.hh) * scale,
      fr.view.hw * 2 * scale,
      fr.view.hh * 2 * scale,
    );
    const dotR = this.large ? 3.5 : 2.5;
    for (const p of fr.teammates) {
      g.fillStyle = css(teamColor(p.team));
      g.beginPath();
      g.arc(p.x * scale, p.y * scale, dotR, 0, Math.PI * 2);
      g.fill();
    }
    fr.flags.forEach((f, team) => {
      if (f === null) {
        return;
      }
      const x = f.x * scale;
      const y = f.y * scale;
      g.fillStyle = css(teamColor(team));
      g.strokeStyle = '#ffffff';
      g.beginPath();
      g.moveTo(x, y);
      g.lineTo(x, y - 10);
      g.lineTo(x + 8, y - 7);
      g.lineTo(x, y - 4);
      g.closePath();
      g.fill();
      g.stroke();
    });
    if (fr.own !== null) {
      g.fillStyle = '#ffffff';
      g.beginPath();
      g.arc(fr.own.x * scale, fr.own.y * scale, dotR + 1.5, 0, Math.PI * 2);
      g.fill();
    }
  }
}
