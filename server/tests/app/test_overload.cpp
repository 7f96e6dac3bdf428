// The overload ladder driven by a synthetic tick cost: each level sheds a known share of the work,
// so the test can follow every step down as the load rises and every step back up as it falls.
#include "app/overload.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mgs::app {
namespace {

/// The cost of a tick of `base_ms` worth of work at each level (what each level sheds).
double cost(double base_ms, int level) {
    static constexpr double kShare[OverloadLadder::kLevels] = {1.0, 0.9, 0.75, 0.6, 0.5, 0.45};
    return base_ms * kShare[level];
}

/// Runs `ticks` ticks of `base_ms` work; returns the level after each tick.
std::vector<int> run(OverloadLadder& ladder, double base_ms, int ticks) {
    std::vector<int> levels;
    for (int t = 0; t < ticks; ++t) {
        (void)ladder.observe(cost(base_ms, ladder.level()));
        levels.push_back(ladder.level());
    }
    return levels;
}

TEST(Overload, StepsDownOneLevelAtATimeUntilTheTickFitsThenBackUpWhenLoadFalls) {
    OverloadConfig c;
    c.budget_ms = 33.3;
    OverloadLadder ladder(c);
    // Light load: nothing happens.
    EXPECT_EQ(run(ladder, 10.0, 300).back(), 0);
    // 40 ms of work in a 33 ms tick: 40 -> 36 -> 30 -> 24 ms; 24 ms is 72 % of the budget, under
    // the 80 % that sheds, over the 50 % that takes back: level 3 holds.
    const std::vector<int> down = run(ladder, 40.0, 600);
    EXPECT_EQ(down.back(), 3);
    // It went 0 -> 1 -> 2 -> 3, one step at a time, each after at least the dwell.
    int last = 0;
    int since = 0;
    for (const int l : down) {
        ++since;
        if (l != last) {
            EXPECT_EQ(l, last + 1);
            EXPECT_GE(since, c.dwell_ticks);
            last = l;
            since = 0;
        }
    }
    EXPECT_EQ(ladder.snapshot_hz(20), 10);
    EXPECT_EQ(ladder.far_refresh(), 2);
    EXPECT_EQ(ladder.view_scale(), 1.0f);
    // The load falls: 15 ms of work is 9 ms at level 3 (27 %): back up to 0 step by step, and
    // 15 ms at level 0 (45 %) stays there.
    const std::vector<int> up = run(ladder, 15.0, 600);
    EXPECT_EQ(up.back(), 0);
    last = 3;
    for (const int l : up) {
        if (l != last) {
            EXPECT_EQ(l, last - 1);
            last = l;
        }
    }
    EXPECT_EQ(ladder.snapshot_hz(20), 20);
}

TEST(Overload, EveryLevelIsReachedUnderHeavyLoadAndTheSimulationRateIsNever) {
    OverloadConfig c;
    c.budget_ms = 33.3;
    OverloadLadder ladder(c);
    const std::vector<int> levels = run(ladder, 200.0, 1000);
    EXPECT_EQ(levels.back(), 5);
    EXPECT_EQ(ladder.snapshot_hz(20), 10);
    EXPECT_EQ(ladder.view_scale(), 0.75f);
    EXPECT_EQ(ladder.bot_decision_scale(), 0.5f);
    // A snapshot rate of 15 Hz at level 2 (of 20), never below 1.
    OverloadLadder two(c);
    run(two, 40.0, 200);
    ASSERT_GE(two.level(), 2);
    EXPECT_EQ(OverloadLadder(c).snapshot_hz(1), 1);
}

TEST(Overload, ASingleSpikeDoesNotShedAndHoveringNearAThresholdDoesNotOscillate) {
    OverloadConfig c;
    c.budget_ms = 33.3;
    OverloadLadder ladder(c);
    run(ladder, 10.0, 100);
    EXPECT_FALSE(ladder.observe(300.0)); // one 300 ms tick (a match start, say)
    EXPECT_EQ(run(ladder, 10.0, 100).back(), 0);
    // Work that lands between the thresholds once shed: no flapping between two levels.
    OverloadLadder hover(c);
    const std::vector<int> levels = run(hover, 28.0, 2000); // 84 % at level 0, 76 % at level 1
    int changes = 0;
    for (std::size_t i = 1; i < levels.size(); ++i) {
        changes += levels[i] != levels[i - 1] ? 1 : 0;
    }
    EXPECT_EQ(levels.back(), 1);
    EXPECT_EQ(changes, 1);
}

TEST(Overload, MaxLevelZeroNeverSheds) {
    OverloadConfig c;
    c.max_level = 0;
    OverloadLadder ladder(c);
    EXPECT_EQ(run(ladder, 500.0, 500).back(), 0);
}

} // namespace
} // namespace mgs::app
