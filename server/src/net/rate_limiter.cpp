#include "net/rate_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace mgs::net {

RateLimiter::RateLimiter(Config config) : config_(config) {
    if (!std::isfinite(config_.rate_per_s) || config_.rate_per_s < 0.0) {
        throw std::invalid_argument("rate limiter: rate_per_s must be finite and >= 0");
    }
    if (!std::isfinite(config_.burst) || config_.burst < 1.0) {
        throw std::invalid_argument("rate limiter: burst must be finite and >= 1");
    }
    if (config_.max_keys == 0) throw std::invalid_argument("rate limiter: max_keys must be >= 1");
    buckets_.reserve(std::min<std::size_t>(config_.max_keys, 1024));
}

bool RateLimiter::allow(std::string_view key, std::int64_t now_ms) {
    Bucket* bucket = nullptr;
    if (const auto found = buckets_.find(key); found != buckets_.end()) {
        lru_.splice(lru_.begin(), lru_, found->second); // iterators stay valid across splice
        bucket = &*found->second;
    } else {
        if (buckets_.size() >= config_.max_keys) {
            // The least recently used key: a full bucket if it was idle long enough (see header).
            buckets_.erase(std::string_view(lru_.back().key));
            lru_.pop_back();
            ++evictions_;
        }
        lru_.push_front(Bucket{std::string(key), {}});
        buckets_.emplace(std::string_view(lru_.front().key), lru_.begin());
        bucket = &lru_.front();
    }
    return bucket->bucket.take(now_ms, config_.rate_per_s, config_.burst);
}

std::string rate_limit_key(std::string_view ip) {
    std::string text(ip);
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        return {reinterpret_cast<const char*>(bytes.data()), 4};
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        constexpr std::array<unsigned char, 12> kV4Mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(kV4Mapped.begin(), kV4Mapped.end(), bytes.begin())) {
            return {reinterpret_cast<const char*>(bytes.data() + 12), 4};
        }
        return {reinterpret_cast<const char*>(bytes.data()), 8};
    }
    return text;
}

} // namespace mgs::net
