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
//   shared  (amortised, sliced)                                  one flow field per objective
//           (each flag, each flag stand), searched again only when its goal moves or walls
//           change, a bounded slice per tick into a spare field while bots keep following the
//           previous one; the navigation grid updated only around walls that fell or came back
// Each bot writes only its own slot, so the result does not depend on the worker count.
#include "ai/nav.hpp"
#include "core/parallel.hpp"
#include "sim/world.hpp"
#include "world/entity_grid.hpp"

#include <algorithm>
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
    /// Queue entries (about one per grid cell) a flow-field search may take per tick. A search
    /// over a grid larger than this runs in slices over several ticks (about 1.3 ms per slice
    /// on the massive map's 800 x 800 grid); smaller grids are searched within one tick.
    std::uint32_t field_slice_cells = 65536;
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
    std::uint64_t decisions = 0;      ///< bot decisions taken (goal, target, aim error)
    std::uint64_t field_computes = 0; ///< flow-field searches completed
    std::uint64_t field_slices = 0;   ///< ticks' worth of search work, summed over fields
};

class Bots {
public:
    explicit Bots(BotParams params = {}) : params_(params) {}

    /// Computes this tick's input for every bot and hands it to the world. Call once per tick
    /// before World::step, from the tick thread.
    void update(sim::World& world, Executor& exec);

    /// Scales every skill's decision rate (overload: 0.5 halves it; 1 is the configured rate).
    /// Steering still runs every tick. A live server's overload level follows wall-clock tick
    /// times, so a run that sheds is not reproducible; headless runs never call this.
    void set_decision_scale(float scale) noexcept {
        decision_scale_ = scale > 0.0f ? std::min(scale, 1.0f) : 1.0f;
    }
    [[nodiscard]] float decision_scale() const noexcept { return decision_scale_; }

    [[nodiscard]] const BotStats& stats() const noexcept { return stats_; }
    [[nodiscard]] const NavGrid& nav() const noexcept { return nav_; }
    /// Role and skill of the bot in `slot` (for the text view and tests). Every bot that has
    /// been alive has them; on a big world one that has not spawned yet may read Attack/Normal.
    [[nodiscard]] Role role(std::uint32_t slot) const noexcept {
        return slot < brains_.size() ? brains_[slot].role : Role::Attack;
    }
    [[nodiscard]] Skill skill(std::uint32_t slot) const noexcept {
        return slot < brains_.size() ? brains_[slot].skill : Skill::Normal;
    }

    /// Shared objective fields, CTF only: 0 red flag, 1 blue flag, 2 red stand, 3 blue stand.
    static constexpr std::size_t kFieldCount = 4;
    /// Searches under way at once at most when the grid is bigger than a slice (each takes one
    /// slice per tick, in parallel); on smaller grids every due field is searched in its tick.
    static constexpr std::size_t kMaxFieldSearches = 2;
    /// The field bots follow toward objective `f`: the newest complete search, or nullptr before
    /// the first one completes (bots then walk straight at the objective).
    [[nodiscard]] const FlowField* field(std::size_t f) const noexcept {
        return field_valid_[f] ? &fields_[f] : nullptr;
    }
    /// True while a newer search for objective `f` is under way (in slices, into a spare field).
    [[nodiscard]] bool field_searching(std::size_t f) const noexcept { return searching_[f]; }

private:
    enum Field : std::uint8_t { kFlagRed = 0, kFlagBlue = 1, kStandRed = 2, kStandBlue = 3, kNoField = 255 };

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
        Vec2 dir{};                   ///< cached direction toward the field's objective...
        int dir_cell = -1;            ///< ...for this nav cell...
        std::uint32_t dir_tick = 0;   ///< ...computed at this tick...
        std::uint8_t dir_field = 255; ///< ...from this field
        std::vector<Vec2> path;       ///< A* waypoints toward `goal` when it is out of sight
        std::size_t path_next = 0;
        Vec2 avoid{}; ///< local avoidance push, refreshed every third tick
    };

    void prepare(const sim::World& world, Executor& exec);
    /// Makes brains for new bot slots, spread over ticks (see bots.cpp). Serial.
    void grow_brains(const sim::Players& p);
    /// Starts, continues and completes the shared flow-field searches (CTF). Serial decisions,
    /// slices in parallel over fields.
    void update_fields(const sim::World& world, Executor& exec);
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
    float decision_scale_ = 1.0f;
    NavGrid nav_;
    bool nav_built_ = false;
    std::vector<std::uint8_t> wall_alive_seen_;
    world::EntityGrid pickup_grid_; ///< pickup spots by cell (static per map)
    // Double-buffered fields: bots read fields_[f] (complete) while searches_[f] is computed in
    // slices; the two swap (no copy, no allocation) when the search completes.
    std::array<FlowField, kFieldCount> fields_;
    std::array<FlowField, kFieldCount> searches_;
    std::array<std::uint32_t, kFieldCount> search_tick_{}; ///< tick the newest search began
    std::array<bool, kFieldCount> field_valid_{};          ///< fields_[f] holds a complete search
    std::array<bool, kFieldCount> searching_{};            ///< searches_[f] is under way
    std::array<Vec2, kFieldCount> field_goal_{};           ///< where each objective is this tick
    std::vector<Brain> brains_;
    std::vector<PathScratch> scratch_; ///< one per worker
    struct RoleCandidate {
        float d2; ///< squared distance to where the role is needed
        std::uint32_t slot;
    };
    std::vector<RoleCandidate> role_pool_; ///< scratch for assign_roles
    std::vector<sim::Input> inputs_;
    std::vector<Vec2> prev_pos_; ///< every player's position one tick ago (velocity estimates)
    /// What each bot did this tick (written by its own worker, summed serially).
    static constexpr std::uint8_t kStuck = 1, kDecided = 2;
    std::vector<std::uint8_t> tick_flags_;
    BotStats stats_;
};

} // namespace mgs::ai
