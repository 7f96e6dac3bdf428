#include "histogram.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace mgs::loadgen {

std::size_t Histogram::bucket_of(double v) noexcept {
    if (!(v >= kMin)) {
        return 0; // below the range, negative or NaN
    }
    const double k = std::floor(std::log(v / kMin) / std::log(kGrowth)) + 1.0;
    return k >= static_cast<double>(kBuckets - 1) ? kBuckets - 1 : static_cast<std::size_t>(k);
}

void Histogram::add(double v) {
    if (counts_.empty()) {
        counts_.assign(kBuckets, 0);
    }
    ++counts_[bucket_of(v)];
    if (count_ == 0 || v < min_) {
        min_ = v;
    }
    if (count_ == 0 || v > max_) {
        max_ = v;
    }
    ++count_;
    sum_ += v;
}

void Histogram::merge(const Histogram& other) {
    if (other.count_ == 0) {
        return;
    }
    if (counts_.empty()) {
        counts_.assign(kBuckets, 0);
    }
    for (std::size_t i = 0; i < kBuckets; ++i) {
        counts_[i] += other.counts_[i];
    }
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

double Histogram::percentile(double p) const {
    if (count_ == 0) {
        return 0.0;
    }
    const double rank_d = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_));
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(rank_d));
    std::uint64_t seen = 0;
    std::size_t k = 0;
    for (; k < kBuckets; ++k) {
        seen += counts_[k];
        if (seen >= rank) {
            break;
        }
    }
    double v = 0.0;
    if (k > 0) {
        // Geometric middle of [kMin * g^(k-1), kMin * g^k).
        v = kMin * std::pow(kGrowth, static_cast<double>(k) - 0.5);
    }
    return std::clamp(v, min_, max_);
}

nlohmann::json Histogram::to_json() const {
    nlohmann::json buckets = nlohmann::json::array();
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] != 0) {
            buckets.push_back({i, counts_[i]});
        }
    }
    return {{"count", count_}, {"sum", sum_}, {"min", min()}, {"max", max()}, {"buckets", buckets}};
}

bool Histogram::from_json(const nlohmann::json& j) {
    *this = Histogram{};
    if (!j.is_object() || !j.contains("buckets") || !j["buckets"].is_array()) {
        return false;
    }
    std::uint64_t total = 0;
    for (const auto& b : j["buckets"]) {
        if (!b.is_array() || b.size() != 2 || !b[0].is_number_unsigned() || !b[1].is_number_unsigned()) {
            return false;
        }
        const auto i = b[0].get<std::size_t>();
        if (i >= kBuckets) {
            return false;
        }
        if (counts_.empty()) {
            counts_.assign(kBuckets, 0);
        }
        counts_[i] += b[1].get<std::uint64_t>();
        total += b[1].get<std::uint64_t>();
    }
    count_ = j.value("count", std::uint64_t{0});
    sum_ = j.value("sum", 0.0);
    min_ = j.value("min", 0.0);
    max_ = j.value("max", 0.0);
    return total == count_;
}

} // namespace mgs::loadgen
