// InputSender: sequence numbers, the redundancy window, acknowledgements, latched presses, the
// fixed-rate clock, and the bytes of its batches read back with the generated FlatBuffers classes.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';

import { DEFAULT_BATCH_SIZE, InputSender, type InputControls } from '../../src/game/input';
import { Buttons, encodeInputBatch } from '../../src/net/messages';
import { Envelope, InputBatch, Message } from '../../src/proto/game_generated';

const idle: InputControls = { moveX: 0, moveY: 0, aim: 0, buttons: 0 };
const right: InputControls = { moveX: 1, moveY: 0, aim: 0.5, buttons: 0 };

interface Decoded {
  seq: number;
  clientTimeMs: number;
  moveX: number;
  moveY: number;
  aim: number;
  buttons: number;
  weaponSlot: number;
  ackSnapshot: number;
}

/** Reads an Envelope(InputBatch) with the generated classes (as the server's FlatBuffers code would). */
function decodeBatch(bytes: Uint8Array): Decoded[] {
  const env = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(bytes));
  expect(env.messageType()).toBe(Message.InputBatch);
  const batch = env.message(new InputBatch()) as InputBatch;
  const out: Decoded[] = [];
  for (let i = 0; i < batch.inputsLength(); ++i) {
    const x = batch.inputs(i);
    if (x === null) throw new Error(`input ${i} missing`);
    out.push({
      seq: x.seq(),
      clientTimeMs: x.clientTimeMs(),
      moveX: x.moveX(),
      moveY: x.moveY(),
      aim: x.aim(),
      buttons: x.buttons(),
      weaponSlot: x.weaponSlot(),
      ackSnapshot: x.ackSnapshot(),
    });
  }
  return out;
}

function seqs(bytes: Uint8Array | null): number[] {
  if (bytes === null) return [];
  return decodeBatch(bytes).map((d) => d.seq);
}

describe('InputSender', () => {
  it('numbers samples from 1, or from firstSeq', () => {
    const s = new InputSender({ tickHz: 30 });
    expect(s.batch()).toBeNull();
    expect([1, 2, 3].map(() => s.sample(idle, 0, 0).seq)).toEqual([1, 2, 3]);
    const t = new InputSender({ tickHz: 30, firstSeq: 500 });
    expect(t.sample(idle, 0, 0).seq).toBe(500);
    expect(t.nextSequence).toBe(501);
  });

  it('sends the newest sample and up to batchSize - 1 unacknowledged ones, oldest first', () => {
    const s = new InputSender({ tickHz: 30 });
    expect(DEFAULT_BATCH_SIZE).toBe(5);
    const sent: number[][] = [];
    for (let i = 0; i < 7; ++i) {
      s.sample(right, i * 33, 0);
      sent.push(seqs(s.batch()));
    }
    expect(sent).toEqual([
      [1],
      [1, 2],
      [1, 2, 3],
      [1, 2, 3, 4],
      [1, 2, 3, 4, 5],
      [2, 3, 4, 5, 6],
      [3, 4, 5, 6, 7],
    ]);
    const three = new InputSender({ tickHz: 30, batchSize: 3 });
    for (let i = 0; i < 5; ++i) three.sample(idle, 0, 0);
    expect(seqs(three.batch())).toEqual([3, 4, 5]);
    expect(() => new InputSender({ tickHz: 30, batchSize: 9 })).toThrow(RangeError);
    expect(() => new InputSender({ tickHz: 0 })).toThrow(RangeError);
  });

  it('drops what a snapshot acknowledged', () => {
    const s = new InputSender({ tickHz: 30 });
    for (let i = 0; i < 4; ++i) s.sample(right, 0, 0);
    s.acknowledge(2);
    expect(seqs(s.batch())).toEqual([3, 4]);
    s.acknowledge(1); // an older snapshot arriving late changes nothing
    expect(seqs(s.batch())).toEqual([3, 4]);
    s.acknowledge(4);
    expect(s.batch()).toBeNull();
    expect(s.pending).toEqual([]);
    s.sample(right, 0, 0);
    expect(seqs(s.batch())).toEqual([5]);
  });

  it('continues numbering above a last_input from an earlier session', () => {
    const s = new InputSender({ tickHz: 30 });
    s.sample(idle, 0, 0);
    s.acknowledge(900);
    expect(s.pending).toEqual([]);
    expect(s.sample(idle, 0, 0).seq).toBe(901);
  });

  it('keeps held buttons in every sample', () => {
    const s = new InputSender({ tickHz: 30 });
    const firing = { ...idle, buttons: Buttons.Fire };
    for (let i = 0; i < 3; ++i) {
      expect(s.sample(firing, 0, 0).buttons).toBe(Buttons.Fire);
      s.batch();
    }
    expect(s.sample(idle, 0, 0).buttons).toBe(0);
  });

  it('latches a click between samples until a sample carrying it was sent', () => {
    const s = new InputSender({ tickHz: 30 });
    s.sample(idle, 0, 0);
    s.batch();
    s.press(Buttons.Fire); // pressed and released between two samples
    expect(s.sample(idle, 33, 0).buttons).toBe(Buttons.Fire);
    // Not sent yet: the next sample still carries it.
    expect(s.sample(idle, 66, 0).buttons).toBe(Buttons.Fire);
    s.press(Buttons.Melee);
    s.batch(); // sends the sample with Fire; Melee was not in it
    const next = s.sample(idle, 100, 0);
    expect(next.buttons).toBe(Buttons.Melee);
    s.batch();
    expect(s.sample(idle, 133, 0).buttons).toBe(0);
    // A press after the newest sample but before its batch waits for the next sample.
    s.sample(idle, 166, 0);
    s.press(Buttons.Reload);
    s.batch();
    expect(s.sample(idle, 200, 0).buttons).toBe(Buttons.Reload);
  });

  it('latches a weapon selection the same way', () => {
    const s = new InputSender({ tickHz: 30 });
    s.selectWeapon(2);
    s.selectWeapon(7); // not a gun slot: ignored
    expect(s.sample(idle, 0, 0).weaponSlot).toBe(2);
    s.batch();
    expect(s.sample(idle, 33, 0).weaponSlot).toBe(-1);
    expect(s.sample({ ...idle, weaponSlot: 1 }, 66, 0).weaponSlot).toBe(1);
  });

  it('samples at the tick rate from update(), catching up at most maxCatchUp after a stall', () => {
    const s = new InputSender({ tickHz: 30, maxCatchUp: 3 });
    const times = [0, 10, 20, 33.4, 40, 66.7, 70, 100];
    const made = times.map((t) => s.update(idle, t, 0).length);
    expect(made).toEqual([1, 0, 0, 1, 0, 1, 0, 1]);
    expect(s.update(idle, 1100, 0).length).toBe(3); // 30 were due
    expect(s.update(idle, 1110, 0).length).toBe(0);
    expect(s.update(idle, 1100 + 1000 / 30, 0).length).toBe(1);
    expect(s.nextSequence).toBe(9);
  });

  it('sets resync in the batch when asked (the samples are the same)', () => {
    const s = new InputSender({ tickHz: 30 });
    s.sample(right, 0, 4);
    const plain = s.batch();
    const asking = s.batch(true);
    if (plain === null || asking === null) throw new Error('no batch');
    const read = (bytes: Uint8Array) =>
      Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(bytes)).message(new InputBatch()) as InputBatch;
    expect(read(plain).resync()).toBe(false);
    expect(read(asking).resync()).toBe(true);
    expect(decodeBatch(asking)).toEqual(decodeBatch(plain));
  });

  it('encodes every field of every sample (read back with the generated classes)', () => {
    const s = new InputSender({ tickHz: 30 });
    s.sample({ moveX: -1, moveY: 1, aim: Math.PI / 3, buttons: Buttons.Fire, weaponSlot: 3 }, 1234.9, 17);
    s.sample({ moveX: 0.4, moveY: -7, aim: -2.5, buttons: 0 }, 2 ** 32 + 5, 18);
    s.press(Buttons.Reload);
    s.sample({ moveX: Number.NaN, moveY: 0, aim: Number.NaN, buttons: Buttons.Melee }, 3000, 4000000000);
    const bytes = s.batch();
    if (bytes === null) throw new Error('no batch');
    expect(bytes).toEqual(encodeInputBatch(s.batchInputs()));
    expect(decodeBatch(bytes)).toEqual([
      {
        seq: 1,
        clientTimeMs: 1234,
        moveX: -1,
        moveY: 1,
        aim: Math.fround(Math.PI / 3),
        buttons: Buttons.Fire,
        weaponSlot: 3,
        ackSnapshot: 17,
      },
      {
        seq: 2,
        clientTimeMs: 5,
        moveX: 0,
        moveY: -1,
        aim: -2.5,
        buttons: 0,
        weaponSlot: -1,
        ackSnapshot: 18,
      },
      {
        seq: 3,
        clientTimeMs: 3000,
        moveX: 0,
        moveY: 0,
        aim: 0,
        buttons: Buttons.Melee | Buttons.Reload,
        weaponSlot: -1,
        ackSnapshot: 4000000000,
      },
    ]);
  });
});
