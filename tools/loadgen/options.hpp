#pragma once
// mgs-loadgen's command line: what to run, against which server, for how long. Every value is
// bounded (clients, rates, durations, a hard deadline), and the server must be on loopback.

#include <cstdint>
#include <string>

namespace mgs::loadgen {

struct Options {
    // What to run.
    std::string mode = "play"; ///< play | transport (today's Ping/Pong measurement)
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    int clients = 100;
    double rate = 50.0;       ///< clients started per second (all workers together)
    double duration_s = 30.0; ///< the hold, after every client is up or failed
    int server_pid = 0;       ///< server process for CPU and memory figures (0: none)
    std::string report = "text";
    int threads = 2; ///< worker processes (a "thread" is a process until usrsctp is replaced)
    std::string transport = "webrtc";
    int websocket_clients =
        -1; ///< of the clients, this many use the WebSocket transport (-1: per --transport)
    std::string behaviour = "walk";
    bool storm = false;
    int max_in_flight = 1000;      ///< handshakes in flight at once, all workers together
    double baseline_s = 3.0;       ///< server idle CPU measured this long before the ramp
    double timeout_s = 0.0;        ///< hard deadline for the whole run (0: computed)
    double connect_timeout_s = 20; ///< a client not up this long after it started has failed
    std::uint64_t seed = 1;
    double chat_interval_s = 60.0;       ///< mean time between chat lines per client (0: none)
    double scoreboard_interval_s = 30.0; ///< mean time between scoreboard requests (0: none)
    double metrics_interval_s = 5.0;     ///< /metrics scrapes during the hold
    bool quiet = false;

    // --mode transport (today's figures, kept as they were).
    int concurrency = 16;
    int rounds = 20;
    int payload = 100;

    /// Seconds the ramp takes: clients / rate.
    [[nodiscard]] double ramp_s() const { return static_cast<double>(clients) / rate; }
    /// The clients that use the WebSocket transport.
    [[nodiscard]] int websocket_count() const {
        return websocket_clients >= 0 ? websocket_clients : (transport == "websocket" ? clients : 0);
    }
    /// Client `index` uses the WebSocket transport. Worker w owns clients w, w + threads, ...;
    /// each worker gets its share of the WebSocket clients, spread evenly over its ramp.
    [[nodiscard]] bool uses_websocket(int index) const;
};

/// Parses and checks the command line. Returns -1 to go on, or the exit code to stop with: 0 after
/// --help, 2 for bad arguments (the message is printed to stderr).
int parse_options(int argc, char** argv, Options& out);

} // namespace mgs::loadgen
