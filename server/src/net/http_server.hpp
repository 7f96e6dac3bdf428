#pragma once
// The server's HTTP/1.1 face: the web client's static files, /healthz, /metrics, extra GET routes,
// and the WebSocket endpoint /ws that carries WebRTC signaling.
//
// Why this shape: everything here is I/O-bound and small, so it runs as asynchronous operations
// (Boost.Beast over Asio) on one io_context that the caller owns and runs on one thread, the
// network thread. There are no internal threads and no locks; every callback into WsHandler runs
// on that thread. TLS is not handled: in production a reverse proxy terminates it.
//
// Untrusted input is bounded everywhere: request headers 8 KiB (431), bodies 64 KiB (413), a
// 30-second deadline to read each request (slow clients), WebSocket messages
// ws_max_message_bytes (close 1009), a WebSocket's unsent queue ws_max_send_queue_bytes (the
// socket is dropped), at most max_connections sockets, and a per-address token bucket over
// WebSocket upgrades and text messages (RateLimiter). Static paths are decoded, checked
// segment by segment and resolved against the canonical static_dir, so no request reaches a file
// outside it.
//
//   client ──TCP──► acceptor ──► HttpSession ──GET──► route | static file | built-in page
//                                     └──Upgrade /ws──► WsSession ──► WsHandler (on the net thread)

#include "metrics/registry.hpp"

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mgs::net {

/// Settings of HttpServer. Read once, by the constructor.
struct HttpConfig {
    std::string bind_address = "0.0.0.0";
    /// 0 = an ephemeral port (tests); HttpServer::port() tells which.
    std::uint16_t port = 8080;
    /// Files served at /. When empty or missing (or without index.html), / is a built-in page.
    std::string static_dir{};
    /// Larger WebSocket messages close the session with 1009 (message too big). At least 1.
    std::size_t ws_max_message_bytes = 65536;
    /// Unsent bytes a WebSocket session may queue; beyond, the peer is not reading and is dropped.
    std::size_t ws_max_send_queue_bytes = 1024 * 1024;
    /// HTTP + WebSocket sockets; over it, new sockets are closed at once. At least 1.
    std::size_t max_connections = 4096;
    /// Per address (IPv6: per /64): tokens per second for WebSocket upgrades and text messages.
    double signaling_rate_per_s = 5.0;
    /// Bucket size of the above (>= 1).
    double signaling_burst = 10.0;
    /// Addresses the rate limiter tracks at most (least recently used forgotten first).
    std::size_t rate_limit_max_keys = 65536;
};

/// One accepted WebSocket connection. Created by HttpServer; handed to WsHandler as a shared_ptr,
/// which the handler may keep (the socket is released when the connection ends, whoever still
/// holds the object). Every member must be called on the network thread. Drop every reference
/// before the io_context is destroyed.
class WsSession : public std::enable_shared_from_this<WsSession> {
public:
    struct Impl; // defined in http_server.cpp
    ~WsSession();
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Unique among all sessions of the process, never 0.
    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
    /// The peer's address as text ("1.2.3.4" or "2001:db8::1"; IPv4-mapped IPv6 is shown as IPv4).
    [[nodiscard]] const std::string& remote_ip() const noexcept { return remote_ip_; }
    [[nodiscard]] std::uint16_t remote_port() const noexcept { return remote_port_; }

    /// Queues a text message. Messages are written in order, one write at a time. Dropped when the
    /// session is not open(). If the unsent queue would exceed ws_max_send_queue_bytes the peer is
    /// not reading: the socket is dropped (on_close follows).
    void send_text(std::string text);
    /// Queues a binary message; same guarantees as send_text().
    void send_binary(std::vector<std::uint8_t> data);
    /// Sends what is queued, then a close frame with `code` (RFC 6455 section 7.4) and `reason`
    /// (truncated to 123 bytes). open() becomes false at once; on_close follows when the
    /// connection ends. No effect when not open().
    void close(std::uint16_t code, std::string reason);
    /// True from just before on_open until close() is called or the connection ends.
    [[nodiscard]] bool open() const noexcept;

    /// Free for the handler (e.g. a client index). The server never reads it.
    std::uint64_t user = 0;

private:
    WsSession(std::uint64_t id, std::string remote_ip, std::uint16_t remote_port);

    std::uint64_t id_;
    std::string remote_ip_;
    std::uint16_t remote_port_;
    std::unique_ptr<Impl> impl_;
};

/// The application side of /ws. Every call happens on the network thread; a handler may call
/// WsSession members from inside them.
class WsHandler {
public:
    virtual ~WsHandler() = default;
    /// The WebSocket handshake succeeded. Always followed, later, by exactly one on_close.
    virtual void on_open(const std::shared_ptr<WsSession>& session) = 0;
    /// A complete message; `data` is valid only during the call.
    virtual void on_message(const std::shared_ptr<WsSession>& session, std::string_view data,
                            bool binary) = 0;
    /// A text message over the per-address rate was dropped (the session stays open).
    virtual void on_rate_limited(const std::shared_ptr<WsSession>& session) = 0;
    /// The session ended (closed by either side, failed, or HttpServer::stop()). Called exactly once
    /// per session that got on_open; nothing is called for the session afterwards.
    virtual void on_close(const std::shared_ptr<WsSession>& session) = 0;
};

/// HTTP/1.1 server with keep-alive: GET/HEAD routes and static files, WebSocket at /ws.
///
/// Metrics registered in the Registry: mgs_http_requests_total{code}, mgs_http_rejected_total{reason}
/// (max_connections, header_too_large, body_too_large, bad_request, ws_message_too_big,
/// ws_send_queue_full), mgs_ws_sessions, mgs_net_connections, mgs_signaling_rate_limited_total.
/// Several servers may share one Registry (their counts add up).
///
/// All members must be called on the network thread, or before the io_context runs, or after it
/// has stopped. The Registry and the WsHandler must outlive the server.
class HttpServer {
public:
    /// Registers the metrics and the routes /healthz and /metrics. Does not touch the network.
    /// Throws std::invalid_argument when ws_max_message_bytes or max_connections is 0, or the
    /// signaling rate or burst is invalid (see RateLimiter).
    HttpServer(boost::asio::io_context& io, HttpConfig config, metrics::Registry& registry,
               WsHandler& handler);
    /// Calls stop().
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds, listens and starts accepting. On failure returns false and sets `error`, e.g.
    /// "cannot bind 0.0.0.0:8080: Address already in use". At most once per server.
    [[nodiscard]] bool start(std::string& error);

    /// The bound port (the real one when HttpConfig::port was 0); 0 before start().
    [[nodiscard]] std::uint16_t port() const noexcept;

    /// Stops accepting, drops HTTP connections, and closes every WebSocket with 1001 (going away)
    /// after writing what was already in flight. on_close is called for every open session
    /// before stop() returns, and the handler is never called again. The sockets finish closing as
    /// the io_context keeps running (2 s at most), after which the server holds no more work in the
    /// io_context. Idempotent.
    void stop();

    /// Serves `GET path` (and HEAD) with status 200, `content_type` and the text `body()` returns,
    /// called on the network thread for each request (an exception becomes a 500). `path` is
    /// matched exactly, without the query string. Replaces a route of the same path; routes take
    /// precedence over static files. /healthz and /metrics are registered by the constructor.
    void add_route(std::string path, std::string content_type, std::function<std::string()> body);

    struct State; // shared with the sessions; defined in http_server.cpp

private:
    std::shared_ptr<State> state_;
};

/// The Content-Type served for a file name by its extension ("application/octet-stream" when
/// unknown). Any thread.
[[nodiscard]] std::string_view content_type_for(std::string_view file_name) noexcept;

} // namespace mgs::net
