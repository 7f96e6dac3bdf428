#include "app/game_sync.hpp"

#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

namespace mgs::app {
namespace {

/// Rough size of one PlayerInfo in an Events message, besides its name.
constexpr std::size_t kPlayerInfoBytes = 40;
/// What each of a client's two FlatBuffers builders holds (their initial size; no message needs more).
constexpr std::size_t kBuilderBytes = 1400;
/// An Events message with player names stays under this (every message is under 1200 bytes).
constexpr std::size_t kEventsBudget = 1000;

std::uint8_t team_code(sim::Team t) noexcept {
    return t == sim::Team::Red ? 0 : t == sim::Team::Blue ? 1 : 2;
}

std::uint16_t clamp16(std::int32_t v) noexcept {
    return static_cast<std::uint16_t>(std::clamp(v, 0, 0xFFFF));
}

} // namespace

void encode_snapshot_message(flatbuffers::FlatBufferBuilder& fb, const SnapshotFields& h,
                             std::span<const std::uint8_t> delta, std::span<const sync::EffectRecord> effects,
                             const OwnFields* me) {
    fb.Clear();
    static_assert(sizeof(proto::Effect) == 12);
    std::array<proto::Effect, GameSync::kMaxEffects> fx{};
    const std::size_t n = std::min(effects.size(), fx.size());
    for (std::size_t k = 0; k < n; ++k) {
        const sync::EffectRecord& e = effects[k];
        fx[k] = proto::Effect(static_cast<proto::EffectType>(e.type), e.detail, e.value, e.x, e.y, e.a, e.b);
    }
    const auto fx_vec = n > 0 ? fb.CreateVectorOfStructs(fx.data(), n)
                              : flatbuffers::Offset<flatbuffers::Vector<const proto::Effect*>>();
    const auto data = fb.CreateVector(delta.data(), delta.size());
    const proto::SnapshotHeader header(h.id, h.tick, h.baseline, h.last_input);
    std::optional<proto::OwnState> own;
    if (me != nullptr) {
        own.emplace(me->magazine[0], me->magazine[1], me->magazine[2], me->magazine[3], me->reserve[0],
                    me->reserve[1], me->reserve[2], me->reserve[3], me->owned, me->weapon,
                    me->reload_done_tick, me->speed_until, me->damage_until, me->protected_until,
                    me->respawn_tick);
    }
    const auto snap = proto::CreateSnapshot(fb, &header, data, fx_vec, own ? &*own : nullptr);
    fb.Finish(proto::CreateEnvelope(fb, proto::Message::Snapshot, snap.Union()));
}

std::size_t GameSync::delta_budget(std::size_t budget_bytes, std::size_t effects, bool own) noexcept {
    // An OwnState adds its 40 bytes and a 2-byte field slot, 4 with alignment.
    const std::size_t extra = effects * sizeof(proto::Effect) + (own ? sizeof(proto::OwnState) + 4 : 0);
    return budget_bytes > extra + kMinDeltaBytes ? budget_bytes - extra : kMinDeltaBytes;
}

GameSync::GameSync(session::GameLink& link, sim::World& world, SyncConfig config, MapPublisher* maps)
    : link_(link), world_(world), config_(config), maps_(maps), map_seed_(world.map().seed),
      frame_(world.map().bounds().max.x, world.map().bounds().max.y),
      log_(world.map().bounds().max.x, world.map().bounds().max.y),
      by_slot_(link.max_sessions(), UINT32_MAX) {
    config_.max_effects = std::clamp(config_.max_effects, 0, kMaxEffects);
    config_.tick_hz = std::max(1, config_.tick_hz);
    config_.snapshot_hz = std::clamp(config_.snapshot_hz, 1, config_.tick_hz);
    snapshot_hz_ = config_.snapshot_hz;
    if (maps_ != nullptr) {
        maps_->publish(world.map());
    }
}

GameSync::Client* GameSync::client_of(session::SessionRef session) noexcept {
    if (session.slot >= by_slot_.size() || by_slot_[session.slot] == UINT32_MAX) {
        return nullptr;
    }
    Client* c = clients_[by_slot_[session.slot]].get();
    return c->session == session ? c : nullptr;
}

GameSync::Memory GameSync::memory() const noexcept {
    Memory m;
    m.clients = clients_.size();
    for (const auto& c : clients_) {
        m.views += c->view->memory_bytes();
        // The two builders start at 1400 bytes and never need more (every message is under 1200).
        m.buffers += sizeof(Client) + sizeof(sync::ClientView) + c->bits.capacity() +
                     c->known.capacity() * sizeof(std::uint64_t) +
                     c->infos.capacity() * sizeof(std::uint32_t) +
                     c->scratch.capacity() * sizeof(std::uint32_t) + 2 * kBuilderBytes;
    }
    return m;
}

void GameSync::set_snapshot_hz(int hz) noexcept {
    snapshot_hz_ = std::clamp(hz, 1, config_.tick_hz);
}

void GameSync::send(const Client& c, bool reliable, std::span<const std::uint8_t> bytes) {
    link_.batch().add(c.session, c.epoch,
                      reliable ? session::OutBatch::Channel::Events : session::OutBatch::Channel::State,
                      bytes);
}

bool GameSync::knows(const Client& c, std::uint32_t slot) const noexcept {
    const std::size_t w = slot / 64;
    return w < c.known.size() && (c.known[w] >> (slot % 64) & 1u) != 0;
}

void GameSync::set_known(Client& c, std::uint32_t slot, bool on) {
    const std::size_t w = slot / 64;
    if (w >= c.known.size()) {
        if (!on) {
            return;
        }
        c.known.resize(w + 1, 0);
    }
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    c.known[w] = on ? (c.known[w] | bit) : (c.known[w] & ~bit);
}

void GameSync::on_join(const session::Control& r) {
    if (r.session.slot >= by_slot_.size()) {
        return;
    }
    if (by_slot_[r.session.slot] != UINT32_MAX) {
        on_leave({session::Control::Type::Leave, clients_[by_slot_[r.session.slot]]->session});
    }
    const sim::Team team = r.team == 0 ? sim::Team::Red : r.team == 1 ? sim::Team::Blue : sim::Team::None;
    auto c = std::make_unique<Client>();
    c->session = r.session;
    c->view = std::make_unique<sync::ClientView>(config_.view);
    c->bits.resize(config_.view.budget_bytes + 256);
    if (r.spectate) {
        c->spectator = true;
        c->camera = world_.map().bounds().center();
        spdlog::info("spectator {} joined (session {})", r.name.data(), r.session.slot);
    } else {
        c->player = world_.add_player(r.name.data(), false, team);
        link_.reply({r.session, c->player.index});
        spdlog::info("player {} joined (session {})", r.name.data(), r.session.slot);
    }
    by_slot_[r.session.slot] = static_cast<std::uint32_t>(clients_.size());
    clients_.push_back(std::move(c));
}

void GameSync::on_leave(const session::Control& r) {
    if (client_of(r.session) == nullptr) {
        return;
    }
    const std::size_t i = by_slot_[r.session.slot];
    if (!clients_[i]->spectator) {
        world_.remove_player(clients_[i]->player);
    }
    spdlog::info("{} of session {} left", clients_[i]->spectator ? "spectator" : "player", r.session.slot);
    by_slot_[r.session.slot] = UINT32_MAX;
    if (i + 1 != clients_.size()) {
        clients_[i] = std::move(clients_.back());
        by_slot_[clients_[i]->session.slot] = static_cast<std::uint32_t>(i);
    }
    clients_.pop_back();
}

void GameSync::on_chat(Client& from, const session::Request& r) {
    if (!world_.valid(from.player)) {
        return;
    }
    // The parser checked UTF-8 and length. Control characters become spaces (a line stays one
    // line); leading and trailing spaces go; an empty line is not sent.
    std::array<char, sizeof(r.text)> text{};
    std::size_t n = std::min<std::size_t>(r.text_len, text.size());
    for (std::size_t k = 0; k < n; ++k) {
        const auto ch = static_cast<unsigned char>(r.text[k]);
        text[k] = (ch < 0x20 || ch == 0x7F) ? ' ' : r.text[k];
    }
    std::size_t b = 0;
    while (b < n && text[b] == ' ') {
        ++b;
    }
    while (n > b && text[n - 1] == ' ') {
        --n;
    }
    if (n == b) {
        return;
    }
    const std::string_view line(text.data() + b, n - b);
    const sim::Team team = world_.players().team[from.player.index];
    flatbuffers::FlatBufferBuilder& fb = global_builder_;
    fb.Clear();
    const auto chat =
        proto::CreateChat(fb, from.player.index, r.team_only, fb.CreateString(line.data(), line.size()));
    fb.Finish(proto::CreateEnvelope(fb, proto::Message::Chat, chat.Union()));
    const std::span<const std::uint8_t> bytes(fb.GetBufferPointer(), fb.GetSize());
    for (const auto& c : clients_) {
        if (!c->ready || !active(*c)) {
            continue;
        }
        if (r.team_only && (c->spectator || world_.players().team[c->player.index] != team)) {
            continue;
        }
        send(*c, true, bytes);
    }
    spdlog::debug("chat from {}{}: {}", world_.players().name[from.player.index],
                  r.team_only ? " (team)" : "", line);
}

void GameSync::on_scoreboard(Client& c, const session::Request& r) {
    if (!active(c)) {
        return;
    }
    const sim::Players& p = world_.players();
    score_order_.clear();
    for (std::uint32_t i = 0; i < p.size(); ++i) {
        if (p.in_use[i] != 0) {
            score_order_.push_back(i);
        }
    }
    const auto better = [&](std::uint32_t a, std::uint32_t b) {
        const sim::PlayerStats& sa = p.stats[a];
        const sim::PlayerStats& sb = p.stats[b];
        if (sa.score != sb.score) return sa.score > sb.score;
        if (sa.kills != sb.kills) return sa.kills > sb.kills;
        return a < b;
    };
    const std::size_t top = std::min<std::size_t>({r.top, kMaxScoreRows, score_order_.size()});
    std::partial_sort(score_order_.begin(), score_order_.begin() + static_cast<std::ptrdiff_t>(top),
                      score_order_.end(), better);
    std::array<proto::ScoreRow, kMaxScoreRows + 1> rows{};
    std::size_t n = 0;
    bool self_listed = false;
    const auto row = [&](std::uint32_t slot) {
        const sim::PlayerStats& st = p.stats[slot];
        const bool self = !c.spectator && slot == c.player.index;
        self_listed = self_listed || self;
        rows[n++] = proto::ScoreRow(slot, st.score, clamp16(st.kills), clamp16(st.deaths),
                                    clamp16(st.captures), team_code(p.team[slot]), self ? 1 : 0);
    };
    for (std::size_t k = 0; k < top; ++k) {
        row(score_order_[k]);
    }
    if (!self_listed && !c.spectator) {
        row(c.player.index);
    }
    flatbuffers::FlatBufferBuilder& fb = c.events;
    fb.Clear();
    const auto& score = world_.match().team_score;
    const auto board =
        proto::CreateScoreboard(fb, fb.CreateVectorOfStructs(rows.data(), n),
                                static_cast<std::uint32_t>(score_order_.size()), score[0], score[1]);
    fb.Finish(proto::CreateEnvelope(fb, proto::Message::Scoreboard, board.Union()));
    if (c.ready) {
        send(c, true, {fb.GetBufferPointer(), fb.GetSize()});
    }
}

Vec2 GameSync::view_center(const Client& c) const noexcept {
    const sim::Players& p = world_.players();
    if (!c.spectator) {
        return p.pos[c.player.index];
    }
    if (c.follow < p.size() && p.in_use[c.follow] != 0) {
        return p.pos[c.follow];
    }
    return c.camera;
}

void GameSync::drain() {
    session::Control ctl;
    while (link_.poll_control(ctl)) {
        if (ctl.type == session::Control::Type::Join) {
            on_join(ctl);
        } else {
            on_leave(ctl);
        }
    }
    // Inputs first (a new connection resets what the requests below are answered against).
    session::InputState st;
    for (const auto& c : clients_) {
        if (link_.read_input(c->session.slot, st) && st.generation == c->session.generation) {
            apply_input(*c, st);
        }
    }
    session::Request r;
    while (link_.poll_request(r)) {
        Client* c = client_of(r.session);
        if (c == nullptr) {
            continue;
        }
        if (r.type == session::Request::Type::Chat) {
            on_chat(*c, r);
        } else {
            on_scoreboard(*c, r);
        }
    }
}

void GameSync::apply_input(Client& c, const session::InputState& st) {
    if (st.epoch != c.epoch) {
        // A new connection (first, or a resume after a page reload): the client has nothing, so
        // names and the match are sent again, its snapshots start over (ids from 1, the first one
        // full) and its input numbering starts over.
        c.epoch = st.epoch;
        c.needs_match = true;
        c.known.clear();
        c.infos.clear();
        c.acked = 0;
        c.last_input = 0;
        c.own_age = 0;
        c.force_full = false;
        c.view = std::make_unique<sync::ClientView>(config_.view);
    }
    c.congested = st.congested;
    if (st.ready != c.ready) {
        c.ready = st.ready;
        if (!c.ready && !c.spectator && world_.valid(c.player)) {
            // Away (connection lost, within the resume grace): no walking or firing meanwhile.
            sim::Input idle;
            idle.aim = world_.players().aim[c.player.index];
            world_.set_input(c.player, idle);
        }
    }
    if (!c.spectator && st.inputs != c.seen.inputs && c.ready && world_.valid(c.player)) {
        // The newest input moves and aims; a press in any input since the last tick counts (a
        // click must not vanish between two ticks); the newest weapon selection since then holds.
        sim::Input in;
        in.seq = st.seq;
        in.move_x = st.move_x;
        in.move_y = st.move_y;
        in.aim = st.aim;
        in.buttons = st.buttons;
        for (std::size_t b = 0; b < st.presses.size(); ++b) {
            if (st.presses[b] != c.seen.presses[b]) {
                in.buttons = static_cast<std::uint8_t>(in.buttons | (1u << b));
            }
        }
        in.weapon_slot = st.weapon_changes != c.seen.weapon_changes ? st.weapon_slot : std::int8_t{-1};
        world_.set_input(c.player, in);
        c.last_input = st.seq;
    }
    if (c.spectator) {
        const Aabb b = world_.map().bounds();
        c.follow = st.follow;
        c.camera = {std::clamp(st.camera_x, b.min.x, b.max.x), std::clamp(st.camera_y, b.min.y, b.max.y)};
    }
    if (st.resyncs != c.seen.resyncs) {
        c.force_full = true;
    }
    c.acked = st.ack;
    c.seen = st;
}

flatbuffers::Offset<proto::MatchState> GameSync::match_state(flatbuffers::FlatBufferBuilder& fb) const {
    const sim::MatchState& m = world_.match();
    const std::uint32_t tick = world_.tick();
    const std::uint32_t left_ticks = m.phase_end_tick > tick ? m.phase_end_tick - tick : 0;
    const auto left_ms = static_cast<std::uint32_t>(static_cast<std::uint64_t>(left_ticks) * 1000u /
                                                    static_cast<std::uint64_t>(std::max(1, config_.tick_hz)));
    const auto& flags = world_.flags();
    return proto::CreateMatchState(fb, m.number, static_cast<std::uint8_t>(m.phase),
                                   static_cast<std::uint8_t>(world_.rules().mode), left_ms, m.team_score[0],
                                   m.team_score[1], team_code(m.winner), m.best_player,
                                   static_cast<std::uint8_t>(flags[0].state),
                                   static_cast<std::uint8_t>(flags[1].state), world_.map().seed);
}

void GameSync::build_global_events(bool match_changed) {
    const std::span<const sync::GlobalRecord> globals = log_.globals();
    global_count_ = 0;
    if (globals.empty() && !match_changed) {
        return;
    }
    std::size_t done = 0;
    do {
        const std::size_t n = std::min(kGlobalsPerMessage, globals.size() - done);
        flatbuffers::FlatBufferBuilder& fb = global_builder_;
        fb.Clear();
        std::array<proto::GlobalEvent, kGlobalsPerMessage> evs{};
        for (std::size_t k = 0; k < n; ++k) {
            const sync::GlobalRecord& g = globals[done + k];
            evs[k] = proto::GlobalEvent(static_cast<proto::GlobalEventType>(g.type), g.detail, g.a, g.b);
        }
        const auto events = fb.CreateVectorOfStructs(evs.data(), n);
        const auto match = (match_changed && done == 0) ? match_state(fb) : 0;
        proto::EventsBuilder eb(fb);
        eb.add_tick(world_.tick());
        eb.add_events(events);
        if (!match.IsNull()) {
            eb.add_match(match);
        }
        const auto msg = eb.Finish();
        fb.Finish(proto::CreateEnvelope(fb, proto::Message::Events, msg.Union()));
        if (global_msgs_.size() <= global_count_) {
            global_msgs_.emplace_back();
        }
        global_msgs_[global_count_++].assign(fb.GetBufferPointer(), fb.GetBufferPointer() + fb.GetSize());
        done += n;
    } while (done < globals.size());
}

void GameSync::build_snapshot(Client& c) {
    const Vec2 center = view_center(c);
    const sync::ViewConfig& v = config_.view;
    const Aabb area{{center.x - v.half_width, center.y - v.half_height},
                    {center.x + v.half_width, center.y + v.half_height}};
    const std::size_t neffects = log_.effects_near(
        area, center, std::span(c.effects).first(static_cast<std::size_t>(config_.max_effects)), c.scratch);
    // The delta gets what the effects leave of the budget.
    // The own state rides along when it changed, and every kOwnRefresh snapshots (it may be lost).
    // A client that asked for a resync gets a full snapshot (baseline 0) next.
    const std::uint32_t acked = c.force_full ? 0 : c.acked;
    c.force_full = false;
    const OwnFields* me = nullptr;
    if (!c.spectator) {
        const sim::Players& p = world_.players();
        const std::uint32_t s = c.player.index;
        OwnFields now;
        now.magazine = p.magazine[s];
        now.reserve = p.reserve[s];
        now.owned = p.owned[s];
        now.weapon = static_cast<std::uint8_t>(p.weapon[s]);
        now.reload_done_tick = p.reload_done_tick[s];
        now.speed_until = p.speed_until[s];
        now.damage_until = p.damage_until[s];
        now.protected_until = p.protected_until[s];
        now.respawn_tick = p.alive[s] != 0 ? 0 : p.respawn_tick[s];
        if (now != c.own || ++c.own_age >= kOwnRefresh || acked == 0) {
            c.own = now;
            c.own_age = 0;
            me = &c.own;
        }
    }
    const std::size_t budget = delta_budget(v.budget_bytes, neffects, me != nullptr);
    sync::BitWriter w(c.bits);
    std::uint32_t baseline = 0;
    // The own player is in every snapshot of its client, whatever the crowd and the budget.
    const std::uint32_t own_key =
        c.spectator ? sync::Frame::kNoKey : sync::Frame::key(sync::EntityKind::Player, c.player.index);
    const std::uint32_t id = c.view->snapshot(frame_, center, acked, w, baseline, budget, own_key, shed_);
    encode_snapshot_message(c.builder, {id, world_.tick(), baseline, c.last_input},
                            {c.bits.data(), w.bytes()}, std::span(c.effects).first(neffects), me);

    // Players now in view whose names the client lacks (checked against what it was sent).
    const std::span<const sync::PackedEntry> sent = sync::ClientView::last_entries();
    const sim::Players& p = world_.players();
    for (const sync::PackedEntry& e : sent) {
        if (e.kind() != sync::EntityKind::Player) {
            continue;
        }
        const std::uint32_t slot = sync::packed_field(e, sync::kPlayerId);
        if (slot < p.size() && p.in_use[slot] != 0 && !knows(c, slot)) {
            c.infos.push_back(slot);
        }
    }
}

void GameSync::build_client_events(Client& c, bool match_changed) {
    c.events.Clear();
    const sim::Players& p = world_.players();
    // Players the global events name, if the client does not know them yet.
    for (const sync::GlobalRecord& g : log_.globals()) {
        for (const std::uint32_t slot : {g.a, g.b}) {
            if (slot < p.size() && p.in_use[slot] != 0 && !knows(c, slot)) {
                c.infos.push_back(slot);
            }
        }
    }
    const bool match = c.needs_match && !match_changed; // a change reaches everyone anyway
    if (c.infos.empty() && !match) {
        c.needs_match = c.needs_match && !match_changed;
        return;
    }
    flatbuffers::FlatBufferBuilder& fb = c.events;
    std::array<flatbuffers::Offset<proto::PlayerInfo>, 64> infos{};
    std::size_t n = 0;
    std::size_t bytes = 64;
    std::size_t left = 0; // names that did not fit stay queued for the next snapshot
    for (const std::uint32_t slot : c.infos) {
        if (knows(c, slot) || slot >= p.size() || p.in_use[slot] == 0) {
            continue; // listed twice, or gone
        }
        const std::string& name = p.name[slot];
        if (n == infos.size() || bytes + kPlayerInfoBytes + name.size() > kEventsBudget) {
            c.infos[left++] = slot;
            continue;
        }
        bytes += kPlayerInfoBytes + name.size();
        infos[n++] = proto::CreatePlayerInfo(fb, slot, fb.CreateString(name), team_code(p.team[slot]),
                                             p.is_bot[slot] != 0);
        set_known(c, slot, true);
    }
    c.infos.resize(left);
    const auto players = fb.CreateVector(infos.data(), n);
    const auto ms = match ? match_state(fb) : 0;
    proto::EventsBuilder eb(fb);
    eb.add_tick(world_.tick());
    eb.add_players(players);
    if (!ms.IsNull()) {
        eb.add_match(ms);
    }
    const auto msg = eb.Finish();
    fb.Finish(proto::CreateEnvelope(fb, proto::Message::Events, msg.Union()));
    c.needs_match = false;
}

void GameSync::after_tick(Executor& exec) {
    log_.collect(world_);
    for (const std::uint32_t slot : log_.left()) {
        for (const auto& c : clients_) {
            set_known(*c, slot, false);
        }
    }
    // Snapshot ticks: snapshot_hz of every tick_hz ticks, evenly spread (at 20 of 30: two ticks
    // out of three). The rate may change between ticks (overload); the spacing follows at once.
    snapshot_credit_ += snapshot_hz_;
    const bool due = snapshot_credit_ >= config_.tick_hz;
    if (due) {
        snapshot_credit_ -= config_.tick_hz;
    }
    if (due && !clients_.empty()) {
        build_messages(exec);
        log_.clear();
    } else if (clients_.empty()) {
        log_.clear();
    }
    // Every tick: chat lines and scoreboards answered in drain() go out now, with the snapshots.
    (void)link_.publish(world_.tick());
}

void GameSync::build_messages(Executor& exec) {
    if (world_.map().seed != map_seed_) {
        // A match brought a new map: publish it before the MatchState that announces it.
        map_seed_ = world_.map().seed;
        if (maps_ != nullptr) {
            maps_->publish(world_.map());
        }
    }

    const sim::MatchState& m = world_.match();
    const auto& flags = world_.flags();
    const bool match_changed = m.number != match_number_ || m.phase != match_phase_ ||
                               m.team_score != match_score_ || flags[0].state != flag_state_[0] ||
                               flags[1].state != flag_state_[1];
    match_number_ = m.number;
    match_phase_ = m.phase;
    match_score_ = m.team_score;
    flag_state_ = {flags[0].state, flags[1].state};

    frame_.build(world_);
    log_.index();
    build_global_events(match_changed);
    exec.for_ranges(clients_.size(), 8, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            Client& c = *clients_[i];
            c.builder.Clear();
            c.events.Clear();
            // Nothing is made for a client whose connection is not up: its snapshot ids advance
            // only for snapshots that go out.
            if (!active(c) || !c.ready) {
                c.infos.clear();
                continue;
            }
            // A congested connection gets no snapshot (it would be held back: its peer has not
            // taken the earlier ones); the next one after it drains is a delta as usual.
            if (!c.congested) {
                build_snapshot(c);
            }
            build_client_events(c, match_changed);
        }
    });
    // Into the tick's batch, in client order: names come before the events that use them, the
    // snapshot last.
    for (const auto& c : clients_) {
        if (!active(*c) || !c->ready) {
            continue;
        }
        if (c->events.GetSize() > 0) {
            send(*c, true, {c->events.GetBufferPointer(), c->events.GetSize()});
        }
        for (std::size_t k = 0; k < global_count_; ++k) {
            send(*c, true, global_msgs_[k]);
        }
        if (c->builder.GetSize() > 0) {
            send(*c, false, {c->builder.GetBufferPointer(), c->builder.GetSize()});
        }
    }
}

} // namespace mgs::app
