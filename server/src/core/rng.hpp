#pragma once
// Deterministic random numbers. The simulation never uses std::random_device or a global
// generator: every draw is a pure function of (seed, stream, counter), so the result does not
// depend on which thread asks or in which order.
#include <cstdint>

namespace mgs {

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash (Steele, Lea, Flood 2014).
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Counter-based draw: the same arguments always give the same 64 bits.
[[nodiscard]] constexpr std::uint64_t hash_draw(std::uint64_t seed, std::uint64_t stream,
                                                std::uint64_t counter) noexcept {
    return mix64(seed ^ mix64(stream ^ mix64(counter)));
}

/// Small sequential generator for single-threaded work such as map generation.
class Rng {
public:
    explicit constexpr Rng(std::uint64_t seed) noexcept : state_(seed) {}

    /// Next 64 random bits.
    constexpr std::uint64_t next() noexcept { return mix64(state_++); }
    /// Uniform float in [0, 1).
    constexpr float uniform() noexcept { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
    /// Uniform float in [lo, hi).
    constexpr float range(float lo, float hi) noexcept { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [0, n); n must be > 0.
    constexpr std::uint32_t below(std::uint32_t n) noexcept {
        return static_cast<std::uint32_t>((next() >> 32) * n >> 32);
    }
    /// True with probability p.
    constexpr bool chance(float p) noexcept { return uniform() < p; }

private:
    std::uint64_t state_;
};

/// Uniform float in [0,1) from 64 random bits.
[[nodiscard]] constexpr float unit_float(std::uint64_t bits) noexcept {
    return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
}

} // namespace mgs
