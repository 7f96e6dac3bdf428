// The client-side snapshot receiver: chains of deltas decode to the views the server encoded,
// a snapshot whose baseline is not held (never received, or left the ring) or whose bytes are
// corrupt is dropped without disturbing what is held, and views that break the protocol's rules
// are caught.
#include "sync/receiver.hpp"

#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace mgs::sync {
namespace {

QEntity player(std::uint32_t slot, std::uint32_t x, std::uint32_t y) {
    QEntity e;
    e.kind = EntityKind::Player;
    e.f[kPlayerX] = x;
    e.f[kPlayerY] = y;
    e.f[kPlayerHealth] = 100;
    e.f[kPlayerTeam] = slot % 2;
    e.f[kPlayerStatus] = kStatusAlive;
    e.f[kPlayerId] = slot;
    return e;
}

QEntity wall(std::uint32_t index, std::uint32_t health) {
    QEntity e;
    e.kind = EntityKind::Wall;
    e.f[kWallIndex] = index;
    e.f[kWallHealth] = health;
    return e;
}

/// The delta bytes of `current` against `baseline` (empty: full).
std::vector<std::uint8_t> encode(const std::vector<ViewEntry>& baseline,
                                 const std::vector<ViewEntry>& current) {
    std::vector<std::uint8_t> buf(16384);
    BitWriter w(buf);
    EXPECT_TRUE(encode_delta(baseline, current, w));
    buf.resize(w.bytes());
    return buf;
}

/// A view of `n` players moved by `step` 1/8 wu each snapshot, plus one wall.
std::vector<ViewEntry> view_at(std::uint32_t step, std::size_t n = 5) {
    std::vector<ViewEntry> v;
    for (std::uint16_t i = 0; i < n; ++i) {
        v.push_back({i, player(10u + i, 8000u + step * (i + 1u), 4000u + step)});
    }
    v.push_back({static_cast<std::uint16_t>(n), wall(300, 150 - step)});
    return v;
}

bool same(std::span<const ViewEntry> a, const std::vector<ViewEntry>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

TEST(SnapshotReceiver, DecodesAChainOfDeltasAndAcknowledgesTheNewest) {
    SnapshotReceiver r;
    EXPECT_EQ(r.ack_id(), 0u);
    EXPECT_TRUE(r.latest().empty());
    EXPECT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    EXPECT_EQ(r.ack_id(), 1u);
    for (std::uint32_t id = 2; id <= 40; ++id) {
        // Against the previous snapshot, as a server does once the client acknowledges it.
        ASSERT_EQ(r.receive(id, id - 1, encode(view_at(id - 2), view_at(id - 1))), ReceiveResult::Ok) << id;
        EXPECT_EQ(r.ack_id(), id);
        EXPECT_TRUE(same(r.latest(), view_at(id - 1)));
    }
    EXPECT_EQ(r.stats().ok, 40u);
    EXPECT_EQ(r.stats().full, 1u);
    // Views older than the newest baseline are released: the server never names them again.
    EXPECT_LE(r.views_held(), 2u);
    EXPECT_TRUE(r.holds(39));
    EXPECT_FALSE(r.holds(30));
}

TEST(SnapshotReceiver, DeltaAgainstAnOlderHeldViewDecodes) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    ASSERT_EQ(r.receive(2, 1, encode(view_at(0), view_at(1))), ReceiveResult::Ok);
    // The server had not seen the acknowledgement of 2 yet: 3 is against 1.
    ASSERT_EQ(r.receive(3, 1, encode(view_at(0), view_at(2))), ReceiveResult::Ok);
    EXPECT_TRUE(same(r.latest(), view_at(2)));
}

TEST(SnapshotReceiver, MissingBaselineIsDroppedAndNothingChanges) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    // Snapshot 3 against 2, which never arrived.
    EXPECT_EQ(r.receive(3, 2, encode(view_at(1), view_at(2))), ReceiveResult::BaselineMissing);
    // A baseline not older than the snapshot itself cannot be held either.
    EXPECT_EQ(r.receive(4, 4, encode(view_at(0), view_at(3))), ReceiveResult::BaselineMissing);
    EXPECT_EQ(r.stats().baseline_missing, 2u);
    EXPECT_EQ(r.ack_id(), 1u);
    EXPECT_TRUE(same(r.latest(), view_at(0)));
    // The next one against what it holds decodes.
    EXPECT_EQ(r.receive(5, 1, encode(view_at(0), view_at(4))), ReceiveResult::Ok);
}

TEST(SnapshotReceiver, CorruptedBytesAreADecodeErrorAndLeaveTheHeldViews) {
    SnapshotReceiver r;
    const auto first = encode({}, view_at(0));
    ASSERT_EQ(r.receive(1, 0, first), ReceiveResult::Ok);
    auto cut = encode(view_at(0), view_at(1));
    cut.resize(1); // a read past the end
    EXPECT_EQ(r.receive(2, 1, cut), ReceiveResult::DecodeError);
    std::vector<std::uint8_t> garbled(first);
    garbled[1] = 0xff; // section B count over 1024
    garbled[2] = 0xff;
    EXPECT_EQ(r.receive(3, 0, garbled), ReceiveResult::DecodeError);
    EXPECT_EQ(r.receive(0, 0, first), ReceiveResult::DecodeError); // id 0 is never sent
    EXPECT_EQ(r.ack_id(), 1u);
    EXPECT_TRUE(r.holds(1));
    EXPECT_TRUE(same(r.latest(), view_at(0)));
    EXPECT_EQ(r.receive(4, 1, encode(view_at(0), view_at(3))), ReceiveResult::Ok);
}

TEST(SnapshotReceiver, BaselineThatLeftTheRingIsMissing) {
    SnapshotReceiver r;
    // 33 full snapshots: the 33rd takes the ring slot of the first.
    for (std::uint32_t id = 1; id <= SnapshotReceiver::kRing + 1; ++id) {
        ASSERT_EQ(r.receive(id, 0, encode({}, view_at(id))), ReceiveResult::Ok);
    }
    EXPECT_FALSE(r.holds(1));
    EXPECT_TRUE(r.holds(2));
    EXPECT_EQ(r.receive(34, 1, encode(view_at(1), view_at(34))), ReceiveResult::BaselineMissing);
    EXPECT_EQ(r.receive(35, 2, encode(view_at(2), view_at(35))), ReceiveResult::Ok);
    EXPECT_LE(r.views_held(), SnapshotReceiver::kRing);
}

TEST(SnapshotReceiver, OlderSnapshotArrivingLateIsStale) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    ASSERT_EQ(r.receive(3, 1, encode(view_at(0), view_at(2))), ReceiveResult::Ok);
    EXPECT_EQ(r.receive(2, 1, encode(view_at(0), view_at(1))), ReceiveResult::Stale);
    EXPECT_EQ(r.receive(3, 1, encode(view_at(0), view_at(2))), ReceiveResult::Stale);
    EXPECT_EQ(r.stats().stale, 2u);
    EXPECT_EQ(r.ack_id(), 3u);
}

TEST(SnapshotReceiver, ObjectInViewTwiceIsInconsistent) {
    SnapshotReceiver r;
    // The encoder accepts it (local ids differ), but one player slot cannot be in a view twice.
    const std::vector<ViewEntry> twice{{0, player(7, 100, 100)}, {1, player(7, 200, 200)}};
    EXPECT_EQ(r.receive(1, 0, encode({}, twice)), ReceiveResult::Inconsistent);
    const std::vector<ViewEntry> walls{{0, wall(5, 10)}, {3, wall(5, 10)}};
    EXPECT_EQ(r.receive(2, 0, encode({}, walls)), ReceiveResult::Inconsistent);
    EXPECT_EQ(r.stats().inconsistent, 2u);
    EXPECT_EQ(r.ack_id(), 0u);
    // Two projectiles name no object: any number of them is fine.
    QEntity shot;
    shot.kind = EntityKind::Projectile;
    const std::vector<ViewEntry> shots{{0, shot}, {1, shot}};
    EXPECT_EQ(r.receive(3, 0, encode({}, shots)), ReceiveResult::Ok);
}

TEST(SnapshotReceiver, AsksForAFullSnapshotAfterACorruptOneUntilOneDecodes) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    EXPECT_FALSE(r.needs_resync());
    auto cut = encode(view_at(0), view_at(1));
    cut.resize(1);
    EXPECT_EQ(r.receive(2, 1, cut), ReceiveResult::DecodeError);
    EXPECT_TRUE(r.needs_resync());
    // A delta that decodes does not end it: only a full snapshot does.
    EXPECT_EQ(r.receive(3, 1, encode(view_at(0), view_at(2))), ReceiveResult::Ok);
    EXPECT_TRUE(r.needs_resync());
    EXPECT_EQ(r.receive(4, 0, encode({}, view_at(3))), ReceiveResult::Ok);
    EXPECT_FALSE(r.needs_resync());
    EXPECT_EQ(r.stats().resyncs, 1u);
}

TEST(SnapshotReceiver, AsksForAFullSnapshotAfterTenUnknownBaselinesInARow) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(1, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    // Every one against snapshot 2, which never arrived.
    std::uint32_t id = 3;
    for (std::uint32_t k = 1; k < SnapshotReceiver::kResyncAfterUnknown; ++k, ++id) {
        ASSERT_EQ(r.receive(id, 2, encode({}, view_at(1))), ReceiveResult::BaselineMissing);
    }
    EXPECT_FALSE(r.needs_resync()) << "one short of the run";
    // A decode in between starts the count over.
    ASSERT_EQ(r.receive(id++, 1, encode(view_at(0), view_at(2))), ReceiveResult::Ok);
    for (std::uint32_t k = 0; k < SnapshotReceiver::kResyncAfterUnknown; ++k, ++id) {
        ASSERT_EQ(r.receive(id, 2, encode({}, view_at(1))), ReceiveResult::BaselineMissing);
    }
    EXPECT_TRUE(r.needs_resync());
    r.reset();
    EXPECT_FALSE(r.needs_resync()) << "a new connection starts clean";
}

TEST(SnapshotReceiver, ResetForgetsTheViewsOfTheOldConnection) {
    SnapshotReceiver r;
    ASSERT_EQ(r.receive(5, 0, encode({}, view_at(0))), ReceiveResult::Ok);
    r.reset();
    EXPECT_EQ(r.ack_id(), 0u);
    EXPECT_FALSE(r.holds(5));
    // A new connection may number its snapshots from 1 again.
    EXPECT_EQ(r.receive(1, 0, encode({}, view_at(1))), ReceiveResult::Ok);
    EXPECT_EQ(r.receive(2, 5, encode(view_at(0), view_at(2))), ReceiveResult::BaselineMissing);
}

TEST(SnapshotReceiver, TakesAProtoSnapshot) {
    const auto bytes = encode({}, view_at(0));
    flatbuffers::FlatBufferBuilder b;
    const proto::SnapshotHeader header(1, 1234, 0, 0);
    const auto snap = proto::CreateSnapshot(b, &header, b.CreateVector(bytes));
    b.Finish(proto::CreateEnvelope(b, proto::Message::Snapshot, snap.Union()));
    const auto* env = proto::GetEnvelope(b.GetBufferPointer());
    SnapshotReceiver r;
    EXPECT_EQ(r.receive(*env->message_as_Snapshot()), ReceiveResult::Ok);
    EXPECT_TRUE(same(r.latest(), view_at(0)));

    flatbuffers::FlatBufferBuilder empty; // no header, no data
    empty.Finish(
        proto::CreateEnvelope(empty, proto::Message::Snapshot, proto::CreateSnapshot(empty).Union()));
    EXPECT_EQ(r.receive(*proto::GetEnvelope(empty.GetBufferPointer())->message_as_Snapshot()),
              ReceiveResult::DecodeError);
}

} // namespace
} // namespace mgs::sync
