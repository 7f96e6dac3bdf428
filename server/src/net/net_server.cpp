#include "net/net_server.hpp"

#include "net/game_message.hpp"
#include "net/signaling_message.hpp"
#include "proto/game_generated.h"
#include "rtc/sdp.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace mgs::net {

namespace {

constexpr auto kTickPeriod = std::chrono::milliseconds(10);
constexpr std::string_view kEventsLabel = "events"; // reliable, ordered: opened by the client
constexpr std::string_view kStateLabel = "state";   // unreliable, unordered: opened by the server

std::string make_token() {
    std::array<unsigned char, 18> raw{};
    RAND_bytes(raw.data(), static_cast<int>(raw.size()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (const unsigned char c : raw) {
        s += kHex[c >> 4];
        s += kHex[c & 15];
    }
    return s;
}

} // namespace

NetServer::NetServer(NetConfig config, metrics::Registry& metrics)
    : config_(std::move(config)), metrics_(metrics), timer_(io_), start_(std::chrono::steady_clock::now()) {
    http_ = std::make_unique<HttpServer>(io_, config_.http, metrics, static_cast<WsHandler&>(*this));
    rtc_ = std::make_unique<RtcServer>(io_, config_.rtc, metrics, static_cast<RtcHandler&>(*this));
    signaling_errors_ =
        &metrics.counter("mgs_signaling_errors_total", "Signaling requests answered with an error");
    messages_in_ = &metrics.counter("mgs_messages_received_total", "Game messages received from clients");
    messages_dropped_ = &metrics.counter("mgs_messages_dropped_total",
                                         "Game messages dropped (malformed, unknown or too large)");
    resumes_ = &metrics.counter("mgs_resumes_total", "Sessions resumed with their token");
    inputs_ = &metrics.counter("mgs_inputs_total", "Inputs from clients passed to the simulation");
    inputs_rate_limited_ =
        &metrics.counter("mgs_inputs_dropped_total", "Inputs dropped", {{"reason", "rate"}});
    requests_rate_limited_ = &metrics.counter(
        "mgs_requests_dropped_total", "Chat lines and scoreboard requests dropped", {{"reason", "rate"}});
    outbound_dropped_ = &metrics.counter("mgs_outbound_dropped_total",
                                         "Messages to clients dropped (queue full or client gone)");
    outbound_ = std::make_unique<boost::lockfree::spsc_queue<GameMessage, boost::lockfree::capacity<4096>>>();
    sessions_gauge_ =
        &metrics.gauge("mgs_sessions", "Sessions with a player, connected or within their grace");
}

NetServer::~NetServer() {
    stop();
}

void NetServer::add_route(std::string path, std::string content_type, std::function<std::string()> body) {
    http_->add_route(std::move(path), std::move(content_type), std::move(body));
}

std::int64_t NetServer::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_)
        .count();
}

bool NetServer::start(std::string& error) {
    if (!rtc_->start(error)) {
        return false;
    }
    if (!http_->start(error)) {
        rtc_->stop();
        return false;
    }
    http_port_ = http_->port();
    udp_port_ = rtc_->port();
    running_ = true;
    timer_.expires_after(kTickPeriod);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            on_tick();
        }
    });
    thread_ = std::thread([this] { io_.run(); });
    return true;
}

void NetServer::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    // Everything below runs on the network thread, which owns the state.
    boost::asio::post(io_, [this] {
        timer_.cancel();
        rtc_->stop();
        http_->stop();
        sessions_.clear();
        by_ws_.clear();
        by_conn_.clear();
    });
    // Let close frames and final datagrams go out, then end the loop.
    boost::asio::post(io_, [this] { io_.stop(); });
    if (thread_.joinable()) {
        thread_.join();
    }
}

void NetServer::player_joined(std::uint32_t session, std::uint32_t player_id) noexcept {
    while (!replies_.push({session, player_id})) {
        std::this_thread::yield(); // a full reply queue means 4096 joins in one tick: never in practice
    }
}

std::size_t NetServer::players() const {
    return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                  [](const auto& kv) { return !kv.second.spectator; }));
}

NetServer::Session* NetServer::session_by_conn(std::uint64_t conn) {
    auto it = by_conn_.find(conn);
    if (it == by_conn_.end()) {
        return nullptr;
    }
    auto s = sessions_.find(it->second);
    return s == sessions_.end() ? nullptr : &s->second;
}

// --- Signaling -------------------------------------------------------------------------------

void NetServer::on_open(const std::shared_ptr<WsSession>& /*s*/) {}

void NetServer::on_rate_limited(const std::shared_ptr<WsSession>& s) {
    signaling_errors_->inc();
    s->send_text(make_error_message("rate_limited", "too many signaling messages; slow down"));
}

void NetServer::on_message(const std::shared_ptr<WsSession>& ws, std::string_view data, bool binary) {
    if (binary) {
        // Game data over the WebSocket transport (the fallback when WebRTC cannot connect).
        auto it = by_ws_.find(ws->id());
        if (it == by_ws_.end() || !sessions_.at(it->second).websocket_transport) {
            messages_dropped_->inc();
            return;
        }
        Session& s = sessions_.at(it->second);
        std::vector<std::uint8_t> reply;
        const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
        if (handle_game_message(s, {p, data.size()}, reply) && !reply.empty()) {
            ws->send_binary(std::move(reply));
        }
        if (s.violations > config_.max_violations) {
            spdlog::info("client {} dropped after {} malformed messages", s.name, s.violations);
            ws->close(1008, "malformed messages");
        }
        return;
    }
    auto parsed = parse_client_message(data, config_.http.ws_max_message_bytes);
    if (auto* err = std::get_if<SignalingError>(&parsed)) {
        signaling_errors_->inc();
        ws->send_text(make_error_message(err->code, err->message));
        return;
    }
    auto& msg = std::get<ClientMessage>(parsed);
    if (auto* join = std::get_if<JoinRequest>(&msg)) {
        handle_join(ws, *join);
    } else if (std::holds_alternative<LeaveMessage>(msg)) {
        if (auto it = by_ws_.find(ws->id()); it != by_ws_.end()) {
            end_session(it->second, true);
        }
        ws->close(1000, "left");
    }
    // Trickled candidates need nothing: as an ICE-lite agent we learn the client's addresses from
    // its authenticated checks.
}

void NetServer::handle_join(const std::shared_ptr<WsSession>& ws, JoinRequest& join) {
    auto fail = [&](std::string_view code, std::string_view message) {
        signaling_errors_->inc();
        ws->send_text(make_error_message(code, message));
    };
    if (by_ws_.contains(ws->id())) {
        fail("bad_request", "this connection has already joined");
        return;
    }
    Session* s = nullptr;
    if (!join.resume_token.empty()) {
        auto it = by_token_.find(join.resume_token);
        if (it == by_token_.end()) {
            fail("resume_failed", "unknown or expired session token; join without it for a new player");
            return;
        }
        s = &sessions_.at(it->second);
        // The old path may still look alive (a page reload races the old connection's expiry).
        if (s->conn != 0) {
            by_conn_.erase(s->conn);
            rtc_->close(s->conn);
            s->conn = 0;
        }
        if (s->ws && s->ws != ws) {
            by_ws_.erase(s->ws->id());
            s->ws->close(4000, "resumed elsewhere");
        }
        s->resumed = true;
        resumes_->inc();
    } else {
        if (!join.spectate && players() >= config_.max_clients) {
            fail("server_full", "the server is full (" + std::to_string(config_.max_clients) +
                                    " players); try again later or spectate");
            return;
        }
        const std::uint32_t id = next_session_++;
        Session fresh;
        fresh.id = id;
        fresh.token = make_token();
        fresh.name = join.name;
        fresh.team = static_cast<std::int8_t>(join.team == "red" ? 0 : join.team == "blue" ? 1 : -1);
        fresh.spectator = join.spectate;
        if (fresh.spectator) {
            fresh.player_id = 0xFFFFFFFFu; // no player (as in the Welcome)
        }
        by_token_[fresh.token] = id;
        s = &sessions_.emplace(id, std::move(fresh)).first->second;
    }
    s->ws = ws;
    s->websocket_transport = join.websocket_transport;
    by_ws_[ws->id()] = s->id;

    if (!join.websocket_transport) {
        rtc::SessionDescription offer;
        std::string error;
        // A failed join forgets a new session; a resumed one keeps waiting for a good join.
        auto undo = [&] {
            by_ws_.erase(ws->id());
            s->ws.reset();
            if (!s->resumed) {
                by_token_.erase(s->token);
                sessions_.erase(s->id);
            }
        };
        if (!rtc::parse_sdp(join.offer_sdp, offer, error)) {
            undo();
            fail("bad_offer", "the SDP offer cannot be used: " + error);
            return;
        }
        RtcServer::OfferError oe{};
        const std::uint64_t conn = rtc_->accept_offer(offer, s->answer, oe);
        if (conn == 0) {
            undo();
            if (oe == RtcServer::OfferError::TooManyHandshakes) {
                fail("too_many_handshakes", "too many connections are being set up; retry in a few seconds");
            } else if (oe == RtcServer::OfferError::Full) {
                fail("server_full", "the server has no room for another connection");
            } else {
                fail("bad_offer", "the SDP offer has no ICE credentials");
            }
            return;
        }
        s->conn = conn;
        s->max_message_size = std::min(offer.max_message_size, config_.rtc.max_message_size);
        by_conn_[conn] = s->id;
    } else {
        s->online = true;
        s->max_message_size = static_cast<std::uint32_t>(config_.http.ws_max_message_bytes);
    }
    s->answer_pending = true;
    if (s->spectator && !s->spectator_joined && game_attached_.load()) {
        // Spectators get no player, but the game sends them snapshots around their camera.
        GameRequest r;
        r.type = GameRequest::Type::Join;
        r.session = s->id;
        r.spectate = true;
        std::strncpy(r.name.data(), s->name.c_str(), r.name.size() - 1);
        s->spectator_joined = requests_.push(r);
    }
    if (s->has_player || s->spectator) {
        send_answer(*s);
    } else if (game_attached_.load()) {
        GameRequest r;
        r.type = GameRequest::Type::Join;
        r.session = s->id;
        r.team = s->team;
        std::strncpy(r.name.data(), s->name.c_str(), r.name.size() - 1);
        if (!requests_.push(r)) {
            fail("internal", "the game is not accepting players right now; retry");
            end_session(s->id, false);
        }
    } else {
        s->player_id = next_local_player_++;
        s->has_player = true;
        send_answer(*s);
    }
    sessions_gauge_->set(static_cast<double>(players()));
}

void NetServer::send_welcome(Session& s) {
    flatbuffers::FlatBufferBuilder b(128);
    const WorldInfo& w = world_info_;
    std::array<proto::WeaponInfo, std::tuple_size_v<decltype(w.weapons)>> weapons{};
    for (std::size_t k = 0; k < weapons.size(); ++k) {
        const WorldInfo::Weapon& x = w.weapons[k];
        weapons[k] = proto::WeaponInfo(x.projectile_speed, x.lifetime_s, x.cooldown_s, x.reload_s, x.magazine,
                                       x.pellets, x.range);
    }
    const auto weapon_list = b.CreateVectorOfStructs(weapons.data(), weapons.size());
    const auto welcome = proto::CreateWelcome(
        b, s.spectator ? 0xFFFFFFFFu : s.player_id, w.tick_hz, w.snapshot_hz, w.map_seed, w.map_width,
        w.map_height, w.mode, w.view_half_width, w.view_half_height, w.player_radius, w.player_speed,
        w.speed_boost, w.max_health, w.max_shield, weapon_list);
    b.Finish(proto::CreateEnvelope(b, proto::Message::Welcome, welcome.Union()));
    const std::span<const std::uint8_t> bytes(b.GetBufferPointer(), b.GetSize());
    if (s.websocket_transport && s.ws) {
        s.ws->send_binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    } else if (s.conn != 0 && s.events_channel >= 0) {
        rtc_->send(s.conn, static_cast<std::uint16_t>(s.events_channel), bytes);
    }
    if ((s.has_player || s.spectator_joined) && game_attached_.load()) {
        // The reliable channel is up (again): the game (re)sends what a fresh client needs.
        GameRequest r;
        r.type = GameRequest::Type::Ready;
        r.session = s.id;
        r.player_id = s.player_id;
        (void)requests_.push(r);
    }
}

void NetServer::send_answer(Session& s) {
    if (!s.answer_pending || !s.ws) {
        return;
    }
    s.answer_pending = false;
    if (s.websocket_transport) {
        s.ws->send_text(make_welcome_message({s.token, s.player_id, s.resumed}));
        send_welcome(s);
    } else {
        s.ws->send_text(make_answer_message({s.answer, s.token, s.player_id, s.resumed, s.max_message_size}));
    }
}

void NetServer::on_close(const std::shared_ptr<WsSession>& ws) {
    auto it = by_ws_.find(ws->id());
    if (it == by_ws_.end()) {
        return;
    }
    const std::uint32_t id = it->second;
    by_ws_.erase(it);
    auto s = sessions_.find(id);
    if (s == sessions_.end()) {
        return;
    }
    s->second.ws.reset();
    // Signaling is over for a WebRTC client; for the WebSocket transport this was the data path.
    if (s->second.websocket_transport) {
        go_offline(s->second);
    }
}

// --- WebRTC ----------------------------------------------------------------------------------

void NetServer::on_rtc_connected(std::uint64_t conn) {
    Session* s = session_by_conn(conn);
    if (s == nullptr) {
        rtc_->close(conn);
        return;
    }
    s->online = true;
    rtc::ChannelOptions state;
    state.label = std::string(kStateLabel);
    state.ordered = false;
    state.max_retransmits = 0;
    rtc_->open_channel(conn, state);
}

void NetServer::on_rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) {
    // Any channel may carry Pings; `events` and `state` carry the game protocol.
    Session* s = session_by_conn(conn);
    if (s == nullptr) {
        return;
    }
    if (label == kEventsLabel) {
        s->events_channel = channel;
        send_welcome(*s);
    } else if (label == kStateLabel) {
        s->state_channel = channel;
    }
}

bool NetServer::send_to_client(std::uint32_t session, bool reliable,
                               std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() > GameMessage::kMaxBytes) {
        outbound_dropped_->inc();
        return false;
    }
    GameMessage m;
    m.session = session;
    m.reliable = reliable;
    m.size = static_cast<std::uint16_t>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), m.data.begin());
    if (!outbound_->push(m)) {
        outbound_dropped_->inc();
        return false;
    }
    return true;
}

void NetServer::on_rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                               bool binary) {
    Session* s = session_by_conn(conn);
    if (s == nullptr) {
        return;
    }
    if (!binary) {
        messages_dropped_->inc();
        return;
    }
    std::vector<std::uint8_t> reply;
    if (handle_game_message(*s, data, reply) && !reply.empty()) {
        rtc_->send(conn, channel, reply);
    }
    if (s->violations > config_.max_violations) {
        spdlog::info("client {} dropped after {} malformed messages", s->name, s->violations);
        rtc_->close(conn);
    }
}

void NetServer::on_rtc_disconnected(std::uint64_t conn, rtc::DisconnectReason reason, bool was_connected) {
    Session* s = session_by_conn(conn);
    by_conn_.erase(conn);
    if (s == nullptr) {
        return;
    }
    spdlog::debug("client {} disconnected: {} (was up: {})", s->name, rtc::to_string(reason), was_connected);
    s->conn = 0;
    go_offline(*s);
}

void NetServer::go_offline(Session& s) {
    if (!s.online && s.offline_since_ms != 0) {
        return;
    }
    s.online = false;
    s.offline_since_ms = std::max<std::int64_t>(1, now_ms());
    if ((s.has_player || s.spectator_joined) && game_attached_.load()) {
        // The player stands still (and holds no button) until it comes back or its grace ends.
        GameRequest r;
        r.type = GameRequest::Type::Offline;
        r.session = s.id;
        r.player_id = s.player_id;
        (void)requests_.push(r);
    }
}

void NetServer::end_session(std::uint32_t id, bool tell_game) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
        return;
    }
    Session& s = it->second;
    if (s.conn != 0) {
        by_conn_.erase(s.conn);
        rtc_->close(s.conn);
    }
    if (s.ws) {
        by_ws_.erase(s.ws->id());
    }
    if (tell_game && (s.has_player || s.spectator_joined) && game_attached_.load()) {
        GameRequest r;
        r.type = GameRequest::Type::Leave;
        r.session = id;
        r.player_id = s.player_id;
        (void)requests_.push(r);
    }
    by_token_.erase(s.token);
    sessions_.erase(it);
    sessions_gauge_->set(static_cast<double>(players()));
}

bool NetServer::handle_game_message(Session& s, std::span<const std::uint8_t> data,
                                    std::vector<std::uint8_t>& reply) {
    messages_in_->inc();
    const ClientGameMessage msg = parse_client_game_message(data);
    switch (msg.kind) {
    case ClientGameMessage::Kind::Invalid:
        messages_dropped_->inc();
        ++s.violations;
        return false;
    case ClientGameMessage::Kind::NotFromClients:
        messages_dropped_->inc(); // a message type clients do not send
        return false;
    case ClientGameMessage::Kind::Ping: {
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
            proto::CreatePong(b, ping->id(), ping->client_time_ms(), static_cast<double>(now_ms()), payload);
        b.Finish(proto::CreateEnvelope(b, proto::Message::Pong, pong.Union()));
        reply.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
        return true;
    }
    case ClientGameMessage::Kind::Chat:
    case ClientGameMessage::Kind::ScoreboardRequest: {
        // Their own token bucket: a chat flood cannot starve inputs, nor the reverse.
        if (!(s.has_player || s.spectator_joined)) {
            messages_dropped_->inc(); // not in the game (yet)
            return false;
        }
        if (!s.requests.take(now_ms(), config_.request_rate_per_s, config_.request_burst)) {
            requests_rate_limited_->inc();
            return false;
        }
        GameRequest r;
        r.session = s.id;
        r.player_id = s.player_id;
        if (msg.kind == ClientGameMessage::Kind::Chat) {
            static_assert(ClientGameMessage::kMaxChatBytes <= sizeof(GameRequest::text));
            r.type = GameRequest::Type::Chat;
            std::copy(msg.chat_text.begin(), msg.chat_text.end(), r.text.begin());
            r.text_len = static_cast<std::uint8_t>(msg.chat_text.size());
            r.team_only = msg.chat_team_only;
        } else {
            r.type = GameRequest::Type::Scoreboard;
            r.top = msg.scoreboard_top;
        }
        if (!requests_.push(r)) {
            requests_rate_limited_->inc();
        }
        return false;
    }
    case ClientGameMessage::Kind::Spectate:
    case ClientGameMessage::Kind::Inputs:
        break;
    }
    // Token bucket per client, per message: floods are dropped here, before the simulation.
    if (!(msg.kind == ClientGameMessage::Kind::Spectate ? s.spectator_joined : s.has_player)) {
        messages_dropped_->inc(); // inputs from a spectator, or spectating as a player
        return false;
    }
    if (!s.inputs.take(now_ms(), config_.input_rate_per_s, config_.input_burst)) {
        inputs_rate_limited_->inc();
        return false;
    }
    if (msg.kind == ClientGameMessage::Kind::Spectate) {
        GameRequest r;
        r.type = GameRequest::Type::Spectate;
        r.session = s.id;
        r.follow = msg.follow;
        r.camera_x = msg.camera_x;
        r.camera_y = msg.camera_y;
        r.ack_snapshot = msg.inputs[0].ack_snapshot;
        (void)requests_.push(r);
        return false;
    }
    // Oldest first; the simulation keeps only inputs newer than the last it applied.
    for (std::size_t k = 0; k < msg.input_count; ++k) {
        const ClientInput& in = msg.inputs[k];
        GameRequest r;
        r.type = GameRequest::Type::Input;
        r.session = s.id;
        r.player_id = s.player_id;
        r.seq = in.seq;
        r.move_x = in.move_x;
        r.move_y = in.move_y;
        r.aim = in.aim;
        r.buttons = in.buttons;
        r.weapon_slot = in.weapon_slot;
        r.ack_snapshot = in.ack_snapshot;
        if (requests_.push(r)) {
            inputs_->inc();
        } else {
            inputs_rate_limited_->inc();
        }
    }
    return false;
}

void NetServer::on_tick() {
    GameMessage m;
    while (outbound_->pop(m)) {
        auto it = sessions_.find(m.session);
        if (it == sessions_.end() || !it->second.online) {
            outbound_dropped_->inc();
            continue;
        }
        Session& s = it->second;
        const std::span<const std::uint8_t> bytes(m.data.data(), m.size);
        if (s.websocket_transport && s.ws) {
            s.ws->send_binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
        } else {
            const int ch = m.reliable ? s.events_channel : s.state_channel;
            if (s.conn == 0 || ch < 0 || !rtc_->send(s.conn, static_cast<std::uint16_t>(ch), bytes)) {
                outbound_dropped_->inc();
            }
        }
    }
    Reply r;
    while (replies_.pop(r)) {
        auto it = sessions_.find(r.session);
        if (it == sessions_.end()) {
            continue; // gone before the game answered: the app removes the player on its Leave
        }
        it->second.player_id = r.player_id;
        it->second.has_player = true;
        send_answer(it->second);
    }
    const std::int64_t now = now_ms();
    std::vector<std::uint32_t> expired;
    for (const auto& [id, s] : sessions_) {
        if (!s.online && s.offline_since_ms != 0 && s.conn == 0 &&
            now - s.offline_since_ms >= static_cast<std::int64_t>(config_.resume_grace_s) * 1000) {
            expired.push_back(id);
        }
    }
    for (const std::uint32_t id : expired) {
        end_session(id, true);
    }
    timer_.expires_after(kTickPeriod);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            on_tick();
        }
    });
}

} // namespace mgs::net
