// Textures drawn once at start with Pixi Graphics, then shared by every sprite: white shapes
// that sprites tint (one texture for both teams), so the scene batches into few draw calls.

import { Graphics, type Renderer, Texture } from 'pixi.js';

export interface Textures {
  /** Filled circle with a dark rim, radius 32 px: player bodies (tinted by team). */
  readonly disc: Texture;
  /** Ring, radius 32 px: shields and pickups' halos. */
  readonly ring: Texture;
  /** Soft dot, radius 8 px: particles, projectiles, muzzle flashes. */
  readonly dot: Texture;
  /** Flag: pole and cloth, 32 x 40 px, pole foot at (4, 38). */
  readonly flag: Texture;
  /** Melee swing: a 60 degree arc, radius 64 px, centred on the left-middle. */
  readonly arc: Texture;
  /** Plain white 1x1 (bars, walls, guns). */
  readonly white: Texture;
}

export function makeTextures(renderer: Renderer): Textures {
  const gen = (g: Graphics): Texture => {
    const t = renderer.generateTexture({ target: g, resolution: 2, antialias: true });
    g.destroy();
    return t;
  };
  const disc = gen(
    new Graphics().circle(32, 32, 30).fill(0xffffff).stroke({ width: 4, color: 0x000000, alpha: 0.45 }),
  );
  const ring = gen(new Graphics().circle(32, 32, 29).stroke({ width: 4, color: 0xffffff }));
  const dot = gen(
    new Graphics()
      .circle(8, 8, 8)
      .fill({ color: 0xffffff, alpha: 0.35 })
      .circle(8, 8, 5)
      .fill({ color: 0xffffff, alpha: 1 }),
  );
  const flag = gen(
    new Graphics()
      .rect(2, 0, 4, 40)
      .fill(0xdddddd)
      .poly([6, 2, 32, 10, 6, 20])
      .fill(0xffffff)
      .stroke({ width: 1.5, color: 0x000000, alpha: 0.4 }),
  );
  const arcG = new Graphics();
  arcG
    .moveTo(0, 64)
    .arc(0, 64, 64, -Math.PI / 6, Math.PI / 6)
    .lineTo(0, 64)
    .fill({ color: 0xffffff, alpha: 0.55 });
  const arc = gen(arcG);
  return { disc, ring, dot, flag, arc, white: Texture.WHITE };
}
