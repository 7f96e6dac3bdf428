#pragma once
// What the load generator reads about the server under test: its CPU time and memory from
// /proc/<pid> (the server is a process on this machine: loopback only), and its own figures from
// GET /metrics (Prometheus text), scraped asynchronously so the main process never blocks on it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgs::loadgen {

/// User + system CPU time of process `pid` in ms (/proc/<pid>/stat), or -1 when unreadable.
[[nodiscard]] double process_cpu_ms(int pid);
/// Resident memory of process `pid` in KiB (VmRSS of /proc/<pid>/status), or -1.
[[nodiscard]] long process_rss_kb(int pid);
/// User + system CPU time of the calling process so far, ms (getrusage).
[[nodiscard]] double self_cpu_ms();

/// CPU time of each thread of process `pid` so far (/proc/<pid>/task/*/stat), ms, with its name.
struct ThreadCpu {
    int tid = 0;
    std::string name;
    double cpu_ms = 0;
};
[[nodiscard]] std::vector<ThreadCpu> thread_cpu_ms(int pid);

/// The machine's CPU time counters (/proc/stat, first line), in clock ticks: busy (user, nice,
/// system, irq, softirq), idle (idle, iowait) and steal. Differences of two readings give how busy
/// the whole machine was in between (the server and the load generator share it).
struct MachineCpu {
    double busy = 0, idle = 0, steal = 0;
};
[[nodiscard]] MachineCpu machine_cpu();
/// The machine's UDP error counters (/proc/net/snmp): datagrams dropped because a receiving
/// socket's buffer was full (RcvbufErrors; on loopback: the server's socket or a client's), and
/// sends refused for a full send buffer (SndbufErrors). Machine-wide, so other traffic counts too.
struct UdpErrors {
    double rcvbuf = 0, sndbuf = 0;
};
[[nodiscard]] UdpErrors udp_errors();
/// The 1-minute load average (/proc/loadavg), or -1.
[[nodiscard]] double load_average_1m();

/// One sample line of the Prometheus text format: name{label="value",...} value.
struct MetricSample {
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0.0;
};

/// The samples of a Prometheus text page (comments and malformed lines skipped).
class Metrics {
public:
    /// Parses `text` (format 0.0.4: one sample per line; label values quoted with \\ \" \n
    /// escapes; an optional timestamp after the value is ignored).
    static Metrics parse(std::string_view text);

    /// The value of `name` without labels, or of the series whose label `label` equals `value`
    /// (compared as numbers when both parse as numbers, so quantile="0.50" matches "0.5").
    [[nodiscard]] std::optional<double> get(std::string_view name) const;
    [[nodiscard]] std::optional<double> get(std::string_view name, std::string_view label,
                                            std::string_view value) const;
    /// Cumulative buckets of histogram `name` (its _bucket series): (le, count), le ascending,
    /// +Inf last as infinity.
    [[nodiscard]] std::vector<std::pair<double, double>> buckets(std::string_view name) const;
    [[nodiscard]] const std::vector<MetricSample>& samples() const noexcept { return samples_; }

private:
    std::vector<MetricSample> samples_;
};

/// One scrape's tick figures: the server's gauges over its last 5 s (absent on servers that do not
/// have them yet).
struct TickWindow {
    std::optional<double> p50_ms, p99_ms, max_ms;
    std::optional<double> overload_level;
    std::optional<double> snapshot_hz;
};
[[nodiscard]] TickWindow tick_window(const Metrics& m);

/// Quantiles of the server's mgs_tick_seconds histogram between two scrapes (what was observed in
/// between), in ms: a quantile is the upper bound of the bucket holding it (coarse: the buckets
/// are 1, 2, 5, 10, 20, 33, 50, 100 ms), the mean is exact. nullopt without the histogram or
/// without ticks in between.
struct TickHistogram {
    double count = 0;
    double mean_ms = 0;
    double p50_ms = 0; ///< upper bound of the bucket (infinity past the last bound)
    double p99_ms = 0;
};
[[nodiscard]] std::optional<TickHistogram> tick_histogram_between(const Metrics& before,
                                                                  const Metrics& after);

/// GET `target` from `server` on `io` asynchronously; calls done(ok, body) once, on `io`'s
/// thread, within `timeout`.
void http_get(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& server, std::string target,
              std::chrono::milliseconds timeout, std::function<void(bool, std::string)> done);

} // namespace mgs::loadgen
