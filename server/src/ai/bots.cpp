#include "ai/bots.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mgs::ai {

using sim::Flag;
using sim::FlagState;
using sim::kNoPlayer;
using sim::Mode;
using sim::WeaponKind;
using world::PickupKind;

namespace {

constexpr float kStuckDistance = 10.0f; // GAMEPLAY.md: no bot stays within 10 wu...
constexpr float kStuckSeconds = 2.0f;   // ...for more than 2 s while it has somewhere to go
constexpr float kSidestepAfterS = 0.8f; // recovery starts well before that
constexpr float kSidestepS = 0.6f;
constexpr std::uint32_t kDirTicks = 6; // a cached field direction is at most this old

/// One of the 8 input directions closest to `dir` (inputs are -1/0/1 per axis, as a keyboard).
void quantize(Vec2 dir, sim::Input& in) {
    if (length_sq(dir) < 1e-6f) return;
    const float a = std::atan2(dir.y, dir.x);
    const int sector = static_cast<int>(std::lround(a / (kPi / 4.0f)));
    static constexpr std::int8_t kX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
    static constexpr std::int8_t kY[8] = {0, 1, 1, 1, 0, -1, -1, -1};
    const auto idx = static_cast<std::size_t>(((sector % 8) + 8) % 8);
    in.move_x = kX[idx];
    in.move_y = kY[idx];
}

[[nodiscard]] std::size_t idx(WeaponKind w) {
    return static_cast<std::size_t>(w);
}

} // namespace

void Bots::prepare(const sim::World& world, Executor& exec) {
    const world::Map& map = world.map();
    const auto& alive = world.wall_alive();
    // The map changes only between matches (map regeneration); walls fall and come back often.
    // Cells grow on very large maps so one flow field stays near 640k cells (about 13 ms to
    // search); 40 wu cells still keep the generator's narrowest gap (80 wu) open.
    const float cell = std::max(params_.nav_cell, std::max(map.width, map.height) / 800.0f);
    if (!nav_built_ || wall_alive_seen_.size() != alive.size() ||
        nav_.cols() != static_cast<int>(std::ceil(map.width / cell))) {
        nav_.build(map, cell, world.rules().player_radius + 1.0f, alive.data(), &exec);
        wall_alive_seen_ = alive;
        nav_built_ = true;
        std::vector<Vec2> spots;
        spots.reserve(map.pickups.size());
        for (const auto& sp : map.pickups) spots.push_back(sp.pos);
        const std::vector<std::uint8_t> all(spots.size(), 1);
        pickup_grid_.configure(map.width, map.height, 128.0f);
        pickup_grid_.rebuild(spots, all);
        // A new grid (a new map): fields and searches of the old one are of no use.
        field_valid_ = {};
        searching_ = {};
    } else {
        for (std::uint32_t w = 0; w < alive.size(); ++w) {
            if (alive[w] == wall_alive_seen_[w]) continue;
            wall_alive_seen_[w] = alive[w];
            nav_.update_wall(map, w, alive.data());
        }
    }
    if (world.rules().mode == Mode::CaptureTheFlag) update_fields(world, exec);
}

void Bots::update_fields(const sim::World& world, Executor& exec) {
    // Shared flow fields: one search per objective serves every bot heading there. A moving goal
    // (a carried flag) or a changed grid (a wall fell or came back) is searched again at most
    // every 10 ticks, less often on big grids. A search takes at most field_slice_cells queue
    // entries per tick, into the spare field, so a search over a big grid (about 13 ms on the
    // massive map's 640k cells) is spread over ten ticks or so instead of landing in one;
    // meanwhile bots follow the previous field, which changes only by a swap once the new one
    // is complete. Small grids are searched within the tick, every due field at once; on grids
    // bigger than a slice at most kMaxFieldSearches run at once (the first search of a field before
    // re-searches, then the longest waiting), so a tick pays for at most that many slices.
    // Everything here counts ticks and queue entries, never time, so it is deterministic.
    const world::Map& map = world.map();
    const std::uint32_t tick = world.tick();
    const bool big = nav_.cell_count() > static_cast<std::int64_t>(params_.field_slice_cells);
    const std::size_t slice =
        big ? std::max<std::uint32_t>(1, params_.field_slice_cells) : std::numeric_limits<std::size_t>::max();
    const auto interval = std::max<std::uint32_t>(10, static_cast<std::uint32_t>(nav_.cell_count() / 20000));
    std::size_t running = 0;
    for (std::size_t f = 0; f < kFieldCount; ++f) {
        field_goal_[f] = f < 2 ? world.flags()[f].pos : map.bases[f - 2].flag_stand;
        running += searching_[f] ? 1 : 0;
    }
    // Fields due for a new search, in order: never searched first, then the longest waiting.
    std::array<std::uint8_t, kFieldCount> due{};
    std::size_t due_count = 0;
    for (std::uint8_t f = 0; f < kFieldCount; ++f) {
        if (searching_[f]) continue;
        const FlowField& live = fields_[f];
        const bool changed = live.nav_version() != nav_.version() ||
                             distance_sq(field_goal_[f], live.goal()) > nav_.cell_size() * nav_.cell_size();
        if (field_valid_[f] && !(changed && tick - search_tick_[f] >= interval)) continue;
        due[due_count++] = f;
    }
    const auto first = [&](std::uint8_t a, std::uint8_t b) {
        if (field_valid_[a] != field_valid_[b]) return !field_valid_[a];
        return search_tick_[a] != search_tick_[b] ? search_tick_[a] < search_tick_[b] : a < b;
    };
    for (std::size_t k = 1; k < due_count; ++k) // insertion sort: at most four fields
        for (std::size_t j = k; j > 0 && first(due[j], due[j - 1]); --j) std::swap(due[j], due[j - 1]);
    std::array<bool, kFieldCount> starting{};
    for (std::size_t k = 0; k < due_count && (!big || running < kMaxFieldSearches); ++k) {
        const std::uint8_t f = due[k];
        searching_[f] = true;
        starting[f] = true;
        search_tick_[f] = tick;
        ++running;
    }
    std::array<std::uint8_t, kFieldCount> work{};
    std::size_t count = 0;
    for (std::uint8_t f = 0; f < kFieldCount; ++f)
        if (searching_[f]) work[count++] = f;
    // Each search only reads the grid and writes only its own field: in parallel.
    std::array<bool, kFieldCount> done{};
    exec.for_ranges(count, 1, [&](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
            const std::uint8_t f = work[k];
            if (starting[f]) searches_[f].begin(nav_, field_goal_[f]);
            done[f] = searches_[f].advance(nav_, slice);
        }
    });
    stats_.field_slices += count;
    for (std::size_t f = 0; f < kFieldCount; ++f) {
        if (!done[f]) continue;
        std::swap(fields_[f], searches_[f]);
        searching_[f] = false;
        field_valid_[f] = true;
        ++stats_.field_computes;
    }
}

void Bots::update(sim::World& world, Executor& exec) {
    prepare(world, exec);
    const sim::Players& p = world.players();
    const std::size_t n = p.size();
    if (inputs_.size() < n) {
        inputs_.resize(n);
        prev_pos_.resize(n);
        tick_flags_.resize(n);
    }
    grow_brains(p);
    const std::uint32_t tick = world.tick();
    if (scratch_.size() < static_cast<std::size_t>(exec.concurrency()))
        scratch_.resize(static_cast<std::size_t>(exec.concurrency()));
    exec.for_ranges(n, 256, [&](std::size_t begin, std::size_t end) {
        PathScratch& scratch = scratch_[static_cast<std::size_t>(exec.worker_index())];
        for (std::size_t i = begin; i < end; ++i) {
            tick_flags_[i] = 0;
            if (p.in_use[i] == 0 || p.is_bot[i] == 0) continue;
            if (i >= brains_.size()) { // a bot that has not spawned yet (see grow_brains)
                inputs_[i] = sim::Input{};
                continue;
            }
            const auto slot = static_cast<std::uint32_t>(i);
            Brain& b = brains_[i];
            if (b.generation != p.generation[i]) {
                b = Brain{};
                b.generation = p.generation[i];
                // Skill drawn once per bot from the configured mix.
                const float u = unit_float(hash_draw(world.map().seed ^ 0x5ca1ab1eULL, slot, b.generation));
                const auto& mix = params_.skill_mix;
                b.skill = u < mix[0] ? Skill::Easy : (u < mix[0] + mix[1] ? Skill::Normal : Skill::Hard);
            }
            if (p.alive[i] == 0) {
                inputs_[i] = sim::Input{};
                b.anchor_tick = tick;
                b.anchor = p.pos[i];
                continue;
            }
            const SkillSpec& spec = params_.skills[static_cast<std::size_t>(b.skill)];
            const auto period = std::max<std::uint32_t>(
                1, static_cast<std::uint32_t>(std::lround(static_cast<float>(world.rules().tick_hz) /
                                                          (spec.decide_hz * decision_scale_))));
            if ((tick + slot) % period == 0 || !b.has_goal) {
                decide(world, slot, b, scratch);
                tick_flags_[i] |= kDecided;
            }
            inputs_[i] = steer(world, slot, b);
        }
    });
    for (std::uint32_t i = 0; i < n; ++i) {
        if (p.in_use[i] == 0 || p.is_bot[i] == 0) continue;
        stats_.stuck_episodes += tick_flags_[i] & kStuck;
        stats_.decisions += (tick_flags_[i] & kDecided) != 0 ? 1 : 0;
        world.set_input(world.handle(i), inputs_[i]);
    }
    std::copy(p.pos.begin(), p.pos.end(), prev_pos_.begin());
    if (world.rules().mode == Mode::CaptureTheFlag && tick % 15 == 0) assign_roles(world);
}

void Bots::grow_brains(const sim::Players& p) {
    // A brain is ~150 bytes, written whole when made: 20,000 at once would be 3 MiB of fresh
    // memory, a page fault per 4 KiB, in one tick. Brains are made for every living bot at once
    // (a bot never plays without one) and for the rest of the bots at most kBrainsPerTick a
    // tick, in slot order; with spawns spread the same way (sim::kMaxSpawnsPerTick, lowest slots
    // first) a big world's brains are made over its first few ticks.
    constexpr std::size_t kBrainsPerTick = 4096;
    const std::size_t n = p.size();
    std::size_t living = brains_.size(), any = brains_.size();
    for (std::size_t i = n; i-- > living;) {
        if (p.is_bot[i] != 0 && p.alive[i] != 0) {
            living = i + 1;
            break;
        }
    }
    for (std::size_t i = n; i-- > any;) {
        if (p.is_bot[i] != 0 && p.in_use[i] != 0) {
            any = i + 1;
            break;
        }
    }
    const std::size_t want = std::max(living, std::min(any, brains_.size() + kBrainsPerTick));
    if (want <= brains_.size()) return;
    if (brains_.capacity() < n) brains_.reserve(n); // address space only: nothing written yet
    brains_.resize(want);
}

void Bots::assign_roles(const sim::World& world) {
    const sim::Players& p = world.players();
    const auto& flags = world.flags();
    for (std::size_t team = 0; team < 2; ++team) {
        // The team's living bots in slot order; roles go to those best placed for them.
        std::vector<RoleCandidate>& pool = role_pool_;
        pool.clear();
        for (std::uint32_t i = 0; i < p.size(); ++i) {
            if (p.in_use[i] != 0 && p.is_bot[i] != 0 && p.alive[i] != 0 &&
                static_cast<std::size_t>(p.team[i]) == team && i < brains_.size() &&
                brains_[i].generation == p.generation[i])
                pool.push_back({0.0f, i});
        }
        const auto n = static_cast<float>(pool.size());
        const bool own_away = flags[team].state != FlagState::Home;
        const Flag& theirs = flags[1 - team];
        const bool we_carry = theirs.state == FlagState::Carried;
        // Shares shift with the situation: chase our flag while it is away, escort our carrier.
        const auto count = [&](float share) { return static_cast<std::size_t>(std::lround(share * n)); };
        const std::size_t retrieve = own_away ? std::max<std::size_t>(1, count(0.4f)) : 0;
        const std::size_t defend = count(own_away ? 0.15f : 0.25f);
        const std::size_t escort = we_carry ? count(0.2f) : 0;
        std::size_t begin = 0;
        // Moves the `k` bots nearest to `where` (ties by slot) to pool[begin..begin+k) and gives
        // them `role`. (distance, slot) is a strict total order, so the k nearest are one set
        // whatever order nth_element leaves them in: selecting them is O(bots), where the partial
        // sort it replaces cost about three times as much (~2 ms every 15th tick on massive).
        const auto take = [&](std::size_t k, Vec2 where, Role role) {
            k = std::min(k, pool.size() - begin);
            if (k == 0) return;
            const auto first = pool.begin() + static_cast<std::ptrdiff_t>(begin);
            if (begin + k < pool.size()) {
                for (auto it = first; it != pool.end(); ++it) it->d2 = distance_sq(p.pos[it->slot], where);
                std::nth_element(first, first + static_cast<std::ptrdiff_t>(k), pool.end(),
                                 [](const RoleCandidate& a, const RoleCandidate& b) {
                                     return a.d2 < b.d2 || (a.d2 == b.d2 && a.slot < b.slot);
                                 });
            }
            for (std::size_t i = begin; i < begin + k; ++i) brains_[pool[i].slot].role = role;
            begin += k;
        };
        take(retrieve, flags[team].pos, Role::Retrieve);
        take(defend, world.map().bases[team].flag_stand, Role::Defend);
        if (we_carry) take(escort, theirs.pos, Role::Escort);
        for (std::size_t i = begin; i < pool.size(); ++i) brains_[pool[i].slot].role = Role::Attack;
    }
}

bool Bots::nearest_pickup(const sim::World& world, std::uint32_t slot, bool health_only, float radius,
                          Vec2& out) const {
    const sim::Players& p = world.players();
    const Vec2 me = p.pos[slot];
    float best = radius * radius;
    bool found = false;
    const auto& spots = world.map().pickups;
    pickup_grid_.for_each_in_radius(me, radius, [&](std::uint32_t s) {
        if (world.pickup_active()[s] == 0) return;
        const PickupKind k = spots[s].kind;
        bool wanted = false;
        if (health_only) {
            wanted = k == PickupKind::Health;
        } else if (k == PickupKind::ShotgunCrate || k == PickupKind::RifleCrate ||
                   k == PickupKind::SniperCrate) {
            wanted = (p.owned[slot] & (1u << sim::crate_gun(k))) == 0;
        } else if (k == PickupKind::SpeedBoost || k == PickupKind::DamageBoost) {
            wanted = true;
        } else if (k == PickupKind::Shield) {
            wanted = p.shield[slot] < world.rules().max_shield;
        }
        if (!wanted) return;
        const float d2 = distance_sq(spots[s].pos, me);
        if ((d2 < best || (d2 == best && found && spots[s].pos.x < out.x)) &&
            nav_.clear_line(me, spots[s].pos)) {
            best = d2;
            out = spots[s].pos;
            found = true;
        }
    });
    return found;
}

void Bots::decide(const sim::World& world, std::uint32_t slot, Brain& b, PathScratch& scratch) const {
    const sim::Players& p = world.players();
    const Vec2 me = p.pos[slot];
    const std::uint32_t tick = world.tick();
    const std::uint64_t draw =
        hash_draw(world.map().seed, (static_cast<std::uint64_t>(b.generation) << 32) | slot, tick);
    const SkillSpec& spec = params_.skills[static_cast<std::size_t>(b.skill)];

    // Perception: enemies within the view radius and in line of sight. Preference: flag carriers,
    // then the weak, then the near (score in wu, lower is better).
    std::uint32_t best = kNoPlayer;
    float best_score = 1e30f;
    const auto& flags = world.flags();
    world.player_grid().for_each_in_radius(me, params_.view_radius, [&](std::uint32_t j) {
        if (p.alive[j] == 0 || !world.hostile(slot, j)) return;
        const float d = distance(p.pos[j], me);
        float score = d - (100.0f - p.health[j]) * 2.0f;
        for (const Flag& f : flags)
            if (f.state == FlagState::Carried && f.carrier == j) score -= 500.0f;
        if (score > best_score || (score == best_score && j > best)) return;
        if (!world.wall_grid().line_of_sight(me, p.pos[j], world.wall_alive().data())) return;
        best_score = score;
        best = j;
    });
    if (best != kNoPlayer) {
        if (best != b.target) b.target_since = tick;
        b.target = best;
        b.last_seen = p.pos[best];
        b.last_seen_tick = tick;
        b.has_memory = true;
    } else {
        b.target = kNoPlayer;
        if (b.has_memory && tick - b.last_seen_tick > world.ticks_of(params_.memory_s)) b.has_memory = false;
    }
    b.aim_noise = (unit_float(mix64(draw ^ 0xa11ceULL)) * 2.0f - 1.0f) * spec.aim_error_rad;

    // Roles: assigned per team by assign_roles() in CTF; everyone hunts in the other modes.
    if (world.rules().mode != Mode::CaptureTheFlag || p.team[slot] == world::Team::None) b.role = Role::Hunt;
    choose_goal(world, slot, b, draw, scratch);
}

void Bots::choose_goal(const sim::World& world, std::uint32_t slot, Brain& b, std::uint64_t draw,
                       PathScratch& scratch) const {
    const sim::Players& p = world.players();
    const Vec2 me = p.pos[slot];
    const auto& flags = world.flags();
    b.field = kNoField;
    b.has_goal = true;
    b.arrive = 40.0f;
    b.path.clear();
    b.path_next = 0;
    Vec2 pickup;
    const bool carrying = (flags[0].state == FlagState::Carried && flags[0].carrier == slot) ||
                          (flags[1].state == FlagState::Carried && flags[1].carrier == slot);
    if (!carrying && p.health[slot] < params_.retreat_health &&
        nearest_pickup(world, slot, true, 1500.0f, pickup)) {
        b.goal = pickup;
        b.arrive = 5.0f;
        return;
    }
    if (world.rules().mode == Mode::CaptureTheFlag && p.team[slot] != world::Team::None) {
        const auto own = static_cast<std::size_t>(p.team[slot]);
        const std::size_t enemy = 1 - own;
        const Vec2 stand = world.map().bases[own].flag_stand;
        if (carrying) {
            // Home by the safest route: around the enemies in view when there are any (an A*
            // that charges for steps near them), else the shared field. Long routes on huge
            // maps always take the field, which bounds the search.
            std::array<Vec2, 8> threats{};
            std::size_t count = 0;
            world.player_grid().for_each_in_radius(me, params_.view_radius, [&](std::uint32_t j) {
                if (count < threats.size() && p.alive[j] != 0 && world.hostile(slot, j))
                    threats[count++] = p.pos[j];
            });
            if (count > 0 && distance_sq(stand, me) < 3000.0f * 3000.0f) {
                const PathThreats avoid{std::span<const Vec2>(threats.data(), count)};
                if (find_path(nav_, me, stand, scratch, b.path, &avoid)) {
                    b.goal = stand;
                    b.path_next = 1;
                    b.arrive = 0.0f;
                    return;
                }
            }
            b.field = static_cast<std::uint8_t>(kStandRed + own);
            b.arrive = 0.0f;
            return;
        }
        // Anyone near the own dropped flag returns it.
        if (flags[own].state == FlagState::Dropped && distance_sq(flags[own].pos, me) < 800.0f * 800.0f) {
            b.field = static_cast<std::uint8_t>(kFlagRed + own);
            b.arrive = 0.0f;
            return;
        }
        if (b.target == kNoPlayer && nearest_pickup(world, slot, false, 300.0f, pickup)) {
            b.goal = pickup;
            b.arrive = 5.0f;
            return;
        }
        switch (b.role) {
        case Role::Retrieve:
            b.field = static_cast<std::uint8_t>(kFlagRed + own);
            b.arrive = 0.0f;
            return;
        case Role::Defend:
            if (distance_sq(stand, me) > 300.0f * 300.0f) {
                b.field = static_cast<std::uint8_t>(kStandRed + own);
                b.arrive = 250.0f;
            } else {
                const Vec2 post = stand + from_angle(unit_float(draw) * 2.0f * kPi) *
                                              (80.0f + 150.0f * unit_float(mix64(draw)));
                if (nav_.clear_line(me, post))
                    b.goal = post;
                else
                    b.goal = stand;
                b.arrive = 20.0f;
            }
            return;
        case Role::Escort:
            if (flags[enemy].state == FlagState::Carried) {
                b.field =
                    static_cast<std::uint8_t>(kFlagRed + enemy); // the carried flag is where the carrier is
                b.arrive = 120.0f;
                return;
            }
            [[fallthrough]];
        default:
            b.field = static_cast<std::uint8_t>(kFlagRed + enemy);
            b.arrive = 0.0f;
            return;
        }
    }
    // Team deathmatch and free-for-all: chase what was seen, pick up what helps, roam.
    if (b.target == kNoPlayer && b.has_memory) {
        b.goal = b.last_seen;
        b.arrive = 30.0f;
        // Out of sight round a corner: an individual A* route. The place was seen, so it is
        // near and reachable, which bounds the search.
        if (!nav_.clear_line(me, b.goal) && find_path(nav_, me, b.goal, scratch, b.path)) b.path_next = 1;
        return;
    }
    if (b.target == kNoPlayer && nearest_pickup(world, slot, false, 600.0f, pickup)) {
        b.goal = pickup;
        b.arrive = 5.0f;
        return;
    }
    if (distance_sq(b.goal, me) < 60.0f * 60.0f || b.goal == Vec2{} || !nav_.clear_line(me, b.goal)) {
        const Aabb bounds = world.map().bounds();
        for (int attempt = 0; attempt < 4; ++attempt) {
            const std::uint64_t d = mix64(draw + static_cast<std::uint64_t>(attempt));
            const Vec2 q{clampf(me.x + unit_float(d) * 1400.0f - 700.0f, 60.0f, bounds.max.x - 60.0f),
                         clampf(me.y + unit_float(mix64(d)) * 1400.0f - 700.0f, 60.0f, bounds.max.y - 60.0f)};
            b.goal = q;
            if (nav_.clear_line(me, q)) break;
        }
        b.arrive = 30.0f;
    }
}

sim::Input Bots::steer(const sim::World& world, std::uint32_t slot, Brain& b) {
    const sim::Players& p = world.players();
    const sim::Rules& rules = world.rules();
    const Vec2 me = p.pos[slot];
    const std::uint32_t tick = world.tick();
    const SkillSpec& spec = params_.skills[static_cast<std::size_t>(b.skill)];
    sim::Input in;
    in.seq = ++b.seq;
    in.aim = p.aim[slot];

    // Where to go: the shared field, or the local goal.
    Vec2 move{};
    bool arrived = false;
    if (b.field != kNoField) {
        // The objective's shared field, or straight at the objective while the field's first
        // search is still running (its first dozen ticks or so on big maps).
        const FlowField* f = field_valid_[b.field] ? &fields_[b.field] : nullptr;
        const Vec2 goal = field_goal_[b.field];
        if (f != nullptr ? f->distance(me) <= b.arrive
                         : distance_sq(goal, me) <= std::max(b.arrive, 8.0f) * std::max(b.arrive, 8.0f)) {
            arrived = true;
        } else {
            // The look-ahead descent is the costliest part of steering: reuse it while the bot
            // stays in the same cell and the same objective, for at most kDirTicks ticks. A newly
            // swapped-in field (or the first one, after the straight line) thus reaches its bots
            // as their own directions expire, spread over those ticks: refreshing every bot of a
            // field at its swap redid about 15,000 descents in one tick on massive.
            const int cell = nav_.cell_of(me);
            if (cell != b.dir_cell || b.dir_field != b.field || tick >= b.dir_tick + kDirTicks) {
                b.dir = f != nullptr ? f->direction(nav_, me) : normalized(goal - me);
                b.dir_cell = cell;
                b.dir_tick = tick;
                b.dir_field = b.field;
            }
            move = b.dir;
        }
        if (f != nullptr && !f->reachable(me)) move = normalized(f->goal() - me);
    } else if (b.has_goal) {
        // Follow the A* waypoints first, if any (each is reached within 12 wu).
        while (b.path_next < b.path.size() && distance_sq(b.path[b.path_next], me) < 12.0f * 12.0f)
            ++b.path_next;
        const bool on_path = b.path_next < b.path.size();
        const Vec2 d = (on_path ? b.path[b.path_next] : b.goal) - me;
        if (!on_path && length_sq(d) <= std::max(b.arrive, 8.0f) * std::max(b.arrive, 8.0f))
            arrived = true;
        else
            move = normalized(d);
    }

    // Combat: aim (with lead and skill error), fire after the reaction time, strafe.
    const std::uint32_t t = b.target;
    const bool engaged = t != kNoPlayer && t < p.size() && p.alive[t] != 0 &&
                         distance_sq(p.pos[t], me) <= params_.view_radius * params_.view_radius;
    if (engaged) {
        const Vec2 d = p.pos[t] - me;
        const float dist = length(d);
        const std::uint8_t owned = p.owned[slot];
        auto has = [&](WeaponKind w) { return (owned & (1u << idx(w))) != 0; };
        auto loaded = [&](WeaponKind w) {
            return has(w) && (p.magazine[slot][idx(w)] > 0 || p.reserve[slot][idx(w)] != 0);
        };
        WeaponKind w = WeaponKind::Pistol;
        if (dist < 180.0f && loaded(WeaponKind::Shotgun))
            w = WeaponKind::Shotgun;
        else if (dist > 500.0f && loaded(WeaponKind::Sniper))
            w = WeaponKind::Sniper;
        else if (loaded(WeaponKind::Rifle))
            w = WeaponKind::Rifle;
        else if (loaded(WeaponKind::Sniper))
            w = WeaponKind::Sniper;
        else if (loaded(WeaponKind::Shotgun))
            w = WeaponKind::Shotgun;
        in.weapon_slot = static_cast<std::int8_t>(w);
        // Lead: where the target will be when the projectile arrives.
        const Vec2 vel = (p.pos[t] - prev_pos_[t]) * static_cast<float>(rules.tick_hz);
        const float flight = dist / rules.weapons[idx(w)].projectile_speed;
        const Vec2 aim_at = p.pos[t] + vel * (flight * spec.lead);
        in.aim = std::atan2(aim_at.y - me.y, aim_at.x - me.x) + b.aim_noise;
        if (tick >= b.target_since + world.ticks_of(spec.reaction_s)) in.buttons = sim::kButtonFire;
        if (dist < rules.weapons[idx(WeaponKind::Melee)].range + rules.player_radius)
            in.buttons = static_cast<std::uint8_t>(in.buttons | sim::kButtonMelee);
        // Strafe across the line of fire, closing in when far and backing off when too close;
        // a carrier or a bot on its way to health keeps running instead.
        const bool running =
            b.arrive <= 5.0f || (b.field != kNoField && b.field >= kStandRed && b.arrive == 0.0f);
        if (!running) {
            const bool left = ((tick / 20u + slot) & 1u) != 0;
            const Vec2 across = normalized(left ? Vec2{-d.y, d.x} : Vec2{d.y, -d.x});
            const Vec2 along =
                normalized(d) *
                (dist > 450.0f ? 0.8f : (dist < 150.0f && w != WeaponKind::Shotgun ? -0.8f : 0.0f));
            move = b.field != kNoField && !arrived ? normalized(move * 0.7f + across + along)
                                                   : normalized(across + along);
        }
    } else {
        const std::size_t g = idx(p.weapon[slot]);
        if (p.magazine[slot][g] < rules.weapons[g].magazine) in.buttons = sim::kButtonReload;
        if (length_sq(move) > 0.0f) in.aim = std::atan2(move.y, move.x);
    }

    // Local avoidance: steer around teammates just ahead instead of pushing into them (the
    // physics only separates bodies once they overlap). Looked up every third tick.
    if (length_sq(move) > 0.0f) {
        if ((tick + slot) % 3 == 0) {
            const float reach = rules.player_radius * 2.4f;
            Vec2 away{};
            world.player_grid().for_each_in_radius(me, reach, [&](std::uint32_t j) {
                if (j == slot || p.alive[j] == 0 || world.hostile(slot, j)) return;
                const Vec2 d = me - p.pos[j];
                const float dist = length(d);
                if (dist < 1e-3f || dot(d, move) > 0.0f) return; // only those in the way ahead
                away += d * ((reach - dist) / (reach * dist));
            });
            b.avoid = away;
        }
        if (length_sq(b.avoid) > 0.0f) move = normalized(move + b.avoid * 0.8f);
    }

    // Stuck detection and recovery: a bot that wants to move but stays within 10 wu of one spot
    // side-steps after 0.8 s; staying more than 2 s counts as a stuck episode (reported).
    const bool wants_to_move = length_sq(move) > 0.0f;
    if (!wants_to_move || distance_sq(me, b.anchor) > kStuckDistance * kStuckDistance) {
        b.anchor = me;
        b.anchor_tick = tick;
        b.stuck_counted = false;
    } else {
        const std::uint32_t still = tick - b.anchor_tick;
        if (still > world.ticks_of(kStuckSeconds) && !b.stuck_counted) {
            b.stuck_counted = true;
            tick_flags_[slot] |= kStuck;
        }
        if (still > world.ticks_of(kSidestepAfterS) && tick >= b.sidestep_until) {
            const std::uint64_t d = hash_draw(world.map().seed ^ 0x51de57e9ULL, slot, tick);
            const float side = (d & 1u) != 0 ? 0.5f : -0.5f;
            b.sidestep = std::atan2(move.y, move.x) + side * kPi + (unit_float(mix64(d)) - 0.5f);
            b.sidestep_until = tick + world.ticks_of(kSidestepS);
        }
    }
    if (tick < b.sidestep_until) move = from_angle(b.sidestep);
    quantize(move, in);
    return in;
}

} // namespace mgs::ai
