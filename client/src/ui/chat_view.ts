// Chat (bottom left): the recent lines, and an input opened with Enter (T for team). Lines are
// text nodes, never markup. The team toggle switches between "All" and "Team". A spectator gets a
// hint instead of the input (the server takes chat from players only).

import type { NameLookup } from '../app/feed';
import { chatSender } from '../app/feed';
import type { ChatLine } from '../app/world';
import { CHAT_MAX_BYTES, chatBytes } from '../net/messages';
import { el, show, teamTextClass } from './dom';

const SHOW_MS = 12000;
const HINT_MS = 4000;

export class ChatView {
  readonly root = el('div', 'absolute bottom-40 left-3 flex w-[26rem] max-w-[60vw] flex-col gap-1');
  private readonly log = el('div', 'pointer-events-none flex flex-col gap-0.5');
  private readonly hintLine = el(
    'div',
    'pointer-events-none w-fit rounded bg-amber-500/90 px-2 py-0.5 text-sm font-semibold text-slate-950',
  );
  private hintUntilMs = 0;
  private readonly form = el('form', 'pointer-events-auto flex items-center gap-1');
  private readonly input = el(
    'input',
    'min-w-0 flex-1 rounded bg-slate-950/85 px-2 py-1 text-sm text-white outline-none ring-1 ring-slate-600 focus:ring-sky-400',
  );
  private readonly toggle = el(
    'button',
    'rounded bg-slate-800 px-2 py-1 text-xs font-semibold text-slate-200 ring-1 ring-slate-600',
  );
  private teamOnly = false;
  private shown = '';
  private open_ = false;
  /** Sends a line; returns false if it could not be sent (the input keeps the text). */
  onSend: ((text: string, teamOnly: boolean) => boolean) | null = null;
  onClose: (() => void) | null = null;

  constructor() {
    this.log.id = 'chat-log';
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-label', 'Chat');
    this.input.type = 'text';
    this.input.maxLength = CHAT_MAX_BYTES;
    this.input.setAttribute('aria-label', 'Chat message');
    this.input.placeholder = 'Say something (Enter to send, Esc to close)';
    this.toggle.type = 'button';
    this.toggle.setAttribute('aria-label', 'Chat channel');
    this.updateToggle();
    this.form.append(this.toggle, this.input);
    show(this.form, false);
    this.hintLine.id = 'chat-hint';
    this.hintLine.setAttribute('role', 'status');
    show(this.hintLine, false);
    this.root.append(this.log, this.hintLine, this.form);
    this.toggle.addEventListener('click', () => {
      this.teamOnly = !this.teamOnly;
      this.updateToggle();
      this.input.focus();
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (text === '') {
        this.close();
        return;
      }
      if (chatBytes(text) > CHAT_MAX_BYTES) {
        this.input.setCustomValidity('At most 200 bytes');
        return;
      }
      if (this.onSend?.(text, this.teamOnly) === true) {
        this.input.value = '';
        this.close();
      }
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      } else if (e.key === 'Tab') {
        e.preventDefault();
        this.teamOnly = !this.teamOnly;
        this.updateToggle();
      }
      e.stopPropagation();
    });
  }

  private updateToggle(): void {
    this.toggle.textContent = this.teamOnly ? 'Team' : 'All';
    this.toggle.setAttribute('aria-pressed', String(this.teamOnly));
  }

  get isOpen(): boolean {
    return this.open_;
  }

  open(teamOnly?: boolean): void {
    if (teamOnly !== undefined) {
      this.teamOnly = teamOnly;
      this.updateToggle();
    }
    this.open_ = true;
    show(this.form, true);
    this.input.focus();
    this.shown = ''; // show every line while open
  }

  close(): void {
    if (!this.open_) {
      return;
    }
    this.open_ = false;
    this.input.blur();
    show(this.form, false);
    this.shown = '';
    this.onClose?.();
  }

  /** Shows `text` under the chat lines for a few seconds (e.g. why the input did not open). */
  hint(text: string, nowMs: number): void {
    this.hintLine.textContent = text;
    this.hintUntilMs = nowMs + HINT_MS;
    show(this.hintLine, true);
  }

  update(lines: readonly ChatLine[], names: NameLookup, ownId: number, nowMs: number): void {
    if (this.hintUntilMs !== 0 && nowMs >= this.hintUntilMs) {
      this.hintUntilMs = 0;
      show(this.hintLine, false);
    }
    const visible = this.open_ ? lines.slice(-12) : lines.filter((l) => nowMs - l.atMs < SHOW_MS).slice(-8);
    const key = `${this.open_}|${visible.map((l) => l.atMs).join(',')}|${visible.length}`;
    if (key === this.shown) {
      return;
    }
    this.shown = key;
    this.log.replaceChildren(
      ...visible.map((l) => {
        const row = el(
          'div',
          'w-fit max-w-full break-words rounded bg-slate-950/60 px-2 py-0.5 text-sm text-slate-100',
        );
        const who = chatSender(l.from, names, ownId);
        if (l.teamOnly) {
          row.append(el('span', 'mr-1 text-xs text-emerald-300', '[team]'));
        }
        row.append(
          el('span', `font-semibold ${teamTextClass(who.team)}`, who.text),
          el('span', 'text-slate-400', ': '),
        );
        row.append(el('span', '', l.text)); // text, never markup
        return row;
      }),
    );
  }
}
