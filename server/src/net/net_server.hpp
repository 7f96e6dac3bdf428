#pragma once
// The network front of the game server: the HTTP port (static client, /ws signaling, /healthz,
// /metrics) and the WebRTC UDP port, run by one network thread, plus the sessions that tie a
// client to its player across reconnections.
//
//   browser ──/ws JSON──▶ signaling ──offer──▶ RtcServer (UDP) ──channels──▶ Ping/Pong, game data
//                              │ join / leave                                      (issue 5)
//                              ▼
//              lock-free queues ◀──▶ simulation thread (adds and removes players)
//
// Sessions: a join creates a session with a secret token. When the client's connection drops,
// the session (and its player in the world) lives on for the resume grace period; a join that
// carries the token within it gets the same player back. After the grace the player leaves.
//
// The simulation never waits on the network thread: requests and replies cross in fixed-size
// single-producer single-consumer queues (boost::lockfree), polled by each side.

#include "metrics/registry.hpp"
#include "net/http_server.hpp"
#include "net/rate_limiter.hpp"
#include "net/rtc_server.hpp"
#include "net/signaling_message.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/lockfree/spsc_queue.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

namespace mgs::net {

struct NetConfig {
    double input_rate_per_s = 120; // inputs per second per client (clients send 30-60)
    double input_burst = 60;
    double request_rate_per_s = 2; // chat lines and scoreboard requests per second per client
    double request_burst = 8;
    HttpConfig http;
    RtcServerConfig rtc;
    std::size_t max_clients = 1000; // players connected or within their resume grace
    std::uint32_t resume_grace_s = 30;
    std::uint32_t max_violations = 20; // malformed game messages before a client is dropped
};

/// A request from the network to the simulation.
struct GameRequest {
    /// Ready: the client's reliable channel opened (first connection or a resume); what it was
    /// sent before is gone, so the game starts its reliable state over.
    /// Offline: the client's connection dropped (it may resume within the grace period).
    enum class Type : std::uint8_t { Join, Leave, Input, Ready, Offline, Chat, Scoreboard, Spectate };
    Type type = Type::Join;
    std::uint32_t session = 0;
    std::uint32_t player_id = 0; // Leave, Input
    std::int8_t team = -1;       // Join: -1 auto, 0 red, 1 blue
    bool spectate = false;       // Join: a spectator (no player; the game answers nothing)
    std::array<char, 64> name{}; // Join: NUL-terminated UTF-8
    // Input (validated again by the simulation: clamped, cooldowns enforced)
    std::uint32_t seq = 0;
    std::int8_t move_x = 0;
    std::int8_t move_y = 0;
    float aim = 0.0f;
    std::uint8_t buttons = 0;
    std::int8_t weapon_slot = -1;
    std::uint32_t ack_snapshot = 0;
    // Chat: UTF-8 text (not NUL-terminated; text_len bytes), verified by the parser
    std::array<char, 200> text{};
    std::uint8_t text_len = 0;
    bool team_only = false;
    // Scoreboard: rows wanted
    std::uint16_t top = 20;
    // Spectate: camera
    std::uint32_t follow = 0xFFFFFFFFu;
    float camera_x = 0.0f;
    float camera_y = 0.0f;
};

/// What every client is told when it connects (the Welcome message), set by the app.
struct WorldInfo {
    std::uint16_t tick_hz = 30;
    std::uint16_t snapshot_hz = 20;
    std::uint64_t map_seed = 1;
    float map_width = 0;
    float map_height = 0;
    std::uint8_t mode = 2;
    float view_half_width = 1100;
    float view_half_height = 700;
    float player_radius = 15;
    float player_speed = 150;
    float speed_boost = 1.5f;
    float max_health = 100;
    float max_shield = 50;
    struct Weapon {
        float projectile_speed = 0;
        float lifetime_s = 0;
        float cooldown_s = 0;
        float reload_s = 0;
        std::int16_t magazine = 0;
        std::int16_t pellets = 0;
        float range = 0;
    };
    std::array<Weapon, 5> weapons{}; ///< pistol, shotgun, rifle, sniper, melee
};

/// A message from the simulation to one client (a snapshot, or a reliable event).
struct GameMessage {
    static constexpr std::size_t kMaxBytes = 1200;
    std::uint32_t session = 0;
    bool reliable = false; // `events` channel; else `state`
    std::uint16_t size = 0;
    std::array<std::uint8_t, kMaxBytes> data{};
};

class NetServer final : private WsHandler, private RtcHandler {
public:
    NetServer(NetConfig config, metrics::Registry& metrics);
    ~NetServer() override;
    NetServer(const NetServer&) = delete;
    NetServer& operator=(const NetServer&) = delete;

    /// Binds both ports and starts the network thread. False + error text when a port cannot be
    /// bound or the certificate cannot be made.
    bool start(std::string& error);
    /// Closes every client (WebRTC close, WebSocket 1001) and joins the network thread.
    void stop();

    [[nodiscard]] std::uint16_t http_port() const noexcept { return http_port_; }
    [[nodiscard]] std::uint16_t udp_port() const noexcept { return udp_port_; }

    /// When attached, joins wait for the simulation to create the player (poll_request /
    /// player_joined); otherwise the network assigns ids itself (tests of the network alone).
    void attach_game() noexcept { game_attached_.store(true); }
    /// Simulation thread: next request, false when none.
    bool poll_request(GameRequest& out) noexcept { return requests_.pop(out); }
    /// Simulation thread: the player made for a Join request.
    void player_joined(std::uint32_t session, std::uint32_t player_id) noexcept;

    /// Simulation thread: queues a message for a client; false (dropped) when the queue is full
    /// or the message is too big.
    bool send_to_client(std::uint32_t session, bool reliable, std::span<const std::uint8_t> bytes) noexcept;

    /// Sets what the Welcome message says (before start()).
    void set_world_info(const WorldInfo& info) { world_info_ = info; }

    /// Extra GET route on the HTTP port (before start()).
    void add_route(std::string path, std::string content_type, std::function<std::string()> body);

private:
    struct Session {
        std::uint32_t id = 0;
        std::string token;
        std::string name;
        std::int8_t team = -1;
        bool spectator = false;
        bool spectator_joined = false; // the game knows this spectator
        std::uint32_t player_id = 0;
        bool has_player = false;
        bool websocket_transport = false;
        std::uint64_t conn = 0;        // RtcServer connection, 0 when none
        std::shared_ptr<WsSession> ws; // signaling (and data, for the WebSocket transport)
        bool online = false;
        std::int64_t offline_since_ms = 0;
        bool answer_pending = false;
        std::string answer; // sent once the player exists
        bool resumed = false;
        std::uint32_t violations = 0;
        std::uint32_t max_message_size = 0;
        int events_channel = -1;
        int state_channel = -1;
        TokenBucket inputs;   // inputs and spectate controls
        TokenBucket requests; // chat lines and scoreboard requests
    };

    // WsHandler
    void on_open(const std::shared_ptr<WsSession>& s) override;
    void on_message(const std::shared_ptr<WsSession>& s, std::string_view data, bool binary) override;
    void on_rate_limited(const std::shared_ptr<WsSession>& s) override;
    void on_close(const std::shared_ptr<WsSession>& s) override;
    // RtcHandler
    void on_rtc_connected(std::uint64_t conn) override;
    void on_rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) override;
    void on_rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                        bool binary) override;
    void on_rtc_disconnected(std::uint64_t conn, rtc::DisconnectReason reason, bool was_connected) override;

    void handle_join(const std::shared_ptr<WsSession>& ws, JoinRequest& join);
    void send_answer(Session& s);
    void go_offline(Session& s);
    void end_session(std::uint32_t id, bool tell_game);
    /// A game message from a client; returns the reply to send on the same path, if any.
    bool handle_game_message(Session& s, std::span<const std::uint8_t> data,
                             std::vector<std::uint8_t>& reply);
    void on_tick();
    void send_welcome(Session& s);
    [[nodiscard]] std::int64_t now_ms() const;
    [[nodiscard]] std::size_t players() const;
    Session* session_by_conn(std::uint64_t conn);

    NetConfig config_;
    metrics::Registry& metrics_;
    boost::asio::io_context io_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<RtcServer> rtc_;
    boost::asio::steady_timer timer_;
    std::thread thread_;
    std::atomic<bool> game_attached_{false};
    WorldInfo world_info_;
    bool running_ = false;
    std::uint16_t http_port_ = 0;
    std::uint16_t udp_port_ = 0;
    std::chrono::steady_clock::time_point start_;

    std::uint32_t next_session_ = 1;
    std::uint32_t next_local_player_ = 1;
    std::unordered_map<std::uint32_t, Session> sessions_;
    std::unordered_map<std::string, std::uint32_t> by_token_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_conn_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_ws_;

    struct Reply {
        std::uint32_t session = 0;
        std::uint32_t player_id = 0;
    };
    boost::lockfree::spsc_queue<GameRequest, boost::lockfree::capacity<4096>> requests_;
    boost::lockfree::spsc_queue<Reply, boost::lockfree::capacity<4096>> replies_;
    std::unique_ptr<boost::lockfree::spsc_queue<GameMessage, boost::lockfree::capacity<4096>>> outbound_;

    metrics::Counter* signaling_errors_;
    metrics::Counter* messages_in_;
    metrics::Counter* messages_dropped_;
    metrics::Counter* resumes_;
    metrics::Counter* inputs_;
    metrics::Counter* inputs_rate_limited_;
    metrics::Counter* requests_rate_limited_;
    metrics::Counter* outbound_dropped_;
    metrics::Gauge* sessions_gauge_;
};

} // namespace mgs::net
