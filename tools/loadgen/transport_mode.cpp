// mgs-loadgen --mode transport: opens many WebRTC data-channel connections to a running
// mgs-server (signaling over /ws, then ICE/DTLS/SCTP with our own rtc/ stack), and measures what
// the transport issue asked (tools/bench.sh run_transport parses these keys):
//   handshakes per second    signaling start -> both channels open, with K handshakes in flight
//   memory per client        server RSS growth per connected client (needs --server-pid)
//   CPU per 1000 messages    server user+system CPU while clients exchange Ping/Pong
//   round-trip time          Ping -> Pong on the unreliable `state` channel, p50/p99
// Prints one JSON object. Bounded in count and time. Kept as it was before the playing clients:
// one process, signaling on a thread per handshake in flight (RtcClient::signal).
#include "transport_mode.hpp"

#include "server_probe.hpp"

#include "net/rtc_client.hpp"
#include "rtc/sctp.hpp"

#include <nlohmann/json.hpp>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mgs::loadgen {

namespace {

using Clock = std::chrono::steady_clock;
using mgs::net::RtcClient;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Client {
    std::unique_ptr<RtcClient> rtc;
    std::future<std::string> signaling; // empty string: answered; else the error
    bool signaled = false;
    Clock::time_point started;
    double handshake_ms = -1;
    int events = -1;
    int state = -1;
    bool failed = false;
    std::uint32_t pongs = 0;
    std::vector<double> rtts;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

/// Drives every client once: reads, timers, events.
void drive_all(std::vector<Client>& clients, std::vector<pollfd>& fds, int timeout_ms) {
    fds.clear();
    for (auto& c : clients) {
        if (c.signaled && c.rtc->connection() != nullptr) {
            fds.push_back({c.rtc->fd(), POLLIN, 0});
        }
    }
    if (!fds.empty()) {
        (void)poll(fds.data(), fds.size(), timeout_ms);
    }
    for (auto& c : clients) {
        if (!c.signaled || c.rtc->connection() == nullptr || c.failed) {
            continue;
        }
        mgs::rtc::SctpStack::advance(c.rtc->now_us());
        c.rtc->drive();
        mgs::rtc::ConnectionEvent e;
        while (c.rtc->poll_event(e)) {
            switch (e.type) {
            case mgs::rtc::ConnectionEvent::Type::Connected: {
                mgs::rtc::ChannelOptions o;
                o.label = "events";
                c.events = c.rtc->open_channel(o);
                break;
            }
            case mgs::rtc::ConnectionEvent::Type::ChannelOpen:
                if (c.rtc->connection()->channel_label(e.channel) == "state") {
                    c.state = e.channel;
                }
                break;
            case mgs::rtc::ConnectionEvent::Type::Message: {
                std::uint32_t id = 0;
                double t = 0;
                std::size_t n = 0;
                if (mgs::net::read_pong(e.data, id, t, n)) {
                    ++c.pongs;
                    c.rtts.push_back(static_cast<double>(c.rtc->now_us()) / 1000.0 - t);
                }
                break;
            }
            case mgs::rtc::ConnectionEvent::Type::Disconnected:
                c.failed = true;
                break;
            default:
                break;
            }
        }
        if (c.handshake_ms < 0 && c.events >= 0 && c.state >= 0) {
            c.handshake_ms = ms_since(c.started);
        }
    }
}

} // namespace

int run_transport(const Options& opts) {
    const std::string host = opts.host;
    const std::uint16_t port = opts.port;
    const int clients_n = opts.clients;
    const int concurrency = opts.concurrency;
    const int server_pid = opts.server_pid;
    const int rounds = opts.rounds;
    const int payload = opts.payload;
    const double timeout_s = opts.timeout_s;
    std::string error;
    auto cert = mgs::rtc::DtlsCertificate::generate(error);
    if (!cert) {
        std::cerr << "loadgen: " << error << "\n";
        return 1;
    }
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    const long rss_before = server_pid > 0 ? process_rss_kb(server_pid) : -1;

    std::vector<Client> clients(static_cast<std::size_t>(clients_n));
    std::vector<pollfd> fds;
    std::size_t next = 0;
    int failures = 0;
    std::vector<std::string> errors;
    const auto t0 = Clock::now();
    auto in_flight = [&] {
        int n = 0;
        for (std::size_t i = 0; i < next; ++i) {
            n += clients[i].handshake_ms < 0 && !clients[i].failed ? 1 : 0;
        }
        return n;
    };
    std::size_t done = 0;
    while (Clock::now() < deadline) {
        while (next < clients.size() && in_flight() < concurrency) {
            // Signaling runs on its own thread per client (a join waits for the server's next
            // tick), so K handshakes really are in flight at once. The client is not touched by
            // this thread until its signaling has finished.
            Client& c = clients[next++];
            c.rtc = std::make_unique<RtcClient>(cert);
            c.started = Clock::now();
            RtcClient::Options o;
            o.host = host;
            o.http_port = port;
            o.name = "load" + std::to_string(next);
            c.signaling = std::async(std::launch::async, [rtc = c.rtc.get(), o] {
                RtcClient::Answer a;
                std::string err;
                return rtc->signal(o, a, err) ? std::string() : (err.empty() ? std::string("failed") : err);
            });
        }
        for (std::size_t i = 0; i < next; ++i) {
            Client& c = clients[i];
            if (!c.signaled && !c.failed && c.signaling.valid() &&
                c.signaling.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
                const std::string err = c.signaling.get();
                if (err.empty()) {
                    c.signaled = true;
                } else {
                    c.failed = true;
                    ++failures;
                    if (errors.size() < 5) errors.push_back(err);
                }
            }
        }
        drive_all(clients, fds, 1);
        done = static_cast<std::size_t>(std::count_if(
            clients.begin(), clients.end(), [](const Client& c) { return c.handshake_ms >= 0 || c.failed; }));
        if (done == clients.size()) {
            break;
        }
    }
    const double connect_s = ms_since(t0) / 1000.0;
    std::vector<double> hs;
    for (const auto& c : clients) {
        if (c.handshake_ms >= 0) hs.push_back(c.handshake_ms);
    }
    // Let the server settle (buffers, timers) before reading its memory.
    for (int i = 0; i < 200; ++i) drive_all(clients, fds, 1);
    const long rss_after = server_pid > 0 ? process_rss_kb(server_pid) : -1;

    // Ping/Pong rounds on both channels: CPU per 1000 messages and the unreliable RTT.
    const double cpu_before = server_pid > 0 ? process_cpu_ms(server_pid) : -1;
    std::uint64_t sent = 0;
    std::uint32_t id = 0;
    for (int r = 0; r < rounds && Clock::now() < deadline; ++r) {
        for (auto& c : clients) {
            if (c.handshake_ms < 0 || c.failed) continue;
            const double now_ms = static_cast<double>(c.rtc->now_us()) / 1000.0;
            const auto ping = mgs::net::make_ping(++id, now_ms, static_cast<std::size_t>(payload));
            sent += c.rtc->send(static_cast<std::uint16_t>(c.state), ping) ? 1 : 0;
            sent += c.rtc->send(static_cast<std::uint16_t>(c.events), ping) ? 1 : 0;
        }
        for (int i = 0; i < 20; ++i) drive_all(clients, fds, 1);
    }
    for (int i = 0; i < 300; ++i) drive_all(clients, fds, 1);
    const double cpu_after = server_pid > 0 ? process_cpu_ms(server_pid) : -1;
    std::uint64_t pongs = 0;
    std::vector<double> rtts;
    for (const auto& c : clients) {
        pongs += c.pongs;
        rtts.insert(rtts.end(), c.rtts.begin(), c.rtts.end());
    }
    const double messages = static_cast<double>(sent + pongs); // in and out at the server

    // Round-trip time with nothing else going on: one client, one Ping at a time on `state`.
    std::vector<double> solo;
    for (auto& c : clients) {
        if (c.handshake_ms < 0 || c.failed) continue;
        for (int i = 0; i < 200 && Clock::now() < deadline; ++i) {
            const std::uint32_t want = ++id;
            const double t_ms = static_cast<double>(c.rtc->now_us()) / 1000.0;
            c.rtc->send(static_cast<std::uint16_t>(c.state), mgs::net::make_ping(want, t_ms, 16));
            const auto give_up = Clock::now() + std::chrono::milliseconds(200);
            bool got = false;
            while (!got && Clock::now() < give_up) {
                pollfd pfd{c.rtc->fd(), POLLIN, 0};
                (void)poll(&pfd, 1, 1);
                mgs::rtc::SctpStack::advance(c.rtc->now_us());
                c.rtc->drive();
                mgs::rtc::ConnectionEvent e;
                while (c.rtc->poll_event(e)) {
                    std::uint32_t pid = 0;
                    double pt = 0;
                    std::size_t n = 0;
                    if (e.type == mgs::rtc::ConnectionEvent::Type::Message &&
                        mgs::net::read_pong(e.data, pid, pt, n) && pid == want) {
                        solo.push_back(static_cast<double>(c.rtc->now_us()) / 1000.0 - pt);
                        got = true;
                    }
                }
            }
        }
        break;
    }

    nlohmann::json out = {
        {"clients", clients_n},
        {"connected", hs.size()},
        {"failed", failures + static_cast<int>(clients.size() - hs.size()) - failures},
        {"concurrency", concurrency},
        {"handshakes_per_s", hs.empty() ? 0.0 : static_cast<double>(hs.size()) / connect_s},
        {"handshake_ms",
         {{"p50", percentile(hs, 50)}, {"p99", percentile(hs, 99)}, {"max", percentile(hs, 100)}}},
        {"pings_sent", sent},
        {"pongs_received", pongs},
        {"rtt_ms_under_load", {{"p50", percentile(rtts, 50)}, {"p99", percentile(rtts, 99)}}},
        {"rtt_ms_unreliable_single",
         {{"p50", percentile(solo, 50)}, {"p99", percentile(solo, 99)}, {"samples", solo.size()}}},
    };
    if (server_pid > 0 && !hs.empty()) {
        out["server_rss_kb_before"] = rss_before;
        out["server_rss_kb_after"] = rss_after;
        out["server_kb_per_client"] =
            static_cast<double>(rss_after - rss_before) / static_cast<double>(hs.size());
        out["server_cpu_ms_per_1000_messages"] =
            messages > 0 ? (cpu_after - cpu_before) * 1000.0 / messages : 0.0;
    }
    if (!errors.empty()) out["errors"] = errors;
    std::cout << out.dump() << std::endl;
    for (auto& c : clients) {
        if (c.signaling.valid()) c.signaling.wait();
        if (c.rtc && c.signaled) c.rtc->close();
    }
    return hs.size() == clients.size() ? 0 : 1;
}

} // namespace mgs::loadgen
