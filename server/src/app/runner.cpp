#include "app/runner.hpp"

#include "app/frontend.hpp"
#include "app/game_sync.hpp"
#include "app/overload.hpp"
#include "app/tick_window.hpp"
#include "core/percentile.hpp"
#include "metrics/registry.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace mgs::app {

namespace {
using Clock = std::chrono::steady_clock;

/// The process's resident memory (0 when /proc cannot tell).
std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) {
        return 0;
    }
    unsigned long pages_total = 0, pages_resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &pages_total, &pages_resident);
    std::fclose(f);
    return n == 2 ? static_cast<std::size_t>(pages_resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE))
                  : 0;
}

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::size_t count_alive(const std::vector<std::uint8_t>& v) {
    std::size_t n = 0;
    for (auto x : v) n += x != 0 ? 1 : 0;
    return n;
}
} // namespace

Simulation::Simulation(const ServerConfig& cfg)
    : exec_(cfg.threads), world_(std::make_unique<sim::World>(cfg.rules, cfg.map, cfg.bots)), bots_(cfg.bot) {
    if (cfg.ticks > 0) {
        keep_history_ = true;
        tick_ms_.reserve(static_cast<std::size_t>(cfg.ticks));
        ai_ms_.reserve(static_cast<std::size_t>(cfg.ticks));
    }
}

double Simulation::tick() {
    const auto t0 = Clock::now();
    bots_.update(*world_, exec_);
    const double ai = ms_since(t0);
    world_->step(exec_);
    const double total = ms_since(t0);
    last_ai_ms_ = ai;
    if (keep_history_) {
        tick_ms_.push_back(total);
        ai_ms_.push_back(ai);
    }
    return total;
}

std::string report_json(const ServerConfig& cfg, const Simulation& sim, double wall_s) {
    const sim::World& w = sim.world();
    const auto& ms = sim.tick_ms();
    double max_ms = 0.0;
    for (double v : ms) max_ms = std::max(max_ms, v);
    nlohmann::json j;
    j["preset"] = cfg.preset;
    j["seed"] = cfg.seed;
    j["threads"] = sim.threads();
    j["mode"] = cfg.rules.mode == sim::Mode::CaptureTheFlag   ? "ctf"
                : cfg.rules.mode == sim::Mode::TeamDeathmatch ? "tdm"
                                                              : "ffa";
    j["ticks"] = ms.size();
    j["tick_hz"] = cfg.rules.tick_hz;
    j["tick_ms"] = {{"p50", percentile(ms, 50)},
                    {"p99", percentile(ms, 99)},
                    {"max", max_ms},
                    {"mean", ms.empty() ? 0.0 : wall_s * 1000.0 / static_cast<double>(ms.size())}};
    const double ai_p50 = percentile(sim.ai_ms(), 50);
    j["ai_ms"] = {{"p50", ai_p50}, {"p99", percentile(sim.ai_ms(), 99)}};
    j["ai_ns_per_bot"] = w.bots() > 0 ? ai_p50 * 1e6 / w.bots() : 0.0;
    j["entities"] = {{"players", w.humans() + w.bots()},
                     {"humans", w.humans()},
                     {"bots", w.bots()},
                     {"projectiles", w.projectiles().live},
                     {"walls", w.map().walls.size()},
                     {"walls_standing", count_alive(w.wall_alive())},
                     {"pickups", w.map().pickups.size()}};
    j["bots_stuck"] = sim.bots().stats().stuck_episodes;
    j["kills"] = w.totals().kills;
    j["captures"] = w.totals().captures;
    j["shots"] = w.totals().shots;
    j["matches"] = w.totals().matches;
    j["team_score"] = {w.match().team_score[0], w.match().team_score[1]};
    j["sim_seconds"] = static_cast<double>(ms.size()) / cfg.rules.tick_hz;
    j["wall_seconds"] = wall_s;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(w.state_hash()));
    j["state_hash"] = hex;
    return j.dump();
}

std::string ascii_view(const sim::World& world, int cols, int rows) {
    const auto& map = world.map();
    std::string out;
    const float sx = map.width / static_cast<float>(cols), sy = map.height / static_cast<float>(rows);
    std::vector<char> cells(static_cast<std::size_t>(cols * rows), ' ');
    auto put = [&](Vec2 p, char c) {
        const int x = std::clamp(static_cast<int>(p.x / sx), 0, cols - 1);
        const int y = std::clamp(static_cast<int>(p.y / sy), 0, rows - 1);
        cells[static_cast<std::size_t>(y) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(x)] = c;
    };
    for (std::size_t i = 0; i < map.walls.size(); ++i) {
        if (world.wall_alive()[i] == 0) continue;
        const Aabb& b = map.walls[i].box;
        const char c = map.walls[i].destructible() ? '%' : '#';
        const int steps_x = std::max(1, static_cast<int>(2.0f * b.width() / sx));
        const int steps_y = std::max(1, static_cast<int>(2.0f * b.height() / sy));
        for (int yi = 0; yi <= steps_y; ++yi)
            for (int xi = 0; xi <= steps_x; ++xi)
                put({b.min.x + b.width() * static_cast<float>(xi) / static_cast<float>(steps_x),
                     b.min.y + b.height() * static_cast<float>(yi) / static_cast<float>(steps_y)},
                    c);
    }
    for (std::size_t i = 0; i < map.pickups.size(); ++i)
        if (world.pickup_active()[i] != 0) put(map.pickups[i].pos, '+');
    const auto& p = world.players();
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p.alive[i] == 0) continue;
        const char c = p.team[i] == world::Team::Blue ? 'b' : (p.team[i] == world::Team::Red ? 'r' : 'o');
        put(p.pos[i], p.is_bot[i] != 0 ? c : static_cast<char>(c - 32));
    }
    for (const auto& f : world.flags()) put(f.pos, 'F');
    for (int y = 0; y < rows; ++y) {
        const auto row = static_cast<std::ptrdiff_t>(y) * cols;
        out.append(cells.begin() + row, cells.begin() + row + cols);
        out.push_back('\n');
    }
    return out;
}

int run_headless(const ServerConfig& cfg, const std::atomic<bool>& stop) {
    Simulation sim(cfg);
    spdlog::info("headless: preset {} seed {} bots {} threads {} ticks {}", cfg.preset, cfg.seed, cfg.bots,
                 sim.threads(), cfg.ticks);
    const auto t0 = Clock::now();
    const auto ascii_every = static_cast<std::int64_t>(cfg.rules.tick_hz) * 5;
    for (std::int64_t t = 0; (cfg.ticks == 0 || t < cfg.ticks) && !stop.load(std::memory_order_relaxed);
         ++t) {
        sim.tick();
        if (cfg.ascii && (t + 1) % ascii_every == 0) std::cerr << ascii_view(sim.world(), 100, 40) << '\n';
    }
    const double wall_s = ms_since(t0) / 1000.0;
    if (cfg.report == ReportFormat::Json) {
        std::cout << report_json(cfg, sim, wall_s) << std::endl;
    } else {
        const auto& ms = sim.tick_ms();
        std::cout << "ticks " << ms.size() << "  tick p50 " << percentile(ms, 50) << " ms  p99 "
                  << percentile(ms, 99) << " ms  kills " << sim.world().totals().kills << "  captures "
                  << sim.world().totals().captures << "  state_hash " << std::hex << sim.world().state_hash()
                  << std::dec << std::endl;
    }
    return 0;
}

SyncConfig sync_config(const ServerConfig& cfg) {
    SyncConfig s;
    s.view.half_width = cfg.view_half_width;
    s.view.half_height = cfg.view_half_height;
    s.view.hysteresis = cfg.view_hysteresis;
    s.view.budget_bytes = static_cast<std::size_t>(cfg.snapshot_budget_bytes);
    s.tick_hz = cfg.rules.tick_hz;
    s.snapshot_hz = cfg.snapshot_hz;
    s.max_effects = cfg.max_effects;
    return s;
}

FrontendConfig frontend_config(const ServerConfig& cfg) {
    FrontendConfig f;
    net::NetConfig& n = f.net;
    n.http.bind_address = cfg.bind_address;
    n.http.port = static_cast<std::uint16_t>(cfg.http_port);
    n.http.static_dir = cfg.static_dir;
    n.http.ws_max_message_bytes = static_cast<std::size_t>(cfg.max_message_bytes);
    n.http.signaling_rate_per_s = cfg.signaling_rate_per_s;
    n.http.signaling_burst = cfg.signaling_burst;
    n.rtc.bind_address = cfg.bind_address;
    n.rtc.port = static_cast<std::uint16_t>(cfg.udp_port);
    const std::string ips = cfg.public_ip == "auto" ? std::string() : cfg.public_ip;
    for (std::size_t start = 0; start < ips.size();) {
        const std::size_t comma = std::min(ips.find(',', start), ips.size());
        std::string ip = ips.substr(start, comma - start);
        ip.erase(0, ip.find_first_not_of(' '));
        ip.erase(ip.find_last_not_of(' ') + 1);
        if (!ip.empty()) {
            n.rtc.public_ips.push_back(ip);
        }
        start = comma + 1;
    }
    const auto sessions =
        static_cast<std::size_t>(cfg.max_players) + static_cast<std::size_t>(cfg.max_spectators);
    n.rtc.max_connections = sessions + static_cast<std::size_t>(cfg.max_pending_handshakes);
    n.rtc.max_pending_handshakes = static_cast<std::size_t>(cfg.max_pending_handshakes);
    n.rtc.connect_timeout_ms = static_cast<std::uint64_t>(cfg.connect_timeout_s) * 1000;
    n.rtc.consent_timeout_ms = static_cast<std::uint64_t>(cfg.consent_timeout_s) * 1000;
    n.rtc.max_message_size = static_cast<std::uint32_t>(cfg.max_message_bytes);
    session::SessionConfig& s = f.session;
    s.max_players = static_cast<std::size_t>(cfg.max_players);
    s.max_spectators = static_cast<std::size_t>(cfg.max_spectators);
    s.resume_grace_s = static_cast<std::uint32_t>(cfg.resume_grace_s);
    s.max_violations = static_cast<std::uint32_t>(cfg.max_violations);
    s.ws_max_message_bytes = static_cast<std::uint32_t>(cfg.max_message_bytes);
    // Slots for every session at once; chat and scoreboard requests for a burst from everyone.
    f.link.max_sessions = std::max<std::size_t>(1, sessions);
    f.link.request_queue = std::max<std::size_t>(1024, sessions * 2);
    return f;
}

session::WorldInfo world_info(const ServerConfig& cfg, const SyncConfig& sync, const sim::World& world) {
    session::WorldInfo info;
    info.tick_hz = static_cast<std::uint16_t>(cfg.rules.tick_hz);
    info.snapshot_hz = static_cast<std::uint16_t>(sync.snapshot_hz);
    info.map_seed = world.map().seed;
    info.map_width = cfg.map.width;
    info.map_height = cfg.map.height;
    info.mode = static_cast<std::uint8_t>(cfg.rules.mode);
    info.view_half_width = sync.view.half_width;
    info.view_half_height = sync.view.half_height;
    info.player_radius = cfg.rules.player_radius;
    info.player_speed = cfg.rules.speed;
    info.speed_boost = cfg.rules.speed_boost;
    info.max_health = cfg.rules.max_health;
    info.max_shield = cfg.rules.max_shield;
    for (std::size_t k = 0; k < info.weapons.size(); ++k) {
        const sim::WeaponSpec& spec = cfg.rules.weapons[k];
        session::WorldInfo::Weapon& w = info.weapons[k];
        w.projectile_speed = spec.projectile_speed;
        w.lifetime_s = spec.lifetime_s;
        w.cooldown_s = spec.cooldown_s;
        w.reload_s = spec.reload_s;
        w.magazine = static_cast<std::int16_t>(spec.magazine);
        w.pellets = static_cast<std::int16_t>(spec.pellets);
        w.range = spec.range;
    }
    return info;
}

int run_live(const ServerConfig& cfg, const std::atomic<bool>& stop) {
    Simulation sim(cfg);
    metrics::Registry registry;
    // A tick is everything the tick period must hold: inputs, AI, the simulation, and the sync
    // (snapshots for every client).
    auto& tick_hist = registry.histogram("mgs_tick_seconds", "Tick duration: inputs, AI, simulation and sync",
                                         {0.001, 0.002, 0.005, 0.01, 0.02, 0.033, 0.05, 0.1});
    auto& sync_hist =
        registry.histogram("mgs_sync_seconds", "Sync part of a tick: snapshots and events built",
                           {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.033});
    const auto window_gauge = [&](const char* q) {
        return &registry.gauge("mgs_tick_window_ms", "Tick duration over the last 5 s, quantiles (ms)",
                               {{"quantile", q}});
    };
    metrics::Gauge* window_p50 = window_gauge("0.5");
    metrics::Gauge* window_p99 = window_gauge("0.99");
    metrics::Gauge* window_max = window_gauge("1");
    auto& humans_gauge = registry.gauge("mgs_players", "Human players in the world");
    auto& bots_gauge = registry.gauge("mgs_bots", "Bots in the world");
    auto& clients_gauge =
        registry.gauge("mgs_game_clients", "Clients the game sends to (players and spectators)");
    auto& overload_gauge = registry.gauge(
        "mgs_overload_level", "Work shed under load: 0 none, 1 far entities less often, 2-3 snapshot "
                              "rate 15/10 Hz, 4 smaller views, 5 slower bot decisions");
    auto& backlog_gauge =
        registry.gauge("mgs_network_backlog_batches",
                       "Ticks of messages the network thread holds, not yet sent (1 = keeping up)");
    auto& snapshot_hz_gauge =
        registry.gauge("mgs_snapshot_hz", "Snapshots per second sent to each client now");
    const auto memory_gauge = [&](const char* component) {
        return &registry.gauge("mgs_memory_bytes", "Heap held for clients, by component (bytes)",
                               {{"component", component}});
    };
    metrics::Gauge* views_bytes = memory_gauge("client_views");
    metrics::Gauge* buffers_bytes = memory_gauge("client_buffers");
    metrics::Gauge* batch_bytes = memory_gauge("outbound_batches");
    auto& rss_gauge =
        registry.gauge("process_resident_memory_bytes", "Resident memory of the server (bytes)");
    MapPublisher maps; // before the network: its route reads it until the network stops
    maps.publish(sim.world().map());
    Frontend front(frontend_config(cfg), registry);
    front.add_route("/map", "application/octet-stream", [&maps] { return maps.bytes(); });
    const SyncConfig sync = sync_config(cfg);
    front.set_world_info(world_info(cfg, sync, sim.world()));
    GameSync game(front.link(), sim.world(), sync, &maps);
    std::string net_error;
    if (!front.start(net_error)) {
        spdlog::error("network: {}", net_error);
        return 1;
    }
    spdlog::info("listening: http://{}:{}/ (signaling /ws, /healthz, /metrics), WebRTC UDP port {}",
                 cfg.bind_address == "0.0.0.0" ? "localhost" : cfg.bind_address, front.http_port(),
                 front.udp_port());
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / cfg.rules.tick_hz));
    spdlog::info("live: preset {} ({}x{} wu), {} bots, {} Hz, {} threads; Ctrl+C stops", cfg.preset,
                 cfg.map.width, cfg.map.height, cfg.bots, cfg.rules.tick_hz, sim.threads());
    TickWindow window(static_cast<std::size_t>(std::max(1, cfg.rules.tick_hz)) * 5);
    OverloadConfig overload_config;
    overload_config.budget_ms = 1000.0 / std::max(1, cfg.rules.tick_hz);
    overload_config.max_level = cfg.overload_max_level;
    OverloadLadder overload(overload_config);
    snapshot_hz_gauge.set(game.snapshot_hz());
    auto next = Clock::now();
    auto last_stats = Clock::now();
    auto last_window = Clock::now();
    std::uint64_t kills_before = 0, captures_before = 0;
    for (std::int64_t t = 0; (cfg.ticks == 0 || t < cfg.ticks) && !stop.load(std::memory_order_relaxed);
         ++t) {
        const auto t0 = Clock::now();
        game.drain();
        sim.tick();
        const auto t1 = Clock::now();
        game.after_tick(sim.executor());
        const double sync_ms = ms_since(t1);
        const double tick_ms = ms_since(t0);
        tick_hist.observe(tick_ms / 1000.0);
        sync_hist.observe(sync_ms / 1000.0);
        window.add(tick_ms);
        // The network thread is part of the budget too: when it still holds an earlier tick's
        // batch as this one goes over, it could not send a tick's messages within a tick, and
        // shedding (fewer, smaller snapshots) is what relieves it.
        const std::size_t backlog = front.link().in_flight();
        backlog_gauge.set(static_cast<double>(backlog));
        const bool network_behind = backlog >= 2;
        if (overload.observe(network_behind ? std::max(tick_ms, overload_config.budget_ms) : tick_ms)) {
            game.set_snapshot_hz(overload.snapshot_hz(sync.snapshot_hz));
            game.set_shedding({overload.view_scale(), overload.far_refresh()});
            sim.bots().set_decision_scale(overload.bot_decision_scale());
            overload_gauge.set(overload.level());
            snapshot_hz_gauge.set(game.snapshot_hz());
            spdlog::warn(
                "overload level {} (tick {:.1f} ms smoothed, budget {:.1f} ms): snapshots at {} Hz{}{}{}",
                overload.level(), overload.smoothed_ms(), overload_config.budget_ms, game.snapshot_hz(),
                overload.far_refresh() > 1 ? ", far entities every other snapshot" : "",
                overload.view_scale() < 1.0f ? ", smaller views" : "",
                overload.bot_decision_scale() < 1.0f ? ", slower bot decisions" : "");
        }
        humans_gauge.set(sim.world().humans());
        bots_gauge.set(sim.world().bots());
        clients_gauge.set(static_cast<double>(game.clients()));
        next += period;
        const auto now = Clock::now();
        if (now < next)
            std::this_thread::sleep_until(next);
        else if (now - next > period * 5)
            next = now; // fell behind: do not try to catch up in a burst
        if (now - last_window >= std::chrono::seconds(1)) {
            const TickWindow::Quantiles q = window.quantiles();
            window_p50->set(q.p50);
            window_p99->set(q.p99);
            window_max->set(q.max);
            const GameSync::Memory mem = game.memory();
            views_bytes->set(static_cast<double>(mem.views));
            buffers_bytes->set(static_cast<double>(mem.buffers));
            batch_bytes->set(static_cast<double>(front.link().batch_bytes()));
            rss_gauge.set(static_cast<double>(resident_bytes()));
            last_window = now;
        }
        if (std::chrono::duration<double>(now - last_stats).count() >= cfg.stats_interval_s) {
            const TickWindow::Quantiles q = window.quantiles();
            const sim::World& w = sim.world();
            const auto& m = w.match();
            spdlog::info("tick {} | tick ms p50 {:.2f} max {:.2f} (last 5 s) | players {} (bots {}) clients "
                         "{} projectiles {} "
                         "| kills +{} captures +{} | match {} score {}:{}",
                         w.tick(), q.p50, q.max, w.humans() + w.bots(), w.bots(), game.clients(),
                         w.projectiles().live, w.totals().kills - kills_before,
                         w.totals().captures - captures_before,
                         m.phase == sim::MatchPhase::Active  ? "active"
                         : m.phase == sim::MatchPhase::Ended ? "ended"
                                                             : "waiting",
                         m.team_score[0], m.team_score[1]);
            kills_before = w.totals().kills;
            captures_before = w.totals().captures;
            last_stats = now;
        }
    }
    front.stop();
    spdlog::info("stopped after {} ticks; {} kills, {} captures, {} matches", sim.world().tick(),
                 sim.world().totals().kills, sim.world().totals().captures, sim.world().totals().matches);
    return 0;
}

} // namespace mgs::app
