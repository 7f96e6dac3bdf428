// The load generator's pure parts: inputs numbered, batched and acknowledged as the web client
// does it (and read back by the server's own parser), the fight behaviour's target choice, the
// histograms and the report merge across workers, the Prometheus parser, and the command line.
#include "behaviour.hpp"
#include "histogram.hpp"
#include "input_sender.hpp"
#include "options.hpp"
#include "report.hpp"
#include "server_probe.hpp"

#include "net/game_message.hpp"
#include "proto/game_generated.h"
#include "sync/entity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace mgs::loadgen {
namespace {

// --- InputSender -----------------------------------------------------------------------------

std::vector<std::uint32_t> seqs(std::span<const InputSample> batch) {
    std::vector<std::uint32_t> out;
    for (const auto& s : batch) out.push_back(s.seq);
    return out;
}

TEST(InputSender, NumbersFromOneAndBatchesTheNewestFiveUnacknowledgedOldestFirst) {
    InputSender in;
    Controls c;
    EXPECT_EQ(seqs(in.sample(c, 0, 0, 0)), (std::vector<std::uint32_t>{1}));
    for (int i = 0; i < 5; ++i) in.sample(c, 0, 0, 0);
    EXPECT_EQ(seqs(in.sample(c, 0, 7, 0)), (std::vector<std::uint32_t>{3, 4, 5, 6, 7}));
    // A snapshot applied everything up to 5: those are not repeated any more.
    in.acknowledge(5, 0, [](std::int64_t) {});
    const auto batch = in.sample(c, 0, 9, 0);
    EXPECT_EQ(seqs(batch), (std::vector<std::uint32_t>{6, 7, 8}));
    EXPECT_EQ(batch.back().ack_snapshot, 9u);
}

TEST(InputSender, AcknowledgementGivesTheLatencyOfEachSampleOnce) {
    InputSender in;
    const Controls c;
    in.sample(c, 0, 0, 1000);
    in.sample(c, 0, 0, 2000);
    in.sample(c, 0, 0, 3000);
    std::vector<std::int64_t> latencies;
    in.acknowledge(2, 10'000, [&](std::int64_t us) { latencies.push_back(us); });
    EXPECT_EQ(latencies, (std::vector<std::int64_t>{9000, 8000}));
    in.acknowledge(2, 20'000, [&](std::int64_t us) { latencies.push_back(us); }); // a repeat: nothing new
    EXPECT_EQ(latencies.size(), 2u);
    EXPECT_EQ(in.pending(), 1u);
}

TEST(InputSender, AckAboveTheNewestMovesNumberingAndResetStartsOver) {
    InputSender in;
    const Controls c;
    in.sample(c, 0, 0, 0);
    in.acknowledge(40, 0, [](std::int64_t) {}); // an earlier session of this player
    EXPECT_EQ(in.next_seq(), 41u);
    in.reset();
    EXPECT_EQ(in.next_seq(), 1u);
    EXPECT_EQ(in.pending(), 0u);
}

TEST(InputSender, PendingIsBoundedWhileNothingIsAcknowledged) {
    InputSender in;
    const Controls c;
    for (int i = 0; i < 100; ++i) in.sample(c, 0, 0, 0);
    EXPECT_EQ(in.pending(), InputSender::kMaxPending);
    EXPECT_EQ(seqs(in.sample(c, 0, 0, 0)), (std::vector<std::uint32_t>{97, 98, 99, 100, 101}));
}

TEST(Messages, TheServerParserReadsTheBatchAsSent) {
    InputSender in;
    Controls c;
    c.move_x = 1;
    c.move_y = -1;
    c.aim = 0.5f;
    c.buttons = kButtonFire | kButtonReload;
    in.sample(c, 11, 3, 0);
    c.move_x = 5; // clamped to 1
    const auto batch = in.sample(c, 12, 4, 0);
    flatbuffers::FlatBufferBuilder b;
    build_input_batch(b, batch);
    const auto msg = net::parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
    ASSERT_EQ(msg.kind, net::ClientGameMessage::Kind::Inputs);
    ASSERT_EQ(msg.input_count, 2u);
    EXPECT_EQ(msg.inputs[0].seq, 1u);
    EXPECT_EQ(msg.inputs[1].seq, 2u);
    EXPECT_EQ(msg.inputs[1].ack_snapshot, 4u);
    EXPECT_EQ(msg.inputs[1].move_x, 1);
    EXPECT_EQ(msg.inputs[1].move_y, -1);
    EXPECT_EQ(msg.inputs[1].aim, 0.5f);
    EXPECT_EQ(msg.inputs[1].buttons, kButtonFire | kButtonReload);
    EXPECT_EQ(msg.inputs[1].weapon_slot, -1);
    build_input_batch(b, batch, true);
    const auto* env = proto::GetEnvelope(b.GetBufferPointer());
    ASSERT_NE(env->message_as_InputBatch(), nullptr);
    EXPECT_TRUE(env->message_as_InputBatch()->resync());

    build_chat(b, "gg from load7", false);
    const auto chat = net::parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
    ASSERT_EQ(chat.kind, net::ClientGameMessage::Kind::Chat);
    EXPECT_EQ(chat.chat_text, "gg from load7");
    build_scoreboard_request(b, 10);
    const auto board = net::parse_client_game_message({b.GetBufferPointer(), b.GetSize()});
    ASSERT_EQ(board.kind, net::ClientGameMessage::Kind::ScoreboardRequest);
    EXPECT_EQ(board.scoreboard_top, 10u);
}

// --- Behaviour -------------------------------------------------------------------------------

sync::ViewEntry player(std::uint16_t local, std::uint32_t slot, float x_wu, float y_wu, std::uint32_t team,
                       bool alive = true) {
    sync::QEntity e;
    e.kind = sync::EntityKind::Player;
    e.f[sync::kPlayerX] = sync::quantise_position(x_wu);
    e.f[sync::kPlayerY] = sync::quantise_position(y_wu);
    e.f[sync::kPlayerTeam] = team;
    e.f[sync::kPlayerStatus] = alive ? sync::kStatusAlive : 0;
    e.f[sync::kPlayerId] = slot;
    return {local, e};
}

TEST(Behaviour, NearestEnemyIsTheClosestAlivePlayerOfAnotherTeam) {
    const std::vector<sync::ViewEntry> view{
        player(0, 7, 1000, 1000, 0),       // me, red
        player(1, 8, 1050, 1000, 0),       // a teammate, closest
        player(2, 9, 1000, 900, 1, false), // a dead enemy
        player(3, 10, 1300, 1400, 1),      // an enemy, 500 wu away
        player(4, 11, 1000, 700, 1),       // the nearest live enemy, 300 wu up
    };
    Target t;
    ASSERT_TRUE(nearest_enemy(view, 7, t));
    EXPECT_EQ(t.slot, 11u);
    EXPECT_FLOAT_EQ(t.dx_wu, 0.0f);
    EXPECT_FLOAT_EQ(t.dy_wu, -300.0f);
    EXPECT_FLOAT_EQ(t.distance_wu, 300.0f);
    EXPECT_FALSE(nearest_enemy(view, 99, t)) << "not in the view";
    const std::vector<sync::ViewEntry> alone{player(0, 7, 1000, 1000, 0), player(1, 8, 1050, 1000, 0)};
    EXPECT_FALSE(nearest_enemy(alone, 7, t));
}

TEST(Behaviour, InFreeForAllEveryoneIsAnEnemy) {
    const std::vector<sync::ViewEntry> view{player(0, 7, 1000, 1000, 2), player(1, 8, 1100, 1000, 2)};
    Target t;
    ASSERT_TRUE(nearest_enemy(view, 7, t));
    EXPECT_EQ(t.slot, 8u);
}

TEST(Behaviour, FightAimsMovesFiresAndReloads) {
    const std::vector<sync::ViewEntry> view{player(0, 7, 1000, 1000, 0), player(1, 9, 1400, 1400, 1)};
    Behaviour b(Behaviour::Kind::Fight, 1);
    OwnAmmo ammo{true, 0, 5, -1, 0};
    Controls c = b.decide(0, view, 7, ammo);
    EXPECT_NEAR(c.aim, std::numbers::pi / 4, 1e-5); // down-right: +x right, +y down
    EXPECT_EQ(c.move_x, 1);
    EXPECT_EQ(c.move_y, 1);
    EXPECT_EQ(c.buttons, kButtonFire); // 566 wu: within 600
    ammo.magazine = 0;
    EXPECT_EQ(b.decide(0, view, 7, ammo).buttons, kButtonReload);
    const std::vector<sync::ViewEntry> far{player(0, 7, 1000, 1000, 0), player(1, 9, 1000, 1700, 1)};
    ammo.magazine = 5;
    c = b.decide(0, far, 7, ammo);
    EXPECT_EQ(c.buttons, 0);
    EXPECT_EQ(c.move_x, 0);
    EXPECT_EQ(c.move_y, 1);
}

TEST(Behaviour, SameSeedSameWalk) {
    Behaviour a(Behaviour::Kind::Walk, 42);
    Behaviour b(Behaviour::Kind::Walk, 42);
    for (std::int64_t t = 0; t < 20'000; t += 33) {
        const Controls x = a.decide(t, {}, 1, {});
        const Controls y = b.decide(t, {}, 1, {});
        ASSERT_EQ(x.move_x, y.move_x);
        ASSERT_EQ(x.move_y, y.move_y);
        ASSERT_EQ(x.aim, y.aim);
        ASSERT_EQ(x.buttons, y.buttons);
        ASSERT_GE(x.move_x, -1);
        ASSERT_LE(x.move_x, 1);
    }
}

// --- Histogram -------------------------------------------------------------------------------

TEST(Histogram, PercentilesAreWithinOnePercentAndExtremesExact) {
    Histogram h;
    for (int i = 1; i <= 1000; ++i) h.add(i * 0.1); // 0.1 .. 100
    EXPECT_EQ(h.count(), 1000u);
    EXPECT_DOUBLE_EQ(h.min(), 0.1);
    EXPECT_DOUBLE_EQ(h.max(), 100.0);
    EXPECT_DOUBLE_EQ(h.percentile(0), 0.1);
    EXPECT_DOUBLE_EQ(h.percentile(100), 100.0);
    EXPECT_NEAR(h.percentile(50), 50.0, 0.5);
    EXPECT_NEAR(h.percentile(99), 99.0, 1.0);
    EXPECT_NEAR(h.mean(), 50.05, 1e-9);
    Histogram empty;
    EXPECT_EQ(empty.percentile(50), 0.0);
    h.add(-5); // below the range: counted, kept as the minimum
    EXPECT_EQ(h.min(), -5.0);
}

TEST(Histogram, MergeEqualsAddingEverythingAndJsonRoundTrips) {
    Histogram a, b, all;
    for (int i = 0; i < 300; ++i) {
        const double v = 0.01 * (i * i % 977 + 1);
        (i % 3 == 0 ? a : b).add(v);
        all.add(v);
    }
    Histogram merged = a;
    merged.merge(b);
    EXPECT_EQ(merged.count(), all.count());
    EXPECT_DOUBLE_EQ(merged.min(), all.min());
    EXPECT_DOUBLE_EQ(merged.max(), all.max());
    for (double p : {1.0, 5.0, 50.0, 90.0, 99.0}) EXPECT_DOUBLE_EQ(merged.percentile(p), all.percentile(p));
    Histogram back;
    ASSERT_TRUE(back.from_json(merged.to_json()));
    EXPECT_EQ(back.to_json(), merged.to_json());
    EXPECT_FALSE(back.from_json(nlohmann::json{{"buckets", {{99999, 1}}}, {"count", 1}}));
}

// --- Report ----------------------------------------------------------------------------------

TEST(Report, WorkersMergeAndTheReportHasEveryKey) {
    WorkerResult a, b;
    a.clients = 3;
    a.connected = 3;
    a.held = 3;
    a.errors_by_code["timeout"] = 1;
    a.handshake_ms.add(10);
    a.snapshots_per_client_s.add(19.5);
    a.first_start_ms = 5;
    a.last_up_ms = 1000;
    a.hold_cpu_ms = 100;
    b.clients = 2;
    b.connected = 1;
    b.failed = 1;
    b.held = 1;
    b.errors_by_code["timeout"] = 2;
    b.errors_by_code["server_full"] = 1;
    b.handshake_ms.add(30);
    b.snapshots_per_client_s.add(4.0);
    b.first_start_ms = 0;
    b.last_up_ms = 2000;
    b.hold_cpu_ms = 50;
    WorkerResult back;
    ASSERT_TRUE(back.from_json(b.to_json()));
    a.merge(back);
    EXPECT_EQ(a.clients, 5u);
    EXPECT_EQ(a.connected, 4u);
    EXPECT_EQ(a.failed, 1u);
    EXPECT_EQ(a.errors_by_code["timeout"], 3u);
    EXPECT_EQ(a.errors_by_code["server_full"], 1u);
    EXPECT_EQ(a.handshake_ms.count(), 2u);
    EXPECT_EQ(a.first_start_ms, 0.0);
    EXPECT_EQ(a.last_up_ms, 2000.0);

    ServerFigures s;
    s.hold_s = 10;
    s.baseline_cpu_ms_per_s = 20;
    s.hold_cpu_ms = 1200; // 1000 ms over the idle 200
    s.rss_kb_before = 1000;
    s.rss_kb_after = 5000;
    s.loadgen_main_cpu_ms = 50;
    const auto r = build_report(a, s, 2, 100, 10);
    for (const char* key :
         {"clients", "connected", "failed", "disconnected_during_hold", "handshakes_per_s", "handshake_ms",
          "snapshots_per_client_s", "decode_errors", "view_errors", "kbps_per_client", "input_to_snapshot_ms",
          "server_cpu_ms_per_client_s", "server_rss_kb_per_client", "server_tick_ms", "loadgen_cpu_ms_per_s",
          "errors_by_code"}) {
        EXPECT_TRUE(r.contains(key)) << key;
    }
    EXPECT_DOUBLE_EQ(r["server_cpu_ms_per_client_s"].get<double>(), 1000.0 / (4 * 10));
    EXPECT_DOUBLE_EQ(r["server_rss_kb_per_client"].get<double>(), 1000.0);
    EXPECT_DOUBLE_EQ(r["snapshots_per_client_s"]["min"].get<double>(), 4.0);
    EXPECT_DOUBLE_EQ(r["handshakes_per_s"].get<double>(), 2.0); // 4 clients over 2 s
    EXPECT_DOUBLE_EQ(r["loadgen_cpu_ms_per_s"].get<double>(), 20.0);
    EXPECT_TRUE(r["server_tick_ms"].is_null()); // no window gauges scraped
    EXPECT_EQ(exit_code(a, s, false), 1);       // one failed
}

TEST(Report, ServerCpuPerClientSecondSubtractsTheIdleServer) {
    EXPECT_DOUBLE_EQ(*server_cpu_ms_per_client_s(3000, 100, 10, 20), (3000.0 - 1000.0) / 200.0);
    EXPECT_FALSE(server_cpu_ms_per_client_s(3000, 100, 10, 0));
    EXPECT_FALSE(server_cpu_ms_per_client_s(3000, 100, 0, 20));
}

TEST(Report, TickFiguresAreTheMedianOfP50AndTheMaxOfP99) {
    WorkerResult r;
    ServerFigures s;
    s.window_p50_ms = {3, 1, 2, 10};
    s.window_p99_ms = {5, 9, 4, 7};
    s.window_max_ms = {8, 12, 6, 9};
    s.snapshot_hz = {20, 15, 20};
    const auto j = build_report(r, s, 1, 1, 1);
    EXPECT_DOUBLE_EQ(j["server_tick_ms"]["p50"].get<double>(), 2.5);
    EXPECT_DOUBLE_EQ(j["server_tick_ms"]["p99"].get<double>(), 9.0);
    EXPECT_DOUBLE_EQ(j["server_tick_ms"]["max"].get<double>(), 12.0);
    EXPECT_DOUBLE_EQ(j["snapshot_hz_min"].get<double>(), 15.0);
    EXPECT_TRUE(j["overload_level_max"].is_null());
}

// --- Prometheus text -------------------------------------------------------------------------

constexpr std::string_view kMetricsText = R"(# HELP mgs_tick_window_ms Tick time over the last 5 s
# TYPE mgs_tick_window_ms gauge
mgs_tick_window_ms{quantile="0.5"} 1.25
mgs_tick_window_ms{quantile="0.99"} 4.5
mgs_tick_window_ms{quantile="1"} 9
mgs_overload_level 0
mgs_inputs_dropped_total{reason="rate"} 12
mgs_http_requests_total{code="200",path="a\"b"} 3
mgs_tick_seconds_bucket{le="0.001"} 10
mgs_tick_seconds_bucket{le="0.002"} 60
mgs_tick_seconds_bucket{le="0.005"} 99
mgs_tick_seconds_bucket{le="+Inf"} 100
mgs_tick_seconds_sum 0.15
mgs_tick_seconds_count 100
garbage line without value
)";

TEST(Metrics, ParsesSamplesLabelsAndHistograms) {
    const Metrics m = Metrics::parse(kMetricsText);
    EXPECT_EQ(m.get("mgs_overload_level"), 0.0);
    EXPECT_EQ(m.get("mgs_tick_window_ms", "quantile", "0.50"), 1.25); // compared as numbers
    EXPECT_EQ(m.get("mgs_inputs_dropped_total", "reason", "rate"), 12.0);
    EXPECT_EQ(m.get("mgs_http_requests_total", "path", "a\"b"), 3.0);
    EXPECT_FALSE(m.get("mgs_snapshot_hz"));
    const TickWindow w = tick_window(m);
    EXPECT_EQ(w.p50_ms, 1.25);
    EXPECT_EQ(w.p99_ms, 4.5);
    EXPECT_EQ(w.max_ms, 9.0);
    EXPECT_FALSE(w.snapshot_hz);
    const auto b = m.buckets("mgs_tick_seconds");
    ASSERT_EQ(b.size(), 4u);
    EXPECT_TRUE(std::isinf(b.back().first));

    const Metrics none =
        Metrics::parse("mgs_tick_seconds_bucket{le=\"0.001\"} 0\nmgs_tick_seconds_bucket{le=\"0.002\"} 0\n"
                       "mgs_tick_seconds_bucket{le=\"0.005\"} 0\nmgs_tick_seconds_bucket{le=\"+Inf\"} 0\n"
                       "mgs_tick_seconds_sum 0\n");
    const auto h = tick_histogram_between(none, m);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->count, 100.0);
    EXPECT_DOUBLE_EQ(h->mean_ms, 1.5);
    EXPECT_DOUBLE_EQ(h->p50_ms, 2.0);
    EXPECT_DOUBLE_EQ(h->p99_ms, 5.0);
    EXPECT_FALSE(tick_histogram_between(m, m)); // no ticks in between
}

// --- Options ---------------------------------------------------------------------------------

TEST(Options, WebSocketClientsAreSharedByTheWorkers) {
    Options o;
    o.clients = 120;
    o.websocket_clients = 20;
    o.threads = 2;
    int total = 0;
    int per_worker[2] = {0, 0};
    for (int i = 0; i < o.clients; ++i) {
        if (o.uses_websocket(i)) {
            ++total;
            ++per_worker[i % 2];
        }
    }
    EXPECT_EQ(total, 20);
    EXPECT_EQ(per_worker[0], 10);
    EXPECT_EQ(per_worker[1], 10);
    o.clients = 7;
    o.websocket_clients = 7;
    o.threads = 3;
    for (int i = 0; i < o.clients; ++i) EXPECT_TRUE(o.uses_websocket(i));
    o.websocket_clients = 0;
    for (int i = 0; i < o.clients; ++i) EXPECT_FALSE(o.uses_websocket(i));
}

int parse(std::vector<std::string> args, Options& o) {
    args.insert(args.begin(), "mgs-loadgen");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_options(static_cast<int>(argv.size()), argv.data(), o);
}

TEST(Options, BadArgumentsExitWithTwo) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"--host", "10.0.0.1"},
                                               {"--host", "example.com"},
                                               {"--clients", "20001"},
                                               {"--clients", "0"},
                                               {"--rate", "0"},
                                               {"--duration-s", "100000"},
                                               {"--behaviour", "dance"},
                                               {"--clients", "5", "--websocket-clients", "6"}}) {
        Options o;
        EXPECT_EQ(parse(args, o), 2) << args[0] << " " << args[1];
    }
    Options ok;
    EXPECT_EQ(parse({"--host", "localhost", "--clients", "10", "--rate", "5", "--duration-s", "20"}, ok), -1);
    EXPECT_EQ(ok.host, "127.0.0.1");
    EXPECT_DOUBLE_EQ(ok.timeout_s, ok.baseline_s + 2.0 + 20.0 + 60.0);
}

} // namespace
} // namespace mgs::loadgen
