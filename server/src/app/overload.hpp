#pragma once
// Graceful overload: when a tick (inputs, AI, simulation and sync) takes too much of its period,
// the server sheds work in a fixed order instead of stalling, and takes it back when load falls.
//
//   level 0  normal
//   level 1  far entities in each view are refreshed every other snapshot
//   level 2  snapshots at 15 Hz (of 20)            everything above, plus
//   level 3  snapshots at 10 Hz
//   level 4  smaller views (75 % of each half-size)
//   level 5  bots decide at half their rate
// The simulation rate itself is never lowered: the game's rules are written for its tick.
//
// The decision is a pure function of the tick times it is fed (no clock): a smoothed tick time
// (exponential moving average) above `down_fraction` of the budget for `dwell_ticks` ticks steps
// one level down; below `up_fraction` for `dwell_ticks` ticks steps one level up. The gap between
// the two thresholds, and the dwell, keep it from oscillating as the shed work comes and goes.
#include <algorithm>
#include <cstdint>

namespace mgs::app {

struct OverloadConfig {
    double budget_ms = 1000.0 / 30.0; ///< the tick period
    double down_fraction = 0.80;      ///< smoothed tick time above this share of the budget: shed
    double up_fraction = 0.50;        ///< below this share: take work back
    int dwell_ticks = 30;             ///< ticks beyond a threshold before a step (and between steps)
    double smoothing = 0.1;           ///< weight of the newest tick in the moving average
    int max_level = 5;                ///< the deepest level used (0 turns shedding off)
};

class OverloadLadder {
public:
    static constexpr int kLevels = 6;

    explicit OverloadLadder(OverloadConfig config = {}) : config_(config) {
        config_.max_level = std::clamp(config_.max_level, 0, kLevels - 1);
    }

    /// Feeds one tick's time; returns true when the level changed.
    bool observe(double tick_ms) noexcept {
        smoothed_ms_ = started_ ? smoothed_ms_ + config_.smoothing * (tick_ms - smoothed_ms_) : tick_ms;
        started_ = true;
        const double load = smoothed_ms_ / config_.budget_ms;
        if (load > config_.down_fraction && level_ < config_.max_level) {
            above_ = std::min(above_ + 1, config_.dwell_ticks);
            below_ = 0;
        } else if (load < config_.up_fraction && level_ > 0) {
            below_ = std::min(below_ + 1, config_.dwell_ticks);
            above_ = 0;
        } else {
            above_ = 0;
            below_ = 0;
        }
        if (above_ >= config_.dwell_ticks) {
            ++level_;
            above_ = 0;
            return true;
        }
        if (below_ >= config_.dwell_ticks) {
            --level_;
            below_ = 0;
            return true;
        }
        return false;
    }

    [[nodiscard]] int level() const noexcept { return level_; }
    [[nodiscard]] double smoothed_ms() const noexcept { return smoothed_ms_; }

    // What each level means, for the parts that act on it.
    /// Snapshots per second for a configured rate.
    [[nodiscard]] int snapshot_hz(int configured) const noexcept {
        if (level_ >= 3) {
            return std::max(1, std::min(configured, configured / 2));
        }
        if (level_ >= 2) {
            return std::max(1, configured * 3 / 4);
        }
        return configured;
    }
    /// Far entities are refreshed every this many snapshots (1 = every snapshot).
    [[nodiscard]] int far_refresh() const noexcept { return level_ >= 1 ? 2 : 1; }
    /// Scale of the view's half-sizes.
    [[nodiscard]] float view_scale() const noexcept { return level_ >= 4 ? 0.75f : 1.0f; }
    /// Scale of the bots' decision rates.
    [[nodiscard]] float bot_decision_scale() const noexcept { return level_ >= 5 ? 0.5f : 1.0f; }

private:
    OverloadConfig config_;
    int level_ = 0;
    int above_ = 0;
    int below_ = 0;
    double smoothed_ms_ = 0;
    bool started_ = false;
};

} // namespace mgs::app
