#include "world/map_gen.hpp"

#include "core/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

namespace mgs::world {
namespace {

// One seed stream per phase: a change in how one phase draws leaves the draws of the others, and
// the parts of the map they make, unchanged.
constexpr std::uint64_t kStreamObstacles = 1;
constexpr std::uint64_t kStreamPickups = 2;
constexpr std::uint64_t kStreamSpawns = 3;

// Bases. The flag stand sits this fraction of the width in from its end, but never so close to
// the border that the base walls behind it would crowd the border.
constexpr float kFlagInsetFraction = 0.09f;
constexpr float kFlagInsetMaxFraction = 0.25f;
constexpr float kBaseAreaWidth = 350.0f;
constexpr float kBaseAreaHeight = 500.0f;

// Base walls, Red's side (Blue's are the mirror image), distances from the flag stand:
//
//        +---------------------+         bar: y in [fy - 120 - 20, fy - 120], x in fx +- 100
//        |  +------------------+
//        |  |                            leg: x in [fx - 100, fx - 80], down to fy - gap/2
//        +--+
//                  F   ->  (front, toward the enemy)
//        +--+
//        |  |
//        |  +------------------+
//        +---------------------+
//
// Every base wall is at least 80 wu from the flag stand; the front is open and the gap behind
// is wide enough for two clearances, so the two L shapes are separate clusters.
constexpr float kBaseBarHalfLength = 100.0f;
constexpr float kBaseBarDistance = 120.0f;
constexpr float kBaseLegDistance = 80.0f;
constexpr float kBaseWallThickness = 20.0f;
constexpr float kBaseBackGapHalf = 50.0f;

// Obstacles.
constexpr float kLaneFraction = 0.1f; // of the obstacle budget spent on lanes, placed first
constexpr float kLaneThickness = 24.0f;
constexpr float kLaneMinLength = 400.0f;
constexpr float kLaneMaxLength = 1100.0f;
constexpr float kLaneMaxFractionOfSide = 0.6f;
constexpr float kLaneSegmentMin = 120.0f;
constexpr float kLaneSegmentMax = 320.0f;
constexpr float kLaneGapExtraMin = 20.0f;  // a lane's gaps are two clearances plus this much...
constexpr float kLaneGapExtraMax = 100.0f; // ...to this much
constexpr float kPillarSize = 40.0f;
constexpr float kNodeSize = 40.0f;
constexpr float kCoverThickness = 20.0f;
constexpr float kCoverMinLength = 80.0f;
constexpr float kCoverMaxLength = 140.0f;
constexpr int kAttemptsPerObstacle = 20;
constexpr float kBucketWu = 256.0f;

// Points (pickups, spawns). The required clearance is player_radius + 5; the extra margin keeps
// the cell that holds a point free in a checker grid as coarse as 16 wu (connectivity.hpp).
constexpr float kPointClearanceExtra = 12.0f;
constexpr float kPointFlagDistance = 60.0f;
constexpr float kPickupSpacing = 60.0f;
constexpr float kSpawnSpacing = 40.0f;
constexpr float kBaseSpawnStep = 70.0f;
constexpr float kTeamSpawnFloorWu2 = 1000.0f * 1000.0f; // one extra team spawn per this much half
constexpr float kFfaSpawnFloorWu2 = 800.0f * 800.0f;
constexpr std::size_t kMinFfaSpawns = 16;
constexpr int kAttemptsPerPoint = 24;

constexpr std::size_t kPickupKinds = static_cast<std::size_t>(PickupKind::Count);
/// Relative frequency of each pickup kind, indexed by PickupKind: health and ammo are the
/// staples, weapon crates and power-ups rarer, the sniper crate rarest.
constexpr std::array<std::uint32_t, kPickupKinds> kPickupWeights = {26, 26, 9, 9, 6, 8, 8, 8};

/// Boxes bucketed on a uniform grid: overlap queries touch only the buckets they cover, which
/// keeps placement linear in the number of obstacles (the massive map places ~9000 clusters).
class RectBuckets {
public:
    RectBuckets(float width, float height, float bucket_wu)
        : inv_bucket_(1.0f / bucket_wu), cols_(std::max(1, static_cast<int>(std::ceil(width / bucket_wu)))),
          rows_(std::max(1, static_cast<int>(std::ceil(height / bucket_wu)))),
          buckets_(static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_)) {}

    void insert(const Aabb& box) {
        const auto id = static_cast<std::uint32_t>(boxes_.size());
        boxes_.push_back(box);
        for (int r = row_of(box.min.y); r <= row_of(box.max.y); ++r) {
            for (int c = col_of(box.min.x); c <= col_of(box.max.x); ++c) bucket(c, r).push_back(id);
        }
    }

    /// True when a stored box overlaps `area` (touching does not count).
    [[nodiscard]] bool overlaps(const Aabb& area) const {
        return any_near(area, [&](const Aabb& b) { return b.overlaps(area); });
    }

    /// True when a stored box overlaps the circle (touching does not count). A stored point (a
    /// degenerate box) overlaps when it lies closer than `radius` to `center`.
    [[nodiscard]] bool overlaps_circle(Vec2 center, float radius) const {
        return any_near(Aabb{center, center}.inflated(radius),
                        [&](const Aabb& b) { return circle_overlaps_box(center, radius, b); });
    }

private:
    template <class Pred> [[nodiscard]] bool any_near(const Aabb& area, Pred&& pred) const {
        for (int r = row_of(area.min.y); r <= row_of(area.max.y); ++r) {
            for (int c = col_of(area.min.x); c <= col_of(area.max.x); ++c) {
                for (const std::uint32_t id : bucket(c, r)) {
                    if (pred(boxes_[id])) return true;
                }
            }
        }
        return false;
    }
    [[nodiscard]] int col_of(float x) const noexcept {
        return std::clamp(static_cast<int>(std::floor(x * inv_bucket_)), 0, cols_ - 1);
    }
    [[nodiscard]] int row_of(float y) const noexcept {
        return std::clamp(static_cast<int>(std::floor(y * inv_bucket_)), 0, rows_ - 1);
    }
    [[nodiscard]] std::size_t bucket_index(int c, int r) const noexcept {
        return static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(c);
    }
    std::vector<std::uint32_t>& bucket(int c, int r) { return buckets_[bucket_index(c, r)]; }
    [[nodiscard]] const std::vector<std::uint32_t>& bucket(int c, int r) const {
        return buckets_[bucket_index(c, r)];
    }

    float inv_bucket_;
    int cols_;
    int rows_;
    std::vector<Aabb> boxes_;
    std::vector<std::vector<std::uint32_t>> buckets_;
};

/// Enforces the connectivity invariant of map_gen.hpp: a cluster is accepted only when each of
/// its rectangles, inflated by the clearance, lies inside the border inflated by the clearance
/// and overlaps no other accepted cluster's inflated rectangle.
class ClusterPlacer {
public:
    ClusterPlacer(const MapParams& params, std::vector<WallDef>& walls)
        : walls_(walls), buckets_(params.width, params.height, kBucketWu),
          clearance_(2.0f * params.player_radius + 10.0f) {
        const float lo = params.border_thickness + 2.0f * clearance_;
        allowed_ = {{lo, lo}, {params.width - lo, params.height - lo}};
    }

    /// Where a wall of a cluster may lie: the inside of the border, less two clearances.
    [[nodiscard]] const Aabb& allowed() const noexcept { return allowed_; }
    [[nodiscard]] float clearance() const noexcept { return clearance_; }

    /// Regions that random obstacles keep out of (the bases: flag surroundings, spawn areas).
    void add_keep_out(const Aabb& area) { keep_out_.push_back(area); }

    /// Adds the cluster's walls and returns true when the cluster keeps the invariant (and,
    /// when `respect_keep_out`, its inflated rectangles stay out of the keep-out regions).
    bool try_place(std::span<const Aabb> rects, std::int16_t max_health, bool respect_keep_out) {
        for (const Aabb& r : rects) {
            if (r.min.x < allowed_.min.x || r.min.y < allowed_.min.y || r.max.x > allowed_.max.x ||
                r.max.y > allowed_.max.y) {
                return false;
            }
            const Aabb grown = r.inflated(clearance_);
            if (buckets_.overlaps(grown)) return false;
            if (respect_keep_out) {
                for (const Aabb& k : keep_out_) {
                    if (grown.overlaps(k)) return false;
                }
            }
        }
        for (const Aabb& r : rects) {
            buckets_.insert(r.inflated(clearance_));
            walls_.push_back({r, max_health});
        }
        return true;
    }

private:
    std::vector<WallDef>& walls_;
    RectBuckets buckets_;
    float clearance_;
    Aabb allowed_;
    std::vector<Aabb> keep_out_;
};

[[nodiscard]] Aabb mirror_x(const Aabb& b, float width) noexcept {
    return {{width - b.max.x, b.min.y}, {width - b.min.x, b.max.y}};
}

[[nodiscard]] Aabb clamp_box(const Aabb& b, const Aabb& limit) noexcept {
    return {{std::max(b.min.x, limit.min.x), std::max(b.min.y, limit.min.y)},
            {std::min(b.max.x, limit.max.x), std::min(b.max.y, limit.max.y)}};
}

void add_border(const MapParams& p, Map& map) {
    const float w = p.width, h = p.height, t = p.border_thickness;
    map.walls.push_back({{{0.0f, 0.0f}, {w, t}}, 0});
    map.walls.push_back({{{0.0f, h - t}, {w, h}}, 0});
    map.walls.push_back({{{0.0f, t}, {t, h - t}}, 0});
    map.walls.push_back({{{w - t, t}, {w, h - t}}, 0});
}

void add_bases(const MapParams& p, ClusterPlacer& placer, Map& map) {
    const float w = p.width, h = p.height, t = p.border_thickness;
    const float min_inset = placer.allowed().min.x + kBaseLegDistance + kBaseWallThickness + 10.0f;
    const float fx = std::min(std::max(kFlagInsetFraction * w, min_inset), kFlagInsetMaxFraction * w);
    const float fy = 0.5f * h;
    const Aabb inner{{t, t}, {w - t, h - t}};
    const Aabb red_area{{fx - 0.5f * kBaseAreaWidth, fy - 0.5f * kBaseAreaHeight},
                        {fx + 0.5f * kBaseAreaWidth, fy + 0.5f * kBaseAreaHeight}};
    map.bases[0] = {{fx, fy}, clamp_box(red_area, inner)};
    map.bases[1] = {{w - fx, fy}, clamp_box(mirror_x(red_area, w), inner)};

    // Red's two L shapes; Blue gets their mirror image so that neither side is favoured.
    const float gap_half = std::max(kBaseBackGapHalf, placer.clearance() + 5.0f);
    const float bar_x0 = fx - kBaseBarHalfLength, bar_x1 = fx + kBaseBarHalfLength;
    const float leg_x1 = fx - kBaseLegDistance, leg_x0 = leg_x1 - kBaseWallThickness;
    for (const float side : {-1.0f, 1.0f}) {
        // side = -1: above the flag, +1: below. Inner face at fy + side * distance.
        const float inner_y = fy + side * kBaseBarDistance;
        const float outer_y = inner_y + side * kBaseWallThickness;
        const float leg_end_y = fy + side * gap_half;
        std::array<Aabb, 2> red{};
        std::size_t n = 0;
        red[n++] = {{bar_x0, std::min(inner_y, outer_y)}, {bar_x1, std::max(inner_y, outer_y)}};
        if (gap_half < kBaseBarDistance) {
            red[n++] = {{leg_x0, std::min(inner_y, leg_end_y)}, {leg_x1, std::max(inner_y, leg_end_y)}};
        }
        std::array<Aabb, 2> blue{};
        for (std::size_t i = 0; i < n; ++i) blue[i] = mirror_x(red[i], w);
        // On a world too small for them the base walls are left out rather than break the
        // invariant.
        (void)placer.try_place(std::span<const Aabb>(red.data(), n), 0, false);
        (void)placer.try_place(std::span<const Aabb>(blue.data(), n), 0, false);
    }
    placer.add_keep_out(map.bases[0].area);
    placer.add_keep_out(map.bases[1].area);
}

[[nodiscard]] std::int16_t draw_health(Rng& rng, const MapParams& p, bool may_be_destructible) {
    if (!may_be_destructible || !rng.chance(p.destructible_fraction)) return 0;
    const auto n = static_cast<std::uint32_t>(p.destructible_health.size());
    return std::max<std::int16_t>(0, p.destructible_health[rng.below(n)]);
}

/// A long straight wall broken into segments; each segment is its own cluster, and the gaps
/// between them exceed two clearances. Returns true when at least one segment was placed.
bool place_lane(Rng& rng, ClusterPlacer& placer) {
    const Aabb& a = placer.allowed();
    const bool horizontal = rng.chance(0.5f);
    const float along = horizontal ? a.width() : a.height();
    const float across = horizontal ? a.height() : a.width();
    const float max_len = std::min(kLaneMaxLength, kLaneMaxFractionOfSide * along);
    if (max_len < kLaneSegmentMin || across < kLaneThickness) return false;
    const float len = rng.range(std::min(kLaneMinLength, max_len), max_len);
    const float start = rng.range(0.0f, along - len);
    const float offset = rng.range(0.0f, across - kLaneThickness);
    const float end = start + len;
    bool placed = false;
    for (float pos = start; pos < end;) {
        const float seg = std::min(rng.range(kLaneSegmentMin, kLaneSegmentMax), end - pos);
        if (seg < 0.5f * kLaneSegmentMin) break;
        const Aabb box = horizontal ? Aabb{{a.min.x + pos, a.min.y + offset},
                                           {a.min.x + pos + seg, a.min.y + offset + kLaneThickness}}
                                    : Aabb{{a.min.x + offset, a.min.y + pos},
                                           {a.min.x + offset + kLaneThickness, a.min.y + pos + seg}};
        placed = placer.try_place(std::span<const Aabb>(&box, 1), 0, true) || placed;
        pos += seg + 2.0f * placer.clearance() + rng.range(kLaneGapExtraMin, kLaneGapExtraMax);
    }
    return placed;
}

enum class ObstacleKind : std::uint8_t { Pillar, Cover, CoverL, Node };

/// One random cluster (pillar, cover wall, L-shaped cover or node) at a random place. Returns
/// true when it was placed.
bool place_obstacle(Rng& rng, const MapParams& p, ClusterPlacer& placer) {
    // Weights: pillars 30, straight cover 35, L cover 15, nodes 20.
    const std::uint32_t roll = rng.below(100);
    const ObstacleKind kind = roll < 30   ? ObstacleKind::Pillar
                              : roll < 65 ? ObstacleKind::Cover
                              : roll < 80 ? ObstacleKind::CoverL
                                          : ObstacleKind::Node;
    // Shape first, with its bounding box's min corner at the origin.
    std::array<Aabb, 2> rects{};
    std::size_t n = 1;
    Vec2 size{};
    switch (kind) {
    case ObstacleKind::Pillar:
        size = {kPillarSize, kPillarSize};
        break;
    case ObstacleKind::Node:
        size = {kNodeSize, kNodeSize};
        break;
    case ObstacleKind::Cover: {
        const float len = rng.range(kCoverMinLength, kCoverMaxLength);
        size = rng.chance(0.5f) ? Vec2{len, kCoverThickness} : Vec2{kCoverThickness, len};
        break;
    }
    case ObstacleKind::CoverL: {
        // A bar and a leg that touch along one edge: simply connected, never a pocket.
        const float t = kCoverThickness;
        const float bar = rng.range(kCoverMinLength, kCoverMaxLength);
        const float leg = rng.range(kCoverMinLength, kCoverMaxLength) - t;
        const bool bar_on_top = rng.chance(0.5f);
        const bool leg_on_left = rng.chance(0.5f);
        const float leg_x = leg_on_left ? 0.0f : bar - t;
        rects[0] = {{0.0f, bar_on_top ? 0.0f : leg}, {bar, bar_on_top ? t : leg + t}};
        rects[1] = {{leg_x, bar_on_top ? t : 0.0f}, {leg_x + t, bar_on_top ? t + leg : leg}};
        n = 2;
        size = {bar, t + leg};
        break;
    }
    }
    if (n == 1) rects[0] = {{0.0f, 0.0f}, size};
    const std::int16_t health = draw_health(rng, p, kind != ObstacleKind::Pillar);

    const Aabb& a = placer.allowed();
    if (a.width() < size.x || a.height() < size.y) return false;
    const Vec2 at{rng.range(a.min.x, a.max.x - size.x), rng.range(a.min.y, a.max.y - size.y)};
    for (std::size_t i = 0; i < n; ++i) rects[i] = {rects[i].min + at, rects[i].max + at};
    return placer.try_place(std::span<const Aabb>(rects.data(), n), health, true);
}

/// Returns the number of clusters placed (a lane counts once).
std::size_t add_obstacles(const MapParams& p, ClusterPlacer& placer) {
    Rng rng(hash_draw(p.seed, kStreamObstacles, 0));
    const float target_f = p.obstacles_per_mwu2 * (p.width * 1e-3f) * (p.height * 1e-3f);
    const auto target = static_cast<std::size_t>(std::max(0L, std::lround(target_f)));
    const auto lanes = static_cast<std::size_t>(std::lround(static_cast<float>(target) * kLaneFraction));
    std::size_t placed = 0;
    // Lanes first: long structures find room more easily in an empty world.
    for (std::size_t i = 0; i < lanes * kAttemptsPerObstacle && placed < lanes; ++i) {
        if (place_lane(rng, placer)) ++placed;
    }
    for (std::size_t i = 0; i < target * kAttemptsPerObstacle && placed < target; ++i) {
        if (place_obstacle(rng, p, placer)) ++placed;
    }
    return placed;
}

/// What a pickup or spawn point must keep clear of.
struct PointRules {
    const RectBuckets* walls = nullptr; ///< every wall, border included
    float clearance = 0.0f;             ///< minimum distance to any wall
    std::array<Vec2, 2> flags{};
    float flag_distance = 0.0f;    ///< minimum distance to either flag stand
    RectBuckets* placed = nullptr; ///< points of the same set placed so far
    float spacing = 0.0f;          ///< minimum distance between points of the set

    [[nodiscard]] bool accepts(Vec2 q) const {
        for (const Vec2 f : flags) {
            if (distance_sq(q, f) < flag_distance * flag_distance) return false;
        }
        return !walls->overlaps_circle(q, clearance) && !placed->overlaps_circle(q, spacing);
    }
    void accept(Vec2 q, std::vector<Vec2>& out) const {
        placed->insert({q, q});
        out.push_back(q);
    }
};

/// Adds about `count` points spread evenly over `region`: the region is cut into at least
/// `count` cells, surplus cells are skipped at random, and each remaining cell gets one point at
/// a random acceptable place in it. Cells mostly covered by walls may find none; the shortfall is
/// then drawn anywhere in the region.
void scatter_points(Rng& rng, const Aabb& region, std::size_t count, const PointRules& rules,
                    std::vector<Vec2>& out) {
    if (count == 0 || region.width() <= 0.0f || region.height() <= 0.0f) return;
    const float side = std::sqrt(region.width() * region.height() / static_cast<float>(count));
    const auto cols = static_cast<std::size_t>(std::max(1L, std::lround(region.width() / side)));
    const std::size_t rows = (count + cols - 1) / cols;
    const std::size_t cells = cols * rows;
    std::vector<std::uint8_t> skip(cells, 0);
    std::vector<std::size_t> order(cells);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = 0; i < cells - count; ++i) {
        const std::size_t j = i + rng.below(static_cast<std::uint32_t>(cells - i));
        std::swap(order[i], order[j]);
        skip[order[i]] = 1;
    }
    const float cw = region.width() / static_cast<float>(cols);
    const float ch = region.height() / static_cast<float>(rows);
    const std::size_t before = out.size();
    for (std::size_t k = 0; k < cells; ++k) {
        if (skip[k] != 0) continue;
        const std::size_t col = k % cols, row = k / cols;
        const float x0 = region.min.x + static_cast<float>(col) * cw;
        const float y0 = region.min.y + static_cast<float>(row) * ch;
        for (int attempt = 0; attempt < kAttemptsPerPoint; ++attempt) {
            const Vec2 q{x0 + rng.uniform() * cw, y0 + rng.uniform() * ch};
            if (rules.accepts(q)) {
                rules.accept(q, out);
                break;
            }
        }
    }
    for (std::size_t attempt = 0; out.size() - before < count && attempt < count * kAttemptsPerPoint;
         ++attempt) {
        const Vec2 q{rng.range(region.min.x, region.max.x), rng.range(region.min.y, region.max.y)};
        if (rules.accepts(q)) rules.accept(q, out);
    }
}

void add_pickups(const MapParams& p, const RectBuckets& walls, Map& map) {
    Rng rng(hash_draw(p.seed, kStreamPickups, 0));
    const float t = p.border_thickness;
    const Aabb inner{{t, t}, {p.width - t, p.height - t}};
    // Clusters never overlap one another, so the open floor is the inner area less their areas.
    float floor_wu2 = inner.width() * inner.height();
    for (std::size_t i = 4; i < map.walls.size(); ++i)
        floor_wu2 -= map.walls[i].box.width() * map.walls[i].box.height();
    const std::size_t count =
        p.floor_per_pickup_wu2 > 0.0f
            ? static_cast<std::size_t>(std::max(0L, std::lround(floor_wu2 / p.floor_per_pickup_wu2)))
            : 0;

    RectBuckets placed(p.width, p.height, kBucketWu);
    const PointRules rules{&walls,
                           p.player_radius + 5.0f + kPointClearanceExtra,
                           {map.bases[0].flag_stand, map.bases[1].flag_stand},
                           kPointFlagDistance,
                           &placed,
                           kPickupSpacing};
    std::vector<Vec2> spots;
    scatter_points(rng, inner, count, rules, spots);

    // Kinds: one of each when there is room (every kind exists on arena-size maps and up), the
    // rest drawn by weight, then shuffled over the spots.
    std::vector<PickupKind> kinds;
    kinds.reserve(spots.size());
    if (spots.size() >= kPickupKinds) {
        for (std::size_t k = 0; k < kPickupKinds; ++k) kinds.push_back(static_cast<PickupKind>(k));
    }
    const std::uint32_t total = std::accumulate(kPickupWeights.begin(), kPickupWeights.end(), 0U);
    while (kinds.size() < spots.size()) {
        std::uint32_t roll = rng.below(total);
        std::size_t k = 0;
        while (roll >= kPickupWeights[k]) roll -= kPickupWeights[k++];
        kinds.push_back(static_cast<PickupKind>(k));
    }
    for (std::size_t i = kinds.size(); i > 1; --i) {
        std::swap(kinds[i - 1], kinds[rng.below(static_cast<std::uint32_t>(i))]);
    }
    map.pickups.reserve(spots.size());
    for (std::size_t i = 0; i < spots.size(); ++i) map.pickups.push_back({spots[i], kinds[i]});
}

void add_spawns(const MapParams& p, const RectBuckets& walls, Map& map) {
    Rng rng(hash_draw(p.seed, kStreamSpawns, 0));
    const float t = p.border_thickness;
    const float w = p.width, h = p.height;
    const std::array<Vec2, 2> flags{map.bases[0].flag_stand, map.bases[1].flag_stand};
    const float clearance = p.player_radius + 5.0f + kPointClearanceExtra;

    // Team spawns: a lattice over each base area (the base walls and the flag stand skipped),
    // then about one point per 1000 x 1000 wu of the team's half.
    RectBuckets team_placed(w, h, kBucketWu);
    const PointRules team_rules{&walls, clearance, flags, kPointFlagDistance, &team_placed, kSpawnSpacing};
    for (std::size_t team = 0; team < 2; ++team) {
        // Stay strictly inside the own half: 1 wu short of the centre line.
        const Aabb half =
            team == 0 ? Aabb{{t, t}, {0.5f * w - 1.0f, h - t}} : Aabb{{0.5f * w + 1.0f, t}, {w - t, h - t}};
        const Aabb& area = map.bases[team].area;
        const auto cols = static_cast<int>(area.width() / kBaseSpawnStep);
        const auto rows = static_cast<int>(area.height() / kBaseSpawnStep);
        const float x0 = area.min.x + 0.5f * (area.width() - static_cast<float>(cols - 1) * kBaseSpawnStep);
        const float y0 = area.min.y + 0.5f * (area.height() - static_cast<float>(rows - 1) * kBaseSpawnStep);
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < cols; ++c) {
                const Vec2 q{x0 + static_cast<float>(c) * kBaseSpawnStep,
                             y0 + static_cast<float>(r) * kBaseSpawnStep};
                if (half.contains(q) && team_rules.accepts(q)) team_rules.accept(q, map.team_spawns[team]);
            }
        }
        const auto extra = static_cast<std::size_t>(0.5f * w * h / kTeamSpawnFloorWu2);
        scatter_points(rng, half, extra, team_rules, map.team_spawns[team]);
    }

    // Free-for-all spawns over the whole map.
    RectBuckets ffa_placed(w, h, kBucketWu);
    const PointRules ffa_rules{&walls, clearance, flags, kPointFlagDistance, &ffa_placed, kSpawnSpacing};
    const auto ffa = std::max(kMinFfaSpawns,
                              static_cast<std::size_t>(std::max(0L, std::lround(w * h / kFfaSpawnFloorWu2))));
    scatter_points(rng, {{t, t}, {w - t, h - t}}, ffa, ffa_rules, map.ffa_spawns);
}

} // namespace

Map generate_map(const MapParams& params) {
    Map map;
    map.width = params.width;
    map.height = params.height;
    map.seed = params.seed;

    add_border(params, map);
    ClusterPlacer placer(params, map.walls);
    add_bases(params, placer, map);
    (void)add_obstacles(params, placer);

    RectBuckets walls(params.width, params.height, kBucketWu);
    for (const WallDef& wall : map.walls) walls.insert(wall.box);
    add_pickups(params, walls, map);
    add_spawns(params, walls, map);
    return map;
}

} // namespace mgs::world
