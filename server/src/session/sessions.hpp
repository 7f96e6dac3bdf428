#pragma once
// The game side of every client connection, on the network thread, sans-IO: no sockets, no
// threads, no clock (time is an argument). It decides; app::SessionHost carries the decisions out
// over net/ (signaling WebSockets, the WebRTC port), and tests drive it with a virtual clock and a
// recording Transport.
//
//   join ──▶ session (token, name, team, spectator) ──▶ Control::Join ──▶ game makes the player
//    │            │ resume: the same session, its old connection closed at once
//    │            ▼
//    │        transport attached (WebRTC connection or the WebSocket itself)
//    │            │ player made (Reply) ──▶ answer (SDP) / welcome JSON
//    │            │ channels open ──▶ Welcome on `events`, a new epoch in the input slot: the game
//    │            ▼                   starts this connection over (full snapshot, names, match)
//    │        game messages: verified, rate limited, spectator rules, inputs merged into the slot,
//    │            │          chat and scoreboard requests queued, Pings answered here
//    │            ▼
//    │        connection lost ──▶ offline: the slot says not ready; the grace period runs
//    ▼            ▼
//  leave, or the grace over ──▶ Control::Leave: the player leaves the world
//
// Invariants (tested in server/tests/session/):
// - a session without a live connection always expires after the grace, whatever path it took
//   (a resume whose new offer is refused included);
// - joins and leaves reach the game exactly once and in order (GameLink keeps what its queue
//   cannot take);
// - one client's inputs never crowd out another's: each session has its own slot;
// - nothing goes out on `state` for a connection before its Welcome, and messages made for an
//   older connection of the session are dropped, not delivered to the new one.
//
// Sharding (later: several network threads): a SessionTable owns the sessions of one network
// thread; each thread would own its own table, link slots being partitioned between them.
#include "metrics/registry.hpp"
#include "net/rate_limiter.hpp"
#include "net/signaling_message.hpp"
#include "session/game_link.hpp"
#include "session/world_info.hpp"

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mgs::session {

struct SessionConfig {
    double input_rate_per_s = 120; ///< inputs per second per client (clients send 30-60)
    double input_burst = 60;
    double request_rate_per_s = 2; ///< chat lines and scoreboard requests per second per client
    double request_burst = 8;
    std::size_t max_players = 1000;   ///< players connected or within their resume grace
    std::size_t max_spectators = 100; ///< spectators connected or within their resume grace
    std::uint32_t resume_grace_s = 30;
    std::uint32_t max_violations = 20;          ///< malformed game messages before a client is dropped
    std::uint32_t ws_max_message_bytes = 65536; ///< the WebSocket transport's message limit
    /// A snapshot is not handed to a WebRTC connection whose peer has more than this many bytes
    /// unacknowledged (its link is congested): it would wait behind them and arrive stale, and
    /// the next snapshot, a delta against what the client acknowledged, replaces it anyway.
    /// About 14 full snapshots; counted under mgs_outbound_dropped_total{reason="congested"}.
    /// The game is told (InputState::congested) and makes no snapshot for it until its peer is
    /// below half of this again (checked in poll(), every tick).
    std::size_t max_unacked_bytes_for_snapshot = 16384;
};

/// What the session layer asks of the transports. Implemented by app::SessionHost over net/, and
/// by tests. Ids are the transports' own: WsSession::id(), RtcServer connection ids.
class Transport {
public:
    virtual ~Transport() = default;
    /// A signaling text frame on WebSocket `ws`.
    virtual void send_text(std::uint64_t ws, std::string text) = 0;
    /// A game message as a binary frame on WebSocket `ws` (the WebSocket transport). False when
    /// the socket is gone.
    virtual bool send_binary(std::uint64_t ws, std::span<const std::uint8_t> bytes) = 0;
    /// A game message on a data channel. False when it was not taken (connection gone, send
    /// buffer full, message too big).
    virtual bool send_rtc(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes) = 0;
    /// Bytes sent on WebRTC connection `conn` that its peer has not acknowledged yet.
    [[nodiscard]] virtual std::size_t rtc_unacked_bytes(std::uint64_t conn) const = 0;
    /// Closes a WebSocket with a close code and reason.
    virtual void close_ws(std::uint64_t ws, std::uint16_t code, std::string_view reason) = 0;
    /// Closes a WebRTC connection (the peer gets an ABORT and close_notify).
    virtual void close_rtc(std::uint64_t conn) = 0;
};

/// The answer to a join, before its transport is attached.
struct JoinResult {
    bool ok = false;
    SessionRef session;
    bool resumed = false;
    std::string_view code; ///< on failure: a signaling_error code
    std::string message;   ///< on failure: for humans
};

class SessionTable {
public:
    /// `link` carries joins, leaves, inputs and requests to the game, and its batches back.
    SessionTable(SessionConfig config, GameLink& link, Transport& transport, metrics::Registry& metrics);

    /// What every Welcome says (set before clients come).
    void set_world_info(const WorldInfo& info) { world_info_ = info; }
    [[nodiscard]] const SessionConfig& config() const noexcept { return config_; }

    // --- signaling (WebSocket `ws`) ---
    /// A join request on signaling socket `ws`. On success the session exists and waits for its
    /// transport: attach_rtc / attach_websocket, or join_failed.
    JoinResult join(std::uint64_t ws, const net::JoinRequest& request, std::int64_t now_ms);
    /// The WebRTC offer of a successful join was accepted: `conn` is its connection, `answer_sdp`
    /// goes to the client (once the player exists).
    void attach_rtc(SessionRef s, std::uint64_t conn, std::string answer_sdp, std::uint32_t max_message_size,
                    std::int64_t now_ms);
    /// A WebSocket-transport join: the signaling socket carries the game from now on.
    void attach_websocket(SessionRef s, std::int64_t now_ms);
    /// The transport of a successful join could not be set up (bad offer, too many handshakes):
    /// a new session is forgotten; a resumed one stays offline and expires after its grace.
    /// Sends the error to the client.
    void join_failed(SessionRef s, std::string_view code, std::string_view message, std::int64_t now_ms);
    /// {"type":"leave"} on `ws`: the session ends now and its player leaves.
    void leave(std::uint64_t ws);
    /// Signaling socket closed. For the WebSocket transport the connection is lost.
    void ws_closed(std::uint64_t ws, std::int64_t now_ms);
    /// A binary frame on `ws` (WebSocket transport game data).
    void ws_message(std::uint64_t ws, std::span<const std::uint8_t> bytes, std::int64_t now_ms);

    // --- WebRTC connection `conn` ---
    /// DTLS and SCTP are up. False when no session owns `conn` (close it).
    bool rtc_connected(std::uint64_t conn);
    /// A data channel opened (`events` by the client, `state` by the server).
    void rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label);
    void rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes,
                     bool binary, std::int64_t now_ms);
    /// The connection is gone (closed, failed, timed out).
    void rtc_disconnected(std::uint64_t conn, std::int64_t now_ms);

    // --- time and the game ---
    /// Players made by the game (replies), joins kept back, sessions past their grace. Call
    /// often (every few milliseconds) and after every batch.
    void poll(std::int64_t now_ms);
    /// Sends a batch of the game's messages to their connections.
    void deliver(const OutBatch& batch, std::int64_t now_ms);
    /// Ends every session (server stopping): the game is told, transports are closed.
    void end_all();

    /// Players (not spectators) with a session, connected or within their grace.
    [[nodiscard]] std::size_t players() const noexcept { return players_; }
    [[nodiscard]] std::size_t spectators() const noexcept { return spectators_; }
    /// Sessions with a live connection (connecting or connected).
    [[nodiscard]] std::size_t online() const noexcept;

private:
    enum class Kind : std::uint8_t { None, WebRtc, WebSocket };
    struct Session {
        std::uint32_t generation = 0;
        bool in_use = false;
        std::string token;
        std::string name;
        std::int8_t team = -1;
        bool spectator = false;
        bool in_game = false; ///< the game made its player (or knows the spectator)
        bool resumed = false;
        std::uint32_t player_id = 0;
        Kind kind = Kind::None;
        std::uint64_t conn = 0; ///< WebRTC connection (kind WebRtc)
        std::uint64_t ws = 0;   ///< signaling socket; the data path for kind WebSocket
        bool live = false;      ///< a transport is attached and not lost
        std::int64_t offline_since_ms = 0;
        bool answer_pending = false;
        std::string answer_sdp;
        std::uint32_t max_message_size = 0;
        int events_channel = -1;
        int state_channel = -1;
        bool welcomed = false; ///< the Welcome of the current connection went out
        std::uint32_t violations = 0;
        net::TokenBucket input_bucket;
        net::TokenBucket request_bucket;
        std::uint32_t last_seq = 0; ///< newest input seq accepted on this connection
        InputState input;           ///< what the slot holds
    };

    Session* find(SessionRef r) noexcept;
    Session* by_conn(std::uint64_t conn) noexcept;
    Session* by_ws(std::uint64_t ws) noexcept;
    [[nodiscard]] SessionRef ref(const Session& s) const noexcept;
    void send_answer(Session& s);
    void welcome(Session& s);
    void go_offline(Session& s, std::int64_t now_ms);
    /// Detaches and closes the session's connection (it is not told; the session goes offline).
    void drop_connection(Session& s, std::uint16_t ws_code, std::string_view reason, std::int64_t now_ms);
    void end(Session& s, bool tell_game);
    void game_message(Session& s, std::span<const std::uint8_t> bytes, int channel, std::int64_t now_ms);
    void publish_input(Session& s);
    void reply(Session& s, int channel, std::span<const std::uint8_t> bytes);

    SessionConfig config_;
    GameLink& link_;
    Transport& transport_;
    WorldInfo world_info_;
    std::vector<Session> sessions_; // indexed by slot
    std::vector<std::uint32_t> free_slots_;
    std::unordered_map<std::string, std::uint32_t> by_token_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_conn_;
    std::unordered_map<std::uint64_t, std::uint32_t> by_ws_;
    std::deque<std::pair<std::int64_t, SessionRef>> offline_order_; // by offline_since_ms
    std::vector<SessionRef> congested_; // sessions whose input.congested is set, checked in poll()
    std::size_t players_ = 0;
    std::size_t spectators_ = 0;
    std::vector<std::uint8_t> scratch_;

    metrics::Counter* signaling_errors_;
    metrics::Counter* messages_in_;
    metrics::Counter* messages_dropped_;
    metrics::Counter* resumes_;
    metrics::Counter* inputs_;
    metrics::Counter* inputs_rate_;
    metrics::Counter* requests_rate_;
    metrics::Counter* requests_full_;
    metrics::Counter* out_gone_;
    metrics::Counter* out_offline_;
    metrics::Counter* out_stale_;
    metrics::Counter* out_refused_;
    metrics::Counter* out_congested_;
    metrics::Counter* closed_violations_;
    metrics::Counter* closed_slow_;
    metrics::Counter* expired_;
    metrics::Gauge* sessions_gauge_;
    metrics::Gauge* spectators_gauge_;
};

} // namespace mgs::session
