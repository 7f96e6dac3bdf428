#include "options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <iostream>

namespace mgs::loadgen {

bool Options::uses_websocket(int index) const {
    // Per worker: Bresenham over the worker's own clients, so its K_w WebSocket clients are spread
    // evenly (K_w <= n_w because websocket_count() <= clients).
    const int t = threads;
    const int w = index % t;
    const int j = index / t;
    const int k = websocket_count();
    const auto n_w = static_cast<long>(clients / t + (w < clients % t ? 1 : 0));
    const auto k_w = static_cast<long>(k / t + (w < k % t ? 1 : 0));
    return (j + 1L) * k_w / n_w > j * k_w / n_w;
}

int parse_options(int argc, char** argv, Options& o) {
    CLI::App app{
        "mgs-loadgen: real clients against a running mgs-server on loopback.\n"
        "Default (--mode play): every client signals on /ws, connects over WebRTC (our rtc/ stack,\n"
        "client role) or the WebSocket transport, gets its Welcome, sends inputs every tick in\n"
        "redundant batches as the web client does, acknowledges and fully decodes every snapshot,\n"
        "checks its view, and chats and asks for the scoreboard now and then. Clients ramp up at\n"
        "--rate per second, hold for --duration-s, then (with --storm) all drop and resume at once.\n"
        "--threads N runs N worker PROCESSES (usrsctp is one stack per process and cannot be driven\n"
        "from several threads; a worker is a process until our own SCTP replaces usrsctp), each\n"
        "single-threaded on epoll. Prints one report (--report json: one JSON object on stdout).\n"
        "Exit code 0: every client connected, none disconnected during the hold, no decode or view\n"
        "errors; 1 otherwise; 2 for bad arguments.\n"
        "--mode transport: the transport figures (Ping/Pong, handshakes/s, memory per client).",
        "mgs-loadgen"};
    app.option_defaults()->always_capture_default();
    app.add_option("--mode", o.mode, "play (default) or transport (Ping/Pong figures)")
        ->check(CLI::IsMember({"play", "transport"}));
    app.add_option("--host", o.host, "server address; loopback only (127.0.0.0/8, ::1, localhost)");
    app.add_option("--port", o.port, "server HTTP port (signaling on /ws, /metrics)")
        ->check(CLI::Range(1, 65535));
    app.add_option("--clients", o.clients, "clients to run")->check(CLI::Range(1, 20000));
    app.add_option("--rate", o.rate, "clients started per second (all workers together)")
        ->check(CLI::Range(0.01, 100000.0));
    app.add_option("--duration-s", o.duration_s, "hold: seconds with every client up, measured")
        ->check(CLI::Range(1.0, 3600.0));
    app.add_option("--server-pid", o.server_pid, "server process (on this machine): CPU and memory figures")
        ->check(CLI::Range(0, 1 << 30));
    app.add_option("--report", o.report, "json: one JSON object on stdout; text: a short summary")
        ->check(CLI::IsMember({"json", "text"}));
    app.add_option("--threads", o.threads, "worker processes (each single-threaded, epoll)")
        ->check(CLI::Range(1, 64));
    app.add_option("--transport", o.transport, "webrtc (data channels) or websocket (game data on /ws)")
        ->check(CLI::IsMember({"webrtc", "websocket"}));
    app.add_option(
           "--websocket-clients", o.websocket_clients,
           "this many of the clients use the WebSocket transport, the rest WebRTC (overrides --transport)")
        ->check(CLI::Range(0, 20000));
    app.add_option("--behaviour,--behavior", o.behaviour,
                   "walk: random walk, aim and fire now and then; fight: toward the nearest enemy in view, "
                   "aim and fire within 600 wu, reload when empty (else walk)")
        ->check(CLI::IsMember({"walk", "fight"}));
    app.add_flag("--storm", o.storm,
                 "after the hold every client drops at once (WebRTC: its UDP socket closed unannounced; "
                 "WebSocket: TCP dropped) and resumes with its session token");
    app.add_option("--max-in-flight", o.max_in_flight, "handshakes in flight at once, all workers together")
        ->check(CLI::Range(1, 20000));
    app.add_option("--baseline-s", o.baseline_s,
                   "server idle CPU measured this long before the ramp (with --server-pid)")
        ->check(CLI::Range(0.0, 60.0));
    app.add_option("--timeout-s", o.timeout_s,
                   "hard deadline for the whole run (0: baseline + ramp + hold + 60 s, + 60 s with --storm; "
                   "--mode transport: 120 s)")
        ->check(CLI::Range(0.0, 14400.0));
    app.add_option("--connect-timeout-s", o.connect_timeout_s,
                   "a client not up this long after its start failed")
        ->check(CLI::Range(1.0, 300.0));
    app.add_option("--seed", o.seed, "seed of the behaviours, chat and scoreboard timing (runs repeat)");
    app.add_option("--chat-interval-s", o.chat_interval_s,
                   "mean seconds between chat lines per client (0: none)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--scoreboard-interval-s", o.scoreboard_interval_s,
                   "mean seconds between scoreboard requests per client (0: none)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--metrics-interval-s", o.metrics_interval_s,
                   "seconds between /metrics scrapes in the hold")
        ->check(CLI::Range(1.0, 60.0));
    app.add_flag("--quiet", o.quiet, "no progress lines on stderr");
    auto* transport = app.add_option_group("--mode transport", "today's transport figures");
    transport->add_option("--concurrency", o.concurrency, "handshakes in flight")->check(CLI::Range(1, 1000));
    transport->add_option("--rounds", o.rounds, "Ping rounds per client and channel (CPU and RTT figures)")
        ->check(CLI::Range(0, 100000));
    transport->add_option("--payload", o.payload, "Ping payload bytes")->check(CLI::Range(0, 60000));
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e);
        return 2;
    }

    boost::system::error_code ec;
    const std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (ec || !address.is_loopback()) {
        std::cerr << "mgs-loadgen only targets loopback: --host " << o.host
                  << " is not a loopback address (127.0.0.0/8, ::1, localhost)\n";
        return 2;
    }
    o.host = host;
    if (o.websocket_clients > o.clients) {
        std::cerr << "mgs-loadgen: --websocket-clients " << o.websocket_clients << " is more than --clients "
                  << o.clients << "\n";
        return 2;
    }
    if (o.mode == "play" && address.is_v6()) {
        std::cerr << "mgs-loadgen: --mode play needs an IPv4 loopback address\n";
        return 2;
    }
    o.threads = std::min(o.threads, o.clients);
    if (o.timeout_s <= 0) {
        o.timeout_s = o.mode == "transport"
                          ? 120.0
                          : o.baseline_s + o.ramp_s() + o.duration_s + 60.0 + (o.storm ? 60.0 : 0.0);
    }
    return -1;
}

} // namespace mgs::loadgen
