#pragma once
// Two-dimensional vector in world units (wu). +x is right, +y is down (GAMEPLAY.md).
// Plain float arithmetic only: the build disables FMA contraction so results are the same
// at every optimisation level, which the determinism tests depend on.
#include <cmath>

namespace mgs {

struct Vec2 {
    float x = 0.0f;
    float y = 0.0f;

    constexpr Vec2& operator+=(Vec2 o) noexcept {
        x += o.x;
        y += o.y;
        return *this;
    }
    constexpr Vec2& operator-=(Vec2 o) noexcept {
        x -= o.x;
        y -= o.y;
        return *this;
    }
    constexpr Vec2& operator*=(float s) noexcept {
        x *= s;
        y *= s;
        return *this;
    }
    friend constexpr Vec2 operator+(Vec2 a, Vec2 b) noexcept { return {a.x + b.x, a.y + b.y}; }
    friend constexpr Vec2 operator-(Vec2 a, Vec2 b) noexcept { return {a.x - b.x, a.y - b.y}; }
    friend constexpr Vec2 operator-(Vec2 a) noexcept { return {-a.x, -a.y}; }
    friend constexpr Vec2 operator*(Vec2 a, float s) noexcept { return {a.x * s, a.y * s}; }
    friend constexpr Vec2 operator*(float s, Vec2 a) noexcept { return {a.x * s, a.y * s}; }
    friend constexpr bool operator==(Vec2 a, Vec2 b) noexcept = default;
};

[[nodiscard]] constexpr float dot(Vec2 a, Vec2 b) noexcept {
    return a.x * b.x + a.y * b.y;
}
[[nodiscard]] constexpr float cross(Vec2 a, Vec2 b) noexcept {
    return a.x * b.y - a.y * b.x;
}
[[nodiscard]] constexpr float length_sq(Vec2 a) noexcept {
    return dot(a, a);
}
[[nodiscard]] inline float length(Vec2 a) noexcept {
    return std::sqrt(length_sq(a));
}
[[nodiscard]] constexpr float distance_sq(Vec2 a, Vec2 b) noexcept {
    return length_sq(a - b);
}
[[nodiscard]] inline float distance(Vec2 a, Vec2 b) noexcept {
    return length(a - b);
}

/// Unit vector in the direction of `a`, or {0,0} when `a` is (almost) zero.
[[nodiscard]] inline Vec2 normalized(Vec2 a) noexcept {
    const float len = length(a);
    return len > 1e-6f ? Vec2{a.x / len, a.y / len} : Vec2{};
}

/// Unit vector for an angle in radians (0 points at +x).
[[nodiscard]] inline Vec2 from_angle(float radians) noexcept {
    return {std::cos(radians), std::sin(radians)};
}

[[nodiscard]] constexpr float clampf(float v, float lo, float hi) noexcept {
    return v < lo ? lo : (v > hi ? hi : v);
}

inline constexpr float kPi = 3.14159265358979323846f;

/// Wraps an angle into [-pi, pi).
[[nodiscard]] inline float wrap_angle(float a) noexcept {
    a = std::fmod(a + kPi, 2.0f * kPi);
    if (a < 0.0f) a += 2.0f * kPi;
    return a - kPi;
}

} // namespace mgs
