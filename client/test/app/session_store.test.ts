import { describe, expect, it } from 'vitest';

import { SESSION_KEY, clearSession, loadSession, saveSession } from '../../src/app/session_store';
import type { KeyValueStorage } from '../../src/app/settings';

function storage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => data.set(k, v),
    removeItem: (k) => data.delete(k),
  };
}

describe('session store', () => {
  it('keeps the resume token and the join choices', () => {
    const s = storage();
    const saved = {
      token: 'a'.repeat(36),
      name: 'Ann',
      team: 'red',
      spectate: false,
      websocket: true,
    } as const;
    saveSession(s, saved);
    expect(loadSession(s)).toEqual(saved);
    clearSession(s);
    expect(loadSession(s)).toBeNull();
  });

  it('ignores entries it cannot use', () => {
    const s = storage();
    expect(loadSession(s)).toBeNull();
    s.setItem(SESSION_KEY, '{');
    expect(loadSession(s)).toBeNull();
    s.setItem(SESSION_KEY, JSON.stringify({ token: '', name: 'x' }));
    expect(loadSession(s)).toBeNull();
    s.setItem(SESSION_KEY, JSON.stringify({ token: 't', name: 'x', team: 'green' }));
    expect(loadSession(s)).toEqual({
      token: 't',
      name: 'x',
      team: 'auto',
      spectate: false,
      websocket: false,
    });
    expect(loadSession(null)).toBeNull();
  });
});
