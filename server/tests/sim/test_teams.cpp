// Teams and population (GAMEPLAY.md "Modes"): joins balance the teams (humans and bots
// counted), a preferred team is honoured only when it keeps the teams even, bots make room for
// humans and come back when humans leave, teams are rebalanced between matches (bots first).
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace mgs::sim::test {
namespace {

int red_count(const World& w) {
    return w.team_count(Team::Red);
}
int blue_count(const World& w) {
    return w.team_count(Team::Blue);
}

/// Counts occupied slots by kind, straight from the player arrays.
struct Census {
    int humans = 0, bots = 0, red = 0, blue = 0;
};
Census census(const World& w) {
    Census c;
    const Players& p = w.players();
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p.in_use[i] == 0) continue;
        (p.is_bot[i] != 0 ? c.bots : c.humans)++;
        if (p.team[i] == Team::Red) ++c.red;
        if (p.team[i] == Team::Blue) ++c.blue;
    }
    return c;
}

TEST(Teams, JoinsAlternateToTheSmallerTeam) {
    Sim sim;
    std::vector<Team> got;
    for (int i = 0; i < 6; ++i) {
        const PlayerId id = sim.add(numbered("p", i));
        got.push_back(sim.players().team[id.index]);
    }
    const std::vector<Team> want{Team::Red, Team::Blue, Team::Red, Team::Blue, Team::Red, Team::Blue};
    EXPECT_EQ(got, want);
    EXPECT_EQ(red_count(sim.world()), 3);
    EXPECT_EQ(blue_count(sim.world()), 3);
}

TEST(Teams, PreferenceIsHonouredOnlyWhenItKeepsTeamsEven) {
    Sim sim;
    const auto join = [&](Team preferred) {
        return sim.players().team[sim.world().add_player("x", false, preferred).index];
    };
    EXPECT_EQ(join(Team::Blue), Team::Blue); // 0-0: any team is fine
    EXPECT_EQ(join(Team::Blue), Team::Red);  // 0-1: Blue would make it 0-2
    EXPECT_EQ(join(Team::Red), Team::Red);   // 1-1 -> 2-1
    EXPECT_EQ(join(Team::Red), Team::Blue);  // 2-1: Red would make it 3-1
    EXPECT_EQ(join(Team::Blue), Team::Blue); // 2-2 -> 2-3
    EXPECT_EQ(join(Team::None), Team::Red);  // 2-3: no preference, smaller team
    EXPECT_EQ(red_count(sim.world()), 3);
    EXPECT_EQ(blue_count(sim.world()), 3);
}

TEST(Teams, FreeForAllHasNoTeams) {
    Sim sim(rules_for(Mode::FreeForAll));
    for (int i = 0; i < 3; ++i) {
        const PlayerId id = sim.world().add_player("x", false, Team::Red);
        EXPECT_EQ(sim.players().team[id.index], Team::None);
    }
}

TEST(Teams, BotsMakeRoomForHumansAndComeBackWhenTheyLeave) {
    Rules r = rules_for(Mode::TeamDeathmatch);
    Sim sim(r, test_map(), 4);
    World& w = sim.world();
    EXPECT_EQ(w.bots(), 4);
    EXPECT_EQ(red_count(w), 2);
    EXPECT_EQ(blue_count(w), 2);
    sim.step();
    std::vector<PlayerId> humans;
    for (int h = 1; h <= 6; ++h) {
        humans.push_back(sim.add(numbered("human ", h)));
        sim.step();
        const Census c = census(w);
        EXPECT_EQ(c.humans, h);
        EXPECT_EQ(c.bots, std::max(0, 4 - h)) << "after human " << h << " joined";
        EXPECT_EQ(w.humans(), c.humans);
        EXPECT_EQ(w.bots(), c.bots);
        EXPECT_EQ(red_count(w), c.red);
        EXPECT_EQ(blue_count(w), c.blue);
        for (const PlayerId id : humans) EXPECT_TRUE(w.valid(id)) << "humans are never removed";
    }
    while (!humans.empty()) {
        ASSERT_TRUE(w.remove_player(humans.back()));
        humans.pop_back();
        sim.step();
        const Census c = census(w);
        const int h = static_cast<int>(humans.size());
        EXPECT_EQ(c.humans, h);
        EXPECT_EQ(c.bots, std::max(0, 4 - h)) << "after a human left, " << h << " remain";
        EXPECT_LE(std::abs(c.red - c.blue), 1);
    }
    EXPECT_EQ(w.bots(), 4);
}

TEST(Teams, HumansJoiningOneByOneKeepPopulationAndTeamsEven) {
    // The common case: a bot-filled server that humans join one at a time, for odd and even
    // populations (which decide whether the larger team still has a bot to give up).
    for (int population = 2; population <= 7; ++population) {
        Sim sim(rules_for(Mode::CaptureTheFlag), test_map(), population);
        World& w = sim.world();
        sim.step();
        for (int h = 1; h <= population + 2; ++h) {
            sim.add(numbered("human ", h));
            sim.step();
            const Census c = census(w);
            EXPECT_EQ(c.humans, h);
            EXPECT_EQ(c.humans + c.bots, std::max(population, h))
                << "population " << population << ", " << h << " humans";
            EXPECT_LE(std::abs(c.red - c.blue), 1) << "population " << population << ", " << h << " humans";
        }
    }
}

TEST(Teams, StaleHandlesAreIgnored) {
    Sim sim;
    const PlayerId a = sim.add("a");
    EXPECT_TRUE(sim.world().remove_player(a));
    EXPECT_FALSE(sim.world().remove_player(a));
    const PlayerId b = sim.add("b");
    EXPECT_EQ(b.index, a.index) << "slot reused";
    EXPECT_FALSE(sim.world().valid(a));
    sim.world().set_input(a, aim_input(1.0f, kButtonFire));
    sim.step();
    EXPECT_EQ(count_of(std::vector<Event>(sim.world().events().begin(), sim.world().events().end()),
                       EventType::ShotFired),
              0u);
}

class Rebalance : public ::testing::Test {
protected:
    Rebalance() : sim(short_match()) {}
    static Rules short_match() {
        Rules r = rules_for(Mode::TeamDeathmatch);
        r.time_limit_s = 10.0f;
        r.bots_only_matches = false;
        return r;
    }

    /// Steps to the end of the current match and through the results screen.
    void next_match() {
        const std::uint32_t n = sim.world().match().number;
        if (sim.world().match().phase == MatchPhase::Active)
            sim.step(sim.world().match().phase_end_tick - sim.tick());
        ASSERT_EQ(sim.world().match().phase, MatchPhase::Ended);
        sim.step(sim.world().match().phase_end_tick - sim.tick());
        ASSERT_EQ(sim.world().match().phase, MatchPhase::Active);
        ASSERT_EQ(sim.world().match().number, n + 1);
    }

    Team team(PlayerId id) const { return sim.players().team[id.index]; }

    Sim sim;
};

TEST_F(Rebalance, AtMatchEndMovesBotsFirst) {
    World& w = sim.world();
    std::vector<PlayerId> h;
    for (int i = 0; i < 6; ++i) h.push_back(sim.add(numbered("h", i))); // R B R B R B
    w.set_bot_population(8);
    sim.begin();
    ASSERT_EQ(w.bots(), 2);
    ASSERT_EQ(red_count(w), 4);
    ASSERT_EQ(blue_count(w), 4);
    // Two blue humans leave while the population target drops by two: no bot refills Blue.
    ASSERT_TRUE(w.remove_player(h[1]));
    ASSERT_TRUE(w.remove_player(h[3]));
    w.set_bot_population(6);
    sim.step();
    ASSERT_EQ(red_count(w), 4);
    ASSERT_EQ(blue_count(w), 2);
    std::vector<Team> humans_before;
    for (const int i : {0, 2, 4, 5}) humans_before.push_back(team(h[static_cast<std::size_t>(i)]));
    // Teams stay as they are during the match and on the results screen.
    sim.step(w.match().phase_end_tick - sim.tick());
    ASSERT_EQ(w.match().phase, MatchPhase::Ended);
    EXPECT_EQ(red_count(w), 4);
    next_match();
    EXPECT_EQ(red_count(w), 3);
    EXPECT_EQ(blue_count(w), 3);
    std::vector<Team> humans_after;
    for (const int i : {0, 2, 4, 5}) humans_after.push_back(team(h[static_cast<std::size_t>(i)]));
    EXPECT_EQ(humans_after, humans_before) << "a bot was moved, no human";
    const Census c = census(w);
    EXPECT_EQ(c.red, 3);
    EXPECT_EQ(c.blue, 3);
}

TEST_F(Rebalance, MovesHumansWhenNoBotIsLeft) {
    World& w = sim.world();
    std::vector<PlayerId> h;
    for (int i = 0; i < 5; ++i) h.push_back(sim.add(numbered("h", i))); // R B R B R
    sim.begin();
    ASSERT_TRUE(w.remove_player(h[1]));
    ASSERT_TRUE(w.remove_player(h[3]));
    sim.step();
    ASSERT_EQ(red_count(w), 3);
    ASSERT_EQ(blue_count(w), 0);
    next_match();
    EXPECT_EQ(red_count(w), 2);
    EXPECT_EQ(blue_count(w), 1);
    EXPECT_EQ(team(h[4]), Team::Blue) << "the highest slot moves";
    const Census c = census(w);
    EXPECT_EQ(c.red, 2);
    EXPECT_EQ(c.blue, 1);
    // Everyone respawned on the side of his new team.
    EXPECT_LT(distance(sim.pos(h[4]), kBlueSpawn), 40.0f);
}

} // namespace
} // namespace mgs::sim::test
