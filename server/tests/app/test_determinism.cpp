// Determinism is a tested property: the same seed and inputs give the same state hash for any
// worker count and on every run.
#include "app/runner.hpp"

#include <gtest/gtest.h>

namespace mgs::app {
namespace {

std::uint64_t run(const std::string& preset, int threads, int ticks, std::uint64_t seed) {
    ServerConfig cfg;
    apply_preset(cfg, preset);
    cfg.seed = seed;
    cfg.map.seed = seed;
    cfg.threads = threads;
    if (preset == "massive") cfg.bots = 4000; // keep the test short; the grid is still massive
    Simulation sim(cfg);
    for (int t = 0; t < ticks; ++t) sim.tick();
    EXPECT_GT(sim.world().totals().shots, 0u) << "nothing happened: the comparison would be trivial";
    return sim.world().state_hash();
}

TEST(Determinism, SameHashForOneTwoAndFourThreads) {
    for (const char* preset : {"arena", "default"}) {
        const std::uint64_t one = run(preset, 1, 900, 11);
        EXPECT_EQ(one, run(preset, 2, 900, 11)) << preset;
        EXPECT_EQ(one, run(preset, 4, 900, 11)) << preset;
    }
}

TEST(Determinism, SameHashTwiceInARow) {
    EXPECT_EQ(run("default", 2, 600, 5), run("default", 2, 600, 5));
}

TEST(Determinism, MassiveMapWithManyThreads) {
    EXPECT_EQ(run("massive", 1, 60, 2), run("massive", 4, 60, 2));
}

TEST(Determinism, DifferentSeedsDiverge) {
    EXPECT_NE(run("arena", 2, 300, 1), run("arena", 2, 300, 2));
}

TEST(Determinism, KillsAndMatchesHappenInALongArenaRun) {
    ServerConfig cfg;
    apply_preset(cfg, "arena");
    cfg.threads = 2;
    cfg.rules.time_limit_s = 60.0f;
    Simulation sim(cfg);
    for (int t = 0; t < 30 * 150; ++t) sim.tick();
    EXPECT_GT(sim.world().totals().kills, 0u);
    EXPECT_GE(sim.world().totals().matches, 2u) << "the match cycle should have restarted";
}

} // namespace
} // namespace mgs::app
