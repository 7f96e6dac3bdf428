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
class Frame {
public:
    explicit Frame(float world_width, float world_height);
    /// Quantises the world's players, projectiles, pickups, destructible walls and flags.
    void build(const sim::World& world);

    /// Entity key: kind in the top 8 bits, index in the kind's own array below.
    [[nodiscard]] static constexpr std::uint32_t key(EntityKind kind, std::uint32_t index) noexcept {
        return (static_cast<std::uint32_t>(kind) << 24) | index;
    }
    /// No entity (e.g. the own key of a spectator's view).
    static constexpr std::uint32_t kNoKey = UINT32_MAX;
    /// Frame index of the entity with `key`, or kNoKey if it is not in this frame.
    [[nodiscard]] std::uint32_t find(std::uint32_t key) const noexcept;
    /// Pickups and walls left out of the frame because their map index does not fit its field
    /// (16 bits): never on maps the configuration allows today, counted so that it is seen.
    [[nodiscard]] std::size_t unsyncable() const noexcept { return unsyncable_; }
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
    [[nodiscard]] std::uint32_t key_at(std::uint32_t i) const noexcept { return keys_[i]; }
    [[nodiscard]] const QEntity& entity(std::uint32_t i) const noexcept { return q_[i]; }
    [[nodiscard]] Vec2 position(std::uint32_t i) const noexcept { return pos_[i]; }
    [[nodiscard]] float importance(std::uint32_t i) const noexcept { return importance_[i]; }
    [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
    /// Calls fn(i) for frame entries whose cell overlaps `area`.
    template <class F> void for_each_in(const Aabb& area, F&& fn) const { grid_.for_each_in_rect(area, fn); }

private:
    void add(std::uint32_t key, Vec2 pos, const QEntity& q, float importance);

    world::EntityGrid grid_;
    std::vector<std::uint32_t> keys_;
    std::vector<QEntity> q_;
    std::vector<Vec2> pos_;
    std::vector<float> importance_;
    std::vector<std::uint8_t> active_;
    std::array<std::vector<std::uint32_t>, static_cast<std::size_t>(EntityKind::Count)> index_of_; // per kind
    std::size_t unsyncable_ = 0;
    std::uint32_t tick_ = 0;
};

/// A client's side of the sync: view membership, local ids, priorities and the ring of sent
/// snapshots. One per client; a ClientView is used by one thread at a time.
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
    std::uint32_t snapshot(const Frame& frame, Vec2 center, std::uint32_t acked, BitWriter& out,
                           std::uint32_t& baseline, std::size_t budget_bytes = 0,
                           std::uint32_t own_key = Frame::kNoKey);
    [[nodiscard]] const ViewConfig& config() const noexcept { return config_; }

    /// What the client holds after decoding snapshot `id` (for tests and reconnect), empty if
    /// the snapshot left the ring.
    [[nodiscard]] std::span<const ViewEntry> sent(std::uint32_t id) const noexcept;
    /// Entities in view now (membership with hysteresis).
    [[nodiscard]] std::size_t in_view() const noexcept { return members_.size(); }
    /// Frame key of a local id, or UINT32_MAX.
    [[nodiscard]] std::uint32_t key_of(std::uint16_t local) const noexcept { return key_of_[local]; }

private:
    struct Member {
        std::uint32_t key;
        std::uint16_t local;
        float priority;
        std::uint32_t frame_index;
        bool seen;             // found this snapshot
        std::int64_t cost = 0; // bits to send its fresh state this snapshot (0: unchanged)
    };
    struct Sent {
        std::uint32_t id = 0;
        std::vector<ViewEntry> entries;
    };

    static constexpr std::size_t kHashSize = 2048;
    [[nodiscard]] std::size_t slot_of(std::uint32_t key) const noexcept;
    [[nodiscard]] int find_member(std::uint32_t key) const noexcept;
    void index_member(std::uint32_t key, std::uint32_t member) noexcept;
    [[nodiscard]] int alloc_local(std::uint32_t acked) noexcept;

    ViewConfig config_;
    std::uint32_t next_id_ = 1;
    std::vector<Member> members_;                              // in view now
    std::array<std::uint32_t, 1u << kLocalIdBits> key_of_{};   // local id -> key (UINT32_MAX free)
    std::array<std::uint32_t, 1u << kLocalIdBits> freed_in_{}; // snapshot that dropped it (0: not pending)
    std::vector<Sent> ring_;
    std::vector<ViewEntry> current_;
    std::vector<std::uint32_t> order_;                          // scratch: members by priority
    std::array<std::int16_t, 1u << kLocalIdBits> base_index_{}; // local id -> baseline index
    std::array<const QEntity*, 1u << kLocalIdBits> chosen_{};   // local id -> state to send
    std::array<std::uint32_t, kHashSize> hash_keys_{};
    std::array<std::uint32_t, kHashSize> hash_members_{};
};

} // namespace mgs::sync
