#pragma once
// The network thread and its two ports: the HTTP port (static client, /ws signaling, /healthz,
// /metrics, extra GET routes) and the WebRTC UDP port. Bytes per connection, nothing more: what a
// connection means to the game (sessions, resume, inputs, the Welcome) is session::SessionTable,
// wired to these ports by app::SessionHost, which implements the two handlers.
//
//   TCP ── HttpServer ── /ws ──▶ WsHandler  (on_open, on_message, on_close)
//   UDP ── RtcServer ── rtc::Connection ──▶ RtcHandler (connected, channel open, message, gone)
//                 all on one thread, one boost::asio::io_context; post() runs work on it
#include "metrics/registry.hpp"
#include "net/http_server.hpp"
#include "net/rtc_server.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace mgs::net {

struct NetConfig {
    HttpConfig http;
    RtcServerConfig rtc;
};

class NetServer {
public:
    /// The handlers are called on the network thread and must outlive the server.
    NetServer(NetConfig config, metrics::Registry& metrics, WsHandler& ws, RtcHandler& rtc);
    ~NetServer();
    NetServer(const NetServer&) = delete;
    NetServer& operator=(const NetServer&) = delete;

    /// Binds both ports and starts the network thread. False + error text when a port cannot be
    /// bound or the certificate cannot be made.
    bool start(std::string& error);
    /// Runs `before_close` on the network thread, then closes every client (WebRTC close,
    /// WebSocket 1001) and joins the network thread. Idempotent.
    void stop(const std::function<void()>& before_close = {});

    [[nodiscard]] std::uint16_t http_port() const noexcept { return http_port_; }
    [[nodiscard]] std::uint16_t udp_port() const noexcept { return udp_port_; }
    [[nodiscard]] const NetConfig& config() const noexcept { return config_; }

    /// The network thread's context: post() work to it from any thread; timers may live on it.
    [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
    /// Network thread only (or before start()).
    [[nodiscard]] RtcServer& rtc() noexcept { return *rtc_; }
    [[nodiscard]] const RtcServer& rtc() const noexcept { return *rtc_; }

    /// Extra GET route on the HTTP port (before start()).
    void add_route(std::string path, std::string content_type, std::function<std::string()> body);

private:
    NetConfig config_;
    boost::asio::io_context io_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<RtcServer> rtc_;
    std::thread thread_;
    bool running_ = false;
    std::uint16_t http_port_ = 0;
    std::uint16_t udp_port_ = 0;
};

} // namespace mgs::net
