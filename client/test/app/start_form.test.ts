import { describe, expect, it } from 'vitest';

import { parseTeamChoice, validateName } from '../../src/app/start_form';

describe('validateName (the server rules of signaling_message.cpp)', () => {
  it('trims spaces at both ends', () => {
    expect(validateName('  Ann ')).toEqual({ ok: true, name: 'Ann' });
  });

  it('refuses an empty or all-space name', () => {
    expect(validateName('').ok).toBe(false);
    expect(validateName('    ').ok).toBe(false);
  });

  it('counts code points, not UTF-16 units', () => {
    const emoji = '\u{1F600}'.repeat(16); // 32 UTF-16 units, 16 code points
    expect(validateName(emoji)).toEqual({ ok: true, name: emoji });
    expect(validateName('a'.repeat(16)).ok).toBe(true);
    const long = validateName('a'.repeat(17));
    expect(long.ok).toBe(false);
    expect(long.ok ? '' : long.error).toMatch(/16/);
  });

  it('refuses control and invisible characters', () => {
    for (const bad of [
      'a\tb',
      'a\u007fb',
      'a\u0085b',
      'a\u200bb',
      'a\u202eb',
      'a\u2066b',
      '\ufeffa',
      'a\u{E0041}',
    ]) {
      expect(validateName(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('refuses a lone surrogate (not valid UTF-8)', () => {
    expect(validateName('a\ud800b').ok).toBe(false);
  });

  it('keeps inner spaces and other scripts', () => {
    expect(validateName('Jean Luc')).toEqual({ ok: true, name: 'Jean Luc' });
    expect(validateName('Łódź 東京')).toEqual({ ok: true, name: 'Łódź 東京' });
  });
});

describe('parseTeamChoice', () => {
  it('maps form values, anything else to auto', () => {
    expect(parseTeamChoice('red')).toBe('red');
    expect(parseTeamChoice('blue')).toBe('blue');
    expect(parseTeamChoice('auto')).toBe('auto');
    expect(parseTeamChoice('green')).toBe('auto');
  });
});
