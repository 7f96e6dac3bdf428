#include "server_probe.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

namespace mgs::loadgen {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

double process_cpu_ms(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')'); // the command name may hold spaces and parentheses
    if (close == std::string::npos || close + 2 > stat.size()) {
        return -1;
    }
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = -1;
    double stime = -1;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    if (utime < 0 || stime < 0) {
        return -1;
    }
    return (utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long process_rss_kb(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

double self_cpu_ms() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto ms = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0;
    };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

std::vector<ThreadCpu> thread_cpu_ms(int pid) {
    std::vector<ThreadCpu> out;
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::ifstream f(entry.path() / "stat");
        const std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        const auto open = stat.find('(');
        const auto close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos || close + 2 > stat.size()) continue;
        std::istringstream rest(stat.substr(close + 2));
        std::string field;
        double utime = 0;
        double stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::stod(field);
            if (i == 15) stime = std::stod(field);
        }
        ThreadCpu t;
        t.tid = std::atoi(entry.path().filename().c_str());
        t.name = stat.substr(open + 1, close - open - 1);
        t.cpu_ms = (utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
        out.push_back(std::move(t));
    }
    return out;
}

MachineCpu machine_cpu() {
    std::ifstream f("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return {user + nice + system + irq + softirq, idle + iowait, steal};
}

UdpErrors udp_errors() {
    std::ifstream f("/proc/net/snmp");
    std::string header;
    std::string values;
    while (std::getline(f, header) && std::getline(f, values)) {
        if (header.rfind("Udp:", 0) != 0) continue;
        std::istringstream names(header);
        std::istringstream nums(values);
        std::string name;
        std::string num;
        UdpErrors e;
        while (names >> name && nums >> num) {
            if (name == "RcvbufErrors") e.rcvbuf = std::stod(num);
            if (name == "SndbufErrors") e.sndbuf = std::stod(num);
        }
        return e;
    }
    return {};
}

double load_average_1m() {
    std::ifstream f("/proc/loadavg");
    double l = -1;
    f >> l;
    return l;
}

namespace {

std::optional<double> to_number(std::string_view s) {
    if (s == "+Inf" || s == "Inf") return kInf;
    if (s == "-Inf") return -kInf;
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

bool label_matches(std::string_view have, std::string_view want) {
    if (have == want) return true;
    const auto a = to_number(have);
    const auto b = to_number(want);
    return a && b && *a == *b;
}

/// Parses `name{labels} value [timestamp]`; false on anything else.
bool parse_line(std::string_view line, MetricSample& out) {
    std::size_t i = 0;
    while (i < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == ':')) {
        ++i;
    }
    if (i == 0) return false;
    out.name.assign(line.substr(0, i));
    out.labels.clear();
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const std::size_t eq = line.find('=', i);
            if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
            std::string key(line.substr(i, eq - i));
            std::string value;
            std::size_t j = eq + 2;
            for (; j < line.size() && line[j] != '"'; ++j) {
                if (line[j] == '\\' && j + 1 < line.size()) {
                    ++j;
                    value += line[j] == 'n' ? '\n' : line[j];
                } else {
                    value += line[j];
                }
            }
            if (j >= line.size()) return false;
            out.labels.emplace_back(std::move(key), std::move(value));
            i = j + 1;
            if (i < line.size() && line[i] == ',') ++i;
        }
        if (i >= line.size()) return false;
        ++i; // '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t end = line.find(' ', i);
    const auto v =
        to_number(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    if (!v) return false;
    out.value = *v;
    return true;
}

} // namespace

Metrics Metrics::parse(std::string_view text) {
    Metrics m;
    MetricSample s;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        if (parse_line(line, s)) m.samples_.push_back(s);
    }
    return m;
}

std::optional<double> Metrics::get(std::string_view name) const {
    for (const auto& s : samples_) {
        if (s.name == name && s.labels.empty()) return s.value;
    }
    return std::nullopt;
}

std::optional<double> Metrics::get(std::string_view name, std::string_view label,
                                   std::string_view value) const {
    for (const auto& s : samples_) {
        if (s.name != name) continue;
        for (const auto& [k, v] : s.labels) {
            if (k == label && label_matches(v, value)) return s.value;
        }
    }
    return std::nullopt;
}

std::vector<std::pair<double, double>> Metrics::buckets(std::string_view name) const {
    const std::string bucket = std::string(name) + "_bucket";
    std::vector<std::pair<double, double>> out;
    for (const auto& s : samples_) {
        if (s.name != bucket) continue;
        for (const auto& [k, v] : s.labels) {
            if (k == "le") {
                if (const auto le = to_number(v)) out.emplace_back(*le, s.value);
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

TickWindow tick_window(const Metrics& m) {
    TickWindow w;
    w.p50_ms = m.get("mgs_tick_window_ms", "quantile", "0.5");
    w.p99_ms = m.get("mgs_tick_window_ms", "quantile", "0.99");
    w.max_ms = m.get("mgs_tick_window_ms", "quantile", "1");
    w.overload_level = m.get("mgs_overload_level");
    w.snapshot_hz = m.get("mgs_snapshot_hz");
    return w;
}

std::optional<TickHistogram> tick_histogram_between(const Metrics& before, const Metrics& after) {
    const auto a = before.buckets("mgs_tick_seconds");
    const auto b = after.buckets("mgs_tick_seconds");
    const auto sum_a = before.get("mgs_tick_seconds_sum");
    const auto sum_b = after.get("mgs_tick_seconds_sum");
    if (a.empty() || a.size() != b.size() || !sum_a || !sum_b) {
        return std::nullopt;
    }
    const double total = b.back().second - a.back().second;
    if (total <= 0) {
        return std::nullopt;
    }
    TickHistogram h;
    h.count = total;
    h.mean_ms = (*sum_b - *sum_a) * 1000.0 / total;
    const auto quantile = [&](double q) {
        for (std::size_t i = 0; i < b.size(); ++i) {
            if (b[i].second - a[i].second >= q * total) return b[i].first * 1000.0;
        }
        return kInf;
    };
    h.p50_ms = quantile(0.5);
    h.p99_ms = quantile(0.99);
    return h;
}

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

struct HttpGet : std::enable_shared_from_this<HttpGet> {
    HttpGet(boost::asio::io_context& io, std::function<void(bool, std::string)> cb)
        : stream(io), done(std::move(cb)) {}
    beast::tcp_stream stream;
    http::request<http::empty_body> request;
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    std::function<void(bool, std::string)> done;

    void finish(bool ok) {
        if (done) {
            auto cb = std::move(done);
            done = nullptr;
            beast::error_code ignored;
            stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
            cb(ok, ok ? std::move(response.body()) : std::string());
        }
    }
};

} // namespace

void http_get(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& server, std::string target,
              std::chrono::milliseconds timeout, std::function<void(bool, std::string)> done) {
    auto op = std::make_shared<HttpGet>(io, std::move(done));
    op->request = {http::verb::get, target, 11};
    op->request.set(http::field::host, server.address().to_string());
    op->request.set(http::field::connection, "close");
    op->stream.expires_after(timeout);
    op->stream.async_connect(server, [op](beast::error_code ec) {
        if (ec) return op->finish(false);
        http::async_write(op->stream, op->request, [op](beast::error_code wec, std::size_t) {
            if (wec) return op->finish(false);
            http::async_read(op->stream, op->buffer, op->response, [op](beast::error_code rec, std::size_t) {
                op->finish(!rec && op->response.result() == http::status::ok);
            });
        });
    });
}

} // namespace mgs::loadgen
