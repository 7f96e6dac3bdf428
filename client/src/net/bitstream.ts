// Bit-level reader and writer of the snapshot delta format, the TypeScript twin of
// server/src/sync/bitstream.hpp. Bit order is LSB-first: bit i of the stream is bit (i % 8) of
// byte i / 8, and a value's bits go out least significant first.
//
//   write(0b101, 3); write(0b11, 2);
//
//   byte 0:  bit 7 6 5 4 3 2 1 0
//                0 0 0 1 1 1 0 1      = 0x1d  (the bits above the last written are 0)
//                      \_/ \___/
//                    0b11   0b101
//
// Both are bounded like their C++ twins: the reader never reads past its end (it returns 0 and
// remembers that it failed), the writer refuses a write that does not fit (and every later one).

/** Largest field width one read or write takes (as the C++ codec). */
export const MAX_BITS_PER_CALL = 32;

function checkWidth(nbits: number): void {
  if (!Number.isInteger(nbits) || nbits > MAX_BITS_PER_CALL) {
    throw new RangeError(`bit width must be an integer <= ${MAX_BITS_PER_CALL}, got ${nbits}`);
  }
}

/** Reads bit fields written by BitWriter (or the C++ BitWriter). Never reads outside its bytes. */
export class BitReader {
  private readonly bytes: Uint8Array;
  private readonly sizeBits: number;
  private pos = 0;
  private failed_ = false;

  /** Reads the first `bitCount` bits of `bytes` (all of them by default; clamped to their size). */
  constructor(bytes: Uint8Array, bitCount?: number) {
    this.bytes = bytes;
    const all = bytes.length * 8;
    this.sizeBits = bitCount === undefined ? all : Math.max(0, Math.min(Math.floor(bitCount), all));
  }

  /**
   * The next `nbits` bits (0 <= nbits <= 32) as an unsigned integer. Past the end it returns 0,
   * consumes nothing and sets failed(); once failed, every later read returns 0. Throws RangeError
   * only for a width over 32 (a programming error, never caused by the data).
   */
  read(nbits: number): number {
    checkWidth(nbits);
    if (nbits <= 0 || this.failed_) {
      return 0;
    }
    if (nbits > this.sizeBits - this.pos) {
      this.failed_ = true;
      return 0;
    }
    let value = 0;
    let got = 0;
    let pos = this.pos;
    while (got < nbits) {
      const byte = this.bytes[pos >>> 3] ?? 0; // always present: pos < sizeBits <= bytes.length * 8
      const shift = pos & 7;
      const take = Math.min(8 - shift, nbits - got);
      value += ((byte >>> shift) & ((1 << take) - 1)) * 2 ** got; // exact up to 2^53, no sign issue
      got += take;
      pos += take;
    }
    this.pos = pos;
    return value;
  }

  /** Bits not read yet. */
  bitsLeft(): number {
    return this.sizeBits - this.pos;
  }

  /** Bits read so far. */
  bitsRead(): number {
    return this.pos;
  }

  /** True once a read went past the end. */
  failed(): boolean {
    return this.failed_;
  }
}

/** Writes bit fields into a fixed-capacity buffer (tests build delta payloads with it). */
export class BitWriter {
  private readonly buf: Uint8Array;
  private bits_ = 0;
  private overflowed_ = false;

  constructor(capacityBytes = 4096) {
    this.buf = new Uint8Array(capacityBytes);
  }

  /**
   * Appends the low `nbits` bits of `value` (0 <= nbits <= 32; higher bits are ignored). If they
   * do not fit, nothing is written and overflowed() becomes true; every later write is ignored.
   */
  write(value: number, nbits: number): void {
    checkWidth(nbits);
    if (nbits <= 0 || this.overflowed_) {
      return;
    }
    if (nbits > this.buf.length * 8 - this.bits_) {
      this.overflowed_ = true;
      return;
    }
    // Work on the low 32 bits as an unsigned number (negative deltas arrive as negative numbers).
    let v = (nbits === 32 ? value >>> 0 : (value >>> 0) % 2 ** nbits) >>> 0;
    let left = nbits;
    let pos = this.bits_;
    while (left > 0) {
      const index = pos >>> 3;
      const shift = pos & 7;
      const take = Math.min(8 - shift, left);
      const chunk = v & ((1 << take) - 1);
      const keep = (this.buf[index] ?? 0) & ((1 << shift) - 1); // bits above the stream end are 0
      this.buf[index] = keep | (chunk << shift);
      v = Math.floor(v / 2 ** take);
      left -= take;
      pos += take;
    }
    this.bits_ = pos;
  }

  /** Bits written so far. */
  bits(): number {
    return this.bits_;
  }

  /** True once a write did not fit. */
  overflowed(): boolean {
    return this.overflowed_;
  }

  /** A copy of the bytes written so far (bits rounded up to whole bytes; padding bits are 0). */
  bytes(): Uint8Array {
    return this.buf.slice(0, (this.bits_ + 7) >>> 3);
  }
}
