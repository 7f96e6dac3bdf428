#include "sync/bitstream.hpp"
#include "sync/delta.hpp"
#include "sync/entity.hpp"

#include "core/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

namespace mgs::sync {
namespace {

constexpr std::size_t kBufferBytes = 16384; // a full 1024-player snapshot is 12.5 KB

// --- helpers ---------------------------------------------------------------------------------

std::uint32_t max_value(const FieldSpec& f) {
    return (1u << f.bits) - 1u;
}

QEntity random_entity(Rng& rng, EntityKind kind) {
    QEntity e;
    e.kind = kind;
    const auto spec = fields(kind);
    for (std::size_t i = 0; i < spec.size(); ++i) {
        e.f[i] = static_cast<std::uint32_t>(rng.next()) & max_value(spec[i]);
    }
    return e;
}

EntityKind random_kind(Rng& rng) {
    return static_cast<EntityKind>(rng.below(static_cast<std::uint32_t>(EntityKind::Count)));
}

/// A random sorted view of about `n` entities with ids spread over the 10-bit range.
std::vector<ViewEntry> random_view(Rng& rng, std::size_t n) {
    std::vector<ViewEntry> view;
    std::array<bool, kMaxViewEntries> used{};
    for (std::size_t k = 0; k < n; ++k) {
        const auto id = static_cast<std::uint16_t>(rng.below(kMaxViewEntries));
        if (used[id]) {
            continue;
        }
        used[id] = true;
        view.push_back({id, random_entity(rng, random_kind(rng))});
    }
    std::sort(view.begin(), view.end(),
              [](const ViewEntry& a, const ViewEntry& b) { return a.local_id < b.local_id; });
    return view;
}

/// A plausible next view: some baseline entries removed, some changed (small and large changes of
/// any field), some unchanged, plus new entries with ids absent from the baseline.
std::vector<ViewEntry> mutate(Rng& rng, const std::vector<ViewEntry>& baseline, float p_remove,
                              float p_change, std::size_t max_new) {
    std::vector<ViewEntry> current;
    std::array<bool, kMaxViewEntries> in_baseline{};
    for (const ViewEntry& b : baseline) {
        in_baseline[b.local_id] = true;
        if (rng.chance(p_remove)) {
            continue;
        }
        ViewEntry c = b;
        if (rng.chance(p_change)) {
            const auto spec = fields(c.entity.kind);
            for (std::size_t i = 0; i < spec.size(); ++i) {
                if (!rng.chance(0.4f)) {
                    continue;
                }
                const std::uint32_t old = c.entity.f[i];
                if (rng.chance(0.6f)) {
                    // Small change around the delta range (sometimes just outside it).
                    const int span = spec[i].delta_bits > 0 ? (1 << spec[i].delta_bits) + 4 : 8;
                    const auto d =
                        static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(span))) - span / 2;
                    const std::int64_t v = std::clamp<std::int64_t>(
                        static_cast<std::int64_t>(old) + d, 0, static_cast<std::int64_t>(max_value(spec[i])));
                    c.entity.f[i] = static_cast<std::uint32_t>(v);
                } else {
                    c.entity.f[i] = static_cast<std::uint32_t>(rng.next()) & max_value(spec[i]);
                }
            }
        }
        current.push_back(c);
    }
    const std::size_t n_new = max_new == 0 ? 0 : rng.below(static_cast<std::uint32_t>(max_new + 1));
    for (std::size_t k = 0; k < n_new; ++k) {
        const auto id = static_cast<std::uint16_t>(rng.below(kMaxViewEntries));
        if (in_baseline[id]) {
            continue;
        }
        in_baseline[id] = true; // no duplicates either
        current.push_back({id, random_entity(rng, random_kind(rng))});
    }
    std::sort(current.begin(), current.end(),
              [](const ViewEntry& a, const ViewEntry& b) { return a.local_id < b.local_id; });
    return current;
}

/// The cost the wire format promises, computed independently of the encoder.
std::size_t expected_bits(const std::vector<ViewEntry>& baseline, const std::vector<ViewEntry>& current) {
    std::size_t bits = kLocalIdBits + 1;
    for (const ViewEntry& b : baseline) {
        const auto it = std::find_if(current.begin(), current.end(),
                                     [&](const ViewEntry& c) { return c.local_id == b.local_id; });
        if (it == current.end()) {
            bits += 4; // 1 1 1 1
        } else if (it->entity == b.entity) {
            bits += 1;
        } else {
            const auto spec = fields(b.entity.kind);
            // Changed: a compact record (prefix 1 0 or 1 1 0, fields without flags) when the
            // changed fields are one of the kind's common masks (delta.hpp: player {x,y}
            // {x,y,aim}, pickup {available}, wall {health}, flag {x,y} {state}) and every delta
            // fits; otherwise 1 1 1 0, the mask, and each field with its flag.
            std::vector<std::size_t> changed;
            bool fits = true;
            for (std::size_t i = 0; i < spec.size(); ++i) {
                if (it->entity.f[i] == b.entity.f[i]) continue;
                changed.push_back(i);
                const auto d = static_cast<std::int64_t>(it->entity.f[i]) - b.entity.f[i];
                if (spec[i].delta_bits > 0) {
                    const std::int64_t lim = std::int64_t{1} << (spec[i].delta_bits - 1);
                    fits = fits && d >= -lim && d < lim;
                }
            }
            using V = std::vector<std::size_t>;
            int common = -1; // which common mask
            switch (b.entity.kind) {
            case EntityKind::Player:
                common = changed == V{0, 1} ? 0 : changed == V{0, 1, 2} ? 1 : -1;
                break;
            case EntityKind::Pickup:
            case EntityKind::Wall:
                common = changed == V{1} ? 0 : -1;
                break;
            case EntityKind::Flag:
                common = changed == V{0, 1} ? 0 : changed == V{3} ? 1 : -1;
                break;
            default:
                break;
            }
            const bool compact = common >= 0 && fits;
            bits += compact ? static_cast<std::size_t>(2 + common) : 4 + spec.size();
            for (const std::size_t i : changed) {
                const auto d = static_cast<std::int64_t>(it->entity.f[i]) - b.entity.f[i];
                const std::int64_t lim =
                    spec[i].delta_bits > 0 ? std::int64_t{1} << (spec[i].delta_bits - 1) : 0;
                if (spec[i].delta_bits == 0) {
                    bits += spec[i].bits;
                } else if (compact) {
                    bits += spec[i].delta_bits;
                } else if (d >= -lim && d < lim) {
                    bits += 1u + spec[i].delta_bits;
                } else {
                    bits += 1u + spec[i].bits;
                }
            }
        }
    }
    for (const ViewEntry& c : current) {
        const bool old = std::any_of(baseline.begin(), baseline.end(),
                                     [&](const ViewEntry& b) { return b.local_id == c.local_id; });
        if (!old) {
            bits += kLocalIdBits + kKindBits;
            for (const FieldSpec& f : fields(c.entity.kind)) {
                bits += f.bits;
            }
        }
    }
    return bits;
}

/// What decode_delta guarantees of a view it returns.
::testing::AssertionResult valid_view(const std::vector<ViewEntry>& view) {
    if (view.size() > kMaxViewEntries) {
        return ::testing::AssertionFailure() << "too many entries: " << view.size();
    }
    for (std::size_t k = 0; k < view.size(); ++k) {
        const ViewEntry& e = view[k];
        if (e.local_id >= kMaxViewEntries || (k > 0 && view[k - 1].local_id >= e.local_id)) {
            return ::testing::AssertionFailure() << "bad or unsorted id at " << k;
        }
        const auto spec = fields(e.entity.kind);
        if (spec.empty()) {
            return ::testing::AssertionFailure() << "bad kind at " << k;
        }
        for (std::size_t i = 0; i < kMaxFields; ++i) {
            const std::uint32_t limit = i < spec.size() ? max_value(spec[i]) : 0;
            if (e.entity.f[i] > limit) {
                return ::testing::AssertionFailure() << "field " << i << " out of range at " << k;
            }
        }
    }
    return ::testing::AssertionSuccess();
}

struct Encoded {
    std::vector<std::uint8_t> bytes;
    std::size_t bits = 0;
};

Encoded encode(const std::vector<ViewEntry>& baseline, const std::vector<ViewEntry>& current) {
    std::vector<std::uint8_t> buf(kBufferBytes);
    BitWriter w(buf);
    const bool ok = encode_delta(baseline, current, w);
    EXPECT_TRUE(ok);
    return {{buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.bytes())}, w.bits()};
}

std::size_t encoded_bits(const std::vector<ViewEntry>& baseline, const std::vector<ViewEntry>& current) {
    return encode(baseline, current).bits;
}

ViewEntry player(std::uint16_t id, std::uint32_t x, std::uint32_t y) {
    QEntity e;
    e.kind = EntityKind::Player;
    e.f[kPlayerX] = x;
    e.f[kPlayerY] = y;
    e.f[kPlayerAim] = 64;
    e.f[kPlayerHealth] = 100;
    e.f[kPlayerShield] = 20;
    e.f[kPlayerWeapon] = 2;
    e.f[kPlayerTeam] = 1;
    e.f[kPlayerStatus] = kStatusAlive;
    e.f[kPlayerId] = 40000u + id;
    return {id, e};
}

// --- Bitstream -------------------------------------------------------------------------------

TEST(PackedEntry, EveryKindAtItsWidestAndRandomValuesRoundTrip) {
    Rng rng(21);
    for (int round = 0; round < 5000; ++round) {
        const ViewEntry e{static_cast<std::uint16_t>(rng.below(kMaxViewEntries)),
                          random_entity(rng, random_kind(rng))};
        EXPECT_EQ(unpack_entry(pack_entry(e)), e);
    }
    for (std::uint32_t k = 0; k < static_cast<std::uint32_t>(EntityKind::Count); ++k) {
        ViewEntry e{1023, {}};
        e.entity.kind = static_cast<EntityKind>(k);
        const auto spec = fields(e.entity.kind);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            e.entity.f[i] = (1u << spec[i].bits) - 1; // every bit set
        }
        EXPECT_EQ(unpack_entry(pack_entry(e)), e) << k;
    }
}

TEST(Bitstream, LayoutIsLsbFirst) {
    std::array<std::uint8_t, 4> buf{};
    BitWriter w(buf);
    w.write(0b101, 3);
    w.write(0b11, 2);
    EXPECT_EQ(w.bits(), 5u);
    EXPECT_EQ(w.bytes(), 1u);
    EXPECT_EQ(buf[0], 0x1d);
    w.write(0x1ff, 9); // straddles bytes 0 and 1
    EXPECT_EQ(buf[0], 0xfd);
    EXPECT_EQ(buf[1], 0x3f);
    EXPECT_EQ(w.bytes(), 2u);
    EXPECT_EQ(w.data().size(), 2u);
}

TEST(Bitstream, WriterDefinesEveryByteOfADirtyBuffer) {
    std::array<std::uint8_t, 4> buf;
    buf.fill(0xff);
    BitWriter w(buf);
    w.write(0, 3);
    w.write(1, 1);
    EXPECT_EQ(buf[0], 0x08);
    w.write(0, 10);
    EXPECT_EQ(buf[0], 0x08);
    EXPECT_EQ(buf[1], 0x00);
    EXPECT_EQ(buf[2], 0xff); // untouched
}

TEST(Bitstream, IgnoresHighBitsOfValue) {
    std::array<std::uint8_t, 2> buf{};
    BitWriter w(buf);
    w.write(0xfffffff5u, 4);
    w.write(0, 4);
    EXPECT_EQ(buf[0], 0x05);
}

TEST(Bitstream, RoundTripRandomWidthsIncluding32Bits) {
    Rng rng(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<std::uint8_t> buf(600);
        std::vector<std::pair<std::uint32_t, int>> items;
        BitWriter w(buf);
        std::size_t total = 0;
        for (int k = 0; k < 100; ++k) {
            const int n = static_cast<int>(rng.below(33)); // 0..32
            std::uint32_t v = static_cast<std::uint32_t>(rng.next());
            if (n == 32 && rng.chance(0.3f)) {
                v = rng.chance(0.5f) ? 0xffffffffu : 0x80000000u;
            }
            const std::uint32_t masked = n == 32 ? v : v & ((1u << n) - 1u);
            items.emplace_back(masked, n);
            w.write(v, n);
            total += static_cast<std::size_t>(n);
        }
        ASSERT_FALSE(w.overflowed());
        ASSERT_EQ(w.bits(), total);
        BitReader r(w.data(), w.bits());
        for (const auto& [v, n] : items) {
            ASSERT_EQ(r.read(n), v) << "width " << n;
        }
        EXPECT_FALSE(r.failed());
        EXPECT_EQ(r.bits_left(), 0u);
    }
}

TEST(Bitstream, ExactFillThenOverflowWritesNothing) {
    std::array<std::uint8_t, 6> storage{};
    storage.fill(0xaa);
    BitWriter w(std::span<std::uint8_t>(storage).first(4));
    w.write(0xdeadbeef, 32);
    EXPECT_FALSE(w.overflowed());
    EXPECT_EQ(w.bits(), 32u);
    w.write(1, 1);
    EXPECT_TRUE(w.overflowed());
    EXPECT_EQ(w.bits(), 32u);
    EXPECT_EQ(storage[4], 0xaa); // past the span: never touched
    BitReader r(w.data());
    EXPECT_EQ(r.read(32), 0xdeadbeefu);
}

TEST(Bitstream, OverflowIsStickyAndKeepsAValidPrefix) {
    std::array<std::uint8_t, 2> buf{};
    BitWriter w(buf);
    w.write(0xabc, 12);
    w.write(0x1f, 5); // does not fit: nothing written
    EXPECT_TRUE(w.overflowed());
    EXPECT_EQ(w.bits(), 12u);
    w.write(1, 1); // would fit, but the stream already lost a field
    EXPECT_EQ(w.bits(), 12u);
    EXPECT_EQ(buf[1] >> 4, 0);
    w.reset();
    EXPECT_FALSE(w.overflowed());
    EXPECT_EQ(w.bits(), 0u);
}

TEST(Bitstream, ReaderFailsPastEndAndStaysFailed) {
    const std::array<std::uint8_t, 2> bytes{0xff, 0xff};
    BitReader r(bytes);
    EXPECT_EQ(r.read(10), 0x3ffu);
    EXPECT_EQ(r.bits_left(), 6u);
    EXPECT_EQ(r.read(7), 0u);
    EXPECT_TRUE(r.failed());
    EXPECT_EQ(r.bits_left(), 6u);
    EXPECT_EQ(r.read(1), 0u); // sticky
    EXPECT_EQ(r.read(0), 0u);
}

TEST(Bitstream, ReaderHonoursBitCount) {
    const std::array<std::uint8_t, 2> bytes{0xff, 0xff};
    BitReader r(bytes, 5);
    EXPECT_EQ(r.bits_left(), 5u);
    EXPECT_EQ(r.read(6), 0u);
    EXPECT_TRUE(r.failed());
    BitReader clamped(bytes, 100);
    EXPECT_EQ(clamped.bits_left(), 16u);
    BitReader empty(std::span<const std::uint8_t>{});
    EXPECT_EQ(empty.read(1), 0u);
    EXPECT_TRUE(empty.failed());
}

// --- Quantise --------------------------------------------------------------------------------

TEST(Quantise, FieldTablesMatchTheWireFormat) {
    const auto widths = [](EntityKind k) {
        std::vector<std::pair<int, int>> v;
        for (const FieldSpec& f : fields(k)) v.emplace_back(f.bits, f.delta_bits);
        return v;
    };
    using P = std::vector<std::pair<int, int>>;
    EXPECT_EQ(widths(EntityKind::Player),
              (P{{18, 8}, {18, 8}, {8, 5}, {7, 4}, {6, 0}, {3, 0}, {2, 0}, {7, 0}, {16, 0}}));
    EXPECT_EQ(widths(EntityKind::Projectile), (P{{18, 0}, {18, 0}, {8, 0}, {3, 0}, {16, 0}}));
    EXPECT_EQ(widths(EntityKind::Pickup), (P{{16, 0}, {1, 0}}));
    EXPECT_EQ(widths(EntityKind::Wall), (P{{16, 0}, {9, 6}}));
    EXPECT_EQ(widths(EntityKind::Flag), (P{{18, 8}, {18, 8}, {1, 0}, {2, 0}}));
    EXPECT_TRUE(fields(EntityKind::Count).empty());
    EXPECT_TRUE(fields(static_cast<EntityKind>(7)).empty());
}

TEST(Quantise, PositionRoundTripWithinASixteenth) {
    Rng rng(11);
    for (int k = 0; k < 100000; ++k) {
        const float wu = rng.range(0.0f, 32767.875f);
        const std::uint32_t q = quantise_position(wu);
        ASSERT_LT(q, 1u << 18);
        ASSERT_LE(std::abs(dequantise_position(q) - wu), 1.0f / 16.0f + 1e-3f) << wu;
    }
    for (std::uint32_t q = 0; q < (1u << 18); q += 97) {
        ASSERT_EQ(quantise_position(dequantise_position(q)), q);
    }
}

TEST(Quantise, PositionClamps) {
    EXPECT_EQ(quantise_position(-5.0f), 0u);
    EXPECT_EQ(quantise_position(0.0f), 0u);
    EXPECT_EQ(quantise_position(0.0624f), 0u);
    EXPECT_EQ(quantise_position(0.0626f), 1u);
    EXPECT_EQ(quantise_position(32767.875f), (1u << 18) - 1);
    EXPECT_EQ(quantise_position(40000.0f), (1u << 18) - 1);
    EXPECT_EQ(quantise_position(std::numeric_limits<float>::infinity()), (1u << 18) - 1);
    EXPECT_EQ(quantise_position(-std::numeric_limits<float>::infinity()), 0u);
    EXPECT_EQ(quantise_position(std::numeric_limits<float>::quiet_NaN()), 0u);
}

TEST(Quantise, AngleRoundTripWithinHalfAStep) {
    constexpr double kTwoPi = 2.0 * std::numbers::pi;
    constexpr double kHalfStep = kTwoPi / 512.0;
    Rng rng(12);
    for (int k = 0; k < 100000; ++k) {
        const float a = rng.range(-50.0f, 50.0f);
        const std::uint32_t q = quantise_angle(a);
        ASSERT_LT(q, 256u);
        double err = std::fmod(static_cast<double>(dequantise_angle(q)) - a, kTwoPi);
        if (err > std::numbers::pi) err -= kTwoPi;
        if (err < -std::numbers::pi) err += kTwoPi;
        ASSERT_LE(std::abs(err), kHalfStep + 1e-5) << a;
    }
    for (std::uint32_t q = 0; q < 256; ++q) {
        ASSERT_EQ(quantise_angle(dequantise_angle(q)), q);
    }
}

TEST(Quantise, AngleWraps) {
    constexpr float kPi = std::numbers::pi_v<float>;
    EXPECT_EQ(quantise_angle(0.0f), 0u);
    EXPECT_EQ(quantise_angle(kPi / 2), 64u);
    EXPECT_EQ(quantise_angle(kPi), 128u);
    EXPECT_EQ(quantise_angle(-kPi / 2), 192u);
    EXPECT_EQ(quantise_angle(2 * kPi), 0u);
    EXPECT_EQ(quantise_angle(3 * kPi), 128u);
    EXPECT_EQ(quantise_angle(-1e-6f), 0u);          // just below a full turn rounds to 0, not 256
    EXPECT_EQ(quantise_angle(2 * kPi - 1e-4f), 0u); // same from above
    EXPECT_EQ(quantise_angle(-4 * kPi + kPi / 2), 64u);
    EXPECT_EQ(quantise_angle(std::numeric_limits<float>::quiet_NaN()), 0u);
    EXPECT_EQ(quantise_angle(std::numeric_limits<float>::infinity()), 0u);
    EXPECT_NEAR(dequantise_angle(64), kPi / 2, 1e-6f);
}

// --- Delta: costs ----------------------------------------------------------------------------

TEST(DeltaCost, EmptyViewIsTheCountAlone) {
    EXPECT_EQ(encoded_bits({}, {}), 11u);
}

TEST(DeltaCost, UnchangedEntityCostsOneBit) {
    Rng rng(1);
    std::vector<ViewEntry> view = random_view(rng, 300);
    EXPECT_EQ(encoded_bits(view, view), view.size() + 11);
    const std::vector<ViewEntry> one{player(5, 100, 100)};
    EXPECT_EQ(encoded_bits(one, one), 1u + 11u);
}

TEST(DeltaCost, MovingPlayerCosts18Bits) {
    const std::vector<ViewEntry> before{player(3, 80000, 90000)};
    for (const auto& [dx, dy] :
         {std::pair{1, -1}, std::pair{-128, 127}, std::pair{127, -128}, std::pair{40, 9}}) {
        std::vector<ViewEntry> after = before;
        after[0].entity.f[kPlayerX] = static_cast<std::uint32_t>(80000 + dx);
        after[0].entity.f[kPlayerY] = static_cast<std::uint32_t>(90000 + dy);
        EXPECT_EQ(encoded_bits(before, after), 18u + 11u) << dx << "," << dy;
    }
    // A hundred moving players: 100 * 18 bits + the count.
    std::vector<ViewEntry> base;
    std::vector<ViewEntry> moved;
    for (std::uint16_t id = 0; id < 100; ++id) {
        base.push_back(player(id, 1000u + id * 100u, 2000u));
        moved.push_back(player(id, 1000u + id * 100u + 12u, 2000u - 7u));
    }
    EXPECT_EQ(encoded_bits(base, moved), 100u * 18u + 11u);
    // Moving and turning a little: the second common mask {x, y, aim}.
    std::vector<ViewEntry> turned = before;
    turned[0].entity.f[kPlayerX] += 3;
    turned[0].entity.f[kPlayerY] += 3;
    turned[0].entity.f[kPlayerAim] = (turned[0].entity.f[kPlayerAim] + 4) & 0xFF;
    EXPECT_EQ(encoded_bits(before, turned), 3u + 2 * 8u + 5u + 11u);
    // Moving by one past the delta range: the explicit form with the full value.
    std::vector<ViewEntry> jumped = before;
    jumped[0].entity.f[kPlayerX] += 128;
    jumped[0].entity.f[kPlayerY] += 1;
    EXPECT_EQ(encoded_bits(before, jumped), 4u + 9u + (1u + 18u) + (1u + 8u) + 11u);
}

TEST(DeltaCost, MovingPlayerBitsAreAsDocumented) {
    // The example drawn in delta.hpp, bit by bit in stream order, then the empty section B.
    const std::vector<ViewEntry> before{player(3, 80000, 90000)};
    std::vector<ViewEntry> after = before;
    after[0].entity.f[kPlayerX] += 5;
    after[0].entity.f[kPlayerY] -= 3;
    const Encoded enc = encode(before, after);
    const std::string expected = "10"
                                 "10100000"
                                 "10111111"
                                 "00000000000";
    ASSERT_EQ(enc.bits, expected.size());
    BitReader r(enc.bytes, enc.bits);
    std::string got;
    for (std::size_t i = 0; i < enc.bits; ++i) got += r.read(1) != 0 ? '1' : '0';
    EXPECT_EQ(got, expected);
}

TEST(DeltaCost, DeltaOutsideItsRangeSendsTheFullValue) {
    const std::vector<ViewEntry> before{player(3, 80000, 90000)};
    std::vector<ViewEntry> after = before;
    after[0].entity.f[kPlayerX] = 80000 + 128; // one past s(8)
    EXPECT_EQ(encoded_bits(before, after), 1u + 1u + 2u + 9u + (1u + 18u) + 11u);
    after[0].entity.f[kPlayerX] = 80000 - 129;
    EXPECT_EQ(encoded_bits(before, after), 1u + 1u + 2u + 9u + (1u + 18u) + 11u);
    after = before;
    after[0].entity.f[kPlayerAim] = 64 + 15; // s(5) holds -16..15
    EXPECT_EQ(encoded_bits(before, after), 1u + 1u + 2u + 9u + (1u + 5u) + 11u);
    after[0].entity.f[kPlayerAim] = 64 + 16;
    EXPECT_EQ(encoded_bits(before, after), 1u + 1u + 2u + 9u + (1u + 8u) + 11u);
    after = before;
    after[0].entity.f[kPlayerWeapon] = 5; // no delta: always the full 3 bits, no flag bit
    EXPECT_EQ(encoded_bits(before, after), 1u + 1u + 2u + 9u + 3u + 11u);
    // Every record's size is what delta_cost() says (the views budget with it).
    EXPECT_EQ(encoded_bits(before, after), delta_cost(before[0].entity, after[0].entity) + 11u);
}

TEST(DeltaDecode, UnusedCommonMasksAndEmptyMasksAreRejected) {
    // `zeros`: that many 0 bits after the prefix (an explicit mask, or a field's value).
    const auto refused = [](EntityKind kind, std::uint32_t prefix, int prefix_bits, int zeros) {
        ViewEntry e{4, {}};
        e.entity.kind = kind;
        const std::vector<ViewEntry> before{e};
        std::array<std::uint8_t, 8> bytes{};
        BitWriter w(bytes);
        w.write(prefix, prefix_bits);
        w.write(0, zeros);
        w.write(0, 11); // no new entries
        BitReader r(std::span<const std::uint8_t>(bytes.data(), w.bytes()), w.bits());
        std::vector<ViewEntry> out;
        return !decode_delta(before, r, out);
    };
    // A projectile has no common masks: 1 0 and 1 1 0 mean nothing and are refused.
    EXPECT_TRUE(refused(EntityKind::Projectile, 0b01, 2, 0));
    EXPECT_TRUE(refused(EntityKind::Projectile, 0b011, 3, 0));
    // Pickups and walls have one.
    EXPECT_TRUE(refused(EntityKind::Pickup, 0b011, 3, 0));
    EXPECT_TRUE(refused(EntityKind::Wall, 0b011, 3, 0));
    EXPECT_FALSE(refused(EntityKind::Pickup, 0b01, 2, 1)); // {available}: one bit, 0
    // An explicit empty mask is refused for every kind.
    for (std::uint32_t k = 0; k < 5; ++k) {
        const auto kind = static_cast<EntityKind>(k);
        EXPECT_TRUE(refused(kind, 0b0111, 4, static_cast<int>(fields(kind).size()))) << k;
    }
}

TEST(DeltaCost, RemovedEntityCostsFourBits) {
    const std::vector<ViewEntry> before{player(3, 1, 2), player(9, 3, 4)};
    const std::vector<ViewEntry> after{player(9, 3, 4)};
    EXPECT_EQ(encoded_bits(before, after), 4u + 1u + 11u);
}

TEST(DeltaCost, FullSnapshotCostsPerKind) {
    Rng rng(3);
    const std::array<std::size_t, 5> expected{98, 76, 30, 38, 52};
    for (std::uint32_t k = 0; k < 5; ++k) {
        const std::vector<ViewEntry> view{{17, random_entity(rng, static_cast<EntityKind>(k))}};
        EXPECT_EQ(encoded_bits({}, view), 11u + expected[k]) << "kind " << k;
    }
}

TEST(DeltaCost, RandomCasesMatchTheFormatDescription) {
    Rng rng(4);
    for (int round = 0; round < 500; ++round) {
        const auto baseline = random_view(rng, rng.below(60));
        const auto current = mutate(rng, baseline, 0.1f, 0.5f, 10);
        ASSERT_EQ(encoded_bits(baseline, current), expected_bits(baseline, current)) << "round " << round;
    }
}

// --- Delta: round trips ----------------------------------------------------------------------

void expect_round_trip(const std::vector<ViewEntry>& baseline, const std::vector<ViewEntry>& current,
                       std::vector<ViewEntry>& scratch) {
    const Encoded enc = encode(baseline, current);
    BitReader r(enc.bytes, enc.bits);
    ASSERT_TRUE(decode_delta(baseline, r, scratch));
    ASSERT_EQ(scratch, current);
    EXPECT_EQ(r.bits_left(), 0u); // the decoder consumed exactly what the encoder wrote
    // The byte-padded form decodes too (the padding is ignored).
    BitReader padded(enc.bytes);
    ASSERT_TRUE(decode_delta(baseline, padded, scratch));
    ASSERT_EQ(scratch, current);
}

TEST(DeltaRoundTrip, RandomViews) {
    Rng rng(5);
    std::vector<ViewEntry> out;
    for (int round = 0; round < 5000; ++round) {
        const auto baseline = random_view(rng, rng.below(round % 50 == 0 ? 1200 : 80));
        const float p_remove = rng.uniform() * 0.5f;
        const float p_change = rng.uniform();
        const auto current = mutate(rng, baseline, p_remove, p_change, rng.below(40));
        ASSERT_NO_FATAL_FAILURE(expect_round_trip(baseline, current, out)) << "round " << round;
    }
}

TEST(DeltaRoundTrip, FullSnapshots) {
    Rng rng(6);
    std::vector<ViewEntry> out{player(1, 2, 3)}; // decode clears it
    for (int round = 0; round < 1000; ++round) {
        const auto current = random_view(rng, rng.below(round % 100 == 0 ? 4000 : 100));
        ASSERT_NO_FATAL_FAILURE(expect_round_trip({}, current, out)) << "round " << round;
    }
    // All 1024 ids: the largest view there is.
    std::vector<ViewEntry> all;
    for (std::uint16_t id = 0; id < kMaxViewEntries; ++id)
        all.push_back({id, random_entity(rng, random_kind(rng))});
    expect_round_trip({}, all, out);
    expect_round_trip(all, {}, out);
    expect_round_trip(all, mutate(rng, all, 0.0f, 0.5f, 0), out);
}

TEST(DeltaRoundTrip, ExtremeValuesAndDeltas) {
    // Every field at 0 and at its maximum, with the largest and smallest deltas that fit.
    std::vector<ViewEntry> out;
    for (std::uint32_t k = 0; k < 5; ++k) {
        const auto kind = static_cast<EntityKind>(k);
        const auto spec = fields(kind);
        QEntity lo{kind, {}};
        QEntity hi{kind, {}};
        for (std::size_t i = 0; i < spec.size(); ++i) hi.f[i] = max_value(spec[i]);
        expect_round_trip({}, {{0, lo}, {1023, hi}}, out);
        expect_round_trip({{0, lo}, {1023, hi}}, {{0, hi}, {1023, lo}}, out);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            if (spec[i].delta_bits == 0) continue;
            const std::uint32_t lim = 1u << (spec[i].delta_bits - 1);
            QEntity mid{kind, {}};
            mid.f[i] = 1u << (spec[i].bits - 1);
            for (const std::uint32_t v :
                 {mid.f[i] - lim, mid.f[i] + lim - 1, mid.f[i] - lim - 1, mid.f[i] + lim}) {
                QEntity next = mid;
                next.f[i] = v;
                expect_round_trip({{7, mid}}, {{7, next}}, out);
            }
        }
    }
}

TEST(DeltaRoundTrip, ClientFollowsAChainOfSnapshots) {
    // The client decodes each snapshot against its own previous decode, as in the game.
    Rng rng(8);
    std::vector<ViewEntry> server = random_view(rng, 50);
    std::vector<ViewEntry> client;
    std::vector<ViewEntry> next;
    {
        const Encoded enc = encode({}, server);
        BitReader r(enc.bytes, enc.bits);
        ASSERT_TRUE(decode_delta({}, r, client));
    }
    for (int tick = 0; tick < 2000; ++tick) {
        const auto current = mutate(rng, server, 0.02f, 0.3f, 3);
        const Encoded enc = encode(client, current);
        BitReader r(enc.bytes, enc.bits);
        ASSERT_TRUE(decode_delta(client, r, next));
        ASSERT_EQ(next, current) << "tick " << tick;
        std::swap(client, next);
        server = current;
    }
}

// --- Delta: rejected input -------------------------------------------------------------------

TEST(DeltaEncode, RejectsInputItCannotEncode) {
    std::array<std::uint8_t, 256> buf{};
    const auto rejects = [&](const std::vector<ViewEntry>& baseline, const std::vector<ViewEntry>& current) {
        BitWriter w(buf);
        return !encode_delta(baseline, current, w);
    };
    EXPECT_TRUE(rejects({}, {player(1024, 0, 0)}));
    EXPECT_TRUE(rejects({}, {player(5, 0, 0), player(4, 0, 0)}));
    EXPECT_TRUE(rejects({}, {player(5, 0, 0), player(5, 0, 0)}));
    EXPECT_TRUE(rejects({player(5, 0, 0), player(4, 0, 0)}, {}));
    EXPECT_TRUE(rejects({}, {player(5, 1u << 18, 0)}));
    ViewEntry bad_kind = player(5, 0, 0);
    bad_kind.entity.kind = EntityKind::Count;
    EXPECT_TRUE(rejects({}, {bad_kind}));
    ViewEntry stray = player(5, 0, 0);
    stray.entity.f[kMaxFields - 1] = 1;
    EXPECT_TRUE(rejects({}, {stray}));
    ViewEntry wall{5, QEntity{EntityKind::Wall, {}}};
    EXPECT_TRUE(rejects({player(5, 0, 0)}, {wall}));
    EXPECT_FALSE(rejects({player(5, 0, 0)}, {player(5, 1, 1)}));
}

TEST(DeltaEncode, ReportsOverflow) {
    Rng rng(9);
    const auto view = random_view(rng, 100);
    std::array<std::uint8_t, 64> buf{};
    BitWriter w(buf);
    EXPECT_FALSE(encode_delta({}, view, w));
    EXPECT_TRUE(w.overflowed());
}

// --- The trusted path: BitAppender, packed entries, delta_record, encode_delta_packed ---------

std::vector<PackedEntry> packed(const std::vector<ViewEntry>& view) {
    std::vector<PackedEntry> out;
    for (const ViewEntry& e : view) {
        out.push_back(pack_entry(e));
    }
    return out;
}

TEST(BitAppender, WritesWhatBitWriterWritesFromAnyStartingBit) {
    Rng rng(21);
    for (int round = 0; round < 2000; ++round) {
        // Both buffers equally dirty; the appender's span ends exactly where its bits do, with
        // guard bytes behind it that nothing may touch.
        std::vector<std::pair<std::uint64_t, unsigned>> items;
        const auto lead = static_cast<int>(rng.below(24));
        const std::uint32_t lead_value = static_cast<std::uint32_t>(rng.next());
        std::size_t total = 0;
        const std::uint32_t count = rng.below(40);
        for (std::uint32_t k = 0; k < count; ++k) {
            const unsigned n = rng.below(65); // 0..64
            const std::uint64_t v = n == 64 ? rng.next() : rng.next() & ((std::uint64_t{1} << n) - 1);
            items.emplace_back(
                rng.chance(0.1f) ? (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1) : v, n);
            total += n;
        }
        const std::size_t bytes = (static_cast<std::size_t>(lead) + total + 7) / 8;
        std::vector<std::uint8_t> a(bytes + 16, 0xa5);
        std::vector<std::uint8_t> b(bytes + 16, 0xa5);
        BitWriter wa(std::span<std::uint8_t>(a).first(bytes));
        BitWriter wb(std::span<std::uint8_t>(b).first(bytes));
        wa.write(lead_value, lead);
        wb.write(lead_value, lead);
        ASSERT_TRUE(wa.fits(total));
        BitAppender app(wa, total);
        for (const auto& [v, n] : items) {
            app.put(v, n);
            wb.write(static_cast<std::uint32_t>(v), static_cast<int>(std::min(n, 32u)));
            wb.write(static_cast<std::uint32_t>(v >> 32), static_cast<int>(n > 32 ? n - 32 : 0));
        }
        app.finish();
        ASSERT_FALSE(wb.overflowed());
        ASSERT_EQ(wa.bits(), wb.bits()) << "round " << round;
        ASSERT_EQ(a, b) << "round " << round; // the bits, and the guard bytes untouched in both
    }
}

TEST(BitAppender, TheWriterGoesOnAfterIt) {
    std::array<std::uint8_t, 16> buf;
    buf.fill(0xff);
    BitWriter w(buf);
    w.write(0b101, 3);
    {
        BitAppender app(w, 70);
        app.put(0, 1);
        app.put(~std::uint64_t{0}, 64);
        app.put(0b10, 2);
        app.finish();
    }
    EXPECT_EQ(w.bits(), 70u);
    w.write(0x3, 2);
    BitReader r(w.data(), w.bits());
    EXPECT_EQ(r.read(3), 0b101u);
    EXPECT_EQ(r.read(1), 0u);
    EXPECT_EQ(r.read(32), 0xffffffffu);
    EXPECT_EQ(r.read(32), 0xffffffffu);
    EXPECT_EQ(r.read(2), 0b10u);
    EXPECT_EQ(r.read(2), 0x3u);
    EXPECT_EQ(r.bits_left(), 0u);
    EXPECT_EQ(buf[9], 0xff); // 72 bits: byte 9 not touched yet
    w.write(1, 1);
    EXPECT_EQ(buf[9], 0x01); // bits above bits() in the last byte are 0
    EXPECT_EQ(buf[10], 0xff);
}

TEST(PackedEntry, AccessorsReadTheLayout) {
    Rng rng(22);
    for (int k = 0; k < 2000; ++k) {
        const ViewEntry e{static_cast<std::uint16_t>(rng.below(kMaxViewEntries)),
                          random_entity(rng, random_kind(rng))};
        const PackedEntry p = pack_entry(e);
        EXPECT_EQ(p.local_id(), e.local_id);
        EXPECT_EQ(p.kind(), e.entity.kind);
        for (std::size_t i = 0; i < kMaxFields; ++i) {
            EXPECT_EQ(packed_field(p, i), e.entity.f[i]) << "field " << i;
        }
        const auto other = static_cast<std::uint16_t>(rng.below(kMaxViewEntries));
        EXPECT_EQ(p.with_local_id(other), pack_entry({other, e.entity}));
        // A section B entry is the packed entry's low bits.
        EXPECT_EQ(new_entry_bits(e.entity.kind), new_entry_cost(e.entity));
        const Encoded enc = encode({}, {e});
        BitReader r(enc.bytes, enc.bits);
        ASSERT_EQ(r.read(kNewCountBits), 1u);
        const std::uint32_t n = new_entry_bits(e.entity.kind);
        std::array<std::uint64_t, 2> words{};
        for (std::uint32_t at = 0; at < n; at += 32) { // 32 bits at a time, LSB first
            const std::uint32_t take = std::min(n - at, 32u);
            words[at / 64] |= static_cast<std::uint64_t>(r.read(static_cast<int>(take))) << (at % 64);
        }
        ASSERT_FALSE(r.failed());
        EXPECT_EQ(words[0], p.lo);
        EXPECT_EQ(words[1], p.hi);
    }
}

TEST(DeltaEncode, EncodableIsWhatEncodeDeltaAccepts) {
    Rng rng(23);
    for (std::uint32_t k = 0; k < 5; ++k) {
        QEntity e = random_entity(rng, static_cast<EntityKind>(k));
        EXPECT_TRUE(encodable(e));
        const auto spec = fields(e.kind);
        for (std::size_t i = 0; i < kMaxFields; ++i) {
            QEntity wide = e;
            wide.f[i] = i < spec.size() ? 1u << spec[i].bits : 1u;
            EXPECT_FALSE(encodable(wide));
            std::array<std::uint8_t, 64> buf{};
            BitWriter w(buf);
            const std::vector<ViewEntry> view{{0, wide}};
            EXPECT_FALSE(encode_delta({}, view, w));
        }
    }
    EXPECT_FALSE(encodable(QEntity{EntityKind::Count, {}}));
}

TEST(DeltaTrusted, RecordBitsAreTheDeltaCost) {
    Rng rng(24);
    for (int round = 0; round < 3000; ++round) {
        const auto before = random_view(rng, 20);
        const auto after = mutate(rng, before, 0.0f, 0.8f, 0);
        ASSERT_EQ(before.size(), after.size());
        for (std::size_t k = 0; k < before.size(); ++k) {
            const auto other = static_cast<std::uint16_t>(rng.below(kMaxViewEntries)); // ids ignored
            const DeltaRecord r = delta_record(pack_entry(before[k]), pack_entry({other, after[k].entity}));
            ASSERT_EQ(r.bits, delta_cost(before[k].entity, after[k].entity));
            ASSERT_LE(r.bits, 102u);
            // Bits above the record are 0 (BitAppender::put requires it).
            if (r.bits < 64) {
                ASSERT_EQ(r.lo >> r.bits, 0u);
            }
            ASSERT_EQ(r.bits <= 64 ? r.hi : r.hi >> (r.bits - 64), 0u);
        }
    }
}

/// encode_delta_packed writes what encode_delta writes, after `lead` bits already in the writer.
::testing::AssertionResult same_bits(const std::vector<ViewEntry>& baseline,
                                     const std::vector<ViewEntry>& current, int lead = 0) {
    std::vector<std::uint8_t> a(kBufferBytes, 0x5a);
    std::vector<std::uint8_t> b(kBufferBytes, 0x5a);
    BitWriter wa(a);
    BitWriter wb(b);
    wa.write(0x2b, lead);
    wb.write(0x2b, lead);
    const bool ok_a = encode_delta_packed(packed(baseline), packed(current), wa);
    const bool ok_b = encode_delta(baseline, current, wb);
    if (!ok_a || !ok_b) {
        return ::testing::AssertionFailure() << "refused: packed " << ok_a << ", checked " << ok_b;
    }
    if (wa.bits() != wb.bits() || a != b) {
        return ::testing::AssertionFailure() << "bits differ: " << wa.bits() << " vs " << wb.bits();
    }
    return ::testing::AssertionSuccess();
}

TEST(DeltaTrusted, PackedEncoderWritesWhatEncodeDeltaWritesOnRandomViews) {
    Rng rng(25);
    for (int round = 0; round < 5000; ++round) {
        const auto baseline = random_view(rng, rng.below(round % 50 == 0 ? 1200 : 80));
        const float p_remove = rng.uniform() * 0.5f;
        const float p_change = rng.uniform();
        const auto current = mutate(rng, baseline, p_remove, p_change, rng.below(40));
        const auto lead = static_cast<int>(rng.below(9));
        ASSERT_TRUE(same_bits(baseline, current, lead)) << "round " << round;
    }
    for (int round = 0; round < 500; ++round) {
        const auto view = random_view(rng, rng.below(round % 100 == 0 ? 4000 : 100));
        ASSERT_TRUE(same_bits({}, view)) << "full, round " << round;
        ASSERT_TRUE(same_bits(view, {})) << "all removed, round " << round;
        ASSERT_TRUE(same_bits(view, view)) << "unchanged, round " << round;
    }
    ASSERT_TRUE(same_bits({}, {}));
}

TEST(DeltaTrusted, PackedEncoderWritesWhatEncodeDeltaWritesAtTheDeltaLimits) {
    // Every delta-coded field at both ends of its delta range and one past them, alone and with
    // every other field of the kind changing too (compact and explicit records, both field forms).
    for (std::uint32_t k = 0; k < 5; ++k) {
        const auto kind = static_cast<EntityKind>(k);
        const auto spec = fields(kind);
        QEntity mid{kind, {}};
        for (std::size_t i = 0; i < spec.size(); ++i) mid.f[i] = 1u << (spec[i].bits - 1);
        for (std::uint32_t mask = 1; mask < (1u << spec.size()); ++mask) {
            for (const int step : {-1, 0, 1, 2}) {
                QEntity next = mid;
                for (std::size_t i = 0; i < spec.size(); ++i) {
                    if ((mask >> i & 1u) == 0) continue;
                    const std::uint32_t lim = spec[i].delta_bits > 0 ? 1u << (spec[i].delta_bits - 1) : 1u;
                    const std::uint32_t v = step == -1  ? mid.f[i] - lim
                                            : step == 0 ? mid.f[i] + lim - 1
                                            : step == 1 ? mid.f[i] - lim - 1
                                                        : mid.f[i] + lim;
                    next.f[i] = v & max_value(spec[i]); // a 1-bit field wraps; the others stay in range
                }
                ASSERT_TRUE(same_bits({{7, mid}}, {{7, next}})) << "kind " << k << " mask " << mask;
            }
        }
    }
}

TEST(DeltaTrusted, WritesNothingWhatDoesNotFit) {
    Rng rng(26);
    const auto view = random_view(rng, 100);
    std::array<std::uint8_t, 64> buf;
    buf.fill(0x77);
    BitWriter w(buf);
    w.write(1, 3);
    EXPECT_FALSE(encode_delta_packed({}, packed(view), w));
    EXPECT_FALSE(w.overflowed());
    EXPECT_EQ(w.bits(), 3u);
    EXPECT_EQ(buf[1], 0x77);
}

/// Builds a section-B-only snapshot (empty baseline) by hand.
struct Hand {
    std::array<std::uint8_t, 512> buf{};
    BitWriter w{buf};
    void new_pickup(std::uint32_t id, std::uint32_t kind = 2) {
        w.write(id, kLocalIdBits);
        w.write(kind, kKindBits);
        w.write(1, 16);
        w.write(1, 1);
    }
    bool decode(std::span<const ViewEntry> baseline, std::vector<ViewEntry>& out) {
        BitReader r(w.data(), w.bits());
        return decode_delta(baseline, r, out);
    }
};

TEST(DeltaDecode, AcceptsAHandWrittenSnapshot) {
    Hand h;
    h.w.write(2, 11);
    h.new_pickup(3);
    h.new_pickup(700);
    std::vector<ViewEntry> out;
    ASSERT_TRUE(h.decode({}, out));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].local_id, 700);
    EXPECT_EQ(out[1].entity.kind, EntityKind::Pickup);
    EXPECT_EQ(out[1].entity.f[kPickupIndex], 1u);
}

TEST(DeltaDecode, RejectsUnsortedDuplicateOrBadNewEntries) {
    std::vector<ViewEntry> out;
    {
        Hand h; // unsorted
        h.w.write(2, 11);
        h.new_pickup(9);
        h.new_pickup(3);
        EXPECT_FALSE(h.decode({}, out));
    }
    {
        Hand h; // duplicate
        h.w.write(2, 11);
        h.new_pickup(9);
        h.new_pickup(9);
        EXPECT_FALSE(h.decode({}, out));
    }
    {
        Hand h; // bad kinds 5..7
        for (std::uint32_t kind = 5; kind < 8; ++kind) {
            h.w.reset();
            h.w.write(1, 11);
            h.new_pickup(9, kind);
            h.w.write(0, 32);
            h.w.write(0, 32);
            EXPECT_FALSE(h.decode({}, out)) << kind;
        }
    }
    {
        Hand h; // more than 1024
        h.w.write(1025, 11);
        for (int k = 0; k < 1025; ++k) h.w.write(0, 30);
        EXPECT_FALSE(h.decode({}, out));
    }
    {
        Hand h; // count larger than the bits that follow
        h.w.write(5, 11);
        h.new_pickup(1);
        EXPECT_FALSE(h.decode({}, out));
    }
}

TEST(DeltaDecode, RejectsANewIdAlreadyInTheBaseline) {
    const std::vector<ViewEntry> baseline{player(4, 1, 1), player(9, 1, 1)};
    std::vector<ViewEntry> out;
    for (const bool remove_first : {false, true}) {
        Hand h;
        h.w.write(remove_first ? 0b01 : 0, remove_first ? 2 : 1); // id 4: removed or kept
        h.w.write(0, 1);                                          // id 9 kept
        h.w.write(1, 11);
        h.new_pickup(4);
        EXPECT_FALSE(h.decode(baseline, out)) << remove_first;
    }
    Hand h; // the same with a fresh id is fine, and lands in order
    h.w.write(0, 1);
    h.w.write(0, 1);
    h.w.write(1, 11);
    h.new_pickup(5);
    ASSERT_TRUE(h.decode(baseline, out));
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].local_id, 4);
    EXPECT_EQ(out[1].local_id, 5);
    EXPECT_EQ(out[2].local_id, 9);
}

TEST(DeltaDecode, RejectsADeltaLeavingTheFieldRange) {
    const std::vector<ViewEntry> baseline{player(4, 3, 262140)};
    std::vector<ViewEntry> out;
    const auto with_deltas = [&](std::int32_t dx, std::int32_t dy) {
        Hand h;
        h.w.write(0b0111, 4); // explicit mask
        h.w.write(0b11, 9);   // x and y
        h.w.write(1, 1);
        h.w.write(static_cast<std::uint32_t>(dx), 8);
        h.w.write(1, 1);
        h.w.write(static_cast<std::uint32_t>(dy), 8);
        h.w.write(0, 11);
        return h.decode(baseline, out);
    };
    EXPECT_TRUE(with_deltas(-3, 3));
    EXPECT_EQ(out[0].entity.f[kPlayerX], 0u);
    EXPECT_EQ(out[0].entity.f[kPlayerY], 262143u);
    EXPECT_FALSE(with_deltas(-4, 0));
    EXPECT_FALSE(with_deltas(0, 4));
    // The same in the compact form (common mask {x, y}: deltas without flags).
    const auto compact = [&](std::int32_t dx, std::int32_t dy) {
        Hand h;
        h.w.write(0b01, 2);
        h.w.write(static_cast<std::uint32_t>(dx), 8);
        h.w.write(static_cast<std::uint32_t>(dy), 8);
        h.w.write(0, 11);
        return h.decode(baseline, out);
    };
    EXPECT_TRUE(compact(-3, 3));
    EXPECT_EQ(out[0].entity.f[kPlayerX], 0u);
    EXPECT_FALSE(compact(-4, 0));
    EXPECT_FALSE(compact(0, 4));
}

TEST(DeltaDecode, EveryTruncationFailsCleanlyOrYieldsAValidView) {
    Rng rng(10);
    std::vector<ViewEntry> out;
    for (int round = 0; round < 150; ++round) {
        const auto baseline = random_view(rng, rng.below(30));
        const auto current = mutate(rng, baseline, 0.2f, 0.6f, 8);
        const Encoded enc = encode(baseline, current);
        for (std::size_t t = 0; t < enc.bits; ++t) {
            BitReader r(enc.bytes, t);
            if (decode_delta(baseline, r, out)) {
                ASSERT_TRUE(valid_view(out)) << "round " << round << " cut at " << t;
            }
        }
        // Truncating whole bytes, as a short datagram would.
        for (std::size_t n = 0; n < enc.bytes.size(); ++n) {
            BitReader r(std::span(enc.bytes).first(n));
            if (decode_delta(baseline, r, out)) {
                ASSERT_TRUE(valid_view(out));
            }
        }
        BitReader exact(enc.bytes, enc.bits);
        ASSERT_TRUE(decode_delta(baseline, exact, out));
        ASSERT_EQ(out, current);
    }
}

TEST(DeltaDecode, RandomBytesNeverCrash) {
    Rng rng(12);
    std::vector<ViewEntry> out;
    std::vector<ViewEntry> again;
    std::vector<std::uint8_t> bytes;
    std::array<std::uint8_t, kBufferBytes> buf{};
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        const auto baseline = random_view(rng, rng.below(20));
        bytes.resize(rng.below(200));
        const float p_zero = rng.uniform(); // sparse inputs reach deeper
        for (auto& b : bytes) b = rng.chance(p_zero) ? 0 : static_cast<std::uint8_t>(rng.next());
        BitReader r(bytes);
        if (!decode_delta(baseline, r, out)) {
            continue;
        }
        ++accepted;
        ASSERT_TRUE(valid_view(out)) << "round " << round;
        // Whatever was accepted is a view the encoder can send again, identically.
        BitWriter w(buf);
        ASSERT_TRUE(encode_delta(baseline, out, w));
        BitReader r2(w.data(), w.bits());
        ASSERT_TRUE(decode_delta(baseline, r2, again));
        ASSERT_EQ(again, out);
    }
    EXPECT_GT(accepted, 100); // the property above was exercised
}

} // namespace
} // namespace mgs::sync
