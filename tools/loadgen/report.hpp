#pragma once
// The load generator's figures: what each worker process measured (WorkerResult, sent to the
// main process as one JSON line and merged there), what the main process measured about the
// server (ServerFigures), and the report built from both. Pure: no I/O.

#include "histogram.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mgs::loadgen {

/// One worker's figures; merge() adds another worker's.
struct WorkerResult {
    std::uint64_t clients = 0;
    std::uint64_t connected = 0;                ///< came up (Welcome, and both channels over WebRTC)
    std::uint64_t failed = 0;                   ///< never came up (signaling error, timeout, lost)
    std::uint64_t disconnected_before_hold = 0; ///< came up, lost before the hold
    std::uint64_t disconnected_during_hold = 0; ///< up when the hold began, lost during it
    std::uint64_t held = 0;                     ///< up when the hold began: the clients measured
    std::uint64_t websocket_clients = 0;
    std::map<std::string, std::uint64_t> errors_by_code; ///< server codes, or timeout, connect, ...

    Histogram handshake_ms;           ///< signaling start -> Welcome (+ both channels)
    Histogram first_snapshot_ms;      ///< signaling start -> first decoded snapshot
    Histogram snapshots_per_client_s; ///< per held client: snapshots decoded per second of hold
    Histogram kbps_per_client;        ///< per held client: kbit/s received in the hold
    Histogram input_to_snapshot_ms;   ///< per input sample in the hold: sent -> first snapshot covering it
    Histogram snapshot_gap_ms;        ///< in the hold: time between two snapshots decoded by one client
    Histogram loop_lag_ms;            ///< in the hold: how late each worker's tick timer fired

    std::uint64_t snapshots = 0;      ///< decoded (Ok), whole run
    std::uint64_t snapshots_full = 0; ///< decoded with baseline 0 after the connection's first delta
    std::uint64_t stale = 0;
    std::uint64_t decode_errors = 0; ///< DecodeError + Inconsistent
    std::uint64_t view_errors = 0;   ///< BaselineMissing
    std::uint64_t inputs_sent = 0;   ///< samples made (each goes out in up to 5 batches)
    std::uint64_t batches_sent = 0;
    std::uint64_t send_failures = 0; ///< a send the transport refused (buffer full, channel closed)
    std::uint64_t pongs = 0;
    std::uint64_t events = 0;
    std::uint64_t chats_sent = 0;
    std::uint64_t chats_received = 0;
    std::uint64_t scoreboards_sent = 0;
    std::uint64_t scoreboards_received = 0;
    std::uint64_t welcomes = 0;
    std::uint64_t bad_messages = 0;   ///< game messages that failed the FlatBuffers verifier
    std::uint64_t resyncs = 0;        ///< times a client started asking for a full snapshot
    std::uint64_t resync_batches = 0; ///< InputBatch messages sent with resync set

    double first_start_ms = -1; ///< since the run's start: first handshake started
    double last_up_ms = -1;     ///< last client of the ramp up
    double hold_cpu_ms = 0;     ///< CPU of this worker during the hold
    double hold_s = 0;          ///< hold length as this worker saw it
    double rss_kb = 0;          ///< this worker's RSS at the end of the hold

    // --storm
    std::uint64_t storm_clients = 0; ///< up when the storm began: dropped and resumed
    std::uint64_t storm_back = 0;    ///< Welcome and a decoded snapshot again
    std::uint64_t storm_failed = 0;
    std::uint64_t storm_resumed = 0;       ///< answers with "resumed": true
    std::uint64_t storm_view_errors = 0;   ///< of view_errors, those after the storm's resumes
    std::uint64_t storm_decode_errors = 0; ///< of decode_errors, those after the storm's resumes
    Histogram storm_back_ms;               ///< drop -> Welcome and a decoded snapshot

    [[nodiscard]] nlohmann::json to_json() const;
    /// False if `j` is not a WorkerResult's JSON.
    bool from_json(const nlohmann::json& j);
    void merge(const WorkerResult& other);
};

/// What the main process measured about the server (absent ones are nullopt -> JSON null).
struct ServerFigures {
    std::optional<double> baseline_cpu_ms_per_s; ///< idle CPU before the ramp
    std::optional<double> hold_cpu_ms;           ///< CPU during the hold
    std::optional<long> rss_kb_before;           ///< before the ramp
    std::optional<long> rss_kb_after;            ///< at the end of the hold
    double hold_s = 0;                           ///< hold length (main process clock)
    double loadgen_main_cpu_ms = 0;              ///< the main process's CPU during the hold
    // Tick figures: one entry per /metrics scrape in the hold (storm: in the storm).
    std::vector<double> window_p50_ms, window_p99_ms, window_max_ms, overload_levels, snapshot_hz;
    std::vector<double> storm_p50_ms, storm_p99_ms, storm_max_ms;
    nlohmann::json tick_histogram = nullptr; ///< from mgs_tick_seconds between hold start and end
    nlohmann::json counters = nullptr;       ///< server counters' growth during the hold
    nlohmann::json memory = nullptr;         ///< the server's mgs_memory_bytes by component, per client
    nlohmann::json server_threads = nullptr; ///< [{tid, name, cpu_ms_per_s}] in the hold, busiest first
    nlohmann::json machine = nullptr;        ///< {cores, load_1m_before, load_1m_after, busy_pct, steal_pct}
    double storm_all_back_ms = -1;           ///< drop -> last client back (-1: not all came back)
    std::uint64_t workers_lost = 0;          ///< worker processes that died without a result
    std::string aborted;                     ///< "", "signal" or "deadline"
};

/// (server CPU in the hold - idle CPU per second x hold seconds) / (clients x hold seconds);
/// nullopt without clients or time.
[[nodiscard]] std::optional<double> server_cpu_ms_per_client_s(double hold_cpu_ms,
                                                               double baseline_cpu_ms_per_s, double hold_s,
                                                               std::uint64_t clients);

/// The report: every key of docs/operations.md "Load testing".
[[nodiscard]] nlohmann::json build_report(const WorkerResult& merged, const ServerFigures& server,
                                          int threads, double rate, double duration_s);

/// The exit code the report asks for: 0 when every client connected, none disconnected, no
/// decode or view errors (and, with a storm, every client came back); 1 otherwise.
[[nodiscard]] int exit_code(const WorkerResult& merged, const ServerFigures& server, bool storm);

/// Median of `v` (mean of the two middle ones when even); nullopt when empty.
[[nodiscard]] std::optional<double> median(std::vector<double> v);

} // namespace mgs::loadgen
