#include "world/wall_grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mgs::world {

int WallGrid::col_of(float x) const noexcept {
    const int c = static_cast<int>(std::floor(x * inv_cell_));
    return std::clamp(c, 0, cols_ - 1);
}

int WallGrid::row_of(float y) const noexcept {
    const int r = static_cast<int>(std::floor(y * inv_cell_));
    return std::clamp(r, 0, rows_ - 1);
}

void WallGrid::build(std::span<const Aabb> walls, float world_width, float world_height, float cell_size) {
    cell_ = cell_size;
    inv_cell_ = 1.0f / cell_size;
    cols_ = std::max(1, static_cast<int>(std::ceil(world_width * inv_cell_)));
    rows_ = std::max(1, static_cast<int>(std::ceil(world_height * inv_cell_)));
    boxes_.assign(walls.begin(), walls.end());
    const std::size_t cells = static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_);
    cell_start_.assign(cells + 1, 0);
    // Two passes (count, then fill) over the cells each wall covers: a counting sort.
    auto visit = [&](auto&& fn) {
        for (std::uint32_t w = 0; w < boxes_.size(); ++w) {
            const Aabb& b = boxes_[w];
            for (int r = row_of(b.min.y); r <= row_of(b.max.y); ++r)
                for (int c = col_of(b.min.x); c <= col_of(b.max.x); ++c)
                    fn(static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) +
                           static_cast<std::size_t>(c),
                       w);
        }
    };
    visit([&](std::size_t cell, std::uint32_t) { ++cell_start_[cell + 1]; });
    for (std::size_t i = 0; i < cells; ++i) cell_start_[i + 1] += cell_start_[i];
    entries_.assign(cell_start_[cells], 0);
    std::vector<std::uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
    visit([&](std::size_t cell, std::uint32_t w) { entries_[fill[cell]++] = w; });
}

std::optional<WallHit> WallGrid::raycast(Vec2 from, Vec2 to, const std::uint8_t* alive) const {
    const Vec2 d = to - from;
    WallHit best{std::numeric_limits<float>::max(), 0};
    bool hit = false;
    auto test_cell = [&](int c, int r) {
        const auto cell =
            static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(c);
        for (std::uint32_t k = cell_start_[cell]; k < cell_start_[cell + 1]; ++k) {
            const std::uint32_t w = entries_[k];
            if (alive != nullptr && alive[w] == 0) continue;
            if (auto t = segment_box(from, d, boxes_[w]);
                t && (*t < best.t || (*t == best.t && w < best.wall))) {
                best = {*t, w};
                hit = true;
            }
        }
    };
    // Grid traversal (Amanatides & Woo 1987): visit the cells the segment crosses in order and
    // stop once the nearest hit found lies before the next cell's entry.
    int c = col_of(from.x), r = row_of(from.y);
    const int c_end = col_of(to.x), r_end = row_of(to.y);
    const int step_c = d.x > 0 ? 1 : -1, step_r = d.y > 0 ? 1 : -1;
    const float inf = std::numeric_limits<float>::infinity();
    const float dt_c = d.x != 0.0f ? cell_ / std::abs(d.x) : inf;
    const float dt_r = d.y != 0.0f ? cell_ / std::abs(d.y) : inf;
    float t_c = inf, t_r = inf;
    if (d.x != 0.0f) {
        const float edge = static_cast<float>(d.x > 0 ? c + 1 : c) * cell_;
        t_c = (edge - from.x) / d.x;
    }
    if (d.y != 0.0f) {
        const float edge = static_cast<float>(d.y > 0 ? r + 1 : r) * cell_;
        t_r = (edge - from.y) / d.y;
    }
    const int max_steps = std::abs(c_end - c) + std::abs(r_end - r) + 1;
    for (int i = 0; i < max_steps; ++i) {
        test_cell(c, r);
        const float t_next = std::min(t_c, t_r);
        if (hit && best.t <= t_next) break;
        if (c == c_end && r == r_end) break;
        if (t_c < t_r) {
            c += step_c;
            t_c += dt_c;
        } else {
            r += step_r;
            t_r += dt_r;
        }
        if (c < 0 || c >= cols_ || r < 0 || r >= rows_) break;
    }
    if (!hit) return std::nullopt;
    return best;
}

} // namespace mgs::world
