#include "sync/entity.hpp"

#include <cmath>
#include <iterator>
#include <numbers>

namespace mgs::sync {
namespace {

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
