// Player settings, kept in localStorage under one key as JSON. Loading never throws: a missing,
// corrupt or partly invalid entry falls back to the defaults field by field, so a settings format
// from an older client still loads what it can.

/** Rendering quality: low drops particles and antialiasing, high adds more particles. */
export type Quality = 'low' | 'medium' | 'high';

export interface Settings {
  /** Sound effects on. */
  readonly sound: boolean;
  /** Master volume, 0 .. 1. */
  readonly volume: number;
  readonly quality: Quality;
  /** Shake the camera on hits and nearby explosions. */
  readonly screenShake: boolean;
  /** Frames per second in the network panel. */
  readonly showFps: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  sound: true,
  volume: 0.6,
  quality: 'medium',
  screenShake: true,
  showFps: false,
};

/** The localStorage key. */
export const SETTINGS_KEY = 'mgs.settings.v1';

/** The part of the Web Storage API these functions use (a fake in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const QUALITIES: readonly Quality[] = ['low', 'medium', 'high'];

/** `raw` as Settings: each valid field is taken, each missing or invalid one is the default. */
export function sanitizeSettings(raw: unknown): Settings {
  const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
  const volume =
    typeof o.volume === 'number' && Number.isFinite(o.volume)
      ? Math.min(1, Math.max(0, o.volume))
      : DEFAULT_SETTINGS.volume;
  const quality = QUALITIES.find((q) => q === o.quality) ?? DEFAULT_SETTINGS.quality;
  return {
    sound: bool(o.sound, DEFAULT_SETTINGS.sound),
    volume,
    quality,
    screenShake: bool(o.screenShake, DEFAULT_SETTINGS.screenShake),
    showFps: bool(o.showFps, DEFAULT_SETTINGS.showFps),
  };
}

/** The saved settings, or the defaults. Never throws (storage may be disabled or full). */
export function loadSettings(storage: KeyValueStorage | null): Settings {
  if (storage === null) {
    return DEFAULT_SETTINGS;
  }
  try {
    const text = storage.getItem(SETTINGS_KEY);
    return text === null ? DEFAULT_SETTINGS : sanitizeSettings(JSON.parse(text));
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Saves `settings`; returns false if the storage refused (private mode, quota). */
export function saveSettings(storage: KeyValueStorage | null, settings: Settings): boolean {
  if (storage === null) {
    return false;
  }
  try {
    storage.setItem(SETTINGS_KEY, JSON.stringify(sanitizeSettings(settings)));
    return true;
  } catch {
    return false;
  }
}

/** window.localStorage, or null where reading it throws (sandboxed frames, disabled storage). */
export function browserLocalStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
