// Player movement (GAMEPLAY.md "Players"): speed, walls block and players slide along them,
// nobody ends up inside a wall, overlapping players are pushed apart.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace mgs::sim::test {
namespace {

constexpr float kR = 15.0f;
// A block in the middle of the map: faces at x 1000 / 1100, y 300 / 700.
constexpr Aabb kBlock{{1000.0f, 300.0f}, {1100.0f, 700.0f}};

/// Distance from a player's centre to the nearest point of the box (>= radius: not inside).
float clearance(Vec2 c, const Aabb& box) {
    return distance(c, closest_point(box, c));
}

class Movement : public ::testing::Test {
protected:
    void SetUp() override {
        world::Map m = test_map();
        add_wall(m, kBlock);
        sim = std::make_unique<Sim>(rules_for(Mode::FreeForAll), m);
        p = sim->add("p");
        sim->begin();
    }

    /// Moves with the given input for n ticks, checking after every tick that the player is
    /// never inside the block. Returns the positions after each tick.
    std::vector<Vec2> walk(PlayerId id, int mx, int my, int n) {
        std::vector<Vec2> path;
        sim->input(id, move_input(mx, my));
        for (int i = 0; i < n; ++i) {
            sim->step();
            path.push_back(sim->pos(id));
            EXPECT_GE(clearance(sim->pos(id), kBlock), kR - 1e-3f) << "tick " << i;
        }
        sim->input(id, move_input(0, 0));
        return path;
    }

    std::unique_ptr<Sim> sim;
    PlayerId p{};
};

TEST_F(Movement, MovesAtOneHundredFiftyWuPerSecond) {
    sim->place(p, {500.0f, 500.0f});
    walk(p, 1, 0, 30);
    EXPECT_NEAR(sim->pos(p).x, 650.0f, 0.01f);
    walk(p, 0, -1, 30);
    EXPECT_NEAR(sim->pos(p).y, 350.0f, 0.01f);
    const Vec2 before = sim->pos(p);
    walk(p, -1, 1, 30);
    EXPECT_NEAR(distance(before, sim->pos(p)), 150.0f, 0.01f) << "diagonals normalised";
}

TEST_F(Movement, StraightIntoAWallStopsAtOneRadius) {
    struct Case {
        Vec2 start;
        int mx, my;
        Vec2 stop;
    };
    const Case cases[] = {
        {{900.0f, 500.0f}, 1, 0, {kBlock.min.x - kR, 500.0f}},
        {{1200.0f, 450.0f}, -1, 0, {kBlock.max.x + kR, 450.0f}},
        {{1050.0f, 200.0f}, 0, 1, {1050.0f, kBlock.min.y - kR}},
        {{1020.0f, 800.0f}, 0, -1, {1020.0f, kBlock.max.y + kR}},
    };
    for (const Case& c : cases) {
        sim->place(p, c.start);
        walk(p, c.mx, c.my, 60);
        EXPECT_NEAR(sim->pos(p).x, c.stop.x, 0.01f) << c.mx << "," << c.my;
        EXPECT_NEAR(sim->pos(p).y, c.stop.y, 0.01f) << c.mx << "," << c.my;
    }
}

TEST_F(Movement, DiagonalIntoAWallSlidesAlongIt) {
    // Against the left face, moving right-down: x is blocked, y keeps its full component.
    sim->place(p, {kBlock.min.x - kR, 400.0f});
    auto path = walk(p, 1, 1, 30);
    const float per_tick = 5.0f / std::sqrt(2.0f);
    for (std::size_t i = 0; i < path.size(); ++i) {
        EXPECT_NEAR(path[i].x, kBlock.min.x - kR, 0.01f);
        EXPECT_NEAR(path[i].y, 400.0f + per_tick * static_cast<float>(i + 1), 0.05f) << "tick " << i;
    }
    // Against the top face, moving left-down: slides left.
    sim->place(p, {1080.0f, kBlock.min.y - kR});
    path = walk(p, -1, 1, 12);
    for (std::size_t i = 0; i < path.size(); ++i) {
        EXPECT_NEAR(path[i].y, kBlock.min.y - kR, 0.01f);
        EXPECT_NEAR(path[i].x, 1080.0f - per_tick * static_cast<float>(i + 1), 0.05f) << "tick " << i;
    }
}

TEST_F(Movement, SlidingPastACornerDoesNotStick) {
    // Slide down the left face and round the bottom-left corner: afterwards the player keeps
    // moving diagonally, never stuck on the corner.
    sim->place(p, {kBlock.min.x - kR, 650.0f});
    const auto path = walk(p, 1, 1, 60);
    EXPECT_GT(path.back().y, kBlock.max.y + kR);
    EXPECT_GT(path.back().x, kBlock.min.x + 20.0f);
    for (std::size_t i = 1; i < path.size(); ++i) {
        EXPECT_GT(distance(path[i], path[i - 1]), 3.0f) << "moving every tick, tick " << i;
    }
}

TEST(FastMovement, NeverPassesAThinWall) {
    // Speeds are configuration: even at 50 or 100 wu per tick (several radii) a 2 wu wall holds.
    for (const float speed : {1500.0f, 3000.0f}) {
        Rules r = rules_for(Mode::FreeForAll);
        r.speed = speed;
        world::Map m = test_map();
        const Aabb thin{{1000.0f, 0.0f}, {1002.0f, 1000.0f}};
        add_wall(m, thin);
        Sim sim(r, m);
        const PlayerId p = sim.add("p");
        sim.begin();
        for (const int my : {0, 1, -1}) {
            sim.place(p, {900.0f, 500.0f});
            sim.input(p, move_input(1, my));
            for (int i = 0; i < 15; ++i) {
                sim.step();
                ASSERT_LE(sim.pos(p).x, thin.min.x - kR + 1e-3f) << "speed " << speed << " tick " << i;
            }
        }
    }
}

TEST_F(Movement, CannotLeaveTheWorld) {
    sim->place(p, {30.0f, 30.0f});
    walk(p, -1, -1, 30);
    EXPECT_NEAR(sim->pos(p).x, kR, 1e-3f);
    EXPECT_NEAR(sim->pos(p).y, kR, 1e-3f);
}

TEST_F(Movement, OverlappingPlayersArePushedApart) {
    const PlayerId q = sim->add("q");
    sim->step();
    sim->place(p, {500.0f, 500.0f});
    sim->place(q, {510.0f, 503.0f});
    sim->step(3);
    EXPECT_GE(distance(sim->pos(p), sim->pos(q)), 2.0f * kR - 0.05f);
    // Even from exactly the same spot.
    sim->place(p, {600.0f, 600.0f});
    sim->place(q, {600.0f, 600.0f});
    sim->step(3);
    EXPECT_GE(distance(sim->pos(p), sim->pos(q)), 2.0f * kR - 0.05f);
}

TEST_F(Movement, SeparationAgainstAWallNeverPushesIntoIt) {
    const PlayerId q = sim->add("q");
    sim->step();
    // q stands against the left face; p overlaps it from the open side and pushes into the wall.
    sim->place(q, {kBlock.min.x - kR, 500.0f});
    sim->place(p, {kBlock.min.x - kR - 12.0f, 502.0f});
    sim->input(p, move_input(1, 0));
    for (int i = 0; i < 20; ++i) {
        sim->step();
        EXPECT_GE(clearance(sim->pos(q), kBlock), kR - 1e-3f) << "tick " << i;
        EXPECT_GE(clearance(sim->pos(p), kBlock), kR - 1e-3f) << "tick " << i;
    }
    sim->input(p, move_input(0, 0));
    sim->step(10);
    EXPECT_GE(distance(sim->pos(p), sim->pos(q)), 2.0f * kR - 0.5f);
    EXPECT_GE(clearance(sim->pos(q), kBlock), kR - 1e-3f);
    EXPECT_GE(clearance(sim->pos(p), kBlock), kR - 1e-3f);
}

TEST_F(Movement, ACrowdInACornerSpreadsOutOfWallsAndOfEachOther) {
    std::vector<PlayerId> crowd{p};
    for (int i = 0; i < 5; ++i) crowd.push_back(sim->add(numbered("c", i)));
    sim->step();
    // Everyone on nearly the same spot in the corner between the block and the top border.
    for (std::size_t i = 0; i < crowd.size(); ++i) {
        sim->place(crowd[i],
                   {kBlock.min.x - kR - static_cast<float>(i), kBlock.min.y + kR + static_cast<float>(i)});
    }
    for (int t = 0; t < 60; ++t) {
        sim->step();
        for (const PlayerId id : crowd) EXPECT_GE(clearance(sim->pos(id), kBlock), kR - 1e-3f);
    }
    for (std::size_t i = 0; i < crowd.size(); ++i) {
        for (std::size_t j = i + 1; j < crowd.size(); ++j) {
            EXPECT_GE(distance(sim->pos(crowd[i]), sim->pos(crowd[j])), 2.0f * kR - 0.5f) << i << "," << j;
        }
    }
}

} // namespace
} // namespace mgs::sim::test
