// Google Benchmark: the spatial structures every tick leans on. Numbers only, no assertions.
#include "core/rng.hpp"
#include "world/entity_grid.hpp"
#include "world/map_gen.hpp"
#include "world/wall_grid.hpp"

#include <benchmark/benchmark.h>

namespace {
using namespace mgs;

struct Population {
    std::vector<Vec2> pos;
    std::vector<std::uint8_t> active;
};

Population make_population(std::size_t n, float w, float h) {
    Population p;
    Rng rng(1);
    p.pos.resize(n);
    p.active.assign(n, 1);
    for (auto& v : p.pos) v = {rng.range(0, w), rng.range(0, h)};
    return p;
}

void BM_EntityGridRebuild(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const float side = n >= 20000 ? 32000.0f : 8000.0f;
    const Population p = make_population(n, side, side);
    world::EntityGrid grid;
    grid.configure(side, side, 64.0f);
    for (auto _ : state) {
        grid.rebuild(p.pos, p.active);
        benchmark::DoNotOptimize(grid.order().data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_EntityGridRebuild)->Arg(400)->Arg(5000)->Arg(20000);

void BM_EntityGridRadiusQuery(benchmark::State& state) {
    const float radius = static_cast<float>(state.range(0));
    const Population p = make_population(20000, 32000.0f, 32000.0f);
    world::EntityGrid grid;
    grid.configure(32000.0f, 32000.0f, 64.0f);
    grid.rebuild(p.pos, p.active);
    Rng rng(2);
    std::size_t found = 0;
    for (auto _ : state) {
        grid.for_each_in_radius({rng.range(0, 32000), rng.range(0, 32000)}, radius,
                                [&](std::uint32_t) { ++found; });
    }
    benchmark::DoNotOptimize(found);
    state.counters["found_per_query"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EntityGridRadiusQuery)->Arg(50)->Arg(700);

void BM_WallRaycast(benchmark::State& state) {
    world::MapParams params;
    params.width = params.height = 32000.0f;
    const world::Map map = world::generate_map(params);
    std::vector<Aabb> boxes;
    for (const auto& w : map.walls) boxes.push_back(w.box);
    world::WallGrid grid;
    grid.build(boxes, map.width, map.height, 64.0f);
    const float len = static_cast<float>(state.range(0));
    Rng rng(3);
    std::size_t hits = 0;
    for (auto _ : state) {
        const Vec2 a{rng.range(100, 31900), rng.range(100, 31900)};
        const Vec2 b = a + from_angle(rng.range(0, 6.28f)) * len;
        hits += grid.raycast(a, b, nullptr).has_value() ? 1u : 0u;
    }
    benchmark::DoNotOptimize(hits);
}
BENCHMARK(BM_WallRaycast)->Arg(25)->Arg(700);

void BM_MapGenerate(benchmark::State& state) {
    world::MapParams params;
    params.width = params.height = static_cast<float>(state.range(0));
    for (auto _ : state) {
        params.seed++;
        benchmark::DoNotOptimize(world::generate_map(params).walls.size());
    }
}
BENCHMARK(BM_MapGenerate)->Arg(8000)->Arg(32000)->Unit(benchmark::kMillisecond);

} // namespace
