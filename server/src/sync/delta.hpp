#pragma once
// Snapshot delta codec (Quake 3 model): a client's view is encoded against the view it last
// acknowledged, so an entity that did not change costs 1 bit and a moving player 18 bits. The
// field tables of entity.hpp drive both directions; nothing here allocates except decode_delta's
// output vector, whose capacity is reused from snapshot to snapshot.
//
// Wire format (bit stream of bitstream.hpp: LSB-first, a value's low bit first; "u(n)" is an
// n-bit unsigned value, "s(n)" an n-bit two's-complement value). A view is a list of entries
// sorted by local id (10 bits, unique), each a kind and its fields.
//
//   snapshot := section_a section_b                          (then zero padding to a byte)
//
//   section_a: one record per BASELINE entry, in local-id order (no ids: the reader knows them),
//   each starting with a prefix code:
//     0         unchanged: the entry is kept as it was                                  (1 bit)
//     1 0       changed, compact, common mask 0 of its kind: the mask's fields follow
//     1 1 0     changed, compact, common mask 1 of its kind: the mask's fields follow
//     1 1 1 0   changed, explicit: mask u(nfields) (bit k = field k), then the mask's fields
//     1 1 1 1   removed: the entry leaves the view
//   Common masks: player {x,y} {x,y,aim}; pickup {available} -; wall {health} -;
//   flag {x,y} {state}; projectile - - ("-" = none: that prefix is invalid for the kind).
//   Fields of a mask, in table order:
//     compact:   delta_bits > 0: | s(delta_bits) = new - old |   (the encoder uses the compact
//                delta_bits == 0: | u(bits) = new |               form only when every delta fits)
//     explicit:  delta_bits > 0 and new - old fits s(delta_bits): | 1 | s(delta_bits) = new - old |
//                delta_bits > 0 otherwise:                        | 0 | u(bits) = new             |
//                delta_bits == 0:                                 | u(bits) = new |
//
//   section_b: the entries new in the view (none may be in the baseline), ids strictly increasing
//     +-------------+----------+-----------+-------------------------------------+---------
//     | count u(11) | id u(10) | kind u(3) | every field u(bits), in table order | id ...   (count
//     +-------------+----------+-----------+-------------------------------------+---------  times)
//     count is 0 .. 1024.
//
//   Example: a player whose x grew by 5 and y fell by 3, nothing else (18 bits, stream order):
//     1 0  10100000  10111111
//     \_/  \______/  \______/
//     compact  +5 s(8)   -3 s(8)
//     mask 0 ({x,y})
//
//   kind: 0 player, 1 projectile, 2 pickup, 3 wall, 4 flag. Field tables (bits / delta_bits):
//     player      x 18/8  y 18/8  aim 8/5  health 7/4  shield 6/0  weapon 3/0  team 2/0
//                 status 7/0  id 16/0                                          (9 fields)
//     projectile  x 18/0  y 18/0  angle 8/0  weapon 3/0  spawn_tick 16/0       (5 fields)
//     pickup      index 16/0  available 1/0                                    (2 fields)
//     wall        index 16/0  health 9/6                                       (2 fields)
//     flag        x 18/8  y 18/8  team 1/0  state 2/0                          (4 fields)
//
// Two encoders write this format: encode_delta, the reference, validates its input (sorted
// unique ids, encodable entities, kinds that match) and is what tests, tools and fuzzers use;
// the trusted path (delta_record, put_record, put_new_entry through a BitAppender, or
// encode_delta_packed) takes packed entries it does not check and writes the same bits at a
// fraction of the cost: it is what ClientView::snapshot uses. The tests hold the two to the same
// bits on random, extreme and real views.
//
// The decoded view is the kept and changed baseline entries plus the new ones, sorted by local
// id. Costs: unchanged entity 1 bit; removed 4; player moving in x and y by less than 128/8 wu
// 2+8+8 = 18, and turning a little too 3+8+8+5 = 24; a full snapshot 11 bits + per entity 13 +
// sum of its field widths (player 98, projectile 76, pickup 30, wall 38, flag 52).

#include "sync/bitstream.hpp"
#include "sync/entity.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace mgs::sync {

inline constexpr int kLocalIdBits = 10; ///< at most 1024 entities in one view
inline constexpr std::size_t kMaxViewEntries = std::size_t{1} << kLocalIdBits;
inline constexpr int kKindBits = 3;

/// Exact bits of the section A record of an entry that changed from `before` to `after` (same
/// kind; 1 if equal), and of a section B record for a new entity. (The views work on packed
/// entries: delta_record and new_entry_bits give them the same numbers.)
[[nodiscard]] std::uint32_t delta_cost(const QEntity& before, const QEntity& after) noexcept;
[[nodiscard]] std::uint32_t new_entry_cost(const QEntity& e) noexcept;

/// One entity of a client's view. A view is sorted by local_id, ids unique.
struct ViewEntry {
    std::uint16_t local_id;
    QEntity entity;
    friend bool operator==(const ViewEntry&, const ViewEntry&) = default;
};

/// A ViewEntry in 16 bytes (a ViewEntry is 56): the local id (10 bits), the kind (3 bits) and
/// each field of the kind's table at its width, low bits first. What a server remembers of the
/// snapshots it sent, so that a client's ring costs a quarter as much. Every kind's fields fit
/// (the widest, a player, takes 85 of the 115 bits left).
///
/// This is also the layout of a section B entry (id u(10), kind u(3), every field u(bits)): the
/// entry on the wire is the low new_entry_bits(kind) bits of lo, then hi (the bits above are 0).
///
///   bit  0        10     13                                        13 + field widths     127
///        | local id | kind | field 0 | field 1 | ... | last field |          0            |
/// Trivial (no member initialisers: write PackedEntry{} for a zero one), so that vectors of them
/// are copied and grown with memmove and memset.
struct PackedEntry {
    std::uint64_t lo;
    std::uint64_t hi;
    /// The local id (bits 0-9).
    [[nodiscard]] constexpr std::uint16_t local_id() const noexcept {
        return static_cast<std::uint16_t>(lo & ((std::uint64_t{1} << kLocalIdBits) - 1));
    }
    /// The kind (bits 10-12).
    [[nodiscard]] constexpr EntityKind kind() const noexcept {
        return static_cast<EntityKind>((lo >> kLocalIdBits) & ((std::uint64_t{1} << kKindBits) - 1));
    }
    /// The same entry under local id `local` (< 1024).
    [[nodiscard]] constexpr PackedEntry with_local_id(std::uint16_t local) const noexcept {
        return {(lo & ~((std::uint64_t{1} << kLocalIdBits) - 1)) | local, hi};
    }
    friend bool operator==(const PackedEntry&, const PackedEntry&) = default;
};
static_assert(std::is_trivial_v<PackedEntry> && sizeof(PackedEntry) == 16);

/// Packs `e` (its fields within their widths, unused fields 0, as encode_delta requires; wider
/// values are cut to their width). Thread-safe (pure).
[[nodiscard]] PackedEntry pack_entry(const ViewEntry& e) noexcept;
/// The entry pack_entry() packed. Thread-safe (pure).
[[nodiscard]] ViewEntry unpack_entry(const PackedEntry& p) noexcept;
/// Field `field` of the entry's kind table (0 past the table), without unpacking the rest.
[[nodiscard]] std::uint32_t packed_field(const PackedEntry& p, std::size_t field) noexcept;

/// True if encode_delta can send `e` so that decode_delta rebuilds it exactly: a valid kind, every
/// field within its width, unused fields 0 (then pack_entry loses nothing). Thread-safe (pure).
[[nodiscard]] bool encodable(const QEntity& e) noexcept;

namespace detail {
template <const auto& Table> constexpr std::uint32_t new_entry_bits_of() noexcept {
    std::uint32_t bits = kLocalIdBits + kKindBits;
    for (const FieldSpec& f : Table) {
        bits += f.bits;
    }
    return bits;
}
inline constexpr std::array<std::uint32_t, 8> kNewEntryBits{new_entry_bits_of<kPlayerFields>(),
                                                            new_entry_bits_of<kProjectileFields>(),
                                                            new_entry_bits_of<kPickupFields>(),
                                                            new_entry_bits_of<kWallFields>(),
                                                            new_entry_bits_of<kFlagFields>(),
                                                            0,
                                                            0,
                                                            0};
} // namespace detail

/// Bits of a section B entry of `kind` (new_entry_cost of any entity of that kind; 0 for a kind
/// that does not exist).
[[nodiscard]] constexpr std::uint32_t new_entry_bits(EntityKind kind) noexcept {
    return detail::kNewEntryBits[static_cast<std::size_t>(kind) & 7u];
}

/// A section A record as it goes on the wire: `bits` bits, the first one bit 0 of lo, bits 64 and
/// up in hi (bits above `bits` are 0). At most 102 bits (an explicit record of a player).
struct DeltaRecord {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::uint32_t bits = 0;
};

/// The section A record encode_delta writes for an entry that went from `before` to `after`: `0`
/// (1 bit) if they are equal, else the compact or explicit record; bits == delta_cost of the
/// unpacked entries. Trusted: both packed from encodable entities of the same kind (local ids are
/// ignored); nothing is checked. Thread-safe (pure).
[[nodiscard]] DeltaRecord delta_record(const PackedEntry& before, const PackedEntry& after) noexcept;

/// Appends a record (delta_record) to a snapshot being written without checks.
inline void put_record(BitAppender& out, const DeltaRecord& r) noexcept {
    if (r.bits <= 64) {
        out.put(r.lo, r.bits);
    } else {
        out.put(r.lo, 64);
        out.put(r.hi, r.bits - 64);
    }
}
/// Appends the section B entry of `p` (new_entry_bits(p.kind()) bits) without checks.
inline void put_new_entry(BitAppender& out, const PackedEntry& p) noexcept {
    const std::uint32_t bits = new_entry_bits(p.kind());
    if (bits <= 64) {
        out.put(p.lo, bits);
    } else {
        out.put(p.lo, 64);
        out.put(p.hi, bits - 64);
    }
}
/// Section A prefixes that are not records of a change, and the width of section B's count.
inline constexpr std::uint32_t kRecordRemoved = 0b1111; ///< | 1 | 1 | 1 | 1 |, 4 bits
inline constexpr int kRecordRemovedBits = 4;
inline constexpr int kNewCountBits = kLocalIdBits + 1;

/// Encodes `current` against `baseline` (empty baseline = full snapshot), appending to `out`.
/// Both must be sorted by local id, ids unique and < 1024. Precondition (the caller guarantees
/// it): a local id present in both has the same kind; a local id new in `current` is absent from
/// `baseline`. Returns false if the writer overflowed, or if the input breaks those rules or holds
/// an entity that cannot be encoded (bad kind, a field wider than its table width, unused fields
/// not 0); the bits written are then meaningless (out.overflowed() tells the two apart). Allocates
/// nothing. Thread-safe (pure).
bool encode_delta(std::span<const ViewEntry> baseline, std::span<const ViewEntry> current,
                  BitWriter& out) noexcept;

/// encode_delta for packed views the caller vouches for (the trusted path, no validation): both
/// sorted by local id, ids unique, every entry packed from an encodable entity, and a local id in
/// both of the same kind. Then it writes exactly the bits encode_delta writes for the unpacked
/// views and returns true; if they do not fit in `out`, it writes nothing and returns false
/// (encode_delta would write a prefix and flag the overflow: on false, both leave meaningless
/// bits). Two passes (the size, then the bits through a BitAppender). Thread-safe (pure).
bool encode_delta_packed(std::span<const PackedEntry> baseline, std::span<const PackedEntry> current,
                         BitWriter& out) noexcept;

/// Decodes a snapshot written by encode_delta against the same `baseline` (sorted, unique ids, as
/// decode_delta produces) into `out` (cleared; capacity reused). Returns false on malformed input:
/// a read past the end, a bad kind, duplicate or unsorted new ids, a new id present in the
/// baseline, a delta leaving a field's range, more than 1024 entries. Never reads outside the
/// input; on false, the content of `out` is unspecified. On true, `out` is a valid view
/// (sorted, unique ids < 1024, every field within its width, unused fields 0). Trailing bits after
/// section B are ignored (byte padding). Thread-safe (pure).
[[nodiscard]] bool decode_delta(std::span<const ViewEntry> baseline, BitReader& in,
                                std::vector<ViewEntry>& out);

} // namespace mgs::sync
