import { describe, expect, it } from 'vitest';

import { NO_PLAYER, type PlayerName, formatClock, formatGlobalEvent } from '../../src/app/feed';
import { GlobalEventType } from '../../src/proto/game_generated';

const names = new Map<number, PlayerName>([
  [3, { name: 'Alice', team: 0, bot: false }],
  [7, { name: '<img src=x>', team: 1, bot: false }],
]);
const lookup = (slot: number): PlayerName | undefined => names.get(slot);

describe('formatGlobalEvent', () => {
  it('formats a kill as killer, weapon, victim with teams', () => {
    const e = formatGlobalEvent(GlobalEventType.Kill, 2, 3, 7, lookup, 3);
    expect(e?.kind).toBe('kill');
    expect(e?.text).toBe('Alice [Rifle] <img src=x>');
    expect(e?.parts[0]).toEqual({ text: 'Alice', team: 0, you: true });
    expect(e?.parts[2]).toEqual({ text: '<img src=x>', team: 1, you: false });
    expect(e?.parts[1]?.weapon).toBe(true);
  });

  it('names unknown slots and killer-less deaths', () => {
    expect(formatGlobalEvent(GlobalEventType.Kill, 4, 12, 3, lookup, NO_PLAYER)?.text).toBe(
      'Player 12 [Melee] Alice',
    );
    expect(formatGlobalEvent(GlobalEventType.Kill, 0, NO_PLAYER, 3, lookup, NO_PLAYER)?.text).toBe(
      'Alice died',
    );
  });

  it('formats flag events, including a flag returning by itself', () => {
    expect(formatGlobalEvent(GlobalEventType.Flag, 0, 3, 1, lookup, NO_PLAYER)?.text).toBe(
      'Alice took the Blue flag',
    );
    expect(formatGlobalEvent(GlobalEventType.Flag, 3, 3, 1, lookup, NO_PLAYER)?.text).toBe(
      'Alice captured the Blue flag',
    );
    expect(formatGlobalEvent(GlobalEventType.Flag, 2, NO_PLAYER, 0, lookup, NO_PLAYER)?.text).toBe(
      'The Red flag returned home',
    );
  });

  it('formats joins, leaves and the match', () => {
    expect(formatGlobalEvent(GlobalEventType.PlayerJoined, 0, 7, NO_PLAYER, lookup, 3)?.text).toBe(
      '<img src=x> joined',
    );
    expect(formatGlobalEvent(GlobalEventType.PlayerLeft, 0, 3, NO_PLAYER, lookup, 3)?.text).toBe(
      'Alice left',
    );
    expect(formatGlobalEvent(GlobalEventType.MatchStarted, 0, NO_PLAYER, NO_PLAYER, lookup, 3)?.text).toBe(
      'The match started',
    );
    expect(formatGlobalEvent(GlobalEventType.MatchEnded, 1, 3, NO_PLAYER, lookup, 3)?.text).toBe(
      'The match ended: Blue wins, best player Alice',
    );
    expect(formatGlobalEvent(GlobalEventType.MatchEnded, 2, NO_PLAYER, NO_PLAYER, lookup, 3)?.text).toBe(
      'The match ended: no winner',
    );
  });

  it('ignores unknown event types', () => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a type this client does not know
    expect(formatGlobalEvent(99 as GlobalEventType, 0, 0, 0, lookup, 3)).toBeNull();
  });
});

describe('formatClock', () => {
  it('shows m:ss, rounding up', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(1)).toBe('0:01');
    expect(formatClock(59_000)).toBe('0:59');
    expect(formatClock(300_000)).toBe('5:00');
    expect(formatClock(-5)).toBe('0:00');
  });
});
