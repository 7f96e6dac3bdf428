import { describe, expect, it } from 'vitest';

import { BitReader, BitWriter } from '../src/net/bitstream';
import { rng } from './util';

describe('BitWriter', () => {
  it('writes LSB-first: the example of bitstream.hpp gives 0x1d', () => {
    const w = new BitWriter();
    w.write(0b101, 3);
    w.write(0b11, 2);
    expect(w.bits()).toBe(5);
    expect([...w.bytes()]).toEqual([0x1d]);
  });

  it('spans bytes with the low bits first', () => {
    const w = new BitWriter();
    w.write(1, 1);
    w.write(0x3ffff, 18); // 18 ones after one 1
    w.write(0, 1);
    expect([...w.bytes()]).toEqual([0xff, 0xff, 0x07]);
  });

  it('keeps only the low bits of a value, two-complement for negatives', () => {
    const w = new BitWriter();
    w.write(-3, 8);
    w.write(0x1ff, 4);
    expect([...w.bytes()]).toEqual([0xfd, 0x0f]);
  });

  it('writes 32-bit values', () => {
    const w = new BitWriter();
    w.write(0, 4);
    w.write(0xdeadbeef, 32);
    expect([...w.bytes()]).toEqual([0xf0, 0xee, 0xdb, 0xea, 0x0d]);
  });

  it('refuses a write that does not fit, and every later one', () => {
    const w = new BitWriter(2);
    w.write(0xff, 8);
    w.write(0x1ff, 9);
    expect(w.overflowed()).toBe(true);
    w.write(1, 1);
    expect(w.bits()).toBe(8);
    expect([...w.bytes()]).toEqual([0xff]);
  });

  it('throws on a width over 32 (a programming error)', () => {
    expect(() => {
      new BitWriter().write(0, 33);
    }).toThrow(RangeError);
  });
});

describe('BitReader', () => {
  it('reads the example of bitstream.hpp back', () => {
    const r = new BitReader(Uint8Array.of(0x1d));
    expect(r.read(3)).toBe(0b101);
    expect(r.read(2)).toBe(0b11);
    expect(r.bitsRead()).toBe(5);
    expect(r.bitsLeft()).toBe(3);
    expect(r.failed()).toBe(false);
  });

  it('reads 32-bit values as unsigned numbers', () => {
    const r = new BitReader(Uint8Array.of(0xf0, 0xff, 0xff, 0xff, 0x0f));
    expect(r.read(4)).toBe(0);
    expect(r.read(32)).toBe(0xffffffff);
  });

  it('returns 0 past the end, consumes nothing and stays failed', () => {
    const r = new BitReader(Uint8Array.of(0xff, 0xff));
    expect(r.read(10)).toBe(0x3ff);
    expect(r.read(7)).toBe(0); // 6 bits left
    expect(r.failed()).toBe(true);
    expect(r.bitsLeft()).toBe(6);
    expect(r.read(1)).toBe(0); // a bit is there, but the reader has failed
  });

  it('reads only the first bitCount bits, clamped to the bytes', () => {
    const r = new BitReader(Uint8Array.of(0xff, 0xff), 9);
    expect(r.read(9)).toBe(0x1ff);
    expect(r.read(1)).toBe(0);
    expect(r.failed()).toBe(true);
    expect(new BitReader(Uint8Array.of(0xff), 100).bitsLeft()).toBe(8);
  });

  it('treats a zero-width read as 0 without failing', () => {
    const r = new BitReader(new Uint8Array(0));
    expect(r.read(0)).toBe(0);
    expect(r.failed()).toBe(false);
  });

  it('round-trips random fields of every width', () => {
    const random = rng(42);
    const fields: [number, number][] = [];
    const w = new BitWriter(8192);
    for (let i = 0; i < 1000; ++i) {
      const n = 1 + Math.floor(random() * 32);
      const v = Math.floor(random() * 2 ** n);
      fields.push([v, n]);
      w.write(v, n);
    }
    expect(w.overflowed()).toBe(false);
    const r = new BitReader(w.bytes(), w.bits());
    for (const [v, n] of fields) {
      expect(r.read(n)).toBe(v);
    }
    expect(r.bitsLeft()).toBe(0);
    expect(r.failed()).toBe(false);
  });
});
