// Snapshot delta decoder, the TypeScript twin of decode_delta in server/src/sync/delta.cpp: it
// accepts exactly the payloads the C++ decoder accepts and rejects the others (the golden vectors
// of proto/testdata/server_messages.json hold both kinds). The wire format is drawn bit by bit in
// server/src/sync/delta.hpp; in short (LSB-first, u(n) unsigned, s(n) two's complement):
//
//   snapshot  := section_a section_b (then padding, ignored)
//   section_a := one record per baseline entry, in local-id order:
//                  0        unchanged
//                  1 0      compact, common mask 0 of its kind     | per field of the mask:
//                  1 1 0    compact, common mask 1 of its kind     |   s(deltaBits), or u(bits)
//                                                                  |   when deltaBits == 0
//                  1 1 1 0  explicit: mask u(nfields), then per field of the mask:
//                             deltaBits > 0: 1 s(deltaBits) | 0 u(bits);  deltaBits == 0: u(bits)
//                  1 1 1 1  removed
//   section_b := count u(11) (0..1024), then count times: id u(10) kind u(3) every field u(bits);
//                ids strictly increasing and absent from the baseline

import type { BitReader } from './bitstream';
import { EntityKind, FIELDS, KIND_COUNT, fieldsOf } from './fields';

/** One entity of a view: its local id (0..1023), kind and field values (fields of its kind). */
export interface ViewEntry {
  readonly localId: number;
  readonly kind: EntityKind;
  readonly f: readonly number[];
}

/** A decoded view: entries sorted by local id, ids unique. */
export type View = readonly ViewEntry[];

export const LOCAL_ID_BITS = 10;
export const KIND_BITS = 3;
/** At most this many entries in one view. */
export const MAX_VIEW_ENTRIES = 1 << LOCAL_ID_BITS;
const COUNT_BITS = LOCAL_ID_BITS + 1;
// Smallest new entry on the wire (id, kind, pickup fields): bounds a count before trusting it.
const MIN_NEW_ENTRY_BITS = LOCAL_ID_BITS + KIND_BITS + 16 + 1;

/** The two common change masks of each kind (0 = that prefix is invalid for the kind). */
export const COMMON_MASKS: readonly (readonly [number, number])[] = [
  [0b11, 0b111], // player: {x, y}, {x, y, aim}
  [0, 0], // projectile: none
  [0b10, 0], // pickup: {available}
  [0b10, 0], // wall: {health}
  [0b11, 0b1000], // flag: {x, y}, {state}
];

const EXPLICIT = 2;
const REMOVED = 3;

function signExtend(raw: number, nbits: number): number {
  const sign = 2 ** (nbits - 1);
  return (raw ^ sign) - sign; // nbits <= 8 here, so ^ on int32 is exact
}

/**
 * Decodes one snapshot delta against `baseline` (a view this function returned, or [] for a full
 * snapshot). Returns the new view, or null if the payload is malformed: a read past the end, a
 * prefix or empty mask the kind has no use for, a delta leaving a field's range, a count over
 * 1024 or over what the remaining bits can hold, a bad kind, new ids not strictly increasing or
 * present in the baseline, more than 1024 entries. Bits after section B are ignored. Never throws
 * on any input bytes; unchanged entries are shared with `baseline` (views are immutable).
 */
export function decodeDelta(baseline: View, reader: BitReader): ViewEntry[] | null {
  if (baseline.length > MAX_VIEW_ENTRIES) {
    return null;
  }
  const out: ViewEntry[] = [];

  // Section A.
  for (const b of baseline) {
    if (reader.read(1) === 0) {
      if (reader.failed()) {
        return null;
      }
      out.push(b); // unchanged
      continue;
    }
    let form = 0; // 0, 1 = compact with that common mask, 2 = explicit, 3 = removed
    while (form < REMOVED && reader.read(1) !== 0) {
      ++form;
    }
    if (reader.failed()) {
      return null;
    }
    if (form === REMOVED) {
      continue;
    }
    const spec = fieldsOf(b.kind);
    const common = COMMON_MASKS[b.kind];
    if (spec === undefined || common === undefined) {
      return null; // not a baseline decodeDelta could have produced
    }
    const mask = form === EXPLICIT ? reader.read(spec.length) : common[form === 0 ? 0 : 1];
    if (mask === 0) {
      return null; // an unused common mask, or an explicit empty mask
    }
    const values = b.f.slice();
    for (let i = 0; i < spec.length; ++i) {
      const fs = spec[i];
      if (fs === undefined || ((mask >>> i) & 1) === 0) {
        continue;
      }
      const delta = fs.deltaBits > 0 && (form !== EXPLICIT || reader.read(1) !== 0);
      if (delta) {
        const v = (values[i] ?? 0) + signExtend(reader.read(fs.deltaBits), fs.deltaBits);
        if (v < 0 || v >= 2 ** fs.bits) {
          return null;
        }
        values[i] = v;
      } else {
        values[i] = reader.read(fs.bits);
      }
    }
    if (reader.failed()) {
      return null;
    }
    out.push({ localId: b.localId, kind: b.kind, f: values });
  }

  // Section B.
  const count = reader.read(COUNT_BITS);
  const kept = out.length;
  if (
    reader.failed() ||
    count > MAX_VIEW_ENTRIES ||
    kept + count > MAX_VIEW_ENTRIES ||
    count * MIN_NEW_ENTRY_BITS > reader.bitsLeft()
  ) {
    return null;
  }
  if (count === 0) {
    return out;
  }
  const merged: ViewEntry[] = [];
  let k = 0; // next kept entry to merge
  let bi = 0; // baseline cursor for the "absent from the baseline" rule
  let prevId = -1;
  for (let n = 0; n < count; ++n) {
    const id = reader.read(LOCAL_ID_BITS);
    const kind = reader.read(KIND_BITS);
    if (reader.failed() || id <= prevId || kind >= KIND_COUNT) {
      return null;
    }
    prevId = id;
    while (bi < baseline.length && (baseline[bi]?.localId ?? Infinity) < id) {
      ++bi;
    }
    if (baseline[bi]?.localId === id) {
      return null; // a new id must be absent from the baseline (even if removed just now)
    }
    const spec = FIELDS[kind] ?? [];
    const values = spec.map((fs) => reader.read(fs.bits));
    if (reader.failed()) {
      return null;
    }
    for (let e = out[k]; e !== undefined && e.localId < id; e = out[++k]) {
      merged.push(e);
    }
    merged.push({ localId: id, kind: kind as EntityKind, f: values });
  }
  for (; k < kept; ++k) {
    const e = out[k];
    if (e !== undefined) {
      merged.push(e);
    }
  }
  return merged;
}
