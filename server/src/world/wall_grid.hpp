#pragma once
// Static grid over the walls of a Map, built once per map. Each cell lists the walls that
// overlap it (compressed: one offsets array and one index array, no per-cell containers).
// Destructible walls stay in the grid when destroyed; queries take an `alive` mask so the grid
// never changes during play.
//
//   cell_start_: [0, 2, 2, 5, ...]   walls of cell c are entries_[cell_start_[c] .. cell_start_[c+1])
//   entries_:    [w3, w7, w1, w3, w9, ...]
//
// A wall that spans several cells is reported once per query: only in the cell that holds the
// lower-left corner of its intersection with the query area (stateless, so concurrent queries
// from many threads need no scratch memory).
#include "core/geometry.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mgs::world {

struct WallHit {
    float t = 1.0f;         ///< fraction of the segment at which it enters the wall
    std::uint32_t wall = 0; ///< index into the wall list the grid was built from
};

class WallGrid {
public:
    /// Builds the grid over a world of the given size. Walls outside the world are clamped.
    void build(std::span<const Aabb> walls, float world_width, float world_height, float cell_size);

    /// Calls fn(wall_index) once for every wall whose box overlaps `area` and is alive
    /// (alive == nullptr: all walls are alive). Thread-safe for concurrent readers.
    template <class F> void for_each_overlapping(const Aabb& area, const std::uint8_t* alive, F&& fn) const;

    /// First alive wall hit by the segment from `from` to `to`, if any. Thread-safe.
    [[nodiscard]] std::optional<WallHit> raycast(Vec2 from, Vec2 to, const std::uint8_t* alive) const;

    /// True when no alive wall blocks the segment.
    [[nodiscard]] bool line_of_sight(Vec2 from, Vec2 to, const std::uint8_t* alive) const {
        return !raycast(from, to, alive).has_value();
    }

    [[nodiscard]] const Aabb& wall(std::uint32_t i) const noexcept { return boxes_[i]; }
    [[nodiscard]] std::size_t wall_count() const noexcept { return boxes_.size(); }
    [[nodiscard]] float cell_size() const noexcept { return cell_; }

private:
    [[nodiscard]] int col_of(float x) const noexcept;
    [[nodiscard]] int row_of(float y) const noexcept;

    std::vector<Aabb> boxes_;
    std::vector<std::uint32_t> cell_start_;
    std::vector<std::uint32_t> entries_;
    float cell_ = 64.0f;
    float inv_cell_ = 1.0f / 64.0f;
    int cols_ = 0;
    int rows_ = 0;
};

template <class F>
void WallGrid::for_each_overlapping(const Aabb& area, const std::uint8_t* alive, F&& fn) const {
    const int c0 = col_of(area.min.x), c1 = col_of(area.max.x);
    const int r0 = row_of(area.min.y), r1 = row_of(area.max.y);
    for (int r = r0; r <= r1; ++r) {
        for (int c = c0; c <= c1; ++c) {
            const auto cell =
                static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(c);
            for (std::uint32_t k = cell_start_[cell]; k < cell_start_[cell + 1]; ++k) {
                const std::uint32_t w = entries_[k];
                if (alive != nullptr && alive[w] == 0) continue;
                const Aabb& b = boxes_[w];
                if (!b.overlaps(area)) continue;
                // Report once: in the cell holding the lower-left corner of the intersection.
                const float rx = b.min.x > area.min.x ? b.min.x : area.min.x;
                const float ry = b.min.y > area.min.y ? b.min.y : area.min.y;
                if (col_of(rx) != c || row_of(ry) != r) continue;
                fn(w);
            }
        }
    }
}

} // namespace mgs::world
