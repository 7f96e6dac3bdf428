#include "world/connectivity.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace mgs::world {

namespace {
/// Calls fn(j) for each 4-neighbour j of cell i that is inside the grid and not blocked.
template <class F> void for_each_open_neighbour(const OccupancyGrid& grid, int i, F&& fn) {
    const int c = i % grid.cols, r = i / grid.cols;
    const int neighbours[4] = {c > 0 ? i - 1 : -1, c + 1 < grid.cols ? i + 1 : -1, r > 0 ? i - grid.cols : -1,
                               r + 1 < grid.rows ? i + grid.cols : -1};
    for (const int j : neighbours)
        if (j >= 0 && grid.blocked[static_cast<std::size_t>(j)] == 0) fn(j);
}
} // namespace

int OccupancyGrid::index_of(Vec2 p) const noexcept {
    if (!(p.x >= 0.0f && p.y >= 0.0f)) return -1;
    const int c = static_cast<int>(std::floor(p.x / cell));
    const int r = static_cast<int>(std::floor(p.y / cell));
    if (c >= cols || r >= rows) return -1;
    return r * cols + c;
}

Vec2 OccupancyGrid::center_of(int index) const noexcept {
    const int c = index % cols, r = index / cols;
    return {(static_cast<float>(c) + 0.5f) * cell, (static_cast<float>(r) + 0.5f) * cell};
}

OccupancyGrid build_occupancy(const Map& map, float cell_size, float radius,
                              const std::vector<bool>* wall_alive) {
    OccupancyGrid g;
    g.cell = cell_size;
    g.radius = radius;
    g.cols = std::max(1, static_cast<int>(std::ceil(map.width / cell_size)));
    g.rows = std::max(1, static_cast<int>(std::ceil(map.height / cell_size)));
    g.blocked.assign(static_cast<std::size_t>(g.cols) * static_cast<std::size_t>(g.rows), 0);

    // Centres outside the world (the last column or row when the size is not a multiple of the
    // cell) cannot hold a player.
    const Aabb world = map.bounds();
    for (int i = 0; i < g.cols * g.rows; ++i) {
        if (!world.contains(g.center_of(i))) g.blocked[static_cast<std::size_t>(i)] = 1;
    }

    // Only cells whose centre lies in the wall inflated by the radius can be blocked by it; the
    // exact circle test then rounds the corners.
    auto first_cell = [&](float lo, int n) {
        return std::clamp(static_cast<int>(std::floor(lo / cell_size - 0.5f)), 0, n - 1);
    };
    auto last_cell = [&](float hi, int n) {
        return std::clamp(static_cast<int>(std::ceil(hi / cell_size - 0.5f)), 0, n - 1);
    };
    for (std::size_t w = 0; w < map.walls.size(); ++w) {
        if (wall_alive != nullptr && w < wall_alive->size() && !(*wall_alive)[w]) continue;
        const Aabb& box = map.walls[w].box;
        const Aabb reach = box.inflated(radius);
        const int c0 = first_cell(reach.min.x, g.cols), c1 = last_cell(reach.max.x, g.cols);
        const int r0 = first_cell(reach.min.y, g.rows), r1 = last_cell(reach.max.y, g.rows);
        for (int r = r0; r <= r1; ++r) {
            for (int c = c0; c <= c1; ++c) {
                const int i = r * g.cols + c;
                auto& cell = g.blocked[static_cast<std::size_t>(i)];
                if (cell == 0 && circle_overlaps_box(g.center_of(i), radius, box)) cell = 1;
            }
        }
    }
    return g;
}

int label_components(const OccupancyGrid& grid, std::vector<int>& labels) {
    const int n = grid.cols * grid.rows;
    labels.assign(static_cast<std::size_t>(n), -1);
    std::vector<int> stack;
    int count = 0;
    for (int start = 0; start < n; ++start) {
        if (grid.blocked[static_cast<std::size_t>(start)] != 0 ||
            labels[static_cast<std::size_t>(start)] >= 0) {
            continue;
        }
        // Iterative flood fill: a massive world has millions of cells, far beyond any call stack.
        labels[static_cast<std::size_t>(start)] = count;
        stack.push_back(start);
        while (!stack.empty()) {
            const int i = stack.back();
            stack.pop_back();
            for_each_open_neighbour(grid, i, [&](int j) {
                const auto k = static_cast<std::size_t>(j);
                if (labels[k] >= 0) return;
                labels[k] = count;
                stack.push_back(j);
            });
        }
        ++count;
    }
    return count;
}

bool point_reachable_from(const OccupancyGrid& grid, Vec2 from, Vec2 to) {
    const int a = grid.index_of(from), b = grid.index_of(to);
    if (a < 0 || b < 0) return false;
    if (grid.blocked[static_cast<std::size_t>(a)] != 0 || grid.blocked[static_cast<std::size_t>(b)] != 0) {
        return false;
    }
    if (a == b) return true;
    // Flood from `from` only until `to` is reached: cheaper than labelling the whole grid.
    std::vector<std::uint8_t> seen(grid.blocked.size(), 0);
    std::vector<int> stack{a};
    seen[static_cast<std::size_t>(a)] = 1;
    while (!stack.empty()) {
        const int i = stack.back();
        stack.pop_back();
        bool reached = false;
        for_each_open_neighbour(grid, i, [&](int j) {
            const auto k = static_cast<std::size_t>(j);
            if (seen[k] != 0) return;
            reached = reached || j == b;
            seen[k] = 1;
            stack.push_back(j);
        });
        if (reached) return true;
    }
    return false;
}

} // namespace mgs::world
