#pragma once
// Map generator: the same MapParams (seed included) always give the same Map.
//
// Connectivity is guaranteed by construction, not by luck: obstacles are placed as clusters
// (one rectangle, an L, or a base's wall set) that are each simply connected, and every cluster
// inflated by the clearance a player needs is kept disjoint from every other inflated cluster
// and from the border. The free space around disjoint simply connected obstacles is connected,
// so every open area is reachable. Destroying a wall only adds free space. connectivity.hpp
// checks the property independently (tests run it over many seeds).
#include "world/map.hpp"

namespace mgs::world {

/// Generates the map for `params`. Deterministic in `params`.
[[nodiscard]] Map generate_map(const MapParams& params);

} // namespace mgs::world
