// mgs-loadgen: the project's measuring stick. Real clients against a running mgs-server on
// loopback: they join through /ws, connect over WebRTC (our rtc/ stack, client role) or the
// WebSocket transport, play (inputs every tick in redundant batches, acknowledgements, every
// snapshot decoded and checked), and the report says what the server cost per client.
//
// The main process (this file) runs the timeline and measures the server; worker processes
// (worker.hpp) run the clients:
//
//   main:    baseline (server idle CPU) ─ fork N workers ─ wait ramp_done ×N ─ "hold" ─ scrape
//            /metrics every 5 s ─ "hold_end" ─ ["storm" ─ wait storm_done ×N] ─ "finish" ─
//            merge the N results ─ print the report
//   worker:  ramp its clients at rate/N ─ play ─ answer the commands on its pipe
//
// Bounded: at most 20,000 clients, a hard deadline (--timeout-s), loopback only. A signal or the
// deadline ends the run with what was measured so far (exit code 1).
#include "options.hpp"
#include "report.hpp"
#include "server_probe.hpp"
#include "transport_mode.hpp"
#include "worker.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>
#include <iostream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mgs::loadgen {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

/// Server counters whose growth during the hold the report shows (labelled series summed).
constexpr std::array<const char*, 10> kServerCounters{
    "mgs_outbound_dropped_total",  "mgs_inputs_dropped_total", "mgs_requests_dropped_total",
    "mgs_messages_dropped_total",  "mgs_inputs_total",         "mgs_messages_received_total",
    "mgs_bytes_sent_total",        "mgs_packets_sent_total",   "mgs_signaling_errors_total",
    "mgs_handshake_failures_total"};

double clock_ticks_per_s() {
    return static_cast<double>(sysconf(_SC_CLK_TCK));
}

double sum_series(const Metrics& m, const std::string& name) {
    double total = 0;
    for (const auto& s : m.samples()) {
        if (s.name == name) total += s.value;
    }
    return total;
}

/// Raises the open-file limit to its hard limit (each WebRTC client holds a UDP socket, and a TCP
/// one while it signals). Workers inherit it; each process counts its own descriptors.
void raise_nofile() {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
    }
}

/// A quick blocking check that something listens on the HTTP port, for a clear error up front.
bool reachable(const Options& o, std::string& error) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(o.port);
    inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
    const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (!ok) error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return ok;
}

struct WorkerProc {
    pid_t pid = -1;
    int cmd_fd = -1;
    std::unique_ptr<asio::posix::stream_descriptor> out;
    std::unique_ptr<asio::streambuf> buf = std::make_unique<asio::streambuf>();
    bool alive = true;
    bool ramp_done = false;
    bool storm_done = false;
    bool has_result = false;
    WorkerResult result;
    Json all_back_ms = nullptr;
    std::uint64_t up = 0, failed = 0, in_flight = 0;
};

class Coordinator {
public:
    explicit Coordinator(Options o)
        : o_(std::move(o)), start_(Clock::now()), signals_(io_, SIGINT, SIGTERM), deadline_(io_),
          hold_timer_(io_), metrics_timer_(io_), progress_timer_(io_), finish_timer_(io_),
          server_(asio::ip::make_address(o_.host), o_.port) {}

    int run() {
        std::string error;
        if (!reachable(o_, error)) {
            std::cerr << "mgs-loadgen: cannot reach the server at " << o_.host << ":" << o_.port << " ("
                      << error << ")\n";
            return 1;
        }
        if (o_.server_pid > 0 && process_cpu_ms(o_.server_pid) < 0) {
            std::cerr << "mgs-loadgen: --server-pid " << o_.server_pid << ": no such process\n";
            return 2;
        }
        raise_nofile();
        if (o_.server_pid > 0) {
            measure_baseline();
            const long rss = process_rss_kb(o_.server_pid);
            if (rss >= 0) sf_.rss_kb_before = rss;
        }
        if (!spawn_workers()) return 1;

        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (!ec) abort(sig == SIGINT ? "signal (SIGINT)" : "signal (SIGTERM)");
        });
        deadline_.expires_at(start_ + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o_.timeout_s)));
        deadline_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) abort("deadline");
        });
        for (auto& w : workers_) read_worker(w);
        note("ramp: " + std::to_string(o_.clients) + " clients at " + Json(o_.rate).dump() + "/s over " +
             std::to_string(workers_.size()) + " worker processes (" + std::to_string(o_.websocket_count()) +
             " on the WebSocket transport)");
        schedule_progress();
        io_.run();
        return report();
    }

private:
    enum class Phase : std::uint8_t { Ramp, Hold, AfterHold, Storm, Finishing, Done };

    void note(const std::string& line) const {
        if (!o_.quiet) std::cerr << "mgs-loadgen: " << line << "\n";
    }

    void measure_baseline() {
        if (o_.baseline_s <= 0) {
            sf_.baseline_cpu_ms_per_s = 0.0;
            return;
        }
        note("measuring the server's idle CPU for " + Json(o_.baseline_s).dump() + " s");
        const double c0 = process_cpu_ms(o_.server_pid);
        const auto t0 = Clock::now();
        std::this_thread::sleep_for(std::chrono::duration<double>(o_.baseline_s));
        const double c1 = process_cpu_ms(o_.server_pid);
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        if (c0 >= 0 && c1 >= 0 && s > 0) sf_.baseline_cpu_ms_per_s = (c1 - c0) / s;
    }

    bool spawn_workers() {
        const Clock::time_point t0 = Clock::now(); // client i starts at t0 + i / rate
        const pid_t parent = ::getpid();
        std::cout.flush();
        std::cerr.flush();
        workers_.resize(static_cast<std::size_t>(o_.threads));
        for (int k = 0; k < o_.threads; ++k) {
            int cmd[2];
            int out[2];
            if (::pipe(cmd) != 0 || ::pipe(out) != 0) {
                std::cerr << "mgs-loadgen: pipe: " << std::strerror(errno) << "\n";
                return false;
            }
            const pid_t pid = ::fork();
            if (pid < 0) {
                std::cerr << "mgs-loadgen: fork: " << std::strerror(errno) << "\n";
                return false;
            }
            if (pid == 0) {
                // Worker: dies with the main process; leaves SIGINT to the main process, which
                // asks every worker for its result.
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (::getppid() != parent) ::_exit(1);
                std::signal(SIGINT, SIG_IGN);
                std::signal(SIGTERM, SIG_DFL);
                ::close(cmd[1]);
                ::close(out[0]);
                for (int j = 0; j < k; ++j) {
                    ::close(workers_[static_cast<std::size_t>(j)].cmd_fd);
                    ::close(workers_[static_cast<std::size_t>(j)].out->native_handle());
                }
                ::_exit(run_worker(o_, k, cmd[0], out[1], t0));
            }
            ::close(cmd[0]);
            ::close(out[1]);
            WorkerProc& w = workers_[static_cast<std::size_t>(k)];
            w.pid = pid;
            w.cmd_fd = cmd[1];
            w.out = std::make_unique<asio::posix::stream_descriptor>(io_, out[0]);
        }
        return true;
    }

    void send_all(const std::string& cmd) {
        const std::string line = cmd + "\n";
        for (auto& w : workers_) {
            if (w.alive) (void)!::write(w.cmd_fd, line.data(), line.size()); // a dead worker: EPIPE
        }
    }

    void read_worker(WorkerProc& w) {
        asio::async_read_until(
            *w.out, *w.buf, '\n', [this, &w](const boost::system::error_code& ec, std::size_t) {
                if (ec) {
                    w.alive = false;
                    if (!w.has_result) ++sf_.workers_lost;
                    if (!w.has_result && phase_ != Phase::Finishing && phase_ != Phase::Done) {
                        std::cerr << "mgs-loadgen: worker " << (&w - workers_.data()) << " (pid " << w.pid
                                  << ") ended without a result\n";
                    }
                    advance();
                    return;
                }
                std::istream in(w.buf.get());
                std::string line;
                std::getline(in, line);
                on_worker_message(w, line);
                read_worker(w);
            });
    }

    void on_worker_message(WorkerProc& w, const std::string& line) {
        const Json j = Json::parse(line, nullptr, false);
        if (j.is_discarded()) return;
        const std::string type = j.value("type", "");
        if (type == "progress") {
            w.up = j.value("up", std::uint64_t{0});
            w.failed = j.value("failed", std::uint64_t{0});
            w.in_flight = j.value("in_flight", std::uint64_t{0});
        } else if (type == "ramp_done") {
            w.ramp_done = true;
            w.up = j.value("up", w.up);
            w.failed = j.value("failed", w.failed);
            w.in_flight = 0;
        } else if (type == "storm_done") {
            w.storm_done = true;
            w.all_back_ms = j.value("all_back_ms", Json(nullptr));
        } else if (type == "result") {
            w.has_result = w.result.from_json(j);
            if (!w.has_result) std::cerr << "mgs-loadgen: a worker's result could not be read\n";
        }
        advance();
    }

    /// Moves the timeline on once every live worker reached the current phase's goal.
    void advance() {
        const auto all = [&](auto pred) {
            for (auto& w : workers_) {
                if (w.alive && !pred(w)) return false;
            }
            return true;
        };
        if (phase_ == Phase::Ramp && all([](const WorkerProc& w) { return w.ramp_done; })) {
            start_hold();
        } else if (phase_ == Phase::Storm && all([](const WorkerProc& w) { return w.storm_done; })) {
            end_storm();
        } else if (phase_ == Phase::Finishing && all([](const WorkerProc& w) { return w.has_result; })) {
            phase_ = Phase::Done;
            io_.stop();
        }
    }

    std::uint64_t total(std::uint64_t WorkerProc::*m) const {
        std::uint64_t n = 0;
        for (const auto& w : workers_) n += w.*m;
        return n;
    }

    void schedule_progress() {
        progress_timer_.expires_after(std::chrono::seconds(2));
        progress_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || phase_ != Phase::Ramp) return;
            note("ramp: " + std::to_string(total(&WorkerProc::up)) + " up, " +
                 std::to_string(total(&WorkerProc::failed)) + " failed, " +
                 std::to_string(total(&WorkerProc::in_flight)) + " handshakes in flight, of " +
                 std::to_string(o_.clients));
            schedule_progress();
        });
    }

    void start_hold() {
        phase_ = Phase::Hold;
        send_all("hold");
        hold_start_ = Clock::now();
        main_cpu0_ = self_cpu_ms();
        machine0_ = machine_cpu();
        udp0_ = udp_errors();
        if (o_.server_pid > 0) {
            server_cpu0_ = process_cpu_ms(o_.server_pid);
            threads0_ = thread_cpu_ms(o_.server_pid);
        }
        note("hold: " + std::to_string(total(&WorkerProc::up)) + " clients up for " +
             Json(o_.duration_s).dump() + " s");
        scrape([this](std::optional<Metrics> m) { hold_first_ = std::move(m); });
        schedule_window_scrape(o_.metrics_interval_s, [this](const Metrics& m) {
            const TickWindow w = tick_window(m);
            if (w.p50_ms) sf_.window_p50_ms.push_back(*w.p50_ms);
            if (w.p99_ms) sf_.window_p99_ms.push_back(*w.p99_ms);
            if (w.max_ms) sf_.window_max_ms.push_back(*w.max_ms);
            if (w.overload_level) sf_.overload_levels.push_back(*w.overload_level);
            if (w.snapshot_hz) sf_.snapshot_hz.push_back(*w.snapshot_hz);
        });
        hold_timer_.expires_after(
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.duration_s)));
        hold_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) end_hold();
        });
    }

    void record_hold_figures() {
        sf_.hold_s = std::chrono::duration<double>(Clock::now() - hold_start_).count();
        sf_.loadgen_main_cpu_ms = self_cpu_ms() - main_cpu0_;
        const MachineCpu m1 = machine_cpu();
        const UdpErrors u1 = udp_errors();
        const double busy = m1.busy - machine0_.busy;
        const double all = busy + (m1.idle - machine0_.idle) + (m1.steal - machine0_.steal);
        sf_.machine = {
            {"cores", std::thread::hardware_concurrency()},
            {"load_1m_before", load_before_},
            {"load_1m_after", load_average_1m()},
            {"busy_pct", all > 0 ? 100.0 * busy / all : 0.0},
            {"steal_pct", all > 0 ? 100.0 * (m1.steal - machine0_.steal) / all : 0.0},
            {"busy_ms_per_s", sf_.hold_s > 0 ? busy * 1000.0 / clock_ticks_per_s() / sf_.hold_s : 0.0},
            {"udp_rcvbuf_errors", u1.rcvbuf - udp0_.rcvbuf},
            {"udp_sndbuf_errors", u1.sndbuf - udp0_.sndbuf}};
        if (o_.server_pid > 0) {
            const double c1 = process_cpu_ms(o_.server_pid);
            if (server_cpu0_ >= 0 && c1 >= 0) sf_.hold_cpu_ms = c1 - server_cpu0_;
            const long rss = process_rss_kb(o_.server_pid);
            if (rss >= 0) sf_.rss_kb_after = rss;
            // Per thread: which one was the bottleneck (one network thread, the game loop, ...).
            Json threads = Json::array();
            for (const ThreadCpu& t : thread_cpu_ms(o_.server_pid)) {
                double before = 0;
                for (const ThreadCpu& b : threads0_) {
                    if (b.tid == t.tid) before = b.cpu_ms;
                }
                const double per_s = sf_.hold_s > 0 ? (t.cpu_ms - before) / sf_.hold_s : 0.0;
                if (per_s >= 1.0)
                    threads.push_back({{"tid", t.tid}, {"name", t.name}, {"cpu_ms_per_s", per_s}});
            }
            std::sort(threads.begin(), threads.end(), [](const Json& a, const Json& b) {
                return a["cpu_ms_per_s"].get<double>() > b["cpu_ms_per_s"].get<double>();
            });
            sf_.server_threads = threads;
        }
    }

    void end_hold() {
        if (phase_ != Phase::Hold) return;
        metrics_timer_.cancel();
        send_all("hold_end");
        record_hold_figures();
        note("hold done after " + Json(sf_.hold_s).dump() + " s");
        phase_ = Phase::AfterHold;
        scrape([this](std::optional<Metrics> last) {
            if (phase_ != Phase::AfterHold) return; // aborted meanwhile
            if (hold_first_ && last) {
                if (const auto h = tick_histogram_between(*hold_first_, *last)) {
                    sf_.tick_histogram = {
                        {"ticks", h->count},
                        {"mean", h->mean_ms},
                        {"p50_bucket", std::isinf(h->p50_ms) ? Json("+Inf") : Json(h->p50_ms)},
                        {"p99_bucket", std::isinf(h->p99_ms) ? Json("+Inf") : Json(h->p99_ms)}};
                }
                Json counters = Json::object();
                for (const char* name : kServerCounters) {
                    counters[name] = sum_series(*last, name) - sum_series(*hold_first_, name);
                }
                if (const auto c = last->get("mgs_clients_connected")) counters["mgs_clients_connected"] = *c;
                sf_.counters = counters;
            }
            if (last) {
                // Heap the server holds per connected client, by component, as the hold ends; the
                // rest of its RSS growth is the transport's (OpenSSL, usrsctp) and the allocator's.
                const double clients = std::max(1.0, static_cast<double>(total(&WorkerProc::up)));
                Json memory = Json::object();
                for (const char* component : {"client_views", "client_buffers", "outbound_batches"}) {
                    if (const auto b = last->get("mgs_memory_bytes", "component", component)) {
                        memory[component] = *b / 1024.0 / clients;
                    }
                }
                sf_.memory = memory;
            }
            if (o_.storm) {
                start_storm();
            } else {
                finish();
            }
        });
    }

    void start_storm() {
        phase_ = Phase::Storm;
        note("storm: every client drops at once and resumes");
        send_all("storm");
        schedule_window_scrape(1.0, [this](const Metrics& m) {
            const TickWindow w = tick_window(m);
            if (w.p50_ms) sf_.storm_p50_ms.push_back(*w.p50_ms);
            if (w.p99_ms) sf_.storm_p99_ms.push_back(*w.p99_ms);
            if (w.max_ms) sf_.storm_max_ms.push_back(*w.max_ms);
        });
        advance(); // no worker had a client to drop
    }

    void end_storm() {
        metrics_timer_.cancel();
        double all_back = 0;
        for (const auto& w : workers_) {
            if (!w.alive) continue;
            if (w.all_back_ms.is_number()) {
                all_back = std::max(all_back, w.all_back_ms.get<double>());
            } else {
                all_back = -1;
                break;
            }
        }
        sf_.storm_all_back_ms = all_back;
        note("storm done");
        // The gauges cover the server's last 5 s: a storm shorter than a scrape interval is in them.
        phase_ = Phase::AfterHold;
        scrape([this](std::optional<Metrics> m) {
            if (phase_ != Phase::AfterHold) return; // aborted meanwhile
            if (m) {
                const TickWindow w = tick_window(*m);
                if (w.p50_ms) sf_.storm_p50_ms.push_back(*w.p50_ms);
                if (w.p99_ms) sf_.storm_p99_ms.push_back(*w.p99_ms);
                if (w.max_ms) sf_.storm_max_ms.push_back(*w.max_ms);
            }
            finish();
        });
    }

    void finish() {
        phase_ = Phase::Finishing;
        hold_timer_.cancel();
        metrics_timer_.cancel();
        send_all("finish");
        // Workers answer at once; one that does not within 10 s is killed and counted lost.
        finish_timer_.expires_after(std::chrono::seconds(10));
        finish_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            for (auto& w : workers_) {
                if (w.alive && !w.has_result) ::kill(w.pid, SIGKILL);
            }
            io_.stop();
        });
        advance();
    }

    void abort(const std::string& why) {
        if (phase_ == Phase::Finishing || phase_ == Phase::Done) return;
        std::cerr << "mgs-loadgen: stopping early: " << why << "\n";
        sf_.aborted = why.rfind("signal", 0) == 0 ? "signal" : why;
        if (phase_ == Phase::Hold) {
            send_all("hold_end");
            record_hold_figures();
        }
        finish();
    }

    void scrape(std::function<void(std::optional<Metrics>)> done) {
        http_get(io_, server_, "/metrics", std::chrono::seconds(3),
                 [done = std::move(done)](bool ok, std::string body) {
                     done(ok ? std::optional<Metrics>(Metrics::parse(body)) : std::nullopt);
                 });
    }

    void schedule_window_scrape(double interval_s, std::function<void(const Metrics&)> use) {
        metrics_timer_.expires_after(
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s)));
        metrics_timer_.async_wait([this, interval_s, use](const boost::system::error_code& ec) {
            if (ec) return;
            const Phase phase = phase_;
            scrape([this, use, phase](std::optional<Metrics> m) {
                if (m && phase_ == phase) use(*m);
            });
            schedule_window_scrape(interval_s, use);
        });
    }

    int report() {
        // Workers exit right after their result; one that does not within 5 s is killed.
        const auto give_up = Clock::now() + std::chrono::seconds(5);
        for (auto& w : workers_) {
            if (w.alive && !w.has_result) ::kill(w.pid, SIGKILL);
            ::close(w.cmd_fd);
            int status = 0;
            while (::waitpid(w.pid, &status, WNOHANG) == 0) {
                if (Clock::now() > give_up) {
                    ::kill(w.pid, SIGKILL);
                    (void)::waitpid(w.pid, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        WorkerResult merged;
        for (const auto& w : workers_) {
            if (w.has_result) merged.merge(w.result);
        }
        merged.clients = static_cast<std::uint64_t>(o_.clients); // a lost worker's clients count as failed
        const Json r = build_report(merged, sf_, o_.threads, o_.rate, o_.duration_s);
        if (o_.report == "json") {
            std::cout << r.dump() << std::endl;
        } else {
            print_text(r);
        }
        return exit_code(merged, sf_, o_.storm);
    }

    static void print_text(const Json& r) {
        const auto f = [](const Json& v) { return v.is_null() ? std::string("-") : v.dump(); };
        std::cout << "clients " << r["clients"] << ": connected " << r["connected"] << ", failed "
                  << r["failed"] << ", disconnected during the hold " << r["disconnected_during_hold"] << "\n"
                  << "handshakes " << f(r["handshakes_per_s"]) << "/s, p50 " << f(r["handshake_ms"]["p50"])
                  << " ms, p99 " << f(r["handshake_ms"]["p99"]) << " ms\n"
                  << "snapshots per client and second: min " << f(r["snapshots_per_client_s"]["min"])
                  << ", p5 " << f(r["snapshots_per_client_s"]["p5"]) << ", p50 "
                  << f(r["snapshots_per_client_s"]["p50"]) << "; kbit/s per client p50 "
                  << f(r["kbps_per_client"]["p50"]) << "\n"
                  << "input to snapshot: p50 " << f(r["input_to_snapshot_ms"]["p50"]) << " ms, p99 "
                  << f(r["input_to_snapshot_ms"]["p99"]) << " ms\n"
                  << "decode errors " << r["decode_errors"] << ", view errors " << r["view_errors"] << "\n"
                  << "server: " << f(r["server_cpu_ms_per_client_s"]) << " ms CPU per client-second, "
                  << f(r["server_rss_kb_per_client"]) << " KiB per client, tick " << f(r["server_tick_ms"])
                  << "\n"
                  << "loadgen: " << f(r["loadgen_cpu_ms_per_s"]) << " ms CPU per second\n"
                  << "errors by code: " << r["errors_by_code"].dump() << "\n";
    }

    Options o_;
    const Clock::time_point start_;
    asio::io_context io_;
    asio::signal_set signals_;
    asio::steady_timer deadline_;
    asio::steady_timer hold_timer_;
    asio::steady_timer metrics_timer_;
    asio::steady_timer progress_timer_;
    asio::steady_timer finish_timer_;
    asio::ip::tcp::endpoint server_;
    std::vector<WorkerProc> workers_;
    Phase phase_ = Phase::Ramp;
    ServerFigures sf_;
    Clock::time_point hold_start_;
    double main_cpu0_ = 0;
    double server_cpu0_ = -1;
    std::vector<ThreadCpu> threads0_;
    MachineCpu machine0_;
    UdpErrors udp0_;
    double load_before_ = load_average_1m();
    std::optional<Metrics> hold_first_;
};

} // namespace
} // namespace mgs::loadgen

int main(int argc, char** argv) {
    mgs::loadgen::Options o;
    if (const int rc = mgs::loadgen::parse_options(argc, argv, o); rc >= 0) {
        return rc;
    }
    std::signal(SIGPIPE, SIG_IGN);
    if (o.mode == "transport") {
        return mgs::loadgen::run_transport(o);
    }
    mgs::loadgen::Coordinator c(std::move(o));
    return c.run();
}
