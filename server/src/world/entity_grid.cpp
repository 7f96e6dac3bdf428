#include "world/entity_grid.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::world {

void EntityGrid::configure(float world_width, float world_height, float cell_size) {
    cell_ = cell_size;
    inv_cell_ = 1.0f / cell_size;
    cols_ = std::max(1, static_cast<int>(std::ceil(world_width * inv_cell_)));
    rows_ = std::max(1, static_cast<int>(std::ceil(world_height * inv_cell_)));
    const std::size_t cells = static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_);
    cell_start_.assign(cells + 1, 0);
    cell_fill_.assign(cells, 0);
    count_ = 0;
}

int EntityGrid::col_of(float x) const noexcept {
    return std::clamp(static_cast<int>(std::floor(x * inv_cell_)), 0, cols_ - 1);
}

int EntityGrid::row_of(float y) const noexcept {
    return std::clamp(static_cast<int>(std::floor(y * inv_cell_)), 0, rows_ - 1);
}

void EntityGrid::rebuild(std::span<const Vec2> positions, std::span<const std::uint8_t> active) {
    const std::size_t n = positions.size();
    const std::size_t cells = cell_fill_.size();
    if (cell_of_.size() < n) {
        cell_of_.resize(n);
        order_.resize(n);
        positions_.resize(n);
    }
    std::copy(positions.begin(), positions.end(), positions_.begin());
    std::fill(cell_start_.begin(), cell_start_.end(), 0u);
    constexpr std::uint32_t kNone = 0xffffffffu;
    for (std::size_t i = 0; i < n; ++i) {
        if (active[i] == 0) {
            cell_of_[i] = kNone;
            continue;
        }
        const auto cell = static_cast<std::uint32_t>(row_of(positions[i].y) * cols_ + col_of(positions[i].x));
        cell_of_[i] = cell;
        ++cell_start_[cell + 1];
    }
    for (std::size_t c = 0; c < cells; ++c) cell_start_[c + 1] += cell_start_[c];
    std::copy(cell_start_.begin(), cell_start_.end() - 1, cell_fill_.begin());
    for (std::size_t i = 0; i < n; ++i) {
        if (cell_of_[i] != kNone) order_[cell_fill_[cell_of_[i]]++] = static_cast<std::uint32_t>(i);
    }
    count_ = cell_start_[cells];
}

} // namespace mgs::world
