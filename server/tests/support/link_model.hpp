#pragma once
// A seeded, one-directional network link for deterministic tests: loss, latency, jitter (which
// reorders), duplication. The kernel here has no netem, and tests must not depend on timing, so
// every network test runs its peers over links like this one on a virtual clock.

#include "core/rng.hpp"

#include <cstdint>
#include <queue>
#include <span>
#include <vector>

namespace mgs::test {

struct LinkConfig {
    float loss = 0.0f; // probability a datagram is dropped
    std::uint64_t latency_us = 10'000;
    std::uint64_t jitter_us = 0; // uniform extra delay in [0, jitter): reorders datagrams
    float duplicate = 0.0f;      // probability a datagram is delivered twice
};

class Link {
public:
    Link(LinkConfig config, std::uint64_t seed) : config_(config), rng_(seed) {}

    void send(std::uint64_t now_us, std::span<const std::uint8_t> bytes) {
        ++sent_;
        if (rng_.chance(config_.loss)) {
            ++dropped_;
            return;
        }
        schedule(now_us, bytes);
        if (rng_.chance(config_.duplicate)) {
            schedule(now_us, bytes);
        }
    }

    /// Pops the next datagram due at `now_us`; false when none is.
    bool receive(std::uint64_t now_us, std::vector<std::uint8_t>& out) {
        if (queue_.empty() || queue_.top().due_us > now_us) {
            return false;
        }
        out = queue_.top().bytes;
        queue_.pop();
        return true;
    }

    [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
    void set_config(LinkConfig c) noexcept { config_ = c; }

private:
    struct Packet {
        std::uint64_t due_us;
        std::uint64_t order;
        std::vector<std::uint8_t> bytes;
        bool operator>(const Packet& o) const noexcept {
            return due_us != o.due_us ? due_us > o.due_us : order > o.order;
        }
    };
    void schedule(std::uint64_t now_us, std::span<const std::uint8_t> bytes) {
        const std::uint64_t jitter = config_.jitter_us > 0 ? rng_.next() % config_.jitter_us : 0;
        queue_.push({now_us + config_.latency_us + jitter, order_++, {bytes.begin(), bytes.end()}});
    }

    LinkConfig config_;
    Rng rng_;
    std::priority_queue<Packet, std::vector<Packet>, std::greater<>> queue_;
    std::uint64_t order_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t dropped_ = 0;
};

} // namespace mgs::test
