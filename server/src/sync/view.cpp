#include "sync/view.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <numeric>
#include <optional>

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
    // An entity that could not be encoded (a pickup or wall whose index does not fit its 16-bit
    // field; the quantisers keep every other field within its width) would make encode_delta
    // refuse the whole snapshot: it is left out and counted. So every entry is encodable, and the
    // views send the packed entries without checking them again.
    const std::uint32_t index = key & 0xFFFFFFu;
    const auto kind = static_cast<std::size_t>(q.kind);
    if (!encodable(q)) {
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
    packed_.push_back(pack_entry({0, q}));
    importance_.push_back(importance);
}

void Frame::set_entity(std::size_t i, const QEntity& q) {
    assert(encodable(q)); // a static entry's index fitted when it was added; its other field is clamped
    q_[i] = q;
    packed_[i] = pack_entry({0, q});
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
    packed_.clear();
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
            set_entity(i, now);
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
    packed_.resize(static_count_);
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

// Per member, what the snapshot does with it (Work::state).
constexpr std::uint32_t kFar = 1;       // waits for a later snapshot (overload shedding)
constexpr std::uint32_t kKnown = 2;     // in the baseline (same local id and kind)
constexpr std::uint32_t kSendFresh = 4; // in the snapshot with its state now
constexpr std::uint32_t kSendStale = 8; // in the snapshot as last sent (the baseline's entry)
constexpr std::uint32_t kCompetes = 16; // changed, not waiting, not the own entity: if everything
                                        // does not fit, sent by priority while there is room

/// What a snapshot works out for one member (48 bytes). No char-typed field: a store through a
/// char type may alias anything, and the loops over members would reload every pointer after it.
struct Work {
    PackedEntry fresh;   // its state now, under its local id
    DeltaRecord record;  // if known and changed: its section A record
    std::uint32_t cost;  // bits to send its fresh state (0: unchanged)
    std::uint32_t state; // kFar, kKnown, kSendFresh, kSendStale, kCompetes
};

/// What one snapshot needs while it is made, per thread (any number of clients share it, one
/// after another): per member its Work; the snapshot's entries; tables by frame index and by
/// local id that are reset after each use. Nothing here is allocated in steady state (vectors
/// only grow: to the most members seen, and member_at to the largest frame, 2 bytes an entity).
struct Scratch {
    std::vector<std::int16_t> member_at;     // frame index -> member (-1), for membership
    std::vector<Work> work;                  // per member
    std::vector<std::uint64_t> order;        // members competing for the budget, by priority
    std::vector<PackedEntry> current;        // the snapshot's entries by local id (last_entries)
    std::size_t current_n = 0;               // (the first current_n; the vector only grows)
    std::vector<std::uint16_t> added;        // where the new entries are in `current` (section B)
    std::vector<ViewEntry> checked_baseline; // the validating encoder's input, when it is needed
    std::vector<ViewEntry> checked_current;
    std::array<std::uint32_t, kMaxViewEntries> enter{};     // frame indices entering the view
    std::array<std::int16_t, kMaxViewEntries> base_index{}; // local id -> baseline index (-1)
    std::array<std::int16_t, kMaxViewEntries> member_of{};  // local id -> member (-1)
    Scratch() {
        base_index.fill(-1);
        member_of.fill(-1);
    }
};

thread_local Scratch t_scratch;

/// A key that sorts members by priority, highest first, then by local id; the member index in
/// the low bits. Priorities are finite and >= 0; the float's bits are made to sort as unsigned.
std::uint64_t order_key(float priority, std::uint16_t local, std::size_t member) {
    const auto bits = std::bit_cast<std::uint32_t>(priority);
    const std::uint32_t ascending = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    return static_cast<std::uint64_t>(~ascending) << 32 | static_cast<std::uint64_t>(local) << 16 |
           static_cast<std::uint64_t>(member);
}

/// The validating encoder on the unpacked views: what the trusted path would write cannot be
/// written by it (a snapshot that does not fit the writer, a local id whose kind changed), so the
/// reference encoder writes (and refuses) it exactly as it always did.
bool encode_checked(std::span<const PackedEntry> baseline, std::span<const PackedEntry> current, Scratch& sc,
                    BitWriter& out) {
    sc.checked_baseline.clear();
    for (const PackedEntry& p : baseline) {
        sc.checked_baseline.push_back(unpack_entry(p));
    }
    sc.checked_current.clear();
    for (const PackedEntry& p : current) {
        sc.checked_current.push_back(unpack_entry(p));
    }
    return encode_delta(sc.checked_baseline, sc.checked_current, out);
}

} // namespace

ClientView::ClientView(ViewConfig config) : config_(config), ring_(std::max<std::uint32_t>(1, config.ring)) {}

std::span<const PackedEntry> ClientView::last_entries() noexcept {
    return std::span<const PackedEntry>(t_scratch.current).first(t_scratch.current_n);
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
    // Baseline: the acknowledged snapshot if we still have it (read packed, in place; the slot is
    // overwritten only at the end); otherwise a full snapshot.
    std::span<const PackedEntry> baseline;
    if (acked != 0) {
        const Sent& b = ring_[acked % ring_.size()];
        if (b.id == acked) {
            baseline = b.entries;
        }
    }
    baseline_id = baseline.empty() ? 0 : acked;

    // Membership with hysteresis: enter inside the rectangle, leave outside rectangle + margin.
    const float hw = config_.half_width * std::clamp(shed.view_scale, 0.1f, 1.0f);
    const float hh = config_.half_height * std::clamp(shed.view_scale, 0.1f, 1.0f);
    const Aabb rect{{center.x - hw, center.y - hh}, {center.x + hw, center.y + hh}};
    const float m = config_.hysteresis;
    const Aabb outer{{rect.min.x - m, rect.min.y - m}, {rect.max.x + m, rect.max.y + m}};
    // Each member's frame index, and the way back from a frame index to the member (a table by
    // frame index, reset after use: the grid scan below looks every entity up in it).
    if (sc.member_at.size() < frame.size()) {
        sc.member_at.resize(frame.size(), -1);
    }
    // Keys are unique in a frame, so the index a member had in the last frame is still its own
    // when the key there is its key (always for pickups and walls, usually for players).
    const auto frame_n = static_cast<std::uint32_t>(frame.size());
    for (std::size_t k = 0; k < members_.size(); ++k) {
        Member& mem = members_[k];
        mem.seen = false;
        if (mem.frame_index >= frame_n || frame.key_at(mem.frame_index) != mem.key) {
            mem.frame_index = frame.find(mem.key);
        }
        if (mem.frame_index != kNoKey) {
            sc.member_at[mem.frame_index] = static_cast<std::int16_t>(k);
        }
    }
    // The own entity first: a member wherever it is, and the first to get a local id, so that it
    // has one from the client's first snapshot on (the view is centred on it: it never leaves).
    const std::uint32_t own_index = own_key == kNoKey ? kNoKey : frame.find(own_key);
    if (own_index != kNoKey) {
        int own_member = sc.member_at[own_index];
        if (own_member < 0) {
            const int local = alloc_local();
            if (local >= 0) {
                key_of_[static_cast<std::size_t>(local)] = own_key;
                own_member = static_cast<int>(members_.size());
                sc.member_at[own_index] = static_cast<std::int16_t>(own_member);
                members_.push_back({own_key, static_cast<std::uint16_t>(local), true, 0.0f, own_index});
            }
        }
        if (own_member >= 0) {
            members_[static_cast<std::size_t>(own_member)].seen = true;
        }
    }
    // The scan only looks: a member stays while inside the outer rectangle; anything else enters
    // inside both rectangles (the inner one; the outer one if a negative hysteresis made it the
    // smaller; none if NaN), in scan order, while local ids are free (1024 entities in view: the
    // rest wait for room; ids are freed only by forget_before, never during the scan). No call
    // the compiler cannot see through, so the grid's and frame's arrays stay in registers.
    // A taken local id is a member's or waits to be freed (freeing_), so this is the free ones.
    const std::size_t room = kMaxViewEntries - members_.size() - freeing_.size();
    assert(room == static_cast<std::size_t>(std::accumulate(
                       taken_.begin(), taken_.end(), std::ptrdiff_t{kMaxViewEntries},
                       [](std::ptrdiff_t free, std::uint64_t word) { return free - std::popcount(word); })));
    std::size_t entering = 0;
    const Aabb& enter_area = m >= 0.0f ? rect : outer;
    {
        const std::int16_t* const member_at = sc.member_at.data();
        Member* const mems = members_.data();
        std::uint32_t* const enter = sc.enter.data();
        frame.for_each_in(outer, [&](std::uint32_t i) {
            const Vec2 p = frame.position(i);
            const int idx = member_at[i];
            if (idx >= 0) {
                Member& mem = mems[idx];
                mem.seen = mem.seen || inside(outer, p);
            } else if (entering < room && inside(enter_area, p)) {
                enter[entering++] = i;
            }
        });
    }
    // The entering ones get the lowest free local ids, in scan order (each the lowest left).
    std::size_t word = 0;
    for (std::size_t e = 0; e < entering; ++e) {
        while (taken_[word] == ~std::uint64_t{0}) {
            ++word;
        }
        const auto bit = static_cast<std::size_t>(std::countr_one(taken_[word]));
        taken_[word] |= std::uint64_t{1} << bit;
        const auto local = static_cast<std::uint16_t>(word * 64 + bit);
        if (key_of_.size() <= local) {
            key_of_.resize(local + std::size_t{1}, kNoKey);
        }
        const std::uint32_t i = sc.enter[e];
        const std::uint32_t key = frame.key_at(i);
        key_of_[local] = key;
        members_.push_back({key, local, true, 1e6f, i});
    }
    // Where each local id sits in the baseline (-1: absent), for O(1) lookups. Every local id of
    // the baseline is still taken (ids are freed only once a snapshot without them is
    // acknowledged, and such an acknowledgement forgets this baseline): the walk over taken ids
    // below writes the baseline's records, so that is checked here.
    const PackedEntry* const base = baseline.data();
    const std::size_t base_n = baseline.size();
    std::uint64_t untaken = 0;
    for (std::size_t b = 0; b < base_n; ++b) {
        const std::uint16_t l = base[b].local_id();
        sc.base_index[l] = static_cast<std::int16_t>(b);
        untaken |= ~taken_[l / 64] >> (l % 64) & 1u;
    }
    bool trusted = untaken == 0; // and no local id of another kind in the baseline (never)

    // Members that left are dropped (their local id is freed once the client has acknowledged a
    // snapshot without them). Priorities grow every snapshot by importance and nearness. Each
    // member's fresh state is the frame's, packed, under its local id; against the baseline it is
    // unchanged (one 16-byte compare), a record (delta_record: its exact bits, kept for writing)
    // or a new entry.
    const std::int64_t budget =
        static_cast<std::int64_t>(budget_bytes == 0 ? config_.budget_bytes : budget_bytes) * 8;
    // Fixed costs: the new-entry count, and the record of every baseline entry as if it were
    // removed (4 bits); an entry still in view gives back 3 of them (its unchanged record is 1
    // bit, and a change costs its record minus that bit). After the selection below, `used` is
    // the exact size of the delta.
    std::int64_t fixed = kNewCountBits + kRecordRemovedBits * static_cast<std::int64_t>(base_n);
    std::int64_t wanted = 0; // what the members not waiting cost on top of that
    std::size_t added = 0;   // section B entries if everything fits
    // Overload: on most snapshots the outer part of the view waits (far_refresh > 1).
    const bool far_waits = shed.far_refresh > 1 && id % static_cast<std::uint32_t>(shed.far_refresh) != 0;
    if (sc.work.size() < members_.size()) { // sized for the most members seen
        sc.work.resize(members_.size());
    }
    Work* const work = sc.work.data();
    std::int16_t* const member_at = sc.member_at.data();
    std::int16_t* const member_of = sc.member_of.data();
    const std::int16_t* const base_index = sc.base_index.data();
    for (std::size_t k = 0; k < members_.size();) {
        Member& mem = members_[k];
        if (mem.frame_index != kNoKey) {
            member_at[mem.frame_index] = -1;
        }
        if (!mem.seen) {
            key_of_[mem.local] = kNoKey;
            freeing_.emplace_back(mem.local, id); // its id is taken until acknowledged gone
            mem = members_.back();
            members_.pop_back();
            continue; // the member moved here is next
        }
        Work& wk = work[k];
        const bool own = mem.key == own_key && own_index != kNoKey;
        const Vec2 d = frame.position(mem.frame_index) - center;
        const float dist = std::sqrt(d.x * d.x + d.y * d.y);
        mem.priority += frame.importance(mem.frame_index) * kNearness / (kNearness + dist);
        if (own) {
            mem.priority = 0.0f; // sent whatever the budget
        }
        const bool far = far_waits && !own && (std::abs(d.x) > 0.5f * hw || std::abs(d.y) > 0.5f * hh);
        const PackedEntry fresh = frame.packed(mem.frame_index).with_local_id(mem.local);
        wk.fresh = fresh;
        member_of[mem.local] = static_cast<std::int16_t>(k);
        const std::int16_t b = base_index[mem.local];
        std::uint32_t cost = 0;
        std::uint32_t state = far ? kFar : 0;
        if (b >= 0 && base[b].kind() == fresh.kind()) {
            if (!(base[b] == fresh)) {
                wk.record = delta_record(base[b], fresh);
                cost = wk.record.bits - 1;
            }
            fixed -= kRecordRemovedBits - 1;
            state |= kKnown;
        } else {
            trusted = trusted && b < 0;
            cost = new_entry_bits(fresh.kind());
        }
        // If everything fits (the usual case), every member not waiting is sent fresh; one that
        // waits keeps its last sent state if the client has it (1 bit, already counted).
        const bool send = cost == 0 || !far;
        state |= send ? kSendFresh : (state & kKnown) != 0 ? kSendStale : 0;
        added += send && (state & kKnown) == 0 ? 1 : 0;
        wk.cost = cost;
        wanted += far ? 0 : cost;
        state |= cost != 0 && !far && !own ? kCompetes : 0;
        wk.state = state;
        ++k;
    }
    const std::size_t n = members_.size();
    Member* const mems = members_.data();
    std::int64_t used = fixed + wanted;
    if (used > budget) {
        // It does not fit. The own entity is sent fresh whatever the budget, and so is what has
        // not changed; then the members with something to send and not waiting compete: highest
        // priority first (ties by local id), each sent if its cost still fits, else it keeps its
        // last sent state (or is not in the snapshot yet). The others do not touch the budget, so
        // where they would stand in that order changes nothing.
        used = fixed;
        added = 0;
        if (sc.order.size() < n) { // sized for the most members seen
            sc.order.resize(n);
        }
        std::uint64_t* const order = sc.order.data();
        std::size_t competing = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const Work& wk = work[k];
            if ((wk.state & kCompetes) != 0) {
                order[competing++] = order_key(mems[k].priority, mems[k].local, k);
            } else if ((wk.state & kSendFresh) != 0) { // the own entity, or unchanged (cost 0)
                used += wk.cost;
                added += (wk.state & kKnown) == 0 ? 1 : 0;
            }
        }
        // Usually room runs out well before the end: the better half is put in order first, and
        // the rest only if the cheapest of it could still fit (else all of it waits, as the
        // greedy would decide one by one).
        std::size_t from = 0;
        while (from < competing) {
            std::size_t to = competing;
            if (competing - from > 32) {
                to = from + (competing - from) / 2;
                std::nth_element(order + from, order + to, order + competing);
            }
            std::sort(order + from, order + to);
            for (; from < to; ++from) {
                Work& wk = work[order[from] & 0xFFFFu];
                const bool known = (wk.state & kKnown) != 0;
                if (used + wk.cost <= budget) {
                    used += wk.cost;
                    added += known ? 0 : 1;
                    wk.state = (wk.state & kKnown) | kSendFresh;
                } else {
                    wk.state = known ? kKnown | kSendStale : 0;
                }
            }
            std::uint32_t cheapest = UINT32_MAX;
            for (std::size_t o = from; o < competing; ++o) {
                cheapest = std::min(cheapest, work[order[o] & 0xFFFFu].cost);
            }
            if (used + cheapest > budget) {
                for (; from < competing; ++from) {
                    Work& wk = work[order[from] & 0xFFFFu];
                    wk.state = (wk.state & kKnown) != 0 ? kKnown | kSendStale : 0;
                }
            }
        }
    }

    // Writing: `used` is the exact size. One walk over the taken local ids, in order, meets every
    // baseline entry (its section A record is written: removed, unchanged, or the member's record)
    // and every member (the snapshot's entries, fresh or as last sent; the new ones are section
    // B, after the count), and resets the tables by local id.
    if (sc.current.size() < n) { // sized for the most members seen; current_n are used
        sc.current.resize(n);
        sc.added.resize(n);
    }
    PackedEntry* const current = sc.current.data();
    std::uint16_t* const fresh_at = sc.added.data();
    std::size_t entries = 0;
    std::size_t news = 0;
    trusted = trusted && out.fits(static_cast<std::size_t>(used));
    [[maybe_unused]] const std::size_t start_bits = out.bits();
    std::optional<BitAppender> a;
    if (trusted) {
        a.emplace(out, static_cast<std::size_t>(used));
    }
    for (std::size_t w = 0; w < taken_.size(); ++w) {
        for (std::uint64_t bits = taken_[w]; bits != 0; bits &= bits - 1) {
            const std::size_t l = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
            const std::int16_t c = member_of[l];
            const std::int16_t b = base_index[l];
            const Work* const wk = c >= 0 ? &work[c] : nullptr;
            const bool fresh = wk != nullptr && (wk->state & kSendFresh) != 0;
            if (b >= 0) {
                sc.base_index[l] = -1;
                if (trusted) {
                    if (wk == nullptr) {
                        a->put(kRecordRemoved, kRecordRemovedBits);
                    } else if (fresh && wk->cost != 0) {
                        put_record(*a, wk->record);
                    } else {
                        a->put(0, 1); // unchanged, or kept as last sent
                    }
                }
            }
            if (wk == nullptr) {
                continue;
            }
            member_of[l] = -1;
            if (fresh) {
                if ((wk->state & kKnown) == 0) {
                    fresh_at[news++] = static_cast<std::uint16_t>(entries);
                }
                current[entries++] = wk->fresh;
                if (wk->cost != 0) {
                    mems[c].priority = 0.0f;
                }
            } else if ((wk->state & kSendStale) != 0) {
                current[entries++] = base[b];
            }
        }
    }
    if (untaken != 0) {
        for (std::size_t b = 0; b < base_n; ++b) {
            sc.base_index[base[b].local_id()] = -1;
        }
    }
    sc.current_n = entries;
    const std::span<const PackedEntry> snapshot_entries(current, entries);
    bool ok = true;
    if (trusted) {
        assert(news == added);
        a->put(added, kNewCountBits);
        for (std::size_t k = 0; k < news; ++k) {
            put_new_entry(*a, current[fresh_at[k]]);
        }
        a->finish();
        assert(out.bits() - start_bits == static_cast<std::size_t>(used));
    } else {
        ok = encode_checked(baseline, snapshot_entries, sc, out);
    }
    Sent& slot = ring_[id % ring_.size()]; // may be the baseline's: it is not read any more
    if (!ok) {
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
    slot.entries.assign(snapshot_entries.begin(), snapshot_entries.end());
    return id;
}

} // namespace mgs::sync
