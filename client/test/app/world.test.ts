import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';

import { World, timeLeftMs } from '../../src/app/world';
import {
  Chat,
  Events,
  GlobalEvent,
  GlobalEventType,
  MatchState,
  PlayerInfo,
} from '../../src/proto/game_generated';

function events(): Events {
  const b = new flatbuffers.Builder(256);
  const alice = PlayerInfo.createPlayerInfo(b, 3, b.createString('Alice'), 0, false);
  const bot = PlayerInfo.createPlayerInfo(b, 9, b.createString('Bot 1'), 1, true);
  const players = Events.createPlayersVector(b, [alice, bot]);
  Events.startEventsVector(b, 2);
  GlobalEvent.createGlobalEvent(b, GlobalEventType.PlayerLeft, 0, 9, 0xffffffff); // written last = index 1
  GlobalEvent.createGlobalEvent(b, GlobalEventType.Kill, 1, 3, 9);
  const list = b.endVector();
  const match = MatchState.createMatchState(b, 2, 1, 2, 120_000, 1, 0, 2, 0xffffffff, 0, 1, 77n);
  Events.startEvents(b);
  Events.addTick(b, 100);
  Events.addPlayers(b, players);
  Events.addEvents(b, list);
  Events.addMatch(b, match);
  b.finish(Events.endEvents(b));
  return Events.getRootAsEvents(new flatbuffers.ByteBuffer(b.asUint8Array()));
}

describe('World', () => {
  it('takes names before the events that use them, then the kill feed and the match', () => {
    const w = new World();
    const feed: string[] = [];
    w.onFeed = (e) => feed.push(e.text);
    w.onEvents(events(), 1000);
    expect(feed).toEqual(['Alice [Shotgun] Bot 1', 'Bot 1 left']);
    expect(w.names.has(9)).toBe(false); // left: the slot may be reused
    expect(w.nameOf(3)).toBe('Alice');
    expect(w.match?.mapSeed).toBe(77n);
    expect(w.match?.blueFlag).toBe(1);
    expect(timeLeftMs(w.match ?? (undefined as never), 31_000)).toBe(90_000);
  });

  it('keeps chat text as sent', () => {
    const b = new flatbuffers.Builder(64);
    b.finish(Chat.createChat(b, 3, true, b.createString('<script>x</script>')));
    const w = new World();
    w.onChat(Chat.getRootAsChat(new flatbuffers.ByteBuffer(b.asUint8Array())), 5);
    expect(w.chat).toEqual([{ from: 3, teamOnly: true, text: '<script>x</script>', atMs: 5 }]);
  });
});
