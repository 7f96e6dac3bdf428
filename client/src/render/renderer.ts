// The Pixi v8 scene: one world container (scaled by the zoom and moved by the camera) holding the
// map, entities and effects, and constant-size labels on top. The app's requestAnimationFrame loop
// calls frame() once per display frame; Pixi's own ticker is not started.
//
//   stage
//   └── world (scale = zoom, position = screen centre - camera x zoom + shake)
//       ├── map      floor, bases, walls
//       ├── entities pickups, flags, projectiles, players
//       ├── effects  particles, melee swings
//       ├── labels   names, health bars (scale 1/zoom)
//       └── numbers  damage numbers (scale 1/zoom)

import { Application, Container } from 'pixi.js';

import type { GameMap } from '../app/map_data';
import type { Quality } from '../app/settings';
import { PlayerField } from '../net/fields';
import { EffectType } from '../proto/game_generated';
import type { SnapshotEffect } from '../net/snapshots';
import { EffectsLayer } from './effects_layer';
import { type EntityFrame, EntityLayer } from './entity_layer';
import { MapLayer } from './map_layer';
import { BACKGROUND, PICKUP_COLORS, WALL_DESTRUCTIBLE, teamColor } from './palette';
import { type Textures, makeTextures } from './textures';

/** Zoom (screen px per wu): about 900 wu across the shorter side, never showing more than the area of interest. */
export function zoomFor(
  width: number,
  height: number,
  viewHalfWidth: number,
  viewHalfHeight: number,
): number {
  const fitAoi = Math.max(width / (2 * viewHalfWidth), height / (2 * viewHalfHeight));
  return Math.min(1.6, Math.max(fitAoi, Math.min(width, height) / 900));
}

export interface Frame extends EntityFrame {
  readonly dtS: number;
  /** Camera centre (wu). */
  readonly cameraX: number;
  readonly cameraY: number;
}

const PARTICLES: Record<Quality, number> = { low: 160, medium: 480, high: 1200 };

export class GameRenderer {
  private readonly world = new Container();
  private readonly mapLayer: MapLayer;
  private readonly entities: EntityLayer;
  private readonly effects: EffectsLayer;
  private shake = 0;
  private zoom_ = 1;
  private camX = 0;
  private camY = 0;
  shakeEnabled = true;

  private constructor(
    private readonly app: Application,
    textures: Textures,
    quality: Quality,
  ) {
    this.mapLayer = new MapLayer(textures.white);
    this.entities = new EntityLayer(textures);
    this.effects = new EffectsLayer(textures, PARTICLES[quality]);
    this.setQuality(quality);
    this.world.addChild(
      this.mapLayer.container,
      this.entities.container,
      this.effects.container,
      this.entities.labels,
      this.effects.numbers,
    );
    app.stage.addChild(this.world);
  }

  /** Creates the renderer in `host` (WebGL, else the canvas renderer). */
  static async create(host: HTMLElement, quality: Quality): Promise<GameRenderer> {
    const app = new Application();
    await app.init({
      resizeTo: host,
      background: BACKGROUND,
      antialias: quality !== 'low',
      autoStart: false,
      sharedTicker: false,
      preference: ['webgl', 'canvas'],
      resolution: quality === 'high' ? Math.min(2, window.devicePixelRatio || 1) : 1,
      autoDensity: true,
    });
    app.ticker.stop();
    app.canvas.setAttribute('aria-label', 'Game view');
    app.canvas.classList.add('block', 'h-full', 'w-full');
    host.appendChild(app.canvas);
    return new GameRenderer(app, makeTextures(app.renderer), quality);
  }

  /** Particle density and resolution for `quality` (antialiasing is fixed at creation). */
  setQuality(quality: Quality): void {
    this.effects.density = quality === 'low' ? 0.3 : quality === 'medium' ? 0.6 : 1;
    const resolution = quality === 'high' ? Math.min(2, window.devicePixelRatio || 1) : 1;
    if (this.app.renderer.resolution !== resolution) {
      this.app.renderer.resolution = resolution;
    }
  }

  get canvas(): HTMLCanvasElement {
    return this.app.canvas;
  }

  /** "webgl", "webgpu" or "canvas". */
  get rendererName(): string {
    return this.app.renderer.name;
  }

  get zoom(): number {
    return this.zoom_;
  }

  setMap(map: GameMap): void {
    this.mapLayer.setMap(map);
  }

  setWallHealth(index: number, health: number): void {
    this.mapLayer.setWallHealth(index, health);
  }

  /** Screen position (CSS px, relative to the canvas) of a world point, with the last frame's camera. */
  worldToScreen(x: number, y: number): { x: number; y: number } {
    return {
      x: (x - this.camX) * this.zoom_ + this.app.screen.width / 2,
      y: (y - this.camY) * this.zoom_ + this.app.screen.height / 2,
    };
  }

  /** World position of a screen point (CSS px relative to the canvas). */
  screenToWorld(x: number, y: number): { x: number; y: number } {
    return {
      x: (x - this.app.screen.width / 2) / this.zoom_ + this.camX,
      y: (y - this.app.screen.height / 2) / this.zoom_ + this.camY,
    };
  }

  /** Where the own player was drawn in the last frame (wu), null if it was not. */
  get ownDrawn(): { x: number; y: number } | null {
    return this.entities.ownDrawn;
  }

  addShake(amount: number): void {
    if (this.shakeEnabled) {
      this.shake = Math.min(18, this.shake + amount);
    }
  }

  frame(fr: Frame, viewHalfWidth: number, viewHalfHeight: number): void {
    const w = this.app.screen.width;
    const h = this.app.screen.height;
    this.zoom_ = zoomFor(w, h, viewHalfWidth, viewHalfHeight);
    this.camX = fr.cameraX;
    this.camY = fr.cameraY;
    const sx = this.shake > 0.2 ? (Math.random() - 0.5) * this.shake : 0;
    const sy = this.shake > 0.2 ? (Math.random() - 0.5) * this.shake : 0;
    this.shake *= Math.max(0, 1 - fr.dtS * 8);
    this.world.scale.set(this.zoom_);
    this.world.position.set(w / 2 - this.camX * this.zoom_ + sx, h / 2 - this.camY * this.zoom_ + sy);
    this.entities.update({ ...fr, zoom: this.zoom_ });
    this.effects.update(fr.dtS, this.zoom_);
    this.app.render();
  }

  /**
   * Shows one snapshot effect. `ownId` is the own world slot (for colours and shake); `aimOf`
   * gives the facing of a player slot for melee swings.
   */
  effect(e: SnapshotEffect, ownId: number, meleeRange: number, aimOf: (slot: number) => number | null): void {
    const x = e.x / 2;
    const y = e.y / 2;
    const own16 = ownId & 0xffff;
    switch (e.type) {
      case EffectType.Impact:
        this.effects.burst(x, y, 6, 0xffe2a8, 160, 0.25, 5);
        break;
      case EffectType.Damage: {
        const toMe = e.b === own16;
        const byMe = e.a === own16;
        this.effects.number(x, y, `${e.value}`, toMe ? 0xff5a5a : byMe ? 0xffe066 : 0xffffff);
        this.effects.burst(x, y, 5, 0xd62d2d, 120, 0.35, 5);
        if (toMe) {
          this.addShake(Math.min(12, 3 + e.value / 6));
        }
        break;
      }
      case EffectType.Death:
        this.effects.burst(x, y, 30, 0xd62d2d, 260, 0.8, 7);
        this.effects.burst(x, y, 12, 0xffffff, 180, 0.5, 5);
        if (e.b === own16) {
          this.addShake(14);
        }
        break;
      case EffectType.Melee: {
        const aim = aimOf(e.a);
        if (aim !== null) {
          this.effects.swing(x, y, aim, meleeRange);
        }
        break;
      }
      case EffectType.PickupTaken:
        this.effects.burst(x, y, 14, PICKUP_COLORS[e.detail] ?? 0xffffff, 140, 0.6, 6);
        break;
      case EffectType.PickupRespawned:
        this.effects.burst(x, y, 8, 0xffffff, 60, 0.5, 4);
        break;
      case EffectType.WallDamaged:
        this.effects.burst(x, y, 5, WALL_DESTRUCTIBLE, 90, 0.4, 6);
        break;
      case EffectType.WallDestroyed:
        this.effects.burst(x, y, 40, WALL_DESTRUCTIBLE, 300, 1.0, 10);
        this.effects.burst(x, y, 20, 0x777777, 200, 1.3, 14);
        this.addShake(6);
        break;
      case EffectType.WallRespawned:
        this.effects.burst(x, y, 10, 0xcccccc, 60, 0.5, 6);
        break;
      case EffectType.Flag:
        this.effects.burst(x, y, 24, teamColor(e.b), 200, 0.9, 7);
        break;
      default:
        break;
    }
  }

  destroy(): void {
    this.app.destroy({ removeView: true }, { children: true, texture: false });
  }
}

/** The aim of a player slot in a list of entities (for melee swings), or null. */
export function aimFinder(entities: readonly { kind: number; f: readonly number[]; angle: number }[]) {
  return (slot: number): number | null => {
    for (const e of entities) {
      if (e.kind === 0 && (e.f[PlayerField.Id] ?? -1) === slot) {
        return e.angle;
      }
    }
    return null;
  };
}
