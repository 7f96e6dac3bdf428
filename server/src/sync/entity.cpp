#include "sync/entity.hpp"

#include <cmath>
#include <iterator>
#include <numbers>

namespace mgs::sync {
namespace {

// The field tables: one per kind, in wire order (the enums of entity.hpp index them). Changing a
// width changes the wire format: update docs/protocol.md and the TypeScript tables with it.
constexpr FieldSpec kPlayerFields[] = {
    {"x", 18, 8},     {"y", 18, 8},   {"aim", 8, 5},    {"health", 7, 4}, {"shield", 6, 0},
    {"weapon", 3, 0}, {"team", 2, 0}, {"status", 7, 0}, {"id", 16, 0},
};
constexpr FieldSpec kProjectileFields[] = {
    {"x", 18, 0}, {"y", 18, 0}, {"angle", 8, 0}, {"weapon", 3, 0}, {"spawn_tick", 16, 0},
};
constexpr FieldSpec kPickupFields[] = {
    {"index", 16, 0},
    {"available", 1, 0},
};
constexpr FieldSpec kWallFields[] = {
    {"index", 16, 0},
    {"health", 9, 6},
};
constexpr FieldSpec kFlagFields[] = {
    {"x", 18, 8},
    {"y", 18, 8},
    {"team", 1, 0},
    {"state", 2, 0},
};

static_assert(std::size(kPlayerFields) == kPlayerFieldCount);
static_assert(std::size(kProjectileFields) == kProjFieldCount);
static_assert(std::size(kPickupFields) == kPickupFieldCount);
static_assert(std::size(kWallFields) == kWallFieldCount);
static_assert(std::size(kFlagFields) == kFlagFieldCount);
static_assert(kPlayerFieldCount <= kMaxFields && kProjFieldCount <= kMaxFields);

constexpr std::uint32_t kPositionMax = (1u << 18) - 1;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

} // namespace

std::span<const FieldSpec> fields(EntityKind kind) noexcept {
    switch (kind) {
    case EntityKind::Player:
        return kPlayerFields;
    case EntityKind::Projectile:
        return kProjectileFields;
    case EntityKind::Pickup:
        return kPickupFields;
    case EntityKind::Wall:
        return kWallFields;
    case EntityKind::Flag:
        return kFlagFields;
    case EntityKind::Count:
        break;
    }
    return {};
}

std::uint32_t quantise_position(float wu) noexcept {
    const double scaled = static_cast<double>(wu) * 8.0;
    if (!(scaled > 0.0)) { // negative, zero or NaN
        return 0;
    }
    if (scaled >= static_cast<double>(kPositionMax)) { // includes +inf
        return kPositionMax;
    }
    return static_cast<std::uint32_t>(std::round(scaled));
}

float dequantise_position(std::uint32_t q) noexcept {
    return static_cast<float>(q) * 0.125f;
}

std::uint32_t quantise_angle(float radians) noexcept {
    if (!std::isfinite(radians)) {
        return 0;
    }
    double a = std::fmod(static_cast<double>(radians), kTwoPi); // (-2pi, 2pi)
    if (a < 0.0) {
        a += kTwoPi;
    }
    // a in [0, 2pi]: 2pi itself (from rounding of a tiny negative angle) rounds to 256 -> 0.
    return static_cast<std::uint32_t>(std::round(a / kTwoPi * 256.0)) & 0xffu;
}

float dequantise_angle(std::uint32_t q) noexcept {
    return static_cast<float>(static_cast<double>(q & 0xffu) * (kTwoPi / 256.0));
}

} // namespace mgs::sync
