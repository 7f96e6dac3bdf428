// GameLink: the lock-free bridge between the network thread and the simulation thread.
#include "session/game_link.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mgs::session {
namespace {

InputState sample(std::uint32_t k) {
    InputState s;
    s.generation = 3;
    s.epoch = k;
    s.ready = (k & 1u) != 0;
    s.congested = (k & 2u) != 0;
    s.seq = k * 7;
    s.move_x = -1;
    s.move_y = 1;
    s.buttons = 5;
    s.weapon_slot = 3;
    s.aim = -1.25f;
    s.inputs = k;
    s.presses = {static_cast<std::uint16_t>(k), 65535, 2};
    s.weapon_changes = k + 1;
    s.ack = k * 3;
    s.resyncs = 9;
    s.follow = 0xFFFFFFFFu;
    s.camera_x = 1234.5f;
    s.camera_y = -0.0f;
    return s;
}

TEST(GameLink, AnInputSlotCarriesEveryField) {
    GameLink link({.max_sessions = 4});
    const InputState s = sample(11);
    link.write_input(2, s);
    InputState got;
    ASSERT_TRUE(link.read_input(2, got));
    EXPECT_EQ(got, s);
    ASSERT_TRUE(link.read_input(1, got));
    EXPECT_EQ(got, InputState{}); // untouched slots read as nobody's
}

TEST(GameLink, ASlotReadIsNeverTornUnderConcurrentWrites) {
    // One writer rewrites the slot as fast as it can, each state derived from one counter; every
    // successful read must be one whole state. Failed reads (a write under way) are allowed.
    GameLink link({.max_sessions = 1});
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (std::uint32_t k = 1; !stop.load(std::memory_order_relaxed); ++k) {
            link.write_input(0, sample(k));
        }
    });
    int ok = 0;
    int torn = 0;
    for (int i = 0; i < 200000; ++i) {
        InputState got;
        if (!link.read_input(0, got)) {
            continue;
        }
        ++ok;
        if (got.generation == 0) {
            continue; // before the first write
        }
        torn += got == sample(got.epoch) ? 0 : 1;
    }
    stop = true;
    writer.join();
    EXPECT_EQ(torn, 0);
    EXPECT_GT(ok, 0);
}

TEST(GameLink, ControlsAreNeverLostAndKeepTheirOrder) {
    GameLink link({.max_sessions = 2}); // the queue holds 2 * 2 + 16 controls
    for (std::uint32_t i = 0; i < 100; ++i) {
        Control c;
        c.type = i % 2 == 0 ? Control::Type::Join : Control::Type::Leave;
        c.session = {i, 1};
        link.push_control(c);
    }
    EXPECT_GT(link.control_backlog(), 0u);
    std::uint32_t next = 0;
    for (int round = 0; round < 20 && next < 100; ++round) {
        Control c;
        while (link.poll_control(c)) {
            EXPECT_EQ(c.session.slot, next);
            EXPECT_EQ(c.type, next % 2 == 0 ? Control::Type::Join : Control::Type::Leave);
            ++next;
        }
        link.flush_control();
    }
    EXPECT_EQ(next, 100u);
    EXPECT_EQ(link.control_backlog(), 0u);
}

TEST(GameLink, RepliesKeptBackAreHandedOverInOrder) {
    GameLink link({.max_sessions = 1}); // the queue holds 17 replies
    int wakes = 0;
    link.set_wake([&] { ++wakes; });
    for (std::uint32_t i = 0; i < 40; ++i) {
        link.reply({{i, 1}, 100 + i});
    }
    EXPECT_TRUE(link.publish(1));
    EXPECT_EQ(wakes, 1);
    std::uint32_t next = 0;
    for (int round = 0; round < 10 && next < 40; ++round) {
        Reply r;
        while (link.poll_reply(r)) {
            EXPECT_EQ(r.session.slot, next);
            EXPECT_EQ(r.player_id, 100 + next);
            ++next;
        }
        (void)link.publish(static_cast<std::uint32_t>(round + 2));
    }
    EXPECT_EQ(next, 40u);
}

TEST(GameLink, BatchesGoOverWholeAndNothingIsDroppedWhenTheNetworkIsBehind) {
    GameLink link({.max_sessions = 4, .max_batches = 2});
    int wakes = 0;
    link.set_wake([&] { ++wakes; });
    const std::vector<std::uint8_t> a = {1, 2, 3};
    const std::vector<std::uint8_t> b = {4, 5};
    // Nothing to send: nothing handed over, nobody woken.
    EXPECT_TRUE(link.publish(1));
    EXPECT_EQ(wakes, 0);
    EXPECT_EQ(link.take_batch(), nullptr);
    // Three ticks while the network thread takes nothing: the third stays with the simulation.
    for (std::uint32_t tick = 2; tick <= 4; ++tick) {
        link.batch().add({0, 1}, 1, OutBatch::Channel::State, a);
        link.batch().add({1, 1}, 2, OutBatch::Channel::Events, b);
        EXPECT_EQ(link.publish(tick), tick <= 3) << tick;
    }
    EXPECT_EQ(link.in_flight(), 2u);
    EXPECT_EQ(wakes, 2);
    OutBatch* first = link.take_batch();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->tick, 2u);
    ASSERT_EQ(first->messages().size(), 2u);
    EXPECT_EQ(first->messages()[0].session, (SessionRef{0, 1}));
    EXPECT_EQ(first->messages()[1].channel, OutBatch::Channel::Events);
    EXPECT_EQ(first->messages()[1].epoch, 2u);
    const auto bytes = first->bytes(first->messages()[1]);
    EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), b);
    link.give_back(first);
    EXPECT_EQ(link.in_flight(), 1u);
    // Room again: tick 5 goes over with tick 4's messages kept in the same batch.
    link.batch().add({0, 1}, 1, OutBatch::Channel::State, a);
    EXPECT_TRUE(link.publish(5));
    OutBatch* second = link.take_batch();
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->tick, 3u);
    OutBatch* third = link.take_batch();
    ASSERT_NE(third, nullptr);
    EXPECT_EQ(third->tick, 5u);
    EXPECT_EQ(third->messages().size(), 3u); // tick 4's two and tick 5's one
    link.give_back(second);
    link.give_back(third);
    EXPECT_EQ(link.in_flight(), 0u);
    EXPECT_EQ(link.take_batch(), nullptr);
    EXPECT_TRUE(link.batch().empty());
}

} // namespace
} // namespace mgs::session
