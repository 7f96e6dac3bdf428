#pragma once
// Drives a world: the tick loop (headless as fast as possible, or live at the tick rate),
// timing of every tick, the live stats line and the headless report.
#include "ai/bots.hpp"
#include "app/config.hpp"
#include "app/tbb_executor.hpp"
#include "sim/world.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace mgs::app {

/// A world, its bots and its thread pool, stepped together.
class Simulation {
public:
    explicit Simulation(const ServerConfig& cfg);

    /// One tick: bots decide, then the world steps. Returns the tick's wall time in ms.
    double tick();

    [[nodiscard]] const sim::World& world() const noexcept { return *world_; }
    [[nodiscard]] sim::World& world() noexcept { return *world_; }
    /// Every tick's time, in order: kept only for a run of a fixed number of ticks (cfg.ticks >
    /// 0, the headless report), empty otherwise, so a server that runs for weeks holds nothing
    /// that grows with its age.
    [[nodiscard]] const std::vector<double>& tick_ms() const noexcept { return tick_ms_; }
    [[nodiscard]] const std::vector<double>& ai_ms() const noexcept { return ai_ms_; }
    /// The last tick's AI part (ms).
    [[nodiscard]] double last_ai_ms() const noexcept { return last_ai_ms_; }
    [[nodiscard]] int threads() const noexcept { return exec_.concurrency(); }
    [[nodiscard]] const ai::Bots& bots() const noexcept { return bots_; }
    [[nodiscard]] ai::Bots& bots() noexcept { return bots_; }
    /// The thread pool of the parallel phases (also used for snapshot encoding).
    [[nodiscard]] Executor& executor() noexcept { return exec_; }

private:
    TbbExecutor exec_;
    std::unique_ptr<sim::World> world_;
    ai::Bots bots_;
    bool keep_history_ = false;
    double last_ai_ms_ = 0;
    std::vector<double> tick_ms_;
    std::vector<double> ai_ms_;
};

/// Runs cfg.ticks ticks as fast as possible (or until `stop`), then prints the report
/// (JSON or text) on stdout. Returns the process exit code.
int run_headless(const ServerConfig& cfg, const std::atomic<bool>& stop);

/// Runs at the configured tick rate until `stop` (or cfg.ticks ticks if > 0), logging a stats
/// line every cfg.stats_interval_s. Returns the process exit code.
int run_live(const ServerConfig& cfg, const std::atomic<bool>& stop);

/// The headless report as JSON text (one object).
[[nodiscard]] std::string report_json(const ServerConfig& cfg, const Simulation& sim, double wall_s);

/// A coarse text picture of the world (walls #, red r/R, blue b/B, flags F, pickups +).
[[nodiscard]] std::string ascii_view(const sim::World& world, int cols, int rows);

} // namespace mgs::app
