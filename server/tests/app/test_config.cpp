// Configuration: defaults and presets, the order of sources (preset < file < environment <
// flags), and a clear ConfigError naming the key for every kind of bad input. The environment is
// injected through EnvLookup; the process environment is never touched.
#include "app/config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace mgs::app {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup env_of(Env vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

ServerConfig load(const std::vector<std::string>& args, const Env& env = {}) {
    std::optional<ServerConfig> cfg = load_config(args, env_of(env));
    if (!cfg) {
        ADD_FAILURE() << "load_config returned nullopt";
        return {};
    }
    return *cfg;
}

/// The ConfigError message of `load(args, env)`, or "" (and a test failure) if nothing was thrown.
std::string load_error(const std::vector<std::string>& args, const Env& env = {}) {
    try {
        (void)load_config(args, env_of(env));
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
}

/// Writes `text` to a file in the test's temporary directory and returns its path.
std::string temp_file(const std::string& name, const std::string& text) {
    const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / ("mgs_config_" + name);
    std::ofstream(path) << text;
    return path.string();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const std::string kDefaultToml = std::string(MGS_SOURCE_DIR) + "/config/default.toml";

/// The full paths of the leaf keys of a TOML table ("player.speed", "walls.respawn_s", ...).
void leaf_paths(const toml::table& table, const std::string& prefix, std::set<std::string>& out) {
    for (const auto& [name, node] : table) {
        const std::string path =
            prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
        if (const auto* sub = node.as_table()) {
            leaf_paths(*sub, path, out);
        } else {
            out.insert(path);
        }
    }
}

std::set<std::string> all_key_paths() {
    std::set<std::string> paths;
    leaf_paths(toml::parse(to_toml(load({}))), "", paths);
    return paths;
}

#define EXPECT_CONTAINS(haystack, needle)                                                                    \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                         \
        << "\"" << (haystack) << "\" does not contain \"" << (needle) << "\""

// ---------------------------------------------------------------------------------------------
// Defaults and presets

TEST(ConfigDefaults, BuiltInDefaultsFollowGameplay) {
    const ServerConfig cfg = load({});
    EXPECT_EQ(cfg.preset, "default");
    EXPECT_EQ(cfg.seed, 1u);
    EXPECT_EQ(cfg.threads, 0);
    EXPECT_EQ(cfg.bots, 400);
    EXPECT_EQ(cfg.log_level, "info");
    EXPECT_FLOAT_EQ(cfg.map.width, 8000.0f);
    EXPECT_FLOAT_EQ(cfg.map.height, 6000.0f);
    EXPECT_EQ(cfg.rules.mode, sim::Mode::CaptureTheFlag);
    EXPECT_EQ(cfg.rules.tick_hz, 30);
    EXPECT_FLOAT_EQ(cfg.rules.speed, 150.0f);
    EXPECT_FLOAT_EQ(cfg.rules.weapons[static_cast<int>(sim::WeaponKind::Sniper)].damage, 50.0f);
    EXPECT_FALSE(cfg.headless);
    EXPECT_EQ(cfg.ticks, 0);
    EXPECT_EQ(cfg.report, ReportFormat::Text);
    EXPECT_TRUE(cfg.config_file.empty());
    EXPECT_EQ(cfg.map.seed, cfg.seed);
    EXPECT_NO_THROW(validate(cfg));
}

TEST(ConfigPresets, EachPresetSetsMapSizeAndBots) {
    struct Expected {
        std::string name;
        float width;
        float height;
        int bots;
    };
    for (const Expected& e : {Expected{"arena", 1600, 1200, 20}, Expected{"default", 8000, 6000, 400},
                              Expected{"massive", 32000, 32000, 20000}}) {
        SCOPED_TRACE(e.name);
        ServerConfig direct;
        apply_preset(direct, e.name);
        const ServerConfig loaded = load({"--preset", e.name});
        for (const ServerConfig& cfg : {direct, loaded}) {
            EXPECT_EQ(cfg.preset, e.name);
            EXPECT_FLOAT_EQ(cfg.map.width, e.width);
            EXPECT_FLOAT_EQ(cfg.map.height, e.height);
            EXPECT_EQ(cfg.bots, e.bots);
        }
        EXPECT_NO_THROW(validate(loaded));
    }
}

TEST(ConfigPresets, UnknownPresetListsValidNames) {
    ServerConfig cfg;
    const std::string direct = error_of([&] { apply_preset(cfg, "huge"); });
    EXPECT_CONTAINS(direct, "\"huge\"");
    EXPECT_CONTAINS(direct, "arena, default, massive");

    EXPECT_CONTAINS(load_error({"--preset", "huge"}),
                    "--preset = \"huge\" must be one of arena|default|massive");
    EXPECT_CONTAINS(load_error({}, {{"MGS_PRESET", "huge"}}), "MGS_PRESET = \"huge\" must be one of");
    const std::string file = temp_file("bad_preset.toml", "preset = \"huge\"\n");
    const std::string from_file = load_error({"--config", file});
    EXPECT_CONTAINS(from_file, "preset = \"huge\" must be one of arena|default|massive");
    EXPECT_CONTAINS(from_file, "line 1");
}

// ---------------------------------------------------------------------------------------------
// The file

TEST(ConfigFile, DefaultTomlEqualsBuiltInDefaults) {
    for (const std::string preset : {"default", "arena", "massive"}) {
        SCOPED_TRACE(preset);
        const ServerConfig built_in = load({"--preset", preset});
        const ServerConfig from_file = load({"--config", kDefaultToml, "--preset", preset});
        EXPECT_EQ(to_toml(from_file), to_toml(built_in));
        EXPECT_EQ(from_file.config_file, kDefaultToml);
    }
    // The file's own `preset = "default"` selects the default preset.
    EXPECT_EQ(to_toml(load({"--config", kDefaultToml})), to_toml(load({})));
}

TEST(ConfigFile, DefaultTomlDocumentsEveryKey) {
    // The keys the preset sets are commented out in default.toml so the preset keeps deciding them;
    // uncommented, the file must hold exactly the table's keys with the default preset's values.
    const std::string text = std::regex_replace(read_text(kDefaultToml),
                                                std::regex(R"((^|\n)# ?((bots|width|height) = ))"), "$1$2");
    std::set<std::string> in_file;
    leaf_paths(toml::parse(text), "", in_file);
    EXPECT_EQ(in_file, all_key_paths());

    ServerConfig cfg;
    apply_preset(cfg, "arena");
    apply_toml(cfg, text, "default.toml (uncommented)");
    EXPECT_EQ(to_toml(cfg), to_toml(load({})));
}

TEST(ConfigFile, ExampleFilesSelectTheirPreset) {
    const std::string dir = std::string(MGS_SOURCE_DIR) + "/config/";
    EXPECT_EQ(to_toml(load({"--config", dir + "arena.toml"})), to_toml(load({"--preset", "arena"})));
    EXPECT_EQ(to_toml(load({"--config", dir + "massive.toml"})), to_toml(load({"--preset", "massive"})));
}

TEST(ConfigFile, OverridesPreset) {
    const std::string file = temp_file("override.toml", "preset = \"arena\"\nbots = 6\n"
                                                        "[map]\nwidth = 2000\n"
                                                        "[player]\nspeed = 200\n"
                                                        "[pickups]\nrespawn_s = { health = 12 }\n"
                                                        "[weapons.rifle]\nmagazine = 40\n"
                                                        "[walls]\nrespawn_s = [10, 20, 30]\n");
    const ServerConfig cfg = load({"--config", file});
    EXPECT_EQ(cfg.preset, "arena");
    EXPECT_EQ(cfg.bots, 6);
    EXPECT_FLOAT_EQ(cfg.map.width, 2000.0f);
    EXPECT_FLOAT_EQ(cfg.map.height, 1200.0f); // from the preset
    EXPECT_FLOAT_EQ(cfg.rules.speed, 200.0f);
    EXPECT_FLOAT_EQ(cfg.rules.pickup_respawn_s[static_cast<int>(world::PickupKind::Health)], 12.0f);
    EXPECT_FLOAT_EQ(cfg.rules.pickup_respawn_s[static_cast<int>(world::PickupKind::Ammo)], 10.0f);
    EXPECT_EQ(cfg.rules.weapons[static_cast<int>(sim::WeaponKind::Rifle)].magazine, 40);
    EXPECT_FLOAT_EQ(cfg.rules.wall_respawn_s[2], 30.0f);
    EXPECT_FLOAT_EQ(cfg.map.player_radius, cfg.rules.player_radius);

    // A preset chosen by flag or environment wins over the file's `preset`, and the file's keys
    // still override it.
    const ServerConfig flagged = load({"--config", file, "--preset", "massive"});
    EXPECT_EQ(flagged.preset, "massive");
    EXPECT_FLOAT_EQ(flagged.map.width, 2000.0f);
    EXPECT_FLOAT_EQ(flagged.map.height, 32000.0f);
    EXPECT_EQ(load({"--config", file}, {{"MGS_PRESET", "massive"}}).preset, "massive");
}

TEST(ConfigFile, PickupRespawnAsSubTable) {
    ServerConfig cfg;
    apply_toml(cfg, "[pickups.respawn_s]\nshield = 33\nsniper_crate = 44.5\n", "sub-table");
    EXPECT_FLOAT_EQ(cfg.rules.pickup_respawn_s[static_cast<int>(world::PickupKind::Shield)], 33.0f);
    EXPECT_FLOAT_EQ(cfg.rules.pickup_respawn_s[static_cast<int>(world::PickupKind::SniperCrate)], 44.5f);
}

TEST(ConfigFile, ConfigFromEnvironment) {
    const std::string file = temp_file("env_file.toml", "seed = 77\n");
    const ServerConfig cfg = load({}, {{"MGS_CONFIG", file}});
    EXPECT_EQ(cfg.seed, 77u);
    EXPECT_EQ(cfg.config_file, file);
    // --config wins over MGS_CONFIG.
    EXPECT_EQ(load({"--config", kDefaultToml}, {{"MGS_CONFIG", file}}).seed, 1u);
}

TEST(ConfigFile, ToTomlRoundTrips) {
    ServerConfig cfg = load({"--preset", "arena"});
    cfg.seed = 9223372036854775807u;
    cfg.rules.speed = 123.456f;
    cfg.rules.mode = sim::Mode::FreeForAll;
    cfg.rules.friendly_fire = true;
    cfg.rules.wall_respawn_s = {1.5f, 2.25f, 0.1f};
    cfg.map.destructible_health = {1, 2, 3, 30000};
    cfg.bind_address = "a \"quoted\" \\ host";
    ServerConfig back;
    apply_toml(back, to_toml(cfg), "round trip");
    EXPECT_EQ(to_toml(back), to_toml(cfg));
    EXPECT_EQ(back.seed, cfg.seed);
    EXPECT_EQ(back.rules.speed, cfg.rules.speed);
    EXPECT_EQ(back.bind_address, cfg.bind_address);
}

// ---------------------------------------------------------------------------------------------
// Environment and flags

TEST(ConfigEnv, OverridesFile) {
    const std::string file =
        temp_file("env.toml", "seed = 5\n[player]\nspeed = 200\n[match]\nmode = \"tdm\"\n");
    const ServerConfig cfg = load({"--config", file}, {{"MGS_PLAYER_SPEED", "250"},
                                                       {"MGS_MATCH_MODE", "ffa"},
                                                       {"MGS_WEAPONS_PISTOL_DAMAGE", "9.5"},
                                                       {"MGS_SERVER_HTTP_PORT", "9000"},
                                                       {"MGS_COMBAT_FRIENDLY_FIRE", "yes"},
                                                       {"MGS_WALLS_RESPAWN_S", "1, 2, 3"},
                                                       {"MGS_PICKUPS_RESPAWN_S_AMMO", "4"},
                                                       {"MGS_THREADS", "8"}});
    EXPECT_EQ(cfg.seed, 5u); // only in the file
    EXPECT_FLOAT_EQ(cfg.rules.speed, 250.0f);
    EXPECT_EQ(cfg.rules.mode, sim::Mode::FreeForAll);
    EXPECT_FLOAT_EQ(cfg.rules.weapons[static_cast<int>(sim::WeaponKind::Pistol)].damage, 9.5f);
    EXPECT_EQ(cfg.http_port, 9000);
    EXPECT_TRUE(cfg.rules.friendly_fire);
    EXPECT_FLOAT_EQ(cfg.rules.wall_respawn_s[1], 2.0f);
    EXPECT_FLOAT_EQ(cfg.rules.pickup_respawn_s[static_cast<int>(world::PickupKind::Ammo)], 4.0f);
    EXPECT_EQ(cfg.threads, 8);
}

TEST(ConfigEnv, EveryKeyHasAUniqueVariableAndSetPath) {
    // Setting every key to its default through the environment and through --set must be
    // accepted and change nothing: each path and variable name resolves to a key.
    const ServerConfig defaults = load({});
    const toml::table table = toml::parse(to_toml(defaults));
    std::set<std::string> env_names;
    Env env;
    std::vector<std::string> sets;
    for (const std::string& path : all_key_paths()) {
        std::string name = "MGS_";
        for (const char c : path) {
            name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        EXPECT_TRUE(env_names.insert(name).second) << name;
        const toml::node& node = *table.at_path(path).node();
        std::string text;
        if (const auto* s = node.as_string()) {
            text = s->get();
        } else {
            std::ostringstream out;
            node.visit([&](const auto& value) { out << value; });
            text = out.str();
        }
        env[name] = text;
        sets.push_back("--set");
        sets.push_back(path + "=" + text);
    }
    EXPECT_EQ(to_toml(load({}, env)), to_toml(defaults));
    EXPECT_EQ(to_toml(load(sets)), to_toml(defaults));
}

TEST(ConfigEnv, WarnsAboutLookalikeVariablesOnly) {
    const std::vector<std::string> warnings =
        env_warnings({"PATH", "MGS_PLAYER_SPEED", "MGS_CONFIG", "MGS_PRESET", "MGS_WERROR", "MGS_PLAYER_SPED",
                      "MGS_WEAPONS_LASER_DAMAGE"});
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_CONTAINS(warnings[0], "MGS_PLAYER_SPED");
    EXPECT_CONTAINS(warnings[0], "did you mean \"MGS_PLAYER_SPEED\"");
    EXPECT_CONTAINS(warnings[1], "MGS_WEAPONS_LASER_DAMAGE");
}

TEST(ConfigFlags, OverrideEnvironment) {
    const Env env = {{"MGS_SEED", "5"}, {"MGS_BOTS", "10"}, {"MGS_MATCH_MODE", "tdm"}, {"MGS_THREADS", "2"}};
    const ServerConfig cfg = load({"--seed", "7", "--bots=12", "--mode", "ffa", "--threads", "3",
                                   "--log-level", "debug", "--bind", "127.0.0.1", "--port", "9100"},
                                  env);
    EXPECT_EQ(cfg.seed, 7u);
    EXPECT_EQ(cfg.map.seed, 7u);
    EXPECT_EQ(cfg.bots, 12);
    EXPECT_EQ(cfg.rules.mode, sim::Mode::FreeForAll);
    EXPECT_EQ(cfg.threads, 3);
    EXPECT_EQ(cfg.log_level, "debug");
    EXPECT_EQ(cfg.bind_address, "127.0.0.1");
    EXPECT_EQ(cfg.http_port, 9100);
    EXPECT_EQ(load({}, env).seed, 5u);
}

TEST(ConfigFlags, RunOptions) {
    const ServerConfig cfg = load({"--headless", "--ticks", "300", "--report", "json", "--ascii"});
    EXPECT_TRUE(cfg.headless);
    EXPECT_EQ(cfg.ticks, 300);
    EXPECT_EQ(cfg.report, ReportFormat::Json);
    EXPECT_TRUE(cfg.ascii);
    EXPECT_CONTAINS(load_error({"--ticks", "-1"}), "--ticks");
    EXPECT_CONTAINS(load_error({"--report", "xml"}), "--report = \"xml\" must be one of text|json");
}

TEST(ConfigFlags, SetAnyKeyAfterEverythingElse) {
    const ServerConfig cfg = load({"--set", "player.speed=300", "--set", "weapons.melee.arc_rad=1.5", "--set",
                                   "walls.respawn_health=[50, 500]", "--set", "match.regenerate_map=true",
                                   "--set", "map.destructible_health=10,20,30,40", "--set", "preset=arena"},
                                  {{"MGS_PLAYER_SPEED", "250"}});
    EXPECT_FLOAT_EQ(cfg.rules.speed, 300.0f);
    EXPECT_FLOAT_EQ(cfg.rules.weapons[static_cast<int>(sim::WeaponKind::Melee)].arc_rad, 1.5f);
    EXPECT_FLOAT_EQ(cfg.rules.wall_respawn_health[1], 500.0f);
    EXPECT_TRUE(cfg.rules.regenerate_map);
    EXPECT_EQ(cfg.map.destructible_health[3], 40);
    EXPECT_EQ(cfg.preset, "arena");
    EXPECT_FLOAT_EQ(cfg.map.width, 1600.0f);

    // --set is applied after the dedicated flags.
    EXPECT_EQ(load({"--set", "seed=9", "--seed", "8"}).seed, 9u);
    EXPECT_CONTAINS(load_error({"--set", "player.sped=3"}),
                    "unknown key \"player.sped\"; did you mean \"player.speed\"?");
    EXPECT_CONTAINS(load_error({"--set", "player.speed"}), "expected section.key=value");
    EXPECT_CONTAINS(load_error({"--set", "player.speed=-3"}),
                    "player.speed = -3 is out of range [1, 10000] (--set)");
}

TEST(ConfigFlags, HelpPrintsAndReturnsNullopt) {
    ::testing::internal::CaptureStdout();
    EXPECT_FALSE(load_config({"--help"}, env_of({})).has_value());
    const std::string help = ::testing::internal::GetCapturedStdout();
    EXPECT_CONTAINS(help, "--seed");
    EXPECT_CONTAINS(help, "--set");
    EXPECT_CONTAINS(help, "--preset");

    ::testing::internal::CaptureStdout();
    EXPECT_FALSE(load_config({"--help-config"}, env_of({})).has_value());
    const std::string keys = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(keys, describe_keys());
    for (const std::string& path : all_key_paths()) {
        EXPECT_CONTAINS(keys, "  " + path + " = ");
    }
    EXPECT_CONTAINS(keys, "MGS_WEAPONS_SNIPER_RELOAD_S");
    EXPECT_CONTAINS(keys, "number in [1, 10000]");

    ::testing::internal::CaptureStdout();
    EXPECT_FALSE(load_config({"--print-config", "--seed", "4"}, env_of({})).has_value());
    EXPECT_CONTAINS(::testing::internal::GetCapturedStdout(), "seed = 4\n");
}

// ---------------------------------------------------------------------------------------------
// Bad input: every path gives a ConfigError naming the key

TEST(ConfigErrors, SyntaxErrorNamesFileAndLine) {
    const std::string file = temp_file("syntax.toml", "seed = 1\n[player]\nspeed = = 3\n");
    const std::string e = load_error({"--config", file});
    EXPECT_CONTAINS(e, "config: " + file + ":3:");
    EXPECT_CONTAINS(e, "syntax error");
}

TEST(ConfigErrors, UnknownKeyNamedWithSuggestion) {
    const std::string file = temp_file("unknown.toml", "[player]\nsped = 3\n");
    const std::string e = load_error({"--config", file});
    EXPECT_CONTAINS(e, "config: unknown key \"player.sped\" in " + file + " (line 2)");
    EXPECT_CONTAINS(e, "did you mean \"player.speed\"?");

    ServerConfig cfg;
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "[weapons.melee]\nmagazine = 3\n", "x"); }),
                    "unknown key \"weapons.melee.magazine\"");
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "[weapons.pistol]\nreserve_magazines = 3\n", "x"); }),
                    "unknown key \"weapons.pistol.reserve_magazines\"");
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "[weapons.laser]\ndamage = 3\n", "x"); }),
                    "unknown key \"weapons.laser\"");
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "[pickups.respawn_s]\nlaser = 3\n", "x"); }),
                    "unknown key \"pickups.respawn_s.laser\"");
}

TEST(ConfigErrors, WrongTypeNamesKeyAndTypes) {
    struct Case {
        std::string toml;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"[player]\nspeed = \"fast\"\n", "player.speed expects a number, got a string (file x.toml, line 2)"},
        {"bots = 1.5\n", "bots expects an integer, got a floating-point number"},
        {"[combat]\nfriendly_fire = 1\n", "combat.friendly_fire expects true or false, got an integer"},
        {"[match]\nmode = 2\n", "match.mode expects one of ctf|tdm|ffa, got an integer"},
        {"[walls]\nrespawn_s = [30, 60]\n",
         "walls.respawn_s expects an array of 3 numbers in [0, 3600], got an "
         "array of 2"},
        {"[walls]\nrespawn_health = 100\n", "walls.respawn_health expects an array of 2 numbers"},
        {"[walls]\nrespawn_s = [30, \"x\", 90]\n", "walls.respawn_s[1] expects a number, got a string"},
        {"player = 5\n", "player must be a table of keys, got an integer"},
        {"[player.speed]\nx = 1\n", "player.speed expects a number, got a table"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.toml);
        ServerConfig cfg;
        EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, c.toml, "x.toml"); }), "config: " + c.message);
    }
}

TEST(ConfigErrors, OutOfRangeNamesKeyAndRange) {
    struct Case {
        std::string toml;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"[player]\nspeed = -3\n", "player.speed = -3 is out of range [1, 10000] (file x.toml, line 2)"},
        {"threads = 300\n", "threads = 300 is out of range [0, 256]"},
        {"seed = -1\n", "seed = -1 is out of range [0, 9223372036854775807]"},
        {"[match]\ntick_hz = 0\n", "match.tick_hz = 0 is out of range [1, 240]"},
        {"[match]\ntick_hz = 241\n", "match.tick_hz = 241 is out of range [1, 240]"},
        {"[match]\ntime_limit_s = 0\n", "match.time_limit_s = 0 is out of range [1, 86400]"},
        {"[map]\nwidth = 500\n", "map.width = 500 is out of range [800, 32767]"},
        {"[map]\nheight = 100001\n", "map.height = 100001 is out of range [800, 32767]"},
        {"[weapons.rifle]\nmagazine = 0\n", "weapons.rifle.magazine = 0 is out of range [1, 1000]"},
        {"[weapons.shotgun]\nspread_rad = 2.5\n",
         "weapons.shotgun.spread_rad = 2.5 is out of range [0, 1.57"},
        {"[player]\nseparation_strength = nan\n", "player.separation_strength = nan is out of range [0, 1]"},
        {"[server]\nhttp_port = 70000\n", "server.http_port = 70000 is out of range [0, 65535]"},
        {"[walls]\nrespawn_s = [30, -1, 90]\n", "walls.respawn_s[1] = -1 is out of range [0, 3600]"},
        {"[pickups.respawn_s]\nhealth = -1\n", "pickups.respawn_s.health = -1 is out of range [0, 3600]"},
        {"[map]\ndestructible_health = [1, 2, 3, 40000]\n",
         "map.destructible_health[3] = 40000 is out of range [1, 30000]"},
        {"bots = 100001\n", "bots = 100001 is out of range [0, 65535]"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.toml);
        ServerConfig cfg;
        EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, c.toml, "x.toml"); }), "config: " + c.message);
    }
}

TEST(ConfigErrors, BadEnumValue) {
    ServerConfig cfg;
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "[match]\nmode = \"koth\"\n", "x.toml"); }),
                    "config: match.mode = \"koth\" must be one of ctf|tdm|ffa (file x.toml, line 2)");
    EXPECT_CONTAINS(error_of([&] { apply_toml(cfg, "log_level = \"loud\"\n", "x.toml"); }),
                    "log_level = \"loud\" must be one of trace|debug|info|warn|error|off");
    EXPECT_CONTAINS(load_error({"--mode", "koth"}),
                    "config: --mode = \"koth\" must be one of ctf|tdm|ffa (key match.mode)");
    EXPECT_CONTAINS(load_error({}, {{"MGS_MATCH_MODE", "koth"}}),
                    "config: MGS_MATCH_MODE = \"koth\" must be one of ctf|tdm|ffa (key match.mode)");
    EXPECT_CONTAINS(load_error({"--bind", ""}), "--bind must not be empty");
}

TEST(ConfigErrors, BadEnvironmentValueNamesVariable) {
    EXPECT_CONTAINS(load_error({}, {{"MGS_SEED", "abc"}}), "config: MGS_SEED: \"abc\" is not an integer");
    EXPECT_CONTAINS(load_error({}, {{"MGS_SEED", "-1"}}), "config: MGS_SEED: \"-1\" is not an integer");
    EXPECT_CONTAINS(
        load_error({}, {{"MGS_SEED", "9223372036854775808"}}),
        "config: MGS_SEED = 9223372036854775808 is out of range [0, 9223372036854775807] (key seed)");
    EXPECT_EQ(load({}, {{"MGS_SEED", "9223372036854775807"}}).seed, 9223372036854775807u);
    EXPECT_CONTAINS(load_error({}, {{"MGS_PLAYER_SPEED", "-3"}}),
                    "config: MGS_PLAYER_SPEED = -3 is out of range [1, 10000] (key player.speed)");
    EXPECT_CONTAINS(load_error({}, {{"MGS_PLAYER_SPEED", "fast"}}),
                    "MGS_PLAYER_SPEED: \"fast\" is not a number");
    EXPECT_CONTAINS(load_error({}, {{"MGS_PLAYER_SPEED", "inf"}}),
                    "MGS_PLAYER_SPEED: \"inf\" is not a number");
    EXPECT_CONTAINS(load_error({}, {{"MGS_BOTS", "12x"}}), "MGS_BOTS: \"12x\" is not an integer");
    EXPECT_CONTAINS(load_error({}, {{"MGS_BOTS", ""}}), "MGS_BOTS: \"\" is not an integer");
    EXPECT_CONTAINS(load_error({}, {{"MGS_COMBAT_FRIENDLY_FIRE", "maybe"}}),
                    "MGS_COMBAT_FRIENDLY_FIRE: \"maybe\" is not a boolean");
    EXPECT_CONTAINS(load_error({}, {{"MGS_WALLS_RESPAWN_S", "1,2"}}),
                    "MGS_WALLS_RESPAWN_S: \"1,2\" is not an array of 3 numbers");
    EXPECT_CONTAINS(load_error({}, {{"MGS_WALLS_RESPAWN_S", "1,x,3"}}),
                    "MGS_WALLS_RESPAWN_S[1]: \"x\" is not a number");
}

TEST(ConfigErrors, BadFlagValueNamesFlag) {
    EXPECT_CONTAINS(load_error({"--seed", "abc"}), "config: --seed: \"abc\" is not an integer");
    EXPECT_CONTAINS(load_error({"--threads", "999"}),
                    "config: --threads = 999 is out of range [0, 256] (key threads)");
    EXPECT_CONTAINS(load_error({"--port", "http"}), "config: --port: \"http\" is not an integer");
}

TEST(ConfigErrors, UnknownFlag) {
    const std::string e = load_error({"--bogus"});
    EXPECT_CONTAINS(e, "config: command line:");
    EXPECT_CONTAINS(e, "--bogus");
    EXPECT_CONTAINS(load_error({"stray"}), "stray");
    EXPECT_CONTAINS(load_error({"--seed"}), "--seed");
}

TEST(ConfigErrors, MissingFileNamesPath) {
    const std::string missing = ::testing::TempDir() + "/mgs_config_does_not_exist.toml";
    EXPECT_CONTAINS(load_error({"--config", missing}), "config file \"" + missing + "\" does not exist");
    EXPECT_CONTAINS(load_error({}, {{"MGS_CONFIG", missing}}), missing);
}

TEST(ConfigValidate, RangesOfEveryKey) {
    ServerConfig cfg = load({});
    cfg.rules.speed = -3.0f;
    EXPECT_EQ(error_of([&] { validate(cfg); }), "config: player.speed = -3 is out of range [1, 10000]");
    cfg = load({});
    cfg.rules.weapons[static_cast<int>(sim::WeaponKind::Sniper)].magazine = 0;
    EXPECT_CONTAINS(error_of([&] { validate(cfg); }),
                    "weapons.sniper.magazine = 0 is out of range [1, 1000]");
    cfg = load({});
    cfg.preset = "huge";
    EXPECT_CONTAINS(error_of([&] { validate(cfg); }),
                    "preset = \"huge\" must be one of arena|default|massive");
    cfg = load({});
    cfg.rules.mode = static_cast<sim::Mode>(7);
    EXPECT_CONTAINS(error_of([&] { validate(cfg); }), "match.mode = 7 is not a mode");
    cfg = load({});
    cfg.ticks = -1;
    EXPECT_CONTAINS(error_of([&] { validate(cfg); }), "ticks = -1 must be >= 0");
}

TEST(ConfigValidate, CrossKeyRules) {
    EXPECT_CONTAINS(load_error({"--set", "walls.respawn_health=200,100"}),
                    "walls.respawn_health = [200.0, 100.0] must be increasing");
    EXPECT_CONTAINS(load_error({"--preset", "arena", "--set", "map.border_thickness=400"}),
                    "map.border_thickness = 400.0 is too thick for a 1600 x 1200 map");
    EXPECT_NO_THROW((void)load({"--preset", "arena", "--set", "map.border_thickness=300"}));
    EXPECT_CONTAINS(load_error({"--set", "bot.skill_mix=0.5,0.5,0.5"}), "bot.skill_mix");
    EXPECT_CONTAINS(load_error({"--set", "bot.skill_mix=0.5,0.5"}), "bot.skill_mix");
    // A spawn area must lie inside the map and have both sides or neither.
    EXPECT_CONTAINS(load_error({"--set", "spawn.area=3600,2600,0,800"}),
                    "spawn.area = [3600.0, 2600.0, 0.0, 800.0]");
    EXPECT_CONTAINS(load_error({"--preset", "arena", "--set", "spawn.area=1000,0,800,800"}),
                    "inside the 1600 x 1200 map");
    EXPECT_FLOAT_EQ(load({"--set", "spawn.area=3600,2600,800,800"}).rules.spawn_area[2], 800.0f);
}

TEST(ConfigBots, KeysReachTheBotParameters) {
    const ServerConfig cfg =
        load({"--set", "bot.skill_mix=0,0,1", "--set", "bot.view_radius=900"}, {{"MGS_BOT_MEMORY_S", "5"}});
    EXPECT_FLOAT_EQ(cfg.bot.skill_mix[2], 1.0f);
    EXPECT_FLOAT_EQ(cfg.bot.view_radius, 900.0f);
    EXPECT_FLOAT_EQ(cfg.bot.memory_s, 5.0f);
    EXPECT_CONTAINS(load_error({"--set", "bot.view_radius=-1"}), "bot.view_radius");
}

} // namespace
} // namespace mgs::app
