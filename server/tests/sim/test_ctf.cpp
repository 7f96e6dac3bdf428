// Capture the flag (GAMEPLAY.md "Modes"): taking, carrying, dropping, re-taking, returning,
// auto-return, capturing only with the own flag at home, first to 3 captures wins.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mgs::sim::test {
namespace {

constexpr std::size_t kRed = 0, kBlue = 1;

class Ctf : public ::testing::Test {
protected:
    explicit Ctf(Rules rules = rules_for(Mode::CaptureTheFlag)) : sim(rules) {}

    void SetUp() override {
        r1 = sim.add("r1", Team::Red);
        b1 = sim.add("b1", Team::Blue);
        r2 = sim.add("r2", Team::Red);
        b2 = sim.add("b2", Team::Blue);
        sim.begin();
        park();
    }

    /// Everyone back to neutral ground, far from both flags and from each other.
    void park() {
        sim.place(r1, {700.0f, 300.0f});
        sim.place(r2, {700.0f, 500.0f}, kPi);
        sim.place(b1, {1300.0f, 300.0f});
        sim.place(b2, {1300.0f, 500.0f}, kPi);
    }

    const Flag& flag(std::size_t team) const { return sim.world().flags()[team]; }

    /// r1 takes the blue flag at its stand.
    void r1_takes_blue_flag() {
        sim.place(r1, kBlueFlag + Vec2{-20.0f, 10.0f});
        const auto ev = sim.step();
        ASSERT_EQ(flag(kBlue).state, FlagState::Carried);
        ASSERT_EQ(flag(kBlue).carrier, r1.index);
        const auto taken = of_type(ev, EventType::FlagTaken, r1.index);
        ASSERT_EQ(taken.size(), 1u);
        EXPECT_EQ(taken[0].kind, kBlue);
    }

    /// r1 carries the blue flag to `at` and is killed there by b1.
    void r1_dies_at(Vec2 at) {
        r1_takes_blue_flag();
        sim.place(r1, at);
        sim.step();
        ASSERT_EQ(flag(kBlue).pos, at);
        sim.world().apply_damage(r1.index, b1.index, 500.0f, WeaponKind::Sniper);
        ASSERT_FALSE(sim.alive(r1));
    }

    Sim sim;
    PlayerId r1{}, b1{}, r2{}, b2{};
};

TEST_F(Ctf, FlagsStartHomeAndTeammatesDoNotMoveAFlagAtHome) {
    EXPECT_EQ(flag(kRed).state, FlagState::Home);
    EXPECT_EQ(flag(kRed).pos, kRedFlag);
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    EXPECT_EQ(flag(kBlue).pos, kBlueFlag);
    sim.place(b1, kBlueFlag);
    sim.step(5);
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    EXPECT_EQ(sim.stats(b1).returns, 0);
}

TEST_F(Ctf, EnemyTouchingTheFlagTakesItAndCarriesIt) {
    sim.place(r1, kBlueFlag + Vec2{-36.0f, 0.0f}); // just out of reach (15 + 20 wu)
    sim.step();
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    r1_takes_blue_flag();
    sim.input(r1, move_input(-1, -1));
    for (int i = 0; i < 60; ++i) {
        sim.step();
        ASSERT_EQ(flag(kBlue).state, FlagState::Carried);
        EXPECT_EQ(flag(kBlue).pos, sim.pos(r1)) << "tick " << i;
    }
    EXPECT_GT(distance(flag(kBlue).pos, kBlueFlag), 200.0f);
}

TEST_F(Ctf, CarrierKilledDropsTheFlagWhereHeDied) {
    const Vec2 at{1000.0f, 700.0f};
    r1_dies_at(at);
    EXPECT_EQ(flag(kBlue).state, FlagState::Dropped);
    EXPECT_EQ(flag(kBlue).pos, at);
    EXPECT_EQ(flag(kBlue).carrier, kNoPlayer);
    EXPECT_EQ(flag(kBlue).return_tick, sim.tick() + sim.ticks(30.0f));
    const std::vector<Event> ev(sim.world().events().begin(), sim.world().events().end());
    const auto dropped = of_type(ev, EventType::FlagDropped, r1.index);
    ASSERT_EQ(dropped.size(), 1u);
    EXPECT_EQ(dropped[0].pos, at);
    sim.step(10);
    EXPECT_EQ(flag(kBlue).state, FlagState::Dropped) << "lies there";
    EXPECT_EQ(flag(kBlue).pos, at);
}

TEST_F(Ctf, EnemyPicksUpADroppedFlag) {
    const Vec2 at{1000.0f, 700.0f};
    r1_dies_at(at);
    sim.place(r2, at + Vec2{25.0f, 0.0f});
    const auto ev = sim.step();
    EXPECT_EQ(flag(kBlue).state, FlagState::Carried);
    EXPECT_EQ(flag(kBlue).carrier, r2.index);
    EXPECT_EQ(count_of(ev, EventType::FlagTaken, r2.index), 1u);
}

TEST_F(Ctf, TeammateTouchingHisDroppedFlagReturnsIt) {
    const Vec2 at{1000.0f, 700.0f};
    r1_dies_at(at);
    const int score = sim.stats(b2).score;
    sim.place(b2, at + Vec2{0.0f, -30.0f});
    const auto ev = sim.step();
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    EXPECT_EQ(flag(kBlue).pos, kBlueFlag);
    EXPECT_EQ(sim.stats(b2).returns, 1);
    EXPECT_EQ(sim.stats(b2).score, score + 25);
    const auto returned = of_type(ev, EventType::FlagReturned, b2.index);
    ASSERT_EQ(returned.size(), 1u);
    EXPECT_EQ(returned[0].kind, kBlue);
}

TEST_F(Ctf, DroppedFlagReturnsByItselfAfterThirtySeconds) {
    const Vec2 at{1000.0f, 700.0f};
    r1_dies_at(at);
    const std::uint32_t dropped = sim.tick();
    sim.step(sim.ticks(30.0f) - 1);
    EXPECT_EQ(flag(kBlue).state, FlagState::Dropped);
    const auto ev = sim.step();
    EXPECT_EQ(sim.tick() - dropped, sim.ticks(30.0f));
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    EXPECT_EQ(flag(kBlue).pos, kBlueFlag);
    const auto returned = of_type(ev, EventType::FlagReturned);
    ASSERT_EQ(returned.size(), 1u);
    EXPECT_EQ(returned[0].a, kNoPlayer);
    EXPECT_EQ(sim.stats(b1).returns + sim.stats(b2).returns, 0);
}

TEST_F(Ctf, CaptureWithOwnFlagHomeScores) {
    r1_takes_blue_flag();
    sim.place(r1, kRedFlag + Vec2{30.0f, 0.0f});
    const auto ev = sim.step();
    EXPECT_EQ(sim.world().match().team_score[kRed], 1);
    EXPECT_EQ(sim.world().match().team_score[kBlue], 0);
    EXPECT_EQ(sim.stats(r1).captures, 1);
    EXPECT_EQ(sim.stats(r1).score, 100);
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
    EXPECT_EQ(flag(kBlue).pos, kBlueFlag);
    const auto captured = of_type(ev, EventType::FlagCaptured, r1.index);
    ASSERT_EQ(captured.size(), 1u);
    EXPECT_EQ(captured[0].kind, kBlue);
    EXPECT_EQ(sim.world().totals().captures, 1u);
}

TEST_F(Ctf, NoCaptureWhileOwnFlagIsAway) {
    // b1 steals the red flag and runs off; r1 brings the blue flag to the red stand.
    sim.place(b1, kRedFlag + Vec2{10.0f, 0.0f});
    sim.step();
    ASSERT_EQ(flag(kRed).state, FlagState::Carried);
    sim.place(b1, {1300.0f, 300.0f});
    r1_takes_blue_flag();
    sim.place(r1, kRedFlag);
    sim.step(30);
    EXPECT_EQ(sim.world().match().team_score[kRed], 0);
    EXPECT_EQ(sim.stats(r1).captures, 0);
    EXPECT_EQ(flag(kBlue).state, FlagState::Carried);
    // Still no capture while the red flag lies dropped.
    sim.place(r2, {1300.0f, 400.0f});
    sim.world().apply_damage(b1.index, r2.index, 500.0f, WeaponKind::Rifle);
    ASSERT_EQ(flag(kRed).state, FlagState::Dropped);
    sim.step(10);
    EXPECT_EQ(sim.world().match().team_score[kRed], 0);
    // r2 returns it; the waiting carrier then captures.
    sim.place(r2, flag(kRed).pos + Vec2{0.0f, 20.0f});
    sim.step();
    EXPECT_EQ(flag(kRed).state, FlagState::Home);
    EXPECT_EQ(sim.stats(r2).returns, 1);
    sim.step();
    EXPECT_EQ(sim.world().match().team_score[kRed], 1);
    EXPECT_EQ(sim.stats(r1).captures, 1);
}

TEST_F(Ctf, FirstToThreeCapturesWins) {
    for (int c = 1; c <= 3; ++c) {
        ASSERT_EQ(sim.world().match().phase, MatchPhase::Active) << "capture " << c;
        r1_takes_blue_flag();
        sim.place(r1, kRedFlag);
        const auto ev = sim.step();
        EXPECT_EQ(sim.world().match().team_score[kRed], c);
        if (c < 3) {
            EXPECT_EQ(count_of(ev, EventType::MatchEnded), 0u);
        } else {
            const auto ended = of_type(ev, EventType::MatchEnded);
            ASSERT_EQ(ended.size(), 1u);
            EXPECT_EQ(ended[0].kind, static_cast<std::uint8_t>(Team::Red));
            EXPECT_EQ(ended[0].a, r1.index) << "best player";
        }
        sim.place(r1, {700.0f, 300.0f});
    }
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Ended);
    EXPECT_EQ(sim.world().match().winner, Team::Red);
    EXPECT_EQ(sim.stats(r1).captures, 3);
    EXPECT_EQ(sim.stats(r1).score, 300);
}

class CtfTimeLimit : public Ctf {
protected:
    CtfTimeLimit() : Ctf(short_match()) {}
    static Rules short_match() {
        Rules r = rules_for(Mode::CaptureTheFlag);
        r.time_limit_s = 20.0f;
        return r;
    }
};

TEST_F(CtfTimeLimit, MostCapturesAtTheTimeLimitWins) {
    sim.place(b1, kRedFlag);
    sim.step();
    sim.place(b1, kBlueFlag);
    sim.step();
    ASSERT_EQ(sim.world().match().team_score[kBlue], 1);
    const std::uint32_t end = sim.world().match().phase_end_tick;
    sim.step(end - 1 - sim.tick());
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Active);
    sim.step();
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Ended);
    EXPECT_EQ(sim.world().match().winner, Team::Blue);
}

TEST_F(CtfTimeLimit, FlagsAreNotTakenOnTheResultsScreen) {
    sim.step(sim.world().match().phase_end_tick - sim.tick());
    ASSERT_EQ(sim.world().match().phase, MatchPhase::Ended);
    sim.place(r1, kBlueFlag);
    sim.step(5);
    EXPECT_EQ(flag(kBlue).state, FlagState::Home);
}

} // namespace
} // namespace mgs::sim::test
