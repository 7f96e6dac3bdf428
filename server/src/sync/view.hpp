#pragma once
// Area of interest and snapshot bookkeeping per client (Quake 3 model, DESIGN.md "State sync").
//
//   once per snapshot tick:  Frame::build(world)      quantise every syncable entity once, grid them
//   per client, in parallel: ClientView::snapshot()   entities near the client (with hysteresis),
//                                                     filled by priority into the byte budget,
//                                                     delta-encoded against the snapshot the
//                                                     client last acknowledged (or in full)
//
// Local ids: a client sees short ids (10 bits) that it keeps for an entity while the entity stays
// in view. An id freed when an entity leaves is reused only once the client has acknowledged a
// snapshot without it, so an old baseline never confuses two entities.
//
// Budget: entities in view compete by priority (accumulated every snapshot they are not sent,
// weighted by importance and nearness, reset when sent). An entity left out keeps its last sent
// state in the new snapshot (1 bit), so the client's picture stays complete, just older for it.
//
// The client's own player is outside that competition: it is admitted to the view before any
// other entity (so it has a local id from the client's first snapshot on) and its fresh state is
// in every snapshot, whatever the budget and the crowd.
//
// Cost (the sync's share of the server's CPU is per client and per snapshot, so this is the hot
// path): snapshot() writes the delta itself, trusting what it knows, instead of building the
// view and handing it to the validating encode_delta. The frame's entries are encodable and
// packed once per frame (Frame::packed); the baseline stays packed in the ring and is compared
// with them 16 bytes at a time; a changed entry's record is worked out once (delta_record), for
// the budget and for writing; the selection leaves the delta's exact size, so the bits go
// through a BitAppender with no check per value. What that path cannot write (a writer too small,
// a broken invariant) goes to encode_delta, so even a refused snapshot is the same bits.
//   per client-snapshot, syncbench --players 350 (~140 entities in view): ~46k instructions
//   (was ~143k when encode_delta re-validated and recomputed everything)

#include "sync/delta.hpp"
#include "sync/entity.hpp"

#include "core/geometry.hpp"
#include "sim/world.hpp"
#include "world/entity_grid.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace mgs::sync {

struct ViewConfig {
    float half_width = 1100.0f;      ///< the view rectangle around the client (a 1920-wide screen at
    float half_height = 700.0f;      ///< about 1 wu per pixel, plus margin)
    float hysteresis = 200.0f;       ///< an entity leaves only this far outside the rectangle
    std::size_t budget_bytes = 1060; ///< delta (+ effects) bytes per snapshot: the message stays under 1150
    std::uint32_t ring = 32;         ///< snapshots remembered per client (older acks get a full one)
};

/// Everything that can be synced this tick, quantised once and shared by all clients.
///
/// Entries come in two parts: the static ones (pickups, destructible walls) first, kept from
/// build to build and re-quantised only where the world changed them (a pickup taken, a wall hit),
/// in a grid built once per map; then the moving ones (players, projectiles, flags), quantised and
/// gridded anew every build. Static entries keep their frame index while the map stays.
class Frame {
public:
    explicit Frame(float world_width, float world_height);
    /// Quantises the world's players, projectiles and flags; updates pickups and destructible
    /// walls that changed since the last build (all of them when the map changed).
    void build(const sim::World& world);

    /// Entity key: kind in the top 8 bits, index in the kind's own array below.
    [[nodiscard]] static constexpr std::uint32_t key(EntityKind kind, std::uint32_t index) noexcept {
        return (static_cast<std::uint32_t>(kind) << 24) | index;
    }
    /// No entity (e.g. the own key of a spectator's view).
    static constexpr std::uint32_t kNoKey = UINT32_MAX;
    /// Frame index of the entity with `key`, or kNoKey if it is not in this frame.
    [[nodiscard]] std::uint32_t find(std::uint32_t key) const noexcept;
    /// Entities left out of the frame because they cannot be encoded: pickups and walls whose map
    /// index does not fit its field (16 bits), never on maps the configuration allows today;
    /// counted so that it is seen. Every entry of the frame is encodable.
    [[nodiscard]] std::size_t unsyncable() const noexcept { return unsyncable_; }
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
    /// Static entries (pickups and walls): frame indices [0, static_size()).
    [[nodiscard]] std::size_t static_size() const noexcept { return static_count_; }
    /// Static entries re-quantised by the last build (all of them after a map change).
    [[nodiscard]] std::size_t static_updates() const noexcept { return static_updates_; }
    [[nodiscard]] std::uint32_t key_at(std::uint32_t i) const noexcept { return keys_[i]; }
    [[nodiscard]] const QEntity& entity(std::uint32_t i) const noexcept { return q_[i]; }
    /// entity(i) packed (pack_entry) under local id 0, for the views to send and remember as is.
    [[nodiscard]] const PackedEntry& packed(std::uint32_t i) const noexcept { return packed_[i]; }
    [[nodiscard]] Vec2 position(std::uint32_t i) const noexcept { return pos_[i]; }
    [[nodiscard]] float importance(std::uint32_t i) const noexcept { return importance_[i]; }
    [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
    /// Calls fn(i) for frame entries whose cell overlaps `area`: static entries, then moving ones.
    template <class F> void for_each_in(const Aabb& area, F&& fn) const {
        static_grid_.for_each_in_rect(area, fn);
        const auto offset = static_cast<std::uint32_t>(static_count_);
        moving_grid_.for_each_in_rect(area, [&](std::uint32_t i) { fn(offset + i); });
    }

private:
    void add(std::uint32_t key, Vec2 pos, const QEntity& q, float importance);
    void set_entity(std::size_t i, const QEntity& q);
    void build_static(const sim::World& world);
    void update_static(const sim::World& world);

    world::EntityGrid static_grid_;
    world::EntityGrid moving_grid_;
    std::vector<std::uint32_t> keys_;
    std::vector<QEntity> q_;
    std::vector<PackedEntry> packed_; // q_ packed, local id 0
    std::vector<Vec2> pos_;
    std::vector<float> importance_;
    std::vector<Vec2> moving_pos_;     // positions of the moving entries (for their grid)
    std::vector<std::uint8_t> active_; // all 1: every entry is gridded
    std::array<std::vector<std::uint32_t>, static_cast<std::size_t>(EntityKind::Count)> index_of_; // per kind
    std::size_t static_count_ = 0;
    std::size_t static_updates_ = 0;
    std::uint64_t static_map_seed_ = 0;
    std::size_t static_map_walls_ = 0;
    bool static_built_ = false;
    std::size_t unsyncable_ = 0;
    std::uint32_t tick_ = 0;
};

/// Work shed under overload (app::OverloadLadder): smaller views, far entities less often.
struct Shedding {
    float view_scale = 1.0f; ///< the view rectangle's half-sizes are scaled by this (<= 1)
    /// Entities in the outer part of the view (beyond half of each half-size from the centre)
    /// are refreshed only on every far_refresh-th snapshot; they keep their last sent state in
    /// between (new ones wait). 1 = every snapshot.
    int far_refresh = 1;
};

/// A client's side of the sync: view membership, local ids, priorities and the snapshots it was
/// sent and has not acknowledged yet. One per client; a ClientView is used by one thread at a
/// time. What a snapshot needs only while it is being made (each member's fresh state, cost,
/// record and fate, the snapshot's entries, tables by frame index and by local id) lives in
/// per-thread scratch memory, not in the client.
class ClientView {
public:
    explicit ClientView(ViewConfig config = {});

    /// Builds and encodes the next snapshot for a client centred at `center` that acknowledged
    /// `acked` (0 = nothing yet, or a full snapshot is wanted). Writes the delta bits into `out`;
    /// returns the snapshot id, the baseline id it was encoded against (0 = full) through
    /// `baseline`. `budget_bytes` (0 = the configured budget) bounds the delta's size, except for
    /// the fixed part and the own entity. `own_key` (Frame::key of the client's own player, or
    /// Frame::kNoKey) is in every snapshot while it is in the frame, with its fresh state: it is
    /// a member whatever its position, gets its local id before any other entity, and its record
    /// is counted before the budget is shared out (it may exceed the budget by up to 102 bits).
    /// Snapshots older than `acked` are forgotten (acknowledgements only grow: none of them can
    /// be a baseline again).
    std::uint32_t snapshot(const Frame& frame, Vec2 center, std::uint32_t acked, BitWriter& out,
                           std::uint32_t& baseline, std::size_t budget_bytes = 0,
                           std::uint32_t own_key = Frame::kNoKey, const Shedding& shed = {});
    [[nodiscard]] const ViewConfig& config() const noexcept { return config_; }

    /// The entries of the snapshot snapshot() just built, packed (PackedEntry::kind(),
    /// packed_field()), sorted by local id: valid on the calling thread until its next snapshot()
    /// call (any client's).
    [[nodiscard]] static std::span<const PackedEntry> last_entries() noexcept;
    /// What the client holds after decoding snapshot `id` (for tests), empty if the snapshot was
    /// forgotten (left the ring, or older than an acknowledgement).
    [[nodiscard]] std::vector<ViewEntry> sent(std::uint32_t id) const;
    /// Entities in view now (membership with hysteresis).
    [[nodiscard]] std::size_t in_view() const noexcept { return members_.size(); }
    /// Frame key of a local id, or Frame::kNoKey.
    [[nodiscard]] std::uint32_t key_of(std::uint16_t local) const noexcept {
        return local < key_of_.size() ? key_of_[local] : Frame::kNoKey;
    }
    /// Snapshots remembered now (sent and not older than the newest acknowledgement).
    [[nodiscard]] std::size_t remembered() const noexcept;
    /// Heap bytes this view holds (capacities), for the memory report.
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    struct Member { // 16 bytes (members_ is in no particular order)
        std::uint32_t key;
        std::uint16_t local;
        bool seen; // found this snapshot
        float priority;
        std::uint32_t frame_index; // in the last frame it was looked up in (kNoKey: not there)
    };
    struct Sent {
        std::uint32_t id = 0;
        std::vector<PackedEntry> entries;
    };

    [[nodiscard]] int alloc_local() noexcept;
    void forget_before(std::uint32_t acked);

    ViewConfig config_;
    std::uint32_t next_id_ = 1;
    std::vector<Member> members_;       // in view now
    std::vector<std::uint32_t> key_of_; // local id -> key (kNoKey: free); grows to the highest id used
    std::array<std::uint64_t, kMaxViewEntries / 64> taken_{};      // local ids in use or waiting to be freed
    std::vector<std::pair<std::uint16_t, std::uint32_t>> freeing_; // local id, snapshot that dropped it
    std::vector<Sent> ring_;
    std::vector<std::vector<PackedEntry>> spare_; // buffers of forgotten snapshots, reused (at most 2)
};

} // namespace mgs::sync
