// The static map from GET /map (docs/protocol.md "MapData"): a FlatBuffers buffer whose root is a
// MapData table. The message verifier of net/verify.ts covers Envelopes only, so this reads the
// few fields by hand with every offset bounds-checked: a truncated or garbled body gives null,
// never an exception or garbage walls.

export interface MapWall {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  /** 0 = indestructible. */
  readonly maxHealth: number;
}

export interface MapPickup {
  readonly x: number;
  readonly y: number;
  /** 0 health, 1 ammo, 2 shotgun crate, 3 rifle crate, 4 sniper crate, 5 speed, 6 damage, 7 shield. */
  readonly kind: number;
}

export interface MapBase {
  readonly flagX: number;
  readonly flagY: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

export interface GameMap {
  readonly seed: bigint;
  readonly width: number;
  readonly height: number;
  readonly walls: readonly MapWall[];
  readonly pickups: readonly MapPickup[];
  /** Red, then blue (empty in a mode without bases). */
  readonly bases: readonly MapBase[];
}

const WALL_BYTES = 20;
const PICKUP_BYTES = 12;
const BASE_BYTES = 24;
// More elements than any preset has by far; bounds the work a hostile body can cause.
const MAX_ELEMENTS = 1 << 20;

/** Parses a MapData buffer; null if it is malformed. */
export function parseMapData(bytes: Uint8Array): GameMap | null {
  const n = bytes.byteLength;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n);
  const inside = (pos: number, size: number): boolean => pos >= 0 && size >= 0 && pos + size <= n;
  if (!inside(0, 4)) {
    return null;
  }
  const table = dv.getUint32(0, true);
  if (!inside(table, 4) || table % 4 !== 0) {
    return null;
  }
  const vtable = table - dv.getInt32(table, true);
  if (!inside(vtable, 4) || vtable % 2 !== 0) {
    return null;
  }
  const vtSize = dv.getUint16(vtable, true);
  const tableSize = dv.getUint16(vtable + 2, true);
  if (vtSize < 4 || vtSize % 2 !== 0 || !inside(vtable, vtSize) || !inside(table, tableSize)) {
    return null;
  }
  // Offset of field `k` from the table start, 0 if absent; -1 if it points outside the table.
  const field = (k: number, size: number): number => {
    const slot = 4 + 2 * k;
    if (slot + 2 > vtSize) {
      return 0;
    }
    const off = dv.getUint16(vtable + slot, true);
    return off === 0 ? 0 : off + size <= tableSize ? off : -1;
  };
  const seedOff = field(0, 8);
  const widthOff = field(1, 4);
  const heightOff = field(2, 4);
  if (seedOff < 0 || widthOff < 0 || heightOff < 0) {
    return null;
  }
  // A vector of structs: its element start and count, or null if it does not fit the buffer.
  const vector = (k: number, elemBytes: number): { start: number; count: number } | null => {
    const off = field(k, 4);
    if (off < 0) {
      return null;
    }
    if (off === 0) {
      return { start: 0, count: 0 };
    }
    const at = table + off;
    const vec = at + dv.getUint32(at, true);
    if (!inside(vec, 4) || vec % 4 !== 0) {
      return null;
    }
    const count = dv.getUint32(vec, true);
    if (count > MAX_ELEMENTS || !inside(vec + 4, count * elemBytes)) {
      return null;
    }
    return { start: vec + 4, count };
  };
  const wallsVec = vector(3, WALL_BYTES);
  const pickupsVec = vector(4, PICKUP_BYTES);
  const basesVec = vector(5, BASE_BYTES);
  if (wallsVec === null || pickupsVec === null || basesVec === null) {
    return null;
  }
  const f32 = (pos: number): number => dv.getFloat32(pos, true);
  const walls: MapWall[] = [];
  for (let i = 0; i < wallsVec.count; ++i) {
    const p = wallsVec.start + i * WALL_BYTES;
    walls.push({
      minX: f32(p),
      minY: f32(p + 4),
      maxX: f32(p + 8),
      maxY: f32(p + 12),
      maxHealth: dv.getInt16(p + 16, true),
    });
  }
  const pickups: MapPickup[] = [];
  for (let i = 0; i < pickupsVec.count; ++i) {
    const p = pickupsVec.start + i * PICKUP_BYTES;
    pickups.push({ x: f32(p), y: f32(p + 4), kind: dv.getUint8(p + 8) });
  }
  const bases: MapBase[] = [];
  for (let i = 0; i < basesVec.count; ++i) {
    const p = basesVec.start + i * BASE_BYTES;
    bases.push({
      flagX: f32(p),
      flagY: f32(p + 4),
      minX: f32(p + 8),
      minY: f32(p + 12),
      maxX: f32(p + 16),
      maxY: f32(p + 20),
    });
  }
  return {
    seed: seedOff === 0 ? 0n : dv.getBigUint64(table + seedOff, true),
    width: widthOff === 0 ? 0 : f32(table + widthOff),
    height: heightOff === 0 ? 0 : f32(table + heightOff),
    walls,
    pickups,
    bases,
  };
}

/** GETs and parses the map; throws on an HTTP error or a malformed body. */
export async function fetchMap(url = '/map'): Promise<GameMap> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) {
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  const map = parseMapData(new Uint8Array(await res.arrayBuffer()));
  if (map === null) {
    throw new Error(`GET ${url}: not a MapData buffer`);
  }
  return map;
}
