// What the HUD shows about the own player that snapshots do not carry directly, inferred from the
// fields they do carry: which weapons are carried (the selected weapon field, crates picked up,
// everything reset on death), when a reload or a boost started (the status bits appearing), and
// when the player died (for the respawn countdown). Estimates, documented as such: the protocol
// has no magazine count and no boost timers.

import { PlayerField, PlayerStatus } from '../net/fields';

/** Seconds from death to respawn (GAMEPLAY.md; not in the Welcome). */
export const RESPAWN_S = 5;
/** Seconds a speed or damage boost lasts (GAMEPLAY.md; not in the Welcome). */
export const BOOST_S = 10;

/** Pickup kinds that give a weapon: shotgun, rifle, sniper crates (MapPickup.kind 2..4). */
const CRATE_FIRST = 2;
const CRATE_LAST = 4;

export class OwnState {
  /** Pistol, shotgun, rifle, sniper. */
  readonly carried: boolean[] = [true, false, false, false];
  alive = false;
  diedAtMs: number | null = null;
  reloadStartMs: number | null = null;
  speedStartMs: number | null = null;
  damageStartMs: number | null = null;
  private seen = false;

  /** The own player's fields from a snapshot (null: not in the view), received at `nowMs`. */
  update(f: readonly number[] | null, nowMs: number): void {
    if (f === null) {
      return;
    }
    const status = f[PlayerField.Status] ?? 0;
    const alive = (status & PlayerStatus.Alive) !== 0;
    if (this.seen && this.alive && !alive) {
      this.diedAtMs = nowMs;
    }
    if (!this.alive && alive) {
      // A respawn resets the weapons to the pistol and removes boosts (GAMEPLAY.md "Players").
      this.carried.fill(false);
      this.carried[0] = true;
      this.diedAtMs = null;
    }
    this.alive = alive;
    this.seen = true;
    const weapon = f[PlayerField.Weapon] ?? 0;
    if (weapon >= 0 && weapon < this.carried.length) {
      this.carried[weapon] = true;
    }
    this.reloadStartMs = edge(status, PlayerStatus.Reloading, this.reloadStartMs, nowMs);
    this.speedStartMs = edge(status, PlayerStatus.Speed, this.speedStartMs, nowMs);
    this.damageStartMs = edge(status, PlayerStatus.Damage, this.damageStartMs, nowMs);
  }

  /** A PickupTaken effect named the own player with pickup `kind`. */
  pickedUp(kind: number, nowMs: number): void {
    if (kind >= CRATE_FIRST && kind <= CRATE_LAST) {
      this.carried[kind - CRATE_FIRST + 1] = true;
    } else if (kind === 5) {
      this.speedStartMs = nowMs; // a second boost restarts the timer
    } else if (kind === 6) {
      this.damageStartMs = nowMs;
    }
  }

  /** Seconds until the respawn, null while alive or unknown. */
  respawnInS(nowMs: number): number | null {
    return this.alive || this.diedAtMs === null
      ? null
      : Math.max(0, RESPAWN_S - (nowMs - this.diedAtMs) / 1000);
  }

  /** Reload progress 0..1 for a reload of `reloadS` seconds, null when not reloading. */
  reloadProgress(nowMs: number, reloadS: number): number | null {
    if (this.reloadStartMs === null) {
      return null;
    }
    return reloadS <= 0 ? 1 : Math.min(1, (nowMs - this.reloadStartMs) / 1000 / reloadS);
  }

  /** Seconds left of a boost that started at `startMs`, null when off. */
  static boostLeftS(startMs: number | null, nowMs: number): number | null {
    return startMs === null ? null : Math.max(0, BOOST_S - (nowMs - startMs) / 1000);
  }

  reset(): void {
    this.carried.fill(false);
    this.carried[0] = true;
    this.alive = false;
    this.seen = false;
    this.diedAtMs = null;
    this.reloadStartMs = null;
    this.speedStartMs = null;
    this.damageStartMs = null;
  }
}

/** The start time of a status bit: kept while set, set now when it appears, null when clear. */
function edge(status: number, bit: number, start: number | null, nowMs: number): number | null {
  if ((status & bit) === 0) {
    return null;
  }
  return start ?? nowMs;
}
