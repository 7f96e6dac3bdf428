#pragma once
// The static map for clients, served over HTTP at GET /map as a FlatBuffers MapData
// (proto/game.fbs). The simulation thread publishes it (at start, and when a match brings a new
// map); the network thread copies it out per request. A mutex is fine here: neither side is on
// the tick's hot path (publishing happens once per map, requests once per client and map).
#include "world/map.hpp"

#include <cstdint>
#include <mutex>
#include <string>

namespace mgs::app {

/// The map as MapData bytes.
[[nodiscard]] std::string encode_map(const world::Map& map);

class MapPublisher {
public:
    /// Encodes and publishes `map` if its seed differs from the published one (or none yet).
    void publish(const world::Map& map);
    /// The published MapData bytes (empty before the first publish).
    [[nodiscard]] std::string bytes() const;
    [[nodiscard]] std::uint64_t seed() const;

private:
    mutable std::mutex mu_;
    std::string blob_;
    std::uint64_t seed_ = 0;
    bool published_ = false;
};

} // namespace mgs::app
