#include "ai/nav.hpp"
#include "core/rng.hpp"
#include "world/map_gen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace mgs::ai {
namespace {

constexpr float kPlayerRadius = 15.0f;
constexpr float kCell = 16.0f;
// Player radius plus half a cell diagonal: a player following the grid never touches a wall.
constexpr float kSafeClearance = kPlayerRadius + kCell * 0.7072f;

world::MapParams arena(std::uint64_t seed) {
    world::MapParams p;
    p.seed = seed;
    return p;
}

world::MapParams default_size(std::uint64_t seed) {
    world::MapParams p;
    p.width = 8000.0f;
    p.height = 6000.0f;
    p.seed = seed;
    return p;
}

std::vector<Vec2> points_of_interest(const world::Map& map) {
    std::vector<Vec2> points;
    for (const world::PickupSpot& s : map.pickups) points.push_back(s.pos);
    for (const auto& spawns : map.team_spawns) points.insert(points.end(), spawns.begin(), spawns.end());
    points.insert(points.end(), map.ffa_spawns.begin(), map.ffa_spawns.end());
    points.push_back(map.bases[0].flag_stand);
    points.push_back(map.bases[1].flag_stand);
    return points;
}

float distance_to_nearest_wall(const world::Map& map, Vec2 p) {
    float best = std::numeric_limits<float>::infinity();
    for (const world::WallDef& w : map.walls) best = std::min(best, distance(closest_point(w.box, p), p));
    return best;
}

/// Cells 4-connected to `start` over walkable cells (the reference the flow field must match).
std::vector<std::uint8_t> component_of(const NavGrid& nav, int start) {
    std::vector<std::uint8_t> in(static_cast<std::size_t>(nav.cell_count()), 0);
    if (!nav.walkable(start)) return in;
    std::vector<int> stack{start};
    in[static_cast<std::size_t>(start)] = 1;
    while (!stack.empty()) {
        const int c = stack.back();
        stack.pop_back();
        const int col = c % nav.cols(), row = c / nav.cols();
        const int next[4][2] = {{col - 1, row}, {col + 1, row}, {col, row - 1}, {col, row + 1}};
        for (const auto& n : next) {
            if (n[0] < 0 || n[1] < 0 || n[0] >= nav.cols() || n[1] >= nav.rows()) continue;
            const int i = n[1] * nav.cols() + n[0];
            if (in[static_cast<std::size_t>(i)] != 0 || !nav.walkable(i)) continue;
            in[static_cast<std::size_t>(i)] = 1;
            stack.push_back(i);
        }
    }
    return in;
}

/// A two-room map: a wall across the world at x = 200, made of two indestructible pieces and a
/// destructible one (index 2) in the middle.
world::Map split_map() {
    world::Map map;
    map.width = 400.0f;
    map.height = 300.0f;
    map.walls.push_back({{{195.0f, 0.0f}, {205.0f, 120.0f}}, 0});
    map.walls.push_back({{{195.0f, 180.0f}, {205.0f, 300.0f}}, 0});
    map.walls.push_back({{{195.0f, 120.0f}, {205.0f, 180.0f}}, 150});
    return map;
}

void expect_path_valid(const NavGrid& nav, const std::vector<Vec2>& path, Vec2 from, Vec2 to,
                       const std::string& what) {
    ASSERT_GE(path.size(), 2u) << what;
    EXPECT_EQ(path.front(), from) << what;
    EXPECT_EQ(path.back(), to) << what;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        EXPECT_TRUE(nav.clear_line(path[i], path[i + 1]))
            << what << " leg " << i << " (" << path[i].x << ", " << path[i].y << ") -> (" << path[i + 1].x
            << ", " << path[i + 1].y << ")";
    }
}

// --- NavGrid ----------------------------------------------------------------------------------

TEST(NavGrid, CellsMarkTheClearanceCircle) {
    world::Map map;
    map.width = 320.0f;
    map.height = 320.0f;
    map.walls.push_back({{{160.0f, 160.0f}, {176.0f, 176.0f}}, 0});
    NavGrid nav;
    nav.build(map, 16.0f, 15.0f, nullptr);
    EXPECT_EQ(nav.cols(), 20);
    EXPECT_EQ(nav.rows(), 20);
    EXPECT_FALSE(nav.walkable(nav.cell_of({168.0f, 168.0f}))); // in the wall
    EXPECT_FALSE(nav.walkable(nav.cell_of({184.0f, 168.0f}))); // centre 8 wu from it
    EXPECT_TRUE(nav.walkable(nav.cell_of({200.0f, 168.0f})));  // centre 24 wu from it
    EXPECT_FALSE(nav.walkable(nav.cell_of({8.0f, 100.0f})));   // circle leaves the world
    EXPECT_TRUE(nav.walkable(nav.cell_of({24.0f, 100.0f})));
    EXPECT_FALSE(nav.walkable(-1));
    EXPECT_FALSE(nav.walkable(nav.cell_count()));
    // cell_of clamps.
    EXPECT_EQ(nav.cell_of({-50.0f, -50.0f}), 0);
    EXPECT_EQ(nav.cell_of({1e9f, 1e9f}), nav.cell_count() - 1);
    EXPECT_EQ(nav.center(nav.cell_of({200.0f, 168.0f})), (Vec2{200.0f, 168.0f}));
}

TEST(NavGrid, NearestWalkable) {
    world::Map map;
    map.width = 320.0f;
    map.height = 320.0f;
    map.walls.push_back({{{160.0f, 160.0f}, {176.0f, 176.0f}}, 0});
    NavGrid nav;
    nav.build(map, 16.0f, 15.0f, nullptr);
    const Vec2 open{100.0f, 100.0f};
    EXPECT_EQ(nav.nearest_walkable(open), nav.cell_of(open));
    // Just right of the wall: the nearest free centre is to the right, not across the wall.
    const int n = nav.nearest_walkable({178.0f, 168.0f});
    ASSERT_GE(n, 0);
    EXPECT_TRUE(nav.walkable(n));
    EXPECT_GT(nav.center(n).x, 176.0f);
    EXPECT_EQ(nav.nearest_walkable({168.0f, 168.0f}, 0), -1);
}

TEST(NavGrid, ClearLineThroughWallAndInTheOpen) {
    const world::Map map = split_map();
    NavGrid nav;
    nav.build(map, 16.0f, 15.0f, nullptr);
    EXPECT_FALSE(nav.clear_line({100.0f, 150.0f}, {300.0f, 150.0f}));
    EXPECT_FALSE(nav.clear_line({100.0f, 40.0f}, {300.0f, 260.0f}));
    EXPECT_TRUE(nav.clear_line({40.0f, 40.0f}, {160.0f, 260.0f}));
    EXPECT_TRUE(nav.clear_line({300.0f, 260.0f}, {240.0f, 40.0f}));
    EXPECT_TRUE(nav.clear_line({100.0f, 100.0f}, {100.0f, 100.0f}));
    EXPECT_FALSE(nav.clear_line({100.0f, 100.0f}, {-5.0f, 100.0f})); // leaves the grid
    // Destroyed, the middle piece opens the way.
    const std::uint8_t alive[3] = {1, 1, 0};
    nav.build(map, 16.0f, 15.0f, alive);
    EXPECT_TRUE(nav.clear_line({100.0f, 150.0f}, {300.0f, 150.0f}));
}

TEST(NavGrid, UpdateWallMatchesFullBuild) {
    const world::Map map = world::generate_map(arena(5));
    std::vector<std::uint8_t> alive(map.walls.size(), 1);
    NavGrid nav;
    nav.build(map, kCell, kPlayerRadius, alive.data());
    std::uint32_t changes = 0;
    for (std::uint32_t w = 0; w < map.walls.size(); ++w) {
        if (!map.walls[w].destructible()) continue;
        alive[w] = 0;
        if (nav.update_wall(map, w, alive.data())) ++changes;
        EXPECT_FALSE(nav.update_wall(map, w, alive.data())) << "no change the second time";
    }
    ASSERT_GT(changes, 0u);
    EXPECT_EQ(nav.version(), changes);
    NavGrid fresh;
    fresh.build(map, kCell, kPlayerRadius, alive.data());
    for (int c = 0; c < nav.cell_count(); ++c) ASSERT_EQ(nav.walkable(c), fresh.walkable(c)) << "cell " << c;
    // Everything back up: the same as all walls standing.
    for (std::uint32_t w = 0; w < map.walls.size(); ++w) {
        alive[w] = 1;
        nav.update_wall(map, w, alive.data());
    }
    fresh.build(map, kCell, kPlayerRadius, nullptr);
    for (int c = 0; c < nav.cell_count(); ++c) ASSERT_EQ(nav.walkable(c), fresh.walkable(c)) << "cell " << c;
}

/// Runs the ranges last first, in pieces of at most `grain` rows: bands as several workers take
/// them, in another order.
class BandedExecutor final : public Executor {
public:
    void for_ranges(std::size_t n, std::size_t grain, RangeFn fn) override {
        const std::size_t piece = std::max<std::size_t>(1, grain);
        for (std::size_t end = n; end > 0;) {
            const std::size_t begin = end > piece ? end - piece : 0;
            fn(begin, end);
            end = begin;
        }
    }
    [[nodiscard]] int concurrency() const noexcept override { return 4; }
    [[nodiscard]] int worker_index() const noexcept override { return 0; }
};

TEST(NavGrid, BuildInBandsAndRebuildMatchASerialBuild) {
    const world::Map map = world::generate_map(default_size(3));
    std::vector<std::uint8_t> alive(map.walls.size(), 1);
    for (std::size_t w = 0; w < map.walls.size(); w += 3)
        if (map.walls[w].destructible()) alive[w] = 0;
    NavGrid serial;
    serial.build(map, 16.0f, kPlayerRadius, alive.data());
    BandedExecutor bands;
    NavGrid banded;
    banded.build(map, 16.0f, kPlayerRadius, alive.data(), &bands);
    // A rebuild over the arrays of another grid of the same size (every wall standing there).
    NavGrid rebuilt;
    rebuilt.build(map, 16.0f, kPlayerRadius, nullptr, &bands);
    rebuilt.build(map, 16.0f, kPlayerRadius, alive.data(), &bands);
    ASSERT_EQ(banded.cell_count(), serial.cell_count());
    for (int c = 0; c < serial.cell_count(); ++c) {
        ASSERT_EQ(banded.walkable(c), serial.walkable(c)) << "cell " << c;
        ASSERT_EQ(rebuilt.walkable(c), serial.walkable(c)) << "cell " << c;
    }
    EXPECT_EQ(banded.padded_walkable().size(), serial.padded_walkable().size());
    for (std::size_t i = 0; i < serial.padded_walkable().size(); ++i) {
        ASSERT_EQ(banded.padded_walkable()[i], serial.padded_walkable()[i]) << "padded " << i;
        ASSERT_EQ(rebuilt.padded_walkable()[i], serial.padded_walkable()[i]) << "padded " << i;
    }
    // The counts behind the cells agree too: walls coming back give the all-standing grid.
    NavGrid standing;
    standing.build(map, 16.0f, kPlayerRadius, nullptr);
    for (std::uint32_t w = 0; w < map.walls.size(); ++w) {
        if (alive[w] != 0) continue;
        alive[w] = 1;
        banded.update_wall(map, w, alive.data());
        rebuilt.update_wall(map, w, alive.data());
    }
    for (int c = 0; c < serial.cell_count(); ++c) {
        ASSERT_EQ(banded.walkable(c), standing.walkable(c)) << "cell " << c;
        ASSERT_EQ(rebuilt.walkable(c), standing.walkable(c)) << "cell " << c;
    }
}

// --- Reachability on generated maps -------------------------------------------------------

void expect_all_reachable(const world::Map& map, float cell, float clearance, const std::string& what) {
    NavGrid nav;
    nav.build(map, cell, clearance, nullptr);
    for (int team = 0; team < 2; ++team) {
        const Vec2 stand = map.bases[static_cast<std::size_t>(team)].flag_stand;
        FlowField field;
        field.compute(nav, stand);
        ASSERT_TRUE(field.reachable(stand)) << what;
        EXPECT_FLOAT_EQ(field.distance(stand), 0.0f) << what;
        for (const Vec2 p : points_of_interest(map)) {
            EXPECT_TRUE(field.reachable(p))
                << what << " team " << team << " point (" << p.x << ", " << p.y << ")";
            EXPECT_GE(field.distance(p), distance(p, stand) - cell) << what;
        }
        // Every walkable cell connected to the goal is reached, and no other.
        const std::vector<std::uint8_t> comp = component_of(nav, nav.nearest_walkable(stand));
        for (int c = 0; c < nav.cell_count(); ++c) {
            const bool reached = field.cost(c) != FlowField::kUnreachable;
            ASSERT_EQ(reached, comp[static_cast<std::size_t>(c)] != 0) << what << " cell " << c;
        }
    }
}

TEST(FlowField, ReachesEveryPointOnArenaMaps) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const world::Map map = world::generate_map(arena(seed));
        expect_all_reachable(map, kCell, kSafeClearance, "arena seed " + std::to_string(seed) + " cell 16");
        expect_all_reachable(map, 32.0f, kPlayerRadius, "arena seed " + std::to_string(seed) + " cell 32");
    }
}

TEST(FlowField, ReachesEveryPointOnDefaultMaps) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const world::Map map = world::generate_map(default_size(seed));
        expect_all_reachable(map, kCell, kSafeClearance, "default seed " + std::to_string(seed) + " cell 16");
        expect_all_reachable(map, 32.0f, kPlayerRadius, "default seed " + std::to_string(seed) + " cell 32");
    }
}

TEST(FindPath, RandomPairsOnGeneratedMaps) {
    std::vector<world::Map> maps;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) maps.push_back(world::generate_map(arena(seed)));
    for (std::uint64_t seed = 1; seed <= 2; ++seed) maps.push_back(world::generate_map(default_size(seed)));
    PathScratch scratch;
    std::vector<Vec2> path;
    Rng rng(42);
    for (std::size_t m = 0; m < maps.size(); ++m) {
        const world::Map& map = maps[m];
        for (const float cell : {kCell, 32.0f}) {
            NavGrid nav;
            nav.build(map, cell, cell == kCell ? kSafeClearance : kPlayerRadius, nullptr);
            FlowField field;
            field.compute(nav, map.bases[0].flag_stand);
            int found = 0;
            for (int i = 0; i < 40; ++i) {
                // Random points of random walkable cells.
                Vec2 ends[2];
                for (Vec2& e : ends) {
                    int c = -1;
                    while (c < 0 || !nav.walkable(c))
                        c = static_cast<int>(rng.below(static_cast<std::uint32_t>(nav.cell_count())));
                    const Vec2 ctr = nav.center(c);
                    const float h = cell * 0.49f;
                    e = {ctr.x + rng.range(-h, h), ctr.y + rng.range(-h, h)};
                }
                const std::string what = "map " + std::to_string(m) + " cell " + std::to_string(cell) +
                                         " pair " + std::to_string(i);
                const bool ok = find_path(nav, ends[0], ends[1], scratch, path);
                EXPECT_EQ(ok, field.reachable(ends[0]) && field.reachable(ends[1])) << what;
                if (!ok) {
                    EXPECT_TRUE(path.empty());
                    continue;
                }
                ++found;
                expect_path_valid(nav, path, ends[0], ends[1], what);
            }
            EXPECT_GT(found, 30) << "map " << m;
        }
    }
}

// --- Destructible walls -------------------------------------------------------------------

TEST(Nav, RouteOpensWhenTheWallIsDestroyedAndClosesWhenItRespawns) {
    const world::Map map = split_map();
    const Vec2 left{80.0f, 150.0f}, right{320.0f, 150.0f};
    std::vector<std::uint8_t> alive{1, 1, 1};
    NavGrid nav;
    nav.build(map, 16.0f, kPlayerRadius, alive.data());
    PathScratch scratch;
    std::vector<Vec2> path;
    FlowField field;

    field.compute(nav, right);
    EXPECT_FALSE(find_path(nav, left, right, scratch, path));
    EXPECT_TRUE(path.empty());
    EXPECT_FALSE(field.reachable(left));
    EXPECT_TRUE(std::isinf(field.distance(left)));
    EXPECT_EQ(field.direction(nav, left), (Vec2{}));
    EXPECT_TRUE(field.reachable({300.0f, 40.0f}));

    alive[2] = 0;
    EXPECT_TRUE(nav.update_wall(map, 2, alive.data()));
    EXPECT_EQ(nav.version(), 1u);
    EXPECT_NE(field.nav_version(), nav.version()); // the field is stale now
    field.compute(nav, right);
    EXPECT_EQ(field.nav_version(), nav.version());
    ASSERT_TRUE(find_path(nav, left, right, scratch, path));
    expect_path_valid(nav, path, left, right, "through the gap");
    EXPECT_EQ(path.size(), 2u); // straight through
    EXPECT_TRUE(field.reachable(left));
    EXPECT_NEAR(field.distance(left), 240.0f, 16.0f);
    const Vec2 d = field.direction(nav, left);
    EXPECT_NEAR(d.x, 1.0f, 1e-3f);

    alive[2] = 1;
    EXPECT_TRUE(nav.update_wall(map, 2, alive.data()));
    EXPECT_EQ(nav.version(), 2u);
    field.compute(nav, right);
    EXPECT_FALSE(find_path(nav, left, right, scratch, path));
    EXPECT_FALSE(field.reachable(left));
}

TEST(Nav, PathGoesAroundAWall) {
    world::Map map;
    map.width = 400.0f;
    map.height = 300.0f;
    map.walls.push_back({{{195.0f, 0.0f}, {205.0f, 220.0f}}, 0});
    NavGrid nav;
    nav.build(map, 16.0f, kSafeClearance, nullptr);
    PathScratch scratch;
    std::vector<Vec2> path;
    const Vec2 a{80.0f, 80.0f}, b{320.0f, 80.0f};
    ASSERT_TRUE(find_path(nav, a, b, scratch, path));
    expect_path_valid(nav, path, a, b, "around");
    EXPECT_GE(path.size(), 3u);
    EXPECT_LE(path.size(), 6u); // smoothed: a few corners, not one waypoint per cell
    for (const Vec2 p : path) EXPECT_TRUE(p.x < 195.0f || p.x > 205.0f || p.y > 220.0f);
}

// --- Steering -----------------------------------------------------------------------------

/// Moves a point along FlowField::direction in steps of `step` wu; checks that a player's circle
/// around it never touches a wall, and that it arrives.
void expect_walks_to_goal(const world::Map& map, const NavGrid& nav, const FlowField& field, Vec2 start,
                          const std::string& what) {
    constexpr float kStep = 4.0f;
    ASSERT_TRUE(field.reachable(start)) << what;
    const Vec2 goal = field.goal();
    const int max_steps = static_cast<int>(2.0f * field.distance(start) / kStep) + 200;
    Vec2 p = start;
    bool arrived = false;
    for (int i = 0; i < max_steps && !arrived; ++i) {
        if (distance(p, goal) <= kStep) {
            arrived = true;
            break;
        }
        const Vec2 d = field.direction(nav, p);
        ASSERT_NE(d, (Vec2{})) << what << " stopped at (" << p.x << ", " << p.y << ")";
        p += d * kStep;
        ASSERT_GE(distance_to_nearest_wall(map, p), kPlayerRadius - 1e-3f)
            << what << " step " << i << " at (" << p.x << ", " << p.y << ")";
    }
    EXPECT_TRUE(arrived) << what << " ended at (" << p.x << ", " << p.y << "), " << field.distance(p)
                         << " wu from the goal";
}

TEST(FlowField, FollowingTheDirectionReachesTheGoal) {
    std::vector<world::Map> maps;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) maps.push_back(world::generate_map(arena(seed)));
    maps.push_back(world::generate_map(default_size(1)));
    for (std::size_t m = 0; m < maps.size(); ++m) {
        const world::Map& map = maps[m];
        NavGrid nav;
        nav.build(map, kCell, kSafeClearance, nullptr);
        for (int team = 0; team < 2; ++team) {
            FlowField field;
            field.compute(nav, map.bases[static_cast<std::size_t>(1 - team)].flag_stand);
            std::vector<Vec2> starts = map.team_spawns[static_cast<std::size_t>(team)];
            if (starts.size() > 3) starts.resize(3);
            for (std::size_t i = 0; i < map.pickups.size() && i < 6; ++i)
                starts.push_back(map.pickups[i].pos);
            for (std::size_t i = 0; i < starts.size(); ++i) {
                expect_walks_to_goal(map, nav, field, starts[i],
                                     "map " + std::to_string(m) + " team " + std::to_string(team) +
                                         " start " + std::to_string(i));
            }
        }
    }
}

TEST(FlowField, DirectionIsZeroAtTheGoalAndWhenNotComputed) {
    const world::Map map = world::generate_map(arena(1));
    NavGrid nav;
    nav.build(map, kCell, kSafeClearance, nullptr);
    FlowField field;
    EXPECT_EQ(field.direction(nav, {100.0f, 100.0f}), (Vec2{}));
    EXPECT_FALSE(field.reachable({100.0f, 100.0f}));
    const Vec2 stand = map.bases[0].flag_stand;
    field.compute(nav, stand);
    EXPECT_EQ(field.goal(), stand);
    EXPECT_EQ(field.direction(nav, stand), (Vec2{}));
    const Vec2 d = field.direction(nav, stand + Vec2{5.0f, 0.0f});
    EXPECT_NEAR(d.x, -1.0f, 1e-5f);
}

// --- Sliced searches -----------------------------------------------------------------------

/// Runs a search in slices of `budget` entries; checks that the field answers nothing until the
/// last slice, and then holds exactly what a one-shot search of the same grid holds.
void expect_sliced_equals_one_shot(const NavGrid& nav, Vec2 goal, std::size_t budget, const std::string& what,
                                   FlowField& sliced) {
    FlowField whole;
    whole.compute(nav, goal);
    ASSERT_TRUE(whole.complete()) << what;
    sliced.begin(nav, goal);
    std::size_t slices = 1;
    const Vec2 probe = nav.center(nav.nearest_walkable(goal + Vec2{300.0f, 200.0f}, 20));
    while (!sliced.advance(nav, budget)) {
        ASSERT_FALSE(sliced.complete()) << what;
        ASSERT_FALSE(sliced.reachable(probe)) << what << ": an unfinished field must not answer";
        ASSERT_EQ(sliced.direction(nav, probe), (Vec2{})) << what;
        ASSERT_EQ(sliced.cost(nav.cell_of(goal)), FlowField::kUnreachable) << what;
        ++slices;
    }
    ASSERT_TRUE(sliced.complete()) << what;
    EXPECT_TRUE(sliced.advance(nav, budget)) << what << ": a complete search stays complete";
    EXPECT_EQ(sliced.expanded(), whole.expanded()) << what;
    EXPECT_GE(slices * budget, whole.expanded()) << what << ": a slice took more than its budget";
    for (int c = 0; c < nav.cell_count(); ++c)
        ASSERT_EQ(sliced.cost(c), whole.cost(c)) << what << " cell " << c;
    EXPECT_EQ(sliced.goal(), whole.goal());
    EXPECT_EQ(sliced.nav_version(), whole.nav_version());
    Rng rng(3);
    for (int i = 0; i < 50; ++i) {
        const Vec2 p{rng.range(0.0f, static_cast<float>(nav.cols()) * nav.cell_size()),
                     rng.range(0.0f, static_cast<float>(nav.rows()) * nav.cell_size())};
        ASSERT_EQ(sliced.direction(nav, p), whole.direction(nav, p)) << what;
        ASSERT_EQ(sliced.distance(p), whole.distance(p)) << what;
    }
}

TEST(FlowField, SlicedSearchEqualsOneShotBitForBit) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const world::Map map = world::generate_map(arena(seed));
        NavGrid nav;
        nav.build(map, kCell, kSafeClearance, nullptr);
        for (const std::size_t budget :
             {std::size_t{1}, std::size_t{7}, std::size_t{97}, std::size_t{1000}}) {
            FlowField fresh;
            expect_sliced_equals_one_shot(
                nav, map.bases[0].flag_stand, budget,
                "arena " + std::to_string(seed) + " budget " + std::to_string(budget), fresh);
        }
    }
    // One field reused for several searches (warm memory, other goals): the same results.
    const world::Map map = world::generate_map(default_size(1));
    NavGrid nav;
    nav.build(map, 32.0f, kPlayerRadius, nullptr);
    FlowField reused;
    for (const std::size_t budget : {std::size_t{13}, std::size_t{4096}, std::size_t{65536}})
        expect_sliced_equals_one_shot(nav, map.bases[1].flag_stand, budget,
                                      "default budget " + std::to_string(budget), reused);
    expect_sliced_equals_one_shot(nav, map.pickups[0].pos, 5000, "default, a pickup", reused);
}

TEST(FlowField, FillingFreshMemoryCostsMoreSlicesThanRefilling) {
    // The budget counts a first write to the field's memory as a full entry and a rewrite as
    // 1/16: the first search over a grid takes more slices than the next ones.
    const world::Map map = world::generate_map(default_size(2));
    NavGrid nav;
    nav.build(map, 32.0f, kPlayerRadius, nullptr);
    const auto cells = static_cast<std::size_t>(nav.cell_count());
    FlowField field;
    const auto slices_of = [&](Vec2 goal, std::size_t budget) {
        field.begin(nav, goal);
        std::size_t slices = 1;
        while (!field.advance(nav, budget)) ++slices;
        return slices;
    };
    const std::size_t budget = cells / 4;
    const std::size_t first = slices_of(map.bases[0].flag_stand, budget);
    const std::size_t again = slices_of(map.bases[0].flag_stand, budget);
    EXPECT_GE(first, 5u) << "the fill of fresh memory alone takes four slices";
    EXPECT_LT(again, first);
    EXPECT_GE(again, (field.expanded() + budget - 1) / budget);
}

TEST(FlowField, SlicedSearchIsOfOneGridVersion) {
    const world::Map map = split_map();
    const Vec2 left{80.0f, 150.0f}, right{320.0f, 150.0f};
    std::vector<std::uint8_t> alive{1, 1, 1};
    NavGrid nav;
    nav.build(map, 16.0f, kPlayerRadius, alive.data());
    FlowField closed, open;
    closed.compute(nav, right);
    const auto cells = static_cast<std::size_t>((nav.cols() + 2) * (nav.rows() + 2));

    // The wall between the rooms falls once the grid is copied, during the search itself: the
    // search goes on with the grid it copied and says which one (nav_version).
    FlowField sliced;
    sliced.begin(nav, right);
    EXPECT_FALSE(sliced.advance(nav, cells + 10)); // the fill and a few entries
    alive[2] = 0;
    ASSERT_TRUE(nav.update_wall(map, 2, alive.data()));
    while (!sliced.advance(nav, 10)) {
    }
    for (int c = 0; c < nav.cell_count(); ++c) ASSERT_EQ(sliced.cost(c), closed.cost(c)) << "cell " << c;
    EXPECT_FALSE(sliced.reachable(left));
    EXPECT_EQ(sliced.nav_version(), 0u);
    EXPECT_NE(sliced.nav_version(), nav.version());
    open.compute(nav, right);
    ASSERT_TRUE(open.reachable(left));

    // The wall falls (here: comes back and falls again) while the grid is being copied: the copy
    // starts over, and the field is the search of the grid as it is now.
    sliced.begin(nav, right);
    EXPECT_FALSE(sliced.advance(nav, cells / (2 * FlowField::kWarmFillPerEntry))); // half the copy
    alive[2] = 1;
    ASSERT_TRUE(nav.update_wall(map, 2, alive.data()));
    alive[2] = 0;
    ASSERT_TRUE(nav.update_wall(map, 2, alive.data()));
    while (!sliced.advance(nav, 10)) {
    }
    EXPECT_EQ(sliced.nav_version(), nav.version());
    EXPECT_TRUE(sliced.reachable(left));
    for (int c = 0; c < nav.cell_count(); ++c) ASSERT_EQ(sliced.cost(c), open.cost(c)) << "cell " << c;
}

TEST(FlowField, GoalWithNoWalkableCellNearbyCompletesWhenTheGridIsIn) {
    world::Map map;
    map.width = 400.0f;
    map.height = 300.0f;
    map.walls.push_back({{{100.0f, 0.0f}, {300.0f, 300.0f}}, 0});
    NavGrid nav;
    nav.build(map, 16.0f, kPlayerRadius, nullptr);
    FlowField field;
    field.begin(nav, {200.0f, 150.0f}); // deep inside the wall, far from any free cell
    EXPECT_FALSE(field.complete());
    EXPECT_TRUE(field.advance(nav, static_cast<std::size_t>((nav.cols() + 2) * (nav.rows() + 2))));
    EXPECT_TRUE(field.complete());
    EXPECT_EQ(field.expanded(), 0u);
    EXPECT_FALSE(field.reachable({80.0f, 150.0f}));
}

// --- Determinism --------------------------------------------------------------------------

TEST(Nav, SameInputSameFieldAndPath) {
    const world::Map map = world::generate_map(default_size(2));
    NavGrid a, b;
    a.build(map, kCell, kSafeClearance, nullptr);
    b.build(map, kCell, kSafeClearance, nullptr);
    FlowField fa, fb;
    fa.compute(a, map.bases[1].flag_stand);
    fb.compute(b, map.bases[0].flag_stand); // reused buffers, other goal first
    fb.compute(b, map.bases[1].flag_stand);
    for (int c = 0; c < a.cell_count(); ++c) {
        ASSERT_EQ(a.walkable(c), b.walkable(c));
        ASSERT_EQ(fa.cost(c), fb.cost(c)) << "cell " << c;
    }
    Rng rng(9);
    PathScratch sa, sb;
    std::vector<Vec2> pa, pb;
    for (int i = 0; i < 20; ++i) {
        const Vec2 from{rng.range(0, map.width), rng.range(0, map.height)};
        const Vec2 to{rng.range(0, map.width), rng.range(0, map.height)};
        const bool oa = find_path(a, from, to, sa, pa);
        PathScratch fresh;
        const bool ob = find_path(b, from, to, i % 2 == 0 ? sb : fresh, pb);
        ASSERT_EQ(oa, ob);
        ASSERT_EQ(pa, pb) << "pair " << i;
        EXPECT_EQ(fa.direction(a, from), fb.direction(b, from));
    }
}

TEST(Nav, ThreatsMakeTheRouteGoAroundThem) {
    world::Map map;
    map.width = 2000.0f;
    map.height = 1000.0f;
    NavGrid nav;
    nav.build(map, 32.0f, 15.0f, nullptr);
    PathScratch scratch;
    std::vector<Vec2> direct, safe;
    const Vec2 from{200.0f, 500.0f}, to{1800.0f, 500.0f};
    ASSERT_TRUE(find_path(nav, from, to, scratch, direct));
    EXPECT_EQ(direct.size(), 2u) << "open floor: one straight leg";
    const Vec2 enemy{1000.0f, 520.0f};
    const PathThreats threats{std::span<const Vec2>(&enemy, 1), 250.0f, 60};
    ASSERT_TRUE(find_path(nav, from, to, scratch, safe, &threats));
    float closest = 1e9f;
    for (std::size_t i = 0; i + 1 < safe.size(); ++i) {
        const Vec2 a = safe[i], d = safe[i + 1] - a;
        for (int k = 0; k <= 100; ++k)
            closest = std::min(closest, distance(a + d * (static_cast<float>(k) / 100.0f), enemy));
    }
    EXPECT_GE(closest, 200.0f) << "the safe route should keep its distance from the enemy";
    EXPECT_EQ(safe.front(), from);
    EXPECT_EQ(safe.back(), to);
}

} // namespace
} // namespace mgs::ai
