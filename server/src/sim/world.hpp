#pragma once
// The authoritative simulation of one world: players (humans and bots alike), projectiles,
// walls, pickups, flags and the match. step() advances it by one fixed tick.
//
// Why it looks like this:
// - Dense arrays indexed by player slot (structure of arrays for the hot fields); other
//   systems hold PlayerId handles (slot + generation), never pointers.
// - Deterministic: the same seed, configuration and inputs give the same state hash after any
//   number of ticks, for any worker count. Parallel phases only write the elements of their own
//   range; everything that couples entities (damage, pickups, flags, spawning, events) runs
//   serially in a fixed order. Randomness is a pure function of (seed, player, tick).
// - No heap allocation per tick in steady state: buffers grow with the population only.
//
// Tick phases (step()):
//   1 inputs   latest input per player, validated          (serial, cheap)
//   2 move     kinematic movement, wall sliding, separation (parallel over grid order)
//   3 grid     rebuild the player grid (counting sort)
//   4 weapons  switch, reload, fire, melee                  (serial, fixed order)
//   5 shots    swept projectile tests                       (parallel), hits applied (serial)
//   6 rules    pickups, flags, walls, respawns, match cycle (serial)
#include "core/handle.hpp"
#include "core/parallel.hpp"
#include "sim/events.hpp"
#include "sim/input.hpp"
#include "sim/rules.hpp"
#include "world/entity_grid.hpp"
#include "world/map.hpp"
#include "world/wall_grid.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mgs::sim {

/// How far a player can be from where the player grid saw it (grid rebuilt at the end of the
/// previous tick): one tick of boosted movement (7.5 wu) plus at most kMaxSeparationStep of
/// separation, with margin. Queries widen their area by it and then test exact positions.
inline constexpr float kMaxSeparationStep = 7.5f;
inline constexpr float kGridSlack = 32.0f;

/// Spawns per tick at most. A match start respawns everyone and a world starts with its whole
/// bot population waiting to spawn: with 20,000 players that is 20,000 spawn-point choices and,
/// on the next tick, 20,000 first bot decisions in one tick. Players due beyond this many spawn
/// on the following ticks, lowest slots first (slots alternate between teams, so each tick's
/// share is balanced); smaller populations all spawn at once, as before.
inline constexpr std::uint32_t kMaxSpawnsPerTick = 2048;

struct PlayerTag {};
using PlayerId = Handle<PlayerTag>;
using world::Team;

enum class MatchPhase : std::uint8_t { Waiting = 0, Active = 1, Ended = 2 };
enum class FlagState : std::uint8_t { Home = 0, Carried = 1, Dropped = 2 };

struct PlayerStats {
    std::int32_t kills = 0;
    std::int32_t deaths = 0;
    std::int32_t assists = 0;
    std::int32_t captures = 0;
    std::int32_t returns = 0;
    std::int32_t score = 0;
};

/// Recent damage dealt to a player, for assists (who hurt the victim in the last few seconds).
struct DamageRecord {
    std::uint32_t attacker = kNoPlayer;
    std::uint32_t tick = 0;
};
inline constexpr int kDamageRecords = 4;

/// Player state, structure of arrays indexed by slot. Hot movement fields first.
struct Players {
    // hot: movement and grid (per slot: 8 + 8 + 4 + 1 + 1 = 22 bytes)
    std::vector<Vec2> pos;
    std::vector<Vec2> push; ///< separation displacement computed this tick
    std::vector<float> aim;
    std::vector<std::uint8_t> alive;  ///< 1 = in play (occupied slot and not dead)
    std::vector<std::uint8_t> in_use; ///< slot occupied
    // combat
    std::vector<float> health;
    std::vector<float> shield;
    std::vector<Team> team;
    std::vector<WeaponKind> weapon;  ///< selected gun (never Melee)
    std::vector<std::uint8_t> owned; ///< bit per WeaponKind
    std::vector<std::array<std::int16_t, kGunCount>> magazine;
    std::vector<std::array<std::int16_t, kGunCount>> reserve; ///< -1 = unlimited
    std::vector<std::uint32_t> next_fire_tick;
    std::vector<std::uint32_t> next_melee_tick;
    std::vector<std::uint32_t> reload_done_tick; ///< 0 = not reloading
    std::vector<std::uint32_t> respawn_tick;     ///< when dead: tick of respawn
    std::vector<std::uint32_t> protected_until;  ///< spawn protection end tick
    std::vector<std::uint32_t> speed_until;      ///< speed boost end tick
    std::vector<std::uint32_t> damage_until;     ///< damage boost end tick
    std::vector<std::array<DamageRecord, kDamageRecords>> damage_log;
    std::vector<Input> input;   ///< input applied this tick
    std::vector<Input> pending; ///< latest received, applied at next step
    // cold
    std::vector<std::uint32_t> generation;
    std::vector<std::uint8_t> is_bot;
    std::vector<PlayerStats> stats;
    std::vector<std::string> name;

    [[nodiscard]] std::size_t size() const noexcept { return pos.size(); }
    void resize(std::size_t n);
};

/// Projectiles in a pool of slots; free slots are reused (last freed first).
struct Projectiles {
    std::vector<Vec2> pos;
    std::vector<Vec2> vel; ///< wu per second
    std::vector<float> damage;
    std::vector<std::uint32_t> owner; ///< player slot
    std::vector<std::uint32_t> owner_gen;
    std::vector<std::uint32_t> expire_tick;
    std::vector<Vec2> origin;              ///< where it was fired (clients extrapolate from it)
    std::vector<std::uint32_t> fired_tick; ///< tick it was fired on
    std::vector<Team> team;
    std::vector<WeaponKind> weapon;
    std::vector<std::uint8_t> active;
    // result of the parallel sweep: 0 none, 1 wall, 2 player; hit index and parameter
    std::vector<std::uint8_t> hit_kind;
    std::vector<std::uint32_t> hit_index;
    std::vector<float> hit_t;
    std::vector<std::uint32_t> free_slots;
    std::size_t live = 0;

    [[nodiscard]] std::size_t size() const noexcept { return pos.size(); }
};

struct Flag {
    Team team = Team::Red;
    FlagState state = FlagState::Home;
    Vec2 pos{};
    std::uint32_t carrier = kNoPlayer;
    std::uint32_t return_tick = 0; ///< when dropped: tick of automatic return
};

struct MatchState {
    MatchPhase phase = MatchPhase::Waiting;
    std::uint32_t phase_end_tick = 0; ///< Active: time limit; Ended: next match
    std::uint32_t number = 0;         ///< matches started so far
    std::array<std::int32_t, 2> team_score{};
    Team winner = Team::None;
    std::uint32_t best_player = kNoPlayer;
};

/// Totals since the world was created (for reports).
struct Totals {
    std::uint64_t kills = 0;
    std::uint64_t captures = 0;
    std::uint64_t shots = 0;
    std::uint64_t matches = 0;
};

class World {
public:
    /// Creates the world with its generated map. `bot_population` bots are added and kept
    /// (minus the humans present) by balance_population().
    World(const Rules& rules, const world::MapParams& map_params, int bot_population);
    /// Creates the world on a given map (tests build small hand-made maps this way).
    World(const Rules& rules, world::Map map, int bot_population);

    /// Adds a player (team chosen to balance teams; `preferred` honoured when it does not make
    /// teams uneven). Returns its handle. Main thread only, between steps.
    PlayerId add_player(std::string_view name, bool is_bot, Team preferred = Team::None);
    /// Removes a player; a stale or invalid handle is ignored. Returns true if removed.
    bool remove_player(PlayerId id);
    /// Latest input for a player (applied at the next step); stale handles are ignored.
    void set_input(PlayerId id, const Input& input);

    /// Advances one tick. `exec` runs the parallel phases.
    void step(Executor& exec);

    /// Hash of the whole simulation state (for determinism checks).
    [[nodiscard]] std::uint64_t state_hash() const;

    /// Keeps humans + bots at the configured population (bots make room for humans) and teams
    /// balanced. Called by step(); public for tests.
    void balance_population();

    // Read access for AI, sync, reports and tests.
    [[nodiscard]] const Rules& rules() const noexcept { return rules_; }
    [[nodiscard]] const world::Map& map() const noexcept { return map_; }
    [[nodiscard]] const Players& players() const noexcept { return players_; }
    [[nodiscard]] const Projectiles& projectiles() const noexcept { return proj_; }
    [[nodiscard]] const std::vector<std::uint8_t>& wall_alive() const noexcept { return wall_alive_; }
    [[nodiscard]] const std::vector<float>& wall_health() const noexcept { return wall_health_; }
    [[nodiscard]] const std::vector<std::uint8_t>& pickup_active() const noexcept { return pickup_active_; }
    [[nodiscard]] const std::array<Flag, 2>& flags() const noexcept { return flags_; }
    [[nodiscard]] const MatchState& match() const noexcept { return match_; }
    [[nodiscard]] const Totals& totals() const noexcept { return totals_; }
    [[nodiscard]] const world::EntityGrid& player_grid() const noexcept { return grid_; }
    [[nodiscard]] const world::WallGrid& wall_grid() const noexcept { return walls_; }
    [[nodiscard]] std::span<const Event> events() const noexcept { return bus_.events(); }
    [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
    [[nodiscard]] float dt() const noexcept { return dt_; }
    [[nodiscard]] std::uint32_t ticks_of(float seconds) const noexcept;
    [[nodiscard]] PlayerId handle(std::uint32_t slot) const noexcept {
        return {slot, players_.generation[slot]};
    }
    [[nodiscard]] bool valid(PlayerId id) const noexcept;
    [[nodiscard]] int team_count(Team t) const noexcept { return team_count_[static_cast<std::size_t>(t)]; }
    [[nodiscard]] int humans() const noexcept { return humans_; }
    [[nodiscard]] int bots() const noexcept { return bots_; }
    [[nodiscard]] int bot_population() const noexcept { return bot_population_; }
    void set_bot_population(int n) noexcept { bot_population_ = n; }
    /// True when a and b are enemies (different teams, or anyone else in free-for-all).
    [[nodiscard]] bool hostile(std::uint32_t a, std::uint32_t b) const noexcept;

    // Test hooks: direct state edits that tests need to set up situations.
    Players& mutable_players() noexcept { return players_; }
    /// Sets a wall's health; 0 or less destroys it (with the normal respawn delay).
    void set_wall_health(std::uint32_t wall, float health);
    /// Rebuilds the player grid from current positions (tests that move players by hand).
    void refresh_grid();
    /// Starts a new match now: scores reset, everyone respawns (kMaxSpawnsPerTick at once, the
    /// rest on the next ticks).
    void start_match();
    /// Deals damage as a hit from `attacker` would; returns the amount absorbed by shield+health.
    float apply_damage(std::uint32_t victim, std::uint32_t attacker, float amount, WeaponKind weapon);
    /// Puts pickup spot i back (tests).
    void respawn_pickup(std::uint32_t i);

private:
    void phase_inputs();
    void phase_move(Executor& exec);
    void phase_weapons();
    void phase_projectiles(Executor& exec);
    void phase_pickups();
    void phase_flags();
    void phase_walls();
    void phase_respawn();
    /// Spawns dead players whose respawn tick has come, in slot order, at most `budget`.
    void spawn_due(std::uint32_t budget);
    /// True when a waiting world has the players to start a match.
    [[nodiscard]] bool match_can_start() const noexcept;
    void phase_match();

    void fire(std::uint32_t p, WeaponKind w);
    void melee(std::uint32_t p);
    void spawn_projectile(std::uint32_t p, WeaponKind w, Vec2 dir, float damage);
    void kill(std::uint32_t victim, std::uint32_t killer, WeaponKind weapon);
    void drop_flag(std::uint32_t carrier);
    void destroy_wall(std::uint32_t w);
    void return_flag(int team_index, std::uint32_t by);
    void spawn_player(std::uint32_t p);
    void reset_loadout(std::uint32_t p);
    [[nodiscard]] Vec2 choose_spawn(std::uint32_t p) const;
    void end_match(Team winner);
    void reset_round_state();
    void build_wall_grid();
    void init();
    void rebalance_teams();
    [[nodiscard]] Team pick_team(Team preferred) const;
    void resolve_walls(Vec2& pos) const;
    void emit(const Event& e) { bus_.push(e); }
    [[nodiscard]] bool combat_enabled() const noexcept { return match_.phase != MatchPhase::Ended; }
    [[nodiscard]] bool team_mode() const noexcept { return rules_.mode != Mode::FreeForAll; }

    Rules rules_;
    world::MapParams map_params_;
    world::Map map_;
    world::WallGrid walls_;
    world::EntityGrid grid_;
    float dt_ = 1.0f / 30.0f;
    std::uint32_t tick_ = 0;

    Players players_;
    std::vector<std::uint32_t> free_slots_;
    Projectiles proj_;

    std::vector<std::uint8_t> wall_alive_;
    std::vector<float> wall_health_;
    std::vector<std::uint32_t> wall_respawn_tick_;
    std::vector<std::uint8_t> pickup_active_;
    std::vector<std::uint32_t> pickup_respawn_tick_;
    std::array<Flag, 2> flags_{};
    MatchState match_;
    Totals totals_;
    EventBus bus_;
    std::size_t seen_events_ = 0; ///< events of the last step (the rest came between steps)

    std::array<int, 3> team_count_{};
    int humans_ = 0;
    int bots_ = 0;
    int bot_population_ = 0;
    std::uint32_t bot_serial_ = 0;
};

} // namespace mgs::sim
