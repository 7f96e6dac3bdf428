#include "session/sessions.hpp"

#include "net/game_message.hpp"
#include "proto/game_generated.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace mgs::session {

namespace {

constexpr std::string_view kEventsLabel = "events"; // reliable, ordered: opened by the client
constexpr std::string_view kStateLabel = "state";   // unreliable, unordered: opened by the server

std::string make_token() {
    std::array<unsigned char, 18> raw{};
    RAND_bytes(raw.data(), static_cast<int>(raw.size()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    s.reserve(raw.size() * 2);
    for (const unsigned char c : raw) {
        s += kHex[c >> 4];
        s += kHex[c & 15];
    }
    return s;
}

} // namespace

SessionTable::SessionTable(SessionConfig config, GameLink& link, Transport& transport,
                           metrics::Registry& metrics)
    : config_(config), link_(link), transport_(transport), sessions_(link.max_sessions()) {
    free_slots_.reserve(sessions_.size());
    for (std::size_t i = sessions_.size(); i-- > 0;) {
        free_slots_.push_back(static_cast<std::uint32_t>(i)); // slot 0 is handed out first
    }
    signaling_errors_ =
        &metrics.counter("mgs_signaling_errors_total", "Signaling requests answered with an error");
    messages_in_ = &metrics.counter("mgs_messages_received_total", "Game messages received from clients");
    messages_dropped_ = &metrics.counter("mgs_messages_dropped_total",
                                         "Game messages dropped (malformed, unknown or not allowed)");
    resumes_ = &metrics.counter("mgs_resumes_total", "Sessions resumed with their token");
    inputs_ = &metrics.counter("mgs_inputs_total", "Inputs from clients accepted (newer than the last)");
    inputs_rate_ =
        &metrics.counter("mgs_inputs_dropped_total", "Input messages dropped", {{"reason", "rate"}});
    requests_rate_ = &metrics.counter("mgs_requests_dropped_total",
                                      "Chat lines and scoreboard requests dropped", {{"reason", "rate"}});
    requests_full_ =
        &metrics.counter("mgs_requests_dropped_total", "Chat lines and scoreboard requests dropped",
                         {{"reason", "queue_full"}});
    const auto out = [&](const char* reason) {
        return &metrics.counter("mgs_outbound_dropped_total", "Messages to clients not sent, by reason",
                                {{"reason", reason}});
    };
    out_gone_ = out("gone");           // the session ended
    out_offline_ = out("offline");     // its connection dropped before the message went out
    out_stale_ = out("stale");         // made for an older connection of the session
    out_refused_ = out("refused");     // the transport did not take it (send buffer full)
    out_congested_ = out("congested"); // a snapshot held back from a congested connection
    const auto closed = [&](const char* reason) {
        return &metrics.counter("mgs_connections_closed_total", "Client connections closed by the server",
                                {{"reason", reason}});
    };
    closed_violations_ = closed("violations");
    closed_slow_ = closed("slow_reader");
    expired_ = &metrics.counter("mgs_sessions_expired_total", "Sessions ended because their grace ran out");
    sessions_gauge_ =
        &metrics.gauge("mgs_sessions", "Players with a session, connected or within their grace");
    spectators_gauge_ = &metrics.gauge("mgs_spectator_sessions",
                                       "Spectators with a session, connected or within their grace");
}

SessionTable::Session* SessionTable::find(SessionRef r) noexcept {
    if (r.slot >= sessions_.size()) {
        return nullptr;
    }
    Session& s = sessions_[r.slot];
    return s.in_use && s.generation == r.generation ? &s : nullptr;
}

SessionTable::Session* SessionTable::by_conn(std::uint64_t conn) noexcept {
    auto it = by_conn_.find(conn);
    return it == by_conn_.end() ? nullptr : &sessions_[it->second];
}

SessionTable::Session* SessionTable::by_ws(std::uint64_t ws) noexcept {
    auto it = by_ws_.find(ws);
    return it == by_ws_.end() ? nullptr : &sessions_[it->second];
}

SessionRef SessionTable::ref(const Session& s) const noexcept {
    return {static_cast<std::uint32_t>(&s - sessions_.data()), s.generation};
}

std::size_t SessionTable::online() const noexcept {
    return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                  [](const Session& s) { return s.in_use && s.live; }));
}

// --- Signaling --------------------------------------------------------------------------------

JoinResult SessionTable::join(std::uint64_t ws, const net::JoinRequest& req, std::int64_t now_ms) {
    JoinResult r;
    const auto fail = [&](std::string_view code, std::string message) {
        signaling_errors_->inc();
        r.code = code;
        r.message = std::move(message);
        transport_.send_text(ws, net::make_error_message(r.code, r.message));
        return r;
    };
    if (by_ws_.contains(ws)) {
        return fail(net::signaling_error::kBadRequest, "this connection has already joined");
    }
    Session* s = nullptr;
    if (!req.resume_token.empty()) {
        auto it = by_token_.find(req.resume_token);
        if (it == by_token_.end()) {
            return fail(net::signaling_error::kResumeFailed,
                        "unknown or expired session token; join without it for a new player");
        }
        s = &sessions_[it->second];
        // The old path may still look alive (a page reload races the old connection's expiry):
        // it is closed now, and the session is offline until the new one is attached. If the new
        // offer is then refused, the grace runs from here and the session expires like any other.
        drop_connection(*s, 4000, "resumed elsewhere", now_ms);
        if (s->ws != 0) {
            by_ws_.erase(s->ws);
            transport_.close_ws(s->ws, 4000, "resumed elsewhere");
            s->ws = 0;
        }
        s->resumed = true;
        resumes_->inc();
    } else {
        if (!req.spectate && players_ >= config_.max_players) {
            return fail(net::signaling_error::kServerFull, "the server is full (" +
                                                               std::to_string(config_.max_players) +
                                                               " players); try again later or spectate");
        }
        if (req.spectate && spectators_ >= config_.max_spectators) {
            return fail(net::signaling_error::kServerFull, "the server has no room for another spectator (" +
                                                               std::to_string(config_.max_spectators) + ")");
        }
        if (free_slots_.empty()) {
            return fail(net::signaling_error::kServerFull, "the server has no room for another session");
        }
        const std::uint32_t slot = free_slots_.back();
        free_slots_.pop_back();
        s = &sessions_[slot];
        const std::uint32_t generation = s->generation + 1 == 0 ? 1 : s->generation + 1;
        *s = Session{};
        s->generation = generation;
        s->in_use = true;
        s->token = make_token();
        s->name = req.name;
        s->team = static_cast<std::int8_t>(req.team == "red" ? 0 : req.team == "blue" ? 1 : -1);
        s->spectator = req.spectate;
        s->player_id = s->spectator ? 0xFFFFFFFFu : 0;
        s->input.generation = generation;
        by_token_[s->token] = slot;
        (s->spectator ? spectators_ : players_)++;
        publish_input(*s);
        sessions_gauge_->set(static_cast<double>(players_));
        spectators_gauge_->set(static_cast<double>(spectators_));
    }
    s->ws = ws;
    by_ws_[ws] = ref(*s).slot;
    r.ok = true;
    r.session = ref(*s);
    r.resumed = s->resumed;
    return r;
}

void SessionTable::attach_rtc(SessionRef r, std::uint64_t conn, std::string answer_sdp,
                              std::uint32_t max_message_size, std::int64_t /*now_ms*/) {
    Session* s = find(r);
    if (s == nullptr) {
        transport_.close_rtc(conn);
        return;
    }
    s->kind = Kind::WebRtc;
    s->conn = conn;
    s->live = true;
    s->offline_since_ms = 0;
    s->answer_sdp = std::move(answer_sdp);
    s->max_message_size = max_message_size;
    s->events_channel = -1;
    s->state_channel = -1;
    s->welcomed = false;
    by_conn_[conn] = r.slot;
    s->answer_pending = true;
    if (!s->in_game) {
        Control c;
        c.type = Control::Type::Join;
        c.session = r;
        c.spectate = s->spectator;
        c.team = s->team;
        std::strncpy(c.name.data(), s->name.c_str(), c.name.size() - 1);
        link_.push_control(c);
        // A spectator needs nothing made: its answer goes out now. A player's waits for the
        // player (its id is in the answer).
        s->in_game = s->spectator;
    }
    if (s->in_game) {
        send_answer(*s);
    }
}

void SessionTable::attach_websocket(SessionRef r, std::int64_t now_ms) {
    Session* s = find(r);
    if (s == nullptr) {
        return;
    }
    (void)now_ms;
    s->kind = Kind::WebSocket;
    s->conn = 0;
    s->live = true;
    s->offline_since_ms = 0;
    s->max_message_size = config_.ws_max_message_bytes;
    s->welcomed = false;
    s->answer_pending = true;
    if (!s->in_game) {
        Control c;
        c.type = Control::Type::Join;
        c.session = r;
        c.spectate = s->spectator;
        c.team = s->team;
        std::strncpy(c.name.data(), s->name.c_str(), c.name.size() - 1);
        link_.push_control(c);
        s->in_game = s->spectator;
    }
    if (s->in_game) {
        send_answer(*s);
    }
}

void SessionTable::join_failed(SessionRef r, std::string_view code, std::string_view message,
                               std::int64_t now_ms) {
    Session* s = find(r);
    if (s == nullptr) {
        return;
    }
    signaling_errors_->inc();
    if (s->ws != 0) {
        transport_.send_text(s->ws, net::make_error_message(code, message));
        by_ws_.erase(s->ws);
        s->ws = 0;
    }
    if (!s->resumed && !s->in_game && s->kind == Kind::None) {
        end(*s, false); // nothing of it reached the game
        return;
    }
    go_offline(*s, now_ms); // a resumed session waits for a good join until its grace ends
}

void SessionTable::leave(std::uint64_t ws) {
    if (Session* s = by_ws(ws)) {
        end(*s, true);
    }
    transport_.close_ws(ws, 1000, "left");
}

void SessionTable::ws_closed(std::uint64_t ws, std::int64_t now_ms) {
    Session* s = by_ws(ws);
    if (s == nullptr) {
        return;
    }
    by_ws_.erase(ws);
    s->ws = 0;
    // Signaling is over for a WebRTC client; for the WebSocket transport this was the data path.
    if (s->kind == Kind::WebSocket) {
        s->kind = Kind::None;
        go_offline(*s, now_ms);
    }
}

void SessionTable::ws_message(std::uint64_t ws, std::span<const std::uint8_t> bytes, std::int64_t now_ms) {
    Session* s = by_ws(ws);
    if (s == nullptr || s->kind != Kind::WebSocket) {
        messages_dropped_->inc(); // binary before (or without) a WebSocket-transport join
        return;
    }
    game_message(*s, bytes, -1, now_ms);
}

// --- WebRTC -----------------------------------------------------------------------------------

bool SessionTable::rtc_connected(std::uint64_t conn) {
    return by_conn(conn) != nullptr;
}

void SessionTable::rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) {
    Session* s = by_conn(conn);
    if (s == nullptr) {
        return;
    }
    // Any channel may carry Pings; `events` and `state` carry the game protocol.
    if (label == kEventsLabel) {
        s->events_channel = channel;
    } else if (label == kStateLabel) {
        s->state_channel = channel;
    }
    if (s->events_channel >= 0 && s->state_channel >= 0 && s->in_game && !s->welcomed) {
        welcome(*s);
    }
}

void SessionTable::rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes,
                               bool binary, std::int64_t now_ms) {
    Session* s = by_conn(conn);
    if (s == nullptr) {
        return;
    }
    if (!binary) {
        messages_dropped_->inc();
        return;
    }
    game_message(*s, bytes, channel, now_ms);
}

void SessionTable::rtc_disconnected(std::uint64_t conn, std::int64_t now_ms) {
    Session* s = by_conn(conn);
    by_conn_.erase(conn);
    if (s == nullptr || s->conn != conn) {
        return;
    }
    s->conn = 0;
    s->kind = Kind::None;
    go_offline(*s, now_ms);
}

// --- Lifecycle --------------------------------------------------------------------------------

void SessionTable::send_answer(Session& s) {
    if (!s.answer_pending || s.ws == 0) {
        return;
    }
    s.answer_pending = false;
    if (s.kind == Kind::WebSocket) {
        transport_.send_text(s.ws, net::make_welcome_message({s.token, s.player_id, s.resumed}));
        welcome(s);
    } else {
        transport_.send_text(s.ws, net::make_answer_message(
                                       {s.answer_sdp, s.token, s.player_id, s.resumed, s.max_message_size}));
        s.answer_sdp.clear();
        s.answer_sdp.shrink_to_fit();
    }
}

void SessionTable::welcome(Session& s) {
    encode_welcome(world_info_, s.player_id, scratch_);
    if (s.kind == Kind::WebSocket) {
        (void)transport_.send_binary(s.ws, scratch_);
    } else if (s.kind == Kind::WebRtc && s.events_channel >= 0) {
        (void)transport_.send_rtc(s.conn, static_cast<std::uint16_t>(s.events_channel), scratch_);
    } else {
        return;
    }
    // A new connection: the game starts it over (its first snapshot full, names and match sent
    // again), and its input numbering starts over too.
    s.welcomed = true;
    s.last_seq = 0;
    ++s.input.epoch;
    s.input.ready = true;
    s.input.congested = false;
    s.input.seq = 0;
    s.input.ack = 0;
    publish_input(s);
}

void SessionTable::go_offline(Session& s, std::int64_t now_ms) {
    s.live = false;
    s.welcomed = false;
    if (s.input.ready) {
        s.input.ready = false;
        publish_input(s);
    }
    if (s.offline_since_ms == 0) {
        s.offline_since_ms = std::max<std::int64_t>(1, now_ms);
        offline_order_.emplace_back(s.offline_since_ms, ref(s));
    }
}

void SessionTable::drop_connection(Session& s, std::uint16_t ws_code, std::string_view reason,
                                   std::int64_t now_ms) {
    if (s.kind == Kind::WebRtc && s.conn != 0) {
        by_conn_.erase(s.conn);
        transport_.close_rtc(s.conn);
        s.conn = 0;
    } else if (s.kind == Kind::WebSocket && s.ws != 0) {
        by_ws_.erase(s.ws);
        transport_.close_ws(s.ws, ws_code, reason);
        s.ws = 0;
    }
    s.kind = Kind::None;
    if (s.live || s.offline_since_ms == 0) {
        go_offline(s, now_ms);
    }
}

void SessionTable::end(Session& s, bool tell_game) {
    const SessionRef r = ref(s);
    if (s.conn != 0) {
        by_conn_.erase(s.conn);
        transport_.close_rtc(s.conn);
    }
    if (s.ws != 0) {
        by_ws_.erase(s.ws);
        if (s.kind == Kind::WebSocket) {
            transport_.close_ws(s.ws, 1000, "session ended");
        }
    }
    if (tell_game && (s.in_game || !s.spectator)) {
        // A join still waiting for its player is answered by the game anyway; the leave that
        // follows it removes the player again (the queue keeps the order).
        Control c;
        c.type = Control::Type::Leave;
        c.session = r;
        link_.push_control(c);
    }
    by_token_.erase(s.token);
    (s.spectator ? spectators_ : players_)--;
    const std::uint32_t generation = s.generation;
    s = Session{};
    s.generation = generation;
    s.input.generation = 0; // the slot names nobody
    publish_input(s);
    free_slots_.push_back(r.slot);
    sessions_gauge_->set(static_cast<double>(players_));
    spectators_gauge_->set(static_cast<double>(spectators_));
}

void SessionTable::poll(std::int64_t now_ms) {
    link_.flush_control();
    Reply rp;
    while (link_.poll_reply(rp)) {
        Session* s = find(rp.session);
        if (s == nullptr) {
            continue; // gone before the game answered: its Leave follows the Join
        }
        s->player_id = rp.player_id;
        s->in_game = true;
        send_answer(*s);
        if (s->kind == Kind::WebRtc && s->events_channel >= 0 && s->state_channel >= 0 && !s->welcomed) {
            welcome(*s);
        }
    }
    // Congested connections whose peer caught up (below half the limit) get snapshots again.
    std::erase_if(congested_, [&](SessionRef r) {
        Session* s = find(r);
        if (s == nullptr || !s->input.congested) {
            return true;
        }
        if (s->kind == Kind::WebRtc && s->live &&
            transport_.rtc_unacked_bytes(s->conn) > config_.max_unacked_bytes_for_snapshot / 2) {
            return false;
        }
        s->input.congested = false;
        publish_input(*s);
        return true;
    });
    const std::int64_t grace_ms = static_cast<std::int64_t>(config_.resume_grace_s) * 1000;
    while (!offline_order_.empty() && now_ms - offline_order_.front().first >= grace_ms) {
        const auto [since, r] = offline_order_.front();
        offline_order_.pop_front();
        Session* s = find(r);
        if (s != nullptr && !s->live && s->offline_since_ms == since) {
            spdlog::debug("session of {} expired after {} s offline", s->name, config_.resume_grace_s);
            expired_->inc();
            end(*s, true);
        }
    }
}

void SessionTable::end_all() {
    for (Session& s : sessions_) {
        if (s.in_use) {
            end(s, true);
        }
    }
    link_.flush_control();
}

// --- Game messages ----------------------------------------------------------------------------

void SessionTable::publish_input(Session& s) {
    link_.write_input(ref(s).slot, s.input);
}

void SessionTable::reply(Session& s, int channel, std::span<const std::uint8_t> bytes) {
    if (channel < 0) {
        (void)transport_.send_binary(s.ws, bytes);
    } else {
        (void)transport_.send_rtc(s.conn, static_cast<std::uint16_t>(channel), bytes);
    }
}

void SessionTable::game_message(Session& s, std::span<const std::uint8_t> bytes, int channel,
                                std::int64_t now_ms) {
    messages_in_->inc();
    const net::ClientGameMessage msg = net::parse_client_game_message(bytes);
    using MsgKind = net::ClientGameMessage::Kind;
    switch (msg.kind) {
    case MsgKind::Invalid:
        messages_dropped_->inc();
        if (++s.violations > config_.max_violations) {
            spdlog::info("client {} dropped after {} malformed messages", s.name, s.violations);
            closed_violations_->inc();
            drop_connection(s, 1008, "malformed messages", now_ms);
        }
        return;
    case MsgKind::NotFromClients:
        messages_dropped_->inc(); // a message type clients do not send
        return;
    case MsgKind::Ping: {
        if (s.violations > config_.max_violations) {
            drop_connection(s, 1008, "malformed messages", now_ms);
            return;
        }
        const proto::Ping* ping = msg.ping;
        flatbuffers::FlatBufferBuilder b(128 + (ping->payload() != nullptr ? ping->payload()->size() : 0));
        flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> payload;
        if (ping->payload() != nullptr) {
            // Echo what fits the path's message limit (with room for the envelope).
            const std::size_t room = s.max_message_size > 128 ? s.max_message_size - 128 : 0;
            payload =
                b.CreateVector(ping->payload()->data(), std::min<std::size_t>(ping->payload()->size(), room));
        }
        const auto pong =
            proto::CreatePong(b, ping->id(), ping->client_time_ms(), static_cast<double>(now_ms), payload);
        b.Finish(proto::CreateEnvelope(b, proto::Message::Pong, pong.Union()));
        reply(s, channel, {b.GetBufferPointer(), b.GetSize()});
        return;
    }
    case MsgKind::Chat:
    case MsgKind::ScoreboardRequest:
    case MsgKind::Spectate:
    case MsgKind::Inputs:
        break;
    }
    if (s.violations > config_.max_violations) {
        // A resumed session that was dropped is dropped again at its next message.
        drop_connection(s, 1008, "malformed messages", now_ms);
        return;
    }
    if (!s.in_game || !s.welcomed) {
        messages_dropped_->inc(); // not in the game (yet), or before this connection's Welcome
        return;
    }
    if (msg.kind == MsgKind::Chat || msg.kind == MsgKind::ScoreboardRequest) {
        // Their own token bucket: a chat flood cannot starve inputs, nor the reverse.
        if (!s.request_bucket.take(now_ms, config_.request_rate_per_s, config_.request_burst)) {
            requests_rate_->inc();
            return;
        }
        Request r;
        r.session = ref(s);
        if (msg.kind == MsgKind::Chat) {
            static_assert(net::ClientGameMessage::kMaxChatBytes <= sizeof(Request::text));
            r.type = Request::Type::Chat;
            std::copy(msg.chat_text.begin(), msg.chat_text.end(), r.text.begin());
            r.text_len = static_cast<std::uint8_t>(msg.chat_text.size());
            r.team_only = msg.chat_team_only;
        } else {
            r.type = Request::Type::Scoreboard;
            r.top = msg.scoreboard_top;
        }
        if (!link_.push_request(r)) {
            requests_full_->inc();
        }
        return;
    }
    // Inputs and camera: a spectator may only move its camera, a player only its player.
    if (msg.kind == MsgKind::Spectate ? !s.spectator : s.spectator) {
        messages_dropped_->inc();
        return;
    }
    if (!s.input_bucket.take(now_ms, config_.input_rate_per_s, config_.input_burst)) {
        inputs_rate_->inc();
        return;
    }
    InputState& in = s.input;
    bool changed = false;
    if (msg.resync) {
        ++in.resyncs; // the game builds the next snapshot as if nothing were acknowledged
        changed = true;
    }
    if (msg.kind == MsgKind::Spectate) {
        const net::ClientInput& c = msg.inputs[0];
        changed = in.follow != msg.follow || in.camera_x != msg.camera_x || in.camera_y != msg.camera_y ||
                  c.ack_snapshot > in.ack;
        in.follow = msg.follow;
        in.camera_x = msg.camera_x;
        in.camera_y = msg.camera_y;
        in.ack = std::max(in.ack, c.ack_snapshot);
    } else {
        // Oldest first. Only inputs newer than the last accepted one count (any seq after a
        // Welcome): a redundant copy or a late one changes nothing.
        for (std::size_t k = 0; k < msg.input_count; ++k) {
            const net::ClientInput& c = msg.inputs[k];
            if (c.ack_snapshot > in.ack) {
                in.ack = c.ack_snapshot;
                changed = true;
            }
            if (c.seq <= s.last_seq && s.last_seq != 0) {
                continue;
            }
            s.last_seq = c.seq;
            in.seq = c.seq;
            in.move_x = c.move_x;
            in.move_y = c.move_y;
            in.aim = c.aim;
            in.buttons = c.buttons;
            ++in.inputs;
            for (std::size_t b = 0; b < in.presses.size(); ++b) {
                if ((c.buttons >> b & 1u) != 0) {
                    ++in.presses[b];
                }
            }
            if (c.weapon_slot >= 0) {
                in.weapon_slot = c.weapon_slot;
                ++in.weapon_changes;
            }
            inputs_->inc();
            changed = true;
        }
    }
    if (changed) {
        publish_input(s);
    }
}

// --- Outbound ---------------------------------------------------------------------------------

void SessionTable::deliver(const OutBatch& batch, std::int64_t now_ms) {
    for (const OutBatch::Message& m : batch.messages()) {
        Session* s = find(m.session);
        if (s == nullptr) {
            out_gone_->inc();
            continue;
        }
        if (m.epoch != s->input.epoch) {
            out_stale_->inc();
            continue;
        }
        if (!s->live || !s->welcomed) {
            out_offline_->inc();
            continue;
        }
        const std::span<const std::uint8_t> bytes = batch.bytes(m);
        bool ok = false;
        if (s->kind == Kind::WebSocket) {
            ok = transport_.send_binary(s->ws, bytes);
        } else if (s->kind == Kind::WebRtc) {
            if (m.channel == OutBatch::Channel::State &&
                transport_.rtc_unacked_bytes(s->conn) > config_.max_unacked_bytes_for_snapshot) {
                out_congested_->inc();
                if (!s->input.congested) {
                    // The game stops making snapshots for it until its peer catches up (poll()).
                    s->input.congested = true;
                    publish_input(*s);
                    congested_.push_back(m.session);
                }
                continue;
            }
            const int ch = m.channel == OutBatch::Channel::Events ? s->events_channel : s->state_channel;
            ok = ch >= 0 && transport_.send_rtc(s->conn, static_cast<std::uint16_t>(ch), bytes);
        }
        if (ok) {
            continue;
        }
        out_refused_->inc();
        if (m.channel == OutBatch::Channel::Events) {
            // A reliable message the connection cannot take (its peer does not read fast enough):
            // the connection is closed rather than left with a hole in its reliable stream. The
            // client may resume, and its new connection starts the reliable state over.
            spdlog::info("client {} dropped: it does not read its reliable channel fast enough", s->name);
            closed_slow_->inc();
            drop_connection(*s, 1008, "not reading fast enough", now_ms);
        }
    }
}

} // namespace mgs::session
