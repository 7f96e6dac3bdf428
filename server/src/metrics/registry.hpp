#pragma once
// Metrics in the Prometheus text exposition format (version 0.0.4), without a client library.
//
// Why this shape: the network threads and the tick loop bump counters millions of times a second,
// while /metrics is scraped every few seconds. So the two sides are split. Registration (start-up)
// and rendering (a scrape) take the registry's mutex; updating a metric touches only that metric's
// own atomics and never locks or allocates. Every metric lives in its own heap cell that is never
// moved or freed before the registry, so the reference handed out at registration can be cached
// and used from any thread for the registry's whole lifetime.
//
//   Registry ── family "mgs_http_requests_total" (HELP, TYPE printed once)
//      │            ├── series {code="200"} ──► Counter  (one relaxed atomic)
//      │            └── series {code="404"} ──► Counter
//      └─────── family "mgs_tick_ms" ─────────► Histogram (atomic bucket counts + atomic sum)

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mgs::metrics {

/// Label name/value pairs of one series, rendered in the order given.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count. Any thread may call any member; updates are lock-free.
class Counter {
public:
    /// Adds `n` (relaxed atomic; no ordering with other memory).
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    /// The current count; concurrent increments may or may not be included.
    [[nodiscard]] std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down. Any thread may call any member; updates are lock-free.
class Gauge {
public:
    /// Replaces the value.
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    /// Adds `d` (may be negative) atomically: concurrent adds are never lost.
    void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    /// The current value.
    [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

/// A distribution over fixed buckets. Any thread may call any member; observe() is lock-free.
class Histogram {
public:
    /// `bounds` are the buckets' inclusive upper bounds, finite and strictly increasing (checked by
    /// Registry::histogram). A +Inf bucket is always added after them.
    explicit Histogram(std::vector<double> bounds);

    /// Counts `v` in the first bucket whose bound is >= v (NaN and values above every bound go to
    /// +Inf) and adds it to the sum.
    void observe(double v) noexcept;

    /// The upper bounds given at registration (without +Inf).
    [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }
    /// Per-bucket (not cumulative) counts, bounds().size() + 1 entries, the last one for +Inf.
    [[nodiscard]] std::vector<std::uint64_t> bucket_counts() const;
    /// Number of observations (the sum of bucket_counts()).
    [[nodiscard]] std::uint64_t count() const noexcept;
    /// Sum of every observed value.
    [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_; // bounds_.size() + 1
    std::atomic<double> sum_{0.0};
};

/// A set of metric families that renders itself as Prometheus text.
///
/// Names must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]* (not starting
/// with "__"; a histogram may not use "le"); anything else throws std::invalid_argument (a
/// std::logic_error), because a bad name is a programming error that a scraper would reject.
class Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// Registers (or finds) the counter `name{labels}`. The reference stays valid for the registry's
    /// lifetime. The same name and the same label set (in any order) return the same counter; the
    /// same name with other labels adds a series to the family, whose HELP stays the first one.
    /// Throws std::logic_error if `name` is already registered as another type. Any thread (takes
    /// a mutex: meant for start-up, not the hot path).
    Counter& counter(std::string_view name, std::string_view help, Labels labels = {});

    /// Registers (or finds) the gauge `name{labels}`; same guarantees as counter().
    Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});

    /// Registers (or finds) the histogram `name{labels}` with bucket upper bounds `bounds` (finite,
    /// strictly increasing, +Inf implied); same guarantees as counter(). Finding an existing
    /// series with different bounds throws std::logic_error.
    Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                         Labels labels = {});

    /// The Prometheus text (format 0.0.4) of every metric: families in registration order, series
    /// in registration order within a family, label values escaped (\\, \", \n). Histograms give
    /// cumulative `_bucket{le=...}` lines ending with le="+Inf", then `_sum` and `_count` (equal to
    /// the +Inf bucket). Any thread; values are read without stopping writers, so each number is
    /// a recent snapshot rather than all of them one instant.
    [[nodiscard]] std::string render() const;

private:
    struct Family;
    enum class Type : std::uint8_t;

    Family& family_for(std::string_view name, std::string_view help, Type type);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Family>> families_;
};

} // namespace mgs::metrics
