#pragma once
// Quantised entity state: what a client reconstructs, exactly, from snapshots. One table of fields
// per entity kind drives both the encoder (C++) and the decoder (C++ here, TypeScript in the
// client), as in Quake 3's msg.c: a field has a width in bits and, for fields that change a little
// at a time, a narrower signed delta width used when the change fits.
//
// Units after quantisation:
//   position   1/8 wu, unsigned, 18 bits (0 .. 32767.875 wu; the massive map is 32000 wu)
//   angle      1/256 turn, 8 bits (0 = +x, counter-clockwise as atan2 in world axes)
//   health     whole points 0..127 (7 bits); shield 0..63 (6 bits)
//   wall hp    whole points 0..511 (9 bits)
// Projectiles fly straight at their weapon's speed: the client extrapolates them from the spawn
// position, angle and spawn tick, so a flying projectile never changes (1 bit per snapshot).

#include <array>
#include <cstdint>
#include <span>

namespace mgs::sync {

enum class EntityKind : std::uint8_t {
    Player = 0,
    Projectile = 1,
    Pickup = 2,
    Wall = 3,
    Flag = 4,
    Count = 5
};

inline constexpr int kMaxFields = 12;

/// One field of an entity kind's table.
struct FieldSpec {
    const char* name;
    std::uint8_t bits;       ///< full width (unsigned)
    std::uint8_t delta_bits; ///< signed delta width when the change fits; 0 = always full
};

/// Player fields, in wire order.
enum PlayerField : std::uint8_t {
    kPlayerX,      // 18 bits, 1/8 wu
    kPlayerY,      // 18 bits
    kPlayerAim,    // 8 bits, 1/256 turn
    kPlayerHealth, // 7 bits
    kPlayerShield, // 6 bits
    kPlayerWeapon, // 3 bits: WeaponKind of the selected gun
    kPlayerTeam,   // 2 bits: 0 red, 1 blue, 2 none
    kPlayerStatus, // 7 bits: kStatus* below
    kPlayerId,     // 16 bits: world player slot (names and scores come on the reliable channel)
    kPlayerFieldCount
};

/// Bits of kPlayerStatus.
enum PlayerStatus : std::uint8_t {
    kStatusAlive = 1,
    kStatusCarrying = 2,  // carries the enemy flag
    kStatusProtected = 4, // spawn protection
    kStatusSpeed = 8,     // speed boost
    kStatusDamage = 16,   // damage boost
    kStatusReloading = 32,
    kStatusFiring = 64, // holds the fire button this tick (muzzle flash while a shot leaves)
};

enum ProjectileField : std::uint8_t {
    kProjX,         // spawn position, 18 bits
    kProjY,         // 18 bits
    kProjAngle,     // 8 bits
    kProjWeapon,    // 3 bits
    kProjSpawnTick, // 16 bits: low 16 bits of the server tick it was fired on
    kProjFieldCount
};

enum PickupField : std::uint8_t {
    kPickupIndex,     // 16 bits: index in the map's pickup list (the client has the map)
    kPickupAvailable, // 1 bit
    kPickupFieldCount
};

enum WallField : std::uint8_t {
    kWallIndex,  // 16 bits: index in the map's wall list
    kWallHealth, // 9 bits; 0 = destroyed
    kWallFieldCount
};

enum FlagField : std::uint8_t {
    kFlagX,     // 18 bits
    kFlagY,     // 18 bits
    kFlagTeam,  // 1 bit
    kFlagState, // 2 bits: FlagState
    kFlagFieldCount
};

// The field tables: one per kind, in wire order (the enums above index them). Changing a width
// changes the wire format: update docs/protocol.md and the TypeScript tables with it.
inline constexpr FieldSpec kPlayerFields[] = {
    {"x", 18, 8},     {"y", 18, 8},   {"aim", 8, 5},    {"health", 7, 4}, {"shield", 6, 0},
    {"weapon", 3, 0}, {"team", 2, 0}, {"status", 7, 0}, {"id", 16, 0},
};
inline constexpr FieldSpec kProjectileFields[] = {
    {"x", 18, 0}, {"y", 18, 0}, {"angle", 8, 0}, {"weapon", 3, 0}, {"spawn_tick", 16, 0},
};
inline constexpr FieldSpec kPickupFields[] = {
    {"index", 16, 0},
    {"available", 1, 0},
};
inline constexpr FieldSpec kWallFields[] = {
    {"index", 16, 0},
    {"health", 9, 6},
};
inline constexpr FieldSpec kFlagFields[] = {
    {"x", 18, 8},
    {"y", 18, 8},
    {"team", 1, 0},
    {"state", 2, 0},
};

/// The field table of a kind.
[[nodiscard]] std::span<const FieldSpec> fields(EntityKind kind) noexcept;

/// A quantised entity: kind + field values (only the first fields(kind).size() are used; the
/// rest are 0). Equality is exact.
struct QEntity {
    EntityKind kind = EntityKind::Player;
    std::array<std::uint32_t, kMaxFields> f{};
    friend bool operator==(const QEntity&, const QEntity&) = default;
};

/// Quantisation helpers (the client's decoder inverts them).
[[nodiscard]] std::uint32_t quantise_position(float wu) noexcept; // clamps to the 18-bit range
[[nodiscard]] float dequantise_position(std::uint32_t q) noexcept;
[[nodiscard]] std::uint32_t quantise_angle(float radians) noexcept; // wraps
[[nodiscard]] float dequantise_angle(std::uint32_t q) noexcept;

} // namespace mgs::sync
