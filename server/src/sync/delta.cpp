#include "sync/delta.hpp"

namespace mgs::sync {
namespace {

constexpr int kCountBits = kLocalIdBits + 1;
// Smallest new entry on the wire (id, kind, pickup fields): bounds a count before trusting it.
constexpr std::size_t kMinNewEntryBits = kLocalIdBits + kKindBits + 12 + 1;

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

constexpr int kSelectorBits = 2;
constexpr std::uint32_t kExplicitMask = 2;

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

/// Selector for a mask: a common mask's index, or kExplicitMask.
std::uint32_t selector_of(EntityKind kind, std::uint32_t mask) noexcept {
    const auto& common = kCommonMasks[static_cast<std::size_t>(kind)];
    return mask == common[0] ? 0 : mask == common[1] ? 1 : kExplicitMask;
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

/// Section A record of an entry present in both views: `0`, or `1 1 sel [mask] fields...`.
void write_record(const QEntity& before, const QEntity& after, BitWriter& out) noexcept {
    const std::span<const FieldSpec> spec = fields(after.kind);
    const int nfields = static_cast<int>(spec.size());
    const std::uint32_t mask = change_mask(before, after, spec.size());
    if (mask == 0) {
        out.write(0, 1);
        return;
    }
    const std::uint32_t sel = selector_of(after.kind, mask);
    out.write(0b11u | (sel << 2), 2 + kSelectorBits);
    if (sel == kExplicitMask) {
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
        const std::int64_t lim = std::int64_t{1} << (fs.delta_bits - 1);
        if (d >= -lim && d < lim) {
            // Flag bit then the delta, in one write: | 1 | s(delta_bits) |.
            out.write(1u | ((static_cast<std::uint32_t>(d) & low_mask(fs.delta_bits)) << 1),
                      1 + fs.delta_bits);
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
    std::uint32_t bits = 2 + kSelectorBits;
    if (selector_of(after.kind, mask) == kExplicitMask) {
        bits += static_cast<std::uint32_t>(spec.size());
    }
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if ((mask >> i & 1u) != 0) {
            bits += field_bits(spec[i], before.f[i], after.f[i]);
        }
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
            out.write(0b01, 2); // | 1 | 0 | removed
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
        if (in.read(1) == 0) {
            if (in.failed()) {
                return false;
            }
            continue; // removed
        }
        const std::span<const FieldSpec> spec = fields(b.entity.kind);
        if (spec.empty()) {
            return false; // not a baseline decode_delta could have produced
        }
        QEntity e = b.entity;
        const std::uint32_t sel = in.read(kSelectorBits);
        std::uint32_t mask = 0;
        if (sel == kExplicitMask) {
            mask = in.read(static_cast<int>(spec.size()));
        } else if (sel < 2) {
            mask = kCommonMasks[static_cast<std::size_t>(b.entity.kind)][sel];
        }
        if (mask == 0) {
            return false; // selector 3, an unused common mask, or an explicit empty mask
        }
        for (std::size_t i = 0; i < spec.size(); ++i) {
            if ((mask >> i & 1u) == 0) {
                continue;
            }
            const FieldSpec& fs = spec[i];
            if (fs.delta_bits > 0 && in.read(1) != 0) {
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

} // namespace mgs::sync
