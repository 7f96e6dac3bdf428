import { describe, expect, it } from 'vitest';

import {
  DEFAULT_SETTINGS,
  type KeyValueStorage,
  SETTINGS_KEY,
  loadSettings,
  sanitizeSettings,
  saveSettings,
} from '../../src/app/settings';

/** An in-memory Storage; `failWrites` makes setItem throw like a full or disabled storage. */
class FakeStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  constructor(private readonly failWrites = false) {}
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) {
      throw new Error('QuotaExceededError');
    }
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

describe('settings', () => {
  it('defaults when nothing is saved or there is no storage', () => {
    expect(loadSettings(new FakeStorage())).toEqual(DEFAULT_SETTINGS);
    expect(loadSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('round-trips through the storage', () => {
    const storage = new FakeStorage();
    const s = { sound: false, volume: 0.25, quality: 'high', screenShake: false, showFps: true } as const;
    expect(saveSettings(storage, s)).toBe(true);
    expect(storage.data.has(SETTINGS_KEY)).toBe(true);
    expect(loadSettings(storage)).toEqual(s);
  });

  it('falls back field by field on corrupt or foreign values', () => {
    const storage = new FakeStorage();
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({ sound: 'yes', volume: 7, quality: 'ultra', showFps: true }),
    );
    expect(loadSettings(storage)).toEqual({ ...DEFAULT_SETTINGS, volume: 1, showFps: true });
    storage.setItem(SETTINGS_KEY, '{not json');
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
    storage.setItem(SETTINGS_KEY, 'null');
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
  });

  it('clamps the volume and rejects non-finite numbers', () => {
    expect(sanitizeSettings({ volume: -3 }).volume).toBe(0);
    expect(sanitizeSettings({ volume: Number.NaN }).volume).toBe(DEFAULT_SETTINGS.volume);
    expect(sanitizeSettings({ volume: 0.4 }).volume).toBe(0.4);
  });

  it('reports a storage that refuses writes instead of throwing', () => {
    expect(saveSettings(new FakeStorage(true), DEFAULT_SETTINGS)).toBe(false);
    expect(saveSettings(null, DEFAULT_SETTINGS)).toBe(false);
  });
});
