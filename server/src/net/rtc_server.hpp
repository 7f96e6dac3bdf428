#pragma once
// The one UDP port every WebRTC client talks to. Owns the socket and the rtc::Connection state
// machines, and runs on the network thread's io_context (no threads of its own, no locks).
//
// Demultiplexing (the port is shared by all clients):
//   datagram from a known address ──────────────────────────────▶ that connection
//   STUN from an unknown address, USERNAME "<our ufrag>:<theirs>" ▶ the connection owning the ufrag
//                                                                  (a new client, or one whose
//                                                                  NAT mapping changed)
//   anything else ───────────────────────────────────────────────▶ dropped, counted by reason
// A connection adopts a new address only after that address passed a STUN check with the
// connection's password; until then nothing from it reaches DTLS.
//
// I/O: datagrams are read in batches (recvmmsg) when the socket is readable, and everything the
// connections want sent during one batch leaves in batches (sendmmsg). A 5 ms timer drives
// retransmissions, consent expiry and usrsctp's clock.

#include "metrics/registry.hpp"
#include "rtc/connection.hpp"
#include "rtc/sdp.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mgs::net {

struct RtcServerConfig {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 8443;           // 0 = ephemeral (tests)
    std::vector<std::string> public_ips; // advertised host candidates; empty = the bind address
    std::size_t max_connections = 5000;
    std::size_t max_pending_handshakes = 256; // connections offered but not yet up
    std::uint64_t connect_timeout_ms = 20'000;
    std::uint64_t consent_timeout_ms = 30'000;
    std::uint32_t max_message_size = 65536; // a=max-message-size we advertise
};

/// What the RTC server reports. Called on the network thread.
class RtcHandler {
public:
    virtual ~RtcHandler() = default;
    virtual void on_rtc_connected(std::uint64_t conn) = 0;
    virtual void on_rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) = 0;
    virtual void on_rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                                bool binary) = 0;
    /// Final; the id is dead afterwards.
    virtual void on_rtc_disconnected(std::uint64_t conn, rtc::DisconnectReason reason,
                                     bool was_connected) = 0;
};

class RtcServer {
public:
    RtcServer(boost::asio::io_context& io, RtcServerConfig config, metrics::Registry& metrics,
              RtcHandler& handler);
    ~RtcServer();
    RtcServer(const RtcServer&) = delete;
    RtcServer& operator=(const RtcServer&) = delete;

    /// Generates the DTLS certificate and binds the port. False + error text on failure.
    bool start(std::string& error);
    /// Closes every connection (peers get an SCTP ABORT and a DTLS close_notify) and the socket.
    void stop();
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

    enum class OfferError : std::uint8_t { None, Full, TooManyHandshakes, BadOffer };
    /// Creates a connection for a client's offer and writes our answer. Returns the connection id
    /// (0 on error, with `error` set).
    std::uint64_t accept_offer(const rtc::SessionDescription& offer, std::string& answer_sdp,
                               OfferError& error);
    /// Opens a channel from our side; -1 when not possible.
    int open_channel(std::uint64_t conn, const rtc::ChannelOptions& options);
    /// Sends on a channel; false when the connection or channel is gone or the message too big.
    bool send(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
              bool binary = true);
    /// Closes a connection; on_rtc_disconnected(Closed) follows.
    void close(std::uint64_t conn);
    /// Sends the datagrams queued by send(), open_channel() and close() now, in sendmmsg batches.
    /// (Reads and timers flush by themselves; call it after a burst of sends.)
    void flush() { flush_sends(); }
    [[nodiscard]] std::size_t connections() const noexcept { return conns_.size(); }
    [[nodiscard]] std::uint32_t max_message_size(std::uint64_t conn) const;
    /// Data the connection's peer has not acknowledged yet (rtc::Connection::queued_bytes); 0
    /// for an unknown connection.
    [[nodiscard]] std::size_t queued_bytes(std::uint64_t conn) const;
    /// Approximate heap held by connections (for the memory-per-client figure).
    [[nodiscard]] const rtc::Fingerprint& fingerprint() const;

private:
    struct Entry {
        std::unique_ptr<rtc::Connection> conn;
        rtc::ConnectionStats last_stats;
        std::vector<rtc::Address> addresses;
        bool connected = false;
        std::uint64_t next_timeout_us = UINT64_MAX;
    };

    [[nodiscard]] std::uint64_t now_us() const;
    void arm_read();
    void on_readable();
    void on_timer();
    void route(const rtc::Address& from, std::span<const std::uint8_t> bytes, std::uint64_t now);
    void pump(std::uint64_t id);
    void pump(std::uint64_t id, Entry& e);
    /// Drop counters from the connection's stats (the change since the last look).
    void count_drops(Entry& e);
    void queue_send(const rtc::Address& to, std::span<const std::uint8_t> bytes);
    void flush_sends();
    void drop(const char* reason);
    void remove(std::uint64_t id);
    static std::string random_token(std::size_t chars);

    boost::asio::io_context& io_;
    RtcServerConfig config_;
    metrics::Registry& metrics_;
    RtcHandler& handler_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<rtc::DtlsCertificate> cert_;
    std::vector<rtc::Address> advertised_;
    std::uint16_t port_ = 0;
    bool running_ = false;
    std::chrono::steady_clock::time_point start_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, Entry> conns_;
    std::unordered_map<rtc::Address, std::uint64_t, rtc::AddressHash> by_address_;
    std::unordered_map<std::string, std::uint64_t> by_ufrag_;
    std::size_t pending_ = 0;
    std::vector<std::uint64_t> to_remove_;
    std::uint32_t timer_runs_ = 0;

    // Batched I/O buffers, allocated once.
    struct Batch;
    std::unique_ptr<Batch> batch_;

    metrics::Counter* bytes_in_;
    metrics::Counter* bytes_out_;
    metrics::Counter* packets_in_;
    metrics::Counter* packets_out_;
    metrics::Counter* handshakes_;
    metrics::Counter* handshake_failures_;
    metrics::Gauge* connected_gauge_;
    metrics::Gauge* pending_gauge_;
    metrics::Registry* registry_;
};

} // namespace mgs::net
