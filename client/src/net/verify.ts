// A FlatBuffers verifier for the messages of proto/game.fbs, with the rules of the C++
// flatbuffers::Verifier (2.0.x): every offset, vtable, field, vector and string must lie inside the
// buffer and be aligned, strings must end with a 0 byte, nesting depth and table count are
// bounded. The TypeScript runtime has no verifier, and its accessors read garbage (or throw) on a
// malformed buffer; a message that passes verifyEnvelope() is safe to read with the generated
// classes. The tables below mirror game.fbs; test/verify.test.ts checks them against the generated
// code, so a schema change that is not reflected here fails the tests.

import { Message } from '../proto/game_generated';

/** How one table field is stored (its vtable slot is its index in TableSpec.fields). */
export type FieldSpec =
  | { readonly kind: 'scalar'; readonly size: 1 | 2 | 4 | 8 }
  | { readonly kind: 'struct'; readonly size: number; readonly align: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'vector'; readonly elemSize: number; readonly align: number }
  | { readonly kind: 'tables'; readonly table: TableSpec }
  | { readonly kind: 'table'; readonly table: TableSpec };

export interface TableSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

const u8: FieldSpec = { kind: 'scalar', size: 1 };
const u16: FieldSpec = { kind: 'scalar', size: 2 };
const u32: FieldSpec = { kind: 'scalar', size: 4 };
const u64: FieldSpec = { kind: 'scalar', size: 8 };
const str: FieldSpec = { kind: 'string' };
const bytes: FieldSpec = { kind: 'vector', elemSize: 1, align: 1 };
const structs = (size: number, align: number): FieldSpec => ({ kind: 'vector', elemSize: size, align });

const INPUT: TableSpec = { name: 'Input', fields: [u32, u32, u8, u8, u32, u8, u8, u32] };
const PLAYER_INFO: TableSpec = { name: 'PlayerInfo', fields: [u32, str, u8, u8] };
const MATCH_STATE: TableSpec = {
  name: 'MatchState',
  fields: [u32, u8, u8, u32, u32, u32, u8, u32, u8, u8, u64],
};

const MEMBERS: readonly (readonly [Message, TableSpec])[] = [
  [Message.Input, INPUT],
  [Message.Ping, { name: 'Ping', fields: [u32, u64, bytes] }],
  [Message.Pong, { name: 'Pong', fields: [u32, u64, u64, bytes] }],
  [
    Message.Welcome,
    {
      name: 'Welcome',
      fields: [u32, u16, u16, u64, u32, u32, u8, u32, u32, u32, u32, u32, u32, u32, structs(24, 4)],
    },
  ],
  [
    Message.Snapshot,
    {
      name: 'Snapshot',
      fields: [
        { kind: 'struct', size: 16, align: 4 },
        bytes,
        structs(12, 2),
        { kind: 'struct', size: 40, align: 4 },
      ],
    },
  ],
  [Message.InputBatch, { name: 'InputBatch', fields: [{ kind: 'tables', table: INPUT }, u8] }],
  [
    Message.Events,
    {
      name: 'Events',
      fields: [
        u32,
        structs(12, 4),
        { kind: 'tables', table: PLAYER_INFO },
        { kind: 'table', table: MATCH_STATE },
      ],
    },
  ],
  [Message.ChatSend, { name: 'ChatSend', fields: [str, u8] }],
  [Message.Chat, { name: 'Chat', fields: [u32, u8, str] }],
  [Message.ScoreboardRequest, { name: 'ScoreboardRequest', fields: [u16] }],
  [Message.Scoreboard, { name: 'Scoreboard', fields: [structs(16, 4), u32, u32, u32] }],
  [Message.SpectateControl, { name: 'SpectateControl', fields: [u32, u32, u32, u32, u8] }],
];

/** The table of each union member, by its type code on the wire. */
export const MESSAGE_TABLES: ReadonlyMap<number, { readonly type: Message; readonly table: TableSpec }> =
  new Map(MEMBERS.map(([type, table]) => [type as number, { type, table }]));

/** Limits of the C++ verifier's defaults. */
export const MAX_DEPTH = 64;
export const MAX_TABLES = 1_000_000;

class Verifier {
  private depth = 0;
  private tables = 0;

  constructor(private readonly buf: Uint8Array) {}

  private inside(pos: number, size: number): boolean {
    return pos >= 0 && size >= 0 && pos + size <= this.buf.length;
  }

  // Scalar of `size` bytes at `pos`: inside the buffer and aligned to its size (from the start).
  private scalar(pos: number, size: number): boolean {
    return this.inside(pos, size) && pos % size === 0;
  }

  private u16(pos: number): number {
    return (this.buf[pos] ?? 0) | ((this.buf[pos + 1] ?? 0) << 8);
  }

  private u32(pos: number): number {
    return this.i32(pos) >>> 0;
  }

  private i32(pos: number): number {
    return (
      (this.buf[pos] ?? 0) |
      ((this.buf[pos + 1] ?? 0) << 8) |
      ((this.buf[pos + 2] ?? 0) << 16) |
      ((this.buf[pos + 3] ?? 0) << 24)
    );
  }

  /** Target of the uoffset at `pos`, or -1 (C++ Verifier::VerifyOffset). */
  offset(pos: number): number {
    if (!this.scalar(pos, 4)) {
      return -1;
    }
    const o = this.u32(pos);
    if (o === 0 || o >= 0x80000000 || !this.inside(pos + o, 1)) {
      return -1;
    }
    return pos + o;
  }

  /** Byte position of field `slot` of the table at `table`, 0 if absent (vtable verified). */
  private fieldPos(table: number, vtable: number, slot: number): number {
    const vsize = this.u16(vtable);
    const entry = 4 + 2 * slot;
    if (entry + 2 > vsize) {
      return 0;
    }
    const off = this.u16(vtable + entry);
    return off === 0 ? 0 : table + off;
  }

  /** Length of the vector (or string) at `pos` if its bytes fit, else -1. */
  private vector(pos: number, elemSize: number, extra: number): number {
    if (!this.scalar(pos, 4)) {
      return -1;
    }
    const n = this.u32(pos);
    if (n >= Math.floor(0x7fffffff / elemSize)) {
      return -1;
    }
    return this.inside(pos + 4, n * elemSize + extra) ? n : -1;
  }

  table(pos: number, spec: TableSpec): boolean {
    if (!this.scalar(pos, 4)) {
      return false;
    }
    const vtable = pos - this.i32(pos);
    this.depth += 1;
    this.tables += 1;
    if (this.depth > MAX_DEPTH || this.tables > MAX_TABLES) {
      return false;
    }
    if (!this.scalar(vtable, 2)) {
      return false;
    }
    const vsize = this.u16(vtable);
    if (vsize % 2 !== 0 || !this.inside(vtable, vsize)) {
      return false;
    }
    for (let slot = 0; slot < spec.fields.length; ++slot) {
      const field = spec.fields[slot];
      const at = this.fieldPos(pos, vtable, slot);
      if (field === undefined || at === 0) {
        continue;
      }
      if (!this.field(at, field)) {
        return false;
      }
    }
    this.depth -= 1;
    return true;
  }

  private field(at: number, field: FieldSpec): boolean {
    switch (field.kind) {
      case 'scalar':
        return this.scalar(at, field.size);
      case 'struct':
        return this.inside(at, field.size) && at % field.align === 0;
      case 'string': {
        const target = this.offset(at);
        if (target < 0) {
          return false;
        }
        const n = this.vector(target, 1, 1);
        return n >= 0 && this.buf[target + 4 + n] === 0;
      }
      case 'vector': {
        const target = this.offset(at);
        return target >= 0 && this.vector(target, field.elemSize, 0) >= 0;
      }
      case 'tables': {
        const target = this.offset(at);
        const n = target < 0 ? -1 : this.vector(target, 4, 0);
        if (n < 0) {
          return false;
        }
        for (let i = 0; i < n; ++i) {
          const element = target + 4 + 4 * i;
          const table = element + this.u32(element);
          if (!this.table(table, field.table)) {
            return false;
          }
        }
        return true;
      }
      case 'table': {
        const target = this.offset(at);
        return target >= 0 && this.table(target, field.table);
      }
    }
  }

  /** Verifies the Envelope at the root; returns its message type, or null. */
  envelope(): Message | null {
    const root = this.offset(0);
    if (root < 0 || !this.scalar(root, 4)) {
      return null;
    }
    const vtable = root - this.i32(root);
    this.depth += 1;
    this.tables += 1;
    if (!this.scalar(vtable, 2)) {
      return null;
    }
    const vsize = this.u16(vtable);
    if (vsize % 2 !== 0 || !this.inside(vtable, vsize)) {
      return null;
    }
    const typePos = this.fieldPos(root, vtable, 0);
    const msgPos = this.fieldPos(root, vtable, 1);
    if (typePos !== 0 && !this.scalar(typePos, 1)) {
      return null;
    }
    const code = typePos === 0 ? 0 : (this.buf[typePos] ?? 0);
    if (msgPos === 0) {
      return code === 0 ? Message.NONE : null;
    }
    const target = this.offset(msgPos);
    if (target < 0) {
      return null;
    }
    const member = MESSAGE_TABLES.get(code);
    if (member === undefined) {
      return null; // NONE with a message, or a type this client does not know (the C++ verifier lets both through)
    }
    return this.table(target, member.table) ? member.type : null;
  }
}

/**
 * Verifies that `bytes` hold an Envelope whose message is one of the known types and lies wholly
 * inside the buffer. Returns the message type (Message.NONE for an envelope without a message), or
 * null if the buffer is malformed or the type unknown. Never throws.
 */
export function verifyEnvelope(bytes: Uint8Array): Message | null {
  if (bytes.length < 8 || bytes.length >= 0x7fffffff) {
    return null;
  }
  return new Verifier(bytes).envelope();
}
