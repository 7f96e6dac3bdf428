#include "sync/delta.hpp"

#include <array>
#include <iterator>
#include <utility>

namespace mgs::sync {
namespace {

constexpr int kCountBits = kLocalIdBits + 1;
// Smallest new entry on the wire (id, kind, pickup fields): bounds a count before trusting it.
constexpr std::size_t kMinNewEntryBits = kLocalIdBits + kKindBits + 16 + 1;

[[nodiscard]] constexpr std::uint32_t low_mask(int nbits) noexcept {
    return static_cast<std::uint32_t>((std::uint64_t{1} << nbits) - 1);
}

[[nodiscard]] constexpr bool valid_kind(std::uint32_t kind) noexcept {
    return kind < static_cast<std::uint32_t>(EntityKind::Count);
}

/// True if encode_delta can send `e` so that decode_delta rebuilds it exactly.
[[nodiscard]] bool encodable(const ViewEntry& e) noexcept {
    if (e.local_id >= kMaxViewEntries || !valid_kind(static_cast<std::uint32_t>(e.entity.kind))) {
        return false;
    }
    const std::span<const FieldSpec> spec = fields(e.entity.kind);
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if ((e.entity.f[i] & ~low_mask(spec[i].bits)) != 0) {
            return false;
        }
    }
    for (std::size_t i = spec.size(); i < kMaxFields; ++i) {
        if (e.entity.f[i] != 0) {
            return false;
        }
    }
    return true;
}

[[nodiscard]] bool sorted_unique(std::span<const ViewEntry> view) noexcept {
    for (std::size_t i = 1; i < view.size(); ++i) {
        if (view[i - 1].local_id >= view[i].local_id) {
            return false;
        }
    }
    return true;
}

constexpr std::uint32_t kExplicit = 2;
// Record prefixes as written (LSB first: the first bit on the wire is the value's low bit).
constexpr std::uint32_t kPrefixCommon0 = 0b01;    // 1 0
constexpr std::uint32_t kPrefixCommon1 = 0b011;   // 1 1 0
constexpr std::uint32_t kPrefixExplicit = 0b0111; // 1 1 1 0
constexpr std::uint32_t kPrefixRemoved = 0b1111;  // 1 1 1 1
constexpr std::array<int, 3> kPrefixBits{2, 3, 4};
constexpr std::array<std::uint32_t, 3> kPrefixes{kPrefixCommon0, kPrefixCommon1, kPrefixExplicit};

/// The two common change masks of each kind (0 = none), indexed by kind.
constexpr std::array<std::array<std::uint32_t, 2>, static_cast<std::size_t>(EntityKind::Count)> kCommonMasks{{
    {(1u << kPlayerX) | (1u << kPlayerY), (1u << kPlayerX) | (1u << kPlayerY) | (1u << kPlayerAim)},
    {0, 0},
    {1u << kPickupAvailable, 0},
    {1u << kWallHealth, 0},
    {(1u << kFlagX) | (1u << kFlagY), 1u << kFlagState},
}};

std::uint32_t change_mask(const QEntity& before, const QEntity& after, std::size_t nfields) noexcept {
    std::uint32_t mask = 0;
    for (std::size_t i = 0; i < nfields; ++i) {
        if (before.f[i] != after.f[i]) {
            mask |= 1u << i;
        }
    }
    return mask;
}

/// True if every delta-coded field of `mask` changed by an amount that fits its delta width
/// (then a common mask can be sent in the compact form, without per-field flags).
bool compact_fits(std::span<const FieldSpec> spec, const QEntity& before, const QEntity& after,
                  std::uint32_t mask) noexcept {
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if ((mask >> i & 1u) == 0 || spec[i].delta_bits == 0) {
            continue;
        }
        const std::int64_t d = static_cast<std::int64_t>(after.f[i]) - before.f[i];
        const std::int64_t lim = std::int64_t{1} << (spec[i].delta_bits - 1);
        if (d < -lim || d >= lim) {
            return false;
        }
    }
    return true;
}

/// Which record form a change takes: 0 or 1 = compact with that common mask, 2 = explicit.
std::uint32_t form_of(std::span<const FieldSpec> spec, const QEntity& before, const QEntity& after,
                      std::uint32_t mask) noexcept {
    const auto& common = kCommonMasks[static_cast<std::size_t>(after.kind)];
    for (std::uint32_t k = 0; k < 2; ++k) {
        if (common[k] != 0 && mask == common[k] && compact_fits(spec, before, after, mask)) {
            return k;
        }
    }
    return kExplicit;
}

/// Bits of one changed field (its flag bit included).
std::uint32_t field_bits(const FieldSpec& fs, std::uint32_t before, std::uint32_t after) noexcept {
    if (fs.delta_bits == 0) {
        return fs.bits;
    }
    const std::int64_t d = static_cast<std::int64_t>(after) - before;
    const std::int64_t lim = std::int64_t{1} << (fs.delta_bits - 1);
    return 1u + ((d >= -lim && d < lim) ? fs.delta_bits : fs.bits);
}

/// Section A record of an entry present in both views: `0`, a compact record with a common
/// mask, or an explicit one.
void write_record(const QEntity& before, const QEntity& after, BitWriter& out) noexcept {
    const std::span<const FieldSpec> spec = fields(after.kind);
    const int nfields = static_cast<int>(spec.size());
    const std::uint32_t mask = change_mask(before, after, spec.size());
    if (mask == 0) {
        out.write(0, 1);
        return;
    }
    const std::uint32_t form = form_of(spec, before, after, mask);
    out.write(kPrefixes[form], kPrefixBits[form]);
    if (form == kExplicit) {
        out.write(mask, nfields);
    }
    for (int i = 0; i < nfields; ++i) {
        if ((mask >> i & 1u) == 0) {
            continue;
        }
        const FieldSpec& fs = spec[static_cast<std::size_t>(i)];
        const std::uint32_t now = after.f[static_cast<std::size_t>(i)];
        if (fs.delta_bits == 0) {
            out.write(now, fs.bits);
            continue;
        }
        const std::int64_t d = static_cast<std::int64_t>(now) - before.f[static_cast<std::size_t>(i)];
        const std::uint32_t raw = static_cast<std::uint32_t>(d) & low_mask(fs.delta_bits);
        if (form != kExplicit) {
            out.write(raw, fs.delta_bits); // compact: the delta alone (it fits)
            continue;
        }
        const std::int64_t lim = std::int64_t{1} << (fs.delta_bits - 1);
        if (d >= -lim && d < lim) {
            out.write(1u | (raw << 1), 1 + fs.delta_bits); // | 1 | s(delta_bits) |
        } else {
            out.write(now << 1, 1 + fs.bits); // | 0 | u(bits) |
        }
    }
}

void write_new(const ViewEntry& e, BitWriter& out) noexcept {
    out.write(e.local_id | (static_cast<std::uint32_t>(e.entity.kind) << kLocalIdBits),
              kLocalIdBits + kKindBits);
    const std::span<const FieldSpec> spec = fields(e.entity.kind);
    for (std::size_t i = 0; i < spec.size(); ++i) {
        out.write(e.entity.f[i], spec[i].bits);
    }
}

[[nodiscard]] std::int64_t sign_extend(std::uint32_t raw, int nbits) noexcept {
    const std::uint32_t sign = 1u << (nbits - 1);
    return static_cast<std::int64_t>(raw ^ sign) - static_cast<std::int64_t>(sign);
}

} // namespace

std::uint32_t delta_cost(const QEntity& before, const QEntity& after) noexcept {
    const std::span<const FieldSpec> spec = fields(after.kind);
    const std::uint32_t mask = change_mask(before, after, spec.size());
    if (mask == 0) {
        return 1;
    }
    const std::uint32_t form = form_of(spec, before, after, mask);
    auto bits = static_cast<std::uint32_t>(kPrefixBits[form]);
    if (form == kExplicit) {
        bits += static_cast<std::uint32_t>(spec.size());
    }
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if ((mask >> i & 1u) == 0) {
            continue;
        }
        bits += form == kExplicit ? field_bits(spec[i], before.f[i], after.f[i])
                                  : (spec[i].delta_bits > 0 ? spec[i].delta_bits : spec[i].bits);
    }
    return bits;
}

std::uint32_t new_entry_cost(const QEntity& e) noexcept {
    std::uint32_t bits = kLocalIdBits + kKindBits;
    for (const FieldSpec& f : fields(e.kind)) {
        bits += f.bits;
    }
    return bits;
}

bool encode_delta(std::span<const ViewEntry> baseline, std::span<const ViewEntry> current,
                  BitWriter& out) noexcept {
    if (current.size() > kMaxViewEntries || !sorted_unique(baseline) || !sorted_unique(current)) {
        return false;
    }
    for (const ViewEntry& c : current) {
        if (!encodable(c)) {
            return false;
        }
    }

    // Section A: walk both views in id order; current entries skipped here are the new ones.
    std::size_t j = 0;
    std::size_t matched = 0;
    for (const ViewEntry& b : baseline) {
        while (j < current.size() && current[j].local_id < b.local_id) {
            ++j;
        }
        if (j < current.size() && current[j].local_id == b.local_id) {
            if (current[j].entity.kind != b.entity.kind) {
                return false;
            }
            write_record(b.entity, current[j].entity, out);
            ++matched;
            ++j;
        } else {
            out.write(kPrefixRemoved, kPrefixBits[kExplicit]); // | 1 | 1 | 1 | 1 | removed
        }
    }

    // Section B: entries of `current` absent from `baseline`, in id order.
    out.write(static_cast<std::uint32_t>(current.size() - matched), kCountBits);
    std::size_t i = 0;
    for (const ViewEntry& c : current) {
        while (i < baseline.size() && baseline[i].local_id < c.local_id) {
            ++i;
        }
        if (i < baseline.size() && baseline[i].local_id == c.local_id) {
            continue;
        }
        write_new(c, out);
    }
    return !out.overflowed();
}

bool decode_delta(std::span<const ViewEntry> baseline, BitReader& in, std::vector<ViewEntry>& out) {
    out.clear();
    if (baseline.size() > kMaxViewEntries) {
        return false;
    }

    // Section A.
    for (const ViewEntry& b : baseline) {
        if (in.read(1) == 0) {
            if (in.failed()) {
                return false;
            }
            out.push_back(b); // unchanged
            continue;
        }
        // Prefix code: 1 0 = common mask 0, 1 1 0 = common mask 1, 1 1 1 0 = explicit,
        // 1 1 1 1 = removed.
        std::uint32_t form = 0;
        while (form < 3 && in.read(1) != 0) {
            ++form;
        }
        if (in.failed()) {
            return false;
        }
        if (form == 3) {
            continue; // removed
        }
        const std::span<const FieldSpec> spec = fields(b.entity.kind);
        if (spec.empty()) {
            return false; // not a baseline decode_delta could have produced
        }
        QEntity e = b.entity;
        const std::uint32_t mask = form == kExplicit
                                       ? in.read(static_cast<int>(spec.size()))
                                       : kCommonMasks[static_cast<std::size_t>(b.entity.kind)][form];
        if (mask == 0) {
            return false; // an unused common mask, or an explicit empty mask
        }
        for (std::size_t i = 0; i < spec.size(); ++i) {
            if ((mask >> i & 1u) == 0) {
                continue;
            }
            const FieldSpec& fs = spec[i];
            const bool delta = fs.delta_bits > 0 && (form != kExplicit || in.read(1) != 0);
            if (delta) {
                const std::int64_t v =
                    static_cast<std::int64_t>(e.f[i]) + sign_extend(in.read(fs.delta_bits), fs.delta_bits);
                if (v < 0 || v > static_cast<std::int64_t>(low_mask(fs.bits))) {
                    return false;
                }
                e.f[i] = static_cast<std::uint32_t>(v);
            } else {
                e.f[i] = in.read(fs.bits);
            }
        }
        if (in.failed()) {
            return false;
        }
        out.push_back({b.local_id, e});
    }

    // Section B.
    const std::size_t count = in.read(kCountBits);
    const std::size_t kept = out.size();
    if (in.failed() || count > kMaxViewEntries || kept + count > kMaxViewEntries ||
        count * kMinNewEntryBits > in.bits_left()) {
        return false;
    }
    if (count == 0) {
        return true;
    }
    // Merge in place without scratch memory: move the kept entries to the back, then fill from the
    // front, pulling kept entries forward ahead of each new id. The write index never passes the
    // read index because at most `count` new entries are written.
    out.resize(kept + count);
    for (std::size_t k = kept; k-- > 0;) {
        out[count + k] = out[k];
    }
    std::size_t w = 0;
    std::size_t r = count;
    std::size_t bi = 0;
    int prev_id = -1;
    for (std::size_t n = 0; n < count; ++n) {
        const std::uint32_t head = in.read(kLocalIdBits + kKindBits);
        const auto id = static_cast<std::uint16_t>(head & low_mask(kLocalIdBits));
        const std::uint32_t kind = head >> kLocalIdBits;
        if (in.failed() || static_cast<int>(id) <= prev_id || !valid_kind(kind)) {
            return false;
        }
        prev_id = id;
        while (bi < baseline.size() && baseline[bi].local_id < id) {
            ++bi;
        }
        if (bi < baseline.size() && baseline[bi].local_id == id) {
            return false; // a new id must be absent from the baseline
        }
        ViewEntry e{id, QEntity{static_cast<EntityKind>(kind), {}}};
        const std::span<const FieldSpec> spec = fields(e.entity.kind);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            e.entity.f[i] = in.read(spec[i].bits);
        }
        if (in.failed()) {
            return false;
        }
        while (r < out.size() && out[r].local_id < id) {
            out[w++] = out[r++];
        }
        out[w++] = e;
    }
    return true;
}

// 128 bits as one number: GCC and Clang have it on every 64-bit target we build for.
__extension__ using Bits128 = unsigned __int128;

namespace {

constexpr unsigned kPackedHeaderBits = kLocalIdBits + kKindBits;

/// Where each field of `Table` sits in a PackedEntry, known at compile time so that packing a
/// kind is straight-line code (a few shifts and masks per field, no table walk).
template <const auto& Table> constexpr auto packed_offsets() {
    std::array<unsigned, std::size(Table)> offsets{};
    unsigned shift = kPackedHeaderBits;
    for (std::size_t k = 0; k < std::size(Table); ++k) {
        offsets[k] = shift;
        shift += Table[k].bits;
    }
    return offsets;
}

template <const auto& Table> constexpr unsigned packed_bits() {
    unsigned bits = kPackedHeaderBits;
    for (const FieldSpec& f : Table) {
        bits += f.bits;
    }
    return bits;
}

static_assert(packed_bits<kPlayerFields>() <= 128 && packed_bits<kProjectileFields>() <= 128 &&
              packed_bits<kPickupFields>() <= 128 && packed_bits<kWallFields>() <= 128 &&
              packed_bits<kFlagFields>() <= 128);

constexpr std::uint32_t width_mask(unsigned bits) noexcept {
    return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
}

template <const auto& Table, std::size_t... I>
Bits128 pack_fields(const QEntity& q, std::index_sequence<I...> /*fields*/) noexcept {
    constexpr auto offsets = packed_offsets<Table>();
    return ((static_cast<Bits128>(q.f[I] & width_mask(Table[I].bits)) << offsets[I]) | ... | Bits128{0});
}

template <const auto& Table, std::size_t... I>
void unpack_fields(Bits128 v, QEntity& q, std::index_sequence<I...> /*fields*/) noexcept {
    constexpr auto offsets = packed_offsets<Table>();
    ((q.f[I] = static_cast<std::uint32_t>(v >> offsets[I]) & width_mask(Table[I].bits)), ...);
}

template <const auto& Table> Bits128 pack_kind(const QEntity& q) noexcept {
    return pack_fields<Table>(q, std::make_index_sequence<std::size(Table)>{});
}

template <const auto& Table> void unpack_kind(Bits128 v, QEntity& q) noexcept {
    unpack_fields<Table>(v, q, std::make_index_sequence<std::size(Table)>{});
}

} // namespace

PackedEntry pack_entry(const ViewEntry& e) noexcept {
    Bits128 v = e.local_id & ((1u << kLocalIdBits) - 1);
    v |= static_cast<Bits128>(static_cast<std::uint32_t>(e.entity.kind) & ((1u << kKindBits) - 1))
         << kLocalIdBits;
    switch (e.entity.kind) {
    case EntityKind::Player:
        v |= pack_kind<kPlayerFields>(e.entity);
        break;
    case EntityKind::Projectile:
        v |= pack_kind<kProjectileFields>(e.entity);
        break;
    case EntityKind::Pickup:
        v |= pack_kind<kPickupFields>(e.entity);
        break;
    case EntityKind::Wall:
        v |= pack_kind<kWallFields>(e.entity);
        break;
    case EntityKind::Flag:
        v |= pack_kind<kFlagFields>(e.entity);
        break;
    case EntityKind::Count:
        break;
    }
    return {static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(v >> 64)};
}

ViewEntry unpack_entry(const PackedEntry& p) noexcept {
    const Bits128 v = static_cast<Bits128>(p.hi) << 64 | p.lo;
    ViewEntry e{};
    e.local_id = static_cast<std::uint16_t>(v & ((1u << kLocalIdBits) - 1));
    e.entity.kind =
        static_cast<EntityKind>(static_cast<std::uint32_t>(v >> kLocalIdBits) & ((1u << kKindBits) - 1));
    switch (e.entity.kind) {
    case EntityKind::Player:
        unpack_kind<kPlayerFields>(v, e.entity);
        break;
    case EntityKind::Projectile:
        unpack_kind<kProjectileFields>(v, e.entity);
        break;
    case EntityKind::Pickup:
        unpack_kind<kPickupFields>(v, e.entity);
        break;
    case EntityKind::Wall:
        unpack_kind<kWallFields>(v, e.entity);
        break;
    case EntityKind::Flag:
        unpack_kind<kFlagFields>(v, e.entity);
        break;
    case EntityKind::Count:
        break;
    }
    return e;
}

} // namespace mgs::sync
