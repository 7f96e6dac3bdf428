// Weapons, projectiles, damage and kills.
#include "core/rng.hpp"
#include "sim/world.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::sim {

namespace {
constexpr std::uint8_t kHitNone = 0, kHitWall = 1, kHitPlayer = 2;

[[nodiscard]] std::size_t gun(WeaponKind w) {
    return static_cast<std::size_t>(w);
}
} // namespace

void World::reset_loadout(std::uint32_t p) {
    Players& pl = players_;
    pl.weapon[p] = WeaponKind::Pistol;
    pl.owned[p] = static_cast<std::uint8_t>((1u << gun(WeaponKind::Pistol)) | (1u << gun(WeaponKind::Melee)));
    for (std::size_t g = 0; g < kGunCount; ++g) {
        pl.magazine[p][g] = 0;
        pl.reserve[p][g] = 0;
    }
    pl.magazine[p][gun(WeaponKind::Pistol)] = static_cast<std::int16_t>(rules_.weapons[0].magazine);
    pl.reserve[p][gun(WeaponKind::Pistol)] = -1;
    pl.next_fire_tick[p] = 0;
    pl.next_melee_tick[p] = 0;
    pl.reload_done_tick[p] = 0;
    pl.speed_until[p] = 0;
    pl.damage_until[p] = 0;
    pl.shield[p] = 0.0f;
}

void World::phase_weapons() {
    Players& p = players_;
    const bool combat = combat_enabled();
    for (std::uint32_t i = 0; i < p.size(); ++i) {
        if (p.alive[i] == 0) continue;
        const Input& in = p.input[i];
        // Weapon selection: only weapons the player carries.
        if (in.weapon_slot >= 0 && in.weapon_slot < kGunCount) {
            const auto w = static_cast<WeaponKind>(in.weapon_slot);
            if ((p.owned[i] & (1u << gun(w))) != 0 && w != p.weapon[i]) {
                p.weapon[i] = w;
                p.reload_done_tick[i] = 0;
            }
        }
        const std::size_t g = gun(p.weapon[i]);
        const WeaponSpec& spec = rules_.weapons[g];
        auto& mag = p.magazine[i][g];
        auto& res = p.reserve[i][g];
        // Finish a reload.
        if (p.reload_done_tick[i] != 0 && tick_ >= p.reload_done_tick[i]) {
            const int need = spec.magazine - mag;
            const int take = res < 0 ? need : std::min<int>(need, res);
            mag = static_cast<std::int16_t>(mag + take);
            if (res >= 0) res = static_cast<std::int16_t>(res - take);
            p.reload_done_tick[i] = 0;
        }
        const bool reloading = p.reload_done_tick[i] != 0;
        const bool can_reload = mag < spec.magazine && res != 0;
        if (!reloading && can_reload && ((in.buttons & kButtonReload) != 0 || mag == 0)) {
            p.reload_done_tick[i] = tick_ + std::max<std::uint32_t>(1, ticks_of(spec.reload_s));
        }
        if (!combat) continue;
        if ((in.buttons & kButtonFire) != 0 && p.reload_done_tick[i] == 0 && mag > 0 &&
            tick_ >= p.next_fire_tick[i]) {
            mag = static_cast<std::int16_t>(mag - 1);
            p.next_fire_tick[i] = tick_ + ticks_of(spec.cooldown_s);
            p.protected_until[i] = 0; // firing breaks spawn protection
            fire(i, p.weapon[i]);
            if (mag == 0 && res != 0)
                p.reload_done_tick[i] = tick_ + std::max<std::uint32_t>(1, ticks_of(spec.reload_s));
        }
        if ((in.buttons & kButtonMelee) != 0 && tick_ >= p.next_melee_tick[i]) {
            p.next_melee_tick[i] = tick_ + ticks_of(rules_.weapons[gun(WeaponKind::Melee)].cooldown_s);
            p.protected_until[i] = 0;
            melee(i);
        }
    }
}

void World::fire(std::uint32_t p, WeaponKind w) {
    const WeaponSpec& spec = rules_.weapons[gun(w)];
    const float damage = spec.damage * (tick_ < players_.damage_until[p] ? rules_.damage_boost : 1.0f);
    const std::uint64_t stream = (static_cast<std::uint64_t>(players_.generation[p]) << 32) | p;
    for (int k = 0; k < spec.pellets; ++k) {
        float angle = players_.aim[p];
        if (spec.spread_rad > 0.0f) {
            const float u = unit_float(
                hash_draw(map_.seed ^ match_.number, stream,
                          static_cast<std::uint64_t>(tick_) * 64u + static_cast<std::uint64_t>(k)));
            angle += (u * 2.0f - 1.0f) * spec.spread_rad;
        }
        spawn_projectile(p, w, from_angle(angle), damage);
    }
    ++totals_.shots;
    emit(
        {.type = EventType::ShotFired, .kind = static_cast<std::uint8_t>(w), .a = p, .pos = players_.pos[p]});
}

void World::spawn_projectile(std::uint32_t p, WeaponKind w, Vec2 dir, float damage) {
    Projectiles& pr = proj_;
    std::uint32_t s = 0;
    if (!pr.free_slots.empty()) {
        s = pr.free_slots.back();
        pr.free_slots.pop_back();
    } else {
        s = static_cast<std::uint32_t>(pr.size());
        const std::size_t n = pr.size() + 1;
        pr.pos.resize(n);
        pr.vel.resize(n);
        pr.damage.resize(n);
        pr.owner.resize(n);
        pr.owner_gen.resize(n);
        pr.expire_tick.resize(n);
        pr.origin.resize(n);
        pr.fired_tick.resize(n);
        pr.team.resize(n);
        pr.weapon.resize(n);
        pr.active.resize(n);
        pr.hit_kind.resize(n);
        pr.hit_index.resize(n);
        pr.hit_t.resize(n);
    }
    const WeaponSpec& spec = rules_.weapons[gun(w)];
    pr.pos[s] = players_.pos[p];
    pr.vel[s] = dir * spec.projectile_speed;
    pr.damage[s] = damage;
    pr.owner[s] = p;
    pr.owner_gen[s] = players_.generation[p];
    pr.expire_tick[s] = tick_ + std::max<std::uint32_t>(1, ticks_of(spec.lifetime_s));
    pr.origin[s] = players_.pos[p];
    pr.fired_tick[s] = tick_;
    pr.team[s] = players_.team[p];
    pr.weapon[s] = w;
    pr.active[s] = 1;
    pr.hit_kind[s] = kHitNone;
    ++pr.live;
}

void World::melee(std::uint32_t p) {
    const WeaponSpec& spec = rules_.weapons[gun(WeaponKind::Melee)];
    const Vec2 origin = players_.pos[p];
    const Vec2 facing = from_angle(players_.aim[p]);
    const float reach = spec.range + rules_.player_radius;
    const float cos_half = std::cos(spec.arc_rad * 0.5f);
    const float damage = spec.damage * (tick_ < players_.damage_until[p] ? rules_.damage_boost : 1.0f);
    emit({.type = EventType::Melee, .a = p, .pos = origin});
    // Every enemy whose centre is within reach, inside the arc and not behind a wall is hit;
    // victims are collected first and hit in slot order so the outcome is order-independent.
    std::array<std::uint32_t, 32> victims{};
    std::size_t count = 0;
    grid_.for_each_in_rect(Aabb{origin, origin}.inflated(reach + kGridSlack), [&](std::uint32_t j) {
        if (players_.alive[j] == 0 || !hostile(p, j) || count == victims.size()) return;
        const Vec2 d = players_.pos[j] - origin;
        const float dist2 = length_sq(d);
        if (dist2 > reach * reach) return;
        const float dist = std::sqrt(dist2);
        if (dist > 1e-4f && dot(d, facing) < cos_half * dist) return;
        if (!walls_.line_of_sight(origin, players_.pos[j], wall_alive_.data())) return;
        victims[count++] = j;
    });
    std::sort(victims.begin(), victims.begin() + static_cast<std::ptrdiff_t>(count));
    for (std::size_t k = 0; k < count; ++k) apply_damage(victims[k], p, damage, WeaponKind::Melee);
}

void World::phase_projectiles(Executor& exec) {
    Projectiles& pr = proj_;
    const float r = rules_.player_radius;
    const bool ff = rules_.friendly_fire || !team_mode();
    // Parallel sweep: each projectile finds its first hit along this tick's path. Reads only.
    exec.for_ranges(pr.size(), 1024, [&](std::size_t begin, std::size_t end) {
        for (std::size_t s = begin; s < end; ++s) {
            if (pr.active[s] == 0) continue;
            const Vec2 from = pr.pos[s];
            const Vec2 d = pr.vel[s] * dt_;
            std::uint8_t kind = kHitNone;
            std::uint32_t index = 0;
            float best = 2.0f;
            if (auto hit = walls_.raycast(from, from + d, wall_alive_.data())) {
                kind = kHitWall;
                index = hit->wall;
                best = hit->t;
            }
            const Aabb sweep{{std::min(from.x, from.x + d.x), std::min(from.y, from.y + d.y)},
                             {std::max(from.x, from.x + d.x), std::max(from.y, from.y + d.y)}};
            grid_.for_each_in_rect(sweep.inflated(r + kGridSlack), [&](std::uint32_t j) {
                if (players_.alive[j] == 0 || j == pr.owner[s]) return;
                if (!ff && players_.team[j] == pr.team[s]) return; // friendly shots pass through
                if (auto t = segment_circle(from, d, players_.pos[j], r)) {
                    if (*t < best || (*t == best && kind == kHitPlayer && j < index)) {
                        best = *t;
                        kind = kHitPlayer;
                        index = j;
                    }
                }
            });
            pr.hit_kind[s] = kind;
            pr.hit_index[s] = index;
            pr.hit_t[s] = best;
        }
    });
    // Serial resolution in slot order: damage, wall destruction and events are deterministic.
    for (std::uint32_t s = 0; s < pr.size(); ++s) {
        if (pr.active[s] == 0) continue;
        const std::uint32_t owner = (pr.owner[s] < players_.size() && players_.in_use[pr.owner[s]] != 0 &&
                                     players_.generation[pr.owner[s]] == pr.owner_gen[s])
                                        ? pr.owner[s]
                                        : kNoPlayer;
        bool done = false;
        if (pr.hit_kind[s] != kHitNone) {
            const Vec2 at = pr.pos[s] + pr.vel[s] * (dt_ * pr.hit_t[s]);
            const std::uint32_t idx = pr.hit_index[s];
            if (pr.hit_kind[s] == kHitPlayer) {
                apply_damage(idx, owner, pr.damage[s], pr.weapon[s]);
                emit({.type = EventType::Impact, .kind = 1, .a = owner, .b = idx, .pos = at});
            } else {
                emit({.type = EventType::Impact, .kind = 0, .a = owner, .index = idx, .pos = at});
                if (map_.walls[idx].destructible() && wall_alive_[idx] != 0 && combat_enabled()) {
                    wall_health_[idx] -= pr.damage[s];
                    if (wall_health_[idx] <= 0.0f) {
                        destroy_wall(idx);
                        emit({.type = EventType::WallDestroyed, .a = owner, .index = idx, .pos = at});
                    } else {
                        emit({.type = EventType::WallDamaged,
                              .a = owner,
                              .index = idx,
                              .value = wall_health_[idx]});
                    }
                }
            }
            done = true;
        } else {
            pr.pos[s] += pr.vel[s] * dt_;
            done = tick_ >= pr.expire_tick[s] || !map_.bounds().contains(pr.pos[s]);
        }
        if (done) {
            pr.active[s] = 0;
            pr.free_slots.push_back(s);
            --pr.live;
        }
    }
}

float World::apply_damage(std::uint32_t victim, std::uint32_t attacker, float amount, WeaponKind weapon) {
    Players& p = players_;
    if (victim >= p.size() || p.alive[victim] == 0 || !combat_enabled()) return 0.0f;
    if (tick_ < p.protected_until[victim]) return 0.0f;
    if (attacker != kNoPlayer && attacker != victim && !hostile(attacker, victim) && !rules_.friendly_fire)
        return 0.0f;
    const float absorbed = std::min(p.shield[victim], amount);
    p.shield[victim] -= absorbed;
    const float to_health = std::min(p.health[victim], amount - absorbed);
    p.health[victim] -= amount - absorbed;
    if (attacker != kNoPlayer && attacker != victim) {
        auto& log = p.damage_log[victim];
        std::size_t slot = 0;
        for (std::size_t k = 0; k < log.size(); ++k) {
            if (log[k].attacker == attacker) {
                slot = k;
                break;
            }
            if (log[k].tick < log[slot].tick) slot = k;
        }
        log[slot] = {attacker, tick_};
    }
    emit({.type = EventType::Damage,
          .kind = static_cast<std::uint8_t>(weapon),
          .a = attacker,
          .b = victim,
          .value = absorbed + to_health,
          .pos = p.pos[victim]});
    if (p.health[victim] <= 0.0f) kill(victim, attacker, weapon);
    return absorbed + to_health;
}

void World::kill(std::uint32_t victim, std::uint32_t killer, WeaponKind weapon) {
    Players& p = players_;
    p.health[victim] = 0.0f;
    p.alive[victim] = 0;
    p.reload_done_tick[victim] = 0;
    p.respawn_tick[victim] = tick_ + ticks_of(rules_.respawn_s);
    ++p.stats[victim].deaths;
    drop_flag(victim);
    if (killer != kNoPlayer && killer != victim) {
        if (hostile(killer, victim)) {
            ++p.stats[killer].kills;
            p.stats[killer].score += rules_.kill_score;
            ++totals_.kills;
            if (rules_.mode == Mode::TeamDeathmatch)
                ++match_.team_score[static_cast<std::size_t>(p.team[killer])];
            if (team_mode()) {
                const std::uint32_t window = ticks_of(rules_.assist_window_s);
                for (const DamageRecord& rec : p.damage_log[victim]) {
                    const std::uint32_t a = rec.attacker;
                    if (a == kNoPlayer || a == killer || a >= p.size() || p.in_use[a] == 0) continue;
                    if (tick_ - rec.tick > window || p.team[a] != p.team[killer]) continue;
                    ++p.stats[a].assists;
                    p.stats[a].score += rules_.assist_score;
                }
            }
        } else {
            p.stats[killer].score += rules_.team_kill_score;
        }
    }
    p.damage_log[victim] = {};
    emit({.type = EventType::Kill,
          .kind = static_cast<std::uint8_t>(weapon),
          .a = killer,
          .b = victim,
          .pos = p.pos[victim]});
}

} // namespace mgs::sim
