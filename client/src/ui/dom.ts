// Tiny DOM helpers. Text always goes in through textContent, never innerHTML: names and chat are
// whatever other players typed.

/** A new element with Tailwind classes and optional text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== '') {
    e.className = className;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/** Sets textContent only when it changed (keeps layout work down in per-frame updates). */
export function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) {
    e.textContent = text;
  }
}

/** Shows or hides with the `hidden` attribute. */
export function show(e: HTMLElement, visible: boolean): void {
  if (e.hidden === visible) {
    e.hidden = !visible;
  }
}

/** Sets a style property only when it changed. */
export function setStyle(
  e: HTMLElement,
  prop: 'width' | 'transform' | 'opacity' | 'color' | 'backgroundColor',
  value: string,
): void {
  if (e.style[prop] !== value) {
    e.style[prop] = value;
  }
}

/** Team colour classes for text. */
export function teamTextClass(team: number | undefined): string {
  return team === 0 ? 'text-red-400' : team === 1 ? 'text-sky-400' : 'text-amber-300';
}
