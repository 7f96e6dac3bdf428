#include "report.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace mgs::loadgen {

namespace {

using Json = nlohmann::json;

// One table drives to_json, from_json and merge, so a counter cannot be forgotten in one of them.
constexpr auto kCounters = std::to_array<std::pair<const char*, std::uint64_t WorkerResult::*>>({
    {"clients", &WorkerResult::clients},
    {"connected", &WorkerResult::connected},
    {"failed", &WorkerResult::failed},
    {"disconnected_before_hold", &WorkerResult::disconnected_before_hold},
    {"disconnected_during_hold", &WorkerResult::disconnected_during_hold},
    {"held", &WorkerResult::held},
    {"websocket_clients", &WorkerResult::websocket_clients},
    {"snapshots", &WorkerResult::snapshots},
    {"snapshots_full", &WorkerResult::snapshots_full},
    {"stale", &WorkerResult::stale},
    {"decode_errors", &WorkerResult::decode_errors},
    {"view_errors", &WorkerResult::view_errors},
    {"inputs_sent", &WorkerResult::inputs_sent},
    {"batches_sent", &WorkerResult::batches_sent},
    {"send_failures", &WorkerResult::send_failures},
    {"pongs", &WorkerResult::pongs},
    {"events", &WorkerResult::events},
    {"chats_sent", &WorkerResult::chats_sent},
    {"chats_received", &WorkerResult::chats_received},
    {"scoreboards_sent", &WorkerResult::scoreboards_sent},
    {"scoreboards_received", &WorkerResult::scoreboards_received},
    {"welcomes", &WorkerResult::welcomes},
    {"bad_messages", &WorkerResult::bad_messages},
    {"resyncs", &WorkerResult::resyncs},
    {"resync_batches", &WorkerResult::resync_batches},
    {"storm_clients", &WorkerResult::storm_clients},
    {"storm_back", &WorkerResult::storm_back},
    {"storm_failed", &WorkerResult::storm_failed},
    {"storm_resumed", &WorkerResult::storm_resumed},
    {"storm_view_errors", &WorkerResult::storm_view_errors},
    {"storm_decode_errors", &WorkerResult::storm_decode_errors},
});

constexpr auto kHistograms = std::to_array<std::pair<const char*, Histogram WorkerResult::*>>({
    {"handshake_ms", &WorkerResult::handshake_ms},
    {"first_snapshot_ms", &WorkerResult::first_snapshot_ms},
    {"snapshots_per_client_s", &WorkerResult::snapshots_per_client_s},
    {"kbps_per_client", &WorkerResult::kbps_per_client},
    {"input_to_snapshot_ms", &WorkerResult::input_to_snapshot_ms},
    {"storm_back_ms", &WorkerResult::storm_back_ms},
    {"snapshot_gap_ms", &WorkerResult::snapshot_gap_ms},
    {"loop_lag_ms", &WorkerResult::loop_lag_ms},
});

template <class F> void for_each_counter(F&& fn) {
    for (const auto& [name, member] : kCounters) {
        fn(name, member);
    }
}

Json or_null(const std::optional<double>& v) {
    return v ? Json(*v) : Json(nullptr);
}

std::optional<double> max_of(const std::vector<double>& v) {
    if (v.empty()) return std::nullopt;
    return *std::max_element(v.begin(), v.end());
}

std::optional<double> min_of(const std::vector<double>& v) {
    if (v.empty()) return std::nullopt;
    return *std::min_element(v.begin(), v.end());
}

/// {p50: median of the windows' p50, p99: max of their p99, max: max of their maxima}, or null.
Json tick_json(const std::vector<double>& p50, const std::vector<double>& p99,
               const std::vector<double>& mx) {
    if (p50.empty() && p99.empty() && mx.empty()) {
        return nullptr;
    }
    return {{"p50", or_null(median(p50))},
            {"p99", or_null(max_of(p99))},
            {"max", or_null(max_of(mx))},
            {"windows", p50.size()}};
}

} // namespace

std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

Json WorkerResult::to_json() const {
    Json j = Json::object();
    for_each_counter([&](const char* name, std::uint64_t WorkerResult::*m) { j[name] = this->*m; });
    for (const auto& [name, member] : kHistograms) {
        j[name] = (this->*member).to_json();
    }
    j["errors_by_code"] = errors_by_code;
    j["first_start_ms"] = first_start_ms;
    j["last_up_ms"] = last_up_ms;
    j["hold_cpu_ms"] = hold_cpu_ms;
    j["hold_s"] = hold_s;
    j["rss_kb"] = rss_kb;
    return j;
}

bool WorkerResult::from_json(const Json& j) {
    *this = WorkerResult{};
    if (!j.is_object()) return false;
    bool ok = true;
    for_each_counter([&](const char* name, std::uint64_t WorkerResult::*m) {
        if (j.contains(name) && j[name].is_number_unsigned()) {
            this->*m = j[name].get<std::uint64_t>();
        } else {
            ok = false;
        }
    });
    for (const auto& [name, member] : kHistograms) {
        ok = j.contains(name) && (this->*member).from_json(j[name]) && ok;
    }
    if (j.contains("errors_by_code") && j["errors_by_code"].is_object()) {
        for (const auto& [code, n] : j["errors_by_code"].items()) {
            errors_by_code[code] = n.get<std::uint64_t>();
        }
    }
    first_start_ms = j.value("first_start_ms", -1.0);
    last_up_ms = j.value("last_up_ms", -1.0);
    hold_cpu_ms = j.value("hold_cpu_ms", 0.0);
    hold_s = j.value("hold_s", 0.0);
    rss_kb = j.value("rss_kb", 0.0);
    return ok;
}

void WorkerResult::merge(const WorkerResult& o) {
    for_each_counter([&](const char*, std::uint64_t WorkerResult::*m) { this->*m += o.*m; });
    for (const auto& [name, member] : kHistograms) {
        (this->*member).merge(o.*member);
    }
    for (const auto& [code, n] : o.errors_by_code) {
        errors_by_code[code] += n;
    }
    if (o.first_start_ms >= 0 && (first_start_ms < 0 || o.first_start_ms < first_start_ms)) {
        first_start_ms = o.first_start_ms;
    }
    last_up_ms = std::max(last_up_ms, o.last_up_ms);
    hold_cpu_ms += o.hold_cpu_ms;
    hold_s = std::max(hold_s, o.hold_s);
    rss_kb += o.rss_kb;
}

std::optional<double> server_cpu_ms_per_client_s(double hold_cpu_ms, double baseline_cpu_ms_per_s,
                                                 double hold_s, std::uint64_t clients) {
    if (clients == 0 || hold_s <= 0) {
        return std::nullopt;
    }
    return (hold_cpu_ms - baseline_cpu_ms_per_s * hold_s) / (static_cast<double>(clients) * hold_s);
}

Json build_report(const WorkerResult& r, const ServerFigures& s, int threads, double rate,
                  double duration_s) {
    const auto p = [](const Histogram& h, double q) {
        return h.count() == 0 ? Json(nullptr) : Json(h.percentile(q));
    };
    const double ramp_s = r.last_up_ms > r.first_start_ms && r.first_start_ms >= 0
                              ? (r.last_up_ms - r.first_start_ms) / 1000.0
                              : 0.0;
    Json j;
    j["mode"] = "play";
    j["clients"] = r.clients;
    j["connected"] = r.connected;
    j["failed"] = r.failed;
    j["disconnected_before_hold"] = r.disconnected_before_hold;
    j["disconnected_during_hold"] = r.disconnected_during_hold;
    j["websocket_clients"] = r.websocket_clients;
    j["errors_by_code"] = r.errors_by_code;
    j["threads"] = threads;
    j["rate"] = rate;
    j["duration_s"] = duration_s;
    j["hold_s"] = s.hold_s;
    j["handshakes_per_s"] = ramp_s > 0 ? static_cast<double>(r.connected) / ramp_s : 0.0;
    j["handshake_ms"] = {
        {"p50", p(r.handshake_ms, 50)}, {"p99", p(r.handshake_ms, 99)}, {"max", p(r.handshake_ms, 100)}};
    j["first_snapshot_ms"] = {{"p50", p(r.first_snapshot_ms, 50)}, {"p99", p(r.first_snapshot_ms, 99)}};
    j["snapshots_per_client_s"] = {{"min", p(r.snapshots_per_client_s, 0)},
                                   {"p5", p(r.snapshots_per_client_s, 5)},
                                   {"p50", p(r.snapshots_per_client_s, 50)},
                                   {"clients", r.snapshots_per_client_s.count()}};
    j["kbps_per_client"] = {{"p50", p(r.kbps_per_client, 50)}, {"max", p(r.kbps_per_client, 100)}};
    j["input_to_snapshot_ms"] = {{"p50", p(r.input_to_snapshot_ms, 50)},
                                 {"p99", p(r.input_to_snapshot_ms, 99)},
                                 {"samples", r.input_to_snapshot_ms.count()}};
    j["snapshot_gap_ms"] = {{"p50", p(r.snapshot_gap_ms, 50)},
                            {"p99", p(r.snapshot_gap_ms, 99)},
                            {"max", p(r.snapshot_gap_ms, 100)}};
    j["decode_errors"] = r.decode_errors;
    j["view_errors"] = r.view_errors;
    j["snapshots"] = r.snapshots;
    j["snapshots_full"] = r.snapshots_full;
    j["snapshots_stale"] = r.stale;
    j["inputs_sent"] = r.inputs_sent;
    j["batches_sent"] = r.batches_sent;
    j["send_failures"] = r.send_failures;
    j["pongs"] = r.pongs;
    j["events_received"] = r.events;
    j["chats"] = {{"sent", r.chats_sent}, {"received", r.chats_received}};
    j["scoreboards"] = {{"sent", r.scoreboards_sent}, {"received", r.scoreboards_received}};
    j["bad_messages"] = r.bad_messages;
    j["resync"] = {{"started", r.resyncs}, {"batches", r.resync_batches}};

    const auto cpu =
        s.hold_cpu_ms && s.baseline_cpu_ms_per_s
            ? server_cpu_ms_per_client_s(*s.hold_cpu_ms, *s.baseline_cpu_ms_per_s, s.hold_s, r.held)
            : std::nullopt;
    j["server_cpu_ms_per_client_s"] = or_null(cpu);
    j["server_cpu"] = {
        {"baseline_ms_per_s", or_null(s.baseline_cpu_ms_per_s)},
        {"hold_ms_per_s", s.hold_cpu_ms && s.hold_s > 0 ? Json(*s.hold_cpu_ms / s.hold_s) : Json(nullptr)}};
    if (s.rss_kb_before && s.rss_kb_after && r.held > 0) {
        j["server_rss_kb_per_client"] =
            static_cast<double>(*s.rss_kb_after - *s.rss_kb_before) / static_cast<double>(r.held);
    } else {
        j["server_rss_kb_per_client"] = nullptr;
    }
    j["server_rss_kb"] = {{"before", s.rss_kb_before ? Json(*s.rss_kb_before) : Json(nullptr)},
                          {"after", s.rss_kb_after ? Json(*s.rss_kb_after) : Json(nullptr)}};
    j["server_tick_ms"] = tick_json(s.window_p50_ms, s.window_p99_ms, s.window_max_ms);
    j["overload_level_max"] = or_null(max_of(s.overload_levels));
    j["snapshot_hz_min"] = or_null(min_of(s.snapshot_hz));
    j["server_tick_histogram_ms"] = s.tick_histogram;
    j["server_counters"] = s.counters;
    j["server_memory_kb_per_client"] = s.memory;
    j["server_threads_cpu_ms_per_s"] = s.server_threads;
    j["machine"] = s.machine;

    const double loadgen_cpu = r.hold_cpu_ms + s.loadgen_main_cpu_ms;
    if (j["machine"].is_object() && s.hold_s > 0) {
        // What the rest of the machine took meanwhile: on a shared machine, the server had less.
        const double server_ms_per_s = s.hold_cpu_ms ? *s.hold_cpu_ms / s.hold_s : 0.0;
        j["machine"]["others_ms_per_s"] = std::max(0.0, j["machine"].value("busy_ms_per_s", 0.0) -
                                                            server_ms_per_s - loadgen_cpu / s.hold_s);
    }
    j["loadgen_cpu_ms_per_s"] = s.hold_s > 0 ? loadgen_cpu / s.hold_s : 0.0;
    j["loadgen_cpu_ms_per_client_s"] =
        s.hold_s > 0 && r.held > 0 ? loadgen_cpu / s.hold_s / static_cast<double>(r.held) : 0.0;
    j["loadgen_rss_kb"] = r.rss_kb;
    j["loadgen_lag_ms"] = {
        {"p50", p(r.loop_lag_ms, 50)}, {"p99", p(r.loop_lag_ms, 99)}, {"max", p(r.loop_lag_ms, 100)}};

    if (r.storm_clients > 0 || !s.storm_p50_ms.empty()) {
        j["storm"] = {{"clients", r.storm_clients},
                      {"back", r.storm_back},
                      {"failed", r.storm_failed},
                      {"resumed", r.storm_resumed},
                      {"view_errors", r.storm_view_errors},
                      {"decode_errors", r.storm_decode_errors},
                      {"all_back_ms", s.storm_all_back_ms >= 0 ? Json(s.storm_all_back_ms) : Json(nullptr)},
                      {"back_ms", {{"p50", p(r.storm_back_ms, 50)}, {"p99", p(r.storm_back_ms, 99)}}},
                      {"server_tick_ms", tick_json(s.storm_p50_ms, s.storm_p99_ms, s.storm_max_ms)}};
    }
    if (s.workers_lost > 0) {
        j["workers_lost"] = s.workers_lost;
    }
    if (!s.aborted.empty()) {
        j["aborted"] = s.aborted;
    }
    return j;
}

int exit_code(const WorkerResult& r, const ServerFigures& s, bool storm) {
    const bool ok = r.clients > 0 && r.connected == r.clients && r.disconnected_before_hold == 0 &&
                    r.disconnected_during_hold == 0 && r.decode_errors == 0 && r.view_errors == 0 &&
                    s.workers_lost == 0 && s.aborted.empty() && (!storm || r.storm_back == r.storm_clients);
    return ok ? 0 : 1;
}

} // namespace mgs::loadgen
