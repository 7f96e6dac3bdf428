// mgs-golden: golden vectors of the server for the TypeScript client's tests, so that the C++
// server and the TypeScript client cannot drift apart (proto/testdata/README.md).
//
//   mgs-golden --write DIR [FILE]   writes DIR/server_messages.json and DIR/movement.json
//   mgs-golden --check DIR [FILE]   regenerates them in memory; exit 1 if DIR's files differ (ctest)
//   FILE (server_messages or movement) limits either to that one file.
//
// server_messages.json holds, for every message, its bytes (hex) and what a decoder must read:
//   snapshot_sequences  Envelope(Snapshot) messages in delivery order, each with its header,
//                       effects and the whole view a client holds after decoding it. Built from
//                       hand-made views (every entity kind and every record form of the delta
//                       format, id reuse, full snapshots, extreme values) and from a seeded random
//                       walk; encoded with sync::encode_delta.
//   deltas              bare delta payloads with a baseline: hand-written bit streams the C++
//                       decode_delta accepts (with the view it yields) or rejects ("valid": false).
//                       The TypeScript decoder must agree on every one.
//   messages            one or more of every other server message (Welcome, Pong, Events, Chat,
//                       Scoreboard) with their fields.
// Everything is checked here first: each snapshot decodes with sync::decode_delta to its view,
// each delta case is accepted or rejected as labelled, and the sequences cover every record form.
//
// movement.json holds the path of one player stepped by a real sim::World (no bots) on hand-made
// maps, tick by tick, for the client's movement prediction (client/src/game/movement.ts): scripted
// inputs in all 8 directions, into walls, corners and a thin wall, sliding along walls, boosted,
// through a destroyed wall, against the map bounds, out of a wall it started in; at two rule sets.
// Deterministic: same binary, same bytes.
#include "core/parallel.hpp"
#include "proto/game_generated.h"
#include "sim/world.hpp"
#include "sync/delta.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace mgs;
using Json = nlohmann::ordered_json;
using sync::EntityKind;
using sync::QEntity;
using sync::ViewEntry;
using View = std::vector<ViewEntry>;

namespace {

constexpr std::uint32_t kPosMax = (1u << 18) - 1;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what);
}

ViewEntry entry(std::uint16_t id, EntityKind kind, std::initializer_list<std::uint32_t> values) {
    ViewEntry e{id, QEntity{kind, {}}};
    std::size_t i = 0;
    for (const std::uint32_t v : values) {
        e.entity.f[i++] = v;
    }
    if (i != sync::fields(kind).size()) {
        fail("entry " + std::to_string(id) + ": wrong number of fields");
    }
    return e;
}

// x, y, aim, health, shield, weapon, team, status, id
ViewEntry player(std::uint16_t id, std::uint32_t x, std::uint32_t y, std::uint32_t aim, std::uint32_t health,
                 std::uint32_t shield, std::uint32_t weapon, std::uint32_t team, std::uint32_t status,
                 std::uint32_t slot) {
    return entry(id, EntityKind::Player, {x, y, aim, health, shield, weapon, team, status, slot});
}
ViewEntry projectile(std::uint16_t id, std::uint32_t x, std::uint32_t y, std::uint32_t angle,
                     std::uint32_t weapon, std::uint32_t spawn_tick) {
    return entry(id, EntityKind::Projectile, {x, y, angle, weapon, spawn_tick});
}
ViewEntry pickup(std::uint16_t id, std::uint32_t index, std::uint32_t available) {
    return entry(id, EntityKind::Pickup, {index, available});
}
ViewEntry wall(std::uint16_t id, std::uint32_t index, std::uint32_t health) {
    return entry(id, EntityKind::Wall, {index, health});
}
ViewEntry flag(std::uint16_t id, std::uint32_t x, std::uint32_t y, std::uint32_t team, std::uint32_t state) {
    return entry(id, EntityKind::Flag, {x, y, team, state});
}

ViewEntry& at(View& v, std::uint16_t id) {
    for (ViewEntry& e : v) {
        if (e.local_id == id) {
            return e;
        }
    }
    fail("no entry " + std::to_string(id));
}

void remove_id(View& v, std::uint16_t id) {
    std::erase_if(v, [id](const ViewEntry& e) { return e.local_id == id; });
}

void insert(View& v, const ViewEntry& e) {
    auto it = v.begin();
    while (it != v.end() && it->local_id < e.local_id) {
        ++it;
    }
    if (it != v.end() && it->local_id == e.local_id) {
        fail("duplicate id " + std::to_string(e.local_id));
    }
    v.insert(it, e);
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        s += kDigits[b >> 4];
        s += kDigits[b & 15];
    }
    return s;
}

Json view_json(std::span<const ViewEntry> view) {
    Json out = Json::array();
    for (const ViewEntry& e : view) {
        Json f = Json::array();
        for (std::size_t i = 0; i < sync::fields(e.entity.kind).size(); ++i) {
            f.push_back(e.entity.f[i]);
        }
        out.push_back({{"id", e.local_id}, {"kind", static_cast<int>(e.entity.kind)}, {"f", f}});
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Record forms, for the coverage check: what encode_delta writes for each entry (the rules of
// delta.hpp), counted over every snapshot of the file.

struct Census {
    std::map<std::string, int> n;
    void add(const std::string& k, int c = 1) { n[k] += c; }
};

constexpr std::array<std::array<std::uint32_t, 2>, 5> kCommon{{
    {0b11, 0b111},
    {0, 0},
    {0b10, 0},
    {0b10, 0},
    {0b11, 0b1000},
}};

bool fits(const sync::FieldSpec& fs, std::uint32_t before, std::uint32_t after) {
    const std::int64_t d = static_cast<std::int64_t>(after) - before;
    const std::int64_t lim = std::int64_t{1} << (fs.delta_bits - 1);
    return fs.delta_bits > 0 && d >= -lim && d < lim;
}

void census(std::span<const ViewEntry> baseline, std::span<const ViewEntry> current, Census& c) {
    std::map<std::uint16_t, const ViewEntry*> now;
    for (const ViewEntry& e : current) {
        now[e.local_id] = &e;
    }
    for (const ViewEntry& b : baseline) {
        const auto it = now.find(b.local_id);
        if (it == now.end()) {
            c.add("removed");
            continue;
        }
        const QEntity& after = it->second->entity;
        now.erase(it);
        const auto spec = sync::fields(after.kind);
        const auto kind = static_cast<std::size_t>(after.kind);
        std::uint32_t mask = 0;
        for (std::size_t i = 0; i < spec.size(); ++i) {
            mask |= (b.entity.f[i] != after.f[i] ? 1u : 0u) << i;
        }
        if (mask == 0) {
            c.add("unchanged");
            continue;
        }
        bool all_fit = true;
        for (std::size_t i = 0; i < spec.size(); ++i) {
            if ((mask >> i & 1u) != 0 && spec[i].delta_bits > 0 &&
                !fits(spec[i], b.entity.f[i], after.f[i])) {
                all_fit = false;
            }
        }
        const std::string k = std::to_string(kind);
        if (mask == kCommon[kind][0] && all_fit) {
            c.add("compact0");
            c.add("compact0 kind " + k);
        } else if (mask == kCommon[kind][1] && all_fit) {
            c.add("compact1");
            c.add("compact1 kind " + k);
        } else {
            c.add("explicit");
            c.add("explicit kind " + k);
            for (std::size_t i = 0; i < spec.size(); ++i) {
                if ((mask >> i & 1u) != 0 && spec[i].delta_bits > 0) {
                    c.add(fits(spec[i], b.entity.f[i], after.f[i]) ? "explicit delta" : "explicit full");
                }
            }
        }
    }
    for (const auto& [id, e] : now) {
        c.add("new");
        c.add("new kind " + std::to_string(static_cast<int>(e->entity.kind)));
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

struct Step {
    std::uint32_t id;
    std::uint32_t baseline; // 0 = full
    std::uint32_t tick;
    std::uint32_t last_input;
    View view;
    std::vector<proto::Effect> effects;
    bool effects_present = true;
};

Json effect_json(const proto::Effect& e) {
    return {{"type", static_cast<int>(e.type())},
            {"detail", e.detail()},
            {"value", e.value()},
            {"x", e.x()},
            {"y", e.y()},
            {"a", e.a()},
            {"b", e.b()}};
}

Json encode_sequence(const std::string& name, const std::vector<Step>& steps, Census& c) {
    std::map<std::uint32_t, const View*> sent;
    Json snaps = Json::array();
    for (const Step& s : steps) {
        static const View kEmpty;
        const View* base = &kEmpty;
        if (s.baseline != 0) {
            const auto it = sent.find(s.baseline);
            if (it == sent.end()) {
                fail(name + ": snapshot " + std::to_string(s.id) + " names an unknown baseline");
            }
            base = it->second;
        }
        std::vector<std::uint8_t> buf(16384);
        sync::BitWriter w(buf);
        if (!sync::encode_delta(*base, s.view, w)) {
            fail(name + ": encode_delta refused snapshot " + std::to_string(s.id));
        }
        const std::span<const std::uint8_t> delta = w.data();
        sync::BitReader r(delta);
        std::vector<ViewEntry> decoded;
        if (!sync::decode_delta(*base, r, decoded) || decoded != s.view) {
            fail(name + ": snapshot " + std::to_string(s.id) + " does not decode to its view");
        }
        census(*base, s.view, c);

        flatbuffers::FlatBufferBuilder fb;
        const proto::SnapshotHeader header(s.id, s.tick, s.baseline, s.last_input);
        const auto data = fb.CreateVector(delta.data(), delta.size());
        const auto effects = s.effects_present
                                 ? fb.CreateVectorOfStructs(s.effects)
                                 : flatbuffers::Offset<flatbuffers::Vector<const proto::Effect*>>{};
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Snapshot,
                                        proto::CreateSnapshot(fb, &header, data, effects).Union()));
        Json fx = Json::array();
        for (const proto::Effect& e : s.effects) {
            fx.push_back(effect_json(e));
        }
        snaps.push_back(
            {{"hex", hex({fb.GetBufferPointer(), fb.GetSize()})},
             {"delta_bits", w.bits()},
             {"header",
              {{"id", s.id}, {"tick", s.tick}, {"baseline", s.baseline}, {"last_input", s.last_input}}},
             {"effects", fx},
             {"view", view_json(s.view)}});
        sent[s.id] = &s.view;
    }
    return {{"name", name}, {"snapshots", snaps}};
}

using ET = proto::EffectType;

// Hand-made: every kind, every record form, extremes, id reuse, a baseline older than the previous
// snapshot, a full snapshot mid-stream, a view emptied and refilled.
std::vector<Step> scripted() {
    std::vector<Step> steps;
    constexpr std::uint32_t kAlive = 1, kCarrying = 2, kProtected = 4, kSpeed = 8, kReloading = 32;

    View v1{
        player(0, 8000, 16000, 10, 100, 0, 0, 0, kAlive, 7),
        player(1, 20000, 4000, 250, 127, 63, 4, 1, kAlive | kProtected | kSpeed, 12),
        player(2, 100, 100, 0, 50, 10, 2, 2, kAlive | kReloading, 300),
        projectile(3, 8100, 16050, 10, 1, 99),
        pickup(5, 17, 1),
        wall(7, 42, 300),
        flag(9, 4000, 24000, 0, 0),
        flag(10, 60000, 24000, 1, 0),
        player(12, kPosMax, kPosMax, 255, 127, 63, 7, 3, 127, 65535),
        projectile(13, kPosMax, kPosMax, 255, 7, 65535),
        pickup(14, 65535, 1),
        wall(15, 65535, 511),
        flag(16, kPosMax, kPosMax, 1, 3),
        player(20, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        projectile(1023, 0, 0, 0, 0, 0),
    };
    steps.push_back({1,
                     0,
                     100,
                     0,
                     v1,
                     {proto::Effect(ET::Shot, 1, 0, 2025, 4006, 7, 0xFFFF),
                      proto::Effect(ET::Damage, 1, 25, 2000, 4000, 7, 12),
                      proto::Effect(ET::Flag, 0, 0, 2000, 12000, 0xFFFF, 0)}});

    View v2 = v1;
    at(v2, 0).entity.f[0] += 5; // compact mask 0 (x, y): the example of delta.hpp
    at(v2, 0).entity.f[1] -= 3;
    at(v2, 1).entity.f[0] -= 128; // compact mask 1 (x, y, aim), each delta at its limit
    at(v2, 1).entity.f[1] += 127;
    at(v2, 1).entity.f[2] -= 16;
    at(v2, 5).entity.f[1] = 0;   // pickup compact mask 0 (available)
    at(v2, 7).entity.f[1] -= 32; // wall compact mask 0 (health), -32 is the lowest s(6)
    at(v2, 9).entity.f[0] += 10; // flag compact mask 0 (x, y)
    at(v2, 9).entity.f[1] += 10;
    at(v2, 10).entity.f[3] = 1;  // flag compact mask 1 (state)
    at(v2, 12).entity.f[3] -= 7; // explicit: health by a delta that fits, shield in full
    at(v2, 12).entity.f[4] = 0;
    at(v2, 20).entity.f[0] = 127; // explicit: x alone is no common mask
    insert(v2, projectile(4, 8200, 16000, 20, 3, 101));
    steps.push_back({2, 1, 102, 11, v2, {}, false});

    View v3 = v2;
    at(v3, 0).entity.f[0] += 200; // explicit (mask 0 but x does not fit): x full, y delta
    at(v3, 0).entity.f[1] -= 3;
    at(v3, 1).entity.f[0] = 3000; // teleported (respawn): explicit, full values
    at(v3, 1).entity.f[1] = 250000;
    at(v3, 1).entity.f[5] = 0;
    at(v3, 1).entity.f[7] = kAlive | kProtected;
    remove_id(v3, 2);
    remove_id(v3, 3);
    at(v3, 5).entity.f[1] = 1;
    at(v3, 7).entity.f[1] = 0; // destroyed: delta -268 does not fit s(6), explicit full
    at(v3, 9).entity.f[0] += 8;
    at(v3, 9).entity.f[1] += 8;
    at(v3, 10).entity.f[0] = 61000; // dropped somewhere else: x, y, state, explicit
    at(v3, 10).entity.f[1] = 23000;
    at(v3, 10).entity.f[3] = 2;
    at(v3, 12).entity.f[2] = 0; // aim 255 -> 0: no wrap-around in deltas, a full value
    remove_id(v3, 13);
    insert(v3, player(6, 9000, 9000, 64, 100, 0, 1, 0, kAlive | kCarrying, 40));
    insert(v3, wall(11, 7, 120));
    steps.push_back(
        {3, 2, 105, 12, v3, {proto::Effect(ET::WallDestroyed, 0, 42, 1000, 2000, 0xFFFF, 0xFFFF)}});

    View v4 = v3;
    insert(v4, pickup(2, 99, 1));                             // id 2 reused (was a player)
    insert(v4, player(3, 1, 2, 3, 4, 5, 6, 2, kAlive, 1234)); // id 3 reused (was a projectile)
    at(v4, 0).entity.f[0] -= 1;
    at(v4, 0).entity.f[1] += 1;
    at(v4, 0).entity.f[2] += 15;
    at(v4, 1).entity.f[3] = 100;
    steps.push_back({4, 3, 108, 14, v4, {proto::Effect(ET::Death, 2, 0, 10, 20, 0xFFFF, 40)}});

    // The client had not acknowledged 4 yet: 5 is encoded against 3.
    View v5 = v4;
    at(v5, 0).entity.f[0] += 2;
    at(v5, 6).entity.f[7] = kAlive;
    remove_id(v5, 11);
    steps.push_back({5, 3, 111, 15, v5, {}});

    // A full snapshot (the client's acknowledged one was too old).
    View v6 = v5;
    at(v6, 14).entity.f[1] = 0;
    steps.push_back({6, 0, 114, 16, v6, {proto::Effect(ET::PickupTaken, 3, 14, 65535, 65535, 7, 0)}});

    // Everything leaves, then comes back against the empty view.
    steps.push_back({7, 6, 117, 16, View{}, {}});
    View v8{pickup(0, 1, 1), wall(1, 2, 3), flag(2, 4, 5, 0, 1), player(3, 6, 7, 8, 9, 10, 1, 1, kAlive, 11)};
    steps.push_back({8, 7, 120, 17, v8, {}});
    return steps;
}

// A seeded random walk over about 60 entities for 12 snapshots: moves, field changes, removals,
// arrivals with reused ids; each snapshot against the previous one or the one before it.
std::vector<Step> random_walk() {
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state]() -> std::uint32_t { // splitmix64
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
    };
    auto below = [&next](std::uint32_t n) { return next() % n; };
    auto random_entity = [&](std::uint16_t id) {
        const auto kind = static_cast<EntityKind>(below(5));
        ViewEntry e{id, QEntity{kind, {}}};
        const auto spec = sync::fields(kind);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            e.entity.f[i] = next() & ((1u << spec[i].bits) - 1);
        }
        return e;
    };

    std::vector<Step> steps;
    View v;
    for (std::uint16_t id = 0; id < 60; ++id) {
        v.push_back(random_entity(static_cast<std::uint16_t>(id * 3 + below(3))));
    }
    steps.push_back({1, 0, 1000, 500, v, {}});
    for (std::uint32_t id = 2; id <= 12; ++id) {
        View next_view;
        for (ViewEntry e : v) {
            const std::uint32_t roll = below(100);
            const auto spec = sync::fields(e.entity.kind);
            if (roll < 8) {
                continue; // removed
            }
            if (roll < 55) {
                // small moves of the delta-coded fields
                for (std::size_t i = 0; i < spec.size(); ++i) {
                    if (spec[i].delta_bits > 0 && below(2) == 0) {
                        const std::int64_t lim = std::int64_t{1} << (spec[i].delta_bits - 1);
                        const std::int64_t d =
                            static_cast<std::int64_t>(below(static_cast<std::uint32_t>(2 * lim))) - lim;
                        const std::int64_t nv = static_cast<std::int64_t>(e.entity.f[i]) + d;
                        if (nv >= 0 && nv < (std::int64_t{1} << spec[i].bits)) {
                            e.entity.f[i] = static_cast<std::uint32_t>(nv);
                        }
                    }
                }
            } else if (roll < 70) {
                const std::size_t i = below(static_cast<std::uint32_t>(spec.size()));
                e.entity.f[i] = next() & ((1u << spec[i].bits) - 1); // any field, any value
            }
            next_view.push_back(e);
        }
        // Arrivals at ids free in the last three views (the server reuses an id only once the
        // client acknowledged a snapshot without it).
        const std::uint32_t arrivals = below(6);
        for (std::uint32_t k = 0; k < arrivals; ++k) {
            const auto cand = static_cast<std::uint16_t>(below(200));
            auto used = [cand](const View& w) {
                for (const ViewEntry& e : w) {
                    if (e.local_id == cand) return true;
                }
                return false;
            };
            const std::size_t n = steps.size();
            if (used(next_view) || used(steps[n - 1].view) || (n >= 2 && used(steps[n - 2].view))) {
                continue;
            }
            insert(next_view, random_entity(cand));
        }
        const std::uint32_t baseline = (id % 4 == 0) ? id - 2 : id - 1;
        steps.push_back({id,
                         baseline,
                         1000 + id * 3 / 2,
                         500 + id * 2,
                         next_view,
                         {proto::Effect(static_cast<ET>(below(11)), static_cast<std::uint8_t>(below(256)),
                                        static_cast<std::uint16_t>(below(65536)),
                                        static_cast<std::uint16_t>(below(65536)),
                                        static_cast<std::uint16_t>(below(65536)),
                                        static_cast<std::uint16_t>(below(65536)),
                                        static_cast<std::uint16_t>(below(65536)))}});
        v = next_view;
    }
    return steps;
}

// ---------------------------------------------------------------------------------------------
// Bare delta payloads, written bit by bit.

class Bits {
public:
    Bits() : buf_(8192), w_(buf_) {}
    Bits& u(std::uint32_t v, int n) {
        w_.write(v, n);
        return *this;
    }
    Bits& s(std::int32_t v, int n) { return u(static_cast<std::uint32_t>(v), n); }
    // Prefix codes of section A.
    Bits& unchanged() { return u(0, 1); }
    Bits& compact0() { return u(0b01, 2); }
    Bits& compact1() { return u(0b011, 3); }
    Bits& explicit_mask(std::uint32_t mask, int nfields) { return u(0b0111, 4).u(mask, nfields); }
    Bits& removed() { return u(0b1111, 4); }
    Bits& count(std::uint32_t n) { return u(n, 11); }
    Bits& head(std::uint32_t id, std::uint32_t kind) { return u(id, 10).u(kind, 3); }
    Bits& new_entry(const ViewEntry& e) {
        head(e.local_id, static_cast<std::uint32_t>(e.entity.kind));
        const auto spec = sync::fields(e.entity.kind);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            u(e.entity.f[i], spec[i].bits);
        }
        return *this;
    }
    [[nodiscard]] std::vector<std::uint8_t> bytes() const {
        if (w_.overflowed()) fail("Bits overflowed");
        const auto d = w_.data();
        return {d.begin(), d.end()};
    }

private:
    std::vector<std::uint8_t> buf_;
    sync::BitWriter w_;
};

struct DeltaCase {
    std::string name;
    View baseline;
    std::vector<std::uint8_t> data;
    bool valid;
    View view; // when valid
};

std::vector<DeltaCase> delta_cases() {
    std::vector<DeltaCase> cases;
    const ViewEntry p = player(4, 1000, 2000, 100, 90, 20, 1, 0, 1, 77);
    const ViewEntry pr = projectile(8, 500, 600, 70, 2, 1234);
    const ViewEntry pk = pickup(9, 12, 1);
    const ViewEntry wl = wall(10, 300, 200);
    const ViewEntry fl = flag(11, 4000, 5000, 1, 0);
    const View base{p, pr, pk, wl, fl};
    auto with = [](ViewEntry e, std::size_t field, std::uint32_t v) {
        e.entity.f[field] = v;
        return e;
    };
    auto all_unchanged = [](Bits& b, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) b.unchanged();
        return &b;
    };
    auto valid = [&](std::string name, const View& baseline, const Bits& b, View view) {
        cases.push_back({std::move(name), baseline, b.bytes(), true, std::move(view)});
    };
    auto invalid = [&](std::string name, const View& baseline, const Bits& b) {
        cases.push_back({std::move(name), baseline, b.bytes(), false, {}});
    };
    auto invalid_bytes = [&](std::string name, const View& baseline, std::vector<std::uint8_t> bytes) {
        cases.push_back({std::move(name), baseline, std::move(bytes), false, {}});
    };

    // Accepted, including forms encode_delta never writes.
    {
        Bits b;
        b.count(0);
        valid("empty view, count 0", {}, b, {});
    }
    {
        Bits b;
        all_unchanged(b, 5)->count(0);
        valid("all unchanged", base, b, base);
    }
    {
        Bits b;
        b.explicit_mask(0b11, 9).u(1, 1).s(5, 8).u(1, 1).s(-3, 8);
        all_unchanged(b, 4)->count(0);
        valid("explicit mask equal to common mask 0", base, b,
              {with(with(p, 0, 1005), 1, 1997), pr, pk, wl, fl});
    }
    {
        Bits b;
        b.compact0().s(0, 8).s(0, 8);
        all_unchanged(b, 4)->count(0);
        valid("compact record with zero deltas", base, b, base);
    }
    {
        Bits b;
        b.explicit_mask(0b1, 9).u(0, 1).u(1000, 18);
        all_unchanged(b, 4)->count(0);
        valid("explicit full value equal to the old one", base, b, base);
    }
    {
        Bits b;
        b.compact1().s(-128, 8).s(127, 8).s(-16, 5).unchanged().compact0().u(0, 1).compact0().s(31, 6);
        b.compact1().u(3, 2).count(0);
        valid("compact forms of every kind that has them", base, b,
              {with(with(with(p, 0, 872), 1, 2127), 2, 84), pr, with(pk, 1, 0), with(wl, 1, 231),
               with(fl, 3, 3)});
    }
    {
        Bits b;
        b.explicit_mask(0b111111111, 9);
        b.u(0, 1).u(kPosMax, 18).u(0, 1).u(0, 18).u(1, 1).s(-16, 5).u(1, 1).s(7, 4);
        b.u(63, 6).u(7, 3).u(3, 2).u(127, 7).u(65535, 16);
        b.explicit_mask(0b11111, 5).u(1, 18).u(2, 18).u(3, 8).u(4, 3).u(5, 16);
        b.explicit_mask(0b11, 2).u(65535, 16).u(0, 1);
        b.explicit_mask(0b11, 2).u(65535, 16).u(0, 1).u(511, 9);
        b.explicit_mask(0b1111, 4).u(1, 1).s(-128, 8).u(1, 1).s(127, 8).u(0, 1).u(3, 2);
        b.count(0);
        valid("explicit records with every field", base, b,
              {player(4, kPosMax, 0, 84, 97, 63, 7, 3, 127, 65535), projectile(8, 1, 2, 3, 4, 5),
               pickup(9, 65535, 0), wall(10, 65535, 511), flag(11, 3872, 5127, 0, 3)});
    }
    {
        Bits b;
        b.removed().unchanged().removed().unchanged().removed().count(2);
        b.new_entry(player(0, 1, 2, 3, 4, 5, 6, 3, 8, 9)).new_entry(flag(1023, kPosMax, kPosMax, 1, 3));
        valid("removals and new entries around kept ones", base, b,
              {player(0, 1, 2, 3, 4, 5, 6, 3, 8, 9), pr, wl, flag(1023, kPosMax, kPosMax, 1, 3)});
    }
    {
        Bits b;
        all_unchanged(b, 5)->count(1).new_entry(pickup(5, 1, 1)).u(0xFFFF, 16);
        View v = base;
        insert(v, pickup(5, 1, 1));
        auto bytes = b.bytes();
        bytes.push_back(0xFF);
        cases.push_back({"trailing bits and bytes after section B are ignored", base, bytes, true, v});
    }
    {
        Bits b;
        b.count(1024);
        View v;
        for (std::uint16_t id = 0; id < 1024; ++id) {
            const ViewEntry e = pickup(id, id * 3u % 4096u, id % 2u);
            b.new_entry(e);
            v.push_back(e);
        }
        valid("1024 new entries (the most a view holds)", {}, b, v);
    }

    // Rejected.
    invalid_bytes("empty payload, empty baseline", {}, {});
    invalid_bytes("empty payload against a baseline", base, {});
    {
        Bits b;
        b.unchanged().unchanged().unchanged().unchanged().u(0, 1);
        invalid("truncated in section A (no count)", base, b);
    }
    {
        Bits b;
        b.compact0().s(5, 8).u(0, 3);
        invalid("truncated inside a compact record", base, b);
    }
    {
        Bits b;
        b.count(2).new_entry(player(1, 1, 2, 3, 4, 5, 6, 1, 1, 9)).new_entry(wall(2, 3, 4));
        auto bytes = b.bytes();
        bytes.pop_back();
        bytes.pop_back();
        invalid_bytes("truncated inside a new entry", {}, bytes);
    }
    {
        Bits b;
        b.u(0b1, 1).u(0b1, 1);
        invalid("truncated right after a prefix code", base, b);
    }
    for (std::uint32_t kind : {5u, 6u, 7u}) {
        Bits b;
        b.count(1).head(3, kind).u(0, 32).u(0, 32).u(0, 32);
        invalid("bad kind " + std::to_string(kind), {}, b);
    }
    {
        Bits b;
        b.count(2).new_entry(pickup(5, 1, 1)).new_entry(pickup(3, 1, 1));
        invalid("new ids not increasing", {}, b);
    }
    {
        Bits b;
        b.count(2).new_entry(pickup(5, 1, 1)).new_entry(pickup(5, 2, 1));
        invalid("new ids repeated", {}, b);
    }
    {
        Bits b;
        all_unchanged(b, 5)->count(1).new_entry(pickup(9, 1, 1));
        invalid("new id already in the baseline", base, b);
    }
    {
        Bits b;
        b.removed();
        all_unchanged(b, 4)->count(1).new_entry(pickup(4, 1, 1));
        invalid("removed id reused in the same snapshot", base, b);
    }
    {
        View v{player(0, 3, 0, 0, 0, 0, 0, 0, 0, 0)};
        Bits c;
        c.compact0().s(-5, 8).s(0, 8).count(0);
        invalid("delta below 0 (compact x)", v, c);
    }
    {
        View v{player(0, kPosMax, 0, 0, 0, 0, 0, 0, 0, 0)};
        Bits c;
        c.explicit_mask(0b1, 9).u(1, 1).s(1, 8).count(0);
        invalid("delta above the field's range (explicit x)", v, c);
    }
    {
        View v{player(0, 0, 0, 250, 0, 0, 0, 0, 0, 0)};
        Bits c;
        c.compact1().s(0, 8).s(0, 8).s(15, 5).count(0);
        invalid("delta above the field's range (aim 250 + 15)", v, c);
    }
    {
        View v{player(0, 0, 0, 0, 125, 0, 0, 0, 0, 0)};
        Bits c;
        c.explicit_mask(0b1000, 9).u(1, 1).s(7, 4).count(0);
        invalid("delta above the field's range (health 125 + 7)", v, c);
    }
    {
        View v{wall(0, 1, 500)};
        Bits c;
        c.compact0().s(31, 6).count(0);
        invalid("delta above the field's range (wall health 500 + 31)", v, c);
    }
    {
        View v{flag(0, 2, 0, 0, 0)};
        Bits c;
        c.compact0().s(-3, 8).s(0, 8).count(0);
        invalid("delta below 0 (flag x)", v, c);
    }
    {
        View v{pr};
        Bits c;
        c.compact0().u(0, 32).count(0);
        invalid("compact prefix 1 0 on a projectile (no common mask)", v, c);
        Bits d;
        d.compact1().u(0, 32).count(0);
        invalid("compact prefix 1 1 0 on a projectile", v, d);
    }
    {
        Bits c;
        c.unchanged().unchanged().compact1().u(0, 16).count(0);
        invalid("compact prefix 1 1 0 on a pickup", base, c);
        Bits d;
        d.unchanged().unchanged().unchanged().compact1().u(0, 16).count(0);
        invalid("compact prefix 1 1 0 on a wall", base, d);
    }
    {
        Bits c;
        c.explicit_mask(0, 9).count(0);
        invalid("explicit record with an empty mask", base, c);
    }
    {
        Bits b;
        b.count(1025);
        for (std::uint16_t id = 0; id < 1025; ++id) {
            b.head(id % 1024u, 2).u(0, 13);
        }
        invalid("count 1025", {}, b);
    }
    {
        Bits b;
        b.count(2047).u(0, 32);
        invalid("count 2047", {}, b);
    }
    {
        const View one{pickup(1023, 1, 1)};
        Bits b;
        b.unchanged().count(1024);
        for (std::uint16_t id = 0; id < 1024; ++id) {
            b.new_entry(pickup(id, 1, 1));
        }
        invalid("more than 1024 entries (kept + count)", one, b);
    }
    {
        Bits b;
        b.count(3).new_entry(pickup(0, 1, 1)).new_entry(pickup(1, 1, 1)).u(0, 20);
        invalid("count larger than the bits left can hold", {}, b);
    }
    return cases;
}

// ---------------------------------------------------------------------------------------------
// Other server messages.

Json message(std::string name, std::string type, flatbuffers::FlatBufferBuilder& fb, Json expect) {
    return {{"name", std::move(name)},
            {"type", std::move(type)},
            {"hex", hex({fb.GetBufferPointer(), fb.GetSize()})},
            {"expect", std::move(expect)}};
}

Json other_messages() {
    Json out = Json::array();
    {
        flatbuffers::FlatBufferBuilder fb;
        const std::vector<proto::WeaponInfo> weapons{
            proto::WeaponInfo(900.0f, 1.0f, 0.25f, 1.5f, 12, 1, 0.0f),
            proto::WeaponInfo(800.0f, 0.5f, 0.875f, 2.5f, 6, 8, 0.0f),
            proto::WeaponInfo(1200.0f, 1.25f, 0.125f, 2.0f, 30, 1, 0.0f),
            proto::WeaponInfo(2400.0f, 2.0f, 1.5f, 3.0f, 5, 1, 0.0f),
            proto::WeaponInfo(0.0f, 0.0f, 0.5f, 0.0f, 0, 0, 48.0f),
        };
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Welcome,
                                        proto::CreateWelcome(fb, 1234, 30, 20, 0xFEDCBA9876543210ull, 8000.0f,
                                                             6000.0f, 2, 960.5f, 540.25f, 16.0f, 150.0f, 1.5f,
                                                             100.0f, 50.0f, fb.CreateVectorOfStructs(weapons))
                                            .Union()));
        Json wj = Json::array();
        for (const proto::WeaponInfo& w : weapons) {
            wj.push_back({{"projectile_speed", w.projectile_speed()},
                          {"lifetime_s", w.lifetime_s()},
                          {"cooldown_s", w.cooldown_s()},
                          {"reload_s", w.reload_s()},
                          {"magazine", w.magazine()},
                          {"pellets", w.pellets()},
                          {"range", w.range()}});
        }
        out.push_back(message("welcome", "Welcome", fb,
                              {{"player_id", 1234},
                               {"tick_hz", 30},
                               {"snapshot_hz", 20},
                               {"map_seed", std::to_string(0xFEDCBA9876543210ull)},
                               {"map_width", 8000.0},
                               {"map_height", 6000.0},
                               {"mode", 2},
                               {"view_half_width", 960.5},
                               {"view_half_height", 540.25},
                               {"player_radius", 16.0},
                               {"player_speed", 150.0},
                               {"speed_boost", 1.5},
                               {"max_health", 100.0},
                               {"max_shield", 50.0},
                               {"weapons", wj}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        fb.Finish(proto::CreateEnvelope(
            fb, proto::Message::Welcome,
            proto::CreateWelcome(fb, 0xFFFFFFFFu, 60, 30, 1, 1600.0f, 1200.0f, 0, 800.0f, 600.0f).Union()));
        out.push_back(message("welcome_spectator", "Welcome", fb,
                              {{"player_id", 4294967295u},
                               {"tick_hz", 60},
                               {"snapshot_hz", 30},
                               {"map_seed", "1"},
                               {"map_width", 1600.0},
                               {"map_height", 1200.0},
                               {"mode", 0},
                               {"view_half_width", 800.0},
                               {"view_half_height", 600.0},
                               {"player_radius", 0.0},
                               {"player_speed", 0.0},
                               {"speed_boost", 0.0},
                               {"max_health", 0.0},
                               {"max_shield", 0.0},
                               {"weapons", Json::array()}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        const std::vector<std::uint8_t> payload{0, 1, 2, 0xfe, 0xff};
        fb.Finish(proto::CreateEnvelope(
            fb, proto::Message::Pong,
            proto::CreatePong(fb, 77, 1234.5, 98765.25, fb.CreateVector(payload)).Union()));
        out.push_back(message("pong", "Pong", fb,
                              {{"id", 77},
                               {"client_time_ms", 1234.5},
                               {"server_time_ms", 98765.25},
                               {"payload", hex(payload)}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Pong,
                                        proto::CreatePong(fb, 0xFFFFFFFFu, 0.125, 0.0).Union()));
        out.push_back(message(
            "pong_no_payload", "Pong", fb,
            {{"id", 4294967295u}, {"client_time_ms", 0.125}, {"server_time_ms", 0.0}, {"payload", ""}}));
    }
    {
        using GT = proto::GlobalEventType;
        flatbuffers::FlatBufferBuilder fb;
        const std::vector<proto::GlobalEvent> events{
            proto::GlobalEvent(GT::Kill, 5, 12, 7),       proto::GlobalEvent(GT::Kill, 2, 0xFFFFFFFFu, 40),
            proto::GlobalEvent(GT::Flag, 3, 12, 1),       proto::GlobalEvent(GT::PlayerJoined, 0, 41, 0),
            proto::GlobalEvent(GT::PlayerLeft, 0, 9, 0),  proto::GlobalEvent(GT::MatchStarted, 0, 0, 0),
            proto::GlobalEvent(GT::MatchEnded, 1, 12, 0),
        };
        struct P {
            std::uint32_t id;
            const char* name;
            std::uint8_t team;
            bool bot;
        };
        const std::vector<P> players{{41, "Zoë 🚀", 1, false}, {42, "bot-042", 0, true}, {0, "", 2, false}};
        std::vector<flatbuffers::Offset<proto::PlayerInfo>> infos;
        Json pj = Json::array();
        for (const P& p : players) {
            infos.push_back(proto::CreatePlayerInfo(fb, p.id, fb.CreateString(p.name), p.team, p.bot));
            pj.push_back({{"id", p.id}, {"name", p.name}, {"team", p.team}, {"bot", p.bot}});
        }
        const auto ev = fb.CreateVectorOfStructs(events);
        const auto pl = fb.CreateVector(infos);
        const auto match =
            proto::CreateMatchState(fb, 3, 2, 2, 15000, 3, -1, 1, 12, 0, 2, 0x8000000000000001ull);
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Events,
                                        proto::CreateEvents(fb, 4321, ev, pl, match).Union()));
        Json ej = Json::array();
        for (const proto::GlobalEvent& e : events) {
            ej.push_back(
                {{"type", static_cast<int>(e.type())}, {"detail", e.detail()}, {"a", e.a()}, {"b", e.b()}});
        }
        out.push_back(message("events", "Events", fb,
                              {{"tick", 4321},
                               {"events", ej},
                               {"players", pj},
                               {"match",
                                {{"number", 3},
                                 {"phase", 2},
                                 {"mode", 2},
                                 {"time_left_ms", 15000},
                                 {"red_score", 3},
                                 {"blue_score", -1},
                                 {"winner", 1},
                                 {"best_player", 12},
                                 {"red_flag", 0},
                                 {"blue_flag", 2},
                                 {"map_seed", std::to_string(0x8000000000000001ull)}}}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        const std::vector<proto::GlobalEvent> events{
            proto::GlobalEvent(proto::GlobalEventType::Kill, 0, 1, 2)};
        fb.Finish(
            proto::CreateEnvelope(fb, proto::Message::Events,
                                  proto::CreateEvents(fb, 99, fb.CreateVectorOfStructs(events)).Union()));
        out.push_back(message("events_without_match", "Events", fb,
                              {{"tick", 99},
                               {"events", Json::array({{{"type", 0}, {"detail", 0}, {"a", 1}, {"b", 2}}})},
                               {"players", Json::array()},
                               {"match", nullptr}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        const std::string text = "gg <b>not bold</b> — ünïcödé ✓ 👋";
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Chat,
                                        proto::CreateChat(fb, 41, true, fb.CreateString(text)).Union()));
        out.push_back(message("chat", "Chat", fb, {{"from", 41}, {"team_only", true}, {"text", text}}));
    }
    {
        flatbuffers::FlatBufferBuilder fb;
        const std::vector<proto::ScoreRow> rows{
            proto::ScoreRow(12, 250, 20, 3, 2, 0, 0),
            proto::ScoreRow(7, -5, 0, 9, 0, 1, 0),
            proto::ScoreRow(41, 10, 1, 1, 0, 1, 1),
        };
        fb.Finish(proto::CreateEnvelope(
            fb, proto::Message::Scoreboard,
            proto::CreateScoreboard(fb, fb.CreateVectorOfStructs(rows), 402, 31, -2).Union()));
        Json rj = Json::array();
        for (const proto::ScoreRow& r : rows) {
            rj.push_back({{"player", r.player()},
                          {"score", r.score()},
                          {"kills", r.kills()},
                          {"deaths", r.deaths()},
                          {"captures", r.captures()},
                          {"team", r.team()},
                          {"rank_flags", r.rank_flags()}});
        }
        out.push_back(message("scoreboard", "Scoreboard", fb,
                              {{"rows", rj}, {"players", 402}, {"red_score", 31}, {"blue_score", -2}}));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Movement: one human player on a hand-made map, stepped by a real sim::World.
//
// The map (1200 x 800 wu, no border walls: the bounds clamp). Walls by index:
//
//   0 block      (400,200)-(600,400)  spans several wall-grid cells (64 wu)
//   1 thin wall  (800,100)-(802,500)  2 wu thick
//   2 L, bottom  (100,600)-(400,616)  with 3 an inner corner at (116,600)
//   3 L, side    (100,450)-(116,616)
//   4 left of a seam   (600,500)-(700,520)  two walls abutting at x = 700
//   5 right of a seam  (700,500)-(800,520)
//   6 destructible     (900,600)-(1000,640), 150 hp: destroyed by a segment, stays down
//   7 pillar     (1040,180)-(1072,212)  a small box to slide around
//   8, 9 two boxes (880,300)-(940,360) and (960,380)-(1020,440) whose corners leave a gap of
//        28.3 wu, narrower than a player: both push at once, in the wall grid's order

struct MoveStep {
    int move_x;
    int move_y;
    int ticks;
};

struct Segment {
    std::string name;
    std::optional<Vec2> place; ///< where the player is put first; none: where the last one ended
    bool boost = false;
    std::optional<std::uint32_t> destroy; ///< wall destroyed before the segment (it stays down)
    std::vector<MoveStep> moves;
    /// Squeezing into a gap narrower than a player: three passes of wall pushes do not always
    /// get the player out of both walls (the server's behaviour, recorded as it is).
    bool may_overlap = false;
};

world::Map movement_map() {
    world::Map m;
    m.width = 1200.0f;
    m.height = 800.0f;
    m.seed = 11;
    m.bases[0] = world::TeamBase{{60.0f, 60.0f}, Aabb{{0.0f, 0.0f}, {120.0f, 120.0f}}};
    m.bases[1] = world::TeamBase{{1140.0f, 740.0f}, Aabb{{1080.0f, 680.0f}, {1200.0f, 800.0f}}};
    m.team_spawns[0] = {Vec2{250.0f, 300.0f}};
    m.team_spawns[1] = {Vec2{250.0f, 300.0f}};
    m.ffa_spawns = {Vec2{250.0f, 300.0f}};
    const auto wall = [&m](float x0, float y0, float x1, float y1, int hp = 0) {
        m.walls.push_back(world::WallDef{Aabb{{x0, y0}, {x1, y1}}, static_cast<std::int16_t>(hp)});
    };
    wall(400.0f, 200.0f, 600.0f, 400.0f);
    wall(800.0f, 100.0f, 802.0f, 500.0f);
    wall(100.0f, 600.0f, 400.0f, 616.0f);
    wall(100.0f, 450.0f, 116.0f, 616.0f);
    wall(600.0f, 500.0f, 700.0f, 520.0f);
    wall(700.0f, 500.0f, 800.0f, 520.0f);
    wall(900.0f, 600.0f, 1000.0f, 640.0f, 150);
    wall(1040.0f, 180.0f, 1072.0f, 212.0f);
    wall(880.0f, 300.0f, 940.0f, 360.0f);
    wall(960.0f, 380.0f, 1020.0f, 440.0f);
    return m;
}

/// The eight directions (and standing still), `ticks` each.
std::vector<MoveStep> all_directions(int ticks) {
    return {{1, 0, ticks},   {1, 1, ticks},  {0, 1, ticks},  {-1, 1, ticks}, {-1, 0, ticks},
            {-1, -1, ticks}, {0, -1, ticks}, {1, -1, ticks}, {0, 0, 3}};
}

std::vector<Segment> movement_script() {
    // Positions are chosen for the default radius (15) and hold for the smaller one too.
    return {
        {"eight directions", Vec2{250.0f, 300.0f}, false, {}, all_directions(10)},
        {"straight into the block", Vec2{300.0f, 300.0f}, false, {}, {{1, 0, 30}}},
        {"diagonal slide along the block's top and round its corner",
         Vec2{380.0f, 150.0f},
         false,
         {},
         {{1, 1, 70}}},
        {"diagonal into the block's corner", Vec2{350.0f, 150.0f}, false, {}, {{1, 1, 20}}},
        {"into the inner corner of the L",
         Vec2{200.0f, 500.0f},
         false,
         {},
         {{-1, 1, 40}, {-1, 0, 5}, {0, 1, 5}}},
        {"into the thin wall, then sliding past its end",
         Vec2{760.0f, 300.0f},
         false,
         {},
         {{1, 0, 20}, {1, -1, 60}, {0, 1, 20}}},
        {"from the other side of the thin wall", Vec2{840.0f, 300.0f}, false, {}, {{-1, 0, 15}, {-1, 1, 50}}},
        {"sliding over the seam of two walls", Vec2{610.0f, 470.0f}, false, {}, {{1, 1, 50}, {-1, 1, 50}}},
        {"round a small pillar", Vec2{1000.0f, 196.0f}, false, {}, {{1, 0, 20}, {1, 1, 10}, {1, -1, 20}}},
        {"into the gap between two corners",
         Vec2{920.0f, 400.0f},
         false,
         {},
         {{1, -1, 20}, {0, -1, 5}, {1, 0, 10}, {-1, 1, 20}, {1, 0, 5}, {-1, 0, 5}},
         true},
        {"boosted, eight directions", Vec2{250.0f, 300.0f}, true, {}, all_directions(8)},
        {"boosted, into the block's bottom and sliding",
         Vec2{500.0f, 450.0f},
         true,
         {},
         {{0, -1, 20}, {-1, -1, 30}, {1, -1, 40}}},
        {"boosted, into the thin wall", Vec2{700.0f, 200.0f}, true, {}, {{1, 0, 20}, {1, 1, 20}}},
        {"into the destructible wall", Vec2{950.0f, 540.0f}, false, {}, {{0, 1, 20}, {1, 1, 10}}},
        {"through it once destroyed", std::nullopt, false, 6u, {{0, 1, 30}, {-1, 0, 10}}},
        {"into the top-left corner of the map", Vec2{60.0f, 60.0f}, false, {}, {{-1, -1, 20}, {1, -1, 5}}},
        {"boosted into the bottom-right corner", Vec2{1150.0f, 740.0f}, true, {}, {{1, 1, 20}, {-1, 1, 5}}},
        {"starting inside the block", Vec2{420.0f, 300.0f}, false, {}, {{0, 1, 5}}},
        {"starting overlapping the block's edge", Vec2{610.0f, 250.0f}, false, {}, {{0, -1, 12}}},
        {"standing still", Vec2{250.0f, 700.0f}, false, {}, {{0, 0, 5}}},
    };
}

Json movement_run(const std::string& name, const sim::Rules& rules) {
    const world::Map map = movement_map();
    sim::World world(rules, map, 0);
    SerialExecutor exec;
    const sim::PlayerId id = world.add_player("mover", false);
    world.step(exec); // the match starts and the player spawns
    if (world.match().phase != sim::MatchPhase::Active || world.players().alive[id.index] == 0) {
        fail("movement " + name + ": the match did not start with the player alive");
    }
    const float r = rules.player_radius;
    Json walls = Json::array();
    for (const world::WallDef& w : map.walls) {
        walls.push_back({w.box.min.x, w.box.min.y, w.box.max.x, w.box.max.y, w.max_health});
    }
    // The script is written for 5 wu per tick: a faster rule set runs each move for fewer ticks,
    // so that the player still ends where the segment's name says.
    const double scale = 5.0 / (static_cast<double>(rules.speed) / rules.tick_hz);
    Json segments = Json::array();
    std::uint32_t seq = 0;
    for (const Segment& seg : movement_script()) {
        sim::Players& p = world.mutable_players();
        if (seg.place) p.pos[id.index] = *seg.place;
        p.speed_until[id.index] = seg.boost ? world.tick() + 100000 : 0;
        if (seg.destroy) world.set_wall_health(*seg.destroy, 0.0f);
        world.refresh_grid();
        const Vec2 start = world.players().pos[id.index];
        Json down = Json::array();
        for (std::size_t w = 0; w < world.wall_alive().size(); ++w) {
            if (world.wall_alive()[w] == 0) down.push_back(w);
        }
        Json ticks = Json::array();
        for (const MoveStep& m : seg.moves) {
            const long n = std::max(1L, std::lround(m.ticks * scale));
            for (long t = 0; t < n; ++t) {
                sim::Input in;
                in.seq = ++seq;
                in.move_x = static_cast<std::int8_t>(m.move_x);
                in.move_y = static_cast<std::int8_t>(m.move_y);
                world.set_input(id, in);
                world.step(exec);
                const Vec2 pos = world.players().pos[id.index];
                if (world.players().alive[id.index] == 0) fail("movement " + name + ": the player died");
                // The scenario must be what it says: after a tick, never inside a standing wall.
                for (std::size_t w = 0; w < map.walls.size() && !seg.may_overlap; ++w) {
                    if (world.wall_alive()[w] != 0 &&
                        distance(pos, closest_point(map.walls[w].box, pos)) < r - 1e-3f) {
                        fail("movement " + name + ", \"" + seg.name + "\": inside wall " + std::to_string(w));
                    }
                }
                ticks.push_back({m.move_x, m.move_y, pos.x, pos.y});
            }
        }
        Json down_after = Json::array();
        for (std::size_t w = 0; w < world.wall_alive().size(); ++w) {
            if (world.wall_alive()[w] == 0) down_after.push_back(w);
        }
        if (down_after != down) fail("movement " + name + ", \"" + seg.name + "\": a wall changed state");
        segments.push_back({{"name", seg.name},
                            {"start", {start.x, start.y}},
                            {"boost", seg.boost},
                            {"walls_down", down},
                            {"ticks", ticks}});
    }
    return {{"name", name},
            {"tick_hz", rules.tick_hz},
            {"player_radius", rules.player_radius},
            {"player_speed", rules.speed},
            {"speed_boost", rules.speed_boost},
            {"map", {{"width", map.width}, {"height", map.height}, {"walls", walls}}},
            {"segments", segments}};
}

Json movement_runs() {
    sim::Rules defaults;
    defaults.mode = sim::Mode::FreeForAll;
    // Another rule set: 4 sub-steps per tick (20 wu per tick, a smaller radius), another boost.
    sim::Rules fast = defaults;
    fast.tick_hz = 20;
    fast.speed = 400.0f;
    fast.player_radius = 12.0f;
    fast.speed_boost = 1.25f;
    return Json::array({movement_run("default", defaults), movement_run("fast", fast)});
}

// ---------------------------------------------------------------------------------------------
// Output: JSON with short arrays and objects on one line, so that a change shows as a small diff.

void pretty(const Json& j, int indent, std::string& out) {
    const std::string flat = j.dump(-1, ' ', false);
    if (!j.is_structured() || j.empty() || flat.size() + static_cast<std::size_t>(indent) <= 110) {
        out += flat;
        return;
    }
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    out += j.is_object() ? "{\n" : "[\n";
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ",\n";
        first = false;
        out += pad;
        if (j.is_object()) {
            out += Json(it.key()).dump();
            out += ": ";
        }
        pretty(*it, indent + 2, out);
    }
    out += '\n';
    out.append(static_cast<std::size_t>(indent), ' ');
    out += j.is_object() ? '}' : ']';
}

std::string render(const Json& root) {
    std::string text;
    pretty(root, 0, text);
    return text + "\n";
}

std::string server_messages() {
    Json root;
    root["comment"] = "Generated by tools/golden (mgs-golden). Do not edit: run `make golden`. "
                      "Checked by ctest (golden.server_messages) and client/test/golden_server.test.ts.";
    Census c;
    root["snapshot_sequences"] = Json::array(
        {encode_sequence("scripted", scripted(), c), encode_sequence("random_walk", random_walk(), c)});
    for (const char* form : {"unchanged", "compact0", "compact1", "explicit", "explicit delta",
                             "explicit full", "removed", "new"}) {
        if (c.n[form] == 0) fail(std::string("the snapshot sequences never use the record form: ") + form);
    }
    for (int k = 0; k < 5; ++k) {
        if (c.n["new kind " + std::to_string(k)] == 0 || c.n["explicit kind " + std::to_string(k)] == 0) {
            fail("kind " + std::to_string(k) + " is never new or never explicit");
        }
    }

    Json deltas = Json::array();
    for (const DeltaCase& d : delta_cases()) {
        sync::BitReader r(d.data);
        std::vector<ViewEntry> out;
        const bool ok = sync::decode_delta(d.baseline, r, out);
        if (ok != d.valid || (ok && out != d.view)) {
            fail("delta case \"" + d.name + "\": decode_delta " + (ok ? "accepts" : "rejects") +
                 (ok == d.valid ? " it but yields another view" : " it"));
        }
        Json j{
            {"name", d.name}, {"baseline", view_json(d.baseline)}, {"hex", hex(d.data)}, {"valid", d.valid}};
        if (d.valid) j["view"] = view_json(d.view);
        deltas.push_back(j);
    }
    root["deltas"] = deltas;
    root["messages"] = other_messages();
    return render(root);
}

std::string movement() {
    Json root;
    root["comment"] =
        "Generated by tools/golden (mgs-golden). Do not edit: run `make golden`. Checked by ctest "
        "(golden.movement) and client/test/game/movement_golden.test.ts. Per run: the rules, the "
        "map, and segments of ticks [move_x, move_y, x, y] (position after the tick), each from "
        "`start` with the walls of `walls_down` destroyed and `boost` the speed boost.";
    root["runs"] = movement_runs();
    return render(root);
}

struct GoldenFile {
    const char* name; ///< as on the command line
    const char* file; ///< in DIR
    std::string (*generate)();
};

constexpr std::array<GoldenFile, 2> kFiles{{
    {"server_messages", "server_messages.json", server_messages},
    {"movement", "movement.json", movement},
}};

int usage() {
    std::cerr
        << "usage: mgs-golden --write DIR [FILE] | --check DIR [FILE]   (FILE: server_messages, movement)\n";
    return 2;
}

/// Writes or checks one file; returns the exit status.
int run(const GoldenFile& g, const std::string& mode, const std::string& dir) {
    const std::string path = dir + "/" + g.file;
    std::string text;
    try {
        text = g.generate();
    } catch (const std::exception& e) {
        std::cerr << "mgs-golden: " << e.what() << "\n";
        return 1;
    }
    if (mode == "--write") {
        std::ofstream f(path, std::ios::binary);
        f << text;
        if (!f) {
            std::cerr << "mgs-golden: cannot write " << path << "\n";
            return 1;
        }
        std::cout << "mgs-golden: wrote " << path << " (" << text.size() << " bytes)\n";
        return 0;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::cerr << "mgs-golden: cannot read " << path << ": run `make golden` and commit the result\n";
        return 1;
    }
    std::stringstream committed;
    committed << f.rdbuf();
    if (committed.str() != text) {
        std::cerr << "mgs-golden: " << path << " differs from what the C++ server writes now: "
                  << "run `make golden` and commit the result (and make the TypeScript client follow)\n";
        return 1;
    }
    std::cout << "mgs-golden: " << path << " is up to date\n";
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) return usage();
    const std::string mode = argv[1];
    if (mode != "--write" && mode != "--check") return usage();
    const std::string only = argc == 4 ? argv[3] : "";
    int status = 0;
    bool any = false;
    for (const GoldenFile& g : kFiles) {
        if (!only.empty() && only != g.name) continue;
        any = true;
        status = std::max(status, run(g, mode, argv[2]));
    }
    return any ? status : usage();
}
