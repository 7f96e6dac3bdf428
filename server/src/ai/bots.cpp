#include "ai/bots.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::ai {

using sim::Flag;
using sim::FlagState;
using sim::kNoPlayer;
using sim::Mode;
using sim::WeaponKind;

void Bots::update(sim::World& world, Executor& exec) {
    const sim::Players& p = world.players();
    const std::size_t n = p.size();
    if (brains_.size() < n) {
        brains_.resize(n);
        inputs_.resize(n);
    }
    const auto period =
        std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(
                                       static_cast<float>(world.rules().tick_hz) / params_.decide_hz)));
    const std::uint32_t tick = world.tick();
    exec.for_ranges(n, 256, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (p.in_use[i] == 0 || p.is_bot[i] == 0) continue;
            const auto slot = static_cast<std::uint32_t>(i);
            Brain& b = brains_[i];
            if (b.generation != p.generation[i]) {
                b = Brain{};
                b.generation = p.generation[i];
                b.last_pos = p.pos[i];
            }
            if (p.alive[i] == 0) {
                inputs_[i] = sim::Input{};
                continue;
            }
            if ((tick + slot) % period == 0) decide(world, slot, b);
            inputs_[i] = steer(world, slot, b);
        }
    });
    for (std::uint32_t i = 0; i < n; ++i) {
        if (p.in_use[i] != 0 && p.is_bot[i] != 0) world.set_input(world.handle(i), inputs_[i]);
    }
}

void Bots::decide(const sim::World& world, std::uint32_t slot, Brain& b) const {
    const sim::Players& p = world.players();
    const Vec2 me = p.pos[slot];
    const std::uint32_t tick = world.tick();
    const std::uint64_t draw =
        hash_draw(world.map().seed, (static_cast<std::uint64_t>(b.generation) << 32) | slot, tick);

    // Target: the nearest enemy in view with a clear line of sight.
    std::uint32_t best = kNoPlayer;
    float best_d2 = params_.view_radius * params_.view_radius;
    world.player_grid().for_each_in_radius(me, params_.view_radius, [&](std::uint32_t j) {
        if (p.alive[j] == 0 || !world.hostile(slot, j)) return;
        const float d2 = distance_sq(p.pos[j], me);
        if (d2 < best_d2 || (d2 == best_d2 && j < best)) {
            if (!world.wall_grid().line_of_sight(me, p.pos[j], world.wall_alive().data())) return;
            best_d2 = d2;
            best = j;
        }
    });
    b.target = best;

    // Goal: the objective, else a random point nearby.
    const auto& flags = world.flags();
    bool has_goal = false;
    if (world.rules().mode == Mode::CaptureTheFlag && p.team[slot] != world::Team::None) {
        const auto own = static_cast<std::size_t>(p.team[slot]);
        const std::size_t enemy = 1 - own;
        const Flag& mine = flags[own];
        const Flag& theirs = flags[enemy];
        if (theirs.state == FlagState::Carried && theirs.carrier == slot) {
            b.goal = world.map().bases[own].flag_stand;
        } else if (mine.state != FlagState::Home && (slot % 3 == 0 || mine.state == FlagState::Dropped)) {
            b.goal = mine.pos;
        } else if (slot % 4 == 0) {
            b.goal = world.map().bases[own].flag_stand +
                     Vec2{unit_float(draw) * 300.0f - 150.0f, unit_float(mix64(draw)) * 300.0f - 150.0f};
        } else {
            b.goal = theirs.pos;
        }
        has_goal = true;
    }
    if (!has_goal && (distance_sq(b.goal, me) < 100.0f * 100.0f || b.goal == Vec2{})) {
        const Aabb bounds = world.map().bounds();
        b.goal = {clampf(me.x + unit_float(draw) * 1200.0f - 600.0f, 50.0f, bounds.max.x - 50.0f),
                  clampf(me.y + unit_float(mix64(draw)) * 1200.0f - 600.0f, 50.0f, bounds.max.y - 50.0f)};
    }
    // Stuck: barely moved since the last decision while heading somewhere: walk a random
    // heading for a second to get around the obstacle.
    // Blocked (barely moved since the last decision): side-step along the obstacle, at right
    // angles to the goal, alternating sides, for a random 1-2.5 s.
    if (distance_sq(me, b.last_pos) < 16.0f && tick >= b.unstick_until) {
        const Vec2 to_goal = b.goal - me;
        b.side = !b.side;
        b.wander = std::atan2(to_goal.y, to_goal.x) + (b.side ? 0.5f : -0.5f) * kPi;
        const float secs = 1.0f + 1.5f * unit_float(mix64(draw ^ 0xabcdefULL));
        b.unstick_until = tick + static_cast<std::uint32_t>(secs * static_cast<float>(world.rules().tick_hz));
    }
    b.last_pos = me;
}

sim::Input Bots::steer(const sim::World& world, std::uint32_t slot, Brain& b) const {
    const sim::Players& p = world.players();
    const Vec2 me = p.pos[slot];
    const std::uint32_t tick = world.tick();
    sim::Input in;
    in.seq = ++b.seq;
    Vec2 dir = tick < b.unstick_until ? from_angle(b.wander) : b.goal - me;
    const float len = length(dir);
    if (len > 8.0f) {
        dir = dir * (1.0f / len);
        in.move_x = static_cast<std::int8_t>(dir.x > 0.38f ? 1 : (dir.x < -0.38f ? -1 : 0));
        in.move_y = static_cast<std::int8_t>(dir.y > 0.38f ? 1 : (dir.y < -0.38f ? -1 : 0));
    }
    in.aim = p.aim[slot];
    const std::uint32_t t = b.target;
    if (t != kNoPlayer && t < p.size() && p.alive[t] != 0 &&
        distance_sq(p.pos[t], me) <= params_.view_radius * params_.view_radius) {
        const Vec2 d = p.pos[t] - me;
        const float dist = length(d);
        const std::uint64_t draw = hash_draw(world.map().seed ^ 0x5bd1e995ULL, slot, tick);
        in.aim = std::atan2(d.y, d.x) + (unit_float(draw) * 2.0f - 1.0f) * params_.aim_error_rad;
        // Weapon by range among the guns carried.
        const std::uint8_t owned = p.owned[slot];
        auto has = [&](WeaponKind w) { return (owned & (1u << static_cast<unsigned>(w))) != 0; };
        WeaponKind w = WeaponKind::Pistol;
        if (dist < 200.0f && has(WeaponKind::Shotgun))
            w = WeaponKind::Shotgun;
        else if (dist > 450.0f && has(WeaponKind::Sniper))
            w = WeaponKind::Sniper;
        else if (has(WeaponKind::Rifle))
            w = WeaponKind::Rifle;
        in.weapon_slot = static_cast<std::int8_t>(w);
        in.buttons = sim::kButtonFire;
        if (dist < world.rules().weapons[static_cast<std::size_t>(WeaponKind::Melee)].range +
                       world.rules().player_radius)
            in.buttons = static_cast<std::uint8_t>(in.buttons | sim::kButtonMelee);
        // Strafe while shooting.
        if (tick < b.unstick_until) return in;
        const bool left = ((tick / 20u + slot) & 1u) != 0;
        const Vec2 side = left ? Vec2{-d.y, d.x} : Vec2{d.y, -d.x};
        in.move_x =
            static_cast<std::int8_t>(side.x > 0.3f * dist ? 1 : (side.x < -0.3f * dist ? -1 : in.move_x));
        in.move_y =
            static_cast<std::int8_t>(side.y > 0.3f * dist ? 1 : (side.y < -0.3f * dist ? -1 : in.move_y));
    } else {
        in.buttons = 0;
        if (p.magazine[slot][static_cast<std::size_t>(p.weapon[slot])] <
            world.rules().weapons[static_cast<std::size_t>(p.weapon[slot])].magazine)
            in.buttons = sim::kButtonReload;
    }
    return in;
}

} // namespace mgs::ai
