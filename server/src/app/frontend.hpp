#pragma once
// The front end of the live server: the network thread's ports (net::NetServer) wired to the
// session layer (session::SessionTable), and the GameLink that the simulation thread talks to.
//
//   HttpServer /ws ──JSON──▶ parse ──join──▶ SessionTable ──SDP──▶ RtcServer::accept_offer
//   RtcServer events ─────────────────────▶ SessionTable (channels, game messages, gone)
//   GameLink::publish (simulation) ──wake──▶ post ──▶ SessionTable::deliver ──▶ RtcServer (DTLS,
//                                                      SCTP) ──▶ one sendmmsg flush
//   100 ms timer ──▶ SessionTable::poll (replies kept back, grace expiry)
//
// Sends never wait on a timer: the simulation wakes the network thread when a tick's messages
// are ready, and they leave in the same turn of the network loop.
#include "metrics/registry.hpp"
#include "net/net_server.hpp"
#include "session/game_link.hpp"
#include "session/sessions.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

namespace mgs::app {

struct FrontendConfig {
    net::NetConfig net;
    session::SessionConfig session;
    session::LinkConfig link;
};

class Frontend final : private net::WsHandler, private net::RtcHandler, private session::Transport {
public:
    Frontend(FrontendConfig config, metrics::Registry& metrics);
    ~Frontend() override;
    Frontend(const Frontend&) = delete;
    Frontend& operator=(const Frontend&) = delete;

    /// What every Welcome says (before start()).
    void set_world_info(const session::WorldInfo& info) { table_.set_world_info(info); }
    /// Extra GET route on the HTTP port (before start()).
    void add_route(std::string path, std::string content_type, std::function<std::string()> body) {
        net_.add_route(std::move(path), std::move(content_type), std::move(body));
    }
    /// Binds both ports and starts the network thread; false + error text when it cannot.
    bool start(std::string& error);
    /// Ends every session (the game is told through the link), closes every client, joins the
    /// network thread. Idempotent.
    void stop();

    [[nodiscard]] std::uint16_t http_port() const noexcept { return net_.http_port(); }
    [[nodiscard]] std::uint16_t udp_port() const noexcept { return net_.udp_port(); }
    /// The simulation thread's side: joins, leaves, inputs, requests in; batches out.
    [[nodiscard]] session::GameLink& link() noexcept { return link_; }

private:
    // net::WsHandler
    void on_open(const std::shared_ptr<net::WsSession>& s) override;
    void on_message(const std::shared_ptr<net::WsSession>& s, std::string_view data, bool binary) override;
    void on_rate_limited(const std::shared_ptr<net::WsSession>& s) override;
    void on_close(const std::shared_ptr<net::WsSession>& s) override;
    // net::RtcHandler
    void on_rtc_connected(std::uint64_t conn) override;
    void on_rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) override;
    void on_rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                        bool binary) override;
    void on_rtc_disconnected(std::uint64_t conn, rtc::DisconnectReason reason, bool was_connected) override;
    // session::Transport
    void send_text(std::uint64_t ws, std::string text) override;
    bool send_binary(std::uint64_t ws, std::span<const std::uint8_t> bytes) override;
    bool send_rtc(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes) override;
    [[nodiscard]] std::size_t rtc_unacked_bytes(std::uint64_t conn) const override;
    void close_ws(std::uint64_t ws, std::uint16_t code, std::string_view reason) override;
    void close_rtc(std::uint64_t conn) override;

    void handle_join(const std::shared_ptr<net::WsSession>& ws, net::JoinRequest& join);
    void on_wake();
    void arm_timer();
    [[nodiscard]] std::int64_t now_ms() const;

    FrontendConfig config_;
    session::GameLink link_;
    session::SessionTable table_;
    net::NetServer net_;
    boost::asio::steady_timer timer_;
    std::chrono::steady_clock::time_point start_;
    std::unordered_map<std::uint64_t, std::shared_ptr<net::WsSession>> ws_; // open signaling sockets
    std::atomic<bool> wake_pending_{false};
    bool stopped_ = false;
    metrics::Counter* signaling_errors_;
    metrics::Counter* batches_;
};

} // namespace mgs::app
