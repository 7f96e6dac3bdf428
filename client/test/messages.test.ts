// readEnvelope on garbage, and the builders' limits.
import { describe, expect, it } from 'vitest';

import {
  CHAT_MAX_BYTES,
  MAX_BATCH_INPUTS,
  chatBytes,
  encodeChatSend,
  encodeInputBatch,
  encodePing,
  encodeScoreboardRequest,
  encodeSpectateControl,
  readEnvelope,
} from '../src/net/messages';
import { Message } from '../src/proto/game_generated';
import { fromHex, readTestdata, rng } from './util';

interface Golden {
  snapshot_sequences: { snapshots: { hex: string }[] }[];
  messages: { hex: string }[];
}

const golden = readTestdata('server_messages.json') as Golden;
const samples = [
  ...golden.messages.map((m) => fromHex(m.hex)),
  ...golden.snapshot_sequences.flatMap((s) => s.snapshots.slice(0, 3).map((x) => fromHex(x.hex))),
  encodePing(1, 2, Uint8Array.of(1, 2, 3)),
  encodeChatSend('hello', true),
];

/** Reads every accessor of a message, as a client would. */
function touch(bytes: Uint8Array): void {
  const m = readEnvelope(bytes);
  if (m === null) return;
  JSON.stringify(m.message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (m.type === Message.Snapshot) {
    m.message.header()?.id();
    m.message.dataArray();
    for (let i = 0; i < m.message.effectsLength(); ++i) m.message.effects(i)?.x();
  } else if (m.type === Message.Events) {
    for (let i = 0; i < m.message.playersLength(); ++i) m.message.players(i)?.name();
    m.message.match()?.redScore();
  } else if (m.type === Message.Chat) {
    m.message.text();
  } else if (m.type === Message.Pong) {
    m.message.payloadArray();
  }
}

describe('readEnvelope on garbage', () => {
  it('random bytes never throw', () => {
    const random = rng(3);
    for (let n = 0; n < 5000; ++n) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 96) }, () => Math.floor(random() * 256));
      expect(() => {
        touch(bytes);
      }).not.toThrow();
    }
  });

  it('mutated real messages never throw, and reading them stays inside the buffer', () => {
    const random = rng(5);
    for (const sample of samples) {
      for (let k = 0; k < 300; ++k) {
        const copy = sample.slice();
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; --flips) {
          copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        }
        expect(() => {
          touch(copy);
        }).not.toThrow();
      }
    }
  });

  it('truncated real messages never throw', () => {
    for (const sample of samples) {
      for (let len = 0; len < sample.length; ++len) {
        expect(() => {
          touch(sample.subarray(0, len));
        }).not.toThrow();
      }
    }
  });
});

const sample = (seq: number) => ({
  seq,
  clientTimeMs: seq * 16,
  moveX: 1,
  moveY: 0,
  aim: 0,
  buttons: 0,
  weaponSlot: -1,
  ackSnapshot: 0,
});

describe('encodeInputBatch', () => {
  it(`sends the newest ${MAX_BATCH_INPUTS} inputs, oldest first`, () => {
    const m = readEnvelope(encodeInputBatch(Array.from({ length: 12 }, (_, i) => sample(i + 1))));
    expect(m?.type).toBe(Message.InputBatch);
    if (m?.type !== Message.InputBatch) return;
    const seqs = Array.from({ length: m.message.inputsLength() }, (_, i) => m.message.inputs(i)?.seq());
    expect(seqs).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('carries resync only when asked, and the same inputs either way', () => {
    const inputs = [sample(1), sample(2)];
    const plain = readEnvelope(encodeInputBatch(inputs));
    const asking = readEnvelope(encodeInputBatch(inputs, true));
    if (plain?.type !== Message.InputBatch || asking?.type !== Message.InputBatch) {
      throw new Error('not an InputBatch');
    }
    expect(plain.message.resync()).toBe(false);
    expect(asking.message.resync()).toBe(true);
    expect(asking.message.inputsLength()).toBe(2);
    expect(asking.message.inputs(1)?.seq()).toBe(2);
    // Appended with default false: a batch without it is byte for byte what it was.
    expect(encodeInputBatch(inputs, false)).toEqual(encodeInputBatch(inputs));
  });

  it('refuses fields outside their wire range instead of cutting them', () => {
    expect(() => encodeInputBatch([{ ...sample(1), moveX: 2 }])).toThrow(RangeError);
    expect(() => encodeInputBatch([{ ...sample(1), weaponSlot: 4 }])).toThrow(RangeError);
    expect(() => encodeInputBatch([{ ...sample(1), weaponSlot: -2 }])).toThrow(RangeError);
    expect(() => encodeInputBatch([{ ...sample(1), seq: 2 ** 32 }])).toThrow(RangeError);
    expect(() => encodeInputBatch([{ ...sample(1), buttons: 256 }])).toThrow(RangeError);
    expect(() => encodeInputBatch([{ ...sample(1), ackSnapshot: -1 }])).toThrow(RangeError);
  });
});

describe('encodeChatSend', () => {
  it('sends the trimmed line', () => {
    const m = readEnvelope(encodeChatSend('  hi there \n', false));
    expect(m?.type === Message.ChatSend ? m.message.text() : null).toBe('hi there');
  });

  it(`refuses an empty line and one over ${CHAT_MAX_BYTES} bytes of UTF-8`, () => {
    expect(() => encodeChatSend('   ', false)).toThrow(RangeError);
    expect(chatBytes('€'.repeat(67))).toBe(201);
    expect(() => encodeChatSend('€'.repeat(67), false)).toThrow(RangeError);
    expect(() => encodeChatSend('€'.repeat(66), false)).not.toThrow();
  });
});

describe('encodePing and encodeScoreboardRequest', () => {
  it('refuse values outside their wire type', () => {
    expect(() => encodePing(-1, 0)).toThrow(RangeError);
    expect(() => encodeScoreboardRequest(65536)).toThrow(RangeError);
  });
});

describe('encodeSpectateControl', () => {
  it('carries resync only when asked', () => {
    const plain = readEnvelope(encodeSpectateControl(7, 10, 20, 33));
    const asking = readEnvelope(encodeSpectateControl(7, 10, 20, 33, true));
    if (plain?.type !== Message.SpectateControl || asking?.type !== Message.SpectateControl) {
      throw new Error('not a SpectateControl');
    }
    expect(plain.message.resync()).toBe(false);
    expect(asking.message.resync()).toBe(true);
    expect(asking.message.follow()).toBe(7);
    expect(asking.message.ackSnapshot()).toBe(33);
  });
});
