// Google Benchmark: bot navigation (ai/nav.hpp). Numbers only, no assertions.
//   BM_NavBuild/<side>        NavGrid::build, cell 32, clearance 15
//   BM_NavFlowField/<side>    FlowField::compute from a flag stand over the whole grid
//   BM_NavFlowFieldSlice/<side>  one tick's slice of a sliced search (BotParams::field_slice_cells
//                             entries) on the grid ai::Bots builds (40 wu cells on massive)
//   BM_NavFindPath/<side>     find_path between random walkable points, cell 16 and 32
//   BM_NavDirection           FlowField::direction for random points (per-bot steering cost)
// <side> 1600 = arena (1600x1200), 8000 = default (8000x6000), 32000 = massive (32000x32000).
#include "ai/bots.hpp"
#include "ai/nav.hpp"
#include "core/rng.hpp"
#include "world/map_gen.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace {
using namespace mgs;

constexpr float kPlayerRadius = 15.0f;

world::MapParams params_for(std::int64_t side) {
    world::MapParams p;
    if (side == 8000) {
        p.width = 8000.0f;
        p.height = 6000.0f;
    } else if (side == 32000) {
        p.width = p.height = 32000.0f;
    }
    return p;
}

/// Maps are generated once per size and kept for the whole run.
const world::Map& map_for(std::int64_t side) {
    static std::map<std::int64_t, world::Map> maps;
    auto it = maps.find(side);
    if (it == maps.end()) it = maps.emplace(side, world::generate_map(params_for(side))).first;
    return it->second;
}

void BM_NavBuild(benchmark::State& state) {
    const world::Map& map = map_for(state.range(0));
    ai::NavGrid nav;
    for (auto _ : state) {
        nav.build(map, 32.0f, kPlayerRadius, nullptr);
        benchmark::DoNotOptimize(nav.cols());
    }
    state.counters["cells"] = static_cast<double>(nav.cell_count());
    state.counters["walls"] = static_cast<double>(map.walls.size());
}
BENCHMARK(BM_NavBuild)->Arg(8000)->Arg(32000)->Unit(benchmark::kMillisecond);

void BM_NavFlowField(benchmark::State& state) {
    const world::Map& map = map_for(state.range(0));
    ai::NavGrid nav;
    nav.build(map, 32.0f, kPlayerRadius, nullptr);
    ai::FlowField field;
    for (auto _ : state) {
        field.compute(nav, map.bases[0].flag_stand);
        benchmark::DoNotOptimize(field.cost(0));
    }
    state.counters["cells"] = static_cast<double>(nav.cell_count());
}
BENCHMARK(BM_NavFlowField)->Arg(8000)->Arg(32000)->Unit(benchmark::kMillisecond);

void BM_NavFlowFieldSlice(benchmark::State& state) {
    const world::Map& map = map_for(state.range(0));
    ai::NavGrid nav;
    nav.build(map, std::max(32.0f, map.width / 800.0f), kPlayerRadius + 1.0f, nullptr);
    const std::size_t budget = ai::BotParams{}.field_slice_cells;
    ai::FlowField field;
    field.compute(nav, map.bases[0].flag_stand); // warm memory, as in steady play
    std::size_t slices = 0, searches = 0;
    for (auto _ : state) {
        if (field.complete()) {
            field.begin(nav, map.bases[searches % 2].flag_stand);
            ++searches;
        }
        field.advance(nav, budget);
        ++slices;
    }
    state.counters["cells"] = static_cast<double>(nav.cell_count());
    state.counters["slices_per_search"] = static_cast<double>(slices) / static_cast<double>(searches);
}
BENCHMARK(BM_NavFlowFieldSlice)->Arg(8000)->Arg(32000)->Unit(benchmark::kMillisecond);

void BM_NavFindPath(benchmark::State& state) {
    const world::Map& map = map_for(state.range(0));
    const auto cell = static_cast<float>(state.range(1));
    ai::NavGrid nav;
    nav.build(map, cell, kPlayerRadius, nullptr);
    // A fixed set of walkable pairs, cycled.
    Rng rng(7);
    std::vector<Vec2> points;
    while (points.size() < 256) {
        const auto c = static_cast<int>(rng.below(static_cast<std::uint32_t>(nav.cell_count())));
        if (nav.walkable(c)) points.push_back(nav.center(c));
    }
    ai::PathScratch scratch;
    std::vector<Vec2> path;
    std::size_t i = 0, found = 0, waypoints = 0;
    for (auto _ : state) {
        const bool ok = ai::find_path(nav, points[i % 256], points[(i + 1) % 256], scratch, path);
        found += ok ? 1u : 0u;
        waypoints += path.size();
        i += 2;
    }
    state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
    state.counters["waypoints"] = static_cast<double>(waypoints) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_NavFindPath)
    ->Args({1600, 16})
    ->Args({1600, 32})
    ->Args({8000, 16})
    ->Args({8000, 32})
    ->Unit(benchmark::kMicrosecond);

void BM_NavDirection(benchmark::State& state) {
    const world::Map& map = map_for(8000);
    ai::NavGrid nav;
    nav.build(map, 16.0f, kPlayerRadius + 16.0f * 0.7072f, nullptr);
    ai::FlowField field;
    field.compute(nav, map.bases[0].flag_stand);
    Rng rng(11);
    std::vector<Vec2> points(4096);
    for (Vec2& p : points) p = {rng.range(0.0f, map.width), rng.range(0.0f, map.height)};
    std::size_t i = 0;
    Vec2 sum{};
    for (auto _ : state) {
        sum += field.direction(nav, points[i++ & 4095u]);
    }
    benchmark::DoNotOptimize(sum);
}
BENCHMARK(BM_NavDirection);

} // namespace
