// Players, projectiles, pickups and flags. Display objects come from pools that only grow: each
// frame the n-th entity of a kind (views are sorted by local id, so assignments rarely change)
// takes the n-th pooled object and the rest are hidden. After warm-up a frame allocates no Pixi
// object; texts are rewritten only when they change.

import { BitmapText, Container, Sprite } from 'pixi.js';

import type { NameLookup } from '../app/feed';
import type { GameMap } from '../app/map_data';
import type { RenderEntity } from '../app/sim_adapter';
import type { WeaponSpec } from '../app/world';
import {
  EntityKind,
  FlagField,
  PickupField,
  PlayerField,
  PlayerStatus,
  ProjectileField,
  dequantisePosition,
} from '../net/fields';
import {
  MUZZLE,
  PICKUP_COLORS,
  PICKUP_LETTERS,
  PROJECTILE_COLORS,
  SHIELD,
  teamColor,
  teamColorLight,
} from './palette';
import type { Textures } from './textures';

export interface EntityFrame {
  readonly nowMs: number;
  readonly entities: readonly RenderEntity[];
  readonly weapons: readonly WeaponSpec[];
  readonly ownId: number;
  /** Where to draw the own player (predicted), null to use its entity. */
  readonly ownPosition: { readonly x: number; readonly y: number } | null;
  /** The own player's aim from the newest local input, null to use its entity's. */
  readonly ownAim: number | null;
  readonly names: NameLookup;
  readonly playerRadius: number;
  readonly maxHealth: number;
  readonly maxShield: number;
  readonly zoom: number;
  readonly map: GameMap | null;
}

/** Gun length and thickness (wu) by weapon. */
const GUNS: readonly (readonly [number, number])[] = [
  [20, 6],
  [24, 9],
  [30, 6],
  [38, 5],
  [14, 4],
];

const NAME_STYLE = { fontFamily: 'sans-serif', fontSize: 13, fill: 0xffffff } as const;
const PICKUP_STYLE = { fontFamily: 'sans-serif', fontSize: 18, fill: 0x111111, fontWeight: 'bold' } as const;

class PlayerView {
  readonly root = new Container();
  readonly gun = new Container();
  readonly barrel: Sprite;
  readonly flash: Sprite;
  readonly body: Sprite;
  readonly shield: Sprite;
  readonly you: Sprite;
  readonly carrier: Sprite;
  readonly label = new Container();
  readonly name: BitmapText;
  readonly hpBack: Sprite;
  readonly hp: Sprite;
  readonly sh: Sprite;
  readonly boosts: Sprite[];
  nameText = '';
  nameTeam = -1;

  constructor(t: Textures) {
    this.body = new Sprite(t.disc);
    this.body.anchor.set(0.5);
    this.shield = new Sprite(t.ring);
    this.shield.anchor.set(0.5);
    this.shield.tint = SHIELD;
    this.you = new Sprite(t.ring);
    this.you.anchor.set(0.5);
    this.barrel = new Sprite(t.white);
    this.barrel.anchor.set(0, 0.5);
    this.barrel.tint = 0x20242a;
    this.flash = new Sprite(t.dot);
    this.flash.anchor.set(0.5);
    this.flash.tint = MUZZLE;
    this.gun.addChild(this.barrel, this.flash);
    this.carrier = new Sprite(t.flag);
    this.carrier.anchor.set(0.1, 1);
    this.root.addChild(this.gun, this.body, this.shield, this.you, this.carrier);

    this.name = new BitmapText({ text: '', style: NAME_STYLE });
    this.name.anchor.set(0.5, 1);
    this.hpBack = new Sprite(t.white);
    this.hpBack.tint = 0x000000;
    this.hpBack.alpha = 0.55;
    this.hp = new Sprite(t.white);
    this.sh = new Sprite(t.white);
    this.sh.tint = SHIELD;
    this.boosts = [0x22d3ee, 0xf87171, 0xffffff].map((c) => {
      const s = new Sprite(t.dot);
      s.anchor.set(0.5);
      s.tint = c;
      s.width = s.height = 9;
      return s;
    });
    this.label.addChild(this.name, this.hpBack, this.hp, this.sh, ...this.boosts);
    this.hpBack.position.set(-22, 2);
    this.hpBack.width = 44;
    this.hpBack.height = 7;
    this.hp.position.set(-21, 3);
    this.hp.height = 5;
    this.sh.position.set(-21, 3);
    this.sh.height = 2;
  }
}

class ProjectileView {
  readonly head: Sprite;
  readonly trail: Sprite;
  constructor(t: Textures) {
    this.head = new Sprite(t.dot);
    this.head.anchor.set(0.5);
    this.trail = new Sprite(t.white);
    this.trail.anchor.set(1, 0.5);
    this.trail.alpha = 0.35;
  }
}

class PickupView {
  readonly root = new Container();
  readonly disc: Sprite;
  readonly halo: Sprite;
  readonly letter: BitmapText;
  kind = -1;
  constructor(t: Textures) {
    this.halo = new Sprite(t.ring);
    this.halo.anchor.set(0.5);
    this.disc = new Sprite(t.disc);
    this.disc.anchor.set(0.5);
    this.disc.width = this.disc.height = 26;
    this.letter = new BitmapText({ text: '', style: PICKUP_STYLE });
    this.letter.anchor.set(0.5);
    this.root.addChild(this.halo, this.disc, this.letter);
  }
}

export class EntityLayer {
  readonly container = new Container();
  /** Names and bars, above everything (kept at a constant size on screen). */
  readonly labels = new Container();
  private readonly pickupLayer = new Container();
  private readonly flagLayer = new Container();
  private readonly projectileLayer = new Container();
  private readonly playerLayer = new Container();
  private readonly players: PlayerView[] = [];
  private readonly projectiles: ProjectileView[] = [];
  private readonly pickups: PickupView[] = [];
  private readonly flags: Sprite[] = [];
  /** Screen position of the own player in world units (for aiming), null when not drawn. */
  ownDrawn: { x: number; y: number } | null = null;

  constructor(private readonly t: Textures) {
    this.container.addChild(this.pickupLayer, this.flagLayer, this.projectileLayer, this.playerLayer);
  }

  update(fr: EntityFrame): void {
    let np = 0;
    let nj = 0;
    let nk = 0;
    let nf = 0;
    this.ownDrawn = null;
    for (const e of fr.entities) {
      switch (e.kind) {
        case EntityKind.Player:
          this.player(this.playerView(np++), e, fr);
          break;
        case EntityKind.Projectile:
          this.projectile(this.projectileView(nj++), e, fr);
          break;
        case EntityKind.Pickup:
          if (!this.pickup(this.pickupView(nk), e, fr)) {
            break;
          }
          nk++;
          break;
        case EntityKind.Flag:
          this.flag(this.flagView(nf++), e, fr);
          break;
        default:
          break;
      }
    }
    for (let i = np; i < this.players.length; ++i) {
      const v = this.players[i];
      if (v !== undefined) {
        v.root.visible = false;
        v.label.visible = false;
      }
    }
    for (let i = nj; i < this.projectiles.length; ++i) {
      const v = this.projectiles[i];
      if (v !== undefined) {
        v.head.visible = v.trail.visible = false;
      }
    }
    for (let i = nk; i < this.pickups.length; ++i) {
      const v = this.pickups[i];
      if (v !== undefined) {
        v.root.visible = false;
      }
    }
    for (let i = nf; i < this.flags.length; ++i) {
      const v = this.flags[i];
      if (v !== undefined) {
        v.visible = false;
      }
    }
  }

  private playerView(i: number): PlayerView {
    let v = this.players[i];
    if (v === undefined) {
      v = new PlayerView(this.t);
      this.players.push(v);
      this.playerLayer.addChild(v.root);
      this.labels.addChild(v.label);
    }
    return v;
  }

  private projectileView(i: number): ProjectileView {
    let v = this.projectiles[i];
    if (v === undefined) {
      v = new ProjectileView(this.t);
      this.projectiles.push(v);
      this.projectileLayer.addChild(v.trail, v.head);
    }
    return v;
  }

  private pickupView(i: number): PickupView {
    let v = this.pickups[i];
    if (v === undefined) {
      v = new PickupView(this.t);
      this.pickups.push(v);
      this.pickupLayer.addChild(v.root);
    }
    return v;
  }

  private flagView(i: number): Sprite {
    let v = this.flags[i];
    if (v === undefined) {
      v = new Sprite(this.t.flag);
      v.anchor.set(0.1, 1);
      this.flags.push(v);
      this.flagLayer.addChild(v);
    }
    return v;
  }

  private player(v: PlayerView, e: RenderEntity, fr: EntityFrame): void {
    const f = e.f;
    const status = f[PlayerField.Status] ?? 0;
    const alive = (status & PlayerStatus.Alive) !== 0;
    const slot = f[PlayerField.Id] ?? 0;
    const own = slot === (fr.ownId & 0xffff);
    v.root.visible = alive;
    v.label.visible = alive;
    if (!alive) {
      return;
    }
    const pos = own && fr.ownPosition !== null ? fr.ownPosition : e;
    if (own) {
      this.ownDrawn = { x: pos.x, y: pos.y };
    }
    const team = f[PlayerField.Team] ?? 2;
    const r = fr.playerRadius;
    v.root.position.set(pos.x, pos.y);
    v.body.tint = teamColor(team);
    v.body.width = v.body.height = (2 * r * 64) / 60;
    v.body.alpha = (status & PlayerStatus.Protected) !== 0 ? 0.55 + 0.35 * Math.sin(fr.nowMs / 90) : 1;
    const shield = f[PlayerField.Shield] ?? 0;
    v.shield.visible = shield > 0;
    v.shield.width = v.shield.height = 2 * r + 12;
    v.shield.alpha = 0.35 + 0.65 * Math.min(1, shield / Math.max(1, fr.maxShield));
    v.you.visible = own;
    v.you.width = v.you.height = 2 * r + 4;
    v.you.tint = 0xffffff;
    v.you.alpha = 0.8;
    const weapon = f[PlayerField.Weapon] ?? 0;
    const gun = GUNS[weapon] ?? GUNS[0] ?? [20, 6];
    v.gun.rotation = own && fr.ownAim !== null ? fr.ownAim : e.angle;
    v.barrel.position.set(r * 0.4, 0);
    v.barrel.width = r * 0.6 + gun[0];
    v.barrel.height = gun[1];
    v.barrel.tint = weapon === 4 ? 0xd0d6de : 0x20242a;
    const firing = (status & PlayerStatus.Firing) !== 0 && weapon !== 4;
    v.flash.visible = firing && Math.floor(fr.nowMs / 45) % 2 === 0;
    v.flash.position.set(r + gun[0] + 2, 0);
    v.flash.width = v.flash.height = 10 + gun[1] * 2;
    const carrying = (status & PlayerStatus.Carrying) !== 0;
    v.carrier.visible = carrying;
    if (carrying) {
      v.carrier.tint = teamColor(team === 0 ? 1 : 0);
      v.carrier.position.set(r * 0.3, -r * 0.2);
      v.carrier.scale.set(0.8);
    }

    // Label: name, health and shield bars, boost dots; constant size on screen.
    v.label.position.set(pos.x, pos.y - r - 6 / fr.zoom);
    v.label.scale.set(1 / fr.zoom);
    const info = fr.names(slot);
    const text = info?.name ?? `Player ${slot}`;
    if (text !== v.nameText) {
      v.name.text = text;
      v.nameText = text;
    }
    if (team !== v.nameTeam) {
      v.name.tint = teamColorLight(team);
      v.nameTeam = team;
    }
    v.name.position.set(0, -1);
    const hp = Math.max(0, Math.min(1, (f[PlayerField.Health] ?? 0) / Math.max(1, fr.maxHealth)));
    v.hp.width = 42 * hp;
    v.hp.tint = hp > 0.6 ? 0x4ade80 : hp > 0.3 ? 0xfacc15 : 0xef4444;
    v.sh.visible = shield > 0;
    v.sh.width = 42 * Math.min(1, shield / Math.max(1, fr.maxShield));
    let bx = 28;
    const bits = [PlayerStatus.Speed, PlayerStatus.Damage, PlayerStatus.Protected];
    v.boosts.forEach((b, i) => {
      const on = (status & (bits[i] ?? 0)) !== 0;
      b.visible = on;
      if (on) {
        b.position.set(bx, 5);
        bx += 10;
      }
    });
    v.name.position.set(0, -1);
  }

  private projectile(v: ProjectileView, e: RenderEntity, fr: EntityFrame): void {
    const weapon = e.f[ProjectileField.Weapon] ?? 0;
    const speed = fr.weapons[weapon]?.projectileSpeed ?? 500;
    // The trail reaches back at most 50 ms of flight, and never behind the muzzle.
    const flown = Math.hypot(
      e.x - dequantisePosition(e.f[ProjectileField.X] ?? 0),
      e.y - dequantisePosition(e.f[ProjectileField.Y] ?? 0),
    );
    v.head.visible = v.trail.visible = true;
    const color = PROJECTILE_COLORS[weapon] ?? 0xffffff;
    v.head.position.set(e.x, e.y);
    v.head.tint = color;
    v.head.width = v.head.height = weapon === 3 ? 11 : weapon === 1 ? 7 : 9;
    v.trail.position.set(e.x, e.y);
    v.trail.rotation = e.angle;
    v.trail.tint = color;
    v.trail.width = Math.min(speed * 0.05, flown);
    v.trail.height = weapon === 3 ? 3 : 2;
  }

  private pickup(v: PickupView, e: RenderEntity, fr: EntityFrame): boolean {
    const spot = fr.map?.pickups[e.f[PickupField.Index] ?? 0];
    if (spot === undefined) {
      return false;
    }
    const available = (e.f[PickupField.Available] ?? 0) !== 0;
    v.root.visible = true;
    v.root.position.set(spot.x, spot.y);
    if (v.kind !== spot.kind) {
      v.kind = spot.kind;
      const c = PICKUP_COLORS[spot.kind] ?? 0xffffff;
      v.disc.tint = c;
      v.halo.tint = c;
      v.letter.text = PICKUP_LETTERS[spot.kind] ?? '?';
    }
    v.root.alpha = available ? 1 : 0.18;
    const pulse = available ? 1 + 0.12 * Math.sin(fr.nowMs / 250 + spot.x) : 1;
    v.halo.width = v.halo.height = 40 * pulse;
    v.letter.visible = available;
    return true;
  }

  private flag(s: Sprite, e: RenderEntity, fr: EntityFrame): void {
    const state = e.f[FlagField.State] ?? 0;
    // A carried flag is drawn on its carrier (the player's carrier marker).
    s.visible = state !== 1 && (state !== 2 || Math.floor(fr.nowMs / 300) % 3 !== 0);
    s.position.set(e.x, e.y);
    s.tint = teamColor(e.f[FlagField.Team] ?? 0);
    s.scale.set(1.1);
  }
}
