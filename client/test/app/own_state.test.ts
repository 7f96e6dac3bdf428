import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';

import {
  type OwnInfo,
  OwnTracker,
  ServerClock,
  UNLIMITED,
  formatAmmo,
  ownHud,
  readOwnState,
  reloadProgress,
  secondsUntil,
} from '../../src/app/own_state';
import type { WeaponSpec } from '../../src/app/world';
import { readEnvelope } from '../../src/net/messages';
import { Envelope, Message, OwnState, Snapshot, SnapshotHeader } from '../../src/proto/game_generated';

const HZ = 30;

const spec = (reloadS: number): WeaponSpec => ({
  projectileSpeed: 1000,
  lifetimeS: 1,
  cooldownS: 0.2,
  reloadS,
  magazine: 12,
  pellets: 1,
  range: 1000,
});
/** Pistol, shotgun, rifle, sniper, melee. */
const WEAPONS = [spec(1), spec(2), spec(1.5), spec(3), spec(0)];

const own = (o: Partial<OwnInfo> = {}): OwnInfo => ({
  magazine: [12, 8, 30, 5],
  reserve: [UNLIMITED, 16, 60, 10],
  owned: 1 | 16,
  weapon: 0,
  reloadDoneTick: 0,
  speedUntil: 0,
  damageUntil: 0,
  protectedUntil: 0,
  respawnTick: 0,
  ...o,
});

/** Envelope(Snapshot{header, me}) as the server sends it, read back through the verifier. */
function snapshotWithMe(tick: number, me: OwnInfo | null): Snapshot {
  const b = new flatbuffers.Builder(128);
  Snapshot.startSnapshot(b);
  Snapshot.addHeader(b, SnapshotHeader.createSnapshotHeader(b, 7, tick, 0, 0));
  if (me !== null) {
    const [m0 = 0, m1 = 0, m2 = 0, m3 = 0] = me.magazine;
    const [r0 = 0, r1 = 0, r2 = 0, r3 = 0] = me.reserve;
    Snapshot.addMe(
      b,
      OwnState.createOwnState(
        b,
        m0,
        m1,
        m2,
        m3,
        r0,
        r1,
        r2,
        r3,
        me.owned,
        me.weapon,
        me.reloadDoneTick,
        me.speedUntil,
        me.damageUntil,
        me.protectedUntil,
        me.respawnTick,
      ),
    );
  }
  b.finish(Envelope.createEnvelope(b, Message.Snapshot, Snapshot.endSnapshot(b)));
  const m = readEnvelope(b.asUint8Array().slice());
  if (m?.type !== Message.Snapshot) {
    throw new Error('not a snapshot');
  }
  return m.message;
}

describe('readOwnState', () => {
  it('reads every field of Snapshot.me, in the order of docs/protocol.md', () => {
    const sent: OwnInfo = {
      magazine: [3, 4, 25, 0],
      reserve: [-1, 12, 90, 0],
      owned: 1 | 2 | 4 | 16,
      weapon: 2,
      reloadDoneTick: 1045,
      speedUntil: 1300,
      damageUntil: 1200,
      protectedUntil: 1060,
      respawnTick: 70_000,
    };
    const me = snapshotWithMe(1000, sent).me();
    expect(me).not.toBeNull();
    expect(readOwnState(me as OwnState)).toEqual(sent);
  });

  it('is absent when the snapshot does not carry it (unchanged, or a spectator)', () => {
    expect(snapshotWithMe(1000, null).me()).toBeNull();
  });
});

describe('OwnTracker', () => {
  it('keeps the newest state; absent states and older (reordered) snapshots do not replace it', () => {
    const t = new OwnTracker();
    expect(t.info).toBeNull();
    t.update(100, own({ magazine: [11, 0, 0, 0] }));
    t.update(102, null); // unchanged: no me
    expect(t.info?.magazine[0]).toBe(11);
    t.update(104, own({ magazine: [9, 0, 0, 0] }));
    t.update(103, own({ magazine: [10, 0, 0, 0] })); // arrived late
    expect(t.info?.magazine[0]).toBe(9);
    expect(t.tick).toBe(104);
    t.reset();
    expect(t.info).toBeNull();
    t.update(5, own()); // a new connection's ticks may be lower
    expect(t.tick).toBe(5);
  });
});

describe('ServerClock', () => {
  it('has no estimate before the first snapshot, then runs on from it', () => {
    const c = new ServerClock(HZ);
    expect(c.tickAt(0)).toBeNull();
    c.onSnapshot(3000, 10_000);
    expect(c.tickAt(10_000)).toBeCloseTo(3000);
    expect(c.tickAt(11_000)).toBeCloseTo(3030);
  });

  it('follows the least delayed snapshot, so late ones do not move it back', () => {
    const c = new ServerClock(HZ);
    c.onSnapshot(3000, 10_000);
    c.onSnapshot(3002, 10_066.7); // on time
    c.onSnapshot(3003, 10_200); // 100 ms late
    expect(c.tickAt(10_200)).toBeCloseTo(3000 + 6, 0);
    c.onSnapshot(3009, 10_300); // early compared with the estimate: moves it forward
    expect(c.tickAt(10_300)).toBeCloseTo(3009);
  });

  it('restarts after a jump back of more than a second (a new server), and on reset', () => {
    const c = new ServerClock(HZ);
    c.onSnapshot(90_000, 1000);
    c.onSnapshot(10, 2000);
    expect(c.tickAt(2000)).toBeCloseTo(10);
    c.reset(60);
    expect(c.tickAt(2000)).toBeNull();
    c.onSnapshot(600, 5000);
    expect(c.tickAt(6000)).toBeCloseTo(660);
  });
});

describe('countdowns', () => {
  it('secondsUntil: ticks left over tick_hz, null when off or over', () => {
    expect(secondsUntil(0, 100, HZ)).toBeNull();
    expect(secondsUntil(400, 100, HZ)).toBe(10);
    expect(secondsUntil(400, 385, HZ)).toBe(0.5);
    expect(secondsUntil(400, 400, HZ)).toBeNull();
    expect(secondsUntil(400, 500, HZ)).toBeNull();
  });

  it('reloadProgress: from the reload time of the weapon, clamped to 0..1', () => {
    expect(reloadProgress(0, 100, HZ, 1.5)).toBeNull();
    expect(reloadProgress(145, 100, HZ, 1.5)).toBe(0); // just started: 45 ticks = 1.5 s left
    expect(reloadProgress(145, 130, HZ, 1.5)).toBeCloseTo(2 / 3);
    expect(reloadProgress(145, 150, HZ, 1.5)).toBe(1); // over, until the next state clears it
    expect(reloadProgress(145, 0, HZ, 1.5)).toBe(0);
    expect(reloadProgress(145, 100, HZ, 0)).toBe(1);
  });
});

describe('ownHud', () => {
  it('shows the rounds and spare rounds of the selected gun and the owned slots', () => {
    const h = ownHud(own({ owned: 1 | 4 | 16, weapon: 2 }), 1000, HZ, WEAPONS, 2);
    expect(h.weapon).toBe(2);
    expect(h.owned).toEqual([true, false, true, false, true]);
    expect(h.magazine).toBe(30);
    expect(h.reserve).toBe(60);
    expect(h.reload).toBeNull();
    expect([h.speedS, h.damageS, h.protectedS, h.respawnS]).toEqual([null, null, null, null]);
  });

  it('prefers the weapon of the own entity (in every snapshot) and keeps the pistol unlimited', () => {
    const h = ownHud(own({ weapon: 2 }), 1000, HZ, WEAPONS, 0);
    expect(h.weapon).toBe(0);
    expect(h.magazine).toBe(12);
    expect(h.reserve).toBe(UNLIMITED);
  });

  it('times the reload with the reload time of the gun that reloads', () => {
    // Sniper: 3 s = 90 ticks; done at 1090, so at 1045 half done.
    const h = ownHud(own({ weapon: 3, reloadDoneTick: 1090 }), 1045, HZ, WEAPONS, 3);
    expect(h.reload).toBeCloseTo(0.5);
    expect(ownHud(own({ weapon: 3, reloadDoneTick: 1090 }), null, HZ, WEAPONS, 3).reload).toBe(0);
  });

  it('counts the boosts and the spawn protection down', () => {
    const h = ownHud(own({ speedUntil: 1300, damageUntil: 1015, protectedUntil: 990 }), 1000, HZ, WEAPONS, 0);
    expect(h.speedS).toBe(10);
    expect(h.damageS).toBe(0.5);
    expect(h.protectedS).toBeNull(); // over
  });

  it('counts the respawn down from respawn_tick, 0 when due, null while alive', () => {
    expect(ownHud(own({ respawnTick: 1150 }), 1000, HZ, WEAPONS, 0).respawnS).toBe(5);
    expect(ownHud(own({ respawnTick: 1150 }), 1200, HZ, WEAPONS, 0).respawnS).toBe(0);
    expect(ownHud(own({ respawnTick: 1150 }), null, HZ, WEAPONS, 0).respawnS).toBeNull();
    expect(ownHud(own(), 1000, HZ, WEAPONS, 0).respawnS).toBeNull();
  });

  it('without any state yet: the selected weapon and melee, nothing else known', () => {
    const h = ownHud(null, 1000, HZ, WEAPONS, 1);
    expect(h.owned).toEqual([false, true, false, false, true]);
    expect(h.magazine).toBeNull();
    expect(h.reserve).toBeNull();
    expect(h.reload).toBeNull();
    expect(h.respawnS).toBeNull();
  });
});

describe('formatAmmo', () => {
  it('writes rounds / spare rounds, ∞ for unlimited, – for unknown', () => {
    expect(formatAmmo(12, UNLIMITED)).toBe('12 / ∞');
    expect(formatAmmo(4, 16)).toBe('4 / 16');
    expect(formatAmmo(0, 0)).toBe('0 / 0');
    expect(formatAmmo(null, null)).toBe('–');
    expect(formatAmmo(3, null)).toBe('3 / –');
  });
});
