#pragma once
// Bot control (placeholder level, see issue 3 for the full AI): bots see like players (view
// radius and line of sight), pick the nearest visible enemy, aim and shoot with a small error,
// and otherwise head for their objective (in CTF: the enemy flag, or home when carrying it, or
// their own flag when it is away) with a random walk to get around walls.
//
// Bots produce exactly the sim::Input a human's client sends, through World::set_input, so a
// bot can do nothing a player cannot. Decisions run at a lower rate than the tick, staggered
// over slots, in parallel; each bot writes only its own slot, so results do not depend on the
// worker count.
#include "core/parallel.hpp"
#include "sim/world.hpp"

#include <cstdint>
#include <vector>

namespace mgs::ai {

struct BotParams {
    float view_radius = 700.0f;  ///< wu: bots see enemies this far, if no wall is in between
    float decide_hz = 5.0f;      ///< decisions per second per bot (steering runs every tick)
    float aim_error_rad = 0.06f; ///< maximum aim error
};

class Bots {
public:
    explicit Bots(BotParams params = {}) : params_(params) {}

    /// Computes this tick's input for every bot and hands it to the world. Call once per tick
    /// before World::step, from the tick thread.
    void update(sim::World& world, Executor& exec);

private:
    struct Brain {
        std::uint32_t generation = 0xffffffffu;
        std::uint32_t target = sim::kNoPlayer;
        Vec2 goal{};
        Vec2 last_pos{};
        float wander = 0.0f;             ///< wander heading (radians)
        std::uint32_t unstick_until = 0; ///< tick until which the bot walks the wander heading
        std::uint32_t seq = 0;
        bool side = false; ///< which way the last side-step went
    };

    void decide(const sim::World& world, std::uint32_t slot, Brain& b) const;
    [[nodiscard]] sim::Input steer(const sim::World& world, std::uint32_t slot, Brain& b) const;

    BotParams params_;
    std::vector<Brain> brains_;
    std::vector<sim::Input> inputs_;
};

} // namespace mgs::ai
