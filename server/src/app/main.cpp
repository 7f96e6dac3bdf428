// mgs-server: loads the configuration, then runs the world headless (scenario runs and
// benchmarks) or live at the tick rate. Exit codes: 0 ok, 2 configuration error, 1 other error.
#include "app/config.hpp"
#include "app/runner.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <exception>
#include <iostream>

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int /*signal*/) {
    g_stop.store(true);
}
} // namespace

int main(int argc, char** argv) {
    // Logs go to stderr so that stdout carries only the report.
    spdlog::set_default_logger(spdlog::stderr_color_mt("mgs"));
    std::vector<std::string> args(argv + 1, argv + argc);
    std::optional<mgs::app::ServerConfig> cfg;
    try {
        cfg = mgs::app::load_config(args, mgs::app::process_env());
    } catch (const mgs::app::ConfigError& e) {
        std::cerr << e.what() << '\n';
        return 2;
    }
    if (!cfg) return 0; // --help
    spdlog::set_level(spdlog::level::from_str(cfg->log_level));
    for (const auto& w : mgs::app::env_warnings(mgs::app::process_env_names())) spdlog::warn("{}", w);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        return cfg->headless ? mgs::app::run_headless(*cfg, g_stop) : mgs::app::run_live(*cfg, g_stop);
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}
