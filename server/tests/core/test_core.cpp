#include "core/geometry.hpp"
#include "core/hash.hpp"
#include "core/parallel.hpp"
#include "core/percentile.hpp"
#include "core/rng.hpp"

#include <gtest/gtest.h>

namespace mgs {
namespace {

TEST(Geometry, CircleBoxPushResolvesOverlapAlongShortestAxis) {
    const Aabb box{{0, 0}, {100, 20}};
    const Vec2 push = circle_box_push({50, 30}, 15.0f, box);
    EXPECT_FLOAT_EQ(push.x, 0.0f);
    EXPECT_FLOAT_EQ(push.y, 5.0f);
    EXPECT_EQ(circle_box_push({50, 40}, 15.0f, box), Vec2{});
    const Vec2 inside = circle_box_push({50, 15}, 15.0f, box); // centre inside: out the nearest face
    EXPECT_FLOAT_EQ(inside.y, 20.0f);
    const Vec2 corner = circle_box_push({105, 25}, 15.0f, box);
    EXPECT_NEAR(length(Vec2{105, 25} + corner - Vec2{100, 20}), 15.0f, 1e-4f);
}

TEST(Geometry, SegmentBoxAndCircle) {
    const Aabb box{{10, -1}, {12, 1}};
    auto t = segment_box({0, 0}, {100, 0}, box);
    ASSERT_TRUE(t);
    EXPECT_FLOAT_EQ(*t, 0.1f);
    EXPECT_FALSE(segment_box({0, 5}, {100, 0}, box));
    EXPECT_FALSE(segment_box({0, 0}, {5, 0}, box));
    auto c = segment_circle({0, 0}, {100, 0}, {50, 0}, 10.0f);
    ASSERT_TRUE(c);
    EXPECT_FLOAT_EQ(*c, 0.4f);
    EXPECT_FALSE(segment_circle({0, 20}, {100, 0}, {50, 0}, 10.0f));
    EXPECT_FALSE(segment_circle({60, 0}, {100, 0}, {50, -100}, 10.0f));
}

TEST(Rng, CounterDrawsArePureAndUniformish) {
    EXPECT_EQ(hash_draw(1, 2, 3), hash_draw(1, 2, 3));
    EXPECT_NE(hash_draw(1, 2, 3), hash_draw(1, 2, 4));
    Rng rng(7);
    double sum = 0;
    for (int i = 0; i < 10000; ++i) {
        const float u = rng.uniform();
        ASSERT_GE(u, 0.0f);
        ASSERT_LT(u, 1.0f);
        sum += u;
    }
    EXPECT_NEAR(sum / 10000.0, 0.5, 0.02);
    for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.below(13), 13u);
}

TEST(StateHasher, SensitiveToValueAndOrderButNotToSignOfZero) {
    StateHasher a, b, c, d;
    a.add(1.0f);
    a.add(2);
    b.add(2);
    b.add(1.0f);
    EXPECT_NE(a.value(), b.value());
    c.add(0.0f);
    d.add(-0.0f);
    EXPECT_EQ(c.value(), d.value());
    EXPECT_EQ(a.hex().size(), 16u);
}

TEST(Percentile, NearestRank) {
    EXPECT_EQ(percentile({}, 50), 0.0);
    EXPECT_EQ(percentile({5, 1, 3, 2, 4}, 50), 3.0);
    EXPECT_EQ(percentile({5, 1, 3, 2, 4}, 100), 5.0);
    EXPECT_EQ(percentile({5, 1, 3, 2, 4}, 0), 1.0);
}

TEST(SerialExecutor, CoversTheRangeOnce) {
    SerialExecutor exec;
    std::vector<int> hits(100, 0);
    exec.for_ranges(hits.size(), 8, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) ++hits[i];
    });
    for (int h : hits) EXPECT_EQ(h, 1);
}

} // namespace
} // namespace mgs
