// The scoreboard (held Tab) and the results screen at the end of a match; both show the rows of
// the last Scoreboard message, with names from PlayerInfo.

import { type NameLookup, teamName } from '../app/feed';
import { type MatchInfo, MODE_NAMES, type ScoreboardInfo } from '../app/world';
import { el, show, teamTextClass } from './dom';

function table(sb: ScoreboardInfo | null, names: NameLookup, captures: boolean): HTMLElement {
  const t = el('table', 'w-full border-collapse text-left text-sm');
  const head = el('tr', 'border-b border-slate-700 text-xs uppercase tracking-wide text-slate-400');
  for (const h of ['#', 'Player', 'Score', 'Kills', 'Deaths', ...(captures ? ['Caps'] : [])]) {
    head.append(el('th', 'px-2 py-1 font-semibold', h));
  }
  t.append(el('thead'), head);
  const body = el('tbody');
  if (sb === null) {
    const tr = el('tr');
    // Players and spectators alike ask for it (a spectator's has no own row).
    const td = el('td', 'px-2 py-3 text-slate-400', 'Loading…');
    td.colSpan = 6;
    tr.append(td);
    body.append(tr);
  } else {
    sb.rows.forEach((r, i) => {
      const tr = el('tr', r.you ? 'bg-sky-500/15' : i % 2 === 0 ? 'bg-slate-800/40' : '');
      const name = names(r.player)?.name ?? `Player ${r.player}`;
      tr.append(
        el('td', 'px-2 py-1 text-slate-500', `${i + 1}`),
        el('td', `px-2 py-1 font-semibold ${teamTextClass(r.team)}`, r.you ? `${name} (you)` : name),
        el('td', 'px-2 py-1 tabular-nums', `${r.score}`),
        el('td', 'px-2 py-1 tabular-nums', `${r.kills}`),
        el('td', 'px-2 py-1 tabular-nums', `${r.deaths}`),
      );
      if (captures) {
        tr.append(el('td', 'px-2 py-1 tabular-nums', `${r.captures}`));
      }
      body.append(tr);
    });
  }
  t.append(body);
  return t;
}

export class ScoreboardView {
  readonly root = el(
    'div',
    'absolute inset-0 z-20 flex items-start justify-center pt-[8vh] pointer-events-none',
  );
  private readonly card = el(
    'div',
    'w-[36rem] max-w-[94vw] rounded-xl border border-slate-700 bg-slate-900/95 p-4 shadow-2xl',
  );
  private readonly title = el('h2', 'mb-2 text-lg font-bold text-white', 'Scoreboard');
  private readonly summary = el('p', 'mb-2 text-sm text-slate-300');
  private readonly body = el('div', 'max-h-[70vh] overflow-y-auto');
  private shownAt = -1;

  constructor() {
    this.root.id = 'scoreboard';
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'Scoreboard');
    this.card.append(this.title, this.summary, this.body);
    this.root.append(this.card);
    show(this.root, false);
  }

  setVisible(v: boolean): void {
    show(this.root, v);
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  update(sb: ScoreboardInfo | null, match: MatchInfo | null, names: NameLookup): void {
    if (this.root.hidden || (sb?.atMs ?? 0) === this.shownAt) {
      return;
    }
    this.shownAt = sb?.atMs ?? 0;
    const mode = match?.mode ?? 2;
    this.summary.textContent =
      sb === null
        ? ''
        : `${MODE_NAMES[mode] ?? 'Match'} · ${sb.players} players${mode !== 0 ? ` · Red ${sb.redScore} : ${sb.blueScore} Blue` : ''}`;
    this.body.replaceChildren(table(sb, names, mode === 2));
  }
}

export class ResultsView {
  readonly root = el('div', 'absolute inset-0 z-30 flex items-center justify-center bg-slate-950/60');
  private readonly headline = el('h2', 'text-4xl font-black text-white');
  private readonly best = el('p', 'mt-1 text-base text-slate-300');
  private readonly next = el('p', 'mt-1 text-sm text-slate-400');
  private readonly body = el('div', 'mt-4 max-h-[55vh] overflow-y-auto');
  private key = '';

  constructor() {
    this.root.id = 'results';
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'Match results');
    const card = el(
      'div',
      'pointer-events-auto w-[36rem] max-w-[94vw] rounded-2xl border border-slate-700 bg-slate-900/95 p-6 text-center shadow-2xl',
    );
    card.append(this.headline, this.best, this.next, this.body);
    this.root.append(card);
    show(this.root, false);
  }

  setVisible(v: boolean): void {
    show(this.root, v);
  }

  update(
    match: MatchInfo,
    timeLeftMs: number,
    sb: ScoreboardInfo | null,
    names: NameLookup,
    ownTeam: number,
  ): void {
    const winner =
      match.mode === 0
        ? match.bestPlayer !== 0xffffffff
          ? `${names(match.bestPlayer)?.name ?? `Player ${match.bestPlayer}`} wins`
          : 'Match over'
        : match.winner <= 1
          ? `${teamName(match.winner)} wins${match.winner === ownTeam ? ' — victory!' : ownTeam <= 1 ? ' — defeat' : ''}`
          : 'Draw';
    this.headline.textContent = winner;
    this.headline.className = `text-4xl font-black ${match.mode === 0 ? 'text-white' : teamTextClass(match.winner <= 1 ? match.winner : 2)}`;
    const bestName =
      match.bestPlayer === 0xffffffff
        ? null
        : (names(match.bestPlayer)?.name ?? `Player ${match.bestPlayer}`);
    this.best.textContent =
      (match.mode !== 0 ? `Red ${match.redScore} : ${match.blueScore} Blue` : '') +
      (bestName !== null ? `${match.mode !== 0 ? ' · ' : ''}Best player: ${bestName}` : '');
    this.next.textContent = `Next match in ${Math.ceil(timeLeftMs / 1000)} s`;
    const key = `${match.number}|${sb?.atMs ?? 0}`;
    if (key !== this.key) {
      this.key = key;
      this.body.replaceChildren(table(sb, names, match.mode === 2));
    }
  }
}
