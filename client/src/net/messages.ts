// Reading the server's messages and building the client's, on the FlatBuffers classes generated
// from proto/game.fbs (npm run gen). Every received buffer is verified before anything reads it
// (verify.ts), so a malformed message is dropped instead of yielding garbage or an exception.

import * as flatbuffers from 'flatbuffers';

import {
  Chat,
  ChatSend,
  Envelope,
  Events,
  Input,
  InputBatch,
  Message,
  Ping,
  Pong,
  Scoreboard,
  ScoreboardRequest,
  Snapshot,
  SpectateControl,
  Welcome,
} from '../proto/game_generated';
import { verifyEnvelope } from './verify';

/** A verified message, by type; the object reads lazily from the received bytes. */
export type ReceivedMessage =
  | { readonly type: Message.Input; readonly message: Input }
  | { readonly type: Message.Ping; readonly message: Ping }
  | { readonly type: Message.Pong; readonly message: Pong }
  | { readonly type: Message.Welcome; readonly message: Welcome }
  | { readonly type: Message.Snapshot; readonly message: Snapshot }
  | { readonly type: Message.InputBatch; readonly message: InputBatch }
  | { readonly type: Message.Events; readonly message: Events }
  | { readonly type: Message.ChatSend; readonly message: ChatSend }
  | { readonly type: Message.Chat; readonly message: Chat }
  | { readonly type: Message.ScoreboardRequest; readonly message: ScoreboardRequest }
  | { readonly type: Message.Scoreboard; readonly message: Scoreboard }
  | { readonly type: Message.SpectateControl; readonly message: SpectateControl };

/**
 * Verifies `bytes` as an Envelope and returns its message, or null if the buffer is malformed, the
 * envelope is empty or the type unknown to this client. Never throws.
 */
export function readEnvelope(bytes: Uint8Array): ReceivedMessage | null {
  try {
    const type = verifyEnvelope(bytes);
    if (type === null) {
      return null;
    }
    const env = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(bytes));
    const get = <T>(obj: T): T => env.message(obj) as T;
    switch (type) {
      case Message.NONE:
        return null;
      case Message.Input:
        return { type, message: get(new Input()) };
      case Message.Ping:
        return { type, message: get(new Ping()) };
      case Message.Pong:
        return { type, message: get(new Pong()) };
      case Message.Welcome:
        return { type, message: get(new Welcome()) };
      case Message.Snapshot:
        return { type, message: get(new Snapshot()) };
      case Message.InputBatch:
        return { type, message: get(new InputBatch()) };
      case Message.Events:
        return { type, message: get(new Events()) };
      case Message.ChatSend:
        return { type, message: get(new ChatSend()) };
      case Message.Chat:
        return { type, message: get(new Chat()) };
      case Message.ScoreboardRequest:
        return { type, message: get(new ScoreboardRequest()) };
      case Message.Scoreboard:
        return { type, message: get(new Scoreboard()) };
      case Message.SpectateControl:
        return { type, message: get(new SpectateControl()) };
      default:
        return null;
    }
  } catch {
    return null; // defence in depth: the verifier should have caught anything that throws
  }
}

/** Buttons of an input (InputButtons bit flags). */
export const Buttons = { Fire: 1, Melee: 2, Reload: 4 } as const;

/** One input sample, as the client samples it. */
export interface InputSample {
  /** Sequence number, +1 per sample (uint32). */
  readonly seq: number;
  /** Client clock when sampled, ms (uint32). */
  readonly clientTimeMs: number;
  /** -1, 0, 1: screen-relative, +x right. */
  readonly moveX: number;
  /** -1, 0, 1: +y down. */
  readonly moveY: number;
  /** Radians, 0 = +x (sent as float32). */
  readonly aim: number;
  /** Buttons bits. */
  readonly buttons: number;
  /** 0..3 selects pistol/shotgun/rifle/sniper; -1 keeps the current weapon. */
  readonly weaponSlot: number;
  /** Newest snapshot id decoded (SnapshotReceiver.ackId). */
  readonly ackSnapshot: number;
}

/** Inputs per batch the server reads (it keeps the newest 8). */
export const MAX_BATCH_INPUTS = 8;
/** Longest chat line the server accepts, in UTF-8 bytes after trimming. */
export const CHAT_MAX_BYTES = 200;

function finish(b: flatbuffers.Builder, type: Message, message: flatbuffers.Offset): Uint8Array {
  b.finish(Envelope.createEnvelope(b, type, message));
  return b.asUint8Array().slice();
}

function checkUint(name: string, v: number, bits: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) {
    throw new RangeError(`${name} must be an integer in 0 .. 2^${bits} - 1, got ${v}`);
  }
}

function checkInt8(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min} .. ${max}, got ${v}`);
  }
}

/**
 * Envelope(InputBatch) of the newest MAX_BATCH_INPUTS of `inputs` (oldest first, as given).
 * `resync`: the client cannot decode against what it holds and asks for a full snapshot
 * (SnapshotReceiver.needsResync). Throws RangeError for a field outside its wire type (a bug in
 * the caller, never silently cut).
 */
export function encodeInputBatch(inputs: readonly InputSample[], resync = false): Uint8Array {
  const sent = inputs.slice(Math.max(0, inputs.length - MAX_BATCH_INPUTS));
  const b = new flatbuffers.Builder(64 + 48 * sent.length);
  const offsets = sent.map((i) => {
    checkUint('seq', i.seq, 32);
    checkUint('clientTimeMs', i.clientTimeMs, 32);
    checkInt8('moveX', i.moveX, -1, 1);
    checkInt8('moveY', i.moveY, -1, 1);
    checkUint('buttons', i.buttons, 8);
    checkInt8('weaponSlot', i.weaponSlot, -1, 3);
    checkUint('ackSnapshot', i.ackSnapshot, 32);
    return Input.createInput(
      b,
      i.seq,
      i.clientTimeMs,
      i.moveX,
      i.moveY,
      i.aim,
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- bit flags: any OR of them
      i.buttons,
      i.weaponSlot,
      i.ackSnapshot,
    );
  });
  const vector = InputBatch.createInputsVector(b, offsets);
  return finish(b, Message.InputBatch, InputBatch.createInputBatch(b, vector, resync));
}

/** Envelope(Ping): `id` uint32, `clientTimeMs` the clock to echo, optional payload to echo. */
export function encodePing(id: number, clientTimeMs: number, payload?: Uint8Array): Uint8Array {
  checkUint('id', id, 32);
  const b = new flatbuffers.Builder(64 + (payload?.length ?? 0));
  const p = payload !== undefined && payload.length > 0 ? Ping.createPayloadVector(b, payload) : 0;
  return finish(b, Message.Ping, Ping.createPing(b, id, clientTimeMs, p));
}

/**
 * Envelope(ChatSend) of `text` trimmed. Throws RangeError if the trimmed line is empty or longer
 * than CHAT_MAX_BYTES of UTF-8 (the server would drop it); check with chatBytes() first.
 */
export function encodeChatSend(text: string, teamOnly: boolean): Uint8Array {
  const line = text.trim();
  const n = chatBytes(line);
  if (n === 0 || n > CHAT_MAX_BYTES) {
    throw new RangeError(`a chat line is 1 .. ${CHAT_MAX_BYTES} bytes of UTF-8, got ${n}`);
  }
  const b = new flatbuffers.Builder(64 + n);
  const s = b.createString(line);
  return finish(b, Message.ChatSend, ChatSend.createChatSend(b, s, teamOnly));
}

/** UTF-8 bytes of a chat line as encodeChatSend sends it (trimmed). */
export function chatBytes(text: string): number {
  return new TextEncoder().encode(text.trim()).length;
}

/** Envelope(ScoreboardRequest) for the best `top` players (the server clamps to 1 .. 100). */
export function encodeScoreboardRequest(top = 20): Uint8Array {
  checkUint('top', top, 16);
  const b = new flatbuffers.Builder(32);
  return finish(b, Message.ScoreboardRequest, ScoreboardRequest.createScoreboardRequest(b, top));
}

/** Follow no player: SpectateControl looks at a point. */
export const SPECTATE_POINT = 0xffffffff;

/**
 * Envelope(SpectateControl), spectators only: follow the player in world slot `follow`, or with
 * `follow` = SPECTATE_POINT look at (x, y) in wu (sent as float32); `ackSnapshot` and `resync` as
 * in an InputBatch.
 */
export function encodeSpectateControl(
  follow: number,
  x: number,
  y: number,
  ackSnapshot: number,
  resync = false,
): Uint8Array {
  checkUint('follow', follow, 32);
  checkUint('ackSnapshot', ackSnapshot, 32);
  const b = new flatbuffers.Builder(48);
  return finish(
    b,
    Message.SpectateControl,
    SpectateControl.createSpectateControl(b, follow, x, y, ackSnapshot, resync),
  );
}
