// mgs-syncbench: the state-sync figures of the protocol issue, in process. A world with enough
// players that each client sees about 100 moving entities; N clients spread over the players,
// each with its ClientView; snapshots at 20 Hz (every 1.5 ticks at 30 Hz: the sim runs, then
// every client gets a snapshot encoded against its last acknowledged one; a client acknowledges
// the snapshot --ack-lag snapshots before the newest, as with a round trip of that many
// snapshot periods).
// Prints one JSON object:
//   bits_per_moving_entity     mean bits of a changed entity's record (moving players)
//   bits_per_unchanged_entity  bits of an entity that did not change (by construction 1)
//   bytes_per_snapshot_p50/max whole snapshot messages (FlatBuffers envelope included)
//   encode_us_per_client       time to select, prioritise and encode one client's snapshot
//   kbps_per_client            snapshot bandwidth at 20 Hz
//   view_bytes_per_client      heap a client's ClientView holds (members, local ids, the snapshots
//                              it remembers), after the run
//   snapshots_fnv1a            hash of every snapshot's ids and delta bits, in client order: the
//                              same options give the same hash on any build and thread count
//                              (compare two builds of the encoder bit for bit)
#include "app/tbb_executor.hpp"
#include "core/percentile.hpp"
#include "core/rng.hpp"
#include "proto/game_generated.h"
#include "sync/view.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <vector>

using namespace mgs;

int main(int argc, char** argv) {
    CLI::App app{"mgs-syncbench: state-sync encoding figures", "mgs-syncbench"};
    int clients_n = 1000;
    int players = 1000;
    float width = 6000, height = 4000;
    int snapshots = 60;
    int threads = 2;
    int ack_lag = 2;
    bool own = false;
    int far_refresh = 1;
    float view_scale = 1.0f;
    std::size_t budget_bytes = 0;
    float ack_loss = 0.0f;
    app.add_option("--clients", clients_n, "clients");
    app.add_option("--players", players, "players (bots) in the world");
    app.add_option("--width", width, "map width (wu)");
    app.add_option("--height", height, "map height (wu)");
    app.add_option("--snapshots", snapshots, "snapshots measured per client");
    app.add_option("--threads", threads, "threads encoding clients in parallel");
    app.add_option("--ack-lag", ack_lag,
                   "snapshots between one being sent and its acknowledgement (1: at once)")
        ->check(CLI::Range(1, 30));
    app.add_flag("--own", own, "each client's player is its own entity (as GameSync passes it)");
    app.add_option("--far-refresh", far_refresh, "overload shedding: far entities every N snapshots")
        ->check(CLI::Range(1, 8));
    app.add_option("--view-scale", view_scale, "overload shedding: view half-sizes scaled by this")
        ->check(CLI::Range(0.1f, 1.0f));
    app.add_option("--budget", budget_bytes, "delta budget in bytes (0: the configured 1060)");
    app.add_option("--ack-loss", ack_loss, "chance that an acknowledgement is lost (the client's stays)")
        ->check(CLI::Range(0.0f, 1.0f));
    CLI11_PARSE(app, argc, argv);

    sim::Rules rules;
    world::MapParams map;
    map.width = width;
    map.height = height;
    map.seed = 3;
    sim::World world(rules, map, players);
    app::TbbExecutor exec(threads);
    Rng rng(5);
    auto wander = [&] {
        const sim::Players& pl = world.players();
        for (std::uint32_t s = 0; s < pl.size(); ++s) {
            if (pl.in_use[s] == 0) continue;
            sim::Input in;
            // Keep moving (moving entities are what the figures are about), turn now and then.
            in.move_x = static_cast<std::int8_t>(static_cast<int>((s + world.tick() / 60) % 3) - 1);
            in.move_y = static_cast<std::int8_t>(static_cast<int>((s / 3 + world.tick() / 45) % 3) - 1);
            if (in.move_x == 0 && in.move_y == 0) in.move_x = 1;
            in.aim = pl.aim[s] + (rng.chance(0.1f) ? rng.range(-0.5f, 0.5f) : 0.0f);
            world.set_input(world.handle(s), in);
        }
    };
    for (int i = 0; i < 60; ++i) {
        wander();
        world.step(exec);
    }

    sync::Frame frame(width, height);
    std::vector<sync::ClientView> views(static_cast<std::size_t>(clients_n));
    std::vector<std::uint32_t> acked(views.size(), 0);
    std::vector<std::uint32_t> newest(views.size(), 0);
    std::vector<std::uint32_t> baseline_of(views.size(), 0);
    std::vector<std::uint32_t> center_of(views.size());
    for (std::size_t c = 0; c < views.size(); ++c) {
        center_of[c] = static_cast<std::uint32_t>(c % static_cast<std::size_t>(players));
    }
    std::vector<std::vector<std::uint8_t>> buffers(views.size(), std::vector<std::uint8_t>(2048));
    std::vector<double> bytes;
    std::vector<double> encode_us;
    std::vector<std::size_t> bits_of(views.size());
    std::vector<std::size_t> message_bytes(views.size());
    // One FlatBuffers builder per worker, reused (Clear keeps its memory).
    std::vector<flatbuffers::FlatBufferBuilder> builders(static_cast<std::size_t>(exec.concurrency()));
    std::uint64_t hash = 1469598103934665603ull; // FNV-1a over every snapshot
    const auto mix = [&](const std::uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            hash = (hash ^ p[i]) * 1099511628211ull;
        }
    };
    const sync::Shedding shed{view_scale, far_refresh};
    double moving_bits = 0, moving_n = 0, unchanged_n = 0, unchanged_bits = 0, in_view_total = 0;
    std::uint64_t measured = 0;

    for (int snap = 0; snap < snapshots + 2 + ack_lag; ++snap) {
        // 20 Hz snapshots of a 30 Hz simulation: alternately 1 and 2 ticks apart.
        for (int t = 0; t < (snap % 2 == 0 ? 1 : 2); ++t) {
            wander();
            world.step(exec);
        }
        frame.build(world);
        const auto t0 = std::chrono::steady_clock::now();
        exec.for_ranges(views.size(), 16, [&](std::size_t b, std::size_t e) {
            for (std::size_t c = b; c < e; ++c) {
                sync::BitWriter w(buffers[c]);
                std::uint32_t baseline = 0;
                const Vec2 center = world.players().pos[center_of[c]];
                const std::uint32_t own_key =
                    own ? sync::Frame::key(sync::EntityKind::Player, center_of[c]) : sync::Frame::kNoKey;
                newest[c] =
                    views[c].snapshot(frame, center, acked[c], w, baseline, budget_bytes, own_key, shed);
                baseline_of[c] = baseline;
                bits_of[c] = w.bits();
                // The message as it goes on the wire: Envelope { Snapshot { ..., data } }.
                auto& fb = builders[static_cast<std::size_t>(exec.worker_index())];
                fb.Clear();
                const auto data = fb.CreateVector(buffers[c].data(), w.bytes());
                const proto::SnapshotHeader header(newest[c], world.tick(), baseline, 0);
                const auto msg = proto::CreateSnapshot(fb, &header, data);
                fb.Finish(proto::CreateEnvelope(fb, proto::Message::Snapshot, msg.Union()));
                message_bytes[c] = fb.GetSize();
            }
        });
        const double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        for (std::size_t c = 0; c < views.size(); ++c) {
            const std::uint32_t head[3] = {newest[c], baseline_of[c], static_cast<std::uint32_t>(bits_of[c])};
            mix(reinterpret_cast<const std::uint8_t*>(head), sizeof head);
            mix(buffers[c].data(), (bits_of[c] + 7) / 8);
        }
        // The client's acknowledgement, as it reaches the server for the next snapshot.
        for (std::size_t c = 0; c < views.size(); ++c) {
            const auto draw = static_cast<double>(hash_draw(11, c, static_cast<std::uint64_t>(snap)) >> 11);
            if (draw * 0x1p-53 < static_cast<double>(ack_loss)) {
                continue; // lost: the server keeps the acknowledgement it had
            }
            acked[c] = newest[c] + 1 > static_cast<std::uint32_t>(ack_lag)
                           ? newest[c] + 1 - static_cast<std::uint32_t>(ack_lag)
                           : 0;
        }
        if (snap < 2 + ack_lag) continue; // the first snapshots are full ones
        encode_us.push_back(us * static_cast<double>(threads) / static_cast<double>(views.size()));
        for (std::size_t c = 0; c < views.size(); ++c) {
            bytes.push_back(static_cast<double>(message_bytes[c]));
            // Classify against the previous snapshot (the acknowledged baseline). What the
            // records of changed, new and removed entities and the header cost is exact (the
            // encoder's own cost functions); the rest of the measured bits are the unchanged ones.
            const auto now_view = views[c].sent(newest[c]);
            const auto before = views[c].sent(baseline_of[c]);
            double other_bits = sync::kLocalIdBits + 1;
            double unchanged_here = 0;
            std::size_t j = 0;
            for (const sync::ViewEntry& e : now_view) {
                while (j < before.size() && before[j].local_id < e.local_id) {
                    other_bits += 2; // removed
                    ++j;
                }
                if (j < before.size() && before[j].local_id == e.local_id) {
                    if (before[j].entity == e.entity) {
                        unchanged_here += 1;
                    } else {
                        const auto cost = static_cast<double>(sync::delta_cost(before[j].entity, e.entity));
                        other_bits += cost;
                        if (e.entity.kind == sync::EntityKind::Player) {
                            moving_bits += cost;
                            moving_n += 1;
                        }
                    }
                    ++j;
                } else {
                    other_bits += static_cast<double>(sync::new_entry_cost(e.entity));
                }
            }
            other_bits += 2.0 * static_cast<double>(before.size() - j);
            unchanged_n += unchanged_here;
            unchanged_bits += static_cast<double>(bits_of[c]) - other_bits;
            in_view_total += static_cast<double>(now_view.size());
            ++measured;
        }
    }
    const double p50 = percentile(bytes, 50);
    double view_bytes = 0;
    for (const auto& v : views) {
        view_bytes += static_cast<double>(v.memory_bytes());
    }
    nlohmann::json out = {
        {"clients", clients_n},
        {"players", players},
        {"threads", threads},
        {"entities_in_view_mean", in_view_total / static_cast<double>(measured)},
        {"moving_entities_in_view_mean", moving_n / static_cast<double>(measured)},
        {"bits_per_moving_entity", moving_n > 0 ? moving_bits / moving_n : 0.0},
        {"bits_per_unchanged_entity", unchanged_n > 0 ? unchanged_bits / unchanged_n : 0.0},
        {"unchanged_entities_per_snapshot_mean", unchanged_n / static_cast<double>(measured)},
        {"bytes_per_snapshot_p50", p50},
        {"bytes_per_snapshot_max", percentile(bytes, 100)},
        {"encode_us_per_client", percentile(encode_us, 50)},
        {"kbps_per_client", percentile(bytes, 50) * 8.0 * 20.0 / 1000.0},
        {"ack_lag_snapshots", ack_lag},
        {"view_bytes_per_client", view_bytes / static_cast<double>(views.size())},
        {"snapshots_fnv1a", hash},
        {"bytes_are", "whole Envelope{Snapshot} messages as sent"},
    };
    std::cout << out.dump() << std::endl;
    return 0;
}
