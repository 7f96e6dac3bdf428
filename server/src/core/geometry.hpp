#pragma once
// Shapes and the few intersection tests the simulation needs: circle against axis-aligned box
// (movement), segment against box and segment against circle (swept projectiles).
#include "core/vec2.hpp"

#include <algorithm>
#include <optional>

namespace mgs {

/// Axis-aligned box [min, max] in world units.
struct Aabb {
    Vec2 min;
    Vec2 max;

    [[nodiscard]] constexpr float width() const noexcept { return max.x - min.x; }
    [[nodiscard]] constexpr float height() const noexcept { return max.y - min.y; }
    [[nodiscard]] constexpr Vec2 center() const noexcept {
        return {(min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f};
    }
    [[nodiscard]] constexpr Aabb inflated(float r) const noexcept {
        return {{min.x - r, min.y - r}, {max.x + r, max.y + r}};
    }
    [[nodiscard]] constexpr bool contains(Vec2 p) const noexcept {
        return p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y;
    }
    [[nodiscard]] constexpr bool overlaps(const Aabb& o) const noexcept {
        return min.x < o.max.x && o.min.x < max.x && min.y < o.max.y && o.min.y < max.y;
    }
    friend constexpr bool operator==(const Aabb&, const Aabb&) noexcept = default;
};

/// Closest point of `box` to `p`.
[[nodiscard]] constexpr Vec2 closest_point(const Aabb& box, Vec2 p) noexcept {
    return {clampf(p.x, box.min.x, box.max.x), clampf(p.y, box.min.y, box.max.y)};
}

/// True when the circle overlaps the box (touching counts as not overlapping).
[[nodiscard]] constexpr bool circle_overlaps_box(Vec2 c, float r, const Aabb& box) noexcept {
    return distance_sq(closest_point(box, c), c) < r * r;
}

/// Displacement that moves a circle out of a box along the shortest way, or {0,0} when they do
/// not overlap. A centre inside the box is pushed out through the nearest face.
[[nodiscard]] inline Vec2 circle_box_push(Vec2 c, float r, const Aabb& box) noexcept {
    const Vec2 q = closest_point(box, c);
    const Vec2 d = c - q;
    const float d2 = length_sq(d);
    if (d2 >= r * r) return {};
    if (d2 > 1e-12f) {
        const float len = std::sqrt(d2);
        return d * ((r - len) / len);
    }
    // Centre inside the box: leave through the closest face.
    const float left = c.x - box.min.x, right = box.max.x - c.x;
    const float top = c.y - box.min.y, bottom = box.max.y - c.y;
    const float m = std::min(std::min(left, right), std::min(top, bottom));
    if (m == left) return {-(left + r), 0.0f};
    if (m == right) return {right + r, 0.0f};
    if (m == top) return {0.0f, -(top + r)};
    return {0.0f, bottom + r};
}

/// First parameter t in [0,1] at which the segment p + t*d enters the box (slab test), if any.
/// A segment that starts inside the box hits at t = 0.
[[nodiscard]] inline std::optional<float> segment_box(Vec2 p, Vec2 d, const Aabb& box) noexcept {
    float t0 = 0.0f, t1 = 1.0f;
    const float ps[2] = {p.x, p.y}, ds[2] = {d.x, d.y};
    const float mins[2] = {box.min.x, box.min.y}, maxs[2] = {box.max.x, box.max.y};
    for (int a = 0; a < 2; ++a) {
        if (std::abs(ds[a]) < 1e-12f) {
            if (ps[a] < mins[a] || ps[a] > maxs[a]) return std::nullopt;
            continue;
        }
        const float inv = 1.0f / ds[a];
        float ta = (mins[a] - ps[a]) * inv, tb = (maxs[a] - ps[a]) * inv;
        if (ta > tb) std::swap(ta, tb);
        t0 = std::max(t0, ta);
        t1 = std::min(t1, tb);
        if (t0 > t1) return std::nullopt;
    }
    return t0;
}

/// First parameter t in [0,1] at which the segment p + t*d touches the circle (c, r), if any.
/// A segment that starts inside the circle hits at t = 0.
[[nodiscard]] inline std::optional<float> segment_circle(Vec2 p, Vec2 d, Vec2 c, float r) noexcept {
    const Vec2 m = p - c;
    const float cc = length_sq(m) - r * r;
    if (cc <= 0.0f) return 0.0f;
    const float a = length_sq(d);
    if (a < 1e-12f) return std::nullopt;
    const float b = dot(m, d);
    if (b >= 0.0f) return std::nullopt; // moving away
    const float disc = b * b - a * cc;
    if (disc < 0.0f) return std::nullopt;
    const float t = (-b - std::sqrt(disc)) / a;
    if (t < 0.0f || t > 1.0f) return std::nullopt;
    return t;
}

} // namespace mgs
