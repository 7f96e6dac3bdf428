#pragma once
// Tick times over a bounded window (the last few seconds), for /metrics and the stats line: the
// live server runs for weeks, so nothing here grows with its age, and reading the quantiles
// allocates nothing (a scratch array sized once).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace mgs::app {

class TickWindow {
public:
    explicit TickWindow(std::size_t capacity)
        : ring_(std::max<std::size_t>(1, capacity)), scratch_(ring_.size()) {}

    void add(double ms) noexcept {
        ring_[next_] = ms;
        next_ = (next_ + 1) % ring_.size();
        count_ = std::min(count_ + 1, ring_.size());
    }
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return ring_.size(); }

    struct Quantiles {
        double p50 = 0;
        double p99 = 0;
        double max = 0;
        double mean = 0;
    };
    /// Nearest-rank quantiles of the samples in the window (zeros when empty).
    [[nodiscard]] Quantiles quantiles() noexcept {
        Quantiles q;
        if (count_ == 0) {
            return q;
        }
        std::copy_n(ring_.begin(), count_, scratch_.begin()); // the first count_ slots hold samples
        const auto begin = scratch_.begin();
        const auto end = scratch_.begin() + static_cast<std::ptrdiff_t>(count_);
        std::sort(begin, end);
        const auto at = [&](double p) {
            const double rank = std::ceil(p / 100.0 * static_cast<double>(count_));
            return scratch_[static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(count_))) - 1];
        };
        q.p50 = at(50);
        q.p99 = at(99);
        q.max = scratch_[count_ - 1];
        double sum = 0;
        for (auto it = begin; it != end; ++it) {
            sum += *it;
        }
        q.mean = sum / static_cast<double>(count_);
        return q;
    }

private:
    std::vector<double> ring_;
    std::vector<double> scratch_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

} // namespace mgs::app
