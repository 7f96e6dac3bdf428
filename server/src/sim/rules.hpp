#pragma once
// Every gameplay number of GAMEPLAY.md as a value with its default. app/config fills a Rules
// from the TOML file, MGS_* environment variables and flags; the simulation only reads it.
// Times are in seconds here and converted to ticks once, when a World is created.
#include "world/map.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace mgs::sim {

enum class Mode : std::uint8_t { FreeForAll = 0, TeamDeathmatch = 1, CaptureTheFlag = 2 };

enum class WeaponKind : std::uint8_t { Pistol = 0, Shotgun = 1, Rifle = 2, Sniper = 3, Melee = 4, Count = 5 };
inline constexpr int kWeaponCount = static_cast<int>(WeaponKind::Count);
/// Weapons that fire projectiles and have a magazine (all but melee).
inline constexpr int kGunCount = 4;

/// Index (as std::size_t, for the per-weapon arrays) of the gun a weapon crate gives:
/// ShotgunCrate -> Shotgun, RifleCrate -> Rifle, SniperCrate -> Sniper.
[[nodiscard]] constexpr std::size_t crate_gun(world::PickupKind k) noexcept {
    return static_cast<std::size_t>(k) - static_cast<std::size_t>(world::PickupKind::ShotgunCrate) +
           static_cast<std::size_t>(WeaponKind::Shotgun);
}

struct WeaponSpec {
    float damage = 8.0f;     ///< per projectile (per pellet for the shotgun), or per melee hit
    int pellets = 1;         ///< projectiles per shot
    float cooldown_s = 0.6f; ///< minimum time between shots
    int magazine = 7;        ///< rounds per magazine (0 for melee)
    float reload_s = 1.5f;
    float projectile_speed = 450.0f; ///< wu/s
    float lifetime_s = 2.0f;
    float spread_rad = 0.0f;   ///< pellets are spread uniformly in [-spread, +spread]
    float range = 0.0f;        ///< melee reach from the attacker's centre (wu)
    float arc_rad = 0.0f;      ///< melee full arc width
    int reserve_magazines = 0; ///< spare magazines a crate gives (pistol: unlimited)
};

struct Rules {
    Mode mode = Mode::CaptureTheFlag;
    int tick_hz = 30;

    // Players
    float player_radius = 15.0f;
    float max_health = 100.0f;
    float speed = 150.0f; ///< wu/s
    float respawn_s = 5.0f;
    float spawn_protection_s = 2.0f;
    float separation_strength = 0.5f; ///< fraction of an overlap two players resolve per tick each

    // Weapons (indexed by WeaponKind)
    std::array<WeaponSpec, kWeaponCount> weapons = {{
        {8.0f, 1, 0.6f, 7, 1.5f, 450.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0},       // pistol
        {7.0f, 8, 0.8f, 5, 2.5f, 400.0f, 1.2f, 0.4f, 0.0f, 0.0f, 3},       // shotgun
        {10.0f, 1, 0.1f, 30, 2.0f, 550.0f, 2.5f, 0.0f, 0.0f, 0.0f, 3},     // rifle
        {50.0f, 1, 1.2f, 5, 3.0f, 700.0f, 4.0f, 0.0f, 0.0f, 0.0f, 3},      // sniper
        {30.0f, 0, 0.5f, 0, 0.0f, 0.0f, 0.0f, 0.0f, 50.0f, 1.0471976f, 0}, // melee: 50 wu, 60 degrees
    }};
    bool friendly_fire = false;

    // Pickups
    float pickup_radius = 25.0f;
    float health_pickup = 50.0f;
    float shield_pickup = 50.0f;
    float max_shield = 50.0f;
    float boost_s = 10.0f;
    float speed_boost = 1.5f;
    float damage_boost = 1.5f;
    /// Respawn time per world::PickupKind.
    std::array<float, static_cast<int>(world::PickupKind::Count)> pickup_respawn_s = {
        10.0f, 10.0f, 15.0f, 15.0f, 15.0f, 20.0f, 20.0f, 20.0f};

    // Destructible walls: respawn after wall_respawn_s[i] when max health <= wall_respawn_health[i]
    std::array<float, 3> wall_respawn_s = {30.0f, 60.0f, 90.0f};
    std::array<float, 2> wall_respawn_health = {100.0f, 200.0f};

    // Match
    float time_limit_s = 300.0f;
    int ffa_score_limit = 0;  ///< 0: no score limit (time only)
    int tdm_score_limit = 50; ///< team points
    int ctf_capture_limit = 3;
    float ended_s = 10.0f;         ///< length of the results screen
    bool bots_only_matches = true; ///< start a match without humans (bots only)
    bool regenerate_map = false;   ///< new map seed for every match

    // Flags
    float flag_radius = 20.0f; ///< touch distance added to the player radius
    float flag_return_s = 30.0f;

    // Scoring
    int kill_score = 100;
    int capture_score = 100;
    int return_score = 25;
    int assist_score = 50;
    int team_kill_score = -200;
    float assist_window_s = 5.0f;

    // Spawning
    float spawn_safe_radius = 600.0f; ///< enemies within this distance make a spawn point unsafe
    /// {x, y, width, height}: when width and height are > 0, everyone spawns at a random point of
    /// this rectangle instead of at the map's spawn points (load tests: a crowd in one place).
    std::array<float, 4> spawn_area{};
};

} // namespace mgs::sim
