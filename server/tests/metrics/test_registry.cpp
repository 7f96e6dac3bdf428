#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mgs::metrics {
namespace {

TEST(MetricsRegistry, EmptyRegistryRendersNothing) {
    const Registry r;
    EXPECT_EQ(r.render(), "");
}

TEST(MetricsRegistry, CounterAndGaugeRenderExactly) {
    Registry r;
    Counter& c = r.counter("mgs_packets_total", "Packets received.");
    Gauge& g = r.gauge("mgs_clients", "Connected clients.");
    c.inc();
    c.inc(41);
    g.set(2.5);
    g.add(-1.0);
    EXPECT_EQ(c.value(), 42u);
    EXPECT_DOUBLE_EQ(g.value(), 1.5);
    EXPECT_EQ(r.render(), "# HELP mgs_packets_total Packets received.\n"
                          "# TYPE mgs_packets_total counter\n"
                          "mgs_packets_total 42\n"
                          "# HELP mgs_clients Connected clients.\n"
                          "# TYPE mgs_clients gauge\n"
                          "mgs_clients 1.5\n");
}

TEST(MetricsRegistry, LabelledSeriesShareOneFamily) {
    Registry r;
    r.counter("mgs_http_requests_total", "HTTP requests by status.", {{"code", "200"}}).inc(3);
    r.gauge("mgs_up", "Up.").set(1);
    r.counter("mgs_http_requests_total", "ignored second help", {{"code", "404"}}).inc();
    EXPECT_EQ(r.render(), "# HELP mgs_http_requests_total HTTP requests by status.\n"
                          "# TYPE mgs_http_requests_total counter\n"
                          "mgs_http_requests_total{code=\"200\"} 3\n"
                          "mgs_http_requests_total{code=\"404\"} 1\n"
                          "# HELP mgs_up Up.\n"
                          "# TYPE mgs_up gauge\n"
                          "mgs_up 1\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInf) {
    Registry r;
    Histogram& h = r.histogram("mgs_tick_ms", "Tick time.", {1, 2.5, 10}, {{"phase", "sim"}});
    for (const double v : {0.5, 1.0, 2.0, 7.0, 100.0}) h.observe(v);
    EXPECT_EQ(h.count(), 5u);
    EXPECT_DOUBLE_EQ(h.sum(), 110.5);
    EXPECT_EQ(h.bucket_counts(), (std::vector<std::uint64_t>{2, 1, 1, 1}));
    EXPECT_EQ(r.render(), "# HELP mgs_tick_ms Tick time.\n"
                          "# TYPE mgs_tick_ms histogram\n"
                          "mgs_tick_ms_bucket{phase=\"sim\",le=\"1\"} 2\n"
                          "mgs_tick_ms_bucket{phase=\"sim\",le=\"2.5\"} 3\n"
                          "mgs_tick_ms_bucket{phase=\"sim\",le=\"10\"} 4\n"
                          "mgs_tick_ms_bucket{phase=\"sim\",le=\"+Inf\"} 5\n"
                          "mgs_tick_ms_sum{phase=\"sim\"} 110.5\n"
                          "mgs_tick_ms_count{phase=\"sim\"} 5\n");
}

TEST(MetricsRegistry, HistogramWithoutLabelsAndNaN) {
    Registry r;
    Histogram& h = r.histogram("lat", "L.", {0.005});
    h.observe(std::nan(""));
    EXPECT_EQ(h.bucket_counts(), (std::vector<std::uint64_t>{0, 1}));
    EXPECT_EQ(r.render(), "# HELP lat L.\n"
                          "# TYPE lat histogram\n"
                          "lat_bucket{le=\"0.005\"} 0\n"
                          "lat_bucket{le=\"+Inf\"} 1\n"
                          "lat_sum NaN\n"
                          "lat_count 1\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
    Registry r;
    r.counter("x_total", "line one\nback\\slash \"quoted\"", {{"path", "a\\b\"c\nd"}, {"m", "GET"}}).inc();
    EXPECT_EQ(r.render(), "# HELP x_total line one\\nback\\\\slash \"quoted\"\n"
                          "# TYPE x_total counter\n"
                          "x_total{path=\"a\\\\b\\\"c\\nd\",m=\"GET\"} 1\n");
}

TEST(MetricsRegistry, GaugeSpecialValues) {
    Registry r;
    Gauge& g = r.gauge("g", "G.");
    g.set(-INFINITY);
    EXPECT_NE(r.render().find("g -Inf\n"), std::string::npos);
    g.set(1e21);
    EXPECT_NE(r.render().find("g 1e+21\n"), std::string::npos);
}

TEST(MetricsRegistry, SameNameAndLabelsReturnSameMetric) {
    Registry r;
    Counter& a = r.counter("c_total", "C.", {{"a", "1"}, {"b", "2"}});
    Counter& b = r.counter("c_total", "C.", {{"b", "2"}, {"a", "1"}}); // order does not matter
    Counter& other = r.counter("c_total", "C.", {{"a", "2"}, {"b", "2"}});
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &other);
    EXPECT_EQ(&r.gauge("g", "G."), &r.gauge("g", "G."));
    Histogram& h = r.histogram("h", "H.", {1, 2});
    EXPECT_EQ(&h, &r.histogram("h", "H.", {1, 2}));
    EXPECT_THROW(r.histogram("h", "H.", {1, 3}), std::logic_error);
}

TEST(MetricsRegistry, ReferencesStayValidAcrossManyRegistrations) {
    Registry r;
    Counter& first = r.counter("first_total", "F.");
    first.inc();
    for (int i = 0; i < 1000; ++i) r.counter("many_total", "M.", {{"i", std::to_string(i)}}).inc();
    first.inc();
    EXPECT_EQ(first.value(), 2u);
    EXPECT_EQ(r.counter("many_total", "M.", {{"i", "999"}}).value(), 1u);
}

TEST(MetricsRegistry, TypeMismatchThrows) {
    Registry r;
    r.counter("m", "M.");
    EXPECT_THROW(r.gauge("m", "M."), std::logic_error);
    EXPECT_THROW(r.histogram("m", "M.", {1}), std::logic_error);
    r.gauge("n", "N.");
    EXPECT_THROW(r.counter("n", "N.", {{"a", "b"}}), std::logic_error);
}

TEST(MetricsRegistry, InvalidNamesThrow) {
    Registry r;
    EXPECT_THROW(r.counter("", "x"), std::invalid_argument);
    EXPECT_THROW(r.counter("9lives", "x"), std::invalid_argument);
    EXPECT_THROW(r.counter("has-dash", "x"), std::invalid_argument);
    EXPECT_THROW(r.counter("ok", "x", {{"bad-label", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.counter("ok", "x", {{"__reserved", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.counter("ok", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    EXPECT_THROW(r.histogram("h", "x", {1}, {{"le", "1"}}), std::invalid_argument);
    EXPECT_THROW(r.histogram("h", "x", {2, 1}), std::invalid_argument);
    EXPECT_THROW(r.histogram("h", "x", {1, INFINITY}), std::invalid_argument);
    EXPECT_NO_THROW(r.counter("name:with_colon_1", "x", {{"_under", "v"}}));
    EXPECT_NO_THROW(r.counter("ok", "x", {{"le", "fine on a counter"}}));
}

TEST(MetricsRegistry, ConcurrentUpdatesSumCorrectly) {
    Registry r;
    Counter& c = r.counter("hits_total", "Hits.");
    Gauge& g = r.gauge("level", "Level.");
    Histogram& h = r.histogram("obs", "Obs.", {0.5});
    constexpr int kThreads = 4;
    constexpr int kPerThread = 100000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                c.inc();
                g.add(1.0);
                h.observe(1.0);
            }
        });
    }
    // A scrape in the middle of the updates must not disturb them.
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(r.render().empty());
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value(), static_cast<std::uint64_t>(kThreads) * kPerThread);
    EXPECT_DOUBLE_EQ(g.value(), static_cast<double>(kThreads) * kPerThread);
    EXPECT_EQ(h.count(), static_cast<std::uint64_t>(kThreads) * kPerThread);
    EXPECT_DOUBLE_EQ(h.sum(), static_cast<double>(kThreads) * kPerThread);
}

TEST(MetricsRegistry, ConcurrentRegistrationOfSameSeries) {
    Registry r;
    std::vector<Counter*> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < seen.size(); ++t) {
        threads.emplace_back([&r, &seen, t] {
            for (int i = 0; i < 100; ++i) r.counter("shared_total", "S.", {{"k", std::to_string(i)}}).inc();
            seen[t] = &r.counter("shared_total", "S.", {{"k", "0"}});
        });
    }
    for (auto& t : threads) t.join();
    for (Counter* c : seen) EXPECT_EQ(c, seen[0]);
    EXPECT_EQ(seen[0]->value(), 4u);
}

} // namespace
} // namespace mgs::metrics
