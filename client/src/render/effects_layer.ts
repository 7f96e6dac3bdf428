// Cosmetic effects: particles (impacts, deaths, wall debris, pickups), floating damage numbers and
// melee swings. Fixed pools allocated up front; when a pool is exhausted the oldest item is
// reused, so a burst of effects costs nothing but the items it overwrites.

import { BitmapText, Container, Sprite } from 'pixi.js';

import type { Textures } from './textures';

const NUMBER_STYLE = { fontFamily: 'sans-serif', fontSize: 16, fill: 0xffffff, fontWeight: 'bold' } as const;

export class EffectsLayer {
  readonly container = new Container();
  /** Damage numbers: above the labels, constant size on screen. */
  readonly numbers = new Container();
  private readonly particles: Sprite[] = [];
  // Per particle: x, y, vx, vy, life left, life total, size.
  private readonly p: Float32Array;
  private nextParticle = 0;
  private readonly texts: BitmapText[] = [];
  private readonly textState: Float32Array; // x, y, life left, life total
  private nextText = 0;
  private readonly arcs: Sprite[] = [];
  private readonly arcState: Float32Array; // life left
  private nextArc = 0;
  /** 0 .. 1: fraction of particles spawned (quality). */
  density = 1;

  constructor(t: Textures, particleCount: number) {
    this.p = new Float32Array(particleCount * 7);
    for (let i = 0; i < particleCount; ++i) {
      const s = new Sprite(t.dot);
      s.anchor.set(0.5);
      s.visible = false;
      this.particles.push(s);
      this.container.addChild(s);
    }
    for (let i = 0; i < 8; ++i) {
      const a = new Sprite(t.arc);
      a.anchor.set(0, 0.5);
      a.visible = false;
      this.arcs.push(a);
      this.container.addChild(a);
    }
    this.arcState = new Float32Array(this.arcs.length);
    for (let i = 0; i < 40; ++i) {
      const b = new BitmapText({ text: '', style: NUMBER_STYLE });
      b.anchor.set(0.5);
      b.visible = false;
      this.texts.push(b);
      this.numbers.addChild(b);
    }
    this.textState = new Float32Array(this.texts.length * 4);
  }

  /** `count` particles from (x, y) at up to `speed` wu/s, living `lifeS`, tinted `color`. */
  burst(
    x: number,
    y: number,
    count: number,
    color: number,
    speed: number,
    lifeS: number,
    size: number,
  ): void {
    const n = Math.max(1, Math.round(count * this.density));
    for (let k = 0; k < n; ++k) {
      const i = this.nextParticle;
      this.nextParticle = (i + 1) % this.particles.length;
      const s = this.particles[i];
      if (s === undefined) {
        return;
      }
      const a = Math.random() * Math.PI * 2;
      const v = speed * (0.3 + 0.7 * Math.random());
      const o = i * 7;
      const life = lifeS * (0.6 + 0.4 * Math.random());
      this.p[o] = x;
      this.p[o + 1] = y;
      this.p[o + 2] = Math.cos(a) * v;
      this.p[o + 3] = Math.sin(a) * v;
      this.p[o + 4] = life;
      this.p[o + 5] = life;
      this.p[o + 6] = size * (0.6 + 0.8 * Math.random());
      s.tint = color;
      s.visible = true;
    }
  }

  /** A number rising from (x, y). */
  number(x: number, y: number, text: string, color: number): void {
    const i = this.nextText;
    this.nextText = (i + 1) % this.texts.length;
    const b = this.texts[i];
    if (b === undefined) {
      return;
    }
    b.text = text;
    b.tint = color;
    b.visible = true;
    const o = i * 4;
    this.textState[o] = x + (Math.random() - 0.5) * 16;
    this.textState[o + 1] = y - 20;
    this.textState[o + 2] = 0.9;
    this.textState[o + 3] = 0.9;
  }

  /** A melee swing at (x, y) facing `angle`, `range` wu long. */
  swing(x: number, y: number, angle: number, range: number): void {
    const i = this.nextArc;
    this.nextArc = (i + 1) % this.arcs.length;
    const a = this.arcs[i];
    if (a === undefined) {
      return;
    }
    a.position.set(x, y);
    a.rotation = angle;
    a.width = a.height = range;
    a.visible = true;
    this.arcState[i] = 0.18;
  }

  update(dtS: number, zoom: number): void {
    for (let i = 0; i < this.particles.length; ++i) {
      const s = this.particles[i];
      const o = i * 7;
      if (s === undefined || !s.visible) {
        continue;
      }
      const life = (this.p[o + 4] ?? 0) - dtS;
      this.p[o + 4] = life;
      if (life <= 0) {
        s.visible = false;
        continue;
      }
      const drag = 1 - Math.min(1, dtS * 3);
      const vx = (this.p[o + 2] ?? 0) * drag;
      const vy = (this.p[o + 3] ?? 0) * drag;
      this.p[o + 2] = vx;
      this.p[o + 3] = vy;
      this.p[o] = (this.p[o] ?? 0) + vx * dtS;
      this.p[o + 1] = (this.p[o + 1] ?? 0) + vy * dtS;
      const k = life / (this.p[o + 5] ?? 1);
      s.position.set(this.p[o] ?? 0, this.p[o + 1] ?? 0);
      s.alpha = k;
      s.width = s.height = (this.p[o + 6] ?? 4) * (0.5 + 0.5 * k);
    }
    for (let i = 0; i < this.texts.length; ++i) {
      const b = this.texts[i];
      const o = i * 4;
      if (b === undefined || !b.visible) {
        continue;
      }
      const life = (this.textState[o + 2] ?? 0) - dtS;
      this.textState[o + 2] = life;
      if (life <= 0) {
        b.visible = false;
        continue;
      }
      this.textState[o + 1] = (this.textState[o + 1] ?? 0) - 40 * dtS;
      b.position.set(this.textState[o] ?? 0, this.textState[o + 1] ?? 0);
      b.alpha = Math.min(1, life / ((this.textState[o + 3] ?? 1) * 0.5));
      b.scale.set(1 / zoom);
    }
    for (let i = 0; i < this.arcs.length; ++i) {
      const a = this.arcs[i];
      if (a === undefined || !a.visible) {
        continue;
      }
      const life = (this.arcState[i] ?? 0) - dtS;
      this.arcState[i] = life;
      a.visible = life > 0;
      a.alpha = Math.max(0, life / 0.18);
    }
  }
}
