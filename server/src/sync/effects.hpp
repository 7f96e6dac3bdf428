#pragma once
// What happened between two snapshots, sorted for the wire (DESIGN.md "State sync"):
//
//   every tick:        EventLog::collect(world)   the tick's events become effects (with a
//                                                 position: wall impacts, damage numbers, deaths,
//                                                 melee, pickups, walls, flags) and global events (kills,
//                                                 flag events, humans joining and leaving, match)
//   at a snapshot:     EventLog::index()          effects gridded once for all clients
//   per client:        effects_near()             the effects inside its view, nearest first
//   after the clients: EventLog::clear()
//
// Effects are cosmetic: what they leave behind is in the snapshot's entities too, so they ride
// the unreliable snapshot. Global events go to everyone on the reliable channel. The records
// here mirror the wire structs of proto/game.fbs (Effect, GlobalEvent) field for field; the app
// copies them into FlatBuffers. Buffers keep their capacity: steady state allocates nothing.
#include "core/geometry.hpp"
#include "sim/world.hpp"
#include "world/entity_grid.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace mgs::sync {

/// proto::EffectType values.
enum class EffectType : std::uint8_t {
    Shot = 0,
    Impact = 1,
    Damage = 2,
    Death = 3,
    Melee = 4,
    PickupTaken = 5,
    PickupRespawned = 6,
    WallDamaged = 7,
    WallDestroyed = 8,
    WallRespawned = 9,
    Flag = 10,
};

/// proto::GlobalEventType values.
enum class GlobalType : std::uint8_t {
    Kill = 0,
    Flag = 1,
    PlayerJoined = 2,
    PlayerLeft = 3,
    MatchStarted = 4,
    MatchEnded = 5,
};

/// proto::FlagEventType values.
enum class FlagEvent : std::uint8_t { Taken = 0, Dropped = 1, Returned = 2, Captured = 3 };

inline constexpr std::uint16_t kNoPlayer16 = 0xFFFF;

/// One effect as sent (proto::Effect): positions in 1/2 wu, players as 16-bit slots.
struct EffectRecord {
    EffectType type = EffectType::Shot;
    std::uint8_t detail = 0;
    std::uint16_t value = 0;
    std::uint16_t x = 0;
    std::uint16_t y = 0;
    std::uint16_t a = kNoPlayer16;
    std::uint16_t b = kNoPlayer16;
    friend bool operator==(const EffectRecord&, const EffectRecord&) = default;
};

/// One global event as sent (proto::GlobalEvent): players as world slots.
struct GlobalRecord {
    GlobalType type = GlobalType::Kill;
    std::uint8_t detail = 0;
    std::uint32_t a = sim::kNoPlayer;
    std::uint32_t b = sim::kNoPlayer;
    friend bool operator==(const GlobalRecord&, const GlobalRecord&) = default;
};

/// A position in the effects' 1/2 wu units (clamped to 0 .. 32767.5 wu).
[[nodiscard]] std::uint16_t quantise_effect_position(float wu) noexcept;

class EventLog {
public:
    EventLog() = default;
    explicit EventLog(float world_width, float world_height);

    /// Appends the events of the tick the world just ran.
    void collect(const sim::World& world);
    /// Grids the effects collected since the last clear() (once per snapshot).
    void index();
    /// Writes up to out.size() effects inside `area`, nearest to `center` first; returns how many.
    /// `scratch` is the caller's reusable buffer (one per thread or client).
    std::size_t effects_near(const Aabb& area, Vec2 center, std::span<EffectRecord> out,
                             std::vector<std::uint32_t>& scratch) const;
    /// Forgets everything collected (after the snapshot was sent).
    void clear() noexcept;

    [[nodiscard]] std::span<const EffectRecord> effects() const noexcept { return effects_; }
    [[nodiscard]] std::span<const GlobalRecord> globals() const noexcept { return globals_; }
    /// Slots freed since the last clear(): clients forget those players' names.
    [[nodiscard]] std::span<const std::uint32_t> left() const noexcept { return left_; }

private:
    void add_effect(const EffectRecord& e, Vec2 pos);

    world::EntityGrid grid_;
    std::vector<EffectRecord> effects_;
    std::vector<Vec2> pos_;
    std::vector<std::uint8_t> active_;
    std::vector<GlobalRecord> globals_;
    std::vector<std::uint32_t> left_;
};

} // namespace mgs::sync
