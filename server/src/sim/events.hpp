#pragma once
// Typed events of one tick (the overview's event bus). Systems append while the tick runs,
// in a fixed order; consumers (state sync, kill feed, logs, tests) read them after step()
// returns; the next step() clears them, except those appended between the two steps (players
// added or removed by the network side), which stay for the readers of that next step. The buffer keeps its
// capacity, so steady state allocates nothing. Events are appended only from the serial parts of the tick, so
// their order is deterministic.
#include "core/vec2.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace mgs::sim {

enum class EventType : std::uint8_t {
    PlayerJoined,    ///< a = player
    PlayerLeft,      ///< a = player (its slot, now free), kind = 1 if it was a bot
    Spawned,         ///< a = player
    ShotFired,       ///< a = shooter, kind = weapon
    Melee,           ///< a = attacker
    Damage,          ///< a = attacker, b = victim, value = health + shield removed, kind = weapon
    Kill,            ///< a = killer (kNoPlayer if none), b = victim, kind = weapon
    Impact,          ///< a = shooter, kind = 0 wall / 1 player, pos = where
    WallDamaged,     ///< index = wall, value = health left
    WallDestroyed,   ///< index = wall
    WallRespawned,   ///< index = wall
    PickupTaken,     ///< a = player, index = pickup spot, kind = world::PickupKind
    PickupRespawned, ///< index = pickup spot
    FlagTaken,       ///< a = player, kind = flag's team
    FlagDropped,     ///< a = player who dropped it, kind = flag's team, pos
    FlagReturned,    ///< a = player who returned it (kNoPlayer: returned by itself), kind = team
    FlagCaptured,    ///< a = player, kind = captured flag's team
    MatchStarted,
    MatchEnded, ///< kind = winning team (2 = none/draw), a = best player
};

inline constexpr std::uint32_t kNoPlayer = 0xffffffffu;

struct Event {
    EventType type = EventType::MatchStarted;
    std::uint8_t kind = 0;
    std::uint32_t a = kNoPlayer; ///< player slot index
    std::uint32_t b = kNoPlayer; ///< player slot index
    std::uint32_t index = 0;     ///< wall or pickup index
    float value = 0.0f;
    Vec2 pos{};
};

class EventBus {
public:
    void clear() noexcept { events_.clear(); }
    /// Drops the first n events (those the readers of the previous step have seen).
    void drop_front(std::size_t n) noexcept {
        events_.erase(events_.begin(),
                      events_.begin() + static_cast<std::ptrdiff_t>(std::min(n, events_.size())));
    }
    [[nodiscard]] std::size_t size() const noexcept { return events_.size(); }
    void push(const Event& e) { events_.push_back(e); }
    [[nodiscard]] std::span<const Event> events() const noexcept { return events_; }

private:
    std::vector<Event> events_;
};

} // namespace mgs::sim
