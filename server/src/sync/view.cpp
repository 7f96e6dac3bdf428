#include "sync/view.hpp"

#include <algorithm>
#include <cmath>

namespace mgs::sync {

namespace {

constexpr float kGridCell = 256.0f;
constexpr std::uint32_t kNoKey = Frame::kNoKey;
constexpr float kNearness = 400.0f; // wu at which an entity's weight halves

std::uint32_t clamp_u(float v, std::uint32_t max) {
    if (!(v > 0.0f)) {
        return 0;
    }
    return std::min(static_cast<std::uint32_t>(std::lround(v)), max);
}

bool inside(const Aabb& a, Vec2 p) {
    return p.x >= a.min.x && p.x <= a.max.x && p.y >= a.min.y && p.y <= a.max.y;
}

} // namespace

// --- Frame -----------------------------------------------------------------------------------

Frame::Frame(float world_width, float world_height) {
    grid_.configure(world_width, world_height, kGridCell);
}

void Frame::add(std::uint32_t key, Vec2 pos, const QEntity& q, float importance) {
    // Every index field is 16 bits wide: an entity whose index does not fit could not be
    // encoded (encode_delta refuses the whole snapshot), so it is left out and counted.
    const std::uint32_t index = key & 0xFFFFFFu;
    const auto kind = static_cast<std::size_t>(q.kind);
    if ((q.kind == EntityKind::Pickup || q.kind == EntityKind::Wall) && index > 0xFFFFu) {
        ++unsyncable_;
        return;
    }
    std::vector<std::uint32_t>& by_index = index_of_[kind];
    if (by_index.size() <= index) {
        by_index.resize(index + 1, kNoKey);
    }
    by_index[index] = static_cast<std::uint32_t>(keys_.size());
    keys_.push_back(key);
    pos_.push_back(pos);
    q_.push_back(q);
    importance_.push_back(importance);
    active_.push_back(1);
}

void Frame::build(const sim::World& w) {
    keys_.clear();
    pos_.clear();
    q_.clear();
    importance_.clear();
    active_.clear();
    for (std::vector<std::uint32_t>& by_index : index_of_) {
        std::fill(by_index.begin(), by_index.end(), kNoKey);
    }
    unsyncable_ = 0;
    tick_ = w.tick();
    const sim::Players& pl = w.players();
    const std::uint32_t tick = w.tick();
    for (std::uint32_t s = 0; s < pl.size(); ++s) {
        if (pl.in_use[s] == 0) {
            continue;
        }
        QEntity q;
        q.kind = EntityKind::Player;
        q.f[kPlayerX] = quantise_position(pl.pos[s].x);
        q.f[kPlayerY] = quantise_position(pl.pos[s].y);
        q.f[kPlayerAim] = quantise_angle(pl.aim[s]);
        q.f[kPlayerHealth] = clamp_u(pl.health[s], 127);
        q.f[kPlayerShield] = clamp_u(pl.shield[s], 63);
        q.f[kPlayerWeapon] = static_cast<std::uint32_t>(pl.weapon[s]);
        q.f[kPlayerTeam] = static_cast<std::uint32_t>(pl.team[s]);
        std::uint32_t status = 0;
        const bool carrying = std::any_of(w.flags().begin(), w.flags().end(),
                                          [&](const sim::Flag& f) { return f.carrier == s; });
        const auto bit = [&](bool on, PlayerStatus b) { status |= on ? static_cast<std::uint32_t>(b) : 0u; };
        bit(pl.alive[s] != 0, kStatusAlive);
        bit(carrying, kStatusCarrying);
        bit(pl.protected_until[s] > tick, kStatusProtected);
        bit(pl.speed_until[s] > tick, kStatusSpeed);
        bit(pl.damage_until[s] > tick, kStatusDamage);
        bit(pl.reload_done_tick[s] > tick, kStatusReloading);
        bit((pl.input[s].buttons & sim::kButtonFire) != 0, kStatusFiring);
        q.f[kPlayerStatus] = status;
        q.f[kPlayerId] = s & 0xFFFF;
        // A flag carrier matters to everyone; a shooter more than a bystander.
        const float importance = carrying ? 4.0f : (status & kStatusFiring) != 0 ? 2.0f : 1.0f;
        add(key(EntityKind::Player, s), pl.pos[s], q, importance);
    }
    const sim::Projectiles& pr = w.projectiles();
    for (std::uint32_t s = 0; s < pr.size(); ++s) {
        if (pr.active[s] == 0) {
            continue;
        }
        QEntity q;
        q.kind = EntityKind::Projectile;
        q.f[kProjX] = quantise_position(pr.origin[s].x);
        q.f[kProjY] = quantise_position(pr.origin[s].y);
        q.f[kProjAngle] = quantise_angle(std::atan2(pr.vel[s].y, pr.vel[s].x));
        q.f[kProjWeapon] = static_cast<std::uint32_t>(pr.weapon[s]);
        q.f[kProjSpawnTick] = pr.fired_tick[s] & 0xFFFF;
        add(key(EntityKind::Projectile, s), pr.pos[s], q, 2.0f);
    }
    const world::Map& map = w.map();
    for (std::uint32_t i = 0; i < map.pickups.size(); ++i) {
        QEntity q;
        q.kind = EntityKind::Pickup;
        q.f[kPickupIndex] = i;
        q.f[kPickupAvailable] = w.pickup_active()[i] != 0 ? 1 : 0;
        add(key(EntityKind::Pickup, i), map.pickups[i].pos, q, 0.5f);
    }
    for (std::uint32_t i = 0; i < map.walls.size(); ++i) {
        if (!map.walls[i].destructible()) {
            continue;
        }
        QEntity q;
        q.kind = EntityKind::Wall;
        q.f[kWallIndex] = i;
        q.f[kWallHealth] = w.wall_alive()[i] != 0 ? clamp_u(w.wall_health()[i], 511) : 0;
        add(key(EntityKind::Wall, i), map.walls[i].box.center(), q, 0.5f);
    }
    // Flags exist only in capture the flag.
    for (std::uint32_t t = 0; w.rules().mode == sim::Mode::CaptureTheFlag && t < 2; ++t) {
        const sim::Flag& f = w.flags()[t];
        QEntity q;
        q.kind = EntityKind::Flag;
        q.f[kFlagX] = quantise_position(f.pos.x);
        q.f[kFlagY] = quantise_position(f.pos.y);
        q.f[kFlagTeam] = static_cast<std::uint32_t>(f.team) & 1;
        q.f[kFlagState] = static_cast<std::uint32_t>(f.state);
        add(key(EntityKind::Flag, t), f.pos, q, 3.0f);
    }
    grid_.rebuild(pos_, active_);
}

std::uint32_t Frame::find(std::uint32_t key) const noexcept {
    const std::size_t kind = key >> 24;
    const std::uint32_t index = key & 0xFFFFFFu;
    if (kind >= index_of_.size() || index >= index_of_[kind].size()) {
        return kNoKey;
    }
    return index_of_[kind][index];
}

// --- ClientView ------------------------------------------------------------------------------

ClientView::ClientView(ViewConfig config) : config_(config), ring_(config.ring) {
    key_of_.fill(kNoKey);
    freed_in_.fill(0);
    members_.reserve(256);
    current_.reserve(256);
}

std::span<const ViewEntry> ClientView::sent(std::uint32_t id) const noexcept {
    const Sent& s = ring_[id % ring_.size()];
    return s.id == id && id != 0 ? std::span<const ViewEntry>(s.entries) : std::span<const ViewEntry>();
}

// Members are found by key through a small open-addressing table rebuilt each snapshot
// (kHashSize slots, at least twice the most members a view holds): no allocation, O(1) lookups.
std::size_t ClientView::slot_of(std::uint32_t key) const noexcept {
    std::size_t h = (key * 0x9E3779B1u) & (kHashSize - 1);
    while (hash_keys_[h] != kNoKey && hash_keys_[h] != key) {
        h = (h + 1) & (kHashSize - 1);
    }
    return h;
}

int ClientView::find_member(std::uint32_t key) const noexcept {
    const std::size_t h = slot_of(key);
    return hash_keys_[h] == key ? static_cast<int>(hash_members_[h]) : -1;
}

void ClientView::index_member(std::uint32_t key, std::uint32_t member) noexcept {
    const std::size_t h = slot_of(key);
    hash_keys_[h] = key;
    hash_members_[h] = member;
}

int ClientView::alloc_local(std::uint32_t /*acked*/) noexcept {
    for (std::uint32_t l = 0; l < key_of_.size(); ++l) { // lowest free id: keeps ids small and dense
        if (key_of_[l] == kNoKey && freed_in_[l] == 0) {
            return static_cast<int>(l);
        }
    }
    return -1;
}

std::uint32_t ClientView::snapshot(const Frame& frame, Vec2 center, std::uint32_t acked, BitWriter& out,
                                   std::uint32_t& baseline_id, std::size_t budget_bytes,
                                   std::uint32_t own_key) {
    const std::uint32_t id = next_id_++;
    // Baseline: the acknowledged snapshot if we still have it; otherwise a full snapshot.
    const std::span<const ViewEntry> baseline = sent(acked);
    baseline_id = baseline.empty() ? 0 : acked;
    // Local ids of departed entities become free once the client has acknowledged a snapshot
    // made after the departure: every later baseline is at least that new, so none holds the old
    // entity. (Not on a full snapshot: a later delta may still use an older acknowledged one.)
    for (std::uint32_t l = 0; l < freed_in_.size(); ++l) {
        if (freed_in_[l] != 0 && freed_in_[l] <= acked) {
            freed_in_[l] = 0;
        }
    }

    // Membership with hysteresis: enter inside the rectangle, leave outside rectangle + margin.
    const Aabb rect{{center.x - config_.half_width, center.y - config_.half_height},
                    {center.x + config_.half_width, center.y + config_.half_height}};
    const float m = config_.hysteresis;
    const Aabb outer{{rect.min.x - m, rect.min.y - m}, {rect.max.x + m, rect.max.y + m}};
    hash_keys_.fill(kNoKey);
    for (std::uint32_t i = 0; i < members_.size(); ++i) {
        members_[i].seen = false;
        index_member(members_[i].key, i);
    }
    // The own entity first: a member wherever it is, and the first to get a local id, so that it
    // has one from the client's first snapshot on (the view is centred on it: it never leaves).
    const std::uint32_t own_index = own_key == kNoKey ? kNoKey : frame.find(own_key);
    int own_member = -1;
    if (own_index != kNoKey) {
        own_member = find_member(own_key);
        if (own_member < 0) {
            const int local = alloc_local(acked);
            if (local >= 0) {
                key_of_[static_cast<std::size_t>(local)] = own_key;
                own_member = static_cast<int>(members_.size());
                index_member(own_key, static_cast<std::uint32_t>(own_member));
                members_.push_back({own_key, static_cast<std::uint16_t>(local), 0.0f, own_index, true});
            }
        }
        if (own_member >= 0) {
            members_[static_cast<std::size_t>(own_member)].seen = true;
            members_[static_cast<std::size_t>(own_member)].frame_index = own_index;
        }
    }
    frame.for_each_in(outer, [&](std::uint32_t i) {
        const Vec2 p = frame.position(i);
        if (!inside(outer, p)) {
            return;
        }
        const std::uint32_t key = frame.key_at(i);
        const int idx = find_member(key);
        if (idx >= 0) {
            members_[static_cast<std::size_t>(idx)].seen = true;
            members_[static_cast<std::size_t>(idx)].frame_index = i;
        } else if (inside(rect, p)) {
            const int local = alloc_local(acked);
            if (local < 0) {
                return; // 1024 entities in view: the rest wait for room
            }
            key_of_[static_cast<std::size_t>(local)] = key;
            index_member(key, static_cast<std::uint32_t>(members_.size()));
            members_.push_back({key, static_cast<std::uint16_t>(local), 1e6f, i, true});
        }
    });
    for (std::size_t i = 0; i < members_.size();) {
        if (!members_[i].seen) {
            key_of_[members_[i].local] = kNoKey;
            freed_in_[members_[i].local] = id;
            members_[i] = members_.back();
            members_.pop_back();
        } else {
            ++i;
        }
    }
    if (own_member >= 0) {
        own_member = -1; // the removals above moved members around
        for (std::size_t i = 0; i < members_.size(); ++i) {
            if (members_[i].key == own_key) {
                own_member = static_cast<int>(i);
                break;
            }
        }
    }

    // Where each local id sits in the baseline (-1: absent), for O(1) lookups.
    base_index_.fill(-1);
    for (std::size_t b = 0; b < baseline.size(); ++b) {
        base_index_[baseline[b].local_id] = static_cast<std::int16_t>(b);
    }
    // Priorities grow every snapshot by importance and nearness; the cost of sending each
    // member's fresh state is exact (the encoder's own arithmetic).
    const std::int64_t budget =
        static_cast<std::int64_t>(budget_bytes == 0 ? config_.budget_bytes : budget_bytes) * 8;
    // Fixed costs: the new-entry count, and the record of every baseline entry as if it were
    // removed (4 bits); an entry still in view gives back 3 of them (its unchanged record is 1
    // bit, and a change costs its record minus that bit).
    std::int64_t used = kLocalIdBits + 1 + 4 * static_cast<std::int64_t>(baseline.size());
    for (Member& mem : members_) {
        const Vec2 d = frame.position(mem.frame_index) - center;
        const float dist = std::sqrt(d.x * d.x + d.y * d.y);
        mem.priority += frame.importance(mem.frame_index) * kNearness / (kNearness + dist);
        const QEntity& fresh = frame.entity(mem.frame_index);
        const std::int16_t b = base_index_[mem.local];
        if (b >= 0 && baseline[static_cast<std::size_t>(b)].entity.kind == fresh.kind) {
            const QEntity& old = baseline[static_cast<std::size_t>(b)].entity;
            mem.cost = old == fresh ? 0 : delta_cost(old, fresh) - 1;
            used -= 3;
        } else {
            mem.cost = new_entry_cost(fresh);
        }
    }
    std::int64_t wanted = used;
    for (const Member& mem : members_) {
        wanted += mem.cost;
    }
    // Everything fits (the usual case): no ordering needed. Otherwise the highest priorities go
    // first and the rest keep their last sent state.
    order_.resize(members_.size());
    for (std::uint32_t i = 0; i < order_.size(); ++i) {
        order_[i] = i;
    }
    if (wanted > budget) {
        std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
            return members_[a].priority != members_[b].priority ? members_[a].priority > members_[b].priority
                                                                : members_[a].local < members_[b].local;
        });
    }
    // The own entity is sent fresh whatever the budget, before the others share what is left.
    if (own_member >= 0) {
        Member& mem = members_[static_cast<std::size_t>(own_member)];
        used += mem.cost;
        chosen_[mem.local] = &frame.entity(mem.frame_index);
        mem.priority = 0.0f;
    }
    // Chosen states by local id, then read out in id order (no sort).
    for (const std::uint32_t oi : order_) {
        if (static_cast<int>(oi) == own_member) {
            continue;
        }
        Member& mem = members_[oi];
        const std::int16_t b = base_index_[mem.local];
        const bool known =
            b >= 0 && baseline[static_cast<std::size_t>(b)].entity.kind == frame.entity(mem.frame_index).kind;
        if (mem.cost == 0 || used + mem.cost <= budget) {
            used += mem.cost;
            chosen_[mem.local] = &frame.entity(mem.frame_index);
            mem.priority = mem.cost == 0 ? mem.priority : 0.0f;
        } else if (known) {
            chosen_[mem.local] = &baseline[static_cast<std::size_t>(b)].entity; // stays as last sent
        }
    }
    current_.clear();
    for (std::uint16_t l = 0; l < chosen_.size(); ++l) {
        if (chosen_[l] != nullptr) {
            current_.push_back({l, *chosen_[l]});
            chosen_[l] = nullptr;
        }
    }
    Sent& slot = ring_[id % ring_.size()];
    if (!encode_delta(baseline, current_, out)) {
        // Cannot happen with a Frame's entities and a big enough writer (the caller's bug). The
        // bits are meaningless: the snapshot is not kept, so it never becomes a baseline, and the
        // client, which cannot decode it, asks for a full one.
        slot.id = 0;
        slot.entries.clear();
        return id;
    }
    slot.id = id;
    slot.entries.assign(current_.begin(), current_.end());
    return id;
}

} // namespace mgs::sync
