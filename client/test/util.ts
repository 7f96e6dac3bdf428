// Helpers shared by the tests: hex, the golden files of proto/testdata, a seeded PRNG, views in the
// JSON shape of the golden files, and Snapshot messages built in TypeScript.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as flatbuffers from 'flatbuffers';

import {
  Effect,
  type EffectType,
  Envelope,
  Message,
  Snapshot,
  SnapshotHeader,
} from '../src/proto/game_generated';
import { BitWriter } from '../src/net/bitstream';
import type { View, ViewEntry } from '../src/net/delta';
import { type EntityKind, FIELDS } from '../src/net/fields';
import { readEnvelope } from '../src/net/messages';

/** proto/testdata/<name> */
export function testdataPath(name: string): string {
  return fileURLToPath(new URL(`../../proto/testdata/${name}`, import.meta.url));
}

export function readTestdata(name: string): unknown {
  return JSON.parse(readFileSync(testdataPath(name), 'utf8'));
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) {
    throw new Error(`bad hex: ${hex.slice(0, 40)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; ++i) {
    out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A view entry as the golden files write it. */
export interface JsonEntry {
  id: number;
  kind: number;
  f: number[];
}

export function toJsonView(view: View): JsonEntry[] {
  return view.map((e) => ({ id: e.localId, kind: e.kind, f: [...e.f] }));
}

export function fromJsonView(entries: readonly JsonEntry[]): ViewEntry[] {
  return entries.map((e) => ({ localId: e.id, kind: e.kind as EntityKind, f: e.f }));
}

/** Deterministic PRNG (mulberry32) so that a failing random test fails the same way again. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Checks what decodeDelta promises of a view it returns; throws with the reason otherwise. */
export function assertValidView(view: View): void {
  if (view.length > 1024) throw new Error(`${view.length} entries`);
  let prev = -1;
  for (const e of view) {
    if (!Number.isInteger(e.localId) || e.localId <= prev || e.localId >= 1024) {
      throw new Error(`id ${e.localId} after ${prev}`);
    }
    prev = e.localId;
    const spec = FIELDS[e.kind];
    if (spec === undefined) throw new Error(`kind ${e.kind}`);
    if (e.f.length !== spec.length) throw new Error(`${e.f.length} fields for kind ${e.kind}`);
    spec.forEach((fs, i) => {
      const v = e.f[i] ?? -1;
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** fs.bits) {
        throw new Error(`field ${fs.name} = ${v}`);
      }
    });
  }
}

/** A full-snapshot delta of `view` (every entry new), as encode_delta writes it. */
export function fullDelta(view: View): Uint8Array {
  const w = new BitWriter();
  w.write(view.length, 11);
  for (const e of view) {
    w.write(e.localId, 10);
    w.write(e.kind, 3);
    (FIELDS[e.kind] ?? []).forEach((fs, i) => {
      w.write(e.f[i] ?? 0, fs.bits);
    });
  }
  return w.bytes();
}

export interface SnapshotSpec {
  id: number;
  baseline: number;
  tick?: number;
  lastInput?: number;
  data?: Uint8Array;
  effects?: [EffectType, number, number, number, number, number, number][];
  noHeader?: boolean;
}

/** Envelope(Snapshot) bytes built with the generated TypeScript classes. */
export function snapshotBytes(s: SnapshotSpec): Uint8Array {
  const b = new flatbuffers.Builder(256);
  const data = s.data === undefined ? 0 : Snapshot.createDataVector(b, s.data);
  let effects = 0;
  if (s.effects !== undefined) {
    Snapshot.startEffectsVector(b, s.effects.length);
    for (const e of [...s.effects].reverse()) {
      Effect.createEffect(b, ...e);
    }
    effects = b.endVector();
  }
  Snapshot.startSnapshot(b);
  if (s.noHeader !== true) {
    Snapshot.addHeader(
      b,
      SnapshotHeader.createSnapshotHeader(b, s.id, s.tick ?? 0, s.baseline, s.lastInput ?? 0),
    );
  }
  if (data !== 0) Snapshot.addData(b, data);
  if (effects !== 0) Snapshot.addEffects(b, effects);
  b.finish(Envelope.createEnvelope(b, Message.Snapshot, Snapshot.endSnapshot(b)));
  return b.asUint8Array().slice();
}

/** The Snapshot of snapshotBytes(s), read back through readEnvelope. */
export function snapshot(s: SnapshotSpec): Snapshot {
  const m = readEnvelope(snapshotBytes(s));
  if (m?.type !== Message.Snapshot) throw new Error('not a snapshot');
  return m.message;
}
