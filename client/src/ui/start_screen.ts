// The start screen: name, team preference, Play and Spectate. Validates the name with the
// server's rules before joining, and shows why a join failed (server full, unreachable, WebRTC
// fallback) in an alert region that screen readers announce.

import { type TeamChoice, parseTeamChoice, validateName } from '../app/start_form';
import { el, show } from './dom';

export interface StartChoice {
  readonly name: string;
  readonly team: TeamChoice;
  readonly spectate: boolean;
}

const NAME_KEY = 'mgs.name';

export class StartScreen {
  readonly root: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly name: HTMLInputElement;
  private readonly team: HTMLSelectElement;
  private readonly play: HTMLButtonElement;
  private readonly spectate: HTMLButtonElement;
  private readonly message: HTMLElement;
  private readonly status: HTMLElement;
  onSubmit: ((c: StartChoice) => void) | null = null;

  constructor() {
    this.root = el(
      'div',
      'absolute inset-0 z-40 flex items-center justify-center bg-slate-950/80 backdrop-blur-sm',
    );
    this.root.id = 'start-screen';
    const card = el(
      'div',
      'w-[22rem] max-w-[92vw] rounded-2xl border border-slate-700 bg-slate-900/95 p-6 shadow-2xl',
    );
    const title = el('h1', 'mb-1 text-3xl font-black tracking-tight text-white', 'mgs');
    const sub = el(
      'p',
      'mb-5 text-sm text-slate-400',
      'Top-down team shooter. Capture the flag, hold the map.',
    );
    this.form = el('form', 'flex flex-col gap-4');
    this.form.noValidate = true;

    const nameId = 'start-name';
    // The label is a sibling, not a parent, of its control: the accessible name stays exactly
    // "Name" (a parent label would add the field's value to it).
    const nameField = el('div', 'flex flex-col gap-1');
    const nameLabel = el('label', 'text-sm font-medium text-slate-300', 'Name');
    nameLabel.htmlFor = nameId;
    this.name = el(
      'input',
      'rounded-lg border border-slate-600 bg-slate-800 px-3 py-2 text-base text-white outline-none focus:border-sky-400',
    );
    this.name.id = nameId;
    this.name.type = 'text';
    this.name.setAttribute('autocomplete', 'nickname');
    this.name.maxLength = 64; // the 16 code point rule is checked below (surrogate pairs count 2 here)
    this.name.spellcheck = false;
    this.name.placeholder = 'Your name';
    nameField.append(nameLabel, this.name);

    const teamId = 'start-team';
    const teamField = el('div', 'flex flex-col gap-1');
    const teamLabel = el('label', 'text-sm font-medium text-slate-300', 'Team');
    teamLabel.htmlFor = teamId;
    this.team = el(
      'select',
      'rounded-lg border border-slate-600 bg-slate-800 px-3 py-2 text-base text-white outline-none focus:border-sky-400',
    );
    this.team.id = teamId;
    for (const [value, text] of [
      ['auto', 'Auto (balance the teams)'],
      ['red', 'Red'],
      ['blue', 'Blue'],
    ] as const) {
      const o = el('option', '', text);
      o.value = value;
      this.team.append(o);
    }
    teamField.append(teamLabel, this.team);

    const buttons = el('div', 'flex gap-3 pt-1');
    this.play = el(
      'button',
      'flex-1 rounded-lg bg-sky-500 px-4 py-2.5 text-base font-bold text-white shadow hover:bg-sky-400 disabled:opacity-50',
      'Play',
    );
    this.play.type = 'submit';
    this.spectate = el(
      'button',
      'rounded-lg border border-slate-600 px-4 py-2.5 text-base font-semibold text-slate-200 hover:bg-slate-800 disabled:opacity-50',
      'Spectate',
    );
    this.spectate.type = 'button';
    buttons.append(this.play, this.spectate);

    this.message = el('p', 'min-h-[1.25rem] text-sm text-rose-300');
    this.message.setAttribute('role', 'alert');
    this.status = el('p', 'min-h-[1rem] text-xs text-slate-400');
    this.status.setAttribute('aria-live', 'polite');

    const help = el(
      'p',
      'mt-4 text-xs leading-relaxed text-slate-500',
      'WASD move · mouse aim · click fire · right click/V melee · R reload · 1-4 weapons · Tab scores · Enter chat (T: team) · M map · Esc menu',
    );
    this.form.append(nameField, teamField, buttons, this.message, this.status);
    card.append(title, sub, this.form, help);
    this.root.append(card);

    try {
      this.name.value = localStorage.getItem(NAME_KEY) ?? '';
    } catch {
      // storage unavailable
    }
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit(false);
    });
    this.spectate.addEventListener('click', () => {
      this.submit(true);
    });
  }

  private submit(spectate: boolean): void {
    const check = validateName(this.name.value);
    if (!check.ok) {
      this.setMessage(check.error);
      this.name.focus();
      return;
    }
    try {
      localStorage.setItem(NAME_KEY, check.name);
    } catch {
      // storage unavailable
    }
    this.setMessage('');
    this.onSubmit?.({ name: check.name, team: parseTeamChoice(this.team.value), spectate });
  }

  setMessage(text: string): void {
    this.message.textContent = text;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  setBusy(busy: boolean): void {
    this.play.disabled = busy;
    this.spectate.disabled = busy;
    this.name.disabled = busy;
    this.team.disabled = busy;
  }

  setVisible(visible: boolean): void {
    show(this.root, visible);
    if (visible) {
      this.setBusy(false);
      this.name.focus();
    }
  }
}
