#include "core/rng.hpp"
#include "world/entity_grid.hpp"
#include "world/wall_grid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace mgs::world {
namespace {

TEST(EntityGrid, RadiusQueryMatchesBruteForce) {
    EntityGrid grid;
    grid.configure(2000.0f, 1500.0f, 64.0f);
    Rng rng(42);
    std::vector<Vec2> pos(3000);
    std::vector<std::uint8_t> active(pos.size(), 1);
    for (auto& p : pos) p = {rng.range(-10.0f, 2010.0f), rng.range(-10.0f, 1510.0f)}; // some outside
    for (std::size_t i = 0; i < active.size(); i += 7) active[i] = 0;
    grid.rebuild(pos, active);
    EXPECT_EQ(grid.order().size(), pos.size() - (pos.size() + 6) / 7);
    for (int q = 0; q < 200; ++q) {
        const Vec2 c{rng.range(0.0f, 2000.0f), rng.range(0.0f, 1500.0f)};
        const float r = rng.range(1.0f, 400.0f);
        std::set<std::uint32_t> got, want;
        grid.for_each_in_radius(c, r,
                                [&](std::uint32_t i) { EXPECT_TRUE(got.insert(i).second) << "duplicate"; });
        for (std::uint32_t i = 0; i < pos.size(); ++i)
            if (active[i] != 0 && distance_sq(pos[i], c) <= r * r) want.insert(i);
        EXPECT_EQ(got, want);
    }
}

TEST(EntityGrid, RectQueryIsASupersetAndOrderIsCellOrder) {
    EntityGrid grid;
    grid.configure(1000.0f, 1000.0f, 100.0f);
    std::vector<Vec2> pos = {{950, 950}, {50, 50}, {150, 50}, {55, 60}};
    std::vector<std::uint8_t> active(pos.size(), 1);
    grid.rebuild(pos, active);
    const auto order = grid.order();
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(order[2], 2u); // cell (1,0) after the two entities of cell (0,0)
    EXPECT_EQ(order[3], 0u);
    std::vector<std::uint32_t> got;
    grid.for_each_in_rect(Aabb{{0, 0}, {120, 120}}, [&](std::uint32_t i) { got.push_back(i); });
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(EntityGrid, RebuildWithAGrowingPopulation) {
    EntityGrid grid;
    grid.configure(500.0f, 500.0f, 50.0f);
    for (std::size_t n : {10u, 1000u, 5u}) {
        std::vector<Vec2> pos(n, Vec2{250, 250});
        std::vector<std::uint8_t> active(n, 1);
        grid.rebuild(pos, active);
        std::size_t count = 0;
        grid.for_each_in_radius({250, 250}, 1.0f, [&](std::uint32_t) { ++count; });
        EXPECT_EQ(count, n);
    }
}

TEST(WallGrid, OverlapQueryReportsEachWallOnce) {
    std::vector<Aabb> walls = {{{100, 100}, {900, 120}}, {{400, 0}, {420, 1000}}, {{700, 700}, {720, 720}}};
    WallGrid grid;
    grid.build(walls, 1000.0f, 1000.0f, 64.0f);
    std::vector<std::uint32_t> got;
    grid.for_each_overlapping(Aabb{{0, 0}, {1000, 1000}}, nullptr,
                              [&](std::uint32_t w) { got.push_back(w); });
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2}));
    got.clear();
    const std::uint8_t alive[] = {1, 0, 1};
    grid.for_each_overlapping(Aabb{{380, 90}, {450, 130}}, alive, [&](std::uint32_t w) { got.push_back(w); });
    EXPECT_EQ(got, (std::vector<std::uint32_t>{0}));
}

TEST(WallGrid, RaycastFindsTheNearestWallAndMatchesBruteForce) {
    Rng rng(9);
    std::vector<Aabb> walls;
    for (int i = 0; i < 300; ++i) {
        const Vec2 p{rng.range(0, 3000), rng.range(0, 2000)};
        walls.push_back({p, p + Vec2{rng.range(2, 120), rng.range(2, 120)}});
    }
    WallGrid grid;
    grid.build(walls, 3000.0f, 2000.0f, 64.0f);
    for (int q = 0; q < 2000; ++q) {
        const Vec2 a{rng.range(0, 3000), rng.range(0, 2000)};
        const Vec2 b{rng.range(0, 3000), rng.range(0, 2000)};
        float want = 2.0f;
        for (const Aabb& w : walls)
            if (auto t = segment_box(a, b - a, w)) want = std::min(want, *t);
        const auto hit = grid.raycast(a, b, nullptr);
        if (want > 1.0f) {
            EXPECT_FALSE(hit.has_value());
        } else {
            ASSERT_TRUE(hit.has_value());
            EXPECT_FLOAT_EQ(hit->t, want);
        }
    }
}

TEST(WallGrid, LineOfSightIgnoresDestroyedWalls) {
    std::vector<Aabb> walls = {{{490, 0}, {510, 1000}}};
    WallGrid grid;
    grid.build(walls, 1000.0f, 1000.0f, 64.0f);
    const std::uint8_t up[] = {1}, down[] = {0};
    EXPECT_FALSE(grid.line_of_sight({100, 500}, {900, 500}, up));
    EXPECT_TRUE(grid.line_of_sight({100, 500}, {900, 500}, down));
    EXPECT_TRUE(grid.line_of_sight({100, 500}, {400, 900}, up));
}

} // namespace
} // namespace mgs::world
