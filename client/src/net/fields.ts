// Quantised entity fields of the snapshot delta format: the field tables of
// server/src/sync/entity.cpp (one per entity kind, in wire order), and the inverses of the
// server's quantisation. Changing a width changes the wire format: the C++ table, this one and
// docs/protocol.md change together, and the golden vectors of proto/testdata catch a mismatch.
//
// Units after quantisation:
//   position   1/8 wu, unsigned, 18 bits (0 .. 32767.875 wu)
//   angle      1/256 turn, 8 bits (0 = +x, counter-clockwise as atan2 in world axes)
//   health     whole points 0..127 (7 bits); shield 0..63 (6 bits)
//   wall hp    whole points 0..511 (9 bits)

/** Entity kinds, as the 3-bit kind of a new entry. */
export const EntityKind = {
  Player: 0,
  Projectile: 1,
  Pickup: 2,
  Wall: 3,
  Flag: 4,
} as const;
export type EntityKind = (typeof EntityKind)[keyof typeof EntityKind];

/** Number of kinds; a kind >= this is invalid on the wire. */
export const KIND_COUNT = 5;

/** One field of a kind's table. */
export interface FieldSpec {
  readonly name: string;
  /** Full width (unsigned). */
  readonly bits: number;
  /** Signed delta width used when the change fits; 0 = always the full value. */
  readonly deltaBits: number;
}

/** Player fields, in wire order (indices into ViewEntry.f). */
export const PlayerField = {
  X: 0, // 18 bits, 1/8 wu
  Y: 1, // 18 bits
  Aim: 2, // 8 bits, 1/256 turn
  Health: 3, // 7 bits
  Shield: 4, // 6 bits
  Weapon: 5, // 3 bits: weapon of the selected gun
  Team: 6, // 2 bits: 0 red, 1 blue, 2 none
  Status: 7, // 7 bits: PlayerStatus bits
  Id: 8, // 16 bits: low 16 bits of the world slot
} as const;

/** Bits of the player status field. */
export const PlayerStatus = {
  Alive: 1,
  Carrying: 2, // carries the enemy flag
  Protected: 4, // spawn protection
  Speed: 8, // speed boost
  Damage: 16, // damage boost
  Reloading: 32,
  Firing: 64, // fired this tick (muzzle flash)
} as const;

export const ProjectileField = {
  X: 0, // spawn position, 18 bits
  Y: 1, // 18 bits
  Angle: 2, // 8 bits
  Weapon: 3, // 3 bits
  SpawnTick: 4, // 16 bits: low 16 bits of the server tick it was fired on
} as const;

export const PickupField = {
  Index: 0, // 16 bits: index in the map's pickup list
  Available: 1, // 1 bit
} as const;

export const WallField = {
  Index: 0, // 16 bits: index in the map's wall list
  Health: 1, // 9 bits; 0 = destroyed
} as const;

export const FlagField = {
  X: 0, // 18 bits
  Y: 1, // 18 bits
  Team: 2, // 1 bit
  State: 3, // 2 bits: 0 home, 1 carried, 2 dropped
} as const;

const f = (name: string, bits: number, deltaBits: number): FieldSpec => ({ name, bits, deltaBits });

/** The field tables, indexed by kind (same order and widths as entity.cpp). */
export const FIELDS: readonly (readonly FieldSpec[])[] = [
  [
    f('x', 18, 8),
    f('y', 18, 8),
    f('aim', 8, 5),
    f('health', 7, 4),
    f('shield', 6, 0),
    f('weapon', 3, 0),
    f('team', 2, 0),
    f('status', 7, 0),
    f('id', 16, 0),
  ],
  [f('x', 18, 0), f('y', 18, 0), f('angle', 8, 0), f('weapon', 3, 0), f('spawn_tick', 16, 0)],
  [f('index', 16, 0), f('available', 1, 0)],
  [f('index', 16, 0), f('health', 9, 6)],
  [f('x', 18, 8), f('y', 18, 8), f('team', 1, 0), f('state', 2, 0)],
];

/** The field table of `kind`, or undefined for an invalid kind. */
export function fieldsOf(kind: number): readonly FieldSpec[] | undefined {
  return FIELDS[kind];
}

/** Largest quantised position (18 bits). */
export const POSITION_MAX_Q = (1 << 18) - 1;

/** World units of a quantised position (1/8 wu). */
export function dequantisePosition(q: number): number {
  return q / 8;
}

/** Radians of a quantised angle (1/256 turn, 0 = +x); a double (the C++ rounds it to a float). */
export function dequantiseAngle(q: number): number {
  return (q & 0xff) * ((2 * Math.PI) / 256);
}

/** The server's position quantisation (for prediction): clamps to 0 .. POSITION_MAX_Q. */
export function quantisePosition(wu: number): number {
  const scaled = wu * 8;
  if (!(scaled > 0)) {
    return 0; // negative, zero or NaN
  }
  if (scaled >= POSITION_MAX_Q) {
    return POSITION_MAX_Q;
  }
  return Math.round(scaled);
}

/** The server's angle quantisation (for prediction): wraps to 0 .. 255. */
export function quantiseAngle(radians: number): number {
  if (!Number.isFinite(radians)) {
    return 0;
  }
  const twoPi = 2 * Math.PI;
  let a = radians % twoPi;
  if (a < 0) {
    a += twoPi;
  }
  return Math.round((a / twoPi) * 256) & 0xff;
}

/** World units of an effect position (1/2 wu, 16 bits). */
export function dequantiseEffectPosition(q: number): number {
  return q / 2;
}
