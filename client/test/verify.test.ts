// The verifier: its tables match the generated code (so a schema change cannot leave it behind),
// it accepts what the builders write and rejects buffers whose offsets, vectors or strings leave
// the buffer.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';

import * as proto from '../src/proto/game_generated';
import { Message } from '../src/proto/game_generated';
import { encodeChatSend, encodePing } from '../src/net/messages';
import { type FieldSpec, MESSAGE_TABLES, type TableSpec, verifyEnvelope } from '../src/net/verify';

type Slot = { method: string; size?: number };

/** What the generated `add<Field>` functions of table `name` call on the builder, by slot. */
function generatedSlots(name: string): { count: number; slots: Map<number, Slot> } {
  const cls = (proto as unknown as Record<string, Record<string, unknown>>)[name];
  if (cls === undefined) throw new Error(`no generated class ${name}`);
  let count = -1;
  const slots = new Map<number, Slot>();
  const spy = new Proxy(
    {},
    {
      get:
        (_t, method: string) =>
        (...args: unknown[]) => {
          if (method === 'startObject') count = args[0] as number;
          else if (method.startsWith('addField')) slots.set(args[0] as number, { method });
          return 0;
        },
    },
  );
  const start = cls[`start${name}`];
  if (typeof start === 'function') start.call(cls, spy);
  for (const key of Object.getOwnPropertyNames(cls)) {
    const fn = cls[key];
    if (key.startsWith('add') && typeof fn === 'function') {
      fn.call(cls, spy, 1);
    }
  }
  return { count, slots };
}

const expectedMethod = (f: FieldSpec): string[] => {
  switch (f.kind) {
    case 'scalar':
      return {
        1: ['addFieldInt8'],
        2: ['addFieldInt16'],
        4: ['addFieldInt32', 'addFieldFloat32'],
        8: ['addFieldInt64', 'addFieldFloat64'],
      }[f.size];
    case 'struct':
      return ['addFieldStruct'];
    default:
      return ['addFieldOffset'];
  }
};

function checkTable(spec: TableSpec, seen: Set<string>): void {
  if (seen.has(spec.name)) return;
  seen.add(spec.name);
  const { count, slots } = generatedSlots(spec.name);
  expect(count, `${spec.name}: fields`).toBe(spec.fields.length);
  spec.fields.forEach((f, slot) => {
    expect(expectedMethod(f), `${spec.name} slot ${slot}`).toContain(slots.get(slot)?.method);
    if (f.kind === 'table' || f.kind === 'tables') checkTable(f.table, seen);
  });
}

describe('verifier tables', () => {
  it('cover every member of the Message union', () => {
    const members = Object.values(Message).filter(
      (v): v is Message => typeof v === 'number' && v !== Message.NONE,
    );
    expect([...MESSAGE_TABLES.keys()].sort((a, b) => a - b)).toEqual(members.sort((a, b) => a - b));
  });

  it('match the generated classes field by field', () => {
    const seen = new Set<string>();
    for (const [code, { type, table }] of MESSAGE_TABLES) {
      expect(Message[type], `type ${code}`).toBe(table.name);
      checkTable(table, seen);
    }
  });

  it('use the struct sizes of the generated code', () => {
    expect(proto.SnapshotHeader.sizeOf()).toBe(16);
    expect(proto.Effect.sizeOf()).toBe(12);
    expect(proto.GlobalEvent.sizeOf()).toBe(12);
    expect(proto.ScoreRow.sizeOf()).toBe(16);
    expect(proto.WeaponInfo.sizeOf()).toBe(24);
    const snapshot = MESSAGE_TABLES.get(Message.Snapshot)?.table.fields;
    expect(snapshot?.[0]).toMatchObject({ kind: 'struct', size: proto.SnapshotHeader.sizeOf() });
    expect(snapshot?.[2]).toMatchObject({ kind: 'vector', elemSize: proto.Effect.sizeOf() });
    expect(MESSAGE_TABLES.get(Message.Events)?.table.fields[1]).toMatchObject({
      elemSize: proto.GlobalEvent.sizeOf(),
    });
    expect(MESSAGE_TABLES.get(Message.Scoreboard)?.table.fields[0]).toMatchObject({
      elemSize: proto.ScoreRow.sizeOf(),
    });
    expect(MESSAGE_TABLES.get(Message.Welcome)?.table.fields[14]).toMatchObject({
      elemSize: proto.WeaponInfo.sizeOf(),
    });
  });
});

function le32(bytes: Uint8Array, pos: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(pos, value >>> 0, true);
}

describe('verifyEnvelope', () => {
  it('accepts what the builders write', () => {
    expect(verifyEnvelope(encodePing(1, 2.5))).toBe(Message.Ping);
    expect(verifyEnvelope(encodeChatSend('hi', false))).toBe(Message.ChatSend);
  });

  it('matches the Ping example of docs/protocol.md byte for byte', () => {
    const doc = Uint8Array.from(
      '0c00000008000c00070008000800000000000002 0c000000080010000400080008000000010000000000000000000440'
        .replace(/ /g, '')
        .match(/../g) ?? [],
      (h) => parseInt(h, 16),
    );
    expect(doc.length).toBe(48);
    expect(verifyEnvelope(doc)).toBe(Message.Ping);
  });

  it('rejects short buffers and a root offset outside the buffer', () => {
    expect(verifyEnvelope(new Uint8Array(0))).toBeNull();
    expect(verifyEnvelope(new Uint8Array(7))).toBeNull();
    const bytes = encodePing(1, 2.5);
    le32(bytes, 0, bytes.length + 4);
    expect(verifyEnvelope(bytes)).toBeNull();
  });

  it('rejects a misaligned root table', () => {
    const bytes = encodePing(1, 2.5);
    le32(bytes, 0, 13);
    expect(verifyEnvelope(bytes)).toBeNull();
  });

  it('rejects a string whose length runs past the end or that lacks its 0 byte', () => {
    const b = new flatbuffers.Builder(64);
    const s = b.createString('abcd');
    b.finish(proto.Envelope.createEnvelope(b, Message.ChatSend, proto.ChatSend.createChatSend(b, s, false)));
    const ok = b.asUint8Array().slice();
    expect(verifyEnvelope(ok)).toBe(Message.ChatSend);
    // The string is the last object: its length prefix sits 4 + 4 + 4 bytes before the end
    // ("abcd", 0, then padding to 4).
    const lengthAt = ok.length - 12;
    expect(new DataView(ok.buffer).getUint32(lengthAt, true)).toBe(4);
    const long = ok.slice();
    le32(long, lengthAt, 100);
    expect(verifyEnvelope(long)).toBeNull();
    const unterminated = ok.slice();
    unterminated[lengthAt + 8] = 0x41; // the byte after "abcd"
    expect(verifyEnvelope(unterminated)).toBeNull();
  });

  it('rejects a vector longer than the buffer', () => {
    const bytes = encodePing(1, 2.5, Uint8Array.of(1, 2, 3, 4));
    const at = bytes.length - 8; // payload: length then 4 bytes, the last object
    expect(new DataView(bytes.buffer).getUint32(at, true)).toBe(4);
    le32(bytes, at, 0x7ffffff0);
    expect(verifyEnvelope(bytes)).toBeNull();
  });

  it('rejects unknown message types and an empty envelope', () => {
    const bytes = encodePing(1, 2.5);
    const typeAt = bytes.indexOf(Message.Ping, 8); // the type byte of the Envelope table
    const unknown = bytes.slice();
    unknown[typeAt] = 200;
    expect(verifyEnvelope(unknown)).toBeNull();
    const b = new flatbuffers.Builder(16);
    proto.Envelope.startEnvelope(b);
    b.finish(proto.Envelope.endEnvelope(b));
    expect(verifyEnvelope(b.asUint8Array())).toBe(Message.NONE);
  });
});
