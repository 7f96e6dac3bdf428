#pragma once
// Server configuration: built-in preset defaults, then a TOML file, then MGS_* environment
// variables, then command-line flags (each later source overrides the earlier ones). Every key
// is validated; an invalid value stops start-up with a ConfigError naming the key and the
// allowed range. config/default.toml documents every key.
#include "ai/bots.hpp"
#include "sim/rules.hpp"
#include "world/map.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mgs::app {

/// Raised for any configuration problem; what() names the key (or file and line) and the
/// allowed values.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ReportFormat : std::uint8_t { Text, Json };

struct ServerConfig {
    std::string preset = "default"; ///< arena | default | massive
    std::uint64_t seed = 1;         ///< map and simulation seed
    int threads = 0;                ///< worker threads for parallel phases; 0 = all cores
    int bots = 400;                 ///< bot population (preset default)
    std::string log_level = "info"; ///< trace | debug | info | warn | error | off

    // Headless scenario (benchmarks and checks)
    bool headless = false;
    std::int64_t ticks = 0; ///< ticks to run; 0 = until stopped
    ReportFormat report = ReportFormat::Text;
    bool ascii = false; ///< print a coarse text view of the world (headless only)

    // Network
    std::string bind_address = "0.0.0.0";
    int http_port = 8080;
    int udp_port = 8443;
    std::string public_ip = "auto"; ///< comma-separated advertised addresses, or "auto"
    std::string static_dir = "client/dist";
    int max_players = 1000; ///< human players
    int max_spectators = 100;
    int max_pending_handshakes = 256;
    int resume_grace_s = 30;
    int connect_timeout_s = 20;
    int consent_timeout_s = 30;
    int max_message_bytes = 65536;
    float signaling_rate_per_s = 5.0f;
    float signaling_burst = 10.0f;
    int max_violations = 20;

    float stats_interval_s = 1.0f; ///< live stats line period

    // State sync ([sync])
    int snapshot_hz = 20;            ///< snapshots per second per client (at most match.tick_hz)
    float view_half_width = 1100.0f; ///< area of interest: half the view rectangle (wu)
    float view_half_height = 700.0f;
    float view_hysteresis = 200.0f;   ///< entities leave the view only this far outside it (wu)
    int snapshot_budget_bytes = 1060; ///< delta + effects bytes per snapshot message
    int max_effects = 32;             ///< effects per snapshot message
    int overload_max_level = 5;       ///< deepest overload level used (0: never shed work)

    sim::Rules rules;
    world::MapParams map;
    ai::BotParams bot;

    std::string config_file; ///< the file that was loaded, empty if none
};

/// Reads an environment variable; returns nullopt when unset. Injected so tests need not touch
/// the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
[[nodiscard]] EnvLookup process_env();

/// Applies preset `name` (map size, bot count) to `cfg`. Throws ConfigError for an unknown name.
void apply_preset(ServerConfig& cfg, const std::string& name);

/// Builds the configuration from argv, the environment and the file named by --config (or
/// MGS_CONFIG). Throws ConfigError on any invalid input. Returns nullopt when the command line
/// only asked for --help (the help text has then been printed to stdout).
/// `args` are the arguments after the program name (argv[1] .. argv[argc - 1]). --help-config
/// and --print-config also print (the key list, the effective configuration) and return nullopt.
[[nodiscard]] std::optional<ServerConfig> load_config(const std::vector<std::string>& args,
                                                      const EnvLookup& env);

/// Loads a TOML document (file contents) on top of `cfg`. `origin` names it in errors.
void apply_toml(ServerConfig& cfg, const std::string& toml_text, const std::string& origin);

/// Checks every value's range; throws ConfigError naming the first bad key.
void validate(const ServerConfig& cfg);

/// Every configuration key with its environment variable, type, allowed range, default and
/// meaning, one entry per key, for --help-config.
[[nodiscard]] std::string describe_keys();

/// Every key's current value as a TOML document; apply_toml reads it back unchanged.
[[nodiscard]] std::string to_toml(const ServerConfig& cfg);

/// Warnings for the MGS_* names among `names` that look like a configuration variable but are
/// none (a misspelt variable would otherwise be ignored silently). Names that do not look like a
/// key (MGS_WERROR of the build, say) are not reported.
[[nodiscard]] std::vector<std::string> env_warnings(const std::vector<std::string>& names);

/// Names of the variables of the process environment, for env_warnings().
[[nodiscard]] std::vector<std::string> process_env_names();

} // namespace mgs::app
