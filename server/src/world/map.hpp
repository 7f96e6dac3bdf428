#pragma once
// The static description of a world: its size, walls, pickup spots, team bases, flag stands
// and spawn points. A Map is produced once by the generator (map_gen.hpp) from a seed and never
// changes afterwards; what changes during play (wall health, pickups taken, flags carried)
// lives in the simulation (sim/), which refers to walls and pickups by their index here.
#include "core/geometry.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace mgs::world {

enum class Team : std::uint8_t { Red = 0, Blue = 1, None = 2 };

/// Kinds of pickup (GAMEPLAY.md "Pickups").
enum class PickupKind : std::uint8_t {
    Health = 0,
    Ammo,
    ShotgunCrate,
    RifleCrate,
    SniperCrate,
    SpeedBoost,
    DamageBoost,
    Shield,
    Count
};

/// An axis-aligned wall. max_health == 0 means indestructible.
struct WallDef {
    Aabb box;
    std::int16_t max_health = 0;

    [[nodiscard]] constexpr bool destructible() const noexcept { return max_health > 0; }
};

struct PickupSpot {
    Vec2 pos;
    PickupKind kind = PickupKind::Health;
};

struct TeamBase {
    Vec2 flag_stand; ///< where the team's flag sits at home; captures are scored here
    Aabb area;       ///< the base region (spawn area and base walls are inside it)
};

/// Parameters of the map generator. Defaults give the `arena` preset's map.
struct MapParams {
    float width = 1600.0f;
    float height = 1200.0f;
    std::uint64_t seed = 1;
    float player_radius = 15.0f;
    /// Obstacle clusters per million square wu of floor.
    float obstacles_per_mwu2 = 9.0f;
    /// Fraction of cover walls and nodes that are destructible.
    float destructible_fraction = 0.35f;
    /// Health values a destructible wall is drawn from.
    std::array<std::int16_t, 4> destructible_health = {120, 150, 200, 300};
    /// One pickup spot per this many square wu of open floor (250 x 250).
    float floor_per_pickup_wu2 = 62500.0f;
    /// Border wall thickness.
    float border_thickness = 32.0f;
};

struct Map {
    float width = 0.0f;
    float height = 0.0f;
    std::uint64_t seed = 0;
    std::vector<WallDef> walls; ///< border walls first, then the rest
    std::vector<PickupSpot> pickups;
    std::array<TeamBase, 2> bases{};              ///< indexed by Team (Red = 0, Blue = 1)
    std::array<std::vector<Vec2>, 2> team_spawns; ///< spawn points per team, in its own half
    std::vector<Vec2> ffa_spawns;                 ///< spawn points over the whole map (free-for-all)

    [[nodiscard]] Aabb bounds() const noexcept { return {{0.0f, 0.0f}, {width, height}}; }
};

} // namespace mgs::world
