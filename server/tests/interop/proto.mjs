// Minimal FlatBuffers codec for the mgs wire schema (proto/game.fbs), hand-written on the
// flatbuffers@2.0.7 runtime (Builder / ByteBuffer) so that it runs unchanged in Node and, served
// by chromium_client.mjs with the 'flatbuffers' import rewritten, in the browser.
//
//   table Envelope { message_type: ubyte (id 0, union type); message: offset (id 1) }
//   union Message  { Input = 1, Ping = 2, Pong = 3 }
//   table Ping { id: uint (0); client_time_ms: double (1); payload: [ubyte] (2) }
//   table Pong { id: uint (0); client_time_ms: double (1); server_time_ms: double (2); payload: [ubyte] (3) }
import * as flatbuffers from 'flatbuffers';

export const MessageType = Object.freeze({ NONE: 0, Input: 1, Ping: 2, Pong: 3 });

// vtable offset of field number `id`
const vt = (id) => 4 + 2 * id;

function createByteVector(b, bytes) {
  b.startVector(1, bytes.length, 1);
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]);
  return b.endVector();
}

function finishEnvelope(b, type, msgOffset) {
  b.startObject(2);
  b.addFieldOffset(1, msgOffset, 0);
  b.addFieldInt8(0, type, 0);
  b.finish(b.endObject());
  return b.asUint8Array().slice();
}

/** Encodes Envelope{Ping}. payload: Uint8Array (may be empty). Returns a fresh Uint8Array. */
export function encodePing({ id, clientTimeMs = 0, payload = new Uint8Array(0) }) {
  const b = new flatbuffers.Builder(64 + payload.length);
  const pv = payload.length ? createByteVector(b, payload) : 0;
  b.startObject(3);
  b.addFieldFloat64(1, clientTimeMs, 0);
  if (pv) b.addFieldOffset(2, pv, 0);
  b.addFieldInt32(0, id, 0);
  return finishEnvelope(b, MessageType.Ping, b.endObject());
}

/** Encodes Envelope{Pong} (used by mock_server.mjs). */
export function encodePong({ id, clientTimeMs = 0, serverTimeMs = 0, payload = new Uint8Array(0) }) {
  const b = new flatbuffers.Builder(64 + payload.length);
  const pv = payload.length ? createByteVector(b, payload) : 0;
  b.startObject(4);
  b.addFieldFloat64(1, clientTimeMs, 0);
  b.addFieldFloat64(2, serverTimeMs, 0);
  if (pv) b.addFieldOffset(3, pv, 0);
  b.addFieldInt32(0, id, 0);
  return finishEnvelope(b, MessageType.Pong, b.endObject());
}

function readU32(bb, table, id) {
  const o = bb.__offset(table, vt(id));
  return o ? bb.readUint32(table + o) : 0;
}
function readF64(bb, table, id) {
  const o = bb.__offset(table, vt(id));
  return o ? bb.readFloat64(table + o) : 0;
}
function readBytes(bb, table, id) {
  const o = bb.__offset(table, vt(id));
  if (!o) return new Uint8Array(0);
  const start = bb.__vector(table + o);
  const len = bb.__vector_len(table + o);
  if (start + len > bb.capacity()) throw new Error('vector out of bounds');
  return new Uint8Array(bb.bytes().subarray(start, start + len)); // copy
}

/**
 * Decodes an Envelope. Returns {type, typeName, ping?, pong?}. Throws on a buffer too short to be
 * an Envelope; message types other than Ping/Pong are returned with only type/typeName.
 */
export function decodeEnvelope(data) {
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  if (bytes.length < 8) throw new Error(`envelope too short (${bytes.length} bytes)`);
  const bb = new flatbuffers.ByteBuffer(bytes);
  const root = bb.readInt32(bb.position()) + bb.position();
  if (root < 0 || root + 4 > bytes.length) throw new Error('bad root offset');
  const to = bb.__offset(root, vt(0));
  const type = to ? bb.readUint8(root + to) : 0;
  const mo = bb.__offset(root, vt(1));
  const typeName = Object.keys(MessageType).find((k) => MessageType[k] === type) ?? `unknown(${type})`;
  const out = { type, typeName };
  if (!mo) return out;
  const t = bb.__indirect(root + mo);
  if (type === MessageType.Ping) {
    out.ping = { id: readU32(bb, t, 0), clientTimeMs: readF64(bb, t, 1), payload: readBytes(bb, t, 2) };
  } else if (type === MessageType.Pong) {
    out.pong = {
      id: readU32(bb, t, 0),
      clientTimeMs: readF64(bb, t, 1),
      serverTimeMs: readF64(bb, t, 2),
      payload: readBytes(bb, t, 3),
    };
  }
  return out;
}

/** Bytes an Envelope{Ping} adds around its payload (upper bound, for sizing a "large" Ping). */
export const PING_OVERHEAD = 64;
/** Bytes an Envelope{Pong} adds around its payload (upper bound). */
export const PONG_OVERHEAD = 72;

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deterministic filler so a corrupted or trimmed echo is obvious. */
export function makePayload(len, seed = 1) {
  const p = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    p[i] = x & 0xff;
  }
  return p;
}
