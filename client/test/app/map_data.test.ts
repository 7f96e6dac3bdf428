import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';

import { parseMapData } from '../../src/app/map_data';
import { MapBase, MapPickup, MapWall } from '../../src/proto/game_generated';
// MapData is no union member, so the generated index does not export it.
import { MapData } from '../../src/proto/mgs/proto/map-data';

/** A MapData buffer built with the generated code, as the server's builder would. */
function buildMap(): Uint8Array {
  const b = new flatbuffers.Builder(256);
  MapData.startWallsVector(b, 2);
  MapWall.createMapWall(b, 100, 110, 140, 300, 150); // last written = index 1
  MapWall.createMapWall(b, 0, 0, 1600, 20, 0);
  const walls = b.endVector();
  MapData.startPickupsVector(b, 1);
  MapPickup.createMapPickup(b, 800, 600, 5);
  const pickups = b.endVector();
  MapData.startBasesVector(b, 2);
  MapBase.createMapBase(b, 1500, 600, 1400, 500, 1580, 700);
  MapBase.createMapBase(b, 100, 600, 20, 500, 200, 700);
  const bases = b.endVector();
  MapData.startMapData(b);
  MapData.addSeed(b, 42n);
  MapData.addWidth(b, 1600);
  MapData.addHeight(b, 1200);
  MapData.addWalls(b, walls);
  MapData.addPickups(b, pickups);
  MapData.addBases(b, bases);
  b.finish(MapData.endMapData(b));
  return b.asUint8Array().slice();
}

describe('parseMapData', () => {
  it('reads every field of a MapData buffer', () => {
    const map = parseMapData(buildMap());
    expect(map).not.toBeNull();
    expect(map?.seed).toBe(42n);
    expect(map?.width).toBe(1600);
    expect(map?.height).toBe(1200);
    expect(map?.walls).toEqual([
      { minX: 0, minY: 0, maxX: 1600, maxY: 20, maxHealth: 0 },
      { minX: 100, minY: 110, maxX: 140, maxY: 300, maxHealth: 150 },
    ]);
    expect(map?.pickups).toEqual([{ x: 800, y: 600, kind: 5 }]);
    expect(map?.bases[0]).toEqual({ flagX: 100, flagY: 600, minX: 20, minY: 500, maxX: 200, maxY: 700 });
    expect(map?.bases[1]?.flagX).toBe(1500);
  });

  it('reads absent fields as their defaults', () => {
    const b = new flatbuffers.Builder(64);
    MapData.startMapData(b);
    MapData.addWidth(b, 10);
    b.finish(MapData.endMapData(b));
    const map = parseMapData(b.asUint8Array());
    expect(map).toEqual({ seed: 0n, width: 10, height: 0, walls: [], pickups: [], bases: [] });
  });

  it('never returns a partial map for a truncated buffer', () => {
    const bytes = buildMap();
    for (let n = 0; n < bytes.length; ++n) {
      const map = parseMapData(bytes.slice(0, n));
      // A cut that keeps everything the tables point at may still parse; it must then be complete.
      if (map !== null) {
        expect(map.walls.length).toBe(2);
      }
    }
    expect(parseMapData(new Uint8Array(0))).toBeNull();
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let i = 0; i < 500; ++i) {
      const bytes = new Uint8Array(8 + (i % 120));
      for (let k = 0; k < bytes.length; ++k) {
        bytes[k] = rnd();
      }
      expect(() => parseMapData(bytes)).not.toThrow();
    }
  });

  it('refuses a vector count that runs past the end', () => {
    const bytes = buildMap();
    const map = parseMapData(bytes);
    expect(map).not.toBeNull();
    // Find the walls vector's count (2) followed by the first wall's min_x = 0.0f and bump it.
    const dv = new DataView(bytes.buffer);
    for (let p = 0; p + 8 <= bytes.length; p += 4) {
      if (dv.getUint32(p, true) === 2 && dv.getFloat32(p + 12, true) === 1600) {
        dv.setUint32(p, 1_000_000, true);
        break;
      }
    }
    expect(parseMapData(bytes)).toBeNull();
  });
});
