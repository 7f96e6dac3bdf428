#pragma once
// The one input structure of the game. A human's client sends it over the network and the AI
// writes it for bots, so a bot can never do anything a player cannot. The simulation validates
// every field (clamps movement, ignores weapons not carried, enforces cooldowns).
#include <cstdint>

namespace mgs::sim {

enum InputButton : std::uint8_t {
    kButtonFire = 1u << 0,
    kButtonMelee = 1u << 1,
    kButtonReload = 1u << 2,
};

struct Input {
    std::uint32_t seq = 0;        ///< client's input sequence number (echoed for reconciliation)
    std::int8_t move_x = 0;       ///< -1, 0, 1: screen-relative, +x right
    std::int8_t move_y = 0;       ///< -1, 0, 1: +y down
    std::uint8_t buttons = 0;     ///< InputButton bits
    std::int8_t weapon_slot = -1; ///< 0..3 selects pistol/shotgun/rifle/sniper; -1 keeps the current
    float aim = 0.0f;             ///< radians, 0 = +x
};

} // namespace mgs::sim
