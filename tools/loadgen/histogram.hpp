#pragma once
// A fixed-bucket histogram for the load generator's figures: bounded memory whatever the number
// of samples (a 20,000-client run records millions of latencies), mergeable across worker
// processes by adding bucket counts, and serialisable to JSON for the pipe between them.
//
// Buckets grow geometrically by 1% from 0.001 (unit-free: the caller picks ms, kbit/s, ...):
//   bucket 0          v < 0.001 (and anything negative or NaN)
//   bucket k >= 1     0.001 * 1.01^(k-1) <= v < 0.001 * 1.01^k
//   last bucket       everything from 0.001 * 1.01^(kBuckets-2) (about 1.3e7) up
// so a percentile is within 1% of the true sample value; min and max are kept exactly.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

namespace mgs::loadgen {

class Histogram {
public:
    static constexpr double kMin = 0.001;
    static constexpr double kGrowth = 1.01;
    static constexpr std::size_t kBuckets = 2400;

    /// Counts one sample.
    void add(double v);
    /// Adds every sample of `other` (same bucket layout: always true).
    void merge(const Histogram& other);

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] double sum() const noexcept { return sum_; }
    /// Exact smallest and largest samples; 0 when empty.
    [[nodiscard]] double min() const noexcept { return count_ == 0 ? 0.0 : min_; }
    [[nodiscard]] double max() const noexcept { return count_ == 0 ? 0.0 : max_; }
    [[nodiscard]] double mean() const noexcept {
        return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
    }
    /// Nearest-rank percentile p in [0, 100]: the geometric middle of the bucket holding the
    /// sample of that rank, clamped to [min, max] (so p = 0 gives min and p = 100 max). 0 when
    /// empty.
    [[nodiscard]] double percentile(double p) const;

    /// {"count", "sum", "min", "max", "buckets": [[index, count], ...]} (only non-empty buckets).
    [[nodiscard]] nlohmann::json to_json() const;
    /// The inverse of to_json(); false (and an unspecified histogram) if `j` is not one.
    bool from_json(const nlohmann::json& j);

    /// Bucket of a value (public for the tests).
    [[nodiscard]] static std::size_t bucket_of(double v) noexcept;

private:
    std::vector<std::uint64_t> counts_; // kBuckets entries once the first sample arrives
    std::uint64_t count_ = 0;
    double sum_ = 0.0;
    double min_ = 0.0;
    double max_ = 0.0;
};

} // namespace mgs::loadgen
