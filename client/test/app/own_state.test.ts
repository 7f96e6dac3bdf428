import { describe, expect, it } from 'vitest';

import { BOOST_S, OwnState, RESPAWN_S } from '../../src/app/own_state';
import { PlayerStatus } from '../../src/net/fields';

/** Player fields with `weapon` and `status` (the rest do not matter here). */
const fields = (weapon: number, status: number): number[] => [0, 0, 0, 100, 0, weapon, 0, status, 7];

describe('OwnState', () => {
  it('learns carried weapons from the selected weapon and crates, and resets them on respawn', () => {
    const s = new OwnState();
    s.update(fields(0, PlayerStatus.Alive), 0);
    expect(s.carried).toEqual([true, false, false, false]);
    s.pickedUp(3, 10); // rifle crate
    s.update(fields(1, PlayerStatus.Alive), 20); // shotgun selected: carried
    expect(s.carried).toEqual([true, true, true, false]);
    s.update(fields(1, 0), 30); // died
    s.update(fields(0, PlayerStatus.Alive), 5030); // respawned with the pistol only
    expect(s.carried).toEqual([true, false, false, false]);
  });

  it('counts the respawn down from the death', () => {
    const s = new OwnState();
    s.update(fields(0, PlayerStatus.Alive), 0);
    expect(s.respawnInS(0)).toBeNull();
    s.update(fields(0, 0), 1000);
    expect(s.respawnInS(1000)).toBe(RESPAWN_S);
    expect(s.respawnInS(3000)).toBe(RESPAWN_S - 2);
    expect(s.respawnInS(99_000)).toBe(0);
  });

  it('times reloads and boosts from when their bits appear', () => {
    const s = new OwnState();
    s.update(fields(0, PlayerStatus.Alive | PlayerStatus.Reloading | PlayerStatus.Speed), 1000);
    s.update(fields(0, PlayerStatus.Alive | PlayerStatus.Reloading | PlayerStatus.Speed), 1500);
    expect(s.reloadProgress(1750, 1.5)).toBeCloseTo(0.5);
    expect(OwnState.boostLeftS(s.speedStartMs, 3000)).toBe(BOOST_S - 2);
    s.update(fields(0, PlayerStatus.Alive), 2600);
    expect(s.reloadProgress(2600, 1.5)).toBeNull();
    expect(s.speedStartMs).toBeNull();
  });
});
