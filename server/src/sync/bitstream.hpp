#pragma once
// Bit-level writer and reader over caller-provided bytes, for the snapshot delta codec. Neither
// allocates: the writer fills a span the caller owns (a packet buffer), the reader walks a span it
// does not own. Both are bounded: the writer refuses a write that does not fit (and every write
// after it), the reader returns 0 past the end; each remembers that it happened, so the codec checks
// once per record instead of once per field.
//
// Bit order (LSB-first, as Quake 3's msg.c and the TypeScript client): bit i of the stream is bit
// (i % 8) of byte i / 8, and a value's bits go out least significant first.
//
//   write(0b101, 3); write(0b11, 2);
//
//   byte 0:  bit 7 6 5 4 3 2 1 0
//                0 0 0 1 1 1 0 1      = 0x1d  (the bits above bits() are written as 0)
//                      \_/ \___/
//                    0b11   0b101

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace mgs::sync {

/// Writes bit fields into a byte span. The span need not be zeroed: every byte the writer touches
/// is fully defined (bits above bits() in the last byte are 0). Not thread-safe; cheap to copy.
class BitWriter {
public:
    /// Writes into `buffer` (capacity buffer.size() * 8 bits).
    explicit BitWriter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}

    /// Appends the low `nbits` bits of `value` (0 <= nbits <= 32; higher bits of value are
    /// ignored). If they do not fit, nothing is written and overflowed() becomes true; once
    /// overflowed, every later write is ignored too, so the stream is always a valid prefix.
    void write(std::uint32_t value, int nbits) noexcept {
        assert(nbits <= 32);
        if (nbits <= 0 || overflow_) {
            return;
        }
        if (static_cast<std::size_t>(nbits) > buf_.size() * 8 - bits_) {
            overflow_ = true;
            return;
        }
        const std::size_t byte = bits_ >> 3;
        const unsigned shift = static_cast<unsigned>(bits_ & 7);
        const std::uint64_t masked = value & ((std::uint64_t{1} << nbits) - 1);
        const std::uint64_t v = masked << shift;
        buf_[byte] = static_cast<std::uint8_t>((buf_[byte] & ((1u << shift) - 1u)) | (v & 0xffu));
        const std::size_t end_bit = shift + static_cast<std::size_t>(nbits); // 1 .. 39
        for (std::size_t i = 1; i * 8 < end_bit; ++i) {
            buf_[byte + i] = static_cast<std::uint8_t>(v >> (8 * i));
        }
        bits_ += static_cast<std::size_t>(nbits);
    }

    /// True if `nbits` more bits fit (and nothing overflowed yet).
    [[nodiscard]] bool fits(std::size_t nbits) const noexcept {
        return !overflow_ && nbits <= buf_.size() * 8 - bits_;
    }

    /// Bits written so far.
    [[nodiscard]] std::size_t bits() const noexcept { return bits_; }
    /// Bytes holding the bits written so far (bits() rounded up to whole bytes).
    [[nodiscard]] std::size_t bytes() const noexcept { return (bits_ + 7) / 8; }
    /// The bytes written so far: the first bytes() bytes of the buffer.
    [[nodiscard]] std::span<const std::uint8_t> data() const noexcept { return buf_.first(bytes()); }
    /// Capacity in bits.
    [[nodiscard]] std::size_t capacity_bits() const noexcept { return buf_.size() * 8; }
    /// True once a write did not fit.
    [[nodiscard]] bool overflowed() const noexcept { return overflow_; }
    /// Forgets everything written (same buffer); clears overflowed().
    void reset() noexcept {
        bits_ = 0;
        overflow_ = false;
    }

private:
    friend class BitAppender;

    std::span<std::uint8_t> buf_;
    std::size_t bits_ = 0;
    bool overflow_ = false;
};

/// Appends to a BitWriter a run of bits whose exact length the caller worked out beforehand and
/// reserved: no bounds or overflow check per value, bits gathered in a 64-bit accumulator that goes
/// to memory a whole word at a time. For encoders that know their output size (the snapshot path
/// of sync::ClientView). The bits are those BitWriter::write would produce for the same values.
///
///   acc_ (the bits not stored yet)    bit 63 ..................... used_ .... 0
///                                             (zero)                  | pending |
///   memory: whole words from the starting byte of the writer; the last partial word in finish().
///
/// Not thread-safe; one at a time per writer, and the writer must not be used until finish().
class BitAppender {
public:
    /// Starts at w.bits(). Preconditions (asserted in debug builds): w.fits(reserved_bits), and
    /// the values put add up to at most reserved_bits (then nothing is stored past them).
    BitAppender(BitWriter& w, std::size_t reserved_bits) noexcept
        : w_(w), p_(w.buf_.data() + (w.bits_ >> 3)), used_(static_cast<unsigned>(w.bits_ & 7)),
          start_bits_(w.bits_ - used_), reserved_(reserved_bits) {
        assert(w.fits(reserved_bits));
        // The bits already written in the first byte (those above are 0 or garbage: dropped).
        acc_ = used_ == 0 ? 0 : *p_ & ((1u << used_) - 1u);
    }
    BitAppender(const BitAppender&) = delete;
    BitAppender& operator=(const BitAppender&) = delete;
    ~BitAppender() = default;

    /// Appends the low `nbits` bits of `value` (0 <= nbits <= 64). Precondition: the bits of
    /// `value` above `nbits` are 0 (unlike BitWriter::write, nothing is masked here).
    void put(std::uint64_t value, unsigned nbits) noexcept {
        assert(nbits <= 64 && (nbits == 64 || (value >> nbits) == 0));
        acc_ |= value << used_; // used_ < 64
        const unsigned total = used_ + nbits;
        if (total < 64) {
            used_ = total;
            return;
        }
        store_word();
        // The bits of value that did not fit; (value >> 1) >> (63 - used_) is value >> (64 -
        // used_) without the undefined shift by 64 when used_ is 0.
        acc_ = (value >> 1) >> (63 - used_);
        used_ = total - 64;
    }

    /// Stores what is pending and advances the writer by the bits appended. Call once, last.
    void finish() noexcept {
        const std::size_t bytes = (used_ + 7) / 8;
        for (std::size_t i = 0; i < bytes; ++i) {
            p_[i] = static_cast<std::uint8_t>(acc_ >> (8 * i));
        }
        const std::size_t end = start_bits_ + written_ * 8 + used_;
        assert(end - w_.bits_ <= reserved_);
        (void)reserved_;
        w_.bits_ = end;
    }

private:
    void store_word() noexcept {
        if constexpr (std::endian::native == std::endian::little) {
            std::memcpy(p_, &acc_, 8);
        } else {
            for (std::size_t i = 0; i < 8; ++i) {
                p_[i] = static_cast<std::uint8_t>(acc_ >> (8 * i));
            }
        }
        p_ += 8;
        written_ += 8;
    }

    BitWriter& w_;
    std::uint8_t* p_;         // where the accumulator's first byte goes
    unsigned used_;           // bits pending in acc_, 0 .. 63
    std::size_t start_bits_;  // bit position of p_ when constructed (a byte boundary)
    std::size_t reserved_;    // what the caller reserved (checked by asserts)
    std::size_t written_ = 0; // bytes stored as whole words
    std::uint64_t acc_ = 0;
};

/// Reads bit fields written by BitWriter. Never reads outside its span. Not thread-safe.
class BitReader {
public:
    /// Reads all bits of `bytes`.
    explicit BitReader(std::span<const std::uint8_t> bytes) noexcept
        : buf_(bytes), size_bits_(bytes.size() * 8) {}
    /// Reads only the first `bit_count` bits of `bytes` (clamped to bytes.size() * 8).
    BitReader(std::span<const std::uint8_t> bytes, std::size_t bit_count) noexcept
        : buf_(bytes), size_bits_(bit_count < bytes.size() * 8 ? bit_count : bytes.size() * 8) {}

    /// The next `nbits` bits (0 <= nbits <= 32) as an unsigned value. Past the end, returns 0,
    /// consumes nothing and sets failed(); once failed, every later read returns 0.
    [[nodiscard]] std::uint32_t read(int nbits) noexcept {
        assert(nbits <= 32);
        if (nbits <= 0 || failed_) {
            return 0;
        }
        if (static_cast<std::size_t>(nbits) > size_bits_ - pos_) {
            failed_ = true;
            return 0;
        }
        const std::size_t byte = pos_ >> 3;
        const unsigned shift = static_cast<unsigned>(pos_ & 7);
        const std::size_t end_bit = shift + static_cast<std::size_t>(nbits); // 1 .. 39
        std::uint64_t v = buf_[byte];
        for (std::size_t i = 1; i * 8 < end_bit; ++i) {
            v |= static_cast<std::uint64_t>(buf_[byte + i]) << (8 * i);
        }
        pos_ += static_cast<std::size_t>(nbits);
        return static_cast<std::uint32_t>((v >> shift) & ((std::uint64_t{1} << nbits) - 1));
    }

    /// Bits not read yet.
    [[nodiscard]] std::size_t bits_left() const noexcept { return size_bits_ - pos_; }
    /// Bits read so far.
    [[nodiscard]] std::size_t bits_read() const noexcept { return pos_; }
    /// True once a read went past the end.
    [[nodiscard]] bool failed() const noexcept { return failed_; }

private:
    std::span<const std::uint8_t> buf_;
    std::size_t size_bits_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

} // namespace mgs::sync
