#pragma once
// A token bucket per key (a client's IP address), with bounded memory.
//
// Why: signaling (WebSocket upgrades and messages) is cheap to send and costs the server work, so
// each address gets `burst` tokens that refill at `rate_per_s`; a request spends one token or is
// refused. Time is an input (`now_ms`), never read from a clock, so tests are deterministic and the
// caller decides which clock to trust.
//
// Memory is bounded by `max_keys`. Keys are kept in least-recently-used order; when a new key
// arrives and the table is full, the least recently used key is forgotten. A key idle for at least
// burst / rate_per_s seconds has a full bucket, which is exactly the state of a key never seen, so
// forgetting it changes nothing. Only when more than `max_keys` addresses are active within that
// window does eviction forget a partly drained bucket, and that address then starts over with a
// full burst: under such a flood the limiter errs towards letting a request through rather than
// refusing an innocent client. Size max_keys well above the expected number of concurrent clients.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mgs::net {

/// One token bucket: `burst` tokens, refilled at `rate_per_s`; a new bucket starts full.
struct TokenBucket {
    double tokens = -1.0; ///< < 0: not used yet (full)
    std::int64_t last_ms = 0;

    /// Refills for the time since the last call (an earlier `now_ms` counts as no time), then
    /// spends one token if there is one. True = allowed.
    bool take(std::int64_t now_ms, double rate_per_s, double burst) noexcept {
        if (tokens < 0.0) {
            tokens = burst;
            last_ms = now_ms;
        } else if (now_ms > last_ms) {
            tokens = std::min(burst, tokens + static_cast<double>(now_ms - last_ms) * rate_per_s / 1000.0);
            last_ms = now_ms;
        }
        if (tokens < 1.0) {
            return false;
        }
        tokens -= 1.0;
        return true;
    }
};

/// Token buckets keyed by an opaque byte string. Not thread-safe: one thread (the network thread)
/// owns an instance.
class RateLimiter {
public:
    struct Config {
        double rate_per_s = 5.0;      ///< tokens added per second; 0 = no refill
        double burst = 10.0;          ///< bucket capacity; a new key starts full
        std::size_t max_keys = 65536; ///< keys tracked at most (see the eviction rule above)
    };

    /// Throws std::invalid_argument unless rate_per_s >= 0, burst >= 1 and max_keys >= 1 (all finite).
    explicit RateLimiter(Config config);

    /// Refills the bucket of `key` for the time since its last use, then spends one token if there
    /// is one. True = allowed. `now_ms` is any monotonic millisecond clock; a value earlier than the
    /// key's last use counts as no time passing. O(1) on average; may evict one key.
    [[nodiscard]] bool allow(std::string_view key, std::int64_t now_ms);

    /// Number of keys currently tracked (<= config().max_keys).
    [[nodiscard]] std::size_t tracked_keys() const noexcept { return buckets_.size(); }
    /// Number of keys forgotten to make room so far.
    [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
    [[nodiscard]] const Config& config() const noexcept { return config_; }

private:
    struct Bucket {
        std::string key;
        TokenBucket bucket;
    };
    using List = std::list<Bucket>; // front = most recently used

    Config config_;
    List lru_;
    std::unordered_map<std::string_view, List::iterator> buckets_; // views into lru_ nodes' keys
    std::uint64_t evictions_ = 0;
};

/// The key a client's address is rate-limited under: the 4 address bytes for IPv4 (IPv4-mapped
/// IPv6 counts as IPv4), the first 8 bytes (the /64 prefix) for IPv6, because one subscriber
/// usually holds a whole /64 and could otherwise rotate through addresses. `ip` is textual
/// ("1.2.3.4", "::1"); text that is not an IP address is used as the key as is. Any thread.
[[nodiscard]] std::string rate_limit_key(std::string_view ip);

} // namespace mgs::net
