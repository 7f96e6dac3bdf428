// Modes and scoring (GAMEPLAY.md "Modes"): team deathmatch, free-for-all, friendly fire, team
// kills, assists and the match cycle Waiting -> Active -> Ended -> next match.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace mgs::sim::test {
namespace {

constexpr std::size_t kRed = 0, kBlue = 1;

/// Two against two; everyone placed in the open and unprotected.
class TwoVsTwo : public ::testing::Test {
protected:
    explicit TwoVsTwo(Rules rules = rules_for(Mode::TeamDeathmatch)) : sim(rules) {}

    void SetUp() override {
        r1 = sim.add("r1", Team::Red);
        b1 = sim.add("b1", Team::Blue);
        r2 = sim.add("r2", Team::Red);
        b2 = sim.add("b2", Team::Blue);
        sim.begin();
        sim.place(r1, {600.0f, 300.0f});
        sim.place(r2, {600.0f, 600.0f});
        sim.place(b1, {1400.0f, 300.0f}, kPi);
        sim.place(b2, {1400.0f, 600.0f}, kPi);
    }

    void kill(PlayerId victim, PlayerId killer) {
        sim.mut().protected_until[victim.index] = 0;
        sim.world().apply_damage(victim.index, killer.index, 1000.0f, WeaponKind::Rifle);
        ASSERT_FALSE(sim.alive(victim));
    }

    /// Waits until `id` has respawned and removes its spawn protection.
    void await_respawn(PlayerId id) {
        for (int i = 0; i < 200 && !sim.alive(id); ++i) sim.step();
        ASSERT_TRUE(sim.alive(id));
        sim.mut().protected_until[id.index] = 0;
    }

    const MatchState& match() { return sim.world().match(); }

    Sim sim;
    PlayerId r1{}, b1{}, r2{}, b2{};
};

// ---- Team deathmatch -------------------------------------------------------------------------

TEST_F(TwoVsTwo, TdmKillGivesOneTeamPoint) {
    kill(b1, r1);
    EXPECT_EQ(match().team_score[kRed], 1);
    EXPECT_EQ(match().team_score[kBlue], 0);
    EXPECT_EQ(sim.stats(r1).kills, 1);
    EXPECT_EQ(sim.stats(r1).score, 100);
    EXPECT_EQ(sim.stats(b1).deaths, 1);
    kill(r2, b2);
    EXPECT_EQ(match().team_score[kBlue], 1);
    // A death without a killer scores nothing.
    sim.mut().protected_until[r1.index] = 0;
    sim.world().apply_damage(r1.index, kNoPlayer, 1000.0f, WeaponKind::Pistol);
    EXPECT_EQ(match().team_score[kRed], 1);
    EXPECT_EQ(match().team_score[kBlue], 1);
    EXPECT_EQ(sim.stats(r1).deaths, 1);
}

class TdmScoreLimit : public TwoVsTwo {
protected:
    TdmScoreLimit() : TwoVsTwo(limits()) {}
    static Rules limits() {
        Rules r = rules_for(Mode::TeamDeathmatch);
        r.tdm_score_limit = 3;
        return r;
    }
};

TEST_F(TdmScoreLimit, FirstTeamToTheScoreLimitWins) {
    kill(b1, r1);
    kill(b2, r1);
    sim.step();
    ASSERT_EQ(match().team_score[kRed], 2);
    EXPECT_EQ(match().phase, MatchPhase::Active);
    await_respawn(b1);
    EXPECT_EQ(match().phase, MatchPhase::Active);
    kill(b1, r2);
    const auto ev = sim.step();
    EXPECT_EQ(match().phase, MatchPhase::Ended);
    EXPECT_EQ(match().winner, Team::Red);
    const auto ended = of_type(ev, EventType::MatchEnded);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].kind, static_cast<std::uint8_t>(Team::Red));
    EXPECT_EQ(ended[0].a, r1.index) << "best player";
}

class ShortMatch : public TwoVsTwo {
protected:
    ShortMatch() : TwoVsTwo(short_rules(Mode::TeamDeathmatch)) {}
    static Rules short_rules(Mode m) {
        Rules r = rules_for(m);
        r.time_limit_s = 20.0f;
        return r;
    }
};

TEST_F(ShortMatch, TdmTimeLimitEndsWithTheHigherTeamWinning) {
    EXPECT_EQ(match().phase_end_tick, sim.tick() + sim.ticks(20.0f));
    kill(r1, b1);
    kill(b1, r2);
    kill(b2, r2);
    sim.step(match().phase_end_tick - 1 - sim.tick());
    EXPECT_EQ(match().phase, MatchPhase::Active);
    sim.step();
    EXPECT_EQ(match().phase, MatchPhase::Ended);
    EXPECT_EQ(match().winner, Team::Red);
    EXPECT_EQ(match().team_score[kRed], 2);
    EXPECT_EQ(match().team_score[kBlue], 1);
}

TEST_F(ShortMatch, TdmTimeLimitWithEqualPointsIsADraw) {
    kill(r1, b1);
    kill(b1, r2);
    sim.step(match().phase_end_tick - sim.tick());
    EXPECT_EQ(match().phase, MatchPhase::Ended);
    EXPECT_EQ(match().winner, Team::None);
}

TEST_F(ShortMatch, NoDamageOnTheResultsScreen) {
    sim.step(match().phase_end_tick - sim.tick());
    ASSERT_EQ(match().phase, MatchPhase::Ended);
    EXPECT_FLOAT_EQ(sim.world().apply_damage(b1.index, r1.index, 50.0f, WeaponKind::Rifle), 0.0f);
    EXPECT_FLOAT_EQ(sim.health(b1), 100.0f);
}

// ---- Free-for-all ----------------------------------------------------------------------------

class Ffa : public TwoVsTwo {
protected:
    Ffa() : TwoVsTwo(ffa_rules()) {}
    static Rules ffa_rules() {
        Rules r = rules_for(Mode::FreeForAll);
        r.time_limit_s = 20.0f;
        return r;
    }
    void SetUp() override {
        // Same four players; in free-for-all nobody has a team.
        r1 = sim.add("p1");
        b1 = sim.add("p2");
        r2 = sim.add("p3");
        b2 = sim.add("p4");
        sim.begin();
        sim.place(r1, {600.0f, 300.0f});
        sim.place(r2, {600.0f, 600.0f});
        sim.place(b1, {1400.0f, 300.0f}, kPi);
        sim.place(b2, {1400.0f, 600.0f}, kPi);
    }
};

TEST_F(Ffa, EveryoneIsAnEnemyAndAKillScoresOneHundred) {
    for (const PlayerId id : {r1, b1, r2, b2}) EXPECT_EQ(sim.players().team[id.index], Team::None);
    EXPECT_TRUE(sim.world().hostile(r1.index, r2.index));
    kill(r2, r1);
    kill(b1, r1);
    kill(b2, r1);
    EXPECT_EQ(sim.stats(r1).kills, 3);
    EXPECT_EQ(sim.stats(r1).score, 300);
    EXPECT_EQ(sim.stats(r1).assists, 0);
    EXPECT_EQ(match().team_score[kRed], 0);
    EXPECT_EQ(match().team_score[kBlue], 0);
}

TEST_F(Ffa, TimeLimitEndsTheMatchWithTheBestPlayer) {
    kill(r2, b2);
    sim.step(match().phase_end_tick - 1 - sim.tick());
    EXPECT_EQ(match().phase, MatchPhase::Active) << "no score limit by default";
    const auto ev = sim.step();
    EXPECT_EQ(match().phase, MatchPhase::Ended);
    EXPECT_EQ(match().winner, Team::None);
    EXPECT_EQ(match().best_player, b2.index);
    const auto ended = of_type(ev, EventType::MatchEnded);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].a, b2.index);
}

TEST(FfaScoreLimit, EndsWhenAPlayerReachesIt) {
    Rules r = rules_for(Mode::FreeForAll);
    r.ffa_score_limit = 200;
    Sim sim(r);
    const PlayerId a = sim.add("a");
    const PlayerId b = sim.add("b");
    sim.begin();
    sim.mut().protected_until[b.index] = 0;
    sim.world().apply_damage(b.index, a.index, 1000.0f, WeaponKind::Rifle);
    sim.step();
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Active);
    for (int i = 0; i < 200 && !sim.alive(b); ++i) sim.step();
    sim.mut().protected_until[b.index] = 0;
    sim.world().apply_damage(b.index, a.index, 1000.0f, WeaponKind::Rifle);
    sim.step();
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Ended);
    EXPECT_EQ(sim.world().match().best_player, a.index);
}

// ---- Friendly fire and team kills ------------------------------------------------------------

TEST_F(TwoVsTwo, FriendlyFireOffTeammatesTakeNoDamageAndShotsPassThem) {
    EXPECT_FLOAT_EQ(sim.world().apply_damage(r2.index, r1.index, 50.0f, WeaponKind::Rifle), 0.0f);
    EXPECT_FLOAT_EQ(sim.health(r2), 100.0f);
    // r2 stands between r1 and b1: the shot passes its teammate and hits the enemy.
    sim.place(r1, {600.0f, 300.0f});
    sim.place(r2, {700.0f, 300.0f});
    sim.place(b1, {800.0f, 300.0f}, kPi);
    sim.input(r1, aim_input(kAimRight, kButtonFire));
    sim.step();
    sim.input(r1, aim_input(kAimRight));
    sim.step(sim.ticks(1.0f));
    EXPECT_FLOAT_EQ(sim.health(r2), 100.0f);
    EXPECT_FLOAT_EQ(sim.health(b1), 92.0f);
}

class FriendlyFire : public TwoVsTwo {
protected:
    FriendlyFire() : TwoVsTwo(ff_rules()) {}
    static Rules ff_rules() {
        Rules r = rules_for(Mode::TeamDeathmatch);
        r.friendly_fire = true;
        return r;
    }
};

TEST_F(FriendlyFire, TeammatesTakeDamageAndATeamKillCostsTwoHundred) {
    sim.place(r1, {600.0f, 300.0f});
    sim.place(r2, {700.0f, 300.0f});
    sim.place(b1, {800.0f, 300.0f}, kPi);
    sim.input(r1, aim_input(kAimRight, kButtonFire));
    sim.step();
    sim.input(r1, aim_input(kAimRight));
    sim.step(sim.ticks(1.0f));
    EXPECT_FLOAT_EQ(sim.health(r2), 92.0f) << "the first body in the way is hit";
    EXPECT_FLOAT_EQ(sim.health(b1), 100.0f);
    kill(r2, r1);
    EXPECT_EQ(sim.stats(r1).score, -200);
    EXPECT_EQ(sim.stats(r1).kills, 0);
    EXPECT_EQ(sim.stats(r2).deaths, 1);
    EXPECT_EQ(match().team_score[kRed], 0);
    EXPECT_EQ(match().team_score[kBlue], 0);
}

// ---- Assists ---------------------------------------------------------------------------------

TEST_F(TwoVsTwo, DamageShortlyBeforeATeammatesKillIsAnAssist) {
    sim.world().apply_damage(b1.index, r2.index, 30.0f, WeaponKind::Pistol);
    sim.step(sim.ticks(5.0f) - 1);
    kill(b1, r1);
    EXPECT_EQ(sim.stats(r2).assists, 1);
    EXPECT_EQ(sim.stats(r2).score, 50);
    EXPECT_EQ(sim.stats(r1).kills, 1);
    EXPECT_EQ(sim.stats(r1).assists, 0) << "the killer's own damage is no assist";
    EXPECT_EQ(sim.stats(b2).assists, 0);
}

TEST_F(TwoVsTwo, DamageLongerAgoThanFiveSecondsIsNoAssist) {
    sim.world().apply_damage(b1.index, r2.index, 30.0f, WeaponKind::Pistol);
    sim.step(sim.ticks(5.0f) + 1);
    kill(b1, r1);
    EXPECT_EQ(sim.stats(r2).assists, 0);
    EXPECT_EQ(sim.stats(r2).score, 0);
    EXPECT_EQ(sim.stats(r1).kills, 1);
}

TEST_F(TwoVsTwo, AssistCountsTheLatestDamage) {
    // Early damage, then fresh damage 4 s later: the fresh one is within the window.
    sim.world().apply_damage(b1.index, r2.index, 10.0f, WeaponKind::Pistol);
    sim.step(sim.ticks(4.0f));
    sim.world().apply_damage(b1.index, r2.index, 10.0f, WeaponKind::Pistol);
    sim.step(sim.ticks(4.0f));
    kill(b1, r1);
    EXPECT_EQ(sim.stats(r2).assists, 1);
}

// ---- Match cycle -----------------------------------------------------------------------------

TEST(MatchCycle, WaitsForAHumanWhenBotsOnlyMatchesAreOff) {
    Rules r = rules_for(Mode::CaptureTheFlag);
    r.bots_only_matches = false;
    Sim sim(r, test_map(), 4);
    EXPECT_EQ(sim.world().bots(), 4);
    const auto waiting = sim.step(60);
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Waiting);
    EXPECT_EQ(sim.world().match().number, 0u);
    EXPECT_EQ(count_of(waiting, EventType::MatchStarted), 0u);
    sim.add("human");
    const auto ev = sim.step();
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Active);
    EXPECT_EQ(sim.world().match().number, 1u);
    EXPECT_EQ(sim.world().match().phase_end_tick, sim.tick() + sim.ticks(300.0f)) << "default time limit";
    EXPECT_EQ(count_of(ev, EventType::MatchStarted), 1u);
    EXPECT_EQ(sim.world().humans() + sim.world().bots(), 4);
}

TEST(MatchCycle, BotsOnlyMatchStartsWithoutHumansWhenConfigured) {
    Rules r = rules_for(Mode::CaptureTheFlag);
    r.bots_only_matches = true;
    Sim sim(r, test_map(), 2);
    sim.step();
    EXPECT_EQ(sim.world().match().phase, MatchPhase::Active);
}

TEST(MatchCycle, EndsAtTheTimeLimitAndStartsAFreshMatchTenSecondsLater) {
    Rules r = rules_for(Mode::CaptureTheFlag);
    r.time_limit_s = 20.0f;
    world::Map m = test_map();
    const std::uint32_t wall = add_wall(m, Aabb{{1000.0f, 400.0f}, {1020.0f, 600.0f}}, 300);
    const std::uint32_t pickup = add_pickup(m, {1000.0f, 900.0f}, world::PickupKind::SpeedBoost);
    Sim sim(r, m);
    const PlayerId red = sim.add("red", Team::Red);
    const PlayerId blue = sim.add("blue", Team::Blue);
    const PlayerId red2 = sim.add("red2", Team::Red);
    sim.begin();
    const MatchState& match = sim.world().match();
    const std::uint32_t started = sim.tick();
    EXPECT_EQ(match.number, 1u);
    // Leave marks of play everywhere: a kill, a destroyed wall, a carried flag, a pickup taken.
    sim.place(red, {800.0f, 500.0f});
    sim.place(blue, {1100.0f, 500.0f}, kPi);
    sim.give(red, WeaponKind::Sniper);
    sim.world().set_wall_health(wall, 10.0f);
    sim.input(red, aim_input(kAimRight, kButtonFire));
    sim.step();
    sim.input(red, aim_input(kAimRight));
    sim.step(30);
    ASSERT_EQ(sim.world().wall_alive()[wall], 0u);
    sim.world().apply_damage(blue.index, red.index, 1000.0f, WeaponKind::Sniper);
    ASSERT_EQ(sim.stats(red).kills, 1);
    sim.place(red2, kBlueFlag);
    sim.step();
    ASSERT_EQ(sim.world().flags()[kBlue].state, FlagState::Carried);
    sim.place(red2, {1000.0f, 900.0f});
    sim.step();
    ASSERT_EQ(sim.world().pickup_active()[pickup], 0u);
    sim.place(red2, {1200.0f, 800.0f});
    // Shortly before the time limit: blue dies, red2 picks up some shield.
    sim.step(match.phase_end_tick - 10 - sim.tick());
    ASSERT_TRUE(sim.alive(blue));
    sim.mut().protected_until[blue.index] = 0;
    sim.world().apply_damage(blue.index, red.index, 1000.0f, WeaponKind::Sniper);
    ASSERT_FALSE(sim.alive(blue));
    sim.mut().shield[red2.index] = 30.0f;
    // Time limit.
    sim.step(match.phase_end_tick - 1 - sim.tick());
    EXPECT_EQ(match.phase, MatchPhase::Active);
    auto ev = sim.step();
    EXPECT_EQ(sim.tick() - started, sim.ticks(20.0f));
    EXPECT_EQ(match.phase, MatchPhase::Ended);
    EXPECT_EQ(match.winner, Team::None) << "no captures: a draw";
    EXPECT_EQ(count_of(ev, EventType::MatchEnded), 1u);
    const std::uint32_t ended = sim.tick();
    // Results screen for 10 s: still ended, scores kept, nobody respawns.
    ev = sim.step(sim.ticks(10.0f) - 1);
    EXPECT_EQ(match.phase, MatchPhase::Ended);
    EXPECT_EQ(sim.stats(red).kills, 2);
    EXPECT_FALSE(sim.alive(blue)) << "the dead wait for the next match";
    EXPECT_EQ(count_of(ev, EventType::Spawned), 0u);
    EXPECT_EQ(count_of(ev, EventType::MatchStarted), 0u);
    // Next match.
    ev = sim.step();
    EXPECT_EQ(sim.tick() - ended, sim.ticks(10.0f));
    EXPECT_EQ(match.phase, MatchPhase::Active);
    EXPECT_EQ(match.number, 2u);
    EXPECT_EQ(match.phase_end_tick, sim.tick() + sim.ticks(20.0f));
    EXPECT_EQ(count_of(ev, EventType::MatchStarted), 1u);
    EXPECT_EQ(match.team_score[kRed], 0);
    EXPECT_EQ(match.team_score[kBlue], 0);
    EXPECT_EQ(match.winner, Team::None);
    for (const PlayerId id : {red, blue, red2}) {
        const PlayerStats& s = sim.stats(id);
        EXPECT_EQ(s.kills + s.deaths + s.assists + s.captures + s.returns + s.score, 0);
        EXPECT_TRUE(sim.alive(id));
        EXPECT_FLOAT_EQ(sim.health(id), 100.0f);
        EXPECT_FLOAT_EQ(sim.players().shield[id.index], 0.0f);
        EXPECT_EQ(sim.players().weapon[id.index], WeaponKind::Pistol);
        EXPECT_EQ(count_of(ev, EventType::Spawned, id.index), 1u);
    }
    for (std::size_t t = 0; t < 2; ++t) {
        EXPECT_EQ(sim.world().flags()[t].state, FlagState::Home);
        EXPECT_EQ(sim.world().flags()[t].carrier, kNoPlayer);
    }
    EXPECT_EQ(sim.world().flags()[kBlue].pos, kBlueFlag);
    EXPECT_EQ(sim.world().wall_alive()[wall], 1u) << "walls restored although 90 s have not passed";
    EXPECT_FLOAT_EQ(sim.world().wall_health()[wall], 300.0f);
    EXPECT_EQ(sim.world().pickup_active()[pickup], 1u);
    EXPECT_EQ(sim.world().projectiles().live, 0u);
}

// ---- Spawning at a match start ---------------------------------------------------------------

TEST(MatchStart, EveryoneSpawnsOnceOnTheFirstTick) {
    Rules r = rules_for(Mode::TeamDeathmatch);
    Sim sim(r, test_map(), 4);
    const PlayerId human = sim.add("human");
    const auto ev = sim.step();
    ASSERT_EQ(sim.world().match().phase, MatchPhase::Active);
    ASSERT_EQ(sim.world().humans() + sim.world().bots(), 4);
    EXPECT_EQ(count_of(ev, EventType::Spawned), 4u) << "one spawn each, not a spawn then a respawn";
    for (std::uint32_t i = 0; i < sim.players().size(); ++i) {
        if (sim.players().in_use[i] == 0) continue;
        EXPECT_EQ(count_of(ev, EventType::Spawned, i), 1u) << "slot " << i;
    }
    EXPECT_TRUE(sim.alive(human));
}

TEST(MatchStart, ABigPopulationSpawnsOverSeveralTicksLowestSlotsFirst) {
    // More players than kMaxSpawnsPerTick: the match start spawns them over three ticks, in slot
    // order, each exactly once, with both teams in every tick's share.
    const auto n = static_cast<int>(2 * kMaxSpawnsPerTick + 100);
    world::Map m = test_map(4000.0f, 4000.0f);
    m.team_spawns[0] = {{300.0f, 300.0f}, {300.0f, 2000.0f}, {300.0f, 3700.0f}};
    m.team_spawns[1] = {{3700.0f, 300.0f}, {3700.0f, 2000.0f}, {3700.0f, 3700.0f}};
    Sim sim(rules_for(Mode::TeamDeathmatch), m, n);
    const Players& p = sim.players();
    std::vector<std::size_t> spawned(p.size(), 0);
    const std::array<std::size_t, 3> expected{kMaxSpawnsPerTick, kMaxSpawnsPerTick, 100};
    for (std::size_t t = 0; t < expected.size(); ++t) {
        const auto ev = sim.step();
        EXPECT_EQ(count_of(ev, EventType::Spawned), expected[t]) << "tick " << t;
        std::array<std::size_t, 2> per_team{};
        for (const Event& e : ev) {
            if (e.type != EventType::Spawned) continue;
            ++spawned[e.a];
            ++per_team[static_cast<std::size_t>(p.team[e.a])];
        }
        EXPECT_LE(per_team[0] > per_team[1] ? per_team[0] - per_team[1] : per_team[1] - per_team[0], 1u);
        std::size_t alive = 0;
        std::uint32_t highest_alive = 0, lowest_dead = kNoPlayer;
        for (std::uint32_t i = 0; i < p.size(); ++i) {
            if (p.alive[i] != 0) {
                ++alive;
                highest_alive = i;
            } else if (lowest_dead == kNoPlayer) {
                lowest_dead = i;
            }
        }
        EXPECT_EQ(alive, (t + 1) * kMaxSpawnsPerTick - (t == 2 ? kMaxSpawnsPerTick - 100 : 0));
        if (lowest_dead != kNoPlayer) {
            EXPECT_LT(highest_alive, lowest_dead) << "lowest slots first";
        }
    }
    for (std::uint32_t i = 0; i < p.size(); ++i) EXPECT_EQ(spawned[i], 1u) << "slot " << i;
    EXPECT_EQ(count_of(sim.step(), EventType::Spawned), 0u);

    // A later match start (the test hook, as at the end of the results screen) does the same.
    sim.world().start_match();
    std::size_t alive = 0;
    for (std::uint32_t i = 0; i < p.size(); ++i) alive += p.alive[i];
    EXPECT_EQ(alive, kMaxSpawnsPerTick);
    sim.step(2);
    for (std::uint32_t i = 0; i < p.size(); ++i) EXPECT_NE(p.alive[i], 0u) << "slot " << i;
}

/// Runs the ranges last first, in pieces of about half the grain: another split of the work.
class ScrambledExecutor final : public Executor {
public:
    void for_ranges(std::size_t n, std::size_t grain, RangeFn fn) override {
        const std::size_t piece = std::max<std::size_t>(1, grain / 2);
        for (std::size_t end = n; end > 0;) {
            const std::size_t begin = end > piece ? end - piece : 0;
            fn(begin, end);
            end = begin;
        }
    }
    [[nodiscard]] int concurrency() const noexcept override { return 3; }
    [[nodiscard]] int worker_index() const noexcept override { return 0; }
};

TEST(MatchStart, StaggeredSpawnsAreTheSameForAnySplitOfTheWork) {
    const auto n = static_cast<int>(kMaxSpawnsPerTick + 300);
    world::Map m = test_map(4000.0f, 4000.0f);
    m.team_spawns[0] = {{300.0f, 300.0f}, {300.0f, 2000.0f}};
    m.team_spawns[1] = {{3700.0f, 300.0f}, {3700.0f, 2000.0f}};
    Sim a(rules_for(Mode::TeamDeathmatch), m, n);
    World b(rules_for(Mode::TeamDeathmatch), m, n);
    ScrambledExecutor scrambled;
    for (int t = 0; t < 5; ++t) {
        a.step();
        b.step(scrambled);
        ASSERT_EQ(a.world().state_hash(), b.state_hash()) << "tick " << t;
    }
}

} // namespace
} // namespace mgs::sim::test
