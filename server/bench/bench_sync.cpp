// Google Benchmark: the snapshot delta codec on the common case, a view full of moving players.
// Numbers only, no assertions; bits_per_snapshot is the size of one encoded view.
#include "core/rng.hpp"
#include "sync/delta.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <utility>
#include <vector>

namespace {
using namespace mgs;
using namespace mgs::sync;

constexpr std::size_t kPlayers = 100;

struct Views {
    std::vector<ViewEntry> baseline;
    std::vector<ViewEntry> current;
};

/// 100 players; in `current` each moved by up to 4 wu (32 steps) per axis, and every fifth aims
/// elsewhere (1 to 40 steps: some fit the 5-bit delta, some do not).
Views moving_players() {
    Views v;
    Rng rng(42);
    for (std::uint16_t id = 0; id < kPlayers; ++id) {
        QEntity e;
        e.kind = EntityKind::Player;
        e.f[kPlayerX] = quantise_position(rng.range(1000.0f, 7000.0f));
        e.f[kPlayerY] = quantise_position(rng.range(1000.0f, 5000.0f));
        e.f[kPlayerAim] = rng.below(256);
        e.f[kPlayerHealth] = 100;
        e.f[kPlayerShield] = 25;
        e.f[kPlayerWeapon] = rng.below(5);
        e.f[kPlayerTeam] = id % 2u;
        e.f[kPlayerStatus] = kStatusAlive;
        e.f[kPlayerId] = id;
        v.baseline.push_back({static_cast<std::uint16_t>(id * 3u), e});
        QEntity m = e;
        m.f[kPlayerX] = quantise_position(dequantise_position(e.f[kPlayerX]) + rng.range(-4.0f, 4.0f));
        m.f[kPlayerY] = quantise_position(dequantise_position(e.f[kPlayerY]) + rng.range(-4.0f, 4.0f));
        if (id % 5 == 0) {
            m.f[kPlayerAim] = (e.f[kPlayerAim] + 1 + rng.below(40)) & 0xffu;
        }
        v.current.push_back({static_cast<std::uint16_t>(id * 3u), m});
    }
    return v;
}

void BM_EncodeDelta100Moving(benchmark::State& state) {
    const Views v = moving_players();
    std::array<std::uint8_t, 1200> buf{};
    std::size_t bits = 0;
    for (auto _ : state) {
        BitWriter w(buf);
        benchmark::DoNotOptimize(encode_delta(v.baseline, v.current, w));
        bits = w.bits();
        benchmark::DoNotOptimize(buf.data());
    }
    state.counters["bits_per_snapshot"] = static_cast<double>(bits);
    state.counters["bytes_per_snapshot"] = static_cast<double>((bits + 7) / 8);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPlayers));
}
BENCHMARK(BM_EncodeDelta100Moving);

/// The same views through the trusted path (what ClientView::snapshot uses): packed entries, no
/// validation, the records made from the packed forms, the bits through a BitAppender.
void BM_EncodeDeltaPacked100Moving(benchmark::State& state) {
    const Views v = moving_players();
    std::vector<PackedEntry> baseline;
    std::vector<PackedEntry> current;
    for (const ViewEntry& e : v.baseline) baseline.push_back(pack_entry(e));
    for (const ViewEntry& e : v.current) current.push_back(pack_entry(e));
    std::array<std::uint8_t, 1200> buf{};
    std::size_t bits = 0;
    for (auto _ : state) {
        BitWriter w(buf);
        benchmark::DoNotOptimize(encode_delta_packed(baseline, current, w));
        bits = w.bits();
        benchmark::DoNotOptimize(buf.data());
    }
    state.counters["bits_per_snapshot"] = static_cast<double>(bits);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPlayers));
}
BENCHMARK(BM_EncodeDeltaPacked100Moving);

/// One record of a moving player from packed entries (the budget's cost and the bits to write).
void BM_DeltaRecordMovingPlayer(benchmark::State& state) {
    const Views v = moving_players();
    std::vector<std::pair<PackedEntry, PackedEntry>> pairs;
    for (std::size_t k = 0; k < v.current.size(); ++k) {
        pairs.emplace_back(pack_entry(v.baseline[k]), pack_entry(v.current[k]));
    }
    std::size_t k = 0;
    for (auto _ : state) {
        const auto& [before, after] = pairs[k];
        benchmark::DoNotOptimize(delta_record(before, after));
        k = k + 1 == pairs.size() ? 0 : k + 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeltaRecordMovingPlayer);

void BM_DecodeDelta100Moving(benchmark::State& state) {
    const Views v = moving_players();
    std::array<std::uint8_t, 1200> buf{};
    BitWriter w(buf);
    if (!encode_delta(v.baseline, v.current, w)) {
        state.SkipWithError("encode failed");
        return;
    }
    std::vector<ViewEntry> out;
    out.reserve(kPlayers);
    for (auto _ : state) {
        BitReader r(w.data(), w.bits());
        benchmark::DoNotOptimize(decode_delta(v.baseline, r, out));
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["bits_per_snapshot"] = static_cast<double>(w.bits());
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPlayers));
}
BENCHMARK(BM_DecodeDelta100Moving);

} // namespace
