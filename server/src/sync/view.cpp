#include "sync/view.hpp"

#include <algorithm>
#include <bit>
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
    static_grid_.configure(world_width, world_height, kGridCell);
    moving_grid_.configure(world_width, world_height, kGridCell);
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
}

namespace {

QEntity pickup_entity(const sim::World& w, std::uint32_t i) {
    QEntity q;
    q.kind = EntityKind::Pickup;
    q.f[kPickupIndex] = i;
    q.f[kPickupAvailable] = w.pickup_active()[i] != 0 ? 1 : 0;
    return q;
}

QEntity wall_entity(const sim::World& w, std::uint32_t i) {
    QEntity q;
    q.kind = EntityKind::Wall;
    q.f[kWallIndex] = i;
    q.f[kWallHealth] = w.wall_alive()[i] != 0 ? clamp_u(w.wall_health()[i], 511) : 0;
    return q;
}

} // namespace

void Frame::build_static(const sim::World& w) {
    keys_.clear();
    pos_.clear();
    q_.clear();
    importance_.clear();
    for (std::vector<std::uint32_t>& by_index : index_of_) {
        std::fill(by_index.begin(), by_index.end(), kNoKey);
    }
    unsyncable_ = 0;
    const world::Map& map = w.map();
    for (std::uint32_t i = 0; i < map.pickups.size(); ++i) {
        add(key(EntityKind::Pickup, i), map.pickups[i].pos, pickup_entity(w, i), 0.5f);
    }
    for (std::uint32_t i = 0; i < map.walls.size(); ++i) {
        if (map.walls[i].destructible()) {
            add(key(EntityKind::Wall, i), map.walls[i].box.center(), wall_entity(w, i), 0.5f);
        }
    }
    static_count_ = keys_.size();
    static_updates_ = static_count_;
    if (active_.size() < static_count_) {
        active_.resize(static_count_, 1);
    }
    static_grid_.rebuild(std::span(pos_).first(static_count_), std::span(active_).first(static_count_));
    static_map_seed_ = map.seed;
    static_map_walls_ = map.walls.size();
    static_built_ = true;
}

void Frame::update_static(const sim::World& w) {
    // Pickups come and go and walls are hit far less often than snapshots are made: compare each
    // with the world and re-quantise only what changed (its index and place stay).
    static_updates_ = 0;
    for (std::size_t i = 0; i < static_count_; ++i) {
        const std::uint32_t index = keys_[i] & 0xFFFFFFu;
        const QEntity now =
            q_[i].kind == EntityKind::Pickup ? pickup_entity(w, index) : wall_entity(w, index);
        if (!(now == q_[i])) {
            q_[i] = now;
            ++static_updates_;
        }
    }
}

void Frame::build(const sim::World& w) {
    tick_ = w.tick();
    if (!static_built_ || w.map().seed != static_map_seed_ || w.map().walls.size() != static_map_walls_) {
        build_static(w); // the first build, or a new match brought a new map
    } else {
        update_static(w);
    }
    // The moving part, anew.
    keys_.resize(static_count_);
    pos_.resize(static_count_);
    q_.resize(static_count_);
    importance_.resize(static_count_);
    moving_pos_.clear();
    for (const EntityKind k : {EntityKind::Player, EntityKind::Projectile, EntityKind::Flag}) {
        std::vector<std::uint32_t>& by_index = index_of_[static_cast<std::size_t>(k)];
        std::fill(by_index.begin(), by_index.end(), kNoKey);
    }
    const auto add_moving = [&](std::uint32_t k, Vec2 pos, const QEntity& q, float importance) {
        add(k, pos, q, importance);
        moving_pos_.push_back(pos);
    };
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
        add_moving(key(EntityKind::Player, s), pl.pos[s], q, importance);
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
        add_moving(key(EntityKind::Projectile, s), pr.pos[s], q, 2.0f);
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
        add_moving(key(EntityKind::Flag, t), f.pos, q, 3.0f);
    }
    if (active_.size() < moving_pos_.size()) {
        active_.resize(moving_pos_.size(), 1);
    }
    moving_grid_.rebuild(moving_pos_, std::span(active_).first(moving_pos_.size()));
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

namespace {

/// What one snapshot needs while it is made, per thread (any number of clients share it, one
/// after another): the baseline unpacked, the new entries, costs and order of the members, the
/// member hash, and two tables by local id that are reset after each use.
struct Scratch {
    static constexpr std::size_t kHashSize = 2 * kMaxViewEntries; // at least twice the members
    std::vector<ViewEntry> baseline;
    std::vector<ViewEntry> current;
    std::vector<std::int64_t> cost; // per member: bits to send its fresh state (0: unchanged)
    std::vector<std::uint8_t> far;  // per member: left for a later snapshot (overload)
    std::vector<std::uint32_t> order;
    std::vector<std::uint32_t> hash_used; // hash slots filled this snapshot (reset after)
    std::array<std::uint32_t, kHashSize> hash_keys{};
    std::array<std::uint32_t, kHashSize> hash_members{};
    std::array<std::int16_t, kMaxViewEntries> base_index{}; // local id -> baseline index (-1)
    std::array<const QEntity*, kMaxViewEntries> chosen{};   // local id -> state to send
    Scratch() {
        hash_keys.fill(kNoKey);
        base_index.fill(-1);
        chosen.fill(nullptr);
    }

    [[nodiscard]] std::size_t slot_of(std::uint32_t key) const noexcept {
        std::size_t h = (key * 0x9E3779B1u) & (kHashSize - 1);
        while (hash_keys[h] != kNoKey && hash_keys[h] != key) {
            h = (h + 1) & (kHashSize - 1);
        }
        return h;
    }
    [[nodiscard]] int find(std::uint32_t key) const noexcept {
        const std::size_t h = slot_of(key);
        return hash_keys[h] == key ? static_cast<int>(hash_members[h]) : -1;
    }
    void index(std::uint32_t key, std::uint32_t member) {
        const std::size_t h = slot_of(key);
        if (hash_keys[h] == kNoKey) {
            hash_used.push_back(static_cast<std::uint32_t>(h));
        }
        hash_keys[h] = key;
        hash_members[h] = member;
    }
    void clear_hash() noexcept {
        for (const std::uint32_t h : hash_used) {
            hash_keys[h] = kNoKey;
        }
        hash_used.clear();
    }
};

thread_local Scratch t_scratch;

} // namespace

ClientView::ClientView(ViewConfig config) : config_(config), ring_(std::max<std::uint32_t>(1, config.ring)) {}

std::span<const ViewEntry> ClientView::last_entries() noexcept {
    return t_scratch.current;
}

std::vector<ViewEntry> ClientView::sent(std::uint32_t id) const {
    std::vector<ViewEntry> out;
    const Sent& s = ring_[id % ring_.size()];
    if (s.id == id && id != 0) {
        out.reserve(s.entries.size());
        for (const PackedEntry& p : s.entries) {
            out.push_back(unpack_entry(p));
        }
    }
    return out;
}

std::size_t ClientView::remembered() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(ring_.begin(), ring_.end(), [](const Sent& s) { return s.id != 0; }));
}

std::size_t ClientView::memory_bytes() const noexcept {
    std::size_t n = members_.capacity() * sizeof(Member) + key_of_.capacity() * sizeof(std::uint32_t) +
                    freeing_.capacity() * sizeof(freeing_[0]) + ring_.capacity() * sizeof(Sent) +
                    spare_.capacity() * sizeof(spare_[0]);
    for (const Sent& s : ring_) {
        n += s.entries.capacity() * sizeof(PackedEntry);
    }
    for (const auto& b : spare_) {
        n += b.capacity() * sizeof(PackedEntry);
    }
    return n;
}

int ClientView::alloc_local() noexcept {
    // The lowest free id: keeps ids small and dense.
    for (std::size_t w = 0; w < taken_.size(); ++w) {
        if (taken_[w] != ~std::uint64_t{0}) {
            const auto bit = static_cast<std::size_t>(std::countr_one(taken_[w]));
            taken_[w] |= std::uint64_t{1} << bit;
            const std::size_t local = w * 64 + bit;
            if (key_of_.size() <= local) {
                key_of_.resize(local + 1, kNoKey);
            }
            return static_cast<int>(local);
        }
    }
    return -1;
}

void ClientView::forget_before(std::uint32_t acked) {
    // Acknowledgements only grow: a snapshot older than the newest one acknowledged can never be a
    // baseline again. Its buffer is kept for reuse (two at most, so a client that stops
    // acknowledging for a while does not hold on to the memory afterwards).
    for (Sent& s : ring_) {
        if (s.id != 0 && s.id < acked) {
            s.id = 0;
            if (spare_.size() < 2) {
                s.entries.clear();
                spare_.push_back(std::move(s.entries));
            }
            // Not `= {}`: that assigns an empty list and keeps the capacity.
            std::vector<PackedEntry>().swap(s.entries);
        }
    }
    // Local ids of departed entities become free once the client has acknowledged a snapshot
    // made after the departure: every later baseline is at least that new, so none holds the old
    // entity. (Not on a full snapshot: a later delta may still use an older acknowledged one.)
    for (std::size_t i = 0; i < freeing_.size();) {
        if (freeing_[i].second <= acked) {
            const std::uint16_t l = freeing_[i].first;
            taken_[l / 64] &= ~(std::uint64_t{1} << (l % 64));
            freeing_[i] = freeing_.back();
            freeing_.pop_back();
        } else {
            ++i;
        }
    }
}

std::uint32_t ClientView::snapshot(const Frame& frame, Vec2 center, std::uint32_t acked, BitWriter& out,
                                   std::uint32_t& baseline_id, std::size_t budget_bytes,
                                   std::uint32_t own_key, const Shedding& shed) {
    Scratch& sc = t_scratch;
    const std::uint32_t id = next_id_++;
    forget_before(acked);
    // Baseline: the acknowledged snapshot if we still have it; otherwise a full snapshot.
    sc.baseline.clear();
    if (acked != 0) {
        const Sent& b = ring_[acked % ring_.size()];
        if (b.id == acked) {
            for (const PackedEntry& p : b.entries) {
                sc.baseline.push_back(unpack_entry(p));
            }
        }
    }
    const std::span<const ViewEntry> baseline = sc.baseline;
    baseline_id = baseline.empty() ? 0 : acked;

    // Membership with hysteresis: enter inside the rectangle, leave outside rectangle + margin.
    const float hw = config_.half_width * std::clamp(shed.view_scale, 0.1f, 1.0f);
    const float hh = config_.half_height * std::clamp(shed.view_scale, 0.1f, 1.0f);
    const Aabb rect{{center.x - hw, center.y - hh}, {center.x + hw, center.y + hh}};
    const float m = config_.hysteresis;
    const Aabb outer{{rect.min.x - m, rect.min.y - m}, {rect.max.x + m, rect.max.y + m}};
    for (std::uint32_t i = 0; i < members_.size(); ++i) {
        members_[i].seen = false;
        sc.index(members_[i].key, i);
    }
    // The own entity first: a member wherever it is, and the first to get a local id, so that it
    // has one from the client's first snapshot on (the view is centred on it: it never leaves).
    const std::uint32_t own_index = own_key == kNoKey ? kNoKey : frame.find(own_key);
    if (own_index != kNoKey) {
        int own_member = sc.find(own_key);
        if (own_member < 0) {
            const int local = alloc_local();
            if (local >= 0) {
                key_of_[static_cast<std::size_t>(local)] = own_key;
                own_member = static_cast<int>(members_.size());
                sc.index(own_key, static_cast<std::uint32_t>(own_member));
                members_.push_back({own_key, static_cast<std::uint16_t>(local), true, 0.0f, own_index});
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
        const int idx = sc.find(key);
        if (idx >= 0) {
            members_[static_cast<std::size_t>(idx)].seen = true;
            members_[static_cast<std::size_t>(idx)].frame_index = i;
        } else if (inside(rect, p)) {
            const int local = alloc_local();
            if (local < 0) {
                return; // 1024 entities in view: the rest wait for room
            }
            key_of_[static_cast<std::size_t>(local)] = key;
            sc.index(key, static_cast<std::uint32_t>(members_.size()));
            members_.push_back({key, static_cast<std::uint16_t>(local), true, 1e6f, i});
        }
    });
    sc.clear_hash();
    int own_member = -1;
    for (std::size_t i = 0; i < members_.size();) {
        if (!members_[i].seen) {
            key_of_[members_[i].local] = kNoKey;
            freeing_.emplace_back(members_[i].local, id); // its id is taken until acknowledged gone
            members_[i] = members_.back();
            members_.pop_back();
        } else {
            own_member = members_[i].key == own_key && own_index != kNoKey ? static_cast<int>(i) : own_member;
            ++i;
        }
    }

    // Where each local id sits in the baseline (-1: absent), for O(1) lookups.
    for (std::size_t b = 0; b < baseline.size(); ++b) {
        sc.base_index[baseline[b].local_id] = static_cast<std::int16_t>(b);
    }
    // Priorities grow every snapshot by importance and nearness; the cost of sending each
    // member's fresh state is exact (the encoder's own arithmetic).
    const std::int64_t budget =
        static_cast<std::int64_t>(budget_bytes == 0 ? config_.budget_bytes : budget_bytes) * 8;
    // Fixed costs: the new-entry count, and the record of every baseline entry as if it were
    // removed (4 bits); an entry still in view gives back 3 of them (its unchanged record is 1
    // bit, and a change costs its record minus that bit).
    std::int64_t used = kLocalIdBits + 1 + 4 * static_cast<std::int64_t>(baseline.size());
    // Overload: on most snapshots the outer part of the view waits (far_refresh > 1).
    const bool far_waits = shed.far_refresh > 1 && id % static_cast<std::uint32_t>(shed.far_refresh) != 0;
    sc.cost.resize(members_.size());
    sc.far.resize(members_.size());
    for (std::size_t k = 0; k < members_.size(); ++k) {
        Member& mem = members_[k];
        const Vec2 d = frame.position(mem.frame_index) - center;
        const float dist = std::sqrt(d.x * d.x + d.y * d.y);
        mem.priority += frame.importance(mem.frame_index) * kNearness / (kNearness + dist);
        sc.far[k] = far_waits && static_cast<int>(k) != own_member &&
                            (std::abs(d.x) > 0.5f * hw || std::abs(d.y) > 0.5f * hh)
                        ? 1
                        : 0;
        const QEntity& fresh = frame.entity(mem.frame_index);
        const std::int16_t b = sc.base_index[mem.local];
        if (b >= 0 && baseline[static_cast<std::size_t>(b)].entity.kind == fresh.kind) {
            const QEntity& old = baseline[static_cast<std::size_t>(b)].entity;
            sc.cost[k] = old == fresh ? 0 : delta_cost(old, fresh) - 1;
            used -= 3;
        } else {
            sc.cost[k] = new_entry_cost(fresh);
        }
    }
    std::int64_t wanted = used;
    for (std::size_t k = 0; k < members_.size(); ++k) {
        wanted += sc.far[k] != 0 ? 0 : sc.cost[k];
    }
    // Everything fits (the usual case): no ordering needed. Otherwise the highest priorities go
    // first and the rest keep their last sent state.
    sc.order.resize(members_.size());
    for (std::uint32_t i = 0; i < sc.order.size(); ++i) {
        sc.order[i] = i;
    }
    if (wanted > budget) {
        std::sort(sc.order.begin(), sc.order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return members_[a].priority != members_[b].priority ? members_[a].priority > members_[b].priority
                                                                : members_[a].local < members_[b].local;
        });
    }
    // The own entity is sent fresh whatever the budget, before the others share what is left.
    if (own_member >= 0) {
        Member& mem = members_[static_cast<std::size_t>(own_member)];
        used += sc.cost[static_cast<std::size_t>(own_member)];
        sc.chosen[mem.local] = &frame.entity(mem.frame_index);
        mem.priority = 0.0f;
    }
    // Chosen states by local id, then read out in id order (no sort).
    for (const std::uint32_t oi : sc.order) {
        if (static_cast<int>(oi) == own_member) {
            continue;
        }
        Member& mem = members_[oi];
        const std::int64_t cost = sc.cost[oi];
        const std::int16_t b = sc.base_index[mem.local];
        const bool known =
            b >= 0 && baseline[static_cast<std::size_t>(b)].entity.kind == frame.entity(mem.frame_index).kind;
        if (cost == 0 || (sc.far[oi] == 0 && used + cost <= budget)) {
            used += cost;
            sc.chosen[mem.local] = &frame.entity(mem.frame_index);
            mem.priority = cost == 0 ? mem.priority : 0.0f;
        } else if (known) {
            sc.chosen[mem.local] = &baseline[static_cast<std::size_t>(b)].entity; // stays as last sent
        }
    }
    sc.current.clear();
    for (std::size_t w = 0; w < taken_.size(); ++w) {
        for (std::uint64_t bits = taken_[w]; bits != 0; bits &= bits - 1) {
            const std::size_t l = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
            if (sc.chosen[l] != nullptr) {
                sc.current.push_back({static_cast<std::uint16_t>(l), *sc.chosen[l]});
                sc.chosen[l] = nullptr;
            }
        }
    }
    for (const ViewEntry& e : baseline) {
        sc.base_index[e.local_id] = -1;
    }
    Sent& slot = ring_[id % ring_.size()];
    if (!encode_delta(baseline, sc.current, out)) {
        // Cannot happen with a Frame's entities and a big enough writer (the caller's bug). The
        // bits are meaningless: the snapshot is not kept, so it never becomes a baseline, and the
        // client, which cannot decode it, asks for a full one.
        slot.id = 0;
        slot.entries.clear();
        return id;
    }
    if (slot.id == 0 && slot.entries.capacity() == 0 && !spare_.empty()) {
        slot.entries = std::move(spare_.back());
        spare_.pop_back();
    }
    slot.id = id;
    slot.entries.resize(sc.current.size());
    for (std::size_t k = 0; k < sc.current.size(); ++k) {
        slot.entries[k] = pack_entry(sc.current[k]);
    }
    return id;
}

} // namespace mgs::sync
