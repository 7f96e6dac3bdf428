#pragma once
// Reachability over a Map, checked independently of how the map was made. The generator
// (map_gen.hpp) promises that every open area is reachable by construction; this module does not
// trust that reasoning. It rasterises the space a round player can occupy (a cell is blocked when
// a circle of the player's radius centred in the cell overlaps a wall) and labels the connected
// free cells. Tests run it over many seeds, with destructible walls standing and destroyed; bot
// navigation can reuse the same grid.
//
//   world:  +--------------+      occupancy (radius r):  # # # # # # # #
//           |      ##      |                             # . . # # . . #
//           |      ##      |                             # . . # # . . #   2 components
//           +--------------+                             # # # # # # # #
//
// What a result means. Two 4-neighbour free cells have centres `cell` apart, and every point of
// the segment between them is at least sqrt(r^2 - cell^2 / 4) from every wall (parallelogram
// law), so "same component" means a circle of that slightly smaller radius can travel between
// the two centres. The converse does not hold: a passage narrower than 2 r + cell can be
// missed, so the checker may report a split where a real player would squeeze through. Beyond
// that small radius allowance it errs on the side of failing a test, never of passing one; a
// caller that wants the full radius r guaranteed builds the grid for sqrt(r^2 + cell^2 / 4).
#include "world/map.hpp"

#include <cstdint>
#include <vector>

namespace mgs::world {

/// Free/blocked raster of a world for a circle of a given radius. Cell (col, row) covers
/// [col * cell, (col + 1) * cell) x [row * cell, (row + 1) * cell); its centre is the sample.
struct OccupancyGrid {
    float cell = 8.0f;   ///< cell size in wu
    float radius = 0.0f; ///< radius of the circle the grid was built for, in wu
    int cols = 0;
    int rows = 0;
    /// Row-major, cols * rows entries. 1 = a circle of `radius` centred in the cell overlaps an
    /// alive wall, or the centre lies outside the world; 0 = free.
    std::vector<std::uint8_t> blocked;

    /// Index of the cell holding `p`, or -1 when `p` lies outside the grid.
    [[nodiscard]] int index_of(Vec2 p) const noexcept;
    /// Centre of cell `index` (0 <= index < cols * rows).
    [[nodiscard]] Vec2 center_of(int index) const noexcept;
};

/// Rasterises `map` for a circle of `radius`, with cells of `cell_size` wu covering
/// [0, width] x [0, height]. `wall_alive` (indexed like map.walls) marks which walls stand;
/// nullptr means all of them. A wall that is not alive blocks nothing. Pure function.
[[nodiscard]] OccupancyGrid build_occupancy(const Map& map, float cell_size, float radius,
                                            const std::vector<bool>* wall_alive = nullptr);

/// Labels the connected components of free cells (4-neighbour adjacency). On return `labels`
/// has cols * rows entries: -1 for a blocked cell, otherwise a component id in [0, count), ids
/// numbered in row-major order of each component's first cell. Returns the number of components.
int label_components(const OccupancyGrid& grid, std::vector<int>& labels);

/// True when the cells holding `from` and `to` are both free and in the same component.
[[nodiscard]] bool point_reachable_from(const OccupancyGrid& grid, Vec2 from, Vec2 to);

} // namespace mgs::world
