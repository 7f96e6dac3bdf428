#include "ai/nav.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <tuple>

namespace mgs::ai {
namespace {

constexpr std::uint32_t kStraightCost = 10;
constexpr std::uint32_t kDiagonalCost = 14;

[[nodiscard]] std::size_t idx(int i) noexcept {
    return static_cast<std::size_t>(i);
}

/// Grid coordinate of a world coordinate, clamped to [0, n - 1]; NaN maps to 0.
[[nodiscard]] int clamped_coord(float v, float inv_cell, int n) noexcept {
    const float f = v * inv_cell;
    const auto hi = static_cast<float>(n - 1);
    if (!(f >= 0.0f)) return 0;
    if (f >= hi) return n - 1;
    return static_cast<int>(f);
}

/// The cell (col, row) nearest to `p` by centre distance among those within `radius` rings of
/// (col, row) for which `ok(col, row)` holds; ties go to the lower row-major index. Rings are
/// searched outward and the search stops once no farther ring can hold a nearer centre.
template <class Ok>
[[nodiscard]] int nearest_cell(Vec2 p, int col, int row, int cols, int rows, float cell, int radius,
                               Ok&& ok) noexcept {
    int best = -1;
    float best_d2 = 0.0f;
    const auto consider = [&](int c, int r) {
        if (!ok(c, r)) return;
        const Vec2 centre{(static_cast<float>(c) + 0.5f) * cell, (static_cast<float>(r) + 0.5f) * cell};
        const float d2 = distance_sq(p, centre);
        const int index = r * cols + c;
        if (best < 0 || d2 < best_d2 || (d2 == best_d2 && index < best)) {
            best = index;
            best_d2 = d2;
        }
    };
    consider(col, row);
    if (best >= 0) return best;
    for (int ring = 1; ring <= radius; ++ring) {
        // Every centre of this ring is at least (ring - 1/2) cells from p along one axis.
        const float reach = (static_cast<float>(ring) - 0.5f) * cell;
        if (best >= 0 && reach * reach > best_d2) break;
        const int c0 = std::max(col - ring, 0), c1 = std::min(col + ring, cols - 1);
        for (int r = std::max(row - ring, 0); r <= std::min(row + ring, rows - 1); ++r) {
            if (r == row - ring || r == row + ring) {
                for (int c = c0; c <= c1; ++c) consider(c, r);
            } else {
                if (col - ring >= 0) consider(col - ring, r);
                if (col + ring < cols) consider(col + ring, r);
            }
        }
    }
    return best;
}

/// Octile distance in cost units between two padded cells.
[[nodiscard]] std::uint32_t octile(int a, int b, int pcols) noexcept {
    const int dx = std::abs(a % pcols - b % pcols);
    const int dy = std::abs(a / pcols - b / pcols);
    const auto lo = static_cast<std::uint32_t>(std::min(dx, dy));
    const auto hi = static_cast<std::uint32_t>(std::max(dx, dy));
    return kStraightCost * hi + (kDiagonalCost - kStraightCost) * lo;
}

/// Calls fn(neighbour, step_cost) for each move allowed from padded cell `c` of a padded
/// walkable array, in increasing neighbour index. A diagonal move needs both cells beside it.
template <class Walk, class F> void for_each_move(int c, int pc, Walk&& walk, F&& fn) {
    const bool up = walk(c - pc), left = walk(c - 1), right = walk(c + 1), down = walk(c + pc);
    if (up && left && walk(c - pc - 1)) fn(c - pc - 1, kDiagonalCost);
    if (up) fn(c - pc, kStraightCost);
    if (up && right && walk(c - pc + 1)) fn(c - pc + 1, kDiagonalCost);
    if (left) fn(c - 1, kStraightCost);
    if (right) fn(c + 1, kStraightCost);
    if (down && left && walk(c + pc - 1)) fn(c + pc - 1, kDiagonalCost);
    if (down) fn(c + pc, kStraightCost);
    if (down && right && walk(c + pc + 1)) fn(c + pc + 1, kDiagonalCost);
}

} // namespace

// --- NavGrid ----------------------------------------------------------------------------------

void NavGrid::build(const world::Map& map, float cell_size, float clearance, const std::uint8_t* wall_alive,
                    Executor* exec) {
    cell_ = cell_size > 0.0f ? cell_size : 32.0f;
    inv_cell_ = 1.0f / cell_;
    clearance_ = std::max(clearance, 0.0f);
    width_ = map.width;
    height_ = map.height;
    cols_ = std::max(1, static_cast<int>(std::ceil(map.width * inv_cell_)));
    rows_ = std::max(1, static_cast<int>(std::ceil(map.height * inv_cell_)));
    version_ = 0;

    // A first build gets fresh zeroed arrays (ZeroedVector) and touches only the pages it writes;
    // a rebuild of the same size reuses its arrays and clears them band by band.
    const std::size_t cells = idx(cols_ * rows_);
    const std::size_t padded = idx(padded_cols() * (rows_ + 2));
    const bool fresh = blockers_.capacity() < cells || walk_.capacity() < padded;
    if (fresh) {
        blockers_ = ZeroedVector<std::uint16_t>(cells);
        walk_ = ZeroedVector<std::uint8_t>(padded);
    } else {
        blockers_.resize(cells);
        walk_.resize(padded);
    }
    alive_.resize(map.walls.size());
    for (std::size_t w = 0; w < map.walls.size(); ++w)
        alive_[w] = wall_alive == nullptr || wall_alive[w] != 0 ? 1 : 0;

    // Bands of rows in parallel: each band counts every wall's cover of its own rows only, so no
    // cell is written by two bands, and counts do not depend on the order of the walls.
    const auto band = [&](std::size_t begin, std::size_t end) {
        build_rows(map, static_cast<int>(begin), static_cast<int>(end), !fresh);
    };
    const auto rows = static_cast<std::size_t>(rows_);
    if (exec == nullptr) {
        band(0, rows);
    } else {
        const auto workers = static_cast<std::size_t>(std::max(1, exec->concurrency()));
        exec->for_ranges(rows, std::max<std::size_t>(16, rows / (2 * workers)), band);
    }
}

void NavGrid::build_rows(const world::Map& map, int row_begin, int row_end, bool clear) {
    const int pc = padded_cols();
    if (clear) {
        std::fill(blockers_.begin() + row_begin * cols_, blockers_.begin() + row_end * cols_,
                  std::uint16_t{0});
        // Padded rows row_begin + 1 .. row_end, plus the border rows at the top and bottom.
        const int first = row_begin == 0 ? 0 : row_begin + 1;
        const int last = row_end == rows_ ? rows_ + 2 : row_end + 1;
        std::fill(walk_.begin() + first * pc, walk_.begin() + last * pc, std::uint8_t{0});
    }
    for (std::size_t w = 0; w < map.walls.size(); ++w)
        if (alive_[w] != 0) cover_wall(map.walls[w].box, 1, nullptr, row_begin, row_end);
    for (int r = row_begin; r < row_end; ++r) {
        for (int c = 0; c < cols_; ++c) {
            const bool free = blockers_[idx(r * cols_ + c)] == 0 && inside_world(c, r);
            walk_[idx((r + 1) * pc + c + 1)] = free ? 1 : 0;
        }
    }
}

bool NavGrid::update_wall(const world::Map& map, std::uint32_t w, const std::uint8_t* wall_alive) {
    if (w >= alive_.size() || w >= map.walls.size()) return false;
    const std::uint8_t now = wall_alive == nullptr || wall_alive[w] != 0 ? 1 : 0;
    if (now == alive_[w]) return false;
    alive_[w] = now;
    bool changed = false;
    cover_wall(map.walls[w].box, now != 0 ? 1 : -1, &changed);
    if (changed) ++version_;
    return changed;
}

void NavGrid::cover_wall(const Aabb& box, int delta, bool* changed, int row_begin, int row_end) {
    // Only the cells whose centre can lie within `clearance` of the box, then the exact test.
    const Aabb reach = box.inflated(clearance_);
    const int r0 = std::max(row_begin, static_cast<int>(std::floor(reach.min.y * inv_cell_ - 0.5f)));
    const int r1 =
        std::min(std::min(rows_, row_end) - 1, static_cast<int>(std::ceil(reach.max.y * inv_cell_ - 0.5f)));
    if (r0 > r1) return;
    const int c0 = std::max(0, static_cast<int>(std::floor(reach.min.x * inv_cell_ - 0.5f)));
    const int c1 = std::min(cols_ - 1, static_cast<int>(std::ceil(reach.max.x * inv_cell_ - 0.5f)));
    const int pc = padded_cols();
    for (int r = r0; r <= r1; ++r) {
        for (int c = c0; c <= c1; ++c) {
            const int cell = r * cols_ + c;
            if (!circle_overlaps_box(center(cell), clearance_, box)) continue;
            std::uint16_t& n = blockers_[idx(cell)];
            n = static_cast<std::uint16_t>(static_cast<int>(n) + delta);
            if (changed == nullptr) continue;
            const std::uint8_t free = n == 0 && inside_world(c, r) ? 1 : 0;
            std::uint8_t& slot = walk_[idx((r + 1) * pc + c + 1)];
            if (slot != free) {
                slot = free;
                *changed = true;
            }
        }
    }
}

bool NavGrid::inside_world(int col, int row) const noexcept {
    const float x = (static_cast<float>(col) + 0.5f) * cell_;
    const float y = (static_cast<float>(row) + 0.5f) * cell_;
    return x >= clearance_ && x <= width_ - clearance_ && y >= clearance_ && y <= height_ - clearance_;
}

int NavGrid::cell_of(Vec2 p) const noexcept {
    return clamped_coord(p.y, inv_cell_, rows_) * cols_ + clamped_coord(p.x, inv_cell_, cols_);
}

Vec2 NavGrid::center(int cell) const noexcept {
    const int col = cell % cols_, row = cell / cols_;
    return {(static_cast<float>(col) + 0.5f) * cell_, (static_cast<float>(row) + 0.5f) * cell_};
}

bool NavGrid::walkable(int cell) const noexcept {
    if (cell < 0 || cell >= cell_count()) return false;
    return walk_[idx(padded_of(cell))] != 0;
}

int NavGrid::nearest_walkable(Vec2 p, int max_radius_cells) const noexcept {
    if (cols_ == 0) return -1;
    const int col = clamped_coord(p.x, inv_cell_, cols_);
    const int row = clamped_coord(p.y, inv_cell_, rows_);
    const int pc = padded_cols();
    return nearest_cell(p, col, row, cols_, rows_, cell_, max_radius_cells,
                        [&](int c, int r) { return walk_[idx((r + 1) * pc + c + 1)] != 0; });
}

bool NavGrid::clear_line(Vec2 a, Vec2 b) const noexcept {
    if (cols_ == 0) return false;
    const float ax = a.x * inv_cell_, ay = a.y * inv_cell_;
    const float bx = b.x * inv_cell_, by = b.y * inv_cell_;
    const auto fc = static_cast<float>(cols_), fr = static_cast<float>(rows_);
    // Written so that NaN is rejected too.
    if (!(ax >= 0.0f && ax < fc && ay >= 0.0f && ay < fr && bx >= 0.0f && bx < fc && by >= 0.0f && by < fr))
        return false;
    int cx = static_cast<int>(ax), cy = static_cast<int>(ay);
    const int ex = static_cast<int>(bx), ey = static_cast<int>(by);
    const int pc = padded_cols();
    const auto free = [&](int c, int r) { return walk_[idx((r + 1) * pc + c + 1)] != 0; };
    if (!free(cx, cy)) return false;

    // Amanatides-Woo traversal. Each step moves one axis toward the end cell (an axis already at
    // the end cell's coordinate never moves), so it ends exactly on (ex, ey) whatever the
    // rounding; a crossing exactly through a corner also checks the two cells beside it.
    const float dx = bx - ax, dy = by - ay;
    const int sx = dx > 0.0f ? 1 : -1, sy = dy > 0.0f ? 1 : -1;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    const float tdx = dx != 0.0f ? std::abs(1.0f / dx) : kInf;
    const float tdy = dy != 0.0f ? std::abs(1.0f / dy) : kInf;
    const auto fx = static_cast<float>(cx), fy = static_cast<float>(cy);
    float tmx = dx != 0.0f ? (sx > 0 ? fx + 1.0f - ax : ax - fx) * tdx : kInf;
    float tmy = dy != 0.0f ? (sy > 0 ? fy + 1.0f - ay : ay - fy) * tdy : kInf;
    while (cx != ex || cy != ey) {
        bool step_x = false, step_y = false;
        if (cx != ex && cy != ey && tmx == tmy) {
            if (!free(cx + sx, cy) || !free(cx, cy + sy)) return false;
            step_x = step_y = true;
        } else {
            step_x = cy == ey || (cx != ex && tmx < tmy);
            step_y = !step_x;
        }
        if (step_x) {
            cx += sx;
            tmx += tdx;
        }
        if (step_y) {
            cy += sy;
            tmy += tdy;
        }
        if (!free(cx, cy)) return false;
    }
    return true;
}

// --- FlowField --------------------------------------------------------------------------------

void FlowField::compute(const NavGrid& nav, Vec2 goal) {
    begin(nav, goal);
    advance(nav, std::numeric_limits<std::size_t>::max());
}

void FlowField::begin(const NavGrid& nav, Vec2 goal) {
    cols_ = nav.cols();
    rows_ = nav.rows();
    cell_ = nav.cell_size();
    nav_version_ = nav.version();
    goal_ = goal;
    goal_target_ = goal;
    goal_cell_ = -1;
    complete_ = false;
    filled_ = 0;
    search_cost_ = 0;
    bucket_pos_ = 0;
    pending_ = 0;
    expanded_ = 0;
    const std::size_t n = nav.padded_walkable().size();
    if (n > cost_.capacity()) {
        cost_ = ZeroedVector<std::uint32_t>(n); // fresh memory, not written yet
        warm_ = 0;
    }
    cost_.resize(n); // writes nothing (ZeroedVector)
    warm_ = std::min(warm_, n);
    for (auto& b : buckets_) b.clear();
}

std::size_t FlowField::fill(const NavGrid& nav, std::size_t budget) {
    // One grid version for the whole array: a change before the fill is done starts it over
    // (cheaply: what was filled is warm now, 1/16 entry a cell), so the field is the search of
    // exactly the version it reports.
    if (nav.version() != nav_version_) {
        nav_version_ = nav.version();
        filled_ = 0;
    }
    const std::uint8_t* walk = nav.padded_walkable().data();
    const std::size_t n = cost_.size();
    std::uint32_t* cost = cost_.data();
    std::size_t used = 0;
    while (filled_ < n && used < budget) {
        const std::size_t room = budget - used;
        const bool warm = filled_ < warm_;
        const std::size_t cells = (warm ? warm_ : n) - filled_;
        std::size_t step = std::min(room, cells);
        if (warm)
            step = (cells + kWarmFillPerEntry - 1) / kWarmFillPerEntry <= room ? cells
                                                                               : room * kWarmFillPerEntry;
        const std::size_t end = filled_ + step;
        for (std::size_t i = filled_; i < end; ++i) cost[i] = walk[i] != 0 ? kUnreachable : kBlocked;
        used += warm ? (step + kWarmFillPerEntry - 1) / kWarmFillPerEntry : step;
        filled_ = end;
        warm_ = std::max(warm_, end);
    }
    if (filled_ < n) return used;

    // The whole grid is in: snap the goal and seed the queue.
    const int g = nav.nearest_walkable(goal_, kSnapCells);
    if (g < 0) {
        complete_ = true; // nothing is reachable
        return used;
    }
    goal_cell_ = nav.padded_of(g);
    goal_target_ = g == nav.cell_of(goal_) ? goal_ : nav.center(g);
    cost[goal_cell_] = 0;
    buckets_[0].push_back(static_cast<std::uint32_t>(goal_cell_));
    pending_ = 1;
    return used;
}

bool FlowField::advance(const NavGrid& nav, std::size_t budget) {
    if (complete_) return true;
    if (nav.cols() != cols_ || nav.rows() != rows_) begin(nav, goal_); // another grid: start over
    std::size_t taken = 0;
    if (filled_ < cost_.size()) {
        taken = fill(nav, budget);
        if (filled_ < cost_.size() || complete_) return complete_;
    }
    // Dial's algorithm: integer costs, and every pending cost lies in [d, d + 14] while cost d
    // is expanded, so 16 buckets indexed by cost mod 16 never mix two costs, and expanding cost
    // d never appends to d's own bucket, so a slice can stop anywhere in it and the next one
    // resume at the same entry. Stale entries (a cell queued again at a lower cost) are skipped.
    // The result is the unique shortest-cost field, so neither the order of expansion nor where
    // the slices end can change it. Walkability is read from the cost array (kBlocked).
    const int pc = cols_ + 2;
    std::uint32_t* cost = cost_.data();
    std::size_t expanded = 0;
    while (pending_ > 0) {
        const std::uint32_t d = search_cost_;
        std::vector<std::uint32_t>& bucket = buckets_[d % kBuckets];
        while (bucket_pos_ < bucket.size()) {
            if (taken == budget) {
                expanded_ += expanded;
                return false;
            }
            const auto c = static_cast<int>(bucket[bucket_pos_++]);
            ++taken;
            ++expanded;
            --pending_;
            if (cost[c] != d) continue;
            for_each_move(
                c, pc, [cost](int n) { return cost[n] != kBlocked; },
                [&](int n, std::uint32_t step) {
                    const std::uint32_t nd = d + step;
                    if (nd < cost[n]) {
                        cost[n] = nd;
                        buckets_[nd % kBuckets].push_back(static_cast<std::uint32_t>(n));
                        ++pending_;
                    }
                });
        }
        bucket.clear();
        bucket_pos_ = 0;
        ++search_cost_;
    }
    expanded_ += expanded;
    complete_ = true;
    return true;
}

Vec2 FlowField::center_padded(int padded) const noexcept {
    const int pc = cols_ + 2;
    const int col = padded % pc - 1, row = padded / pc - 1;
    return {(static_cast<float>(col) + 0.5f) * cell_, (static_cast<float>(row) + 0.5f) * cell_};
}

int FlowField::snapped_padded(Vec2 p) const noexcept {
    if (!complete_ || cols_ == 0 || cost_.empty()) return -1;
    const float inv = 1.0f / cell_;
    const int col = clamped_coord(p.x, inv, cols_);
    const int row = clamped_coord(p.y, inv, rows_);
    const int pc = cols_ + 2;
    const auto walkable = [&](int c, int r) { return cost_[idx((r + 1) * pc + c + 1)] != kBlocked; };
    const int cell = nearest_cell(p, col, row, cols_, rows_, cell_, kSnapCells, walkable);
    if (cell < 0) return -1;
    return (cell / cols_ + 1) * pc + cell % cols_ + 1;
}

int FlowField::descend(int padded) const noexcept {
    int best = padded;
    std::uint32_t best_cost = cost_[idx(padded)];
    for_each_move(
        padded, cols_ + 2, [this](int n) { return cost_[idx(n)] != kBlocked; },
        [&](int n, std::uint32_t) {
            if (cost_[idx(n)] < best_cost) {
                best = n;
                best_cost = cost_[idx(n)];
            }
        });
    return best;
}

bool FlowField::reachable(Vec2 p) const noexcept {
    const int s = snapped_padded(p);
    return s >= 0 && cost_[idx(s)] < kBlocked;
}

float FlowField::distance(Vec2 p) const noexcept {
    const int s = snapped_padded(p);
    if (s < 0 || cost_[idx(s)] >= kBlocked) return std::numeric_limits<float>::infinity();
    if (s == goal_cell_) return mgs::distance(p, goal_target_);
    const float grid = static_cast<float>(cost_[idx(s)]) * cell_ / static_cast<float>(kStraightCost);
    // A point snapped onto the grid first walks to the centre of the cell it was snapped to.
    const int own = (clamped_coord(p.y, 1.0f / cell_, rows_) + 1) * (cols_ + 2) +
                    clamped_coord(p.x, 1.0f / cell_, cols_) + 1;
    return s == own ? grid : grid + mgs::distance(p, center_padded(s));
}

std::uint32_t FlowField::cost(int cell) const noexcept {
    if (!complete_ || cell < 0 || cell >= cols_ * rows_) return kUnreachable;
    const std::uint32_t c = cost_[idx((cell / cols_ + 1) * (cols_ + 2) + cell % cols_ + 1)];
    return c >= kBlocked ? kUnreachable : c;
}

Vec2 FlowField::direction(const NavGrid& nav, Vec2 p) const noexcept {
    if (goal_cell_ < 0 || nav.cols() != cols_ || nav.rows() != rows_) return {};
    const int s = snapped_padded(p);
    if (s < 0 || cost_[idx(s)] >= kBlocked) return {};
    if (s == goal_cell_) return normalized(goal_target_ - p);
    if (s != nav.padded_of(nav.cell_of(p))) return normalized(center_padded(s) - p); // back onto the grid

    int chain[kLookaheadCells];
    int n = 0;
    for (int cur = s; n < kLookaheadCells;) {
        cur = descend(cur);
        chain[n++] = cur;
        if (cur == goal_cell_) break;
    }
    // The first step is always in clear line: p's cell and the next one (with both cells beside
    // a diagonal move) form a convex walkable block.
    for (int i = n - 1; i >= 0; --i) {
        const Vec2 target = chain[i] == goal_cell_ ? goal_target_ : center_padded(chain[i]);
        if (i == 0 || nav.clear_line(p, target)) return normalized(target - p);
    }
    return {};
}

// --- A* -----------------------------------------------------------------------------------------

namespace {
/// Squared distance from point q to the segment a-b.
float segment_distance_sq(Vec2 a, Vec2 b, Vec2 q) {
    const Vec2 d = b - a;
    const float len2 = length_sq(d);
    const float t = len2 > 0.0f ? clampf(dot(q - a, d) / len2, 0.0f, 1.0f) : 0.0f;
    return distance_sq(a + d * t, q);
}
} // namespace

bool find_path(const NavGrid& nav, Vec2 from, Vec2 to, PathScratch& scratch, std::vector<Vec2>& out_waypoints,
               const PathThreats* threats) {
    out_waypoints.clear();
    const int s = nav.nearest_walkable(from, FlowField::kSnapCells);
    const int t = nav.nearest_walkable(to, FlowField::kSnapCells);
    if (s < 0 || t < 0) return false;

    const ZeroedVector<std::uint8_t>& walk = nav.padded_walkable();
    PathScratch& sc = scratch;
    if (sc.g.size() != walk.size()) {
        // Fresh zeroed arrays (no stamp anywhere), written only where searches go.
        sc.g = ZeroedVector<std::uint32_t>(walk.size());
        sc.parent = ZeroedVector<std::uint32_t>(walk.size());
        sc.seen = ZeroedVector<std::uint32_t>(walk.size());
        sc.closed = ZeroedVector<std::uint32_t>(walk.size());
        sc.stamp = 0;
    }
    if (++sc.stamp == 0) {
        std::fill(sc.seen.begin(), sc.seen.end(), 0u);
        std::fill(sc.closed.begin(), sc.closed.end(), 0u);
        sc.stamp = 1;
    }
    const std::uint32_t stamp = sc.stamp;
    const int pc = nav.padded_cols();
    const int ps = nav.padded_of(s), pt = nav.padded_of(t);

    // Min-heap on (f, h, cell): among equal f the cell nearer the goal first (fewer expansions),
    // then the lower index, so the search is deterministic.
    const auto later = [](const PathScratch::Open& a, const PathScratch::Open& b) {
        return std::tie(a.f, a.h, a.cell) > std::tie(b.f, b.h, b.cell);
    };
    sc.heap.clear();
    const std::uint32_t h0 = octile(ps, pt, pc);
    sc.g[idx(ps)] = 0;
    sc.seen[idx(ps)] = stamp;
    sc.parent[idx(ps)] = static_cast<std::uint32_t>(ps);
    sc.heap.push_back({h0, h0, static_cast<std::uint32_t>(ps)});
    bool found = false;
    const std::uint8_t* w = walk.data();
    while (!sc.heap.empty()) {
        std::pop_heap(sc.heap.begin(), sc.heap.end(), later);
        const PathScratch::Open top = sc.heap.back();
        sc.heap.pop_back();
        const auto c = static_cast<int>(top.cell);
        if (sc.closed[idx(c)] == stamp) continue;
        sc.closed[idx(c)] = stamp;
        if (c == pt) {
            found = true;
            break;
        }
        const std::uint32_t gc = sc.g[idx(c)];
        for_each_move(
            c, pc, [w](int n) { return w[n] != 0; },
            [&](int n, std::uint32_t step) {
                const auto ni = idx(n);
                if (sc.closed[ni] == stamp) return;
                std::uint32_t ng = gc + step;
                if (threats != nullptr) {
                    const Vec2 at = nav.center(nav.unpadded_of(n));
                    for (const Vec2 q : threats->points)
                        if (distance_sq(at, q) < threats->radius * threats->radius) ng += threats->extra_cost;
                }
                if (sc.seen[ni] == stamp && ng >= sc.g[ni]) return;
                sc.seen[ni] = stamp;
                sc.g[ni] = ng;
                sc.parent[ni] = static_cast<std::uint32_t>(c);
                const std::uint32_t h = octile(n, pt, pc);
                sc.heap.push_back({ng + h, h, static_cast<std::uint32_t>(n)});
                std::push_heap(sc.heap.begin(), sc.heap.end(), later);
            });
    }
    if (!found) return false;

    // Cell path, start first.
    sc.cells.clear();
    for (auto c = static_cast<std::uint32_t>(pt);; c = sc.parent[c]) {
        sc.cells.push_back(c);
        if (c == static_cast<std::uint32_t>(ps)) break;
    }
    std::reverse(sc.cells.begin(), sc.cells.end());

    // String-pulling candidates: the second cell, every cell where the path turns, the last
    // cell, then `to`. Consecutive candidates are joined by a straight run of grid moves, which
    // is always a clear line, so the greedy pass below always makes progress.
    const bool snap_from = s != nav.cell_of(from);
    const bool snap_to = t != nav.cell_of(to);
    const std::size_t m = sc.cells.size();
    sc.candidates.clear();
    const auto centre = [&](std::uint32_t padded) {
        return nav.center(nav.unpadded_of(static_cast<int>(padded)));
    };
    for (std::size_t i = 1; i < m; ++i) {
        const bool turn = i + 1 < m && sc.cells[i] - sc.cells[i - 1] != sc.cells[i + 1] - sc.cells[i];
        if (i == 1 || i + 1 == m || turn) sc.candidates.push_back(centre(sc.cells[i]));
    }
    if (!snap_to) sc.candidates.push_back(to);

    out_waypoints.push_back(from);
    if (snap_from) out_waypoints.push_back(nav.center(s));
    Vec2 anchor = out_waypoints.back();
    const std::size_t k = sc.candidates.size();
    for (std::size_t a = 0; a < k;) {
        std::size_t j = a; // the next candidate is always reachable in a straight line
        const auto safe = [&](Vec2 b) {
            if (threats == nullptr) return true;
            for (const Vec2 q : threats->points)
                if (segment_distance_sq(anchor, b, q) < threats->radius * threats->radius) return false;
            return true;
        };
        while (j + 1 < k && nav.clear_line(anchor, sc.candidates[j + 1]) && safe(sc.candidates[j + 1])) ++j;
        anchor = sc.candidates[j];
        out_waypoints.push_back(anchor);
        a = j + 1;
    }
    if (snap_to) {
        if (out_waypoints.back() != nav.center(t)) out_waypoints.push_back(nav.center(t));
        out_waypoints.push_back(to);
    }
    return true;
}

} // namespace mgs::ai
