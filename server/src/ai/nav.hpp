#pragma once
// Bot navigation: a walkability grid, one shared distance field per goal, and A* for one-off
// routes. Why this shape: tens of thousands of bots mostly head for a handful of goals (two flag
// stands, a carrier, a few pickups), so the expensive part, a search over the whole map, is done
// once per goal (FlowField) and every bot reads its steering from it in O(lookahead) per tick.
// A* (find_path) is for the rare bot with a goal of its own. Everything is dense arrays indexed
// by cell, with no per-cell allocation and no pointer-keyed containers, so results are
// deterministic and searches on different goals run on different threads with no locking.
//
//   walls:   +------------------+   nav grid (clearance c):   # # # # # # # # # #
//            |        ##        |                              # . . . # # . . G #
//            |   S    ##        |                              # . S . # # . . . #
//            |                  |                              # . . . . . . . . #
//            +------------------+                              # # # # # # # # # #
//
//   flow field from G (10 straight, 14 diagonal)     direction(S) looks a few cells down the
//     86  82  78   #   #  20  10   G                  descent and steers to the farthest one in
//     82   S  68   #   #  24  14  10                  clear line, so bots walk straight legs
//     78  68  58  48  38  28  24  20                  instead of grid zig-zags:  S -> 48 -> G
//
// A cell is walkable when a circle of `clearance` at its centre overlaps no alive wall. Any point
// of a walkable cell is then at least clearance - cell * sqrt(2) / 2 from every wall, and a
// segment for which clear_line holds only crosses walkable cells: a caller that wants a player
// of radius r never to touch a wall while it follows the grid builds it with
// clearance >= r + cell * sqrt(2) / 2 (r = 15, cell = 16: clearance 26.5). A coarser grid with
// clearance = r is cheaper and lets the simulation's push-out absorb the occasional graze.
//
// Moves between diagonal neighbours are allowed only when both cells beside the move are
// walkable too (no corner cutting). This forbids squeezing between two blocked cells and also
// grazing a single blocked corner; connectivity is the same as with 4-neighbour moves, and any
// straight run of grid moves is a clear_line.
#include "ai/zeroed_allocator.hpp"
#include "core/parallel.hpp"
#include "world/map.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace mgs::ai {

/// Walkability grid built from a Map. Cell (col, row) covers [col * cell, (col + 1) * cell) x
/// [row * cell, (row + 1) * cell); cell indices are row-major, row * cols() + col. Readers are
/// const and thread-safe; build and update_wall need exclusive access.
class NavGrid {
public:
    /// Builds the grid over [0, width] x [0, height]. A cell is walkable when a circle of
    /// `clearance` wu at its centre overlaps no alive wall (touching is fine) and lies inside the
    /// world. `wall_alive` is indexed like map.walls (nullptr = all alive). Resets version() to 0.
    /// With an executor, bands of rows are built in parallel (same result).
    void build(const world::Map& map, float cell_size, float clearance, const std::uint8_t* wall_alive,
               Executor* exec = nullptr);

    /// Re-evaluates only the cells near wall `w` after it was destroyed or respawned, given the
    /// new alive mask (nullptr = all alive). Returns true, and bumps version(), when any cell
    /// changed. The result is identical to a full build with the same mask.
    bool update_wall(const world::Map& map, std::uint32_t w, const std::uint8_t* wall_alive);

    [[nodiscard]] int cols() const noexcept { return cols_; }
    [[nodiscard]] int rows() const noexcept { return rows_; }
    [[nodiscard]] int cell_count() const noexcept { return cols_ * rows_; }
    [[nodiscard]] float cell_size() const noexcept { return cell_; }
    [[nodiscard]] float clearance() const noexcept { return clearance_; }
    /// Incremented each time update_wall changes a cell; flow fields record it to detect staleness.
    [[nodiscard]] std::uint32_t version() const noexcept { return version_; }

    /// Cell holding `p`, clamped to the grid (a point outside the world maps to the nearest cell).
    [[nodiscard]] int cell_of(Vec2 p) const noexcept;
    /// Centre of `cell` (0 <= cell < cell_count()).
    [[nodiscard]] Vec2 center(int cell) const noexcept;
    /// True when `cell` is walkable; false for indices outside the grid.
    [[nodiscard]] bool walkable(int cell) const noexcept;
    /// The walkable cell whose centre is nearest to `p` (ties: lower index) within a square of
    /// `max_radius_cells` around cell_of(p); the cell holding `p` itself when it is walkable.
    /// -1 if none.
    [[nodiscard]] int nearest_walkable(Vec2 p, int max_radius_cells = 8) const noexcept;
    /// True when every cell the segment a-b passes through is walkable (a segment through a
    /// cell corner counts both cells beside the corner). Points outside the grid are never clear.
    [[nodiscard]] bool clear_line(Vec2 a, Vec2 b) const noexcept;

    // Padded layout shared with FlowField and find_path: one ring of blocked cells around the
    // grid so neighbour loops need no bounds checks. Not part of the public contract.
    [[nodiscard]] int padded_cols() const noexcept { return cols_ + 2; }
    [[nodiscard]] int padded_of(int cell) const noexcept {
        return (cell / cols_ + 1) * (cols_ + 2) + cell % cols_ + 1;
    }
    [[nodiscard]] int unpadded_of(int padded) const noexcept {
        return (padded / (cols_ + 2) - 1) * cols_ + padded % (cols_ + 2) - 1;
    }
    [[nodiscard]] const ZeroedVector<std::uint8_t>& padded_walkable() const noexcept { return walk_; }

private:
    /// Counts the walls' cover of rows [row_begin, row_end) and sets their walkability.
    void build_rows(const world::Map& map, int row_begin, int row_end, bool clear);
    /// Adds `delta` to the blocker count of the cells near `box` in rows [row_begin, row_end).
    void cover_wall(const Aabb& box, int delta, bool* changed, int row_begin = 0,
                    int row_end = std::numeric_limits<int>::max());
    [[nodiscard]] bool inside_world(int col, int row) const noexcept;

    float cell_ = 32.0f;
    float inv_cell_ = 1.0f / 32.0f;
    float clearance_ = 0.0f;
    float width_ = 0.0f;
    float height_ = 0.0f;
    int cols_ = 0;
    int rows_ = 0;
    std::uint32_t version_ = 0;
    ZeroedVector<std::uint8_t> walk_;      ///< padded (cols + 2) x (rows + 2), 1 = walkable
    ZeroedVector<std::uint16_t> blockers_; ///< per cell: alive walls within clearance of the centre
    std::vector<std::uint8_t> alive_;      ///< per wall: the alive state the grid reflects
};

/// Distance field to one goal over a NavGrid: one search shared by every bot heading to that
/// goal. Owns its buffers; searches on several fields from several threads at once are safe (the
/// NavGrid is only read). Queries are const and thread-safe.
///
/// A search runs in one go (compute) or in slices (begin, then advance with a budget each tick),
/// so a search over a big grid never lands in a single tick. Both give the same field, bit for
/// bit. A search has two stages, both sliced:
///
///   fill     cost array <- the grid's walkability (blocked cells marked), one cell at a time;
///            starts over if the grid changes before it is done, so the field is always the
///            search of one grid version, the one nav_version() reports
///   search   Dial's algorithm over the filled array, which never reads the NavGrid again: walls
///            that change meanwhile do not reach it (the caller sees nav_version() is older and
///            searches again later)
///
/// Budgets are in queue entries (about one per grid cell). Filling a cell costs one entry the
/// first time this field's memory holds it (a page fault per 4 KiB on fresh memory, which on the
/// project's virtual machine costs as much as expanding those cells) and 1/16 afterwards.
/// Queries answer only once the search is complete; a caller that needs an answer every tick
/// keeps two fields per goal and swaps them when the new one is complete (ai::Bots does).
class FlowField {
public:
    static constexpr std::uint32_t kUnreachable = std::numeric_limits<std::uint32_t>::max();

    /// Dijkstra (bucketed queue, costs 10 straight / 14 diagonal) from the walkable cell nearest
    /// to `goal` over the whole grid. O(cells). When no walkable cell is near the goal, nothing
    /// is reachable. Same as begin() followed by advance() until it returns true.
    void compute(const NavGrid& nav, Vec2 goal);

    /// Starts a search toward `goal` on `nav`. O(1) (the buffers grow, without being written,
    /// when the grid is bigger than any before). Until the search completes, queries answer as
    /// for a field never computed.
    void begin(const NavGrid& nav, Vec2 goal);
    /// Continues the search with at most `budget` queue entries of work (see above); `nav` must
    /// be the grid given to begin(), possibly changed since. Returns true when the search is
    /// complete (at once if it already was). The result depends only on the grid and the goal,
    /// never on how the budget was split.
    bool advance(const NavGrid& nav, std::size_t budget);
    /// True when the last search started has finished.
    [[nodiscard]] bool complete() const noexcept { return complete_; }
    /// Queue entries the current search has taken off its queue so far (the fill not counted).
    [[nodiscard]] std::size_t expanded() const noexcept { return expanded_; }

    /// True when the goal can be reached from `p` (p is snapped to a nearby walkable cell when
    /// its own cell is blocked, as for every query below).
    [[nodiscard]] bool reachable(Vec2 p) const noexcept;
    /// Grid path length from `p` to the goal in wu (octile metric, within 8% of the true length
    /// of that path), +inf if unreachable.
    [[nodiscard]] float distance(Vec2 p) const noexcept;
    /// Unit steering direction from `p` toward the goal: follows the field downhill, looking
    /// kLookaheadCells down the descent and taking the farthest cell in clear line, so bots walk
    /// straight lines instead of grid zig-zags. {0,0} at the goal, when unreachable, or when
    /// `nav` is not the grid the field was computed on (different size).
    [[nodiscard]] Vec2 direction(const NavGrid& nav, Vec2 p) const noexcept;

    /// Raw cost of a cell (index as NavGrid), 10 per cell step; kUnreachable if unreachable or
    /// while the search is not complete.
    [[nodiscard]] std::uint32_t cost(int cell) const noexcept;
    /// The goal of the last search started (complete or not).
    [[nodiscard]] Vec2 goal() const noexcept { return goal_; }
    /// The nav.version() the field was searched on (once complete): a newer nav version means
    /// walls changed since.
    [[nodiscard]] std::uint32_t nav_version() const noexcept { return nav_version_; }

    static constexpr int kLookaheadCells = 8;
    /// How far (in cells) a point whose own cell is blocked is snapped to a walkable one.
    static constexpr int kSnapCells = 3;
    /// Cells filled per budget entry once the field's memory has held them before.
    static constexpr std::size_t kWarmFillPerEntry = 16;

private:
    // Cells that are not walkable hold kBlocked, so queries can snap without the NavGrid and the
    // search runs on the walkability of the grid the fill copied.
    static constexpr std::uint32_t kBlocked = kUnreachable - 1;
    static constexpr std::uint32_t kBuckets = 16;

    /// Fill stage; returns the budget it used, and seeds the search when the fill is done.
    [[nodiscard]] std::size_t fill(const NavGrid& nav, std::size_t budget);
    [[nodiscard]] int snapped_padded(Vec2 p) const noexcept;
    [[nodiscard]] int descend(int padded) const noexcept;
    [[nodiscard]] Vec2 center_padded(int padded) const noexcept;

    Vec2 goal_{};
    Vec2 goal_target_{}; ///< the goal, or the centre of its cell when it was snapped
    int goal_cell_ = -1; ///< padded index
    int cols_ = 0;
    int rows_ = 0;
    float cell_ = 0.0f;
    std::uint32_t nav_version_ = 0;
    bool complete_ = false;
    // Between slices: how much of the cost array is filled (and from which grid version), how
    // much of it has ever been written (warm memory); then the search (Dial's algorithm): the
    // cost being expanded, the position in its bucket, the queued entries, the entries taken.
    std::size_t filled_ = 0;
    std::size_t warm_ = 0;
    std::uint32_t search_cost_ = 0;
    std::size_t bucket_pos_ = 0;
    std::size_t pending_ = 0;
    std::size_t expanded_ = 0;
    ZeroedVector<std::uint32_t> cost_; ///< padded, like NavGrid's walkable array
    std::vector<std::uint32_t> buckets_[kBuckets];
};

/// Reusable buffers for find_path: after the first search on a grid, searches do not allocate.
/// One scratch per thread.
struct PathScratch {
    struct Open {
        std::uint32_t f;
        std::uint32_t h;
        std::uint32_t cell;
    };
    // Grid-sized, zero on allocation without being written (ZeroedVector): a search touches only
    // the pages of the cells it visits, not 4 x 2.5 MiB on the massive map's first search.
    ZeroedVector<std::uint32_t> g;      ///< padded, valid where seen == stamp
    ZeroedVector<std::uint32_t> parent; ///< padded index of the predecessor
    ZeroedVector<std::uint32_t> seen;   ///< stamp when g was set
    ZeroedVector<std::uint32_t> closed; ///< stamp when expanded
    std::vector<Open> heap;             ///< binary heap ordered by (f, h, cell)
    std::vector<std::uint32_t> cells;   ///< the cell path, goal first
    std::vector<Vec2> candidates;       ///< string-pulling candidates
    std::uint32_t stamp = 0;
};

/// Places to keep away from (enemies a flag carrier has seen): every grid step into a cell
/// within `radius` of a point costs `extra_cost` more per point (a straight step costs 10), and
/// smoothing never shortcuts within `radius` of a point. Costs only grow, so the octile
/// heuristic stays admissible and the route is the cheapest: the safest rather than the shortest.
struct PathThreats {
    std::span<const Vec2> points;
    float radius = 250.0f;
    std::uint32_t extra_cost = 60;
};

/// A* over `nav` from `from` to `to` (octile heuristic, same moves and costs as FlowField), then
/// string pulling with clear_line. On success `out_waypoints` starts with `from`, ends with `to`
/// and each consecutive pair is a clear_line (when an endpoint's own cell is blocked, the
/// nearby walkable cell's centre it was snapped to is put next to it, and that one leg is not
/// guaranteed clear). Returns false, with `out_waypoints` empty, when there is no route.
/// Deterministic; thread-safe with one scratch per thread.
bool find_path(const NavGrid& nav, Vec2 from, Vec2 to, PathScratch& scratch, std::vector<Vec2>& out_waypoints,
               const PathThreats* threats = nullptr);

} // namespace mgs::ai
