// Area of interest, local ids, budget and the snapshot ring, against a real world with bots; and
// the deterministic multi-client test: 50 clients behind seeded lossy links reconstruct exactly
// what the server says they hold, after every snapshot they receive.
#include "sync/view.hpp"

#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "support/link_model.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace mgs::sync {
namespace {

struct Scenario {
    sim::Rules rules;
    world::MapParams map;
    std::unique_ptr<sim::World> world;
    SerialExecutor exec;
    Rng rng{99};

    explicit Scenario(int bot_count, float w = 3000.0f, float h = 2000.0f) {
        map.width = w;
        map.height = h;
        map.seed = 7;
        world = std::make_unique<sim::World>(rules, map, bot_count);
    }
    /// Players wander, turn and shoot at random (the bot AI lives above this module).
    void step(int ticks) {
        for (int i = 0; i < ticks; ++i) {
            const sim::Players& pl = world->players();
            for (std::uint32_t slot = 0; slot < pl.size(); ++slot) {
                if (pl.in_use[slot] == 0) {
                    continue;
                }
                sim::Input in;
                in.move_x = static_cast<std::int8_t>(static_cast<int>(rng.below(3)) - 1);
                in.move_y = static_cast<std::int8_t>(static_cast<int>(rng.below(3)) - 1);
                in.aim = rng.range(-3.14f, 3.14f);
                in.buttons = rng.chance(0.2f) ? sim::kButtonFire : 0;
                world->set_input(world->handle(slot), in);
            }
            world->step(exec);
        }
    }
};

std::vector<ViewEntry> decode(std::span<const ViewEntry> baseline, const std::vector<std::uint8_t>& bytes,
                              std::size_t bits) {
    BitReader r(bytes, bits);
    std::vector<ViewEntry> out;
    EXPECT_TRUE(decode_delta(baseline, r, out));
    return out;
}

struct Encoded {
    std::uint32_t id = 0;
    std::uint32_t baseline = 0;
    std::vector<std::uint8_t> bytes;
    std::size_t bits = 0;
};

Encoded snap(ClientView& v, const Frame& f, Vec2 c, std::uint32_t acked) {
    std::vector<std::uint8_t> buf(4096);
    BitWriter w(buf);
    Encoded e;
    e.id = v.snapshot(f, c, acked, w, e.baseline);
    EXPECT_FALSE(w.overflowed());
    e.bits = w.bits();
    buf.resize(w.bytes());
    e.bytes = std::move(buf);
    return e;
}

Encoded snap_own(ClientView& v, const Frame& f, Vec2 c, std::uint32_t acked, std::uint32_t own_key) {
    std::vector<std::uint8_t> buf(4096);
    BitWriter w(buf);
    Encoded e;
    e.id = v.snapshot(f, c, acked, w, e.baseline, 0, own_key);
    EXPECT_FALSE(w.overflowed());
    e.bits = w.bits();
    buf.resize(w.bytes());
    e.bytes = std::move(buf);
    return e;
}

TEST(SyncView, FirstSnapshotIsFullAndMatchesTheWorld) {
    Scenario s(30);
    s.step(60);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    ClientView view;
    const Vec2 c{1500, 1000};
    const Encoded e = snap(view, frame, c, 0);
    EXPECT_EQ(e.baseline, 0u);
    const auto got = decode({}, e.bytes, e.bits);
    const auto sent = view.sent(e.id);
    ASSERT_EQ(got.size(), sent.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].local_id, sent[i].local_id);
        EXPECT_EQ(got[i].entity, sent[i].entity);
    }
    // Everything inside the rectangle is there, with its exact quantised state.
    std::map<std::uint32_t, QEntity> expected;
    const Aabb rect{{c.x - 1100, c.y - 700}, {c.x + 1100, c.y + 700}};
    for (std::uint32_t i = 0; i < frame.size(); ++i) {
        const Vec2 p = frame.position(i);
        if (p.x >= rect.min.x && p.x <= rect.max.x && p.y >= rect.min.y && p.y <= rect.max.y) {
            expected[frame.key_at(i)] = frame.entity(i);
        }
    }
    ASSERT_EQ(got.size(), expected.size());
    for (const ViewEntry& e2 : got) {
        const std::uint32_t key = view.key_of(e2.local_id);
        ASSERT_TRUE(expected.count(key)) << key;
        EXPECT_EQ(expected[key], e2.entity);
    }
}

TEST(SyncView, AcknowledgedSnapshotsMakeSmallDeltas) {
    Scenario s(30);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    ClientView view;
    const Vec2 c{1500, 1000};
    frame.build(*s.world);
    Encoded first = snap(view, frame, c, 0);
    std::vector<ViewEntry> held = decode({}, first.bytes, first.bits);
    std::uint32_t acked = first.id;
    for (int i = 0; i < 20; ++i) {
        s.step(1); // one tick apart: most things have not changed
        frame.build(*s.world);
        const Encoded e = snap(view, frame, c, acked);
        EXPECT_EQ(e.baseline, acked);
        held = decode(held, e.bytes, e.bits);
        const auto sent = view.sent(e.id);
        ASSERT_EQ(held.size(), sent.size());
        EXPECT_TRUE(
            std::equal(held.begin(), held.end(), sent.begin(), [](const ViewEntry& a, const ViewEntry& b) {
                return a.local_id == b.local_id && a.entity == b.entity;
            }));
        EXPECT_LT(e.bits, first.bits / 2);
        acked = e.id;
    }
}

bool holds(const ClientView& v, std::uint32_t id, std::uint32_t key) {
    for (const ViewEntry& e : v.sent(id)) {
        if (v.key_of(e.local_id) == key) {
            return true;
        }
    }
    return false;
}

TEST(SyncView, HysteresisKeepsEdgeEntitiesUntilTheyAreClearlyOut) {
    Scenario s(0, 8000, 2000);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    // A static pickup; the client moves so that it sits at the right edge of the view.
    ASSERT_FALSE(s.world->map().pickups.empty());
    const Vec2 p = s.world->map().pickups[0].pos;
    const std::uint32_t key = Frame::key(EntityKind::Pickup, 0);
    ClientView view;
    std::uint32_t acked = 0;
    auto look_from = [&](ClientView& v, float dx) {
        const Encoded e = snap(v, frame, {p.x - dx, p.y}, acked);
        acked = e.id;
        return holds(v, e.id, key);
    };
    EXPECT_TRUE(look_from(view, 1100.0f - 10.0f));  // just inside: enters
    EXPECT_TRUE(look_from(view, 1100.0f + 100.0f)); // outside, within the 200 wu margin: stays
    ClientView fresh;
    acked = 0;
    EXPECT_FALSE(look_from(fresh, 1100.0f + 100.0f)); // but does not enter from there
    acked = 0;
    EXPECT_FALSE(look_from(view, 1100.0f + 300.0f)); // beyond the margin: leaves
}

TEST(SyncView, BudgetIsRespectedAndEveryoneIsRefreshedEventually) {
    Scenario s(120, 2400, 1600);
    s.step(60);
    Frame frame(s.map.width, s.map.height);
    ViewConfig cfg;
    cfg.budget_bytes = 200; // far too small for everything at once
    ClientView view(cfg);
    const Vec2 c{1200, 800};
    std::uint32_t acked = 0;
    std::vector<ViewEntry> held;
    std::map<std::uint16_t, int> stale_for;
    for (int i = 0; i < 40; ++i) {
        s.step(1);
        frame.build(*s.world);
        const Encoded e = snap(view, frame, c, acked);
        EXPECT_LE(e.bits, cfg.budget_bytes * 8 + 64) << "snapshot " << i;
        held = decode(e.baseline == 0 ? std::span<const ViewEntry>()
                                      : std::span<const ViewEntry>(view.sent(acked)),
                      e.bytes, e.bits);
        acked = e.id;
    }
    // After enough snapshots every member has been sent at least once.
    EXPECT_GT(held.size(), 40u);
}

// The massive preset's map has about 16 000 pickup spots and 11 000 walls: every index a map
// can hold must fit its field, or the snapshot cannot be encoded at all.
TEST(SyncView, EntitiesOfLargeMapsAreEncodable) {
    Scenario s(0, 3000, 2000);
    s.map.floor_per_pickup_wu2 = 2500.0f; // the config's densest: about 2 000 spots here
    s.map.width = 8000.0f;
    s.map.height = 6000.0f;
    s.world = std::make_unique<sim::World>(s.rules, s.map, 0);
    ASSERT_GT(s.world->map().pickups.size(), 4096u);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    const auto last = static_cast<std::uint32_t>(s.world->map().pickups.size() - 1);
    const Vec2 at = s.world->map().pickups[last].pos;
    ClientView view;
    const Encoded e = snap(view, frame, at, 0);
    const auto got = decode({}, e.bytes, e.bits);
    EXPECT_TRUE(holds(view, e.id, Frame::key(EntityKind::Pickup, last)));
    EXPECT_EQ(got.size(), view.sent(e.id).size());
    EXPECT_GT(got.size(), 10u);
}

/// The client's own player is in every snapshot with its fresh state, in a crowd that the budget
/// cannot hold (full snapshots and deltas, acknowledged or lost), and in a view with more
/// entities than there are local ids.
TEST(SyncView, OwnPlayerIsInEverySnapshotWhateverTheCrowd) {
    Scenario s(150, 2400, 1600); // the whole map in one view: ~150 players, pickups, walls
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    ViewConfig cfg;
    cfg.budget_bytes = 300; // the configuration's smallest: a fraction of a full view
    ClientView view(cfg);
    const std::uint32_t own = 149; // the last slot: its entity comes late in the grid's order
    const std::uint32_t own_key = Frame::key(EntityKind::Player, own);
    std::uint32_t acked = 0;
    std::vector<ViewEntry> held;
    int crowded = 0;
    for (int i = 0; i < 60; ++i) {
        s.step(1);
        frame.build(*s.world);
        const Vec2 c = s.world->players().pos[own];
        // Every 7th snapshot is lost (its ack never comes); every 20th the client asks for a full one.
        const bool full = i % 20 == 10;
        std::vector<std::uint8_t> buf(4096);
        BitWriter w(buf);
        std::uint32_t baseline = 0;
        const std::uint32_t id = view.snapshot(frame, c, full ? 0 : acked, w, baseline, 0, own_key);
        ASSERT_FALSE(w.overflowed());
        EXPECT_LE(w.bits(), cfg.budget_bytes * 8 + 102) << "snapshot " << i;
        crowded += view.sent(id).size() < view.in_view() ? 1 : 0;
        std::vector<std::uint8_t> bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.bytes()));
        held = decode(baseline == 0 ? std::span<const ViewEntry>() : view.sent(baseline), bytes, w.bits());
        // The own player is in the decoded view, as it is now in the world.
        const QEntity& truth = frame.entity(frame.find(own_key));
        int found = 0;
        for (const ViewEntry& e : held) {
            if (view.key_of(e.local_id) == own_key) {
                ++found;
                EXPECT_EQ(e.entity, truth) << "snapshot " << i;
            }
        }
        EXPECT_EQ(found, 1) << "snapshot " << i;
        if (i % 7 != 3) {
            acked = id;
        }
    }
    EXPECT_GT(crowded, 30) << "the budget should not hold the whole view";
}

TEST(SyncView, OwnPlayerGetsALocalIdInAViewOfMoreThan1024Entities) {
    Scenario s(1300, 2400, 1600);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    ASSERT_GT(frame.size(), kMaxViewEntries);
    const std::uint32_t own = 1299;
    const std::uint32_t own_key = Frame::key(EntityKind::Player, own);
    ViewConfig cfg;
    cfg.half_width = 5000.0f; // everything in view
    cfg.half_height = 5000.0f;
    ClientView view(cfg);
    const Vec2 c = s.world->players().pos[own];
    const Encoded e = snap_own(view, frame, c, 0, own_key);
    EXPECT_EQ(view.in_view(), kMaxViewEntries);
    EXPECT_TRUE(holds(view, e.id, own_key));
    // Without the own key the crowd takes the ids in the grid's order, and leaves it out.
    ClientView other(cfg);
    const Encoded o = snap(other, frame, c, 0);
    EXPECT_EQ(other.in_view(), kMaxViewEntries);
    EXPECT_FALSE(holds(other, o.id, own_key));
}

/// 50 clients, each behind its own seeded link (loss 0-20 %, latency, jitter, reordering), on a
/// virtual clock; the server sends a snapshot every 3 ticks (20 Hz at 60... here 30 Hz / 1.5)
/// and clients acknowledge the newest snapshot they decoded. After every snapshot a client
/// decodes, its view must equal exactly what the server recorded for that snapshot.
TEST(SyncView, SnapshotsOlderThanTheAcknowledgedOneAreForgotten) {
    // A client that acknowledges keeps only what can still be a baseline: the memory of a view
    // follows the snapshots in flight, not the ring's length.
    Scenario s(60);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    ClientView view;
    const Vec2 c{1500, 1000};
    std::uint32_t acked = 0;
    std::uint32_t told = 0; // the acknowledgement the view last saw
    std::size_t bytes_acking = 0;
    for (int k = 0; k < 40; ++k) {
        s.step(2);
        frame.build(*s.world);
        told = acked;
        const Encoded e = snap(view, frame, c, acked);
        acked = e.id > 2 ? e.id - 2 : 0; // acknowledgements two snapshots behind
        EXPECT_LE(view.remembered(), 4u);
        bytes_acking = std::max(bytes_acking, view.memory_bytes());
    }
    ASSERT_GT(told, 1u);
    EXPECT_EQ(view.sent(told - 1).size(), 0u); // older than the acknowledgement: forgotten
    EXPECT_GT(view.sent(told).size(), 0u);     // the baseline itself stays
    // A client that never acknowledges has the whole ring remembered.
    ClientView silent;
    for (int k = 0; k < 40; ++k) {
        s.step(2);
        frame.build(*s.world);
        snap(silent, frame, c, 0);
    }
    EXPECT_EQ(silent.remembered(), silent.config().ring);
    EXPECT_LT(bytes_acking, silent.memory_bytes());
}

TEST(SyncView, FramesRequantiseOnlyTheStaticEntitiesThatChanged) {
    Scenario s(10);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    const std::size_t statics = frame.static_size();
    ASSERT_GT(statics, 0u);
    EXPECT_EQ(frame.static_updates(), statics); // the first build quantises them all
    s.step(1);
    frame.build(*s.world);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < statics; ++i) {
        const QEntity& q = frame.entity(static_cast<std::uint32_t>(i));
        if (q.kind == EntityKind::Wall) {
            s.world->set_wall_health(q.f[kWallIndex], 0.0f); // one wall falls between two builds
            changed = i;
            break;
        }
    }
    ASSERT_NE(changed, 0u) << "the map has no destructible wall";
    frame.build(*s.world);
    EXPECT_EQ(frame.static_updates(), 1u);
    EXPECT_EQ(frame.entity(static_cast<std::uint32_t>(changed)).f[kWallHealth], 0u);
    // The frame still finds every entity by key, static or moving.
    for (std::uint32_t i = 0; i < frame.size(); ++i) {
        EXPECT_EQ(frame.find(frame.key_at(i)), i);
    }
}

TEST(SyncView, SheddingShrinksTheViewAndRefreshesFarEntitiesLessOften) {
    Scenario s(80);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    frame.build(*s.world);
    const Vec2 c{1500, 1000};
    ClientView full;
    ClientView small;
    snap(full, frame, c, 0);
    {
        std::vector<std::uint8_t> buf(4096);
        BitWriter w(buf);
        std::uint32_t baseline = 0;
        small.snapshot(frame, c, 0, w, baseline, 0, Frame::kNoKey, Shedding{0.5f, 1});
    }
    EXPECT_LT(small.in_view(), full.in_view());
    // Far entities every other snapshot: over a run, the entities in the outer part of the view
    // are sent fresh less often than with no shedding, the inner part as often.
    const auto fresh_counts = [&](int far_refresh) {
        Scenario run(80);
        run.step(30);
        Frame f(run.map.width, run.map.height);
        ClientView v;
        std::uint32_t acked = 0;
        int near_fresh = 0, far_fresh = 0;
        std::vector<ViewEntry> before;
        for (int k = 0; k < 30; ++k) {
            run.step(2);
            f.build(*run.world);
            std::vector<std::uint8_t> buf(4096);
            BitWriter w(buf);
            std::uint32_t baseline = 0;
            const std::uint32_t id =
                v.snapshot(f, c, acked, w, baseline, 0, Frame::kNoKey, Shedding{1.0f, far_refresh});
            const std::vector<ViewEntry> now = v.sent(id);
            for (const ViewEntry& e : now) {
                if (e.entity.kind != EntityKind::Player) continue;
                const auto old = std::find_if(before.begin(), before.end(),
                                              [&](const ViewEntry& b) { return b.local_id == e.local_id; });
                if (old == before.end() || old->entity == e.entity) continue;
                const float dx = dequantise_position(e.entity.f[kPlayerX]) - c.x;
                const float dy = dequantise_position(e.entity.f[kPlayerY]) - c.y;
                const bool far = std::abs(dx) > 0.5f * v.config().half_width ||
                                 std::abs(dy) > 0.5f * v.config().half_height;
                (far ? far_fresh : near_fresh) += 1;
            }
            before = now;
            acked = id;
        }
        return std::pair{near_fresh, far_fresh};
    };
    const auto [near1, far1] = fresh_counts(1);
    const auto [near2, far2] = fresh_counts(2);
    ASSERT_GT(far1, 0);
    EXPECT_LT(far2, far1 * 3 / 4);
    EXPECT_GT(near2, near1 * 3 / 4);
}

/// What one snapshot of the trusted path was, checked against the validating encoder.
struct Checked {
    std::uint32_t id = 0;
    std::uint32_t baseline = 0;
    std::size_t bits = 0; // delta bits (after the lead)
    bool kept = false;    // accepted, and kept as a baseline
};

/// Makes a snapshot into a writer of `capacity` bytes after `lead` bits, and checks that the bits
/// are what encode_delta writes for the view held at `acked` and the snapshot's view (the same
/// bits, the same overflow), that the view is kept exactly when encode_delta accepts it, and that
/// it decodes back.
::testing::AssertionResult check_snapshot(ClientView& v, const Frame& f, Vec2 center, std::uint32_t acked,
                                          std::size_t budget, std::uint32_t own_key, const Shedding& shed,
                                          std::size_t capacity, int lead, Checked& out) {
    const std::vector<ViewEntry> held = acked != 0 ? v.sent(acked) : std::vector<ViewEntry>{};
    std::vector<std::uint8_t> buf(capacity, 0xc3);
    std::vector<std::uint8_t> ref_buf(capacity, 0xc3);
    BitWriter w(buf);
    BitWriter ref(ref_buf);
    w.write(0x55, lead);
    ref.write(0x55, lead);
    out.id = v.snapshot(f, center, acked, w, out.baseline, budget, own_key, shed);
    std::vector<ViewEntry> now;
    for (const PackedEntry& p : ClientView::last_entries()) {
        now.push_back(unpack_entry(p));
    }
    if (out.baseline != 0 && out.baseline != acked) {
        return ::testing::AssertionFailure() << "baseline " << out.baseline << " for ack " << acked;
    }
    const std::span<const ViewEntry> base =
        out.baseline != 0 ? std::span<const ViewEntry>(held) : std::span<const ViewEntry>();
    const bool ok = encode_delta(base, now, ref);
    if (w.bits() != ref.bits() || w.overflowed() != ref.overflowed() || buf != ref_buf) {
        return ::testing::AssertionFailure()
               << "bits differ: " << w.bits() << " vs " << ref.bits() << " (baseline " << out.baseline << ")";
    }
    if (v.sent(out.id) != (ok ? now : std::vector<ViewEntry>{})) {
        return ::testing::AssertionFailure()
               << "kept " << v.sent(out.id).size() << " entries, encoder " << (ok ? "accepted" : "refused");
    }
    out.kept = ok;
    out.bits = w.bits() - static_cast<std::size_t>(lead);
    if (ok) {
        BitReader r(buf, w.bits());
        std::vector<ViewEntry> decoded;
        if (r.read(lead) != (0x55u & ((1u << lead) - 1)) || !decode_delta(base, r, decoded) ||
            decoded != now) {
            return ::testing::AssertionFailure() << "does not decode to the snapshot's view";
        }
    }
    return ::testing::AssertionSuccess();
}

TEST(SyncView, SnapshotsAreWhatEncodeDeltaWritesForTheSameViews) {
    // The view writes its snapshots itself, from the packed entries and the records it worked out
    // while budgeting (the trusted path, no validation). Given the views the client holds before
    // and after, the validating encoder must write the same bits, whatever the crowd, the
    // acknowledgements (late, lost, reset for a resync), the budget (tiny to huge), the shedding,
    // the own player, and writers too small for the snapshot (then both refuse it alike).
    Scenario s(400, 3000, 2000);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    Rng rng(41);
    struct Client {
        ClientView view;
        std::uint32_t acked = 0; // the largest acknowledgement
        std::uint32_t newest = 0;
        std::uint32_t player = 0;
        bool spectator = false;
        Vec2 camera;
    };
    std::vector<std::unique_ptr<Client>> clients;
    for (std::uint32_t i = 0; i < 24; ++i) {
        auto c = std::make_unique<Client>();
        c->player = i * 7 % 400;
        c->spectator = i % 6 == 5;
        c->camera = {rng.range(0.0f, 3000.0f), rng.range(0.0f, 2000.0f)};
        clients.push_back(std::move(c));
    }
    const std::array<std::size_t, 7> budgets{0, 40, 64, 150, 400, 1060, 3000};
    const std::array<Shedding, 4> sheds{Shedding{}, Shedding{1.0f, 2}, Shedding{0.7f, 3}, Shedding{0.5f, 1}};
    int deltas = 0, full = 0, refused = 0, over_budget = 0;
    for (int snap = 0; snap < 60; ++snap) {
        s.step(1 + snap % 2);
        frame.build(*s.world);
        for (auto& c : clients) {
            if (c->newest > 0 && rng.chance(0.6f)) {
                const std::uint32_t lag = std::min(c->newest - 1, rng.below(4));
                c->acked = std::max(c->acked, c->newest - lag);
            }
            const std::uint32_t acked = rng.chance(0.08f) ? 0 : c->acked; // 0: a resync
            const std::size_t budget = budgets[rng.below(budgets.size())];
            const std::uint32_t own_key =
                c->spectator ? Frame::kNoKey : Frame::key(EntityKind::Player, c->player);
            const Vec2 center = c->spectator ? c->camera : s.world->players().pos[c->player];
            const Shedding shed = sheds[rng.below(sheds.size())];
            const std::size_t capacity = rng.chance(0.05f) ? 24 : 8192;
            const auto lead = static_cast<int>(rng.below(8));
            Checked k;
            ASSERT_TRUE(
                check_snapshot(c->view, frame, center, acked, budget, own_key, shed, capacity, lead, k))
                << "snapshot " << snap;
            c->newest = k.id;
            if (!k.kept) {
                ++refused;
                continue;
            }
            (k.baseline != 0 ? deltas : full) += 1;
            over_budget += k.bits > (budget == 0 ? 1060 : budget) * 8 ? 1 : 0;
        }
    }
    // The cases above all happened.
    EXPECT_GT(deltas, 500);
    EXPECT_GT(full, 50);
    EXPECT_GT(refused, 10);
    EXPECT_GT(over_budget, 5); // the fixed part and the own player may exceed a tiny budget
}

TEST(SyncView, ABaselineInTheRingSlotTheSnapshotReplaces) {
    // Acknowledged exactly `ring` snapshots back, the baseline sits in the slot the new snapshot
    // goes to: it is read before being replaced.
    Scenario s(120);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    ClientView v(ViewConfig{.ring = 8});
    const Vec2 c{1500, 1000};
    Checked k;
    for (int snap = 0; snap < 8; ++snap) {
        s.step(2);
        frame.build(*s.world);
        ASSERT_TRUE(check_snapshot(v, frame, c, snap == 0 ? 0 : 1, 0, Frame::kNoKey, {}, 8192, 0, k));
    }
    EXPECT_EQ(k.id, 8u);
    s.step(2);
    frame.build(*s.world);
    ASSERT_TRUE(check_snapshot(v, frame, c, 1, 0, Frame::kNoKey, {}, 8192, 0, k));
    EXPECT_EQ(k.id % 8, 1u);
    EXPECT_EQ(k.baseline, 1u);
    EXPECT_TRUE(k.kept);
}

TEST(SyncMultiClient, FiftyClientsOnLossyLinksReconstructExactly) {
    Scenario s(80, 3000, 2000);
    s.step(30);
    Frame frame(s.map.width, s.map.height);
    struct Client {
        ClientView server_side;
        test::Link down{{}, 1};
        test::Link up{{}, 2};
        std::map<std::uint32_t, std::vector<ViewEntry>> held; // snapshot id -> decoded view
        std::uint32_t acked = 0;
        std::uint32_t server_acked = 0;
        int decoded = 0;
        std::uint32_t player = 0;
    };
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 50; ++i) {
        auto c = std::make_unique<Client>();
        const float loss = 0.2f * static_cast<float>(i) / 49.0f;
        c->down = test::Link({loss, 40'000, 30'000, 0.01f}, 100 + static_cast<std::uint64_t>(i));
        c->up = test::Link({loss, 40'000, 30'000, 0.0f}, 200 + static_cast<std::uint64_t>(i));
        c->player = static_cast<std::uint32_t>(i % 80);
        clients.push_back(std::move(c));
    }
    std::uint64_t now = 0;
    int mismatches = 0;
    int stale = 0;
    std::map<std::uint32_t, QEntity> truth_now; // frame key -> quantised state this snapshot
    for (int tick = 0; tick < 300; ++tick) {
        s.step(1);
        now += 33'333;
        if (tick % 2 == 0) {
            frame.build(*s.world);
            truth_now.clear();
            for (std::uint32_t i = 0; i < frame.size(); ++i) {
                truth_now[frame.key_at(i)] = frame.entity(i);
            }
            for (auto& c : clients) {
                const Vec2 center = s.world->players().pos[c->player];
                std::vector<std::uint8_t> buf(2048);
                BitWriter w(buf);
                std::uint32_t baseline = 0;
                const std::uint32_t id = c->server_side.snapshot(frame, center, c->server_acked, w, baseline);
                ASSERT_FALSE(w.overflowed());
                // What the server says the client will hold is the world as it is now (the budget
                // is large enough here that nothing is left stale).
                for (const ViewEntry& e : c->server_side.sent(id)) {
                    const auto it = truth_now.find(c->server_side.key_of(e.local_id));
                    stale += it == truth_now.end() || !(it->second == e.entity) ? 1 : 0;
                }
                // Wire: id (4 bytes), baseline (4), bit count (4), then the bits.
                std::vector<std::uint8_t> packet(12 + w.bytes());
                const auto bits = static_cast<std::uint32_t>(w.bits());
                std::memcpy(packet.data(), &id, 4);
                std::memcpy(packet.data() + 4, &baseline, 4);
                std::memcpy(packet.data() + 8, &bits, 4);
                std::memcpy(packet.data() + 12, buf.data(), w.bytes());
                c->down.send(now, packet);
            }
        }
        for (auto& c : clients) {
            std::vector<std::uint8_t> p;
            while (c->down.receive(now, p)) {
                std::uint32_t id = 0, baseline = 0, bits = 0;
                std::memcpy(&id, p.data(), 4);
                std::memcpy(&baseline, p.data() + 4, 4);
                std::memcpy(&bits, p.data() + 8, 4);
                if (id <= c->acked) {
                    continue; // older than what we have: a late duplicate or reordered packet
                }
                std::span<const ViewEntry> base;
                if (baseline != 0) {
                    auto it = c->held.find(baseline);
                    if (it == c->held.end()) {
                        continue; // baseline dropped locally: wait for a full one
                    }
                    base = it->second;
                }
                BitReader r(std::span<const std::uint8_t>(p.data() + 12, p.size() - 12), bits);
                std::vector<ViewEntry> view;
                ASSERT_TRUE(decode_delta(base, r, view));
                const auto truth = c->server_side.sent(id);
                if (!std::equal(view.begin(), view.end(), truth.begin(), truth.end(),
                                [](const ViewEntry& a, const ViewEntry& b) {
                                    return a.local_id == b.local_id && a.entity == b.entity;
                                })) {
                    ++mismatches;
                }
                c->held[id] = std::move(view);
                while (c->held.size() > 40) {
                    c->held.erase(c->held.begin());
                }
                c->acked = id;
                ++c->decoded;
                const std::vector<std::uint8_t> ack(reinterpret_cast<const std::uint8_t*>(&id),
                                                    reinterpret_cast<const std::uint8_t*>(&id) + 4);
                c->up.send(now, ack);
            }
            while (c->up.receive(now, p)) {
                std::uint32_t ack = 0;
                std::memcpy(&ack, p.data(), 4);
                c->server_acked = std::max(c->server_acked, ack);
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(stale, 0);
    for (const auto& c : clients) {
        EXPECT_GT(c->decoded, 60) << "a client decoded too few snapshots";
    }
}

} // namespace
} // namespace mgs::sync
