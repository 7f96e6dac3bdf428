#include "sync/delta.hpp"

#include <array>
#include <bit>
#include <cassert>
#include <iterator>
#include <utility>

namespace mgs::sync {
namespace {

constexpr int kCountBits = kNewCountBits;
// Smallest new entry on the wire (id, kind, pickup fields): bounds a count before trusting it.
constexpr std::size_t kMinNewEntryBits = kLocalIdBits + kKindBits + 16 + 1;

[[nodiscard]] constexpr std::uint32_t low_mask(int nbits) noexcept {
    return static_cast<std::uint32_t>((std::uint64_t{1} << nbits) - 1);
}

[[nodiscard]] constexpr bool valid_kind(std::uint32_t kind) noexcept {
    return kind < static_cast<std::uint32_t>(EntityKind::Count);
}

[[nodiscard]] bool encodable_entry(const ViewEntry& e) noexcept {
    return e.local_id < kMaxViewEntries && encodable(e.entity);
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

bool encodable(const QEntity& e) noexcept {
    if (!valid_kind(static_cast<std::uint32_t>(e.kind))) {
        return false;
    }
    const std::span<const FieldSpec> spec = fields(e.kind);
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if ((e.f[i] & ~low_mask(spec[i].bits)) != 0) {
            return false;
        }
    }
    for (std::size_t i = spec.size(); i < kMaxFields; ++i) {
        if (e.f[i] != 0) {
            return false;
        }
    }
    return true;
}

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
        if (!encodable_entry(c)) {
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

// --- The trusted path: records straight from packed entries ---------------------------------
//
// A PackedEntry holds every field at a place known at compile time for its kind, so a record is
// worked out with a handful of shifts per field and no table walk: the change mask from the XOR
// of the two entries, the form, then the record's bits gathered in 128 bits. Same arithmetic and
// order as write_record above (the reference), which the tests hold it to bit for bit.

namespace {

[[nodiscard]] Bits128 to_bits(const PackedEntry& p) noexcept {
    return static_cast<Bits128>(p.hi) << 64 | p.lo;
}

template <const auto& Table, std::size_t I> [[nodiscard]] std::uint32_t field_of(Bits128 v) noexcept {
    constexpr auto offsets = packed_offsets<Table>();
    return static_cast<std::uint32_t>(v >> offsets[I]) & width_mask(Table[I].bits);
}

/// True if field I (delta-coded or not) may go in a compact record: its change fits s(delta).
template <const auto& Table, std::size_t I>
[[nodiscard]] bool delta_fits(Bits128 before, Bits128 after) noexcept {
    if constexpr (Table[I].delta_bits == 0) {
        return true;
    } else {
        const std::int64_t d =
            static_cast<std::int64_t>(field_of<Table, I>(after)) - field_of<Table, I>(before);
        constexpr std::int64_t lim = std::int64_t{1} << (Table[I].delta_bits - 1);
        return d >= -lim && d < lim;
    }
}

/// A record being gathered, LSB first.
struct RecordBits {
    Bits128 v = 0;
    unsigned n = 0;
    void add(std::uint32_t value, unsigned bits) noexcept {
        v |= static_cast<Bits128>(value) << n;
        n += bits;
    }
    [[nodiscard]] DeltaRecord done() const noexcept {
        return {static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(v >> 64), n};
    }
};

/// Compact record of common mask `Mask` (its fields known at compile time): the prefix, then each
/// field of the mask, a delta-coded one as its delta (the caller checked that it fits).
template <const auto& Table, std::uint32_t Mask, std::size_t... I>
[[nodiscard]] DeltaRecord compact_record(Bits128 before, Bits128 after, std::uint32_t prefix,
                                         unsigned prefix_bits,
                                         std::index_sequence<I...> /*fields*/) noexcept {
    RecordBits r{prefix, prefix_bits};
    (
        [&] {
            if constexpr ((Mask >> I & 1u) != 0) {
                if constexpr (Table[I].delta_bits > 0) {
                    r.add((field_of<Table, I>(after) - field_of<Table, I>(before)) &
                              width_mask(Table[I].delta_bits),
                          Table[I].delta_bits);
                } else {
                    r.add(field_of<Table, I>(after), Table[I].bits);
                }
            }
        }(),
        ...);
    return r.done();
}

/// Appends field I of an explicit record: a delta-coded field with its flag bit, in the delta
/// form when its change fits; another field in full.
template <const auto& Table, std::size_t I>
void explicit_field(RecordBits& r, Bits128 before, Bits128 after) noexcept {
    const std::uint32_t now = field_of<Table, I>(after);
    if constexpr (Table[I].delta_bits > 0) {
        constexpr unsigned db = Table[I].delta_bits;
        const std::uint32_t old = field_of<Table, I>(before);
        if (delta_fits<Table, I>(before, after)) {
            r.add(1u | ((now - old) & width_mask(db)) << 1, 1 + db); // | 1 | s(delta_bits) |
        } else {
            r.add(now << 1, 1u + Table[I].bits); // | 0 | u(bits) |
        }
    } else {
        r.add(now, Table[I].bits);
    }
}

/// Explicit record: prefix, mask u(nfields), then each field of the mask in table order.
template <const auto& Table, std::size_t... I>
[[nodiscard]] DeltaRecord explicit_record(Bits128 before, Bits128 after, std::uint32_t mask,
                                          std::index_sequence<I...> /*fields*/) noexcept {
    RecordBits r{kPrefixExplicit | mask << kPrefixBits[kExplicit],
                 static_cast<unsigned>(kPrefixBits[kExplicit]) + static_cast<unsigned>(sizeof...(I))};
    (((mask >> I & 1u) != 0 ? explicit_field<Table, I>(r, before, after) : void()), ...);
    return r.done();
}

/// Which fields differ, for a whole entry at once (SWAR: every field is a lane of its own width).
/// In x = before XOR after, a field is non-zero iff its top bit is set or its other bits are; adding
/// 2^(w-1) - 1 to the other bits of a w-bit lane carries into its top bit exactly when they are
/// non-zero, and never out of the lane. So `nonzero` has the top bit of each changed field set,
/// and a table maps those bit positions back to field numbers (usually one to three of them).
template <const auto& Table> struct ChangeLanes {
    Bits128 fields = 0;                       // every field's bits
    Bits128 tops = 0;                         // every field's top bit
    Bits128 fill = 0;                         // 2^(w-1) - 1 in every field
    std::array<std::uint8_t, 128> field_at{}; // bit position of a top bit -> field number
    constexpr ChangeLanes() {
        constexpr auto offsets = packed_offsets<Table>();
        for (std::size_t k = 0; k < std::size(Table); ++k) {
            const unsigned w = Table[k].bits;
            fields |= ((Bits128{1} << w) - 1) << offsets[k];
            tops |= Bits128{1} << (offsets[k] + w - 1);
            fill |= ((Bits128{1} << (w - 1)) - 1) << offsets[k];
            field_at[offsets[k] + w - 1] = static_cast<std::uint8_t>(k);
        }
    }
};

template <const auto& Table>
[[nodiscard]] std::uint32_t change_mask_of(Bits128 before, Bits128 after) noexcept {
    static constexpr ChangeLanes<Table> lanes{};
    const Bits128 x = (before ^ after) & lanes.fields; // local ids and kinds are not compared
    const Bits128 nonzero = (((x & ~lanes.tops) + lanes.fill) | x) & lanes.tops;
    std::uint32_t mask = 0;
    for (auto lo = static_cast<std::uint64_t>(nonzero); lo != 0; lo &= lo - 1) {
        mask |= 1u << lanes.field_at[static_cast<std::size_t>(std::countr_zero(lo))];
    }
    for (auto hi = static_cast<std::uint64_t>(nonzero >> 64); hi != 0; hi &= hi - 1) {
        mask |= 1u << lanes.field_at[64 + static_cast<std::size_t>(std::countr_zero(hi))];
    }
    return mask;
}

/// True if every delta-coded field of common mask `Common` changed by an amount that fits its
/// delta width (the fields of the mask are known at compile time).
template <const auto& Table, std::uint32_t Common, std::size_t... I>
[[nodiscard]] bool compact_fits(Bits128 before, Bits128 after,
                                std::index_sequence<I...> /*fields*/) noexcept {
    return (((Common >> I & 1u) == 0 || delta_fits<Table, I>(before, after)) && ...);
}

template <const auto& Table, std::uint32_t Common0, std::uint32_t Common1, std::size_t... I>
[[nodiscard]] DeltaRecord record_of_kind(Bits128 before, Bits128 after,
                                         std::index_sequence<I...> seq) noexcept {
    const std::uint32_t mask = change_mask_of<Table>(before, after);
    if (mask == 0) {
        return {0, 0, 1};
    }
    // Same forms, in the same order, as form_of(): common mask 0, common mask 1, explicit.
    if constexpr (Common0 != 0) {
        if (mask == Common0 && compact_fits<Table, Common0>(before, after, seq)) {
            return compact_record<Table, Common0>(before, after, kPrefixCommon0,
                                                  static_cast<unsigned>(kPrefixBits[0]), seq);
        }
    }
    if constexpr (Common1 != 0) {
        if (mask == Common1 && compact_fits<Table, Common1>(before, after, seq)) {
            return compact_record<Table, Common1>(before, after, kPrefixCommon1,
                                                  static_cast<unsigned>(kPrefixBits[1]), seq);
        }
    }
    return explicit_record<Table>(before, after, mask, seq);
}

template <const auto& Table, std::size_t Kind>
[[nodiscard]] DeltaRecord record_of(Bits128 before, Bits128 after) noexcept {
    return record_of_kind<Table, kCommonMasks[Kind][0], kCommonMasks[Kind][1]>(
        before, after, std::make_index_sequence<std::size(Table)>{});
}

/// Where a field sits in a PackedEntry, by kind and field (bits 0: no such field).
struct FieldPlace {
    std::uint8_t offset = 0;
    std::uint8_t bits = 0;
};
template <const auto& Table> constexpr std::array<FieldPlace, kMaxFields> places_of() {
    constexpr auto offsets = packed_offsets<Table>();
    std::array<FieldPlace, kMaxFields> out{};
    for (std::size_t k = 0; k < std::size(Table); ++k) {
        out[k] = {static_cast<std::uint8_t>(offsets[k]), Table[k].bits};
    }
    return out;
}
constexpr std::array<std::array<FieldPlace, kMaxFields>, static_cast<std::size_t>(EntityKind::Count)> kPlaces{
    places_of<kPlayerFields>(), places_of<kProjectileFields>(), places_of<kPickupFields>(),
    places_of<kWallFields>(), places_of<kFlagFields>()};
static_assert(new_entry_bits(EntityKind::Player) == packed_bits<kPlayerFields>() &&
                  new_entry_bits(EntityKind::Projectile) == packed_bits<kProjectileFields>() &&
                  new_entry_bits(EntityKind::Pickup) == packed_bits<kPickupFields>() &&
                  new_entry_bits(EntityKind::Wall) == packed_bits<kWallFields>() &&
                  new_entry_bits(EntityKind::Flag) == packed_bits<kFlagFields>(),
              "a section B entry is the low new_entry_bits() of its PackedEntry");

// A player that moved or turned and nothing else: by far the most frequent record. x, y and aim
// (the fields of both player common masks) sit in the low word of a PackedEntry, and every record
// over them fits in 64 bits, so it is made with 64-bit arithmetic, straight-line.
constexpr auto kPlayerPlaces = packed_offsets<kPlayerFields>();
constexpr unsigned kMoveX = kPlayerPlaces[kPlayerX];
constexpr unsigned kMoveY = kPlayerPlaces[kPlayerY];
constexpr unsigned kMoveAim = kPlayerPlaces[kPlayerAim];
constexpr FieldSpec kSpecX = kPlayerFields[kPlayerX];
constexpr FieldSpec kSpecY = kPlayerFields[kPlayerY];
constexpr FieldSpec kSpecAim = kPlayerFields[kPlayerAim];
constexpr std::uint64_t kPlayerLowFields = ~std::uint64_t{0} << kPackedHeaderBits; // player fields in lo
constexpr std::uint64_t kMoveFields = ((std::uint64_t{1} << kSpecX.bits) - 1) << kMoveX |
                                      ((std::uint64_t{1} << kSpecY.bits) - 1) << kMoveY |
                                      ((std::uint64_t{1} << kSpecAim.bits) - 1) << kMoveAim;
static_assert(kPlayerX == 0 && kPlayerY == 1 && kPlayerAim == 2 && kMoveAim + kSpecAim.bits <= 64);
static_assert(kSpecX.delta_bits > 0 && kSpecY.delta_bits > 0 && kSpecAim.delta_bits > 0);
static_assert(kCommonMasks[0][0] == 0b011 && kCommonMasks[0][1] == 0b111);
static_assert(4 + kPlayerFieldCount + 3 + kSpecX.bits + kSpecY.bits + kSpecAim.bits <= 64);
static_assert(kPackedHeaderBits + kSpecX.bits + kSpecY.bits + kSpecAim.bits +
                      kPlayerFields[kPlayerHealth].bits ==
                  64,
              "kPlayerLowFields: the player fields in lo end exactly at bit 63");

[[nodiscard]] DeltaRecord player_moved(std::uint64_t before, std::uint64_t after) noexcept {
    const auto value = [](std::uint64_t v, unsigned at, const FieldSpec& f) {
        return static_cast<std::uint32_t>(v >> at) & width_mask(f.bits);
    };
    const std::uint32_t x = value(after, kMoveX, kSpecX);
    const std::uint32_t y = value(after, kMoveY, kSpecY);
    const std::uint32_t aim = value(after, kMoveAim, kSpecAim);
    const std::uint32_t dx = x - value(before, kMoveX, kSpecX); // two's complement, as write_record
    const std::uint32_t dy = y - value(before, kMoveY, kSpecY);
    const std::uint32_t da = aim - value(before, kMoveAim, kSpecAim);
    const auto fits = [](std::uint32_t d, const FieldSpec& f) { // -2^(n-1) <= d < 2^(n-1)
        return d + (1u << (f.delta_bits - 1)) < (1u << f.delta_bits);
    };
    const bool fx = fits(dx, kSpecX);
    const bool fy = fits(dy, kSpecY);
    const bool fa = fits(da, kSpecAim);
    const std::uint32_t mask = (dx != 0 ? 1u : 0u) | (dy != 0 ? 2u : 0u) | (da != 0 ? 4u : 0u);
    if (mask == 0) {
        return {0, 0, 1}; // only the local ids differ
    }
    const std::uint64_t rx = dx & width_mask(kSpecX.delta_bits);
    const std::uint64_t ry = dy & width_mask(kSpecY.delta_bits);
    const std::uint64_t ra = da & width_mask(kSpecAim.delta_bits);
    if (mask == 0b011 && fx && fy) { // 1 0, x, y
        return {kPrefixCommon0 | rx << 2 | ry << (2 + kSpecX.delta_bits), 0,
                2u + kSpecX.delta_bits + kSpecY.delta_bits};
    }
    if (mask == 0b111 && fx && fy && fa) { // 1 1 0, x, y, aim
        return {kPrefixCommon1 | rx << 3 | ry << (3 + kSpecX.delta_bits) |
                    ra << (3 + kSpecX.delta_bits + kSpecY.delta_bits),
                0, 3u + kSpecX.delta_bits + kSpecY.delta_bits + kSpecAim.delta_bits};
    }
    // 1 1 1 0, mask u(9), then each changed field with its flag bit.
    std::uint64_t r = kPrefixExplicit | std::uint64_t{mask} << 4;
    unsigned n = 4 + kPlayerFieldCount;
    const auto field = [&](bool changed, bool fit, std::uint64_t delta, std::uint32_t now,
                           const FieldSpec& f) {
        if (!changed) {
            return;
        }
        r |= (fit ? 1u | delta << 1 : std::uint64_t{now} << 1) << n;
        n += 1u + (fit ? f.delta_bits : f.bits);
    };
    field(dx != 0, fx, rx, x, kSpecX);
    field(dy != 0, fy, ry, y, kSpecY);
    field(da != 0, fa, ra, aim, kSpecAim);
    return {r, 0, n};
}

} // namespace

std::uint32_t packed_field(const PackedEntry& p, std::size_t field) noexcept {
    const auto kind = static_cast<std::size_t>(p.kind());
    if (kind >= kPlaces.size() || field >= kMaxFields || kPlaces[kind][field].bits == 0) {
        return 0;
    }
    const FieldPlace place = kPlaces[kind][field];
    return static_cast<std::uint32_t>(to_bits(p) >> place.offset) & width_mask(place.bits);
}

namespace {

/// Every record but a player's movement, out of line so that the common case does not pay for
/// its registers and stack.
[[gnu::noinline]] DeltaRecord delta_record_general(const PackedEntry& before,
                                                   const PackedEntry& after) noexcept {
    const Bits128 b = to_bits(before);
    const Bits128 a = to_bits(after);
    switch (after.kind()) {
    case EntityKind::Player:
        return record_of<kPlayerFields, 0>(b, a);
    case EntityKind::Projectile:
        return record_of<kProjectileFields, 1>(b, a);
    case EntityKind::Pickup:
        return record_of<kPickupFields, 2>(b, a);
    case EntityKind::Wall:
        return record_of<kWallFields, 3>(b, a);
    case EntityKind::Flag:
        return record_of<kFlagFields, 4>(b, a);
    case EntityKind::Count:
        break;
    }
    return {}; // not an entry pack_entry makes (the caller vouched for its input)
}

} // namespace

DeltaRecord delta_record(const PackedEntry& before, const PackedEntry& after) noexcept {
    if (after.kind() == EntityKind::Player && before.hi == after.hi &&
        ((before.lo ^ after.lo) & kPlayerLowFields & ~kMoveFields) == 0) {
        return player_moved(before.lo, after.lo);
    }
    return delta_record_general(before, after);
}

bool encode_delta_packed(std::span<const PackedEntry> baseline, std::span<const PackedEntry> current,
                         BitWriter& out) noexcept {
    // Pass 1: the exact size, so that pass 2 needs no check per value.
    std::size_t bits = kNewCountBits;
    std::size_t j = 0;
    for (const PackedEntry& b : baseline) {
        for (; j < current.size() && current[j].local_id() < b.local_id(); ++j) {
            bits += new_entry_bits(current[j].kind());
        }
        if (j < current.size() && current[j].local_id() == b.local_id()) {
            assert(current[j].kind() == b.kind());
            bits += current[j] == b ? 1 : delta_record(b, current[j]).bits;
            ++j;
        } else {
            bits += kRecordRemovedBits;
        }
    }
    for (; j < current.size(); ++j) {
        bits += new_entry_bits(current[j].kind());
    }
    if (!out.fits(bits)) {
        return false;
    }
    // Pass 2: section A in baseline order, the count, section B.
    BitAppender a(out, bits);
    std::size_t added = current.size();
    j = 0;
    for (const PackedEntry& b : baseline) {
        while (j < current.size() && current[j].local_id() < b.local_id()) {
            ++j;
        }
        if (j < current.size() && current[j].local_id() == b.local_id()) {
            if (current[j] == b) {
                a.put(0, 1);
            } else {
                put_record(a, delta_record(b, current[j]));
            }
            --added;
            ++j;
        } else {
            a.put(kRecordRemoved, kRecordRemovedBits);
        }
    }
    a.put(added, kNewCountBits);
    std::size_t i = 0;
    for (const PackedEntry& c : current) {
        while (i < baseline.size() && baseline[i].local_id() < c.local_id()) {
            ++i;
        }
        if (i < baseline.size() && baseline[i].local_id() == c.local_id()) {
            continue;
        }
        put_new_entry(a, c);
    }
    a.finish();
    return true;
}

} // namespace mgs::sync
