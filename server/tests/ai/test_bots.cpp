// Bots play like players: they capture flags, fight, return flags, do not get stuck, never see
// through walls, and never send an input a human's client could not send.
#include "ai/bots.hpp"
#include "world/map_gen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace mgs::ai {
namespace {

struct Match {
    explicit Match(sim::Mode mode, std::uint64_t seed = 1, int bot_count = 20) {
        sim::Rules rules;
        rules.mode = mode;
        world::MapParams map;
        map.seed = seed;
        world = std::make_unique<sim::World>(rules, map, bot_count);
    }
    void tick() {
        bots.update(*world, exec);
        world->step(exec);
    }
    SerialExecutor exec;
    std::unique_ptr<sim::World> world;
    Bots bots;
};

TEST(Bots, ArenaCtfMatchHasCapturesKillsAndNoStuckBots) {
    Match m(sim::Mode::CaptureTheFlag, 1);
    std::uint64_t returns_by_players = 0, flag_taken = 0;
    for (int t = 0; t < 30 * 300; ++t) { // five simulated minutes
        m.tick();
        for (const sim::Event& e : m.world->events()) {
            if (e.type == sim::EventType::FlagReturned && e.a != sim::kNoPlayer) ++returns_by_players;
            if (e.type == sim::EventType::FlagTaken) ++flag_taken;
        }
    }
    const auto& totals = m.world->totals();
    EXPECT_GE(totals.captures, 1u);
    EXPECT_GE(totals.kills, 20u);
    EXPECT_GE(flag_taken, 2u);
    EXPECT_GE(returns_by_players, 1u) << "bots should return their dropped flag";
    EXPECT_LE(m.bots.stats().stuck_episodes, 2u) << "bots stuck for more than 2 s";
}

TEST(Bots, TeamDeathmatchAndFreeForAllFight) {
    for (sim::Mode mode : {sim::Mode::TeamDeathmatch, sim::Mode::FreeForAll}) {
        Match m(mode, 3);
        for (int t = 0; t < 30 * 120; ++t) m.tick();
        EXPECT_GE(m.world->totals().kills, 10u) << static_cast<int>(mode);
        EXPECT_LE(m.bots.stats().stuck_episodes, 2u) << static_cast<int>(mode);
    }
}

TEST(Bots, InputsAreWhatAHumanCouldSend) {
    Match m(sim::Mode::CaptureTheFlag, 5);
    const sim::Players& p = m.world->players();
    std::vector<Vec2> before;
    for (int t = 0; t < 30 * 60; ++t) {
        m.bots.update(*m.world, m.exec);
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p.in_use[i] == 0 || p.alive[i] == 0) continue;
            const sim::Input& in = p.pending[i];
            ASSERT_GE(in.move_x, -1);
            ASSERT_LE(in.move_x, 1);
            ASSERT_GE(in.move_y, -1);
            ASSERT_LE(in.move_y, 1);
            ASSERT_TRUE(std::isfinite(in.aim));
            ASSERT_LE(in.buttons, sim::kButtonFire | sim::kButtonMelee | sim::kButtonReload);
            if (in.weapon_slot >= 0) {
                ASSERT_LT(in.weapon_slot, sim::kGunCount);
                ASSERT_NE(p.owned[i] & (1u << static_cast<unsigned>(in.weapon_slot)), 0u)
                    << "weapon not carried";
            }
        }
        before.assign(p.pos.begin(), p.pos.end());
        std::vector<std::uint8_t> was_alive(p.alive.begin(), p.alive.end());
        m.world->step(m.exec);
        const sim::Rules& r = m.world->rules();
        const float max_step =
            r.speed * r.speed_boost / static_cast<float>(r.tick_hz) + sim::kMaxSeparationStep + 0.01f;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p.in_use[i] == 0 || p.alive[i] == 0 || was_alive[i] == 0 || i >= before.size()) continue;
            ASSERT_LE(distance(p.pos[i], before[i]), max_step)
                << "bot " << i << " moved faster than a player can";
        }
    }
}

/// One bot (Blue) and one human (Red) facing each other across a wall that can be destroyed.
TEST(Bots, NoTargetThroughAWall) {
    world::Map map;
    map.width = 1200.0f;
    map.height = 800.0f;
    map.seed = 9;
    map.walls.push_back({{{590.0f, 100.0f}, {610.0f, 700.0f}}, 150});
    map.bases[0] = {{100.0f, 400.0f}, {{50.0f, 300.0f}, {200.0f, 500.0f}}};
    map.bases[1] = {{1100.0f, 400.0f}, {{1000.0f, 300.0f}, {1150.0f, 500.0f}}};
    map.team_spawns[0] = {{450.0f, 400.0f}};
    map.team_spawns[1] = {{750.0f, 400.0f}};
    map.ffa_spawns = {{450.0f, 400.0f}, {750.0f, 400.0f}};
    sim::Rules rules;
    rules.mode = sim::Mode::TeamDeathmatch;
    sim::World world(rules, map, 0);
    SerialExecutor exec;
    const sim::PlayerId human = world.add_player("human", false, world::Team::Red);
    world.set_bot_population(2); // one bot joins Blue
    Bots bots;
    int shots_blocked = 0;
    for (int t = 0; t < 90; ++t) {
        world.set_input(human, {});
        bots.update(world, exec);
        world.step(exec);
        for (const sim::Event& e : world.events())
            if (e.type == sim::EventType::ShotFired && e.a != human.index) ++shots_blocked;
        // Keep both in place: the bot must not wander round the wall in this test.
        auto& p = world.mutable_players();
        p.pos[human.index] = {450.0f, 400.0f};
        for (std::size_t i = 0; i < p.size(); ++i)
            if (p.is_bot[i] != 0) p.pos[i] = {750.0f, 400.0f};
        world.refresh_grid();
    }
    EXPECT_EQ(shots_blocked, 0) << "the bot fired at an enemy behind a wall";
    world.set_wall_health(0, 0.0f);
    int shots_open = 0;
    for (int t = 0; t < 60; ++t) {
        world.set_input(human, {});
        bots.update(world, exec);
        world.step(exec);
        for (const sim::Event& e : world.events())
            if (e.type == sim::EventType::ShotFired && e.a != human.index) ++shots_open;
    }
    EXPECT_GT(shots_open, 0) << "with the wall gone the bot should see and shoot";
}

TEST(Bots, CtfRolesFollowTheFlags) {
    Match m(sim::Mode::CaptureTheFlag, 1);
    bool checked_away = false;
    for (int t = 0; t < 30 * 300 && !checked_away; ++t) {
        m.world->step(m.exec);
        m.bots.update(*m.world, m.exec); // roles are handed out at the end of every 15th update
        if (m.world->tick() % 15 != 0) continue;
        const sim::Players& p = m.world->players();
        for (std::size_t team = 0; team < 2; ++team) {
            int counts[5] = {};
            int alive = 0;
            for (std::uint32_t i = 0; i < p.size(); ++i) {
                if (p.in_use[i] == 0 || p.alive[i] == 0 || static_cast<std::size_t>(p.team[i]) != team)
                    continue;
                ++alive;
                ++counts[static_cast<int>(m.bots.role(i))];
            }
            if (alive < 3) continue;
            EXPECT_GT(counts[static_cast<int>(Role::Attack)], 0);
            EXPECT_GT(counts[static_cast<int>(Role::Defend)], 0);
            if (m.world->flags()[team].state != sim::FlagState::Home) {
                EXPECT_GT(counts[static_cast<int>(Role::Retrieve)], 0)
                    << "own flag away, nobody retrieves it";
                checked_away = true;
            } else {
                EXPECT_EQ(counts[static_cast<int>(Role::Retrieve)], 0);
            }
        }
    }
    EXPECT_TRUE(checked_away) << "no flag left its base in five minutes";
}

TEST(Bots, SkillMixDecidesEachBotsSkill) {
    for (std::size_t level = 0; level < 3; ++level) {
        BotParams params;
        params.skill_mix = {0.0f, 0.0f, 0.0f};
        params.skill_mix[level] = 1.0f;
        Match m(sim::Mode::CaptureTheFlag, 2);
        m.bots = Bots(params);
        m.tick();
        const sim::Players& p = m.world->players();
        for (std::uint32_t i = 0; i < p.size(); ++i) {
            if (p.in_use[i] != 0 && p.is_bot[i] != 0) {
                EXPECT_EQ(static_cast<std::size_t>(m.bots.skill(i)), level);
            }
        }
    }
}

TEST(Bots, SameSeedSameGameForAnyWorkerSplit) {
    Match a(sim::Mode::CaptureTheFlag, 4), b(sim::Mode::CaptureTheFlag, 4);
    for (int t = 0; t < 600; ++t) {
        a.tick();
        b.tick();
    }
    EXPECT_EQ(a.world->state_hash(), b.world->state_hash());
}

/// Runs the ranges one after another, last first, in pieces of about half the grain, and
/// reports a different worker for each piece: another split of the same work than the serial
/// executor's, as several threads would make.
class ScrambledExecutor final : public Executor {
public:
    void for_ranges(std::size_t n, std::size_t grain, RangeFn fn) override {
        const std::size_t piece = std::max<std::size_t>(1, grain / 2);
        for (std::size_t end = n; end > 0;) {
            const std::size_t begin = end > piece ? end - piece : 0;
            worker_ = (worker_ + 1) % 3;
            fn(begin, end);
            end = begin;
        }
    }
    [[nodiscard]] int concurrency() const noexcept override { return 3; }
    [[nodiscard]] int worker_index() const noexcept override { return worker_; }

private:
    int worker_ = 0;
};

TEST(Bots, SlicedFieldSearchesKeepTheLastCompleteFieldInUse) {
    // Slices of 150 entries: a search over the arena grid (about 1,900 cells) takes a dozen
    // ticks, so re-searches (carried flags, fallen walls) overlap with bots steering.
    BotParams params;
    params.field_slice_cells = 150;
    Match m(sim::Mode::CaptureTheFlag, 1);
    m.bots = Bots(params);
    std::array<bool, Bots::kFieldCount> ready{};
    std::array<std::uint32_t, Bots::kFieldCount> first_ready{};
    int overlapping = 0, compared = 0;
    std::uint64_t computes = 0;
    for (int t = 0; t < 30 * 120; ++t) {
        m.tick();
        const bool swapped = m.bots.stats().field_computes != computes;
        computes = m.bots.stats().field_computes;
        std::size_t searching = 0;
        for (std::size_t f = 0; f < Bots::kFieldCount; ++f) searching += m.bots.field_searching(f) ? 1 : 0;
        ASSERT_LE(searching, Bots::kMaxFieldSearches) << "tick " << t;
        for (std::size_t f = 0; f < Bots::kFieldCount; ++f) {
            const FlowField* field = m.bots.field(f);
            if (field == nullptr) {
                ASSERT_FALSE(ready[f]) << "field " << f << " was ready and went away at tick " << t;
                continue;
            }
            if (!ready[f]) first_ready[f] = m.world->tick();
            ready[f] = true;
            ASSERT_TRUE(field->complete()) << "bots must only ever see a complete field";
            if (m.bots.field_searching(f)) ++overlapping;
            // A field just swapped in on an unchanged grid is the one-shot search of that grid.
            if (swapped && field->nav_version() == m.bots.nav().version()) {
                FlowField whole;
                whole.compute(m.bots.nav(), field->goal());
                for (int c = 0; c < m.bots.nav().cell_count(); ++c)
                    ASSERT_EQ(field->cost(c), whole.cost(c)) << "field " << f << " cell " << c;
                ++compared;
            }
        }
    }
    for (std::size_t f = 0; f < Bots::kFieldCount; ++f) {
        EXPECT_TRUE(ready[f]) << "field " << f;
        EXPECT_GT(first_ready[f], 2u) << "the first search of field " << f << " should take several ticks";
    }
    EXPECT_GT(overlapping, 100) << "re-searches should run while the previous field serves the bots";
    EXPECT_GT(compared, 0);
    const BotStats& stats = m.bots.stats();
    EXPECT_GE(stats.field_slices, 5 * stats.field_computes) << "searches should take many slices";
    EXPECT_GE(m.world->totals().kills, 5u) << "bots still play";
    EXPECT_LE(stats.stuck_episodes, 2u);
}

TEST(Bots, SlicedSearchesSameGameForAnyWorkerSplit) {
    // Slicing counts ticks and queue entries only: the same game for any split of the work.
    for (const std::uint32_t slice : {150u, 65536u}) {
        BotParams params;
        params.field_slice_cells = slice;
        Match a(sim::Mode::CaptureTheFlag, 4), b(sim::Mode::CaptureTheFlag, 4);
        a.bots = Bots(params);
        b.bots = Bots(params);
        ScrambledExecutor scrambled;
        for (int t = 0; t < 900; ++t) {
            a.tick();
            b.bots.update(*b.world, scrambled);
            b.world->step(scrambled);
            ASSERT_EQ(a.world->state_hash(), b.world->state_hash()) << "slice " << slice << " tick " << t;
        }
        EXPECT_EQ(a.bots.stats().field_slices, b.bots.stats().field_slices);
    }
}

TEST(Bots, OverloadHalvesTheDecisionRateButNotSteering) {
    // Overload level 5 sheds bot work: the same match, decisions at half the rate; every bot
    // still gets an input every tick.
    auto decisions = [](float scale) {
        Match m(sim::Mode::CaptureTheFlag, 2);
        m.bots.set_decision_scale(scale);
        for (int t = 0; t < 30 * 20; ++t) m.tick();
        return m.bots.stats().decisions;
    };
    const std::uint64_t full = decisions(1.0f);
    const std::uint64_t half = decisions(0.5f);
    ASSERT_GT(full, 0u);
    EXPECT_LT(half, full * 7 / 10);
    EXPECT_GT(half, full * 3 / 10);
    Bots b;
    b.set_decision_scale(0.0f); // nonsense scales fall back to the configured rate
    EXPECT_EQ(b.decision_scale(), 1.0f);
    b.set_decision_scale(3.0f); // and never raise it
    EXPECT_EQ(b.decision_scale(), 1.0f);
}

} // namespace
} // namespace mgs::ai
