#pragma once
// What a load client does with its controls, tick by tick. Two behaviours:
//   walk   a random walk: a new direction (move_x, move_y in -1..1) every 0.5-2 s, a random aim,
//          fire held now and then.
//   fight  from the decoded view: move toward the nearest alive enemy (another team, or anyone in
//          free-for-all), aim at it, hold fire within ~600 wu, reload an empty magazine; random
//          walk when no enemy is in view or the own player is not in it.
// Seeded: the same seed and the same views give the same controls. Pure apart from its RNG.

#include "input_sender.hpp"

#include "core/rng.hpp"
#include "sync/delta.hpp"

#include <cstdint>
#include <span>

namespace mgs::loadgen {

/// The own player's ammunition from the newest Snapshot.me (OwnState).
struct OwnAmmo {
    bool known = false;
    std::uint8_t weapon = 0; ///< selected gun, 0..3
    std::int16_t magazine = 0;
    std::int16_t reserve = 0;           ///< -1 unlimited
    std::uint32_t reload_done_tick = 0; ///< 0: not reloading
};

/// The nearest alive enemy of `player_id` in a decoded view, relative to the own player.
struct Target {
    float dx_wu = 0.0f; ///< enemy minus own position, world axes (+x right, +y down)
    float dy_wu = 0.0f;
    float distance_wu = 0.0f;
    std::uint32_t slot = 0; ///< the enemy's world slot (low 16 bits)
};

/// Finds the nearest alive player of another team (any other player when the own team is 2,
/// free-for-all). False when the own player is not in the view, is dead, or has no enemy in view.
bool nearest_enemy(std::span<const sync::ViewEntry> view, std::uint32_t player_id, Target& out);

class Behaviour {
public:
    enum class Kind : std::uint8_t { Walk, Fight };
    /// Fire is held within this distance of the target.
    static constexpr float kFireRangeWu = 600.0f;
    /// Closer than this the player circles its target instead of running into it.
    static constexpr float kCloseRangeWu = 250.0f;

    Behaviour(Kind kind, std::uint64_t seed) : kind_(kind), rng_(seed) {}

    /// Controls for this tick, given the newest decoded view (may be empty) and own state.
    Controls decide(std::int64_t now_ms, std::span<const sync::ViewEntry> view, std::uint32_t player_id,
                    const OwnAmmo& ammo);
    /// Uniform draw in [lo, hi) from this client's RNG (also used for chat and scoreboard timing).
    float uniform(float lo, float hi) { return rng_.range(lo, hi); }

private:
    Controls walk(std::int64_t now_ms);

    Kind kind_;
    Rng rng_;
    std::int64_t next_change_ms_ = 0;
    Controls walk_;
    std::int8_t strafe_ = 1;
};

} // namespace mgs::loadgen
