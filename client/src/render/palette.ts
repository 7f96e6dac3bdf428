// Colours of the game, shared by the Pixi renderer and the DOM minimap (numbers 0xRRGGBB).

/** Team colours: 0 red, 1 blue, 2 none (free-for-all). */
export const TEAM_COLORS: readonly number[] = [0xe5484d, 0x3e8ef7, 0xf5a524];
export const TEAM_COLORS_LIGHT: readonly number[] = [0xff9592, 0x9cc8ff, 0xffd58a];

export function teamColor(team: number): number {
  return TEAM_COLORS[team] ?? 0xf5a524;
}

export function teamColorLight(team: number): number {
  return TEAM_COLORS_LIGHT[team] ?? 0xffd58a;
}

export const BACKGROUND = 0x15181d;
export const FLOOR = 0x1f242b;
export const GRID = 0x2a3038;
export const WALL = 0x5b6573;
export const WALL_EDGE = 0x8893a3;
export const WALL_DESTRUCTIBLE = 0xa0784f;
export const RUBBLE = 0x4a3d30;
export const SHIELD = 0x6fd3ff;
export const MUZZLE = 0xffe08a;

/** Pickup colours by MapPickup.kind. */
export const PICKUP_COLORS: readonly number[] = [
  0x4ade80, // health
  0xfacc15, // ammo
  0xfb923c, // shotgun crate
  0xa78bfa, // rifle crate
  0xf472b6, // sniper crate
  0x22d3ee, // speed boost
  0xf87171, // damage boost
  0x60a5fa, // shield
];
/** One-letter labels of the pickup kinds. */
export const PICKUP_LETTERS: readonly string[] = ['+', 'A', 'S', 'R', 'N', '»', 'D', 'O'];
export const PICKUP_NAMES: readonly string[] = [
  'Health',
  'Ammo',
  'Shotgun',
  'Rifle',
  'Sniper',
  'Speed boost',
  'Damage boost',
  'Shield',
];

/** Projectile colours by weapon. */
export const PROJECTILE_COLORS: readonly number[] = [0xfff3b0, 0xffb347, 0xfff3b0, 0xb5f5ff];

/** `#rrggbb` of a colour number (for CSS and the 2D canvas). */
export function css(color: number): string {
  return `#${color.toString(16).padStart(6, '0')}`;
}
