// The kill feed (top right): the newest global events, each fading out after a few seconds.

import type { FeedEntry } from '../app/feed';
import type { TimedFeedEntry } from '../app/world';
import { el, teamTextClass } from './dom';

export const FEED_SHOW_MS = 9000;

/** A feed entry as DOM: one span per part, text only. */
export function renderFeedEntry(entry: FeedEntry): HTMLElement {
  const line = el(
    'div',
    'max-w-[34vw] rounded bg-slate-950/60 px-2 py-0.5 text-right text-sm text-slate-200 shadow',
  );
  for (const p of entry.parts) {
    let cls = '';
    if (p.weapon === true) {
      cls = 'text-slate-400 text-xs';
    } else if (p.team !== undefined) {
      cls = `${teamTextClass(p.team)} font-semibold${p.you === true ? ' underline' : ''}`;
    }
    line.append(el('span', cls, p.text));
  }
  return line;
}

export class FeedView {
  readonly root = el('div', 'pointer-events-none absolute right-3 top-3 flex flex-col items-end gap-1');
  private shown = '';

  constructor() {
    this.root.setAttribute('aria-label', 'Kill feed');
    this.root.setAttribute('aria-live', 'polite');
    this.root.id = 'kill-feed';
  }

  update(feed: readonly TimedFeedEntry[], nowMs: number): void {
    const visible = feed.filter((f) => nowMs - f.atMs < FEED_SHOW_MS);
    const key = visible.map((f) => `${f.atMs}:${f.entry.text}`).join('|');
    if (key === this.shown) {
      return;
    }
    this.shown = key;
    this.root.replaceChildren(...visible.map((f) => renderFeedEntry(f.entry)));
  }
}
