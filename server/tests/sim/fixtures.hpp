#pragma once
// Shared set-up for the simulation tests: a small hand-built map (no generator, so every wall,
// pickup, flag stand and spawn point is where the test says) and a harness that owns a World,
// steps it with the serial executor and collects the events of the steps it ran.
//
// Test map (2000 x 1000 wu, no border walls: players are clamped to the bounds):
//
//   (0,0) +--------------------------------------------------------------+
//         |   R spawn (300,150)      ffa (1000,150)     B spawn (1700,150) |
//         |                                                              |
//         |                combat area around y = 500                    |
//         |                                                              |
//         |   R flag (150,850)                          B flag (1850,850) |
//         +--------------------------------------------------------------+ (2000,1000)
//
// A match starts at the first step with a human present, and that start respawns everyone at
// the spawn points with spawn protection, so tests call begin() first and place players after.
#include "core/parallel.hpp"
#include "sim/world.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgs::sim::test {

inline constexpr Vec2 kRedFlag{150.0f, 850.0f};
inline constexpr Vec2 kBlueFlag{1850.0f, 850.0f};
inline constexpr Vec2 kRedSpawn{300.0f, 150.0f};
inline constexpr Vec2 kBlueSpawn{1700.0f, 150.0f};
inline constexpr float kAimRight = 0.0f;
inline constexpr float kAimUp = -kPi / 2.0f;

/// An empty 2000 x 1000 map with two bases, one spawn point per team and three FFA spawns.
inline world::Map test_map(float width = 2000.0f, float height = 1000.0f) {
    world::Map m;
    m.width = width;
    m.height = height;
    m.seed = 7;
    m.bases[0] = world::TeamBase{kRedFlag, Aabb{{0.0f, 700.0f}, {300.0f, height}}};
    m.bases[1] = world::TeamBase{kBlueFlag, Aabb{{width - 300.0f, 700.0f}, {width, height}}};
    m.team_spawns[0] = {kRedSpawn};
    m.team_spawns[1] = {kBlueSpawn};
    m.ffa_spawns = {kRedSpawn, Vec2{1000.0f, 150.0f}, kBlueSpawn};
    return m;
}

/// Appends a wall and returns its index (max_health 0: indestructible).
inline std::uint32_t add_wall(world::Map& m, Aabb box, int max_health = 0) {
    m.walls.push_back(world::WallDef{box, static_cast<std::int16_t>(max_health)});
    return static_cast<std::uint32_t>(m.walls.size() - 1);
}

/// Appends a pickup spot and returns its index.
inline std::uint32_t add_pickup(world::Map& m, Vec2 pos, world::PickupKind kind) {
    m.pickups.push_back(world::PickupSpot{pos, kind});
    return static_cast<std::uint32_t>(m.pickups.size() - 1);
}

/// "prefix" followed by the number (appending sidesteps a GCC 12 -Wrestrict false positive
/// on `"literal" + std::to_string(i)`).
inline std::string numbered(std::string_view prefix, int i) {
    std::string s(prefix);
    s += std::to_string(i);
    return s;
}

inline Rules rules_for(Mode mode) {
    Rules r;
    r.mode = mode;
    return r;
}

inline std::size_t gun(WeaponKind w) {
    return static_cast<std::size_t>(w);
}

inline bool owns(const World& w, std::uint32_t slot, WeaponKind k) {
    return (w.players().owned[slot] & (1u << gun(k))) != 0;
}

/// Input helpers (designated initialisers must follow the member order of Input).
inline Input aim_input(float aim, std::uint8_t buttons = 0, std::int8_t slot = -1) {
    return Input{.seq = 0, .move_x = 0, .move_y = 0, .buttons = buttons, .weapon_slot = slot, .aim = aim};
}
inline Input move_input(int mx, int my, float aim = 0.0f) {
    return Input{.seq = 0,
                 .move_x = static_cast<std::int8_t>(mx),
                 .move_y = static_cast<std::int8_t>(my),
                 .buttons = 0,
                 .weapon_slot = -1,
                 .aim = aim};
}

/// Owns a World on a hand-built map and steps it serially.
class Sim {
public:
    explicit Sim(const Rules& rules = rules_for(Mode::TeamDeathmatch), world::Map map = test_map(),
                 int bots = 0)
        : world_(rules, std::move(map), bots) {}

    World& world() { return world_; }
    const World& world() const { return world_; }
    const Players& players() const { return world_.players(); }
    Players& mut() { return world_.mutable_players(); }

    /// Adds a human, asking for team `t`; the test fails if the team is not granted.
    PlayerId add(std::string_view name, Team t = Team::None) {
        const PlayerId id = world_.add_player(name, false, t);
        if (t != Team::None) {
            EXPECT_EQ(world_.players().team[id.index], t) << name;
        }
        return id;
    }

    /// First step: the match starts (a human is present) and everyone spawns.
    void begin() {
        step();
        EXPECT_EQ(world_.match().phase, MatchPhase::Active);
    }

    /// Runs n ticks; returns the events of all of them, in order.
    std::vector<Event> step(std::uint32_t n = 1) {
        std::vector<Event> out;
        for (std::uint32_t i = 0; i < n; ++i) {
            world_.step(exec_);
            const auto ev = world_.events();
            out.insert(out.end(), ev.begin(), ev.end());
        }
        return out;
    }

    /// Moves a player by hand (alive, unprotected, aiming at `aim`, no buttons held).
    void place(PlayerId id, Vec2 pos, float aim = kAimRight) {
        Players& p = world_.mutable_players();
        p.pos[id.index] = pos;
        p.aim[id.index] = aim;
        p.protected_until[id.index] = 0;
        world_.set_input(id, aim_input(aim));
        world_.refresh_grid();
    }

    /// Gives a crate weapon with a full magazine and full reserve, and selects it.
    void give(PlayerId id, WeaponKind w) {
        Players& p = world_.mutable_players();
        const WeaponSpec& spec = world_.rules().weapons[gun(w)];
        p.owned[id.index] = static_cast<std::uint8_t>(p.owned[id.index] | (1u << gun(w)));
        p.magazine[id.index][gun(w)] = static_cast<std::int16_t>(spec.magazine);
        p.reserve[id.index][gun(w)] = w == WeaponKind::Pistol
                                          ? std::int16_t{-1}
                                          : static_cast<std::int16_t>(spec.reserve_magazines * spec.magazine);
        p.weapon[id.index] = w;
        p.reload_done_tick[id.index] = 0;
    }

    void input(PlayerId id, const Input& in) { world_.set_input(id, in); }
    float health(PlayerId id) const { return world_.players().health[id.index]; }
    Vec2 pos(PlayerId id) const { return world_.players().pos[id.index]; }
    bool alive(PlayerId id) const { return world_.players().alive[id.index] != 0; }
    const PlayerStats& stats(PlayerId id) const { return world_.players().stats[id.index]; }
    std::uint32_t ticks(float seconds) const { return world_.ticks_of(seconds); }
    std::uint32_t tick() const { return world_.tick(); }

private:
    World world_;
    SerialExecutor exec_;
};

/// Events of one type (optionally only those whose `a` is `a_slot`).
inline std::vector<Event> of_type(const std::vector<Event>& ev, EventType t,
                                  std::uint32_t a_slot = kNoPlayer) {
    std::vector<Event> out;
    for (const Event& e : ev) {
        if (e.type == t && (a_slot == kNoPlayer || e.a == a_slot)) out.push_back(e);
    }
    return out;
}

inline std::size_t count_of(const std::vector<Event>& ev, EventType t, std::uint32_t a_slot = kNoPlayer) {
    return of_type(ev, t, a_slot).size();
}

/// Active projectiles owned by `owner`.
inline std::vector<std::uint32_t> projectiles_of(const World& w, std::uint32_t owner) {
    std::vector<std::uint32_t> out;
    const Projectiles& pr = w.projectiles();
    for (std::uint32_t s = 0; s < pr.size(); ++s) {
        if (pr.active[s] != 0 && pr.owner[s] == owner) out.push_back(s);
    }
    return out;
}

} // namespace mgs::sim::test
