#pragma once
// What every client is told when its connection opens: the Welcome message.
#include <array>
#include <cstdint>
#include <vector>

namespace mgs::session {

/// The world as the Welcome describes it, set by the app from the configuration.
struct WorldInfo {
    std::uint16_t tick_hz = 30;
    std::uint16_t snapshot_hz = 20;
    std::uint64_t map_seed = 1;
    float map_width = 0;
    float map_height = 0;
    std::uint8_t mode = 2;
    float view_half_width = 1100;
    float view_half_height = 700;
    float player_radius = 15;
    float player_speed = 150;
    float speed_boost = 1.5f;
    float max_health = 100;
    float max_shield = 50;
    struct Weapon {
        float projectile_speed = 0;
        float lifetime_s = 0;
        float cooldown_s = 0;
        float reload_s = 0;
        std::int16_t magazine = 0;
        std::int16_t pellets = 0;
        float range = 0;
    };
    std::array<Weapon, 5> weapons{}; ///< pistol, shotgun, rifle, sniper, melee
};

/// Envelope{Welcome} for `player_id` (0xFFFFFFFF for a spectator), into `out` (replaced).
void encode_welcome(const WorldInfo& info, std::uint32_t player_id, std::vector<std::uint8_t>& out);

} // namespace mgs::session
