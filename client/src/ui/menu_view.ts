// The Esc menu: settings (saved in localStorage by the app) and leaving the game.

import type { Quality, Settings } from '../app/settings';
import { el, show } from './dom';

export class MenuView {
  readonly root = el('div', 'absolute inset-0 z-30 flex items-center justify-center bg-slate-950/70');
  private readonly sound: HTMLInputElement;
  private readonly volume: HTMLInputElement;
  private readonly quality: HTMLSelectElement;
  private readonly shake: HTMLInputElement;
  private readonly fps: HTMLInputElement;
  onChange: ((s: Settings) => void) | null = null;
  onResume: (() => void) | null = null;
  onLeave: (() => void) | null = null;

  constructor(initial: Settings) {
    this.root.id = 'menu';
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'Settings');
    const card = el(
      'div',
      'w-[22rem] max-w-[92vw] rounded-2xl border border-slate-700 bg-slate-900/95 p-6 shadow-2xl',
    );
    card.append(el('h2', 'mb-4 text-xl font-bold text-white', 'Settings'));
    const row = (label: string, control: HTMLElement, id: string): HTMLElement => {
      const r = el('div', 'mb-3 flex items-center justify-between gap-4 text-sm text-slate-200');
      const l = el('label', '', label);
      l.htmlFor = id;
      control.id = id;
      r.append(l, control);
      return r;
    };
    const checkbox = (): HTMLInputElement => {
      const c = el('input', 'h-4 w-4 accent-sky-500');
      c.type = 'checkbox';
      return c;
    };
    this.sound = checkbox();
    this.volume = el('input', 'w-36 accent-sky-500');
    this.volume.type = 'range';
    this.volume.min = '0';
    this.volume.max = '100';
    this.quality = el('select', 'rounded bg-slate-800 px-2 py-1 text-white ring-1 ring-slate-600');
    for (const [v, t] of [
      ['low', 'Low'],
      ['medium', 'Medium'],
      ['high', 'High'],
    ] as const) {
      const o = el('option', '', t);
      o.value = v;
      this.quality.append(o);
    }
    this.shake = checkbox();
    this.fps = checkbox();
    card.append(
      row('Sound', this.sound, 'set-sound'),
      row('Volume', this.volume, 'set-volume'),
      row('Quality', this.quality, 'set-quality'),
      row('Screen shake', this.shake, 'set-shake'),
      row('Show FPS', this.fps, 'set-fps'),
      el(
        'p',
        'mb-4 text-xs text-slate-500',
        'Quality sets particles and resolution; antialiasing changes on the next start.',
      ),
    );
    const buttons = el('div', 'flex gap-3');
    const resume = el(
      'button',
      'flex-1 rounded-lg bg-sky-500 px-4 py-2 font-bold text-white hover:bg-sky-400',
      'Resume',
    );
    resume.type = 'button';
    const leave = el(
      'button',
      'rounded-lg border border-rose-500/60 px-4 py-2 font-semibold text-rose-300 hover:bg-rose-500/10',
      'Leave game',
    );
    leave.type = 'button';
    buttons.append(resume, leave);
    card.append(buttons);
    this.root.append(card);
    this.set(initial);
    show(this.root, false);

    const changed = (): void => {
      this.onChange?.(this.read());
    };
    for (const c of [this.sound, this.volume, this.quality, this.shake, this.fps]) {
      c.addEventListener('input', changed);
      c.addEventListener('change', changed);
    }
    resume.addEventListener('click', () => this.onResume?.());
    leave.addEventListener('click', () => this.onLeave?.());
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.onResume?.();
      }
    });
  }

  set(s: Settings): void {
    this.sound.checked = s.sound;
    this.volume.value = String(Math.round(s.volume * 100));
    this.quality.value = s.quality;
    this.shake.checked = s.screenShake;
    this.fps.checked = s.showFps;
  }

  read(): Settings {
    return {
      sound: this.sound.checked,
      volume: Number(this.volume.value) / 100,
      quality: this.quality.value as Quality,
      screenShake: this.shake.checked,
      showFps: this.fps.checked,
    };
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  setVisible(v: boolean): void {
    show(this.root, v);
  }
}
