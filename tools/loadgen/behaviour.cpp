#include "behaviour.hpp"

#include "sync/entity.hpp"

#include <cmath>
#include <numbers>

namespace mgs::loadgen {

namespace {

constexpr float kWuPerUnit = 1.0f / 8.0f; // positions are quantised to 1/8 wu
constexpr std::uint32_t kTeamNone = 2;    // free-for-all

bool alive_player(const sync::QEntity& e) {
    return e.kind == sync::EntityKind::Player && (e.f[sync::kPlayerStatus] & sync::kStatusAlive) != 0;
}

std::int8_t sign_beyond(float v, float dead_zone) {
    return v > dead_zone ? std::int8_t{1} : v < -dead_zone ? std::int8_t{-1} : std::int8_t{0};
}

} // namespace

bool nearest_enemy(std::span<const sync::ViewEntry> view, std::uint32_t player_id, Target& out) {
    const std::uint32_t own_slot = player_id & 0xFFFFu; // the id field carries the low 16 bits
    const sync::QEntity* self = nullptr;
    for (const auto& e : view) {
        if (e.entity.kind == sync::EntityKind::Player && e.entity.f[sync::kPlayerId] == own_slot) {
            self = &e.entity;
            break;
        }
    }
    if (self == nullptr || !alive_player(*self)) {
        return false;
    }
    const std::uint32_t team = self->f[sync::kPlayerTeam];
    const auto sx = static_cast<float>(self->f[sync::kPlayerX]);
    const auto sy = static_cast<float>(self->f[sync::kPlayerY]);
    float best = INFINITY;
    for (const auto& e : view) {
        const sync::QEntity& q = e.entity;
        if (!alive_player(q) || q.f[sync::kPlayerId] == own_slot ||
            (team != kTeamNone && q.f[sync::kPlayerTeam] == team)) {
            continue;
        }
        const float dx = (static_cast<float>(q.f[sync::kPlayerX]) - sx) * kWuPerUnit;
        const float dy = (static_cast<float>(q.f[sync::kPlayerY]) - sy) * kWuPerUnit;
        const float d2 = dx * dx + dy * dy;
        if (d2 < best) {
            best = d2;
            out = {dx, dy, std::sqrt(d2), q.f[sync::kPlayerId]};
        }
    }
    return best != INFINITY;
}

Controls Behaviour::walk(std::int64_t now_ms) {
    if (now_ms >= next_change_ms_) {
        next_change_ms_ = now_ms + static_cast<std::int64_t>(rng_.range(500.0f, 2000.0f));
        walk_.move_x = static_cast<std::int8_t>(static_cast<int>(rng_.below(3)) - 1);
        walk_.move_y = static_cast<std::int8_t>(static_cast<int>(rng_.below(3)) - 1);
        walk_.aim = rng_.range(-std::numbers::pi_v<float>, std::numbers::pi_v<float>);
        walk_.buttons = rng_.chance(0.25f) ? kButtonFire : std::uint8_t{0};
        strafe_ = rng_.chance(0.5f) ? std::int8_t{1} : std::int8_t{-1};
    }
    return walk_;
}

Controls Behaviour::decide(std::int64_t now_ms, std::span<const sync::ViewEntry> view,
                           std::uint32_t player_id, const OwnAmmo& ammo) {
    Controls c = walk(now_ms); // also keeps the walk's timer and strafe direction moving
    Target t;
    if (kind_ != Kind::Fight || !nearest_enemy(view, player_id, t)) {
        return c;
    }
    c.aim = std::atan2(t.dy_wu, t.dx_wu);
    if (t.distance_wu > kCloseRangeWu) {
        // Toward it; the dead zone keeps a diagonal from zig-zagging on one axis.
        const float dead = t.distance_wu * 0.25f;
        c.move_x = sign_beyond(t.dx_wu, dead);
        c.move_y = sign_beyond(t.dy_wu, dead);
    } else {
        // Circle it: perpendicular to the line of sight, (-dy, dx) or (dy, -dx).
        const float dead = t.distance_wu * 0.25f;
        c.move_x = static_cast<std::int8_t>(sign_beyond(-t.dy_wu, dead) * strafe_);
        c.move_y = static_cast<std::int8_t>(sign_beyond(t.dx_wu, dead) * strafe_);
    }
    c.buttons = t.distance_wu <= kFireRangeWu ? kButtonFire : std::uint8_t{0};
    if (ammo.known && ammo.magazine == 0 && ammo.reserve != 0 && ammo.reload_done_tick == 0) {
        c.buttons = kButtonReload;
    }
    return c;
}

} // namespace mgs::loadgen
