#pragma once
// Uniform grid over moving entities, rebuilt from scratch every tick by a counting sort:
// count entities per cell, prefix-sum the counts into offsets, scatter entity indices. Two
// linear passes, no per-entity or per-cell allocation (buffers only grow, and only when the
// population does), and the result lists entities in cell order. That order is the world's
// partitioning for parallel work: a contiguous range of order() is a band of neighbouring cells,
// so a worker that takes a range touches a compact region of the world (and of the grid).
//
//   positions:   e0(2,1) e1(0,0) e2(2,1) e3(1,0)        cells numbered row-major
//   cell_start_: c0:0 c1:1 c2:2 ... c5:2 c6:4            entities of cell c are
//   order_:      [e1, e3, e0, e2]                        order_[cell_start_[c] .. cell_start_[c+1])
#include "core/geometry.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace mgs::world {

class EntityGrid {
public:
    /// Sets the covered area and cell size; call again only when the world size changes.
    void configure(float world_width, float world_height, float cell_size);

    /// Rebuilds the grid from positions; entities with active[i] == 0 are left out.
    void rebuild(std::span<const Vec2> positions, std::span<const std::uint8_t> active);

    /// Calls fn(index) for every entity inside the cells overlapping `area` (a superset of the
    /// entities inside `area`; the caller tests exact shapes). Order is deterministic.
    template <class F> void for_each_in_rect(const Aabb& area, F&& fn) const;

    /// Calls fn(index) for every entity whose grid position lies within `radius` of `center`.
    template <class F> void for_each_in_radius(Vec2 center, float radius, F&& fn) const {
        const float r2 = radius * radius;
        for_each_in_rect(Aabb{{center.x - radius, center.y - radius}, {center.x + radius, center.y + radius}},
                         [&](std::uint32_t i) {
                             if (distance_sq(positions_[i], center) <= r2) fn(i);
                         });
    }

    /// Entity indices in cell order (only active entities).
    [[nodiscard]] std::span<const std::uint32_t> order() const noexcept { return {order_.data(), count_}; }
    /// Position of entity i as of the last rebuild.
    [[nodiscard]] Vec2 position(std::uint32_t i) const noexcept { return positions_[i]; }
    [[nodiscard]] int cols() const noexcept { return cols_; }
    [[nodiscard]] int rows() const noexcept { return rows_; }
    [[nodiscard]] float cell_size() const noexcept { return cell_; }

private:
    [[nodiscard]] int col_of(float x) const noexcept;
    [[nodiscard]] int row_of(float y) const noexcept;

    std::vector<std::uint32_t> cell_start_;
    std::vector<std::uint32_t> cell_fill_;
    std::vector<std::uint32_t> cell_of_;
    std::vector<std::uint32_t> order_;
    std::vector<Vec2> positions_;
    std::size_t count_ = 0;
    float cell_ = 64.0f;
    float inv_cell_ = 1.0f / 64.0f;
    int cols_ = 1;
    int rows_ = 1;
};

template <class F> void EntityGrid::for_each_in_rect(const Aabb& area, F&& fn) const {
    const int c0 = col_of(area.min.x), c1 = col_of(area.max.x);
    const int r0 = row_of(area.min.y), r1 = row_of(area.max.y);
    for (int r = r0; r <= r1; ++r) {
        const auto row = static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_);
        const std::uint32_t begin = cell_start_[row + static_cast<std::size_t>(c0)];
        const std::uint32_t end = cell_start_[row + static_cast<std::size_t>(c1) + 1];
        // Cells of a row are contiguous in order_, so a row span is one linear scan.
        for (std::uint32_t k = begin; k < end; ++k) fn(order_[k]);
    }
}

} // namespace mgs::world
