// Pickups, flags, destructible wall respawn and player respawn. All serial, in a fixed order.
#include "core/rng.hpp"
#include "sim/world.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::sim {

namespace {} // namespace

void World::respawn_pickup(std::uint32_t i) {
    pickup_active_[i] = 1;
    pickup_respawn_tick_[i] = 0;
}

void World::phase_pickups() {
    Players& p = players_;
    const float reach = rules_.pickup_radius + rules_.player_radius;
    for (std::uint32_t s = 0; s < map_.pickups.size(); ++s) {
        if (pickup_active_[s] == 0) {
            if (tick_ >= pickup_respawn_tick_[s]) {
                pickup_active_[s] = 1;
                emit({.type = EventType::PickupRespawned, .index = s, .pos = map_.pickups[s].pos});
            }
            continue;
        }
        const world::PickupSpot& spot = map_.pickups[s];
        const auto kind = spot.kind;
        auto wants = [&](std::uint32_t j) {
            switch (kind) {
            case world::PickupKind::Health:
                return p.health[j] < rules_.max_health;
            case world::PickupKind::Shield:
                return p.shield[j] < rules_.max_shield;
            case world::PickupKind::Ammo:
                for (std::size_t g = 0; g < kGunCount; ++g) {
                    if ((p.owned[j] & (1u << g)) == 0) continue;
                    const WeaponSpec& spec = rules_.weapons[g];
                    if (p.magazine[j][g] < spec.magazine) return true;
                    if (p.reserve[j][g] >= 0 && p.reserve[j][g] < spec.reserve_magazines * spec.magazine)
                        return true;
                }
                return false;
            case world::PickupKind::ShotgunCrate:
            case world::PickupKind::RifleCrate:
            case world::PickupKind::SniperCrate: {
                const std::size_t g = crate_gun(kind);
                const WeaponSpec& spec = rules_.weapons[g];
                return (p.owned[j] & (1u << g)) == 0 || p.magazine[j][g] < spec.magazine ||
                       p.reserve[j][g] < spec.reserve_magazines * spec.magazine;
            }
            default:
                return true;
            }
        };
        // The lowest slot among the eligible players touching the pickup takes it.
        std::uint32_t taker = kNoPlayer;
        grid_.for_each_in_rect(Aabb{spot.pos, spot.pos}.inflated(reach + kGridSlack), [&](std::uint32_t j) {
            if (j >= taker || p.alive[j] == 0) return;
            if (distance_sq(p.pos[j], spot.pos) > reach * reach || !wants(j)) return;
            taker = j;
        });
        if (taker == kNoPlayer) continue;
        const std::uint32_t j = taker;
        switch (kind) {
        case world::PickupKind::Health:
            p.health[j] = std::min(rules_.max_health, p.health[j] + rules_.health_pickup);
            break;
        case world::PickupKind::Shield:
            p.shield[j] = std::min(rules_.max_shield, p.shield[j] + rules_.shield_pickup);
            break;
        case world::PickupKind::SpeedBoost:
            p.speed_until[j] = tick_ + ticks_of(rules_.boost_s);
            break;
        case world::PickupKind::DamageBoost:
            p.damage_until[j] = tick_ + ticks_of(rules_.boost_s);
            break;
        case world::PickupKind::Ammo:
            for (std::size_t g = 0; g < kGunCount; ++g) {
                if ((p.owned[j] & (1u << g)) == 0) continue;
                const WeaponSpec& spec = rules_.weapons[g];
                p.magazine[j][g] = static_cast<std::int16_t>(spec.magazine);
                if (p.reserve[j][g] >= 0)
                    p.reserve[j][g] = static_cast<std::int16_t>(spec.reserve_magazines * spec.magazine);
            }
            if (p.reload_done_tick[j] != 0) p.reload_done_tick[j] = 0;
            break;
        case world::PickupKind::ShotgunCrate:
        case world::PickupKind::RifleCrate:
        case world::PickupKind::SniperCrate: {
            const std::size_t g = crate_gun(kind);
            const WeaponSpec& spec = rules_.weapons[g];
            p.owned[j] = static_cast<std::uint8_t>(p.owned[j] | (1u << g));
            p.magazine[j][g] = static_cast<std::int16_t>(spec.magazine);
            p.reserve[j][g] = static_cast<std::int16_t>(spec.reserve_magazines * spec.magazine);
            p.weapon[j] = static_cast<WeaponKind>(g);
            p.reload_done_tick[j] = 0;
            break;
        }
        default:
            break;
        }
        pickup_active_[s] = 0;
        pickup_respawn_tick_[s] = tick_ + ticks_of(rules_.pickup_respawn_s[static_cast<std::size_t>(kind)]);
        emit({.type = EventType::PickupTaken,
              .kind = static_cast<std::uint8_t>(kind),
              .a = j,
              .index = s,
              .pos = spot.pos});
    }
}

void World::drop_flag(std::uint32_t carrier) {
    for (Flag& f : flags_) {
        if (f.state != FlagState::Carried || f.carrier != carrier) continue;
        f.state = FlagState::Dropped;
        f.pos = players_.pos[carrier];
        f.carrier = kNoPlayer;
        f.return_tick = tick_ + ticks_of(rules_.flag_return_s);
        emit({.type = EventType::FlagDropped,
              .kind = static_cast<std::uint8_t>(f.team),
              .a = carrier,
              .pos = f.pos});
    }
}

void World::return_flag(int team_index, std::uint32_t by) {
    Flag& f = flags_[static_cast<std::size_t>(team_index)];
    f.state = FlagState::Home;
    f.pos = map_.bases[static_cast<std::size_t>(team_index)].flag_stand;
    f.carrier = kNoPlayer;
    f.return_tick = 0;
    if (by != kNoPlayer) {
        ++players_.stats[by].returns;
        players_.stats[by].score += rules_.return_score;
    }
    emit({.type = EventType::FlagReturned,
          .kind = static_cast<std::uint8_t>(team_index),
          .a = by,
          .pos = f.pos});
}

void World::phase_flags() {
    if (rules_.mode != Mode::CaptureTheFlag || match_.phase != MatchPhase::Active) return;
    Players& p = players_;
    const float reach = rules_.player_radius + rules_.flag_radius;
    auto carrying = [&](std::uint32_t j) {
        return (flags_[0].state == FlagState::Carried && flags_[0].carrier == j) ||
               (flags_[1].state == FlagState::Carried && flags_[1].carrier == j);
    };
    for (int t = 0; t < 2; ++t) {
        Flag& f = flags_[static_cast<std::size_t>(t)];
        if (f.state == FlagState::Carried) {
            f.pos = p.pos[f.carrier];
            continue;
        }
        if (f.state == FlagState::Dropped && tick_ >= f.return_tick) {
            return_flag(t, kNoPlayer);
            continue;
        }
        // Lowest slot touching the flag acts: an enemy takes it, a teammate returns it if dropped.
        std::uint32_t actor = kNoPlayer;
        grid_.for_each_in_rect(Aabb{f.pos, f.pos}.inflated(reach + kGridSlack), [&](std::uint32_t j) {
            if (j >= actor || p.alive[j] == 0 || distance_sq(p.pos[j], f.pos) > reach * reach) return;
            const bool enemy = p.team[j] != f.team;
            if (enemy ? carrying(j) : f.state != FlagState::Dropped) return;
            actor = j;
        });
        if (actor == kNoPlayer) continue;
        if (p.team[actor] != f.team) {
            f.state = FlagState::Carried;
            f.carrier = actor;
            f.pos = p.pos[actor];
            emit({.type = EventType::FlagTaken,
                  .kind = static_cast<std::uint8_t>(t),
                  .a = actor,
                  .pos = f.pos});
        } else {
            return_flag(t, actor);
        }
    }
    // Captures: a carrier at its own flag stand while its own flag is home.
    for (int t = 0; t < 2; ++t) {
        Flag& f = flags_[static_cast<std::size_t>(t)];
        if (f.state != FlagState::Carried) continue;
        const std::uint32_t c = f.carrier;
        const auto own = static_cast<std::size_t>(p.team[c]);
        if (own > 1 || flags_[own].state != FlagState::Home) continue;
        if (distance_sq(p.pos[c], map_.bases[own].flag_stand) > reach * reach) continue;
        ++match_.team_score[own];
        ++p.stats[c].captures;
        p.stats[c].score += rules_.capture_score;
        ++totals_.captures;
        emit(
            {.type = EventType::FlagCaptured, .kind = static_cast<std::uint8_t>(t), .a = c, .pos = p.pos[c]});
        f.state = FlagState::Home;
        f.pos = map_.bases[static_cast<std::size_t>(t)].flag_stand;
        f.carrier = kNoPlayer;
    }
}

void World::set_wall_health(std::uint32_t wall, float health) {
    if (health <= 0.0f) return destroy_wall(wall);
    wall_health_[wall] = health;
    wall_alive_[wall] = 1;
}

void World::destroy_wall(std::uint32_t w) {
    wall_health_[w] = 0.0f;
    wall_alive_[w] = 0;
    // Respawn delay by the wall's strength (GAMEPLAY.md): <= 100 hp, <= 200 hp, more.
    const float maxh = map_.walls[w].max_health;
    const float secs = maxh <= rules_.wall_respawn_health[0]   ? rules_.wall_respawn_s[0]
                       : maxh <= rules_.wall_respawn_health[1] ? rules_.wall_respawn_s[1]
                                                               : rules_.wall_respawn_s[2];
    wall_respawn_tick_[w] = tick_ + ticks_of(secs);
}

void World::phase_walls() {
    const float r = rules_.player_radius;
    for (std::uint32_t w = 0; w < wall_alive_.size(); ++w) {
        if (wall_alive_[w] != 0 || tick_ < wall_respawn_tick_[w]) continue;
        const Aabb& box = map_.walls[w].box;
        bool blocked = false;
        grid_.for_each_in_rect(box.inflated(r + kGridSlack), [&](std::uint32_t j) {
            if (players_.alive[j] != 0 && circle_overlaps_box(players_.pos[j], r, box)) blocked = true;
        });
        if (blocked) continue; // not on top of a player: try again next tick
        wall_alive_[w] = 1;
        wall_health_[w] = map_.walls[w].max_health;
        emit({.type = EventType::WallRespawned, .index = w, .pos = box.center()});
    }
}

Vec2 World::choose_spawn(std::uint32_t p) const {
    const auto& area = rules_.spawn_area;
    if (area[2] > 0.0f && area[3] > 0.0f) {
        const std::uint64_t draw =
            hash_draw(map_.seed, (static_cast<std::uint64_t>(players_.generation[p]) << 32) | p, tick_);
        Vec2 pos{area[0] + unit_float(mix64(draw ^ 0x51ed270b27d3c8e5ULL)) * area[2],
                 area[1] + unit_float(mix64(draw ^ 0x2545f4914f6cdd1dULL)) * area[3]};
        resolve_walls(pos);
        return pos;
    }
    const std::vector<Vec2>& points =
        team_mode() ? map_.team_spawns[static_cast<std::size_t>(players_.team[p])] : map_.ffa_spawns;
    if (points.empty()) return map_.bounds().center();
    const std::uint64_t draw =
        hash_draw(map_.seed, (static_cast<std::uint64_t>(players_.generation[p]) << 32) | p, tick_);
    const std::size_t n = points.size();
    // Sample up to 8 candidates spread over the list; the one with the fewest enemies nearby
    // is the safest (ties: the first sampled). Counting stops at 8, so a crowded area costs
    // no more than a quiet one.
    const std::size_t samples = std::min<std::size_t>(8, n);
    const auto start = static_cast<std::size_t>(draw % n);
    const std::size_t stride = std::max<std::size_t>(1, n / samples);
    const float safe = rules_.spawn_safe_radius;
    std::size_t best = start;
    int best_count = 1 << 30;
    for (std::size_t k = 0; k < samples; ++k) {
        const std::size_t idx = (start + k * stride) % n;
        const Vec2 c = points[idx];
        int count = 0;
        grid_.for_each_in_radius(c, safe, [&](std::uint32_t j) {
            if (count < 8 && players_.alive[j] != 0 && hostile(p, j)) ++count;
        });
        if (count < best_count) {
            best_count = count;
            best = idx;
        }
        if (count == 0) break;
    }
    // A little jitter so that players spawning together do not stack exactly.
    const float jx = (unit_float(mix64(draw ^ 0x51ed270b27d3c8e5ULL)) - 0.5f) * 40.0f;
    const float jy = (unit_float(mix64(draw ^ 0x2545f4914f6cdd1dULL)) - 0.5f) * 40.0f;
    Vec2 pos = points[best] + Vec2{jx, jy};
    resolve_walls(pos);
    return pos;
}

void World::spawn_player(std::uint32_t p) {
    Players& pl = players_;
    reset_loadout(p);
    pl.pos[p] = choose_spawn(p);
    pl.health[p] = rules_.max_health;
    pl.alive[p] = 1;
    pl.protected_until[p] = tick_ + ticks_of(rules_.spawn_protection_s);
    pl.damage_log[p] = {};
    pl.aim[p] = pl.team[p] == Team::Blue ? kPi : 0.0f;
    emit({.type = EventType::Spawned, .a = p, .pos = pl.pos[p]});
}

void World::phase_respawn() {
    if (match_.phase == MatchPhase::Ended) return;
    // A match that starts in this tick's phase_match respawns everyone anyway: spawning the
    // newcomers here first would only be undone.
    if (match_.phase == MatchPhase::Waiting && match_can_start()) return;
    spawn_due(kMaxSpawnsPerTick);
}

void World::spawn_due(std::uint32_t budget) {
    Players& p = players_;
    for (std::uint32_t i = 0; i < p.size() && budget > 0; ++i) {
        if (p.in_use[i] != 0 && p.alive[i] == 0 && tick_ >= p.respawn_tick[i]) {
            spawn_player(i);
            --budget;
        }
    }
}

} // namespace mgs::sim
