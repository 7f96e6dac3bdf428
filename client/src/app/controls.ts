// Keyboard and mouse to ControlState, and the hotkeys of the UI. A press shorter than one input
// period (a click, a tap of R, a weapon key) still reaches the server: it stays latched in the
// control state until an input sample carrying it has been made (the server ORs the buttons of
// the inputs it receives between two ticks, so a sample that went out is enough).

import { Buttons } from '../net/messages';
import type { ControlState } from './sim_adapter';

export type Hotkey =
  | 'scoreboard-down'
  | 'scoreboard-up'
  | 'chat'
  | 'team-chat'
  | 'menu'
  | 'minimap'
  | 'next-player'
  | 'free-camera';

const UP = new Set(['KeyW', 'ArrowUp']);
const DOWN = new Set(['KeyS', 'ArrowDown']);
const LEFT = new Set(['KeyA', 'ArrowLeft']);
const RIGHT = new Set(['KeyD', 'ArrowRight']);

/** Whether a key event belongs to a text field (chat, name): the game ignores it. */
function inTextField(e: Event): boolean {
  const t = e.target;
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
}

export class Controls {
  private readonly held = new Set<string>();
  private mouseButtons = 0;
  private mouseX = 0;
  private mouseY = 0;
  /** Buttons pressed since the last sample: kept in the control state until one is made. */
  private latched = 0;
  private slot = -1;
  private lastAim = 0;
  /** False while a menu or chat has the keyboard: the player stands still. */
  enabled = true;
  onHotkey: ((k: Hotkey) => void) | null = null;
  private readonly removers: (() => void)[] = [];

  attach(win: Window, canvas: HTMLElement): void {
    const on = <K extends keyof WindowEventMap>(
      t: Window,
      type: K,
      f: (e: WindowEventMap[K]) => void,
    ): void => {
      t.addEventListener(type, f);
      this.removers.push(() => {
        t.removeEventListener(type, f);
      });
    };
    on(win, 'keydown', (e) => {
      this.keyDown(e);
    });
    on(win, 'keyup', (e) => {
      this.held.delete(e.code);
      if (e.code === 'Tab') {
        this.onHotkey?.('scoreboard-up');
      }
    });
    on(win, 'blur', () => {
      this.held.clear();
      this.mouseButtons = 0;
    });
    on(win, 'mousemove', (e) => {
      this.mouseX = e.clientX;
      this.mouseY = e.clientY;
    });
    on(win, 'mouseup', (e) => {
      this.mouseButtons &= ~(1 << e.button);
    });
    const down = (e: MouseEvent): void => {
      if (!this.enabled) {
        return;
      }
      this.mouseButtons |= 1 << e.button;
      if (e.button === 0) {
        this.latch(Buttons.Fire);
        this.onHotkey?.('next-player');
      } else if (e.button === 2) {
        this.latch(Buttons.Melee);
      }
    };
    canvas.addEventListener('mousedown', down);
    const menu = (e: Event): void => {
      e.preventDefault();
    };
    canvas.addEventListener('contextmenu', menu);
    this.removers.push(() => {
      canvas.removeEventListener('mousedown', down);
      canvas.removeEventListener('contextmenu', menu);
    });
  }

  detach(): void {
    for (const r of this.removers.splice(0)) {
      r();
    }
  }

  private latch(bit: number): void {
    this.latched |= bit;
  }

  private keyDown(e: KeyboardEvent): void {
    if (inTextField(e)) {
      return;
    }
    const hot = (k: Hotkey): void => {
      e.preventDefault();
      this.onHotkey?.(k);
    };
    switch (e.code) {
      case 'Tab':
        if (!e.repeat) {
          hot('scoreboard-down');
        } else {
          e.preventDefault();
        }
        return;
      case 'Enter':
      case 'NumpadEnter':
        hot('chat');
        return;
      case 'KeyT':
        hot('team-chat');
        return;
      case 'Escape':
        hot('menu');
        return;
      case 'KeyM':
        hot('minimap');
        return;
      case 'Space':
        hot('next-player');
        return;
      case 'KeyF':
        hot('free-camera');
        return;
      default:
        break;
    }
    if (!this.enabled) {
      return;
    }
    this.held.add(e.code);
    if (e.code.startsWith('Arrow')) {
      e.preventDefault(); // no page scrolling
    }
    if (e.repeat) {
      return;
    }
    if (e.code === 'KeyR') {
      this.latch(Buttons.Reload);
    } else if (e.code === 'KeyV') {
      this.latch(Buttons.Melee);
    } else if (/^Digit[1-4]$/.test(e.code)) {
      this.slot = Number(e.code.slice(5)) - 1;
    }
  }

  /** The pointer position in CSS pixels (for aiming and the spectator's clicks). */
  pointer(): { x: number; y: number } {
    return { x: this.mouseX, y: this.mouseY };
  }

  /** Movement keys as -1/0/1 (also for the spectator's free camera). */
  movement(): { x: number; y: number } {
    if (!this.enabled) {
      return { x: 0, y: 0 };
    }
    const any = (s: Set<string>): boolean => [...s].some((k) => this.held.has(k));
    return { x: (any(RIGHT) ? 1 : 0) - (any(LEFT) ? 1 : 0), y: (any(DOWN) ? 1 : 0) - (any(UP) ? 1 : 0) };
  }

  /**
   * The control state for the next input; `originX/Y` is the own player's position on screen (CSS
   * pixels), the aim points from there to the pointer.
   */
  state(originX: number, originY: number): ControlState {
    const dx = this.mouseX - originX;
    const dy = this.mouseY - originY;
    if (dx !== 0 || dy !== 0) {
      this.lastAim = Math.atan2(dy, dx);
    }
    const move = this.movement();
    let buttons = this.latched;
    if (this.enabled) {
      if ((this.mouseButtons & 1) !== 0) {
        buttons |= Buttons.Fire;
      }
      if ((this.mouseButtons & 4) !== 0 || this.held.has('KeyV')) {
        buttons |= Buttons.Melee;
      }
      if (this.held.has('KeyR')) {
        buttons |= Buttons.Reload;
      }
    }
    return { moveX: move.x, moveY: move.y, aim: this.lastAim, buttons, weaponSlot: this.slot };
  }

  /** A sample was made from the last state(): the latched presses are on their way. */
  sent(): void {
    this.latched = 0;
    this.slot = -1;
  }

  /** Forgets held keys and latches (menu opened, connection restarted). */
  reset(): void {
    this.held.clear();
    this.mouseButtons = 0;
    this.latched = 0;
    this.slot = -1;
  }
}
