#pragma once
// Bot control. Bots are players whose input comes from here instead of a network client: they
// produce exactly the sim::Input a human's client sends, through World::set_input, so a bot can
// never do what a player cannot (speed, fire rate, weapons are enforced by the simulation).
//
// Cost model for tens of thousands of bots:
//   decide  (every 1/decide_hz s, staggered by slot, parallel)  perception (grid query + line
//           of sight), target choice, role and goal choice
//   steer   (every tick, parallel)                               follow the goal's flow field or
//           the straight line, aim with skill-dependent error and lead, strafe, fire
//   shared  (serial, amortised)                                  one flow field per objective
//           (each flag, each flag stand), recomputed only when its goal moves or walls change;
//           the navigation grid updated only around walls that fell or came back
// Each bot writes only its own slot, so the result does not depend on the worker count.
#include "ai/nav.hpp"
#include "core/parallel.hpp"
#include "sim/world.hpp"
#include "world/entity_grid.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace mgs::ai {

enum class Skill : std::uint8_t { Easy = 0, Normal = 1, Hard = 2 };
enum class Role : std::uint8_t { Attack = 0, Defend = 1, Escort = 2, Retrieve = 3, Hunt = 4 };

struct SkillSpec {
    float reaction_s = 0.25f;    ///< from first sight of a target to the first shot
    float aim_error_rad = 0.07f; ///< maximum aim error, drawn anew at every decision
    float decide_hz = 5.0f;      ///< decisions per second
    float lead = 0.7f;           ///< fraction of the target's motion the bot leads
};

struct BotParams {
    float view_radius = 700.0f;   ///< wu: enemies seen this far if no wall is in between
    float memory_s = 3.0f;        ///< a lost target is chased to where it was last seen this long
    float retreat_health = 35.0f; ///< below this, head for a health pickup
    float nav_cell = 32.0f;       ///< navigation grid cell (wu)
    std::array<float, 3> skill_mix = {0.25f, 0.5f, 0.25f}; ///< share of easy, normal, hard bots
    std::array<SkillSpec, 3> skills = {{
        {0.45f, 0.16f, 3.0f, 0.3f},
        {0.25f, 0.07f, 5.0f, 0.7f},
        {0.12f, 0.03f, 8.0f, 1.0f},
    }};
};

/// Counters for reports and tests.
struct BotStats {
    std::uint64_t stuck_episodes = 0; ///< a bot with a goal stayed within 10 wu for more than 2 s
    std::uint64_t decisions = 0;
    std::uint64_t field_computes = 0;
};

class Bots {
public:
    explicit Bots(BotParams params = {}) : params_(params) {}

    /// Computes this tick's input for every bot and hands it to the world. Call once per tick
    /// before World::step, from the tick thread.
    void update(sim::World& world, Executor& exec);

    [[nodiscard]] const BotStats& stats() const noexcept { return stats_; }
    [[nodiscard]] const NavGrid& nav() const noexcept { return nav_; }
    /// Role and skill of the bot in `slot` (for the text view and tests).
    [[nodiscard]] Role role(std::uint32_t slot) const noexcept { return brains_[slot].role; }
    [[nodiscard]] Skill skill(std::uint32_t slot) const noexcept { return brains_[slot].skill; }

private:
    enum Field : std::uint8_t {
        kFlagRed = 0,
        kFlagBlue = 1,
        kStandRed = 2,
        kStandBlue = 3,
        kFieldCount = 4,
        kNoField = 255
    };

    struct Brain {
        std::uint32_t generation = 0xffffffffu;
        Skill skill = Skill::Normal;
        Role role = Role::Attack;
        std::uint32_t target = sim::kNoPlayer;
        std::uint32_t target_since = 0; ///< tick the current target was first seen
        Vec2 last_seen{};               ///< where the target was last seen
        std::uint32_t last_seen_tick = 0;
        bool has_memory = false;
        std::uint8_t field = kNoField; ///< shared flow field to follow, or kNoField
        Vec2 goal{};                   ///< goal when not following a field
        bool has_goal = false;
        float arrive = 40.0f;          ///< distance at which the goal counts as reached
        float aim_noise = 0.0f;        ///< this decision's aim error (radians)
        Vec2 anchor{};                 ///< stuck detection: where the bot was...
        std::uint32_t anchor_tick = 0; ///< ...since this tick
        bool stuck_counted = false;
        std::uint32_t sidestep_until = 0;
        float sidestep = 0.0f;
        std::uint32_t seq = 0;
        Vec2 dir{};                   ///< cached field direction...
        int dir_cell = -1;            ///< ...for this nav cell...
        std::uint32_t dir_tick = 0;   ///< ...computed at this tick...
        std::uint8_t dir_field = 255; ///< ...from this field
        std::vector<Vec2> path;       ///< A* waypoints toward `goal` when it is out of sight
        std::size_t path_next = 0;
        Vec2 avoid{}; ///< local avoidance push, refreshed every third tick
    };

    void prepare(const sim::World& world, Executor& exec);
    /// CTF: gives each team's bots their roles (retrieve, defend, escort, attack), with shares
    /// that follow the flags' situation and the bots best placed for each role. Serial.
    void assign_roles(const sim::World& world);
    void decide(const sim::World& world, std::uint32_t slot, Brain& b, PathScratch& scratch) const;
    [[nodiscard]] sim::Input steer(const sim::World& world, std::uint32_t slot, Brain& b);
    void choose_goal(const sim::World& world, std::uint32_t slot, Brain& b, std::uint64_t draw,
                     PathScratch& scratch) const;
    [[nodiscard]] bool nearest_pickup(const sim::World& world, std::uint32_t slot, bool health_only,
                                      float radius, Vec2& out) const;

    BotParams params_;
    NavGrid nav_;
    bool nav_built_ = false;
    std::vector<std::uint8_t> wall_alive_seen_;
    world::EntityGrid pickup_grid_; ///< pickup spots by cell (static per map)
    std::array<FlowField, kFieldCount> fields_;
    std::array<std::uint32_t, kFieldCount> field_tick_{};
    std::array<bool, kFieldCount> field_valid_{};
    std::vector<Brain> brains_;
    std::vector<PathScratch> scratch_;     ///< one per worker
    std::vector<std::uint32_t> role_pool_; ///< scratch for assign_roles
    std::vector<sim::Input> inputs_;
    std::vector<Vec2> prev_pos_; ///< every player's position one tick ago (velocity estimates)
    std::vector<std::uint8_t> stuck_flags_;
    BotStats stats_;
};

} // namespace mgs::ai
