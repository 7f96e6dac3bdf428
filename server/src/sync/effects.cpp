#include "sync/effects.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::sync {
namespace {

constexpr float kEffectCell = 256.0f;

std::uint16_t player16(std::uint32_t slot) noexcept {
    return slot < kNoPlayer16 ? static_cast<std::uint16_t>(slot) : kNoPlayer16;
}

std::uint16_t round16(float v) noexcept {
    return static_cast<std::uint16_t>(std::clamp(std::lround(v), 0L, 65535L));
}

std::uint8_t flag_event_of(sim::EventType t) noexcept {
    switch (t) {
    case sim::EventType::FlagTaken:
        return static_cast<std::uint8_t>(FlagEvent::Taken);
    case sim::EventType::FlagDropped:
        return static_cast<std::uint8_t>(FlagEvent::Dropped);
    case sim::EventType::FlagReturned:
        return static_cast<std::uint8_t>(FlagEvent::Returned);
    default:
        return static_cast<std::uint8_t>(FlagEvent::Captured);
    }
}

} // namespace

std::uint16_t quantise_effect_position(float wu) noexcept {
    if (!(wu > 0.0f)) {
        return 0; // also NaN
    }
    return round16(wu * 2.0f);
}

EventLog::EventLog(float world_width, float world_height) {
    grid_.configure(world_width, world_height, kEffectCell);
}

void EventLog::add_effect(const EffectRecord& e, Vec2 pos) {
    EffectRecord r = e;
    r.x = quantise_effect_position(pos.x);
    r.y = quantise_effect_position(pos.y);
    effects_.push_back(r);
    pos_.push_back(pos);
}

void EventLog::collect(const sim::World& world) {
    const auto& walls = world.map().walls;
    const sim::Players& players = world.players();
    for (const sim::Event& ev : world.events()) {
        EffectRecord e;
        switch (ev.type) {
        case sim::EventType::ShotFired:
            // Not sent: the projectiles (entities, in view) and the shooter's firing bit show a
            // shot, and effects would cost 12 bytes per shot.
            break;
        case sim::EventType::Impact:
            if (ev.kind != 0) {
                break; // a hit on a player: its Damage effect shows it
            }
            e.type = EffectType::Impact;
            e.detail = ev.kind;
            e.a = player16(ev.a);
            add_effect(e, ev.pos);
            break;
        case sim::EventType::Melee:
            e.type = EffectType::Melee;
            e.a = player16(ev.a);
            add_effect(e, ev.pos);
            break;
        case sim::EventType::Damage:
            e.type = EffectType::Damage;
            e.detail = ev.kind;
            e.a = player16(ev.a);
            e.b = player16(ev.b);
            e.value = round16(ev.value);
            add_effect(e, ev.pos);
            break;
        case sim::EventType::Kill:
            e.type = EffectType::Death;
            e.detail = ev.kind;
            e.a = player16(ev.a);
            e.b = player16(ev.b);
            add_effect(e, ev.pos);
            globals_.push_back({GlobalType::Kill, ev.kind, ev.a, ev.b});
            break;
        case sim::EventType::PickupTaken:
        case sim::EventType::PickupRespawned:
            e.type = ev.type == sim::EventType::PickupTaken ? EffectType::PickupTaken
                                                            : EffectType::PickupRespawned;
            e.detail = ev.kind;
            e.a = player16(ev.a);
            e.value = static_cast<std::uint16_t>(std::min<std::uint32_t>(ev.index, 0xFFFF));
            add_effect(e, ev.pos);
            break;
        case sim::EventType::WallDamaged:
        case sim::EventType::WallDestroyed:
        case sim::EventType::WallRespawned: {
            e.type = ev.type == sim::EventType::WallDamaged     ? EffectType::WallDamaged
                     : ev.type == sim::EventType::WallDestroyed ? EffectType::WallDestroyed
                                                                : EffectType::WallRespawned;
            e.value = static_cast<std::uint16_t>(std::min<std::uint32_t>(ev.index, 0xFFFF));
            if (ev.type == sim::EventType::WallDamaged) {
                e.detail = static_cast<std::uint8_t>(std::clamp(std::lround(ev.value), 0L, 255L));
            }
            const Vec2 at = ev.index < walls.size() ? walls[ev.index].box.center() : ev.pos;
            add_effect(e, at);
            break;
        }
        case sim::EventType::FlagTaken:
        case sim::EventType::FlagDropped:
        case sim::EventType::FlagReturned:
        case sim::EventType::FlagCaptured: {
            const std::uint8_t fe = flag_event_of(ev.type);
            e.type = EffectType::Flag;
            e.detail = fe;
            e.a = player16(ev.a);
            e.b = ev.kind;
            add_effect(e, ev.pos);
            globals_.push_back({GlobalType::Flag, fe, ev.a, ev.kind});
            break;
        }
        case sim::EventType::PlayerJoined:
            if (ev.a < players.size() && players.is_bot[ev.a] == 0) {
                globals_.push_back({GlobalType::PlayerJoined, 0, ev.a, sim::kNoPlayer});
            }
            break;
        case sim::EventType::PlayerLeft:
            // The slot is free now and may already hold a new player (a bot making up the
            // population): the event says whether the one who left was a bot. Announce humans
            // only; forget everyone.
            if (ev.kind == 0) {
                globals_.push_back({GlobalType::PlayerLeft, 0, ev.a, sim::kNoPlayer});
            }
            left_.push_back(ev.a);
            break;
        case sim::EventType::MatchStarted:
            globals_.push_back({GlobalType::MatchStarted, 0, sim::kNoPlayer, sim::kNoPlayer});
            break;
        case sim::EventType::MatchEnded:
            globals_.push_back({GlobalType::MatchEnded, ev.kind, ev.a, sim::kNoPlayer});
            break;
        case sim::EventType::Spawned:
            break; // the snapshot's alive bit shows it
        }
    }
}

void EventLog::index() {
    active_.assign(pos_.size(), 1);
    grid_.rebuild(pos_, active_);
}

std::size_t EventLog::effects_near(const Aabb& area, Vec2 center, std::span<EffectRecord> out,
                                   std::vector<std::uint32_t>& scratch) const {
    scratch.clear();
    if (out.empty() || effects_.empty()) {
        return 0;
    }
    grid_.for_each_in_rect(area, [&](std::uint32_t i) {
        const Vec2 p = pos_[i];
        if (p.x >= area.min.x && p.x <= area.max.x && p.y >= area.min.y && p.y <= area.max.y) {
            scratch.push_back(i);
        }
    });
    const std::size_t n = std::min(out.size(), scratch.size());
    // Nearest first; ties by index keep the order deterministic.
    const auto nearer = [&](std::uint32_t a, std::uint32_t b) {
        const float da = distance_sq(pos_[a], center);
        const float db = distance_sq(pos_[b], center);
        return da < db || (da == db && a < b);
    };
    std::partial_sort(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(n), scratch.end(),
                      nearer);
    for (std::size_t k = 0; k < n; ++k) {
        out[k] = effects_[scratch[k]];
    }
    return n;
}

void EventLog::clear() noexcept {
    effects_.clear();
    pos_.clear();
    globals_.clear();
    left_.clear();
}

} // namespace mgs::sync
