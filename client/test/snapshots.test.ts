// SnapshotReceiver: the ring of decoded views, baselines, stale and malformed snapshots.
import { describe, expect, it } from 'vitest';

import { BitWriter } from '../src/net/bitstream';
import type { View } from '../src/net/delta';
import { EntityKind } from '../src/net/fields';
import { RESYNC_AFTER_UNKNOWN, SNAPSHOT_RING, SnapshotReceiver } from '../src/net/snapshots';
import { EffectType } from '../src/proto/game_generated';
import { fullDelta, snapshot } from './util';

const wallView = (health: number): View => [{ localId: 2, kind: EntityKind.Wall, f: [9, health] }];

/** A delta against wallView(any): the wall's health changes by `d` (compact mask 0, s(6)). */
function wallDelta(d: number): Uint8Array {
  const w = new BitWriter();
  w.write(0b01, 2);
  w.write(d, 6);
  w.write(0, 11);
  return w.bytes();
}

function full(id: number, health: number) {
  return snapshot({ id, baseline: 0, data: fullDelta(wallView(health)) });
}

describe('SnapshotReceiver', () => {
  it('starts empty and acknowledges nothing', () => {
    const r = new SnapshotReceiver();
    expect(r.latest()).toBeNull();
    expect(r.ackId()).toBe(0);
  });

  it('decodes a full snapshot and exposes its header, view and effects', () => {
    const r = new SnapshotReceiver();
    const s = snapshot({
      id: 5,
      baseline: 0,
      tick: 300,
      lastInput: 77,
      data: fullDelta(wallView(100)),
      effects: [
        [EffectType.WallDamaged, 99, 9, 100, 200, 0xffff, 0xffff],
        [EffectType.Shot, 2, 0, 1, 2, 3, 4],
      ],
    });
    expect(r.receive(s)).toBe('decoded');
    expect(r.ackId()).toBe(5);
    const got = r.latest();
    expect(got).toMatchObject({ id: 5, tick: 300, baseline: 0, lastInput: 77, view: wallView(100) });
    expect(got?.effects).toEqual([
      { type: 7, detail: 99, value: 9, x: 100, y: 200, a: 0xffff, b: 0xffff },
      { type: 0, detail: 2, value: 0, x: 1, y: 2, a: 3, b: 4 },
    ]);
  });

  it('decodes against the baseline the header names, not the newest view', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    expect(r.receive(snapshot({ id: 2, baseline: 1, data: wallDelta(-10) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(90));
    // 3 against 1 (the server had not seen the ack of 2 yet).
    expect(r.receive(snapshot({ id: 3, baseline: 1, data: wallDelta(5) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(105));
    expect(r.viewOf(2)).toEqual(wallView(90));
  });

  it('ignores duplicate and older snapshots', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    expect(r.receive(snapshot({ id: 3, baseline: 1, data: wallDelta(1) }))).toBe('decoded');
    expect(r.receive(snapshot({ id: 3, baseline: 1, data: wallDelta(2) }))).toBe('stale');
    // 2 arrives after 3 (reordered): 3 superseded it.
    expect(r.receive(snapshot({ id: 2, baseline: 1, data: wallDelta(3) }))).toBe('stale');
    expect(r.latest()?.view).toEqual(wallView(101));
    expect(r.ackId()).toBe(3);
    expect(r.viewOf(2)).toBeNull();
    expect(r.stats()).toEqual({ decoded: 2, stale: 2, unknownBaseline: 0, malformed: 0, resyncs: 0 });
    expect(r.needsResync()).toBe(false);
  });

  it('drops a snapshot whose baseline it never decoded, and recovers with a full one', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    expect(r.receive(snapshot({ id: 3, baseline: 2, data: wallDelta(1) }))).toBe('unknown-baseline');
    expect(r.ackId()).toBe(1);
    expect(r.latest()?.view).toEqual(wallView(100));
    expect(r.receive(full(4, 50))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(50));
    expect(r.stats().unknownBaseline).toBe(1);
  });

  it(`keeps the last ${SNAPSHOT_RING} views: an older baseline is unknown`, () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 0))).toBe('decoded');
    for (let id = 2; id <= 1 + SNAPSHOT_RING; ++id) {
      expect(r.receive(snapshot({ id, baseline: id - 1, data: wallDelta(1) }))).toBe('decoded');
    }
    // Ids 2 .. 33 are kept; 1 shared its slot with 33 and is gone.
    expect(r.latest()?.view).toEqual(wallView(SNAPSHOT_RING));
    expect(r.viewOf(1)).toBeNull();
    expect(r.viewOf(2)).toEqual(wallView(1));
    const next = 2 + SNAPSHOT_RING;
    expect(r.receive(snapshot({ id: next, baseline: 1, data: wallDelta(1) }))).toBe('unknown-baseline');
    expect(r.receive(snapshot({ id: next, baseline: 2, data: wallDelta(4) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(5));
  });

  it('drops malformed snapshots without changing its state', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    const bad = new BitWriter();
    bad.write(0b01, 2);
    bad.write(31, 6); // 100 + 31 is fine, but ...
    bad.write(5, 11); // ... 5 new entries that are not there
    expect(r.receive(snapshot({ id: 2, baseline: 1, data: bad.bytes() }))).toBe('malformed');
    expect(r.receive(snapshot({ id: 3, baseline: 1 }))).toBe('malformed'); // no data at all
    expect(r.receive(snapshot({ id: 4, baseline: 0, data: fullDelta([]), noHeader: true }))).toBe(
      'malformed',
    );
    expect(r.receive(snapshot({ id: 0, baseline: 0, data: fullDelta([]) }))).toBe('malformed');
    expect(r.ackId()).toBe(1);
    expect(r.latest()?.view).toEqual(wallView(100));
    expect(r.stats().malformed).toBe(4);
    // A malformed snapshot's id is not taken: the same id, well formed, still decodes.
    expect(r.receive(snapshot({ id: 2, baseline: 1, data: wallDelta(-1) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(99));
  });

  it('decodes against an empty view that is not baseline 0', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(snapshot({ id: 1, baseline: 0, data: fullDelta([]) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual([]);
    expect(r.receive(snapshot({ id: 2, baseline: 1, data: fullDelta(wallView(7)) }))).toBe('decoded');
    expect(r.latest()?.view).toEqual(wallView(7));
  });

  it('asks for a full snapshot after one that does not decode, until a full one decodes', () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    expect(r.needsResync()).toBe(false);
    expect(r.receive(snapshot({ id: 2, baseline: 1 }))).toBe('malformed'); // an empty delta
    expect(r.needsResync()).toBe(true);
    expect(r.resyncReason()).toBe('malformed');
    // A delta that decodes does not end it: only a full snapshot proves the server started over.
    expect(r.receive(snapshot({ id: 3, baseline: 1, data: wallDelta(1) }))).toBe('decoded');
    expect(r.needsResync()).toBe(true);
    expect(r.receive(full(4, 50))).toBe('decoded');
    expect(r.needsResync()).toBe(false);
    expect(r.resyncReason()).toBeNull();
    expect(r.stats().resyncs).toBe(1);
  });

  it('asks for a full snapshot when the first ones do not decode (an empty delta of a full snapshot)', () => {
    const r = new SnapshotReceiver();
    for (let id = 1; id <= 3; ++id) {
      expect(r.receive(snapshot({ id, baseline: 0, data: new Uint8Array(0) }))).toBe('malformed');
      expect(r.needsResync()).toBe(true);
    }
    expect(r.stats().resyncs).toBe(1); // one episode, however many snapshots
    expect(r.receive(full(4, 9))).toBe('decoded');
    expect(r.needsResync()).toBe(false);
    expect(r.ackId()).toBe(4);
  });

  it(`asks for a full snapshot after ${RESYNC_AFTER_UNKNOWN} in a row whose baseline it does not hold`, () => {
    const r = new SnapshotReceiver();
    expect(r.receive(full(1, 100))).toBe('decoded');
    let id = 2;
    for (let k = 1; k < RESYNC_AFTER_UNKNOWN; ++k) {
      expect(r.receive(snapshot({ id: id++, baseline: 500, data: wallDelta(1) }))).toBe('unknown-baseline');
      expect(r.needsResync()).toBe(false);
    }
    // A decode in between starts the count over.
    expect(r.receive(snapshot({ id: id++, baseline: 1, data: wallDelta(1) }))).toBe('decoded');
    for (let k = 1; k < RESYNC_AFTER_UNKNOWN; ++k) {
      expect(r.receive(snapshot({ id: id++, baseline: 500, data: wallDelta(1) }))).toBe('unknown-baseline');
    }
    expect(r.needsResync()).toBe(false);
    expect(r.receive(snapshot({ id: id++, baseline: 500, data: wallDelta(1) }))).toBe('unknown-baseline');
    expect(r.needsResync()).toBe(true);
    expect(r.resyncReason()).toBe('unknown-baseline');
    expect(r.receive(full(id, 3))).toBe('decoded');
    expect(r.needsResync()).toBe(false);
  });
});
