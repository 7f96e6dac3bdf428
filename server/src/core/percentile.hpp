#pragma once
// Percentiles of a sample set (nearest-rank), for reports and benchmarks.
#include <algorithm>
#include <cmath>
#include <vector>

namespace mgs {

/// Nearest-rank percentile p in [0,100] of `samples`; 0 for an empty set. Sorts a copy.
[[nodiscard]] inline double percentile(std::vector<double> samples, double p) {
    if (samples.empty()) return 0.0;
    std::sort(samples.begin(), samples.end());
    const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
    const auto idx = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(samples.size()))) - 1;
    return samples[idx];
}

} // namespace mgs
