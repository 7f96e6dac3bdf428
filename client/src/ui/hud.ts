// The heads-up display over the game view (Tailwind DOM): match bar (timer, scores, flags), own
// vitals (health, shield, weapon slots, rounds and spare rounds, reload, boost and protection
// timers, all from the snapshots' OwnState), respawn countdown, spectator bar, network
// panel and a banner for connection trouble. update() is called every frame and touches the DOM
// only where a value changed.

import { formatClock } from '../app/feed';
import type { NetSummary } from '../app/net_stats';
import { formatAmmo, type OwnHud } from '../app/own_state';
import { MODE_NAMES } from '../app/world';
import { el, setStyle, setText, show } from './dom';

/** Own vitals: the OwnState part (weapons, rounds, timers) plus what the snapshot entity shows. */
export interface VitalsModel extends OwnHud {
  readonly alive: boolean;
  readonly health: number;
  readonly maxHealth: number;
  readonly shield: number;
  readonly maxShield: number;
  readonly carrying: boolean;
}

export interface MatchModel {
  readonly mode: number;
  readonly phase: number;
  readonly timeLeftMs: number;
  readonly redScore: number;
  readonly blueScore: number;
  readonly redFlag: number;
  readonly blueFlag: number;
  readonly ownTeam: number;
}

export interface NetModel {
  readonly summary: NetSummary;
  readonly transport: string;
  readonly transportNote: string | null;
  readonly renderer: string;
  readonly fps: number | null;
  /** Mean client frame time (ms: update, HUD and render call), shown with the fps. */
  readonly frameMs: number | null;
  readonly simNote: string | null;
  /** Shown while snapshots do not decode and the client asks for a full one (null: all well). */
  readonly syncNote: string | null;
}

const WEAPON_LABELS = ['Pistol', 'Shotgun', 'Rifle', 'Sniper', 'Melee'];
const FLAG_STATES = ['home', 'taken', 'dropped'];

export class Hud {
  readonly root = el('div', 'pointer-events-none absolute inset-0 select-none text-white');
  // match bar
  private readonly matchBar = el(
    'div',
    'absolute left-1/2 top-3 flex -translate-x-1/2 items-center gap-3 rounded-xl bg-slate-950/70 px-4 py-1.5 shadow-lg',
  );
  private readonly red = el('span', 'min-w-[2ch] text-right text-2xl font-black text-red-400 tabular-nums');
  private readonly blue = el('span', 'min-w-[2ch] text-2xl font-black text-sky-400 tabular-nums');
  private readonly clock = el('span', 'text-xl font-bold tabular-nums');
  private readonly phase = el('span', 'text-xs uppercase tracking-wider text-slate-400');
  private readonly redFlag = el('span', 'text-xs text-red-300');
  private readonly blueFlag = el('span', 'text-xs text-sky-300');
  // vitals
  private readonly vitals = el(
    'div',
    'absolute bottom-3 left-1/2 flex -translate-x-1/2 flex-col items-center gap-1.5',
  );
  private readonly hpFill = el('div', 'h-full rounded bg-emerald-400 transition-[width] duration-100');
  private readonly hpText = el(
    'span',
    'absolute inset-0 flex items-center justify-center text-xs font-bold drop-shadow',
  );
  private readonly shFill = el('div', 'h-full rounded bg-sky-400');
  private readonly shRow = el('div', 'relative h-2 w-72 overflow-hidden rounded bg-slate-900/80');
  private readonly slots: HTMLElement[] = [];
  private readonly ammo = el('div', 'text-sm font-semibold tabular-nums text-slate-200');
  private readonly reloadBar = el('div', 'h-full bg-amber-300');
  private readonly reloadRow = el('div', 'h-1.5 w-40 overflow-hidden rounded bg-slate-900/80');
  private readonly boosts = el('div', 'flex gap-2 text-xs font-semibold');
  private readonly respawn = el('div', 'absolute left-1/2 top-1/3 -translate-x-1/2 text-center');
  private readonly respawnText = el('div', 'text-3xl font-black drop-shadow-lg');
  private readonly spectatorBar = el(
    'div',
    'absolute bottom-3 left-1/2 -translate-x-1/2 rounded-lg bg-slate-950/75 px-4 py-2 text-sm',
  );
  private readonly banner = el(
    'div',
    'absolute left-1/2 top-16 -translate-x-1/2 rounded-lg bg-amber-500/90 px-4 py-2 text-sm font-semibold text-slate-950 shadow-lg',
  );
  // network panel
  private readonly net = el(
    'div',
    'absolute left-3 top-3 min-w-[11rem] rounded-lg bg-slate-950/70 px-3 py-2 font-mono text-[11px] leading-4 text-slate-300',
  );
  private readonly netLines: HTMLElement[] = [];
  private lastNetMs = 0;

  constructor() {
    this.root.id = 'hud';
    const scores = el('div', 'flex items-center gap-2');
    scores.append(this.red, el('span', 'text-slate-500', ':'), this.blue);
    const mid = el('div', 'flex flex-col items-center leading-tight');
    mid.append(this.clock, this.phase);
    const flags = el('div', 'flex flex-col text-right leading-tight');
    flags.append(this.redFlag, this.blueFlag);
    this.matchBar.id = 'match-bar';
    this.matchBar.append(scores, mid, flags);

    const hpRow = el(
      'div',
      'relative h-5 w-72 overflow-hidden rounded bg-slate-900/80 ring-1 ring-slate-700',
    );
    hpRow.setAttribute('role', 'meter');
    hpRow.setAttribute('aria-label', 'Health');
    hpRow.append(this.hpFill, this.hpText);
    this.shRow.setAttribute('aria-label', 'Shield');
    this.shRow.append(this.shFill);
    const slotRow = el('div', 'flex gap-1');
    slotRow.setAttribute('aria-label', 'Weapons');
    WEAPON_LABELS.forEach((label, i) => {
      const s = el('div', 'rounded-md px-2 py-1 text-xs font-semibold ring-1');
      s.textContent = `${i < 4 ? `${i + 1} ` : 'V '}${label}`;
      this.slots.push(s);
      slotRow.append(s);
    });
    this.reloadRow.append(this.reloadBar);
    this.ammo.id = 'ammo';
    const ammoRow = el('div', 'flex items-center gap-2');
    ammoRow.append(this.ammo, this.reloadRow, this.boosts);
    this.vitals.id = 'vitals';
    this.vitals.append(ammoRow, slotRow, this.shRow, hpRow);

    this.respawn.append(this.respawnText);
    this.respawn.setAttribute('aria-live', 'polite');
    this.spectatorBar.id = 'spectator-bar';
    this.banner.setAttribute('role', 'status');
    this.net.id = 'net-panel';
    this.net.setAttribute('aria-label', 'Network');
    for (let i = 0; i < 8; ++i) {
      const l = el('div', 'whitespace-nowrap');
      this.netLines.push(l);
      this.net.append(l);
    }
    show(this.respawn, false);
    show(this.spectatorBar, false);
    show(this.banner, false);
    this.root.append(this.matchBar, this.vitals, this.respawn, this.spectatorBar, this.banner, this.net);
  }

  setBanner(text: string | null): void {
    show(this.banner, text !== null);
    if (text !== null) {
      setText(this.banner, text);
    }
  }

  updateMatch(m: MatchModel | null): void {
    show(this.matchBar, m !== null);
    if (m === null) {
      return;
    }
    const teams = m.mode !== 0;
    show(this.red, teams);
    show(this.blue, teams);
    const sep = this.red.nextElementSibling;
    if (sep instanceof HTMLElement) {
      show(sep, teams);
    }
    setText(this.red, `${m.redScore}`);
    setText(this.blue, `${m.blueScore}`);
    setText(this.clock, m.phase === 0 ? '–:––' : formatClock(m.timeLeftMs));
    setText(
      this.phase,
      m.phase === 0 ? 'Waiting for players' : m.phase === 2 ? 'Match over' : (MODE_NAMES[m.mode] ?? ''),
    );
    const ctf = m.mode === 2;
    show(this.redFlag, ctf);
    show(this.blueFlag, ctf);
    setText(this.redFlag, `Red flag ${FLAG_STATES[m.redFlag] ?? ''}`);
    setText(this.blueFlag, `Blue flag ${FLAG_STATES[m.blueFlag] ?? ''}`);
  }

  updateVitals(v: VitalsModel | null, spectating: string | null): void {
    show(this.vitals, v !== null && v.alive);
    show(this.spectatorBar, spectating !== null);
    if (spectating !== null) {
      setText(this.spectatorBar, spectating);
    }
    show(this.respawn, v !== null && !v.alive);
    if (v === null) {
      return;
    }
    if (!v.alive) {
      setText(
        this.respawnText,
        v.respawnS !== null && v.respawnS > 0 ? `Respawning in ${Math.ceil(v.respawnS)}` : 'Respawning…',
      );
      return;
    }
    const hp = Math.max(0, Math.min(1, v.health / Math.max(1, v.maxHealth)));
    setStyle(this.hpFill, 'width', `${(hp * 100).toFixed(1)}%`);
    setStyle(this.hpFill, 'backgroundColor', hp > 0.6 ? '#34d399' : hp > 0.3 ? '#facc15' : '#ef4444');
    setText(this.hpText, `${Math.round(v.health)} / ${Math.round(v.maxHealth)}`);
    show(this.shRow, v.shield > 0);
    setStyle(this.shFill, 'width', `${((100 * v.shield) / Math.max(1, v.maxShield)).toFixed(1)}%`);
    this.slots.forEach((s, i) => {
      const owned = v.owned[i] ?? false;
      const selected = i === v.weapon;
      const cls = `rounded-md px-2 py-1 text-xs font-semibold ring-1 ${
        selected
          ? 'bg-sky-500/80 ring-sky-300 text-white'
          : owned
            ? 'bg-slate-900/80 ring-slate-600 text-slate-200'
            : 'bg-slate-900/40 ring-slate-800 text-slate-600'
      }`;
      if (s.className !== cls) {
        s.className = cls;
      }
      s.setAttribute('aria-disabled', String(!owned));
    });
    const label = WEAPON_LABELS[v.weapon] ?? '';
    setText(
      this.ammo,
      v.weapon === 4
        ? 'Melee'
        : v.reload !== null
          ? `${label} · reloading ${Math.floor(v.reload * 100)}%`
          : `${label} · ${formatAmmo(v.magazine, v.reserve)}`,
    );
    const empty = v.magazine === 0 && v.reload === null;
    const ammoClass = `text-sm font-semibold tabular-nums ${empty ? 'text-red-400' : 'text-slate-200'}`;
    if (this.ammo.className !== ammoClass) {
      this.ammo.className = ammoClass;
    }
    show(this.reloadRow, v.reload !== null);
    setStyle(this.reloadBar, 'width', `${((v.reload ?? 0) * 100).toFixed(0)}%`);
    const b: string[] = [];
    if (v.speedS !== null) {
      b.push(`Speed ${Math.ceil(v.speedS)}s`);
    }
    if (v.damageS !== null) {
      b.push(`Damage ${Math.ceil(v.damageS)}s`);
    }
    if (v.protectedS !== null) {
      b.push(`Protected ${Math.ceil(v.protectedS)}s`);
    }
    if (v.carrying) {
      b.push('Carrying the flag!');
    }
    const text = b.join(' · ');
    setText(this.boosts, text);
    if (this.boosts.className !== 'flex gap-2 text-xs font-semibold text-amber-300') {
      this.boosts.className = 'flex gap-2 text-xs font-semibold text-amber-300';
    }
  }

  updateNet(n: NetModel, nowMs: number): void {
    if (nowMs - this.lastNetMs < 500) {
      return;
    }
    this.lastNetMs = nowMs;
    const s = n.summary;
    const lines = [
      `transport ${n.transport}${n.transportNote !== null ? ' (fallback)' : ''}`,
      n.transportNote ?? '',
      `rtt ${s.rttMs === null ? '–' : `${Math.round(s.rttMs)} ms`} · loss ${s.lossPercent.toFixed(1)}%`,
      `snapshots ${s.snapshotsPerSecond.toFixed(1)}/s`,
      n.syncNote ?? '',
      `in ${s.kbpsIn.toFixed(1)} kbit/s · out ${s.kbpsOut.toFixed(1)} kbit/s`,
      n.fps !== null
        ? `fps ${n.fps.toFixed(0)}${n.frameMs !== null ? ` · frame ${n.frameMs.toFixed(1)} ms` : ''} · ${n.renderer}`
        : '',
      n.simNote ?? '',
    ];
    lines.forEach((t, i) => {
      const l = this.netLines[i];
      if (l !== undefined) {
        setText(l, t);
        show(l, t !== '');
      }
    });
  }
}
