// Configuration loading. One table of key descriptors (kKeys, built by build_keys()) drives
// everything: the TOML reader walks the file and looks each leaf up in it, the environment reader
// derives MGS_<SECTION>_<KEY> from each entry, --set and the dedicated flags resolve to an entry,
// validate() checks every entry's range, and describe_keys()/to_toml() print it. A key is therefore
// declared exactly once, with its path, accessor, range and meaning.
//
//   defaults -> preset -> TOML file -> MGS_* environment -> flags (--seed ..., then --set)
//
// Messages always start with "config: " and name the key (or variable, or flag) first, then the
// problem, then where the value came from.
#include "app/config.hpp"
#include <arpa/inet.h> // inet_pton: address validation

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <numbers>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace mgs::app {
namespace {

// ---------------------------------------------------------------------------------------------
// Presets

struct Preset {
    std::string_view name;
    float width;
    float height;
    int bots;
};

// GAMEPLAY.md "World".
constexpr std::array<Preset, 3> kPresets = {{
    {"arena", 1600.0f, 1200.0f, 20},
    {"default", 8000.0f, 6000.0f, 400},
    {"massive", 32000.0f, 32000.0f, 20000},
}};

const Preset* find_preset(std::string_view name) {
    for (const Preset& p : kPresets) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += sep;
        }
        out += items[i];
    }
    return out;
}

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    names.reserve(kPresets.size());
    for (const Preset& p : kPresets) {
        names.emplace_back(p.name);
    }
    return names;
}

// ---------------------------------------------------------------------------------------------
// The key table

using Float2 = std::array<float, 2>;
using Float3 = std::array<float, 3>;
using Float4 = std::array<float, 4>;
using Health4 = std::array<std::int16_t, 4>;

/// Where a key lives in ServerConfig. Two accessors because validate() and to_toml() only read.
template <class T> struct Field {
    using value_type = T;
    std::function<T&(ServerConfig&)> get;
    std::function<const T&(const ServerConfig&)> get_const;
};

using AnyField = std::variant<Field<bool>, Field<int>, Field<std::uint64_t>, Field<float>, Field<std::string>,
                              Field<sim::Mode>, Field<Float2>, Field<Float3>, Field<Float4>, Field<Health4>>;

struct Key {
    std::string path; ///< TOML path, "player.speed"
    std::string env;  ///< derived: "MGS_PLAYER_SPEED"
    AnyField field;
    double min = 0.0; ///< numeric range (of each element for arrays)
    double max = 0.0;
    std::vector<std::string> choices; ///< allowed values of a string or enum key; empty: any non-empty
    std::string help;                 ///< meaning and unit
};

template <class T> inline constexpr bool kIsArray = false;
template <class E, std::size_t N> inline constexpr bool kIsArray<std::array<E, N>> = true;

constexpr std::array<std::pair<std::string_view, sim::Mode>, 3> kModeNames = {{
    {"ctf", sim::Mode::CaptureTheFlag},
    {"tdm", sim::Mode::TeamDeathmatch},
    {"ffa", sim::Mode::FreeForAll},
}};

std::string_view mode_name(sim::Mode mode) {
    for (const auto& [name, value] : kModeNames) {
        if (value == mode) {
            return name;
        }
    }
    return "?";
}

std::string env_name(std::string_view path) {
    std::string env = "MGS_";
    for (const char c : path) {
        env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return env;
}

class KeyTable {
public:
    /// `get` is a generic lambda `[](auto& c) -> auto& { return c.member; }` so that one
    /// expression serves both the mutable and the const accessor.
    template <class Get> Key& add(std::string path, Get get, double min, double max, std::string help) {
        using T = std::remove_cvref_t<decltype(get(std::declval<ServerConfig&>()))>;
        Key key;
        key.env = env_name(path);
        key.path = std::move(path);
        key.field = Field<T>{[get](ServerConfig& c) -> T& { return get(c); },
                             [get](const ServerConfig& c) -> const T& { return get(c); }};
        key.min = min;
        key.max = max;
        key.help = std::move(help);
        if constexpr (std::is_same_v<T, sim::Mode>) {
            for (const auto& entry : kModeNames) {
                key.choices.emplace_back(entry.first);
            }
        }
        keys_.push_back(std::move(key));
        return keys_.back();
    }

    /// A key of weapon `index`: `member` of its WeaponSpec.
    template <class Member>
    Key& add_weapon(std::string path, std::size_t index, Member member, double min, double max,
                    std::string help) {
        const auto get = [index, member](auto& c) -> decltype(auto) {
            return std::invoke(member, c.rules.weapons[index]);
        };
        return add(std::move(path), get, min, max, std::move(help));
    }

    template <class Get>
    Key& add_choice(std::string path, Get get, std::vector<std::string> choices, std::string help) {
        Key& key = add(std::move(path), get, 0.0, 0.0, std::move(help));
        key.choices = std::move(choices);
        return key;
    }

    std::vector<Key> take() { return std::move(keys_); }

private:
    std::vector<Key> keys_;
};

// Builds a two-way accessor for a member of ServerConfig (see KeyTable::add).
#define MGS_FIELD(member) ([](auto& c) -> auto& { return c.member; })

constexpr double kMaxScore = 1e6;
constexpr auto kMaxSeed = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr double kHalfPi = std::numbers::pi / 2.0;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

struct WeaponKeys {
    std::string_view name;
    sim::WeaponKind kind;
    bool gun;     ///< fires projectiles from a magazine
    bool reserve; ///< crates give spare magazines (the pistol's ammunition is unlimited)
};

constexpr std::array<WeaponKeys, sim::kWeaponCount> kWeaponKeys = {{
    {"pistol", sim::WeaponKind::Pistol, true, false},
    {"shotgun", sim::WeaponKind::Shotgun, true, true},
    {"rifle", sim::WeaponKind::Rifle, true, true},
    {"sniper", sim::WeaponKind::Sniper, true, true},
    {"melee", sim::WeaponKind::Melee, false, false},
}};

/// Indexed by world::PickupKind.
constexpr std::array<std::string_view, static_cast<std::size_t>(world::PickupKind::Count)> kPickupNames = {
    "health",       "ammo",        "shotgun_crate", "rifle_crate",
    "sniper_crate", "speed_boost", "damage_boost",  "shield"};

// Order matters to to_toml(): top-level keys first, and the keys of one TOML table contiguous.
std::vector<Key> build_keys() {
    KeyTable t;
    t.add_choice("preset", MGS_FIELD(preset), preset_names(),
                 "world size and bot population: arena (1600 x 1200 wu, 20 bots), default (8000 x 6000 wu, "
                 "400 bots), massive (32000 x 32000 wu, 20000 bots); applied first, every other key "
                 "overrides it");
    // TOML integers are signed 64-bit, so the seed stays within what a file can hold.
    t.add("seed", MGS_FIELD(seed), 0.0, static_cast<double>(kMaxSeed),
          "seed of the map generator and the simulation; the same seed gives the same map");
    t.add("threads", MGS_FIELD(threads), 0, 256,
          "worker threads for the parallel simulation phases; 0 = all cores");
    t.add("bots", MGS_FIELD(bots), 0, 65535,
          "bot population, kept constant: bots leave to make room for humans and come back when they "
          "leave (preset: arena 20, default 400, massive 20000)");
    t.add_choice("log_level", MGS_FIELD(log_level), {"trace", "debug", "info", "warn", "error", "off"},
                 "log verbosity");

    t.add("server.bind_address", MGS_FIELD(bind_address), 0, 0,
          "address the HTTP and WebRTC server listens on (0.0.0.0 = every interface)");
    t.add("server.http_port", MGS_FIELD(http_port), 0, 65535,
          "HTTP port (game client, signalling, /metrics); 0 = any free port");
    t.add("server.udp_port", MGS_FIELD(udp_port), 0, 65535,
          "UDP port for every WebRTC client (ICE, DTLS, SCTP); 0 = any free port");
    t.add("server.public_ip", MGS_FIELD(public_ip), 0, 0,
          "addresses advertised to WebRTC clients as host candidates, comma-separated (the machine's "
          "public IPs); \"auto\" = the bind address, or 127.0.0.1 when binding every interface");
    t.add("server.static_dir", MGS_FIELD(static_dir), 0, 0,
          "directory of the web client served at /; relative to the working directory; a built-in test "
          "page is served when it does not exist");
    t.add("server.max_players", MGS_FIELD(max_players), 1, 65535,
          "human players admitted at once (connected or within their resume grace); more get "
          "\"server_full\"");
    t.add("server.max_spectators", MGS_FIELD(max_spectators), 0, 100000,
          "spectators admitted at once (connected or within their resume grace), besides the players; "
          "more get \"server_full\"");
    t.add("server.max_pending_handshakes", MGS_FIELD(max_pending_handshakes), 1, 100000,
          "WebRTC connections being set up at once; more get \"too_many_handshakes\"");
    t.add("server.resume_grace_s", MGS_FIELD(resume_grace_s), 0, 3600,
          "how long a disconnected player stays in the world, resumable with its session token (s)");
    t.add("server.connect_timeout_s", MGS_FIELD(connect_timeout_s), 1, 600,
          "time for a client to finish the WebRTC handshake after its offer (s)");
    t.add("server.consent_timeout_s", MGS_FIELD(consent_timeout_s), 5, 600,
          "a WebRTC client silent this long (no ICE consent check) is disconnected (s)");
    t.add("server.max_message_bytes", MGS_FIELD(max_message_bytes), 1200, 262144,
          "largest data channel or WebSocket message accepted (a=max-message-size)");
    t.add("server.signaling_rate_per_s", MGS_FIELD(signaling_rate_per_s), 0.1, 10000,
          "signaling messages per second allowed from one IP address");
    t.add("server.signaling_burst", MGS_FIELD(signaling_burst), 1, 10000,
          "signaling messages one IP address may send in a burst");
    t.add("server.max_violations", MGS_FIELD(max_violations), 1, 1000000,
          "malformed game messages a client may send before it is disconnected");
    t.add("server.stats_interval_s", MGS_FIELD(stats_interval_s), 0.1, 3600,
          "period of the live statistics line (s)");

    t.add("server.overload_max_level", MGS_FIELD(overload_max_level), 0, 5,
          "deepest overload level the server may go to when ticks take too long (0 = never shed work): "
          "1 far entities every other snapshot, 2 snapshots at 3/4 rate, 3 at half rate, 4 smaller views, "
          "5 bots decide at half rate");
    t.add("sync.snapshot_hz", MGS_FIELD(snapshot_hz), 1, 240,
          "snapshots per second sent to each client; at most match.tick_hz");
    t.add("sync.view_half_width", MGS_FIELD(view_half_width), 100, 16000,
          "area of interest: half the width of the rectangle around a player whose entities it is sent "
          "(wu; 1100 covers a 1920-pixel screen at zoom 1 plus a margin)");
    t.add("sync.view_half_height", MGS_FIELD(view_half_height), 100, 16000,
          "area of interest: half the height of that rectangle (wu)");
    t.add("sync.view_hysteresis", MGS_FIELD(view_hysteresis), 0, 4000,
          "an entity leaves a player's view only this far outside the rectangle, so entities at the "
          "edge do not flicker in and out (wu)");
    t.add("sync.snapshot_budget_bytes", MGS_FIELD(snapshot_budget_bytes), 300, 1060,
          "bytes of entity updates and effects in one snapshot message (the whole message stays under "
          "1150 bytes); entities that do not fit are sent in later snapshots by priority");
    t.add("sync.max_effects", MGS_FIELD(max_effects), 0, 32,
          "effects (damage numbers, deaths, wall impacts, pickups, walls, flags) in one snapshot "
          "message, nearest first");

    t.add("match.mode", MGS_FIELD(rules.mode), 0, 0,
          "game mode: ctf = capture the flag, tdm = team deathmatch, ffa = free-for-all");
    t.add("match.time_limit_s", MGS_FIELD(rules.time_limit_s), 1, 86400, "length of a match (s)");
    t.add("match.ffa_score_limit", MGS_FIELD(rules.ffa_score_limit), 0, kMaxScore,
          "free-for-all: player score that ends the match early; 0 = time limit only");
    t.add("match.tdm_score_limit", MGS_FIELD(rules.tdm_score_limit), 1, kMaxScore,
          "team deathmatch: team points (enemy kills) that end the match early");
    t.add("match.ctf_capture_limit", MGS_FIELD(rules.ctf_capture_limit), 1, 1000,
          "capture the flag: captures that end the match early");
    t.add("match.ended_s", MGS_FIELD(rules.ended_s), 0, 600,
          "length of the results screen between matches (s)");
    t.add("match.bots_only_matches", MGS_FIELD(rules.bots_only_matches), 0, 0,
          "start matches with bots only instead of waiting for a human");
    t.add("match.regenerate_map", MGS_FIELD(rules.regenerate_map), 0, 0,
          "generate a new map for every match");
    t.add("match.tick_hz", MGS_FIELD(rules.tick_hz), 1, 240, "simulation ticks per second (Hz)");

    t.add("player.radius", MGS_FIELD(rules.player_radius), 2, 100, "radius of a player's circle (wu)");
    t.add("player.max_health", MGS_FIELD(rules.max_health), 1, 100000, "health of a fresh player (hp)");
    t.add("player.speed", MGS_FIELD(rules.speed), 1, 10000, "movement speed (wu/s)");
    t.add("player.respawn_s", MGS_FIELD(rules.respawn_s), 0, 600, "delay from death to respawn (s)");
    t.add("player.spawn_protection_s", MGS_FIELD(rules.spawn_protection_s), 0, 60,
          "time after a respawn without taking damage; firing ends it (s)");
    t.add("player.separation_strength", MGS_FIELD(rules.separation_strength), 0, 1,
          "fraction of an overlap each of two touching players resolves per tick (1 = hard push)");

    for (const WeaponKeys& w : kWeaponKeys) {
        const auto i = static_cast<std::size_t>(w.kind);
        const std::string p = "weapons." + std::string(w.name) + ".";
        // One key of this weapon, given the WeaponSpec member it sets.
        const auto weapon = [&](std::string_view name, auto member, double min, double max,
                                std::string help) {
            t.add_weapon(p + std::string(name), i, member, min, max, std::move(help));
        };
        using sim::WeaponSpec;
        weapon("damage", &WeaponSpec::damage, 0, 100000,
               w.gun ? "damage of one projectile (hp)" : "damage of one hit (hp)");
        if (w.gun) {
            weapon("pellets", &WeaponSpec::pellets, 1, 64, "projectiles per shot");
        }
        weapon("cooldown_s", &WeaponSpec::cooldown_s, 0.01, 60, "minimum time between two shots (s)");
        if (w.gun) {
            weapon("magazine", &WeaponSpec::magazine, 1, 1000, "rounds per magazine");
            weapon("reload_s", &WeaponSpec::reload_s, 0, 60, "reload time (s)");
            weapon("projectile_speed", &WeaponSpec::projectile_speed, 1, 100000, "projectile speed (wu/s)");
            weapon("lifetime_s", &WeaponSpec::lifetime_s, 0.01, 60,
                   "time a projectile flies before it vanishes (s)");
            weapon("spread_rad", &WeaponSpec::spread_rad, 0, kHalfPi,
                   "projectiles leave within +- this angle of the aim (rad)");
        }
        if (w.reserve) {
            weapon("reserve_magazines", &WeaponSpec::reserve_magazines, 0, 1000,
                   "spare magazines a crate gives");
        }
        if (!w.gun) {
            weapon("range", &WeaponSpec::range, 1, 1000, "reach from the attacker's centre (wu)");
            weapon("arc_rad", &WeaponSpec::arc_rad, 0.01, kTwoPi, "full width of the arc a hit covers (rad)");
        }
    }

    t.add("combat.friendly_fire", MGS_FIELD(rules.friendly_fire), 0, 0,
          "projectiles and melee hurt teammates");
    t.add("combat.assist_window_s", MGS_FIELD(rules.assist_window_s), 0, 60,
          "damage dealt this long before a teammate's kill counts as an assist (s)");
    t.add("combat.kill_score", MGS_FIELD(rules.kill_score), -kMaxScore, kMaxScore, "player score per kill");
    t.add("combat.capture_score", MGS_FIELD(rules.capture_score), -kMaxScore, kMaxScore,
          "player score per flag capture");
    t.add("combat.return_score", MGS_FIELD(rules.return_score), -kMaxScore, kMaxScore,
          "player score for returning the own flag");
    t.add("combat.assist_score", MGS_FIELD(rules.assist_score), -kMaxScore, kMaxScore,
          "player score per assist");
    t.add("combat.team_kill_score", MGS_FIELD(rules.team_kill_score), -kMaxScore, kMaxScore,
          "player score per team kill (friendly fire only; negative = penalty)");

    t.add("pickups.radius", MGS_FIELD(rules.pickup_radius), 1, 500, "touch distance of a pickup (wu)");
    t.add("pickups.health", MGS_FIELD(rules.health_pickup), 1, 100000,
          "health a health pickup restores (hp)");
    t.add("pickups.shield", MGS_FIELD(rules.shield_pickup), 1, 100000, "shield a shield pickup gives (hp)");
    t.add("pickups.max_shield", MGS_FIELD(rules.max_shield), 0, 100000, "most shield a player can hold (hp)");
    t.add("pickups.boost_s", MGS_FIELD(rules.boost_s), 0.1, 600, "duration of speed and damage boosts (s)");
    t.add("pickups.speed_boost", MGS_FIELD(rules.speed_boost), 1, 10, "speed multiplier of a speed boost");
    t.add("pickups.damage_boost", MGS_FIELD(rules.damage_boost), 1, 100,
          "damage multiplier of a damage boost");
    for (std::size_t i = 0; i < kPickupNames.size(); ++i) {
        const std::string name(kPickupNames[i]);
        const auto respawn = [i](auto& c) -> auto& {
            return c.rules.pickup_respawn_s[i];
        };
        t.add("pickups.respawn_s." + name, respawn, 0, 3600,
              "time until a taken " + name + " pickup comes back (s)");
    }

    t.add("walls.respawn_s", MGS_FIELD(rules.wall_respawn_s), 0, 3600,
          "time until a destroyed wall comes back, for max health <= respawn_health[0], "
          "<= respawn_health[1], and above (s)");
    t.add("walls.respawn_health", MGS_FIELD(rules.wall_respawn_health), 1, 100000,
          "increasing max-health thresholds that pick the respawn_s entry (hp)");

    t.add("flags.radius", MGS_FIELD(rules.flag_radius), 0, 500,
          "touch distance added to the player radius (wu)");
    t.add("flags.return_s", MGS_FIELD(rules.flag_return_s), 1, 3600,
          "time until a dropped flag returns home by itself (s)");

    t.add("spawn.area", MGS_FIELD(rules.spawn_area), 0, 32767,
          "[x, y, width, height]: everyone spawns at random inside this rectangle instead of at the "
          "map's spawn points when width and height are > 0 (load tests: a crowd in one place; wu)");
    t.add("spawn.safe_radius", MGS_FIELD(rules.spawn_safe_radius), 0, 100000,
          "enemies within this distance make a spawn point unsafe (wu)");

    t.add("bot.view_radius", MGS_FIELD(bot.view_radius), 50, 10000,
          "bots see enemies this far when no wall is in between (wu)");
    t.add("bot.memory_s", MGS_FIELD(bot.memory_s), 0, 60,
          "bots chase a lost target to where they last saw it for this long (s)");
    t.add("bot.retreat_health", MGS_FIELD(bot.retreat_health), 0, 10000,
          "below this health a bot heads for a health pickup (hp)");
    t.add("bot.nav_cell", MGS_FIELD(bot.nav_cell), 8, 256,
          "navigation grid cell; grown on very large maps to stay near 640k cells (wu)");
    t.add("bot.skill_mix", MGS_FIELD(bot.skill_mix), 0, 1,
          "shares of easy, normal and hard bots; they must add up to 1");

    t.add("map.width", MGS_FIELD(map.width), 800, 32767,
          "world width (wu; preset: arena 1600, default 8000, massive 32000)");
    t.add("map.height", MGS_FIELD(map.height), 800, 32767,
          "world height (wu; preset: arena 1200, default 6000, massive 32000)");
    t.add("map.obstacles_per_mwu2", MGS_FIELD(map.obstacles_per_mwu2), 0, 1000,
          "obstacle clusters per million square wu of floor");
    t.add("map.destructible_fraction", MGS_FIELD(map.destructible_fraction), 0, 1,
          "fraction of cover walls and nodes that are destructible");
    t.add("map.destructible_health", MGS_FIELD(map.destructible_health), 1, 30000,
          "max health values a destructible wall is drawn from (hp)");
    t.add("map.border_thickness", MGS_FIELD(map.border_thickness), 4, 1000,
          "thickness of the border walls (wu)");
    t.add("map.floor_per_pickup_wu2", MGS_FIELD(map.floor_per_pickup_wu2), 2500, 1e8,
          "square wu of open floor per pickup spot (62500 = 250 x 250)");
    return t.take();
}

#undef MGS_FIELD

const std::vector<Key>& keys() {
    static const std::vector<Key> kKeys = build_keys();
    return kKeys;
}

const Key* find_key(std::string_view path) {
    for (const Key& k : keys()) {
        if (k.path == path) {
            return &k;
        }
    }
    return nullptr;
}

/// True when `path` names a TOML table holding keys ("player", "weapons.rifle").
bool is_section(std::string_view path) {
    return std::any_of(keys().begin(), keys().end(), [&](const Key& k) {
        return k.path.size() > path.size() && k.path.starts_with(path) && k.path[path.size()] == '.';
    });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// The closest key path or env name to `name`, for "did you mean"; empty when nothing is close.
std::string closest(std::string_view name, bool env) {
    constexpr std::size_t kMaxTypos = 2;
    std::string best;
    std::size_t best_distance = kMaxTypos + 1;
    for (const Key& k : keys()) {
        const std::string& candidate = env ? k.env : k.path;
        const std::size_t d = edit_distance(name, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view name, bool env) {
    const std::string best = closest(name, env);
    return best.empty() ? std::string() : "; did you mean \"" + best + "\"?";
}

// ---------------------------------------------------------------------------------------------
// Formatting

std::string format_number(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(v));
    }
    std::array<char, 64> buf{};
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), res.ptr};
}

/// Shortest text that reads back as the same float.
std::string format_float(float v) {
    std::array<char, 64> buf{};
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    std::string s(buf.data(), res.ptr);
    if (s.find_first_of(".en") == std::string::npos) {
        s += ".0"; // a TOML float needs a fraction or an exponent
    }
    return s;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            std::array<char, 8> buf{};
            std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(c));
            out += buf.data();
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// A value as a TOML literal.
template <class T> std::string literal(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else if constexpr (std::is_same_v<T, float>) {
        return format_float(v);
    } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return quote(v);
    } else if constexpr (std::is_same_v<T, sim::Mode>) {
        return quote(mode_name(v));
    } else {
        static_assert(kIsArray<T>);
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) {
            out += (i > 0 ? ", " : "") + literal(v[i]);
        }
        return out + "]";
    }
}

template <class T> std::string range_text(const Key& k) {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
        return "[0, " + std::to_string(kMaxSeed) + "]";
    } else {
        return "[" + format_number(k.min) + ", " + format_number(k.max) + "]";
    }
}

/// "number in [1, 10000]", "one of ctf|tdm|ffa", ...
template <class T> std::string type_text(const Key& k) {
    if constexpr (std::is_same_v<T, bool>) {
        return "true or false";
    } else if constexpr (std::is_same_v<T, float>) {
        return "number in " + range_text<T>(k);
    } else if constexpr (std::is_integral_v<T>) {
        return "integer in " + range_text<T>(k);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, sim::Mode>) {
        return k.choices.empty() ? "non-empty string" : "one of " + join(k.choices, "|");
    } else {
        using E = typename T::value_type;
        return "array of " + std::to_string(std::tuple_size_v<T>) +
               (std::is_integral_v<E> ? " integers" : " numbers") + " in " + range_text<E>(k);
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions from TOML nodes and from text (environment, flags), with range checks

/// What a message names and where the value came from.
struct Where {
    std::string subject; ///< key path, environment variable or flag
    std::string suffix;  ///< " (file x.toml, line 3)", " (key seed)", ...
};

[[noreturn]] void fail(const Where& w, const std::string& problem) {
    throw ConfigError("config: " + w.subject + problem + w.suffix);
}

Where element(const Where& w, std::size_t i) {
    return {w.subject + "[" + std::to_string(i) + "]", w.suffix};
}

template <class T> void check_range(double v, const std::string& shown, const Key& k, const Where& w) {
    if (!(v >= k.min && v <= k.max)) { // written so that NaN fails too
        fail(w, " = " + shown + " is out of range " + range_text<T>(k));
    }
}

// The seed's upper bound is not exact as a double, so it is compared as an integer.
void check_seed(std::uint64_t v, const Key& k, const Where& w) {
    if (v > kMaxSeed) {
        fail(w, " = " + std::to_string(v) + " is out of range " + range_text<std::uint64_t>(k));
    }
}

template <class T> T from_choice(std::string_view s, const Key& k, const Where& w) {
    if (!k.choices.empty() && std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end()) {
        fail(w, " = " + quote(s) + " must be one of " + join(k.choices, "|"));
    }
    if (s.empty()) {
        fail(w, " must not be empty");
    }
    if constexpr (std::is_same_v<T, sim::Mode>) {
        for (const auto& [name, mode] : kModeNames) {
            if (name == s) {
                return mode;
            }
        }
        fail(w, " = " + quote(s) + " is not a mode");
    } else {
        return std::string(s);
    }
}

std::string node_type_text(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

template <class T> T from_node(const toml::node& n, const Key& k, const Where& w) {
    if constexpr (std::is_same_v<T, bool>) {
        if (const auto* b = n.as_boolean()) {
            return b->get();
        }
        fail(w, " expects true or false, got " + node_type_text(n));
    } else if constexpr (std::is_integral_v<T>) {
        const auto* i = n.as_integer();
        if (i == nullptr) {
            fail(w, " expects an integer, got " + node_type_text(n));
        }
        const std::int64_t v = i->get();
        check_range<T>(static_cast<double>(v), std::to_string(v), k, w);
        return static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, float>) {
        double v = 0.0;
        if (const auto* i = n.as_integer()) {
            v = static_cast<double>(i->get());
        } else if (const auto* f = n.as_floating_point()) {
            v = f->get();
        } else {
            fail(w, " expects a number, got " + node_type_text(n));
        }
        check_range<T>(v, format_number(v), k, w);
        return static_cast<float>(v);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, sim::Mode>) {
        const auto* s = n.as_string();
        if (s == nullptr) {
            fail(w, " expects " +
                        (k.choices.empty() ? std::string("a string") : "one of " + join(k.choices, "|")) +
                        ", got " + node_type_text(n));
        }
        return from_choice<T>(s->get(), k, w);
    } else {
        static_assert(kIsArray<T>);
        using E = typename T::value_type;
        const auto* a = n.as_array();
        if (a == nullptr || a->size() != std::tuple_size_v<T>) {
            fail(w, " expects an " + type_text<T>(k) + ", got " +
                        (a == nullptr ? node_type_text(n) : "an array of " + std::to_string(a->size())));
        }
        T out{};
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = from_node<E>(*a->get(i), k, element(w, i));
        }
        return out;
    }
}

std::string_view trim(std::string_view s) {
    const auto not_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) == 0; };
    while (!s.empty() && !not_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && !not_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return out;
}

/// Text from an environment variable or a flag: "150", "true", "ctf", "30,60,90" or "[30, 60, 90]".
template <class T> T from_text(std::string_view raw, const Key& k, const Where& w) {
    const std::string_view s = trim(raw);
    if constexpr (std::is_same_v<T, bool>) {
        const std::string l = lower(s);
        if (l == "true" || l == "1" || l == "yes" || l == "on") {
            return true;
        }
        if (l == "false" || l == "0" || l == "no" || l == "off") {
            return false;
        }
        fail(w, ": " + quote(s) + " is not a boolean (true or false)");
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        std::uint64_t v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
            fail(w, ": " + quote(s) + " is not an integer in " + range_text<T>(k));
        }
        check_seed(v, k, w);
        return v;
    } else if constexpr (std::is_integral_v<T>) {
        std::int64_t v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
            fail(w, ": " + quote(s) + " is not an integer");
        }
        check_range<T>(static_cast<double>(v), std::to_string(v), k, w);
        return static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, float>) {
        double v = 0.0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) {
            fail(w, ": " + quote(s) + " is not a number");
        }
        check_range<T>(v, format_number(v), k, w);
        return static_cast<float>(v);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, sim::Mode>) {
        return from_choice<T>(s, k, w);
    } else {
        static_assert(kIsArray<T>);
        using E = typename T::value_type;
        std::string_view list = s;
        if (list.size() >= 2 && list.front() == '[' && list.back() == ']') {
            list = list.substr(1, list.size() - 2);
        }
        std::vector<std::string_view> items;
        for (std::size_t start = 0;;) {
            const std::size_t comma = list.find(',', start);
            items.push_back(
                list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
        T out{};
        if (items.size() != out.size()) {
            fail(w, ": " + quote(s) + " is not an " + type_text<T>(k) + " (write them comma-separated)");
        }
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = from_text<E>(items[i], k, element(w, i));
        }
        return out;
    }
}

void set_from_node(ServerConfig& cfg, const Key& k, const toml::node& n, const Where& w) {
    std::visit(
        [&](const auto& field) {
            using T = typename std::remove_cvref_t<decltype(field)>::value_type;
            field.get(cfg) = from_node<T>(n, k, w);
        },
        k.field);
}

void set_from_text(ServerConfig& cfg, const Key& k, std::string_view text, const Where& w) {
    std::visit(
        [&](const auto& field) {
            using T = typename std::remove_cvref_t<decltype(field)>::value_type;
            field.get(cfg) = from_text<T>(text, k, w);
        },
        k.field);
}

/// Range and choice check of a value already in a ServerConfig.
template <class T> void check_value(const T& v, const Key& k, const Where& w) {
    if constexpr (std::is_same_v<T, bool>) {
        (void)v;
    } else if constexpr (std::is_same_v<T, float>) {
        check_range<T>(static_cast<double>(v), format_number(static_cast<double>(v)), k, w);
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        check_seed(v, k, w);
    } else if constexpr (std::is_integral_v<T>) {
        check_range<T>(static_cast<double>(v), std::to_string(v), k, w);
    } else if constexpr (std::is_same_v<T, std::string>) {
        (void)from_choice<std::string>(v, k, w);
    } else if constexpr (std::is_same_v<T, sim::Mode>) {
        if (mode_name(v) == "?") {
            fail(w, " = " + std::to_string(static_cast<int>(v)) + " is not a mode");
        }
    } else {
        for (std::size_t i = 0; i < v.size(); ++i) {
            check_value(v[i], k, element(w, i));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sources

/// Values that follow from others: the generator's seed and player radius are the game's.
void sync_derived(ServerConfig& cfg) {
    cfg.map.seed = cfg.seed;
    cfg.map.player_radius = cfg.rules.player_radius;
}

toml::table parse_toml(const std::string& text, const std::string& origin) {
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        const auto& pos = e.source().begin;
        throw ConfigError("config: " + origin + ":" + std::to_string(pos.line) + ":" +
                          std::to_string(pos.column) + ": syntax error: " + std::string(e.description()));
    }
}

Where file_where(const std::string& path, const std::string& origin, const toml::node& n) {
    std::string suffix = " (file " + origin;
    if (n.source().begin.line > 0) {
        suffix += ", line " + std::to_string(n.source().begin.line);
    }
    return {path, suffix + ")"};
}

void apply_section(ServerConfig& cfg, const toml::table& table, const std::string& prefix,
                   const std::string& origin) {
    for (const auto& [name, node] : table) {
        const std::string path =
            prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
        if (path == "preset") {
            continue; // handled before every other key
        }
        if (const Key* k = find_key(path)) {
            set_from_node(cfg, *k, node, file_where(path, origin, node));
        } else if (is_section(path)) {
            const auto* sub = node.as_table();
            if (sub == nullptr) {
                fail(file_where(path, origin, node), " must be a table of keys, got " + node_type_text(node));
            }
            apply_section(cfg, *sub, path, origin);
        } else {
            std::string message = "config: unknown key \"";
            message.append(path).append("\" in ").append(origin);
            if (node.source().begin.line > 0) {
                message += " (line " + std::to_string(node.source().begin.line) + ")";
            }
            message += did_you_mean(path, false);
            throw ConfigError(message);
        }
    }
}

/// Reads the file's `preset` key (validated even when a flag or variable overrides it).
std::optional<std::string> file_preset(const toml::table& table, const std::string& origin) {
    const toml::node* node = table.get("preset");
    if (node == nullptr) {
        return std::nullopt;
    }
    const Key& k = *find_key("preset");
    return from_node<std::string>(*node, k, file_where("preset", origin, *node));
}

void apply_table(ServerConfig& cfg, const toml::table& table, const std::string& origin,
                 bool use_preset_key) {
    const std::optional<std::string> preset = file_preset(table, origin);
    if (preset && use_preset_key) {
        apply_preset(cfg, *preset);
    }
    apply_section(cfg, table, "", origin);
}

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw ConfigError("config: config file \"" + path + "\" does not exist");
    }
    if (std::filesystem::is_directory(path, ec)) {
        throw ConfigError("config: config file \"" + path + "\" is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        throw ConfigError("config: config file \"" + path + "\" cannot be read");
    }
    return text.str();
}

// ---------------------------------------------------------------------------------------------
// Command line

/// Flags that set one key; their help text comes from the key table.
struct KeyFlag {
    std::string_view flag;
    std::string_view key;
};

constexpr std::array<KeyFlag, 9> kKeyFlags = {{
    {"--seed", "seed"},
    {"--threads", "threads"},
    {"--bots", "bots"},
    {"--log-level", "log_level"},
    {"--mode", "match.mode"},
    {"--bind", "server.bind_address"},
    {"--port", "server.http_port"},
    {"--http-port", "server.http_port"},
    {"--udp-port", "server.udp_port"},
}};

struct CommandLine {
    std::optional<std::string> config;
    std::optional<std::string> preset;
    std::array<std::optional<std::string>, kKeyFlags.size()> key_values;
    std::vector<std::string> sets;
    std::vector<std::string> public_ips;
    bool headless = false;
    std::optional<std::string> ticks;
    std::optional<std::string> report;
    bool ascii = false;
    bool help_config = false;
    bool print_config = false;
};

enum class ParseOutcome : std::uint8_t { Run, HelpPrinted };

ParseOutcome parse_command_line(const std::vector<std::string>& args, CommandLine& cl) {
    CLI::App app{"mgs-server: 2D top-down team shooter game server", "mgs-server"};
    app.footer("Every configuration key can also be set in the TOML file, with --set section.key=value or\n"
               "with the environment variable MGS_<SECTION>_<KEY> (e.g. MGS_PLAYER_SPEED); later sources\n"
               "override earlier ones: preset, file, environment, flags. --help-config lists every key.");

    std::string config;
    std::string preset;
    std::array<std::string, kKeyFlags.size()> key_values;
    std::string ticks;
    std::string report;
    const auto last = CLI::MultiOptionPolicy::TakeLast;

    auto* config_opt = app.add_option("--config", config, "TOML configuration file (env MGS_CONFIG)")
                           ->type_name("PATH")
                           ->multi_option_policy(last);
    auto* preset_opt =
        app.add_option("--preset", preset, "world preset: " + join(preset_names(), "|") + " (env MGS_PRESET)")
            ->type_name("NAME")
            ->multi_option_policy(last);
    std::array<CLI::Option*, kKeyFlags.size()> key_opts{};
    for (std::size_t i = 0; i < kKeyFlags.size(); ++i) {
        const Key& k = *find_key(kKeyFlags[i].key);
        std::string type;
        std::visit(
            [&](const auto& field) {
                type = type_text<typename std::decay_t<decltype(field)>::value_type>(k);
            },
            k.field);
        key_opts[i] = app.add_option(std::string(kKeyFlags[i].flag), key_values[i],
                                     k.help + "; " + type + " (key " + k.path + ", env " + k.env + ")")
                          ->type_name("VALUE")
                          ->multi_option_policy(last);
    }
    app.add_option("--set", cl.sets, "set any key, e.g. --set player.speed=200 (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    app.add_option("--public-ip", cl.public_ips,
                   "address advertised to WebRTC clients (repeatable); key server.public_ip")
        ->type_name("IP")
        ->allow_extra_args(false);
    app.add_flag("--headless", cl.headless, "run the simulation without network (benchmarks, checks)");
    auto* ticks_opt = app.add_option("--ticks", ticks, "ticks to run, 0 = until stopped")
                          ->type_name("N")
                          ->multi_option_policy(last);
    auto* report_opt = app.add_option("--report", report, "report format: text|json")
                           ->type_name("FORMAT")
                           ->multi_option_policy(last);
    app.add_flag("--ascii", cl.ascii, "print a coarse text view of the world (headless only)");
    app.add_flag("--help-config", cl.help_config, "list every configuration key and exit");
    app.add_flag("--print-config", cl.print_config, "print the effective configuration as TOML and exit");

    // CLI11 parses a reversed argument vector.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return ParseOutcome::HelpPrinted;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return ParseOutcome::HelpPrinted;
    } catch (const CLI::ParseError& e) {
        throw ConfigError(std::string("config: command line: ") + e.what() + " (see --help)");
    }

    const auto value = [](const CLI::Option* opt, std::string& v) -> std::optional<std::string> {
        return opt->count() > 0 ? std::optional<std::string>(std::move(v)) : std::nullopt;
    };
    cl.config = value(config_opt, config);
    cl.preset = value(preset_opt, preset);
    for (std::size_t i = 0; i < kKeyFlags.size(); ++i) {
        cl.key_values[i] = value(key_opts[i], key_values[i]);
    }
    cl.ticks = value(ticks_opt, ticks);
    cl.report = value(report_opt, report);
    return ParseOutcome::Run;
}

std::pair<std::string, std::string> split_set(const std::string& item) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
        throw ConfigError("config: --set " + item + ": expected section.key=value");
    }
    return {std::string(trim(std::string_view(item).substr(0, eq))), item.substr(eq + 1)};
}

const Key& set_key(const std::string& item, const std::string& path) {
    const Key* k = find_key(path);
    if (k == nullptr) {
        throw ConfigError("config: --set " + item + ": unknown key \"" + path + "\"" +
                          did_you_mean(path, false));
    }
    return *k;
}

void apply_run_flags(ServerConfig& cfg, const CommandLine& cl) {
    cfg.headless = cl.headless;
    cfg.ascii = cl.ascii;
    if (cl.ticks) {
        const std::string_view s = trim(*cl.ticks);
        std::int64_t v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || v < 0) {
            throw ConfigError("config: --ticks: " + quote(s) + " is not a non-negative integer");
        }
        cfg.ticks = v;
    }
    if (cl.report) {
        const std::string r = lower(trim(*cl.report));
        if (r == "text") {
            cfg.report = ReportFormat::Text;
        } else if (r == "json") {
            cfg.report = ReportFormat::Json;
        } else {
            throw ConfigError("config: --report = " + quote(*cl.report) + " must be one of text|json");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-key rules

bool is_ip(const std::string& text) {
    std::array<unsigned char, 16> buf{};
    return inet_pton(AF_INET, text.c_str(), buf.data()) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buf.data()) == 1;
}

void validate_addresses(const ServerConfig& cfg) {
    if (!is_ip(cfg.bind_address)) {
        throw ConfigError("config: server.bind_address = " + quote(cfg.bind_address) +
                          " must be an IPv4 or IPv6 address (0.0.0.0 or :: for every interface)");
    }
    if (cfg.public_ip == "auto") {
        return;
    }
    std::size_t start = 0;
    while (start <= cfg.public_ip.size()) {
        const std::size_t comma = std::min(cfg.public_ip.find(',', start), cfg.public_ip.size());
        const std::string item(trim(std::string_view(cfg.public_ip).substr(start, comma - start)));
        if (!is_ip(item)) {
            throw ConfigError("config: server.public_ip: " + quote(item) +
                              " is not an IP address (give the addresses clients reach this machine at, "
                              "comma-separated, or \"auto\")");
        }
        start = comma + 1;
    }
}

void validate_cross_keys(const ServerConfig& cfg) {
    validate_addresses(cfg);
    const float mix = cfg.bot.skill_mix[0] + cfg.bot.skill_mix[1] + cfg.bot.skill_mix[2];
    if (mix < 0.99f || mix > 1.01f)
        throw ConfigError("config: bot.skill_mix = [" + std::to_string(cfg.bot.skill_mix[0]) + ", " +
                          std::to_string(cfg.bot.skill_mix[1]) + ", " + std::to_string(cfg.bot.skill_mix[2]) +
                          "] must add up to 1");
    const auto& health = cfg.rules.wall_respawn_health;
    if (!(health[0] < health[1])) {
        throw ConfigError(
            "config: walls.respawn_health = " + literal(health) +
            " must be increasing (each entry is the upper max health of a walls.respawn_s class)");
    }
    const float smaller_side = std::min(cfg.map.width, cfg.map.height);
    if (cfg.map.border_thickness * 4.0f > smaller_side) {
        throw ConfigError("config: map.border_thickness = " + format_float(cfg.map.border_thickness) +
                          " is too thick for a " + format_number(cfg.map.width) + " x " +
                          format_number(cfg.map.height) + " map (at most a quarter of the smaller side, " +
                          format_number(static_cast<double>(smaller_side) / 4.0) + ")");
    }
    const auto& area = cfg.rules.spawn_area;
    if ((area[2] > 0.0f) != (area[3] > 0.0f) ||
        (area[2] > 0.0f && (area[0] + area[2] > cfg.map.width || area[1] + area[3] > cfg.map.height))) {
        throw ConfigError("config: spawn.area = " + literal(area) +
                          " must be [x, y, width, height] inside the " + format_number(cfg.map.width) +
                          " x " + format_number(cfg.map.height) +
                          " map, width and height both > 0 (or both 0: off)");
    }
    if (cfg.snapshot_hz > cfg.rules.tick_hz) {
        throw ConfigError("config: sync.snapshot_hz = " + std::to_string(cfg.snapshot_hz) +
                          " must not exceed match.tick_hz = " + std::to_string(cfg.rules.tick_hz));
    }
    if (cfg.ticks < 0) {
        throw ConfigError("config: ticks = " + std::to_string(cfg.ticks) + " must be >= 0");
    }
    if (cfg.report != ReportFormat::Text && cfg.report != ReportFormat::Json) {
        throw ConfigError("config: report must be text or json");
    }
}

} // namespace

// -------------------------------------------------------------------------------------------------
// Public interface

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) {
            return std::string(v);
        }
        return std::nullopt;
    };
}

void apply_preset(ServerConfig& cfg, const std::string& name) {
    const Preset* p = find_preset(name);
    if (p == nullptr) {
        throw ConfigError("config: unknown preset " + quote(name) +
                          "; valid presets: " + join(preset_names(), ", "));
    }
    cfg.preset = std::string(p->name);
    cfg.map.width = p->width;
    cfg.map.height = p->height;
    cfg.bots = p->bots;
}

void apply_toml(ServerConfig& cfg, const std::string& toml_text, const std::string& origin) {
    const toml::table table = parse_toml(toml_text, origin);
    apply_table(cfg, table, origin, true);
    sync_derived(cfg);
}

std::optional<ServerConfig> load_config(const std::vector<std::string>& args, const EnvLookup& env) {
    CommandLine cl;
    if (parse_command_line(args, cl) == ParseOutcome::HelpPrinted) {
        return std::nullopt;
    }
    if (cl.help_config) {
        std::cout << describe_keys();
        return std::nullopt;
    }
    // `--set preset=x` means --preset x: the preset must be known before the file is applied.
    std::optional<std::pair<std::string, std::string>> set_preset;
    for (const std::string& item : cl.sets) {
        auto kv = split_set(item);
        if (kv.first == "preset") {
            set_preset = std::move(kv);
        }
    }

    const Key& preset_key = *find_key("preset");
    std::string path = cl.config.value_or(env("MGS_CONFIG").value_or(""));
    std::optional<toml::table> table;
    if (!path.empty()) {
        table = parse_toml(read_file(path), path);
    }

    std::string preset = "default";
    if (set_preset) {
        preset = from_text<std::string>(set_preset->second, preset_key, {"preset", " (--set)"});
    } else if (cl.preset) {
        preset = from_text<std::string>(*cl.preset, preset_key, {"--preset", ""});
    } else if (const auto from_env = env(preset_key.env)) {
        preset = from_text<std::string>(*from_env, preset_key, {preset_key.env, ""});
    } else if (table) {
        preset = file_preset(*table, path).value_or(preset);
    }

    ServerConfig cfg;
    apply_preset(cfg, preset);
    if (table) {
        apply_table(cfg, *table, path, false);
        cfg.config_file = path;
    }
    for (const Key& k : keys()) {
        if (k.path == "preset") {
            continue;
        }
        if (const auto value = env(k.env)) {
            set_from_text(cfg, k, *value, {k.env, " (key " + k.path + ")"});
        }
    }
    for (std::size_t i = 0; i < kKeyFlags.size(); ++i) {
        if (cl.key_values[i]) {
            const Key& k = *find_key(kKeyFlags[i].key);
            set_from_text(cfg, k, *cl.key_values[i],
                          {std::string(kKeyFlags[i].flag), " (key " + k.path + ")"});
        }
    }
    if (!cl.public_ips.empty()) {
        std::vector<std::string> in_order(cl.public_ips.rbegin(), cl.public_ips.rend()); // parsed reversed
        set_from_text(cfg, *find_key("server.public_ip"), join(in_order, ","),
                      {"--public-ip", " (key server.public_ip)"});
    }
    for (const std::string& item : cl.sets) {
        const auto [key_path, value] = split_set(item);
        if (key_path != "preset") {
            set_from_text(cfg, set_key(item, key_path), value, {key_path, " (--set)"});
        }
    }
    apply_run_flags(cfg, cl);
    sync_derived(cfg);
    validate(cfg);
    if (cl.print_config) {
        std::cout << to_toml(cfg);
        return std::nullopt;
    }
    return cfg;
}

void validate(const ServerConfig& cfg) {
    for (const Key& k : keys()) {
        std::visit(
            [&](const auto& field) {
                check_value(field.get_const(cfg), k, Where{k.path, ""});
            },
            k.field);
    }
    validate_cross_keys(cfg);
}

std::string describe_keys() {
    ServerConfig defaults;
    apply_preset(defaults, "default");
    std::ostringstream out;
    out << "Configuration keys: TOML path = default (preset \"default\"), then meaning; allowed values;\n"
           "environment variable. Set them in the --config file, with MGS_* variables or --set KEY=VALUE.\n";
    for (const Key& k : keys()) {
        std::visit(
            [&](const auto& field) {
                using T = typename std::remove_cvref_t<decltype(field)>::value_type;
                out << "\n  " << k.path << " = " << literal(field.get_const(defaults)) << "\n      " << k.help
                    << "; " << type_text<T>(k) << "; " << k.env << "\n";
            },
            k.field);
    }
    return out.str();
}

std::string to_toml(const ServerConfig& cfg) {
    std::ostringstream out;
    out << "# Effective mgs-server configuration.\n";
    std::string table; // the TOML table being written ("" = top level)
    for (const Key& k : keys()) {
        const std::size_t dot = k.path.rfind('.');
        const std::string parent = dot == std::string::npos ? std::string() : k.path.substr(0, dot);
        if (parent != table) {
            out << "\n[" << parent << "]\n";
            table = parent;
        }
        std::visit(
            [&](const auto& field) {
                out << k.path.substr(dot + 1) << " = " << literal(field.get_const(cfg)) << "\n";
            },
            k.field);
    }
    return out.str();
}

std::vector<std::string> env_warnings(const std::vector<std::string>& names) {
    std::vector<std::string> sections; // "MGS_PLAYER_", "MGS_WEAPONS_", ...
    for (const Key& k : keys()) {
        const std::size_t dot = k.path.find('.');
        if (dot != std::string::npos) {
            const std::string prefix = env_name(k.path.substr(0, dot)) + "_";
            if (std::find(sections.begin(), sections.end(), prefix) == sections.end()) {
                sections.push_back(prefix);
            }
        }
    }
    std::vector<std::string> warnings;
    for (const std::string& name : names) {
        if (!name.starts_with("MGS_") || name == "MGS_CONFIG" ||
            std::any_of(keys().begin(), keys().end(), [&](const Key& k) { return k.env == name; })) {
            continue;
        }
        const std::string suggestion = closest(name, true);
        const bool in_section = std::any_of(sections.begin(), sections.end(),
                                            [&](const std::string& s) { return name.starts_with(s); });
        if (in_section || !suggestion.empty()) {
            warnings.push_back("config: environment variable " + name + " is not a configuration key" +
                               (suggestion.empty() ? std::string(" (ignored)") : did_you_mean(name, true)));
        }
    }
    return warnings;
}

std::vector<std::string> process_env_names() {
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        names.emplace_back(entry.substr(0, entry.find('=')));
    }
    return names;
}

} // namespace mgs::app
