// World lifecycle: players joining and leaving, teams, the tick driver, the match cycle and the
// state hash. Combat lives in combat.cpp, pickups/flags/walls/respawns in objectives.cpp.
#include "sim/world.hpp"

#include "core/hash.hpp"
#include "core/rng.hpp"
#include "world/map_gen.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace mgs::sim {

namespace {
constexpr float kGridCell = 64.0f;
constexpr float kWallGridCell = 64.0f;
} // namespace

void Players::resize(std::size_t n) {
    pos.resize(n);
    push.resize(n);
    aim.resize(n);
    alive.resize(n);
    in_use.resize(n);
    health.resize(n);
    shield.resize(n);
    team.resize(n);
    weapon.resize(n);
    owned.resize(n);
    magazine.resize(n);
    reserve.resize(n);
    next_fire_tick.resize(n);
    next_melee_tick.resize(n);
    reload_done_tick.resize(n);
    respawn_tick.resize(n);
    protected_until.resize(n);
    speed_until.resize(n);
    damage_until.resize(n);
    damage_log.resize(n);
    input.resize(n);
    pending.resize(n);
    generation.resize(n);
    is_bot.resize(n);
    stats.resize(n);
    name.resize(n);
}

World::World(const Rules& rules, const world::MapParams& map_params, int bot_population)
    : rules_(rules), map_params_(map_params), bot_population_(bot_population) {
    map_params_.player_radius = rules_.player_radius;
    dt_ = 1.0f / static_cast<float>(rules_.tick_hz);
    map_ = world::generate_map(map_params_);
    init();
}

World::World(const Rules& rules, world::Map map, int bot_population)
    : rules_(rules), map_(std::move(map)), bot_population_(bot_population) {
    map_params_.width = map_.width;
    map_params_.height = map_.height;
    map_params_.seed = map_.seed;
    map_params_.player_radius = rules_.player_radius;
    dt_ = 1.0f / static_cast<float>(rules_.tick_hz);
    init();
}

void World::init() {
    build_wall_grid();
    reset_round_state();
    grid_.configure(map_.width, map_.height, kGridCell);
    match_.phase = MatchPhase::Waiting;
    balance_population();
    refresh_grid();
}

std::uint32_t World::ticks_of(float seconds) const noexcept {
    return static_cast<std::uint32_t>(std::lround(static_cast<double>(seconds) * rules_.tick_hz));
}

bool World::valid(PlayerId id) const noexcept {
    return id.index < players_.size() && players_.in_use[id.index] != 0 &&
           players_.generation[id.index] == id.generation;
}

bool World::hostile(std::uint32_t a, std::uint32_t b) const noexcept {
    if (a == b) return false;
    if (!team_mode()) return true;
    return players_.team[a] != players_.team[b];
}

Team World::pick_team(Team preferred) const {
    if (!team_mode()) return Team::None;
    const int red = team_count_[0], blue = team_count_[1];
    if (preferred == Team::Red && red <= blue) return Team::Red;
    if (preferred == Team::Blue && blue <= red) return Team::Blue;
    return blue < red ? Team::Blue : Team::Red;
}

PlayerId World::add_player(std::string_view name, bool is_bot, Team preferred) {
    std::uint32_t slot = 0;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(players_.size());
        players_.resize(players_.size() + 1);
    }
    Players& p = players_;
    p.in_use[slot] = 1;
    p.alive[slot] = 0;
    p.is_bot[slot] = is_bot ? 1 : 0;
    p.name[slot].assign(name);
    Team team = pick_team(preferred);
    if (!is_bot && team != Team::None && team_count_[0] == team_count_[1] &&
        bots_ > std::max(0, bot_population_ - humans_ - 1)) {
        // Even teams and a bot is about to make room for this human (balance_population takes
        // it from the larger team): join a team that has a bot to give up, or the teams would
        // end up two apart.
        std::array<int, 2> team_bots{};
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p.in_use[i] != 0 && p.is_bot[i] != 0 && p.team[i] != Team::None)
                ++team_bots[static_cast<std::size_t>(p.team[i])];
        }
        const auto t = static_cast<std::size_t>(team);
        if (team_bots[t] == 0 && team_bots[1 - t] > 0) team = static_cast<Team>(1 - t);
    }
    p.team[slot] = team;
    p.stats[slot] = {};
    p.input[slot] = {};
    p.pending[slot] = {};
    p.damage_log[slot] = {};
    p.pos[slot] = map_.bounds().center();
    p.push[slot] = {};
    p.aim[slot] = 0.0f;
    p.health[slot] = 0.0f;
    p.shield[slot] = 0.0f;
    reset_loadout(slot);
    // A newcomer spawns at the next respawn phase (immediately), except on the results screen.
    p.respawn_tick[slot] = tick_;
    ++team_count_[static_cast<std::size_t>(p.team[slot])];
    (is_bot ? bots_ : humans_)++;
    emit({.type = EventType::PlayerJoined, .a = slot});
    return {slot, p.generation[slot]};
}

bool World::remove_player(PlayerId id) {
    if (!valid(id)) return false;
    const std::uint32_t slot = id.index;
    Players& p = players_;
    drop_flag(slot);
    p.in_use[slot] = 0;
    p.alive[slot] = 0;
    ++p.generation[slot];
    --team_count_[static_cast<std::size_t>(p.team[slot])];
    (p.is_bot[slot] != 0 ? bots_ : humans_)--;
    free_slots_.push_back(slot);
    // Whether it was a bot travels with the event: the slot may be reused before anyone reads it.
    emit({.type = EventType::PlayerLeft, .kind = p.is_bot[slot], .a = slot});
    return true;
}

void World::set_input(PlayerId id, const Input& input) {
    if (!valid(id)) return;
    players_.pending[id.index] = input;
}

void World::balance_population() {
    const int desired_bots = std::max(0, bot_population_ - humans_);
    while (bots_ > desired_bots) {
        // Remove a bot from the larger team (any team in free-for-all), highest slot first,
        // preferring one that is dead so nobody vanishes mid-fight. When the larger team has no
        // bot left, one from the other team makes room: the population is kept either way.
        const int red = team_count_[0], blue = team_count_[1];
        const Team from = !team_mode() ? Team::None : (red >= blue ? Team::Red : Team::Blue);
        std::uint32_t pick = kNoPlayer;
        for (int pass = 0; pass < 2 && pick == kNoPlayer; ++pass) {
            for (std::size_t i = players_.size(); i-- > 0;) {
                if (players_.in_use[i] == 0 || players_.is_bot[i] == 0) continue;
                if (pass == 0 && players_.team[i] != from) continue;
                if (pick == kNoPlayer) pick = static_cast<std::uint32_t>(i);
                if (players_.alive[i] == 0) {
                    pick = static_cast<std::uint32_t>(i);
                    break;
                }
            }
        }
        if (pick == kNoPlayer) break;
        remove_player(handle(pick));
    }
    while (bots_ < desired_bots) {
        ++bot_serial_;
        add_player("Bot " + std::to_string(bot_serial_), true);
    }
}

void World::refresh_grid() {
    grid_.rebuild(players_.pos, players_.alive);
}

void World::step(Executor& exec) {
    ++tick_;
    bus_.drop_front(seen_events_); // keeps joins and leaves made since the last step

    balance_population();
    phase_inputs();
    phase_move(exec);
    phase_weapons();
    phase_projectiles(exec);
    phase_pickups();
    phase_flags();
    phase_walls();
    phase_respawn();
    phase_match();
    refresh_grid();
    seen_events_ = bus_.size();
}

void World::phase_inputs() {
    Players& p = players_;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p.in_use[i] == 0) continue;
        Input in = p.pending[i];
        in.move_x = static_cast<std::int8_t>(std::clamp<int>(in.move_x, -1, 1));
        in.move_y = static_cast<std::int8_t>(std::clamp<int>(in.move_y, -1, 1));
        if (!std::isfinite(in.aim)) in.aim = p.aim[i];
        p.input[i] = in;
        if (p.alive[i] != 0) p.aim[i] = wrap_angle(in.aim);
    }
}

void World::resolve_walls(Vec2& pos) const {
    const float r = rules_.player_radius;
    for (int iter = 0; iter < 3; ++iter) {
        bool moved = false;
        walls_.for_each_overlapping(Aabb{{pos.x - r, pos.y - r}, {pos.x + r, pos.y + r}}, wall_alive_.data(),
                                    [&](std::uint32_t w) {
                                        const Vec2 push = circle_box_push(pos, r, walls_.wall(w));
                                        if (push.x != 0.0f || push.y != 0.0f) {
                                            pos += push;
                                            moved = true;
                                        }
                                    });
        if (!moved) break;
    }
    pos.x = clampf(pos.x, r, map_.width - r);
    pos.y = clampf(pos.y, r, map_.height - r);
}

void World::phase_move(Executor& exec) {
    Players& p = players_;
    const std::size_t n = p.size();
    const float r = rules_.player_radius;
    // Pass 1: each player moves by its own input against the static walls.
    exec.for_ranges(n, 512, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            p.push[i] = {};
            if (p.alive[i] == 0) continue;
            const Input& in = p.input[i];
            const Vec2 dir = normalized(Vec2{static_cast<float>(in.move_x), static_cast<float>(in.move_y)});
            if (dir.x == 0.0f && dir.y == 0.0f) continue;
            const float speed = rules_.speed * (tick_ < p.speed_until[i] ? rules_.speed_boost : 1.0f);
            const Vec2 delta = dir * (speed * dt_);
            // Sub-steps of at most half a radius, so no wall is ever crossed within a tick.
            const int steps = std::max(1, static_cast<int>(std::ceil(length(delta) / (r * 0.5f))));
            const Vec2 sub = delta * (1.0f / static_cast<float>(steps));
            Vec2 pos = p.pos[i];
            for (int s = 0; s < steps; ++s) {
                pos += sub;
                resolve_walls(pos);
            }
            p.pos[i] = pos;
        }
    });
    // Pass 2: soft separation, computed from the positions after pass 1 (read only). Players
    // not in the grid (none in play; tests may place some by hand) are not pushed this tick.
    const float reach = 2.0f * r;
    // Work is split over the grid's cell order: each range is a compact band of the world.
    const auto order = grid_.order();
    exec.for_ranges(order.size(), 512, [&](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
            const std::uint32_t i = order[k];
            if (p.alive[i] == 0) continue;
            const Vec2 pi = p.pos[i];
            Vec2 push{};
            grid_.for_each_in_rect(Aabb{pi, pi}.inflated(reach + kGridSlack), [&](std::uint32_t j) {
                if (j == i || p.alive[j] == 0) return;
                const Vec2 d = pi - p.pos[j];
                const float d2 = length_sq(d);
                if (d2 >= reach * reach) return;
                const float dist = std::sqrt(d2);
                Vec2 nrm;
                if (dist > 1e-4f) {
                    nrm = d * (1.0f / dist);
                } else {
                    // Same spot: separate along a direction both sides agree on.
                    const float a = unit_float(mix64(std::min<std::uint64_t>(i, j) * 0x10001ULL +
                                                     std::max<std::uint64_t>(i, j))) *
                                    2.0f * kPi;
                    nrm = from_angle(a) * (i < j ? 1.0f : -1.0f);
                }
                push += nrm * ((reach - dist) * rules_.separation_strength);
            });
            // Bounded per tick, so positions stay within kGridSlack of the grid's view.
            const float len = length(push);
            if (len > kMaxSeparationStep) push = push * (kMaxSeparationStep / len);
            p.push[i] = push;
        }
    });
    // Pass 3: apply the separation and keep players out of walls.
    exec.for_ranges(n, 512, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (p.alive[i] == 0 || (p.push[i].x == 0.0f && p.push[i].y == 0.0f)) continue;
            Vec2 pos = p.pos[i] + p.push[i];
            resolve_walls(pos);
            p.pos[i] = pos;
        }
    });
}

void World::build_wall_grid() {
    std::vector<Aabb> boxes;
    boxes.reserve(map_.walls.size());
    for (const auto& w : map_.walls) boxes.push_back(w.box);
    walls_.build(boxes, map_.width, map_.height, kWallGridCell);
}

void World::reset_round_state() {
    // The wall grid depends only on the map: built with the world, and again only for a new map
    // (on the massive map a build writes ~2 MiB of fresh memory: several ms in a match's first tick).
    if (rules_.regenerate_map && match_.number > 0) {
        map_params_.seed = mix64(map_params_.seed + match_.number);
        map_ = world::generate_map(map_params_);
        build_wall_grid();
    }
    wall_alive_.assign(map_.walls.size(), 1);
    wall_health_.resize(map_.walls.size());
    for (std::size_t i = 0; i < map_.walls.size(); ++i) wall_health_[i] = map_.walls[i].max_health;
    wall_respawn_tick_.assign(map_.walls.size(), 0);
    pickup_active_.assign(map_.pickups.size(), 1);
    pickup_respawn_tick_.assign(map_.pickups.size(), 0);
    for (int t = 0; t < 2; ++t) {
        flags_[static_cast<std::size_t>(t)] =
            Flag{static_cast<Team>(t), FlagState::Home, map_.bases[static_cast<std::size_t>(t)].flag_stand,
                 kNoPlayer, 0};
    }
    for (std::size_t i = 0; i < proj_.size(); ++i) {
        if (proj_.active[i] != 0) {
            proj_.active[i] = 0;
            proj_.free_slots.push_back(static_cast<std::uint32_t>(i));
        }
    }
    proj_.live = 0;
}

void World::start_match() {
    ++match_.number;
    ++totals_.matches;
    match_.phase = MatchPhase::Active;
    match_.phase_end_tick = tick_ + ticks_of(rules_.time_limit_s);
    match_.team_score = {};
    match_.winner = Team::None;
    match_.best_player = kNoPlayer;
    reset_round_state();
    refresh_grid();
    for (std::size_t i = 0; i < players_.size(); ++i) {
        if (players_.in_use[i] == 0) continue;
        players_.stats[i] = {};
        players_.damage_log[i] = {};
        players_.alive[i] = 0;
        players_.respawn_tick[i] = tick_;
    }
    // Within this tick's spawn budget; phase_respawn spawns the rest on the next ticks.
    spawn_due(kMaxSpawnsPerTick);
    emit({.type = EventType::MatchStarted});
}

void World::end_match(Team winner) {
    match_.phase = MatchPhase::Ended;
    match_.phase_end_tick = tick_ + ticks_of(rules_.ended_s);
    match_.winner = winner;
    std::uint32_t best = kNoPlayer;
    for (std::size_t i = 0; i < players_.size(); ++i) {
        if (players_.in_use[i] == 0) continue;
        if (best == kNoPlayer || players_.stats[i].score > players_.stats[best].score)
            best = static_cast<std::uint32_t>(i);
    }
    match_.best_player = best;
    emit({.type = EventType::MatchEnded, .kind = static_cast<std::uint8_t>(winner), .a = best});
}

void World::rebalance_teams() {
    if (!team_mode()) return;
    while (std::abs(team_count_[0] - team_count_[1]) > 1) {
        const Team from = team_count_[0] > team_count_[1] ? Team::Red : Team::Blue;
        const Team to = from == Team::Red ? Team::Blue : Team::Red;
        // Move bots first (highest slot), humans only when no bot is left to move.
        std::uint32_t pick = kNoPlayer;
        for (int want_bot = 1; want_bot >= 0 && pick == kNoPlayer; --want_bot) {
            for (std::size_t i = players_.size(); i-- > 0;) {
                if (players_.in_use[i] != 0 && players_.team[i] == from && players_.is_bot[i] == want_bot) {
                    pick = static_cast<std::uint32_t>(i);
                    break;
                }
            }
        }
        if (pick == kNoPlayer) break;
        players_.team[pick] = to;
        --team_count_[static_cast<std::size_t>(from)];
        ++team_count_[static_cast<std::size_t>(to)];
    }
}

bool World::match_can_start() const noexcept {
    return humans_ > 0 || (rules_.bots_only_matches && bots_ > 0);
}

void World::phase_match() {
    switch (match_.phase) {
    case MatchPhase::Waiting:
        if (match_can_start()) start_match();
        break;
    case MatchPhase::Active: {
        const auto& s = match_.team_score;
        if (rules_.mode == Mode::CaptureTheFlag) {
            if (s[0] >= rules_.ctf_capture_limit) return end_match(Team::Red);
            if (s[1] >= rules_.ctf_capture_limit) return end_match(Team::Blue);
        } else if (rules_.mode == Mode::TeamDeathmatch && rules_.tdm_score_limit > 0) {
            if (s[0] >= rules_.tdm_score_limit) return end_match(Team::Red);
            if (s[1] >= rules_.tdm_score_limit) return end_match(Team::Blue);
        } else if (rules_.mode == Mode::FreeForAll && rules_.ffa_score_limit > 0) {
            for (std::size_t i = 0; i < players_.size(); ++i) {
                if (players_.in_use[i] != 0 && players_.stats[i].score >= rules_.ffa_score_limit)
                    return end_match(Team::None);
            }
        }
        if (tick_ >= match_.phase_end_tick) {
            Team winner = Team::None;
            if (team_mode() && s[0] != s[1]) winner = s[0] > s[1] ? Team::Red : Team::Blue;
            end_match(winner);
        }
        break;
    }
    case MatchPhase::Ended:
        if (tick_ >= match_.phase_end_tick) {
            rebalance_teams();
            start_match();
        }
        break;
    }
}

std::uint64_t World::state_hash() const {
    StateHasher h;
    h.add(tick_);
    h.add(match_.phase);
    h.add(match_.phase_end_tick);
    h.add(match_.number);
    h.add(match_.team_score[0]);
    h.add(match_.team_score[1]);
    for (const Flag& f : flags_) {
        h.add(f.state);
        h.add(f.pos.x);
        h.add(f.pos.y);
        h.add(f.carrier);
        h.add(f.return_tick);
    }
    const Players& p = players_;
    for (std::size_t i = 0; i < p.size(); ++i) {
        h.add(p.in_use[i]);
        if (p.in_use[i] == 0) continue;
        h.add(p.generation[i]);
        h.add(p.alive[i]);
        h.add(p.pos[i].x);
        h.add(p.pos[i].y);
        h.add(p.aim[i]);
        h.add(p.health[i]);
        h.add(p.shield[i]);
        h.add(p.team[i]);
        h.add(p.weapon[i]);
        h.add(p.owned[i]);
        for (int g = 0; g < kGunCount; ++g) {
            h.add(p.magazine[i][static_cast<std::size_t>(g)]);
            h.add(p.reserve[i][static_cast<std::size_t>(g)]);
        }
        h.add(p.next_fire_tick[i]);
        h.add(p.next_melee_tick[i]);
        h.add(p.reload_done_tick[i]);
        h.add(p.respawn_tick[i]);
        h.add(p.protected_until[i]);
        h.add(p.speed_until[i]);
        h.add(p.damage_until[i]);
        const PlayerStats& s = p.stats[i];
        h.add(s.kills);
        h.add(s.deaths);
        h.add(s.assists);
        h.add(s.captures);
        h.add(s.returns);
        h.add(s.score);
    }
    for (std::size_t i = 0; i < proj_.size(); ++i) {
        h.add(proj_.active[i]);
        if (proj_.active[i] == 0) continue;
        h.add(proj_.pos[i].x);
        h.add(proj_.pos[i].y);
        h.add(proj_.vel[i].x);
        h.add(proj_.vel[i].y);
        h.add(proj_.damage[i]);
        h.add(proj_.owner[i]);
        h.add(proj_.expire_tick[i]);
    }
    for (std::size_t i = 0; i < wall_alive_.size(); ++i) {
        h.add(wall_alive_[i]);
        h.add(wall_health_[i]);
        h.add(wall_respawn_tick_[i]);
    }
    for (std::size_t i = 0; i < pickup_active_.size(); ++i) {
        h.add(pickup_active_[i]);
        h.add(pickup_respawn_tick_[i]);
    }
    return h.value();
}

} // namespace mgs::sim
