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
// The decoded view is the kept and changed baseline entries plus the new ones, sorted by local
// id. Costs: unchanged entity 1 bit; removed 4; player moving in x and y by less than 128/8 wu
// 2+8+8 = 18, and turning a little too 3+8+8+5 = 24; a full snapshot 11 bits + per entity 13 +
// sum of its field widths (player 98, projectile 76, pickup 30, wall 38, flag 52).

#include "sync/bitstream.hpp"
#include "sync/entity.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace mgs::sync {

/// Exact bits of the section A record of an entry that changed from `before` to `after` (same
/// kind; 1 if equal), and of a section B record for a new entity. Used by the views to fill
/// their byte budget exactly.
[[nodiscard]] std::uint32_t delta_cost(const QEntity& before, const QEntity& after) noexcept;
[[nodiscard]] std::uint32_t new_entry_cost(const QEntity& e) noexcept;

/// One entity of a client's view. A view is sorted by local_id, ids unique.
struct ViewEntry {
    std::uint16_t local_id;
    QEntity entity;
    friend bool operator==(const ViewEntry&, const ViewEntry&) = default;
};

inline constexpr int kLocalIdBits = 10; ///< at most 1024 entities in one view
inline constexpr std::size_t kMaxViewEntries = std::size_t{1} << kLocalIdBits;
inline constexpr int kKindBits = 3;

/// A ViewEntry in 16 bytes (a ViewEntry is 56): the local id (10 bits), the kind (3 bits) and
/// each field of the kind's table at its width, low bits first. What a server remembers of the
/// snapshots it sent, so that a client's ring costs a quarter as much. Every kind's fields fit
/// (the widest, a player, takes 85 of the 115 bits left).
struct PackedEntry {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    friend bool operator==(const PackedEntry&, const PackedEntry&) = default;
};

/// Packs `e` (its fields within their widths, unused fields 0, as encode_delta requires; wider
/// values are cut to their width). Thread-safe (pure).
[[nodiscard]] PackedEntry pack_entry(const ViewEntry& e) noexcept;
/// The entry pack_entry() packed. Thread-safe (pure).
[[nodiscard]] ViewEntry unpack_entry(const PackedEntry& p) noexcept;

/// Encodes `current` against `baseline` (empty baseline = full snapshot), appending to `out`.
/// Both must be sorted by local id, ids unique and < 1024. Precondition (the caller guarantees
/// it): a local id present in both has the same kind; a local id new in `current` is absent from
/// `baseline`. Returns false if the writer overflowed, or if the input breaks those rules or holds
/// an entity that cannot be encoded (bad kind, a field wider than its table width, unused fields
/// not 0); the bits written are then meaningless (out.overflowed() tells the two apart). Allocates
/// nothing. Thread-safe (pure).
bool encode_delta(std::span<const ViewEntry> baseline, std::span<const ViewEntry> current,
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
