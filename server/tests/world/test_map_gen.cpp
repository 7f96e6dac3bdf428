#include "world/connectivity.hpp"
#include "world/map_gen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mgs::world {
namespace {

constexpr std::size_t kBorderWalls = 4;

MapParams arena(std::uint64_t seed) {
    MapParams p;
    p.seed = seed;
    return p;
}

MapParams default_size(std::uint64_t seed) {
    MapParams p;
    p.width = 8000.0f;
    p.height = 6000.0f;
    p.seed = seed;
    return p;
}

MapParams massive(std::uint64_t seed) {
    MapParams p;
    p.width = 32000.0f;
    p.height = 32000.0f;
    p.seed = seed;
    return p;
}

bool same_walls(const Map& a, const Map& b) {
    if (a.walls.size() != b.walls.size()) return false;
    for (std::size_t i = 0; i < a.walls.size(); ++i) {
        if (a.walls[i].box != b.walls[i].box || a.walls[i].max_health != b.walls[i].max_health) return false;
    }
    return true;
}

bool same_maps(const Map& a, const Map& b) {
    if (a.width != b.width || a.height != b.height || a.seed != b.seed || !same_walls(a, b)) return false;
    if (a.pickups.size() != b.pickups.size()) return false;
    for (std::size_t i = 0; i < a.pickups.size(); ++i) {
        if (a.pickups[i].pos != b.pickups[i].pos || a.pickups[i].kind != b.pickups[i].kind) return false;
    }
    for (std::size_t t = 0; t < 2; ++t) {
        if (a.bases[t].flag_stand != b.bases[t].flag_stand || a.bases[t].area != b.bases[t].area)
            return false;
        if (a.team_spawns[t] != b.team_spawns[t]) return false;
    }
    return a.ffa_spawns == b.ffa_spawns;
}

/// Every point a player must be able to reach: pickups, spawns and both flag stands.
std::vector<Vec2> points_of_interest(const Map& map) {
    std::vector<Vec2> points;
    for (const PickupSpot& s : map.pickups) points.push_back(s.pos);
    for (const auto& spawns : map.team_spawns) points.insert(points.end(), spawns.begin(), spawns.end());
    points.insert(points.end(), map.ffa_spawns.begin(), map.ffa_spawns.end());
    points.push_back(map.bases[0].flag_stand);
    points.push_back(map.bases[1].flag_stand);
    return points;
}

std::vector<bool> destructibles_destroyed(const Map& map) {
    std::vector<bool> alive(map.walls.size());
    for (std::size_t i = 0; i < map.walls.size(); ++i) alive[i] = !map.walls[i].destructible();
    return alive;
}

/// Checks that the free space is one component holding every point of interest, with all
/// walls standing and with every destructible wall destroyed.
void expect_connected(const Map& map, float cell, const std::string& what) {
    const float radius = 15.0f;
    const std::vector<bool> destroyed = destructibles_destroyed(map);
    for (const std::vector<bool>* alive : {static_cast<const std::vector<bool>*>(nullptr), &destroyed}) {
        const std::string label = what + (alive == nullptr ? " (all walls)" : " (destructibles destroyed)");
        const OccupancyGrid grid = build_occupancy(map, cell, radius, alive);
        std::vector<int> labels;
        const int components = label_components(grid, labels);
        EXPECT_EQ(components, 1) << label;
        for (const Vec2 p : points_of_interest(map)) {
            const int i = grid.index_of(p);
            ASSERT_GE(i, 0) << label << " point (" << p.x << ", " << p.y << ") outside the grid";
            EXPECT_EQ(labels[static_cast<std::size_t>(i)], 0)
                << label << " point (" << p.x << ", " << p.y << ") not in the open component";
        }
    }
}

float distance_to_nearest_wall(const Map& map, Vec2 p) {
    float best = 1e30f;
    for (const WallDef& w : map.walls) best = std::min(best, distance(closest_point(w.box, p), p));
    return best;
}

void expect_points_clear(const Map& map, const MapParams& params, const std::string& what) {
    const float need = params.player_radius + 5.0f;
    const float t = params.border_thickness;
    const Aabb inner{{t, t}, {map.width - t, map.height - t}};
    for (const Vec2 p : points_of_interest(map)) {
        EXPECT_TRUE(inner.contains(p)) << what << " point (" << p.x << ", " << p.y << ") outside the border";
        EXPECT_GE(distance_to_nearest_wall(map, p), need) << what << " point (" << p.x << ", " << p.y << ")";
    }
}

// --- The checker itself -------------------------------------------------------------------

TEST(Connectivity, WallAcrossTheWorldGivesTwoComponents) {
    Map map;
    map.width = 400.0f;
    map.height = 300.0f;
    map.walls.push_back({{{195.0f, 0.0f}, {205.0f, 300.0f}}, 150});
    const OccupancyGrid grid = build_occupancy(map, 8.0f, 15.0f);
    std::vector<int> labels;
    EXPECT_EQ(label_components(grid, labels), 2);
    EXPECT_FALSE(point_reachable_from(grid, {50.0f, 150.0f}, {350.0f, 150.0f}));
    EXPECT_TRUE(point_reachable_from(grid, {50.0f, 50.0f}, {150.0f, 250.0f}));
    // A point inside the wall's reach is blocked, hence reaches nothing.
    EXPECT_FALSE(point_reachable_from(grid, {190.0f, 150.0f}, {50.0f, 150.0f}));

    // The same wall destroyed: one component again.
    const std::vector<bool> alive{false};
    const OccupancyGrid open = build_occupancy(map, 8.0f, 15.0f, &alive);
    EXPECT_EQ(label_components(open, labels), 1);
    EXPECT_TRUE(point_reachable_from(open, {50.0f, 150.0f}, {350.0f, 150.0f}));
}

TEST(Connectivity, GapNarrowerThanAPlayerSeparates) {
    // A wall across the world with a gap: 20 wu stops a 30 wu wide player, 80 wu lets it pass.
    for (const float gap : {20.0f, 80.0f}) {
        Map map;
        map.width = 400.0f;
        map.height = 300.0f;
        map.walls.push_back({{{195.0f, 0.0f}, {205.0f, 100.0f}}, 0});
        map.walls.push_back({{{195.0f, 100.0f + gap}, {205.0f, 300.0f}}, 0});
        const OccupancyGrid grid = build_occupancy(map, 4.0f, 15.0f);
        std::vector<int> labels;
        EXPECT_EQ(label_components(grid, labels), gap < 30.0f ? 2 : 1) << "gap " << gap;
    }
}

TEST(Connectivity, CellsMarkTheCircleNotJustTheWall) {
    Map map;
    map.width = 160.0f;
    map.height = 160.0f;
    map.walls.push_back({{{80.0f, 80.0f}, {88.0f, 88.0f}}, 0});
    const OccupancyGrid grid = build_occupancy(map, 8.0f, 15.0f);
    EXPECT_EQ(grid.cols, 20);
    EXPECT_EQ(grid.rows, 20);
    const auto blocked = [&](Vec2 p) {
        return grid.blocked[static_cast<std::size_t>(grid.index_of(p))] != 0;
    };
    EXPECT_TRUE(blocked({84.0f, 84.0f}));   // in the wall
    EXPECT_TRUE(blocked({100.0f, 84.0f}));  // centre 12 wu from it
    EXPECT_FALSE(blocked({108.0f, 84.0f})); // centre 20 wu from it
    EXPECT_EQ(grid.index_of({-1.0f, 5.0f}), -1);
    EXPECT_EQ(grid.index_of({5.0f, 160.5f}), -1);
}

// --- Determinism --------------------------------------------------------------------------

TEST(MapGen, SameSeedGivesIdenticalMap) {
    for (const MapParams& p : {arena(7), default_size(7)}) {
        const Map a = generate_map(p);
        const Map b = generate_map(p);
        EXPECT_TRUE(same_maps(a, b)) << p.width << "x" << p.height;
    }
}

TEST(MapGen, DifferentSeedsGiveDifferentMaps) {
    const Map a = generate_map(arena(1));
    const Map b = generate_map(arena(2));
    EXPECT_FALSE(same_walls(a, b));
    EXPECT_FALSE(same_maps(a, b));
}

// --- Layout -------------------------------------------------------------------------------

TEST(MapGen, BorderWallsComeFirstAndLineTheWorld) {
    const MapParams p = arena(3);
    const Map map = generate_map(p);
    ASSERT_GT(map.walls.size(), kBorderWalls);
    const float t = p.border_thickness;
    float area = 0.0f;
    for (std::size_t i = 0; i < kBorderWalls; ++i) {
        const Aabb& b = map.walls[i].box;
        EXPECT_FALSE(map.walls[i].destructible());
        EXPECT_TRUE(b.width() == t || b.height() == t);
        EXPECT_TRUE(map.bounds().contains(b.min) && map.bounds().contains(b.max));
        area += b.width() * b.height();
    }
    // Together they cover exactly the frame of the world.
    EXPECT_FLOAT_EQ(area, p.width * p.height - (p.width - 2 * t) * (p.height - 2 * t));
}

TEST(MapGen, BasesSitAtTheEndsWithOpenBaseWalls) {
    for (const MapParams& p : {arena(4), default_size(4), massive(4)}) {
        const Map map = generate_map(p);
        const TeamBase& red = map.bases[static_cast<std::size_t>(Team::Red)];
        const TeamBase& blue = map.bases[static_cast<std::size_t>(Team::Blue)];
        EXPECT_LT(red.flag_stand.x, 0.2f * p.width);
        EXPECT_GT(blue.flag_stand.x, 0.8f * p.width);
        EXPECT_GE(red.flag_stand.x - p.border_thickness, 150.0f);
        EXPECT_GE(p.width - p.border_thickness - blue.flag_stand.x, 150.0f);
        EXPECT_FLOAT_EQ(red.flag_stand.y, 0.5f * p.height);
        EXPECT_FLOAT_EQ(blue.flag_stand.x, p.width - red.flag_stand.x);
        for (const TeamBase* base : {&red, &blue}) {
            EXPECT_TRUE(base->area.contains(base->flag_stand));
            EXPECT_GE(base->area.min.x, p.border_thickness);
            EXPECT_LE(base->area.max.x, p.width - p.border_thickness);
            // Base walls: indestructible, inside the area, none within 80 wu of the flag.
            int base_walls = 0;
            for (std::size_t i = kBorderWalls; i < map.walls.size(); ++i) {
                const WallDef& w = map.walls[i];
                if (!w.box.overlaps(base->area)) continue;
                ++base_walls;
                EXPECT_FALSE(w.destructible());
                EXPECT_TRUE(base->area.contains(w.box.min) && base->area.contains(w.box.max));
                EXPECT_GE(distance(closest_point(w.box, base->flag_stand), base->flag_stand), 80.0f);
            }
            EXPECT_GE(base_walls, 2);
        }
    }
}

TEST(MapGen, ClustersKeepTheirClearance) {
    // The construction rule of map_gen.hpp, checked on the output: two walls either touch (parts
    // of one L) or are at least two clearances apart on some axis.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const MapParams p = seed % 4 == 0 ? default_size(seed) : arena(seed);
        const Map map = generate_map(p);
        const float c = 2.0f * p.player_radius + 10.0f;
        std::vector<int> touching(map.walls.size(), 0);
        for (std::size_t i = kBorderWalls; i < map.walls.size(); ++i) {
            const Aabb a = map.walls[i].box;
            // Inside the border by two clearances.
            EXPECT_GE(a.min.x, p.border_thickness + 2.0f * c);
            EXPECT_GE(a.min.y, p.border_thickness + 2.0f * c);
            EXPECT_LE(a.max.x, p.width - p.border_thickness - 2.0f * c);
            EXPECT_LE(a.max.y, p.height - p.border_thickness - 2.0f * c);
            for (std::size_t j = i + 1; j < map.walls.size(); ++j) {
                const Aabb b = map.walls[j].box;
                const bool touch =
                    a.min.x <= b.max.x && b.min.x <= a.max.x && a.min.y <= b.max.y && b.min.y <= a.max.y;
                if (touch) {
                    EXPECT_FALSE(a.overlaps(b)) << "walls " << i << " and " << j << " overlap";
                    ++touching[i];
                    ++touching[j];
                    continue;
                }
                EXPECT_FALSE(a.inflated(c).overlaps(b.inflated(c)))
                    << "seed " << seed << ": walls " << i << " and " << j << " too close";
            }
        }
        // An L is the only multi-rectangle cluster: a wall touches at most its other half.
        for (std::size_t i = kBorderWalls; i < map.walls.size(); ++i)
            EXPECT_LE(touching[i], 1) << "wall " << i;
    }
}

TEST(MapGen, ObstacleCountScalesWithArea) {
    const Map small = generate_map(arena(5));
    const Map big = generate_map(default_size(5));
    const std::size_t small_walls = small.walls.size() - kBorderWalls;
    const std::size_t big_walls = big.walls.size() - kBorderWalls;
    // arena: ~17 clusters (+ 4 base L shapes), default: ~430 clusters; lanes and Ls add walls.
    EXPECT_GE(small_walls, 17u);
    EXPECT_LE(small_walls, 60u);
    EXPECT_GE(big_walls, 400u);
    EXPECT_LE(big_walls, 1200u);
}

TEST(MapGen, DestructibleWallsFollowTheParameters) {
    MapParams p = default_size(6);
    const Map map = generate_map(p);
    std::size_t destructible = 0, small = 0;
    for (std::size_t i = kBorderWalls; i < map.walls.size(); ++i) {
        const WallDef& w = map.walls[i];
        if (w.box.width() <= 140.0f && w.box.height() <= 140.0f) ++small;
        if (!w.destructible()) continue;
        ++destructible;
        EXPECT_NE(std::find(p.destructible_health.begin(), p.destructible_health.end(), w.max_health),
                  p.destructible_health.end());
    }
    EXPECT_GT(destructible, small / 8);
    EXPECT_LT(destructible, small / 2);

    p.destructible_fraction = 0.0f;
    for (const WallDef& w : generate_map(p).walls) EXPECT_FALSE(w.destructible());
}

// --- Connectivity -------------------------------------------------------------------------

TEST(MapGen, ArenaSeedsAreConnected) {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        expect_connected(generate_map(arena(seed)), 8.0f, "arena seed " + std::to_string(seed));
        if (HasFailure()) return;
    }
}

TEST(MapGen, DefaultSeedsAreConnected) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        expect_connected(generate_map(default_size(seed)), 8.0f, "default seed " + std::to_string(seed));
        if (HasFailure()) return;
    }
}

TEST(MapGen, MassiveIsConnected) {
    expect_connected(generate_map(massive(1)), 16.0f, "massive seed 1");
}

// --- Pickups and spawn points -------------------------------------------------------------

TEST(MapGen, PickupCountFollowsOpenFloor) {
    for (const MapParams& p : {arena(8), default_size(8)}) {
        const Map map = generate_map(p);
        const float t = p.border_thickness;
        float floor_wu2 = (p.width - 2 * t) * (p.height - 2 * t);
        for (std::size_t i = kBorderWalls; i < map.walls.size(); ++i) {
            floor_wu2 -= map.walls[i].box.width() * map.walls[i].box.height();
        }
        const float expected = floor_wu2 / p.floor_per_pickup_wu2;
        EXPECT_GE(static_cast<float>(map.pickups.size()), 0.9f * expected) << p.width;
        EXPECT_LE(static_cast<float>(map.pickups.size()), 1.05f * expected + 1.0f) << p.width;
    }
    const std::size_t arena_pickups = generate_map(arena(8)).pickups.size();
    EXPECT_GE(arena_pickups, 25u);
    EXPECT_LE(arena_pickups, 30u);
}

TEST(MapGen, EveryPickupKindOnArena) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        const Map map = generate_map(arena(seed));
        std::array<int, static_cast<std::size_t>(PickupKind::Count)> counts{};
        for (const PickupSpot& s : map.pickups) ++counts[static_cast<std::size_t>(s.kind)];
        for (std::size_t k = 0; k < counts.size(); ++k)
            EXPECT_GT(counts[k], 0) << "seed " << seed << " kind " << k;
    }
    // Over a big map, health and ammo are the most common kinds.
    const Map map = generate_map(default_size(9));
    std::array<int, static_cast<std::size_t>(PickupKind::Count)> counts{};
    for (const PickupSpot& s : map.pickups) ++counts[static_cast<std::size_t>(s.kind)];
    for (std::size_t k = 2; k < counts.size(); ++k) {
        EXPECT_GT(counts[static_cast<std::size_t>(PickupKind::Health)], counts[k]);
        EXPECT_GT(counts[static_cast<std::size_t>(PickupKind::Ammo)], counts[k]);
    }
}

TEST(MapGen, PointsAreClearOfWallsAndInsideTheBorder) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        const MapParams p = arena(seed);
        expect_points_clear(generate_map(p), p, "arena seed " + std::to_string(seed));
    }
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const MapParams p = default_size(seed);
        expect_points_clear(generate_map(p), p, "default seed " + std::to_string(seed));
    }
}

TEST(MapGen, SpawnPointsPerTeamAndFreeForAll) {
    for (const MapParams& p : {arena(10), default_size(10), massive(10)}) {
        const Map map = generate_map(p);
        for (std::size_t team = 0; team < 2; ++team) {
            const auto& spawns = map.team_spawns[team];
            const Aabb& area = map.bases[team].area;
            const auto in_base =
                std::count_if(spawns.begin(), spawns.end(), [&](Vec2 s) { return area.contains(s); });
            EXPECT_GE(in_base, 8) << p.width << " team " << team;
            for (const Vec2 s : spawns) {
                EXPECT_TRUE(team == 0 ? s.x < 0.5f * p.width : s.x > 0.5f * p.width)
                    << p.width << " team " << team;
            }
            // About one extra spawn point per 1000 x 1000 wu of the team's half.
            const float extra = 0.5f * p.width * p.height / 1e6f;
            EXPECT_GE(static_cast<float>(spawns.size() - static_cast<std::size_t>(in_base)),
                      0.9f * extra - 1.0f);
        }
        EXPECT_GE(map.ffa_spawns.size(), 16u);
        EXPECT_GE(static_cast<float>(map.ffa_spawns.size()), 0.9f * p.width * p.height / (800.0f * 800.0f));
        // Spread over the whole map: some in each quarter.
        std::array<int, 4> quarters{};
        for (const Vec2 s : map.ffa_spawns) {
            ++quarters[(s.x < 0.5f * p.width ? 0u : 1u) + (s.y < 0.5f * p.height ? 0u : 2u)];
        }
        for (const int q : quarters) EXPECT_GT(q, 0) << p.width;
    }
}

} // namespace
} // namespace mgs::world
