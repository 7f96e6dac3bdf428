// The C++ encoder's golden vectors (proto/testdata/server_messages.json, written by tools/golden)
// through the TypeScript decoder: every snapshot sequence decodes to exactly the views, headers and
// effects the server meant, every delta case is accepted or rejected as the C++ decoder does, and
// every other server message reads back field by field.
import { describe, expect, it } from 'vitest';

import { Chat, Events, Message, Pong, Scoreboard, Snapshot, Welcome } from '../src/proto/game_generated';
import { BitReader } from '../src/net/bitstream';
import { decodeDelta } from '../src/net/delta';
import { readEnvelope } from '../src/net/messages';
import { SnapshotReceiver } from '../src/net/snapshots';
import { type JsonEntry, fromHex, fromJsonView, readTestdata, toHex, toJsonView } from './util';

interface GoldenSnapshot {
  hex: string;
  delta_bits: number;
  header: { id: number; tick: number; baseline: number; last_input: number };
  effects: Record<string, number>[];
  view: JsonEntry[];
}
interface GoldenFile {
  snapshot_sequences: { name: string; snapshots: GoldenSnapshot[] }[];
  deltas: { name: string; baseline: JsonEntry[]; hex: string; valid: boolean; view?: JsonEntry[] }[];
  messages: { name: string; type: string; hex: string; expect: Record<string, unknown> }[];
}

const golden = readTestdata('server_messages.json') as GoldenFile;

function readSnapshot(hex: string): Snapshot {
  const m = readEnvelope(fromHex(hex));
  if (m?.type !== Message.Snapshot) {
    throw new Error('not an Envelope(Snapshot)');
  }
  return m.message;
}

describe('golden snapshot sequences', () => {
  it('cover several sequences', () => {
    expect(golden.snapshot_sequences.length).toBeGreaterThanOrEqual(2);
  });

  for (const seq of golden.snapshot_sequences) {
    it(`${seq.name}: every snapshot decodes to the expected view, header and effects`, () => {
      const receiver = new SnapshotReceiver();
      for (const s of seq.snapshots) {
        const snap = readSnapshot(s.hex);
        expect(receiver.receive(snap), `snapshot ${s.header.id}`).toBe('decoded');
        const got = receiver.latest();
        expect(got).not.toBeNull();
        if (got === null) return;
        expect({ id: got.id, tick: got.tick, baseline: got.baseline, last_input: got.lastInput }).toEqual(
          s.header,
        );
        expect(toJsonView(got.view)).toEqual(s.view);
        expect(got.effects.map((e) => ({ ...e }))).toEqual(s.effects);
        expect(receiver.ackId()).toBe(s.header.id);
      }
      expect(receiver.stats()).toEqual({
        decoded: seq.snapshots.length,
        stale: 0,
        unknownBaseline: 0,
        malformed: 0,
        resyncs: 0,
      });
    });

    it(`${seq.name}: the decoder reads exactly the bits the encoder wrote`, () => {
      const views = new Map<number, JsonEntry[]>();
      for (const s of seq.snapshots) {
        const data = readSnapshot(s.hex).dataArray() ?? new Uint8Array(0);
        expect(data.length).toBe(Math.ceil(s.delta_bits / 8));
        const baseline = s.header.baseline === 0 ? [] : (views.get(s.header.baseline) ?? []);
        const reader = new BitReader(data);
        const view = decodeDelta(fromJsonView(baseline), reader);
        expect(view).not.toBeNull();
        expect(reader.bitsRead()).toBe(s.delta_bits);
        views.set(s.header.id, s.view);
      }
    });
  }
});

describe('golden delta payloads (accepted and rejected as by the C++ decoder)', () => {
  it('hold both kinds', () => {
    expect(golden.deltas.some((d) => d.valid)).toBe(true);
    expect(golden.deltas.filter((d) => !d.valid).length).toBeGreaterThanOrEqual(10);
  });

  for (const d of golden.deltas) {
    it(`${d.valid ? 'accepts' : 'rejects'}: ${d.name}`, () => {
      const view = decodeDelta(fromJsonView(d.baseline), new BitReader(fromHex(d.hex)));
      if (d.valid) {
        expect(view).not.toBeNull();
        expect(toJsonView(view ?? [])).toEqual(d.view);
      } else {
        expect(view).toBeNull();
      }
    });
  }
});

// The fields of each message, under the names of game.fbs (as the golden file writes them).
function welcome(m: Welcome): Record<string, unknown> {
  return {
    player_id: m.playerId(),
    tick_hz: m.tickHz(),
    snapshot_hz: m.snapshotHz(),
    map_seed: m.mapSeed().toString(),
    map_width: m.mapWidth(),
    map_height: m.mapHeight(),
    mode: m.mode(),
    view_half_width: m.viewHalfWidth(),
    view_half_height: m.viewHalfHeight(),
    player_radius: m.playerRadius(),
    player_speed: m.playerSpeed(),
    speed_boost: m.speedBoost(),
    max_health: m.maxHealth(),
    max_shield: m.maxShield(),
    weapons: Array.from({ length: m.weaponsLength() }, (_, i) => m.weapons(i))
      .filter((w) => w !== null)
      .map((w) => ({
        projectile_speed: w.projectileSpeed(),
        lifetime_s: w.lifetimeS(),
        cooldown_s: w.cooldownS(),
        reload_s: w.reloadS(),
        magazine: w.magazine(),
        pellets: w.pellets(),
        range: w.range(),
      })),
  };
}

function pong(m: Pong): Record<string, unknown> {
  return {
    id: m.id(),
    client_time_ms: m.clientTimeMs(),
    server_time_ms: m.serverTimeMs(),
    payload: toHex(m.payloadArray() ?? new Uint8Array(0)),
  };
}

function events(m: Events): Record<string, unknown> {
  const list = <T>(n: number, get: (i: number) => T | null): T[] =>
    Array.from({ length: n }, (_, i) => get(i)).filter((x): x is T => x !== null);
  const match = m.match();
  return {
    tick: m.tick(),
    events: list(m.eventsLength(), (i) => m.events(i)).map((e) => ({
      type: e.type(),
      detail: e.detail(),
      a: e.a(),
      b: e.b(),
    })),
    players: list(m.playersLength(), (i) => m.players(i)).map((p) => ({
      id: p.id(),
      name: p.name(),
      team: p.team(),
      bot: p.bot(),
    })),
    match:
      match === null
        ? null
        : {
            number: match.number(),
            phase: match.phase(),
            mode: match.mode(),
            time_left_ms: match.timeLeftMs(),
            red_score: match.redScore(),
            blue_score: match.blueScore(),
            winner: match.winner(),
            best_player: match.bestPlayer(),
            red_flag: match.redFlag(),
            blue_flag: match.blueFlag(),
            map_seed: match.mapSeed().toString(),
          },
  };
}

function chat(m: Chat): Record<string, unknown> {
  return { from: m.from(), team_only: m.teamOnly(), text: m.text() };
}

function scoreboard(m: Scoreboard): Record<string, unknown> {
  const rows = [];
  for (let i = 0; i < m.rowsLength(); ++i) {
    const r = m.rows(i);
    if (r === null) continue;
    rows.push({
      player: r.player(),
      score: r.score(),
      kills: r.kills(),
      deaths: r.deaths(),
      captures: r.captures(),
      team: r.team(),
      rank_flags: r.rankFlags(),
    });
  }
  return { rows, players: m.players(), red_score: m.redScore(), blue_score: m.blueScore() };
}

describe('golden server messages', () => {
  it('include every message the server sends besides snapshots', () => {
    const types = new Set(golden.messages.map((m) => m.type));
    expect([...types].sort()).toEqual(['Chat', 'Events', 'Pong', 'Scoreboard', 'Welcome']);
  });

  for (const g of golden.messages) {
    it(`${g.name} (${g.type}) reads back field by field`, () => {
      const m = readEnvelope(fromHex(g.hex));
      expect(m).not.toBeNull();
      expect(m === null ? 'none' : Message[m.type]).toBe(g.type);
      let fields: Record<string, unknown> = {};
      switch (m?.type) {
        case Message.Welcome:
          fields = welcome(m.message);
          break;
        case Message.Pong:
          fields = pong(m.message);
          break;
        case Message.Events:
          fields = events(m.message);
          break;
        case Message.Chat:
          fields = chat(m.message);
          break;
        case Message.Scoreboard:
          fields = scoreboard(m.message);
          break;
        default:
          break;
      }
      expect(fields).toEqual(g.expect);
    });
  }
});
