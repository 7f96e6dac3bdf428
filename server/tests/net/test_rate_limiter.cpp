#include "net/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mgs::net {
namespace {

int allowed_count(RateLimiter& limiter, std::string_view key, std::int64_t now_ms, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; ++i) n += limiter.allow(key, now_ms) ? 1 : 0;
    return n;
}

TEST(RateLimiter, NewKeyGetsFullBurstThenRefuses) {
    RateLimiter limiter({.rate_per_s = 5.0, .burst = 10.0, .max_keys = 16});
    EXPECT_EQ(allowed_count(limiter, "a", 0, 25), 10);
    EXPECT_FALSE(limiter.allow("a", 0));
}

TEST(RateLimiter, RefillsAtRate) {
    RateLimiter limiter({.rate_per_s = 5.0, .burst = 10.0, .max_keys = 16});
    EXPECT_EQ(allowed_count(limiter, "a", 1000, 10), 10);
    EXPECT_FALSE(limiter.allow("a", 1100)); // 0.5 token
    EXPECT_TRUE(limiter.allow("a", 1200));  // 1.0 token
    EXPECT_FALSE(limiter.allow("a", 1200));
    EXPECT_EQ(allowed_count(limiter, "a", 2200, 10), 5); // one second = five tokens
}

TEST(RateLimiter, RefillIsCappedAtBurst) {
    RateLimiter limiter({.rate_per_s = 100.0, .burst = 3.0, .max_keys = 16});
    EXPECT_EQ(allowed_count(limiter, "a", 0, 3), 3);
    EXPECT_EQ(allowed_count(limiter, "a", 3'600'000, 10), 3);
}

TEST(RateLimiter, ZeroRateNeverRefills) {
    RateLimiter limiter({.rate_per_s = 0.0, .burst = 2.0, .max_keys = 16});
    EXPECT_EQ(allowed_count(limiter, "a", 0, 5), 2);
    EXPECT_FALSE(limiter.allow("a", 1'000'000'000));
}

TEST(RateLimiter, TimeGoingBackwardsGivesNothing) {
    RateLimiter limiter({.rate_per_s = 1.0, .burst = 1.0, .max_keys = 16});
    EXPECT_TRUE(limiter.allow("a", 10'000));
    EXPECT_FALSE(limiter.allow("a", 5'000));
    EXPECT_FALSE(limiter.allow("a", 10'500)); // measured from 10'000, not from 5'000
    EXPECT_TRUE(limiter.allow("a", 11'000));
}

TEST(RateLimiter, KeysAreIndependent) {
    RateLimiter limiter({.rate_per_s = 1.0, .burst = 2.0, .max_keys = 1000});
    for (int k = 0; k < 500; ++k) {
        const std::string key = "client-" + std::to_string(k);
        EXPECT_EQ(allowed_count(limiter, key, 0, 5), 2) << key;
    }
    EXPECT_EQ(limiter.tracked_keys(), 500u);
    EXPECT_EQ(limiter.evictions(), 0u);
}

TEST(RateLimiter, MemoryIsBoundedAndLeastRecentlyUsedIsEvicted) {
    RateLimiter limiter({.rate_per_s = 0.0, .burst = 1.0, .max_keys = 3});
    EXPECT_TRUE(limiter.allow("a", 0));
    EXPECT_TRUE(limiter.allow("b", 1));
    EXPECT_TRUE(limiter.allow("c", 2));
    EXPECT_FALSE(limiter.allow("a", 3)); // "a" is now the most recently used; "b" the least
    EXPECT_TRUE(limiter.allow("d", 4));  // evicts "b"
    EXPECT_EQ(limiter.tracked_keys(), 3u);
    EXPECT_EQ(limiter.evictions(), 1u);
    EXPECT_FALSE(limiter.allow("a", 5)); // still tracked, still empty
    EXPECT_FALSE(limiter.allow("c", 6)); // still tracked, still empty
    EXPECT_TRUE(limiter.allow("b", 7));  // forgotten: starts over with a full bucket (documented)
    EXPECT_EQ(limiter.tracked_keys(), 3u);
}

TEST(RateLimiter, FloodOfKeysStaysBounded) {
    RateLimiter limiter({.rate_per_s = 1.0, .burst = 1.0, .max_keys = 100});
    for (int k = 0; k < 10'000; ++k) {
        std::string key = std::to_string(k); // (appending, not "k" + ...: GCC 12 -Wrestrict false positive)
        key.insert(key.begin(), 'k');
        EXPECT_TRUE(limiter.allow(key, k));
    }
    EXPECT_EQ(limiter.tracked_keys(), 100u);
    EXPECT_EQ(limiter.evictions(), 9'900u);
    EXPECT_FALSE(limiter.allow("k9999", 9'999)); // the recent keys are still limited
}

TEST(RateLimiter, RejectsInvalidConfig) {
    EXPECT_THROW(RateLimiter({.rate_per_s = -1.0, .burst = 1.0, .max_keys = 1}), std::invalid_argument);
    EXPECT_THROW(RateLimiter({.rate_per_s = 1.0, .burst = 0.5, .max_keys = 1}), std::invalid_argument);
    EXPECT_THROW(RateLimiter({.rate_per_s = 1.0, .burst = 1.0, .max_keys = 0}), std::invalid_argument);
}

TEST(RateLimiter, KeyForAddresses) {
    EXPECT_EQ(rate_limit_key("1.2.3.4"), std::string("\x01\x02\x03\x04", 4));
    EXPECT_EQ(rate_limit_key("::ffff:1.2.3.4"), rate_limit_key("1.2.3.4"));
    // One IPv6 /64 shares a bucket; another /64 does not.
    EXPECT_EQ(rate_limit_key("2001:db8:1:2::1"), rate_limit_key("2001:db8:1:2:ffff::9"));
    EXPECT_NE(rate_limit_key("2001:db8:1:2::1"), rate_limit_key("2001:db8:1:3::1"));
    EXPECT_EQ(rate_limit_key("2001:db8:1:2::1").size(), 8u);
    EXPECT_EQ(rate_limit_key("not an ip"), "not an ip");
}

} // namespace
} // namespace mgs::net
