// decodeDelta beyond the golden vectors: the worked example of delta.hpp, and garbage (random
// bytes, truncations and bit flips of real snapshots) that must never throw and must yield either
// null or a valid view.
import { describe, expect, it } from 'vitest';

import { BitReader, BitWriter } from '../src/net/bitstream';
import { type View, decodeDelta } from '../src/net/delta';
import { EntityKind } from '../src/net/fields';
import { Message } from '../src/proto/game_generated';
import { readEnvelope } from '../src/net/messages';
import { type JsonEntry, assertValidView, fromHex, fromJsonView, readTestdata, rng } from './util';

const player: View = [{ localId: 3, kind: EntityKind.Player, f: [1000, 2000, 10, 100, 0, 1, 0, 1, 42] }];

describe('decodeDelta', () => {
  it('decodes the example of delta.hpp: x +5, y -3 in 18 bits', () => {
    const w = new BitWriter();
    w.write(0b01, 2); // 1 0: compact, common mask 0 ({x, y})
    w.write(5, 8);
    w.write(-3, 8);
    w.write(0, 11); // no new entries
    const r = new BitReader(w.bytes());
    const view = decodeDelta(player, r);
    expect(view).toEqual([{ localId: 3, kind: EntityKind.Player, f: [1005, 1997, 10, 100, 0, 1, 0, 1, 42] }]);
    expect(r.bitsRead()).toBe(18 + 11);
  });

  it('keeps unchanged entries as they were and does not modify the baseline', () => {
    const w = new BitWriter();
    w.write(0, 1);
    w.write(1, 11);
    w.write(1, 10);
    w.write(EntityKind.Wall, 3);
    w.write(77, 16);
    w.write(300, 9);
    const before = JSON.stringify(player);
    const view = decodeDelta(player, new BitReader(w.bytes()));
    expect(view?.map((e) => e.localId)).toEqual([1, 3]);
    expect(view?.[1]).toBe(player[0]);
    expect(JSON.stringify(player)).toBe(before);
  });

  it('rejects a baseline over 1024 entries', () => {
    const big: View = Array.from({ length: 1025 }, (_, i) => ({
      localId: i,
      kind: EntityKind.Pickup,
      f: [0, 0],
    }));
    expect(decodeDelta(big, new BitReader(new Uint8Array(200)))).toBeNull();
  });
});

interface Golden {
  snapshot_sequences: {
    snapshots: { hex: string; header: { id: number; baseline: number }; view: JsonEntry[] }[];
  }[];
}

// Real snapshots with the views they are decoded against, for mutation tests.
function realPayloads(): { baseline: View; data: Uint8Array }[] {
  const golden = readTestdata('server_messages.json') as Golden;
  const out: { baseline: View; data: Uint8Array }[] = [];
  for (const seq of golden.snapshot_sequences) {
    const views = new Map<number, View>();
    for (const s of seq.snapshots) {
      const m = readEnvelope(fromHex(s.hex));
      if (m?.type !== Message.Snapshot) throw new Error('not a snapshot');
      const data = m.message.dataArray() ?? new Uint8Array(0);
      out.push({ baseline: views.get(s.header.baseline) ?? [], data: data.slice() });
      views.set(s.header.id, fromJsonView(s.view));
    }
  }
  return out;
}

function decodesSafely(baseline: View, bytes: Uint8Array): View | null {
  const view = decodeDelta(baseline, new BitReader(bytes));
  if (view !== null) assertValidView(view);
  return view;
}

describe('decodeDelta on garbage', () => {
  const payloads = realPayloads();
  const baselines: View[] = [[], ...payloads.map((p) => p.baseline).filter((b) => b.length > 0)];

  it('random bytes never throw; the result is null or a valid view', () => {
    const random = rng(7);
    let accepted = 0;
    for (let n = 0; n < 3000; ++n) {
      // Half the bytes 0, so that short counts and unchanged records (valid streams) come up too.
      const bytes = Uint8Array.from({ length: Math.floor(random() * 64) }, () =>
        random() < 0.5 ? 0 : Math.floor(random() * 256),
      );
      const baseline = baselines[n % baselines.length] ?? [];
      if (decodesSafely(baseline, bytes) !== null) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(0); // some random bytes are valid deltas (e.g. count 0)
    expect(accepted).toBeLessThan(3000);
  });

  it('every truncation of a real snapshot is rejected or valid, never a throw', () => {
    let rejected = 0;
    for (const { baseline, data } of payloads) {
      for (let len = 0; len < data.length; ++len) {
        if (decodesSafely(baseline, data.subarray(0, len)) === null) rejected += 1;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('single bit flips of real snapshots are rejected or valid, never a throw', () => {
    const random = rng(11);
    for (const { baseline, data } of payloads) {
      for (let k = 0; k < 60; ++k) {
        const copy = data.slice();
        const bit = Math.floor(random() * copy.length * 8);
        copy[bit >>> 3] = (copy[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
        decodesSafely(baseline, copy);
      }
    }
  });
});
