#pragma once
// A WebRTC data-channel client built from our own rtc/ stack (ICE controlling agent + DTLS client),
// for the server's integration tests and the load generator (tools/loadgen). It signals over the
// server's /ws endpoint like a browser does, then talks over its own UDP socket.
//
// Single-threaded and non-blocking after signaling: the owner calls drive() in its loop (many
// clients can share one loop); signal() blocks for the WebSocket round trip.

#include "net/signaling_message.hpp"
#include "rtc/connection.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mgs::net {

class RtcClient {
public:
    struct Options {
        std::string host = "127.0.0.1";
        std::uint16_t http_port = 8080;
        std::string name = "client";
        std::string resume_token;
        bool spectate = false;
    };
    struct Answer {
        std::string session;
        std::uint32_t player_id = 0;
        bool resumed = false;
        std::uint32_t max_message_size = 0;
    };

    explicit RtcClient(std::shared_ptr<const rtc::DtlsCertificate> cert);
    ~RtcClient();
    RtcClient(const RtcClient&) = delete;
    RtcClient& operator=(const RtcClient&) = delete;

    /// Opens a UDP socket, sends the join with our offer over /ws and applies the answer. On a
    /// signaling error returns false with `error` = "<code>: <message>".
    bool signal(const Options& options, Answer& answer, std::string& error);
    /// Reads what arrived on the socket, runs timers, sends what is due. Never blocks.
    void drive();
    /// Next event (Connected, ChannelOpen, Message, ...); false when none.
    bool poll_event(rtc::ConnectionEvent& out);
    /// Opens a channel (after Connected).
    int open_channel(const rtc::ChannelOptions& options);
    bool send(std::uint16_t channel, std::span<const std::uint8_t> data);
    void close();
    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] std::uint64_t next_timeout_us() const;
    [[nodiscard]] std::uint64_t now_us() const;
    [[nodiscard]] rtc::Connection* connection() noexcept { return conn_.get(); }

private:
    void flush();

    std::shared_ptr<const rtc::DtlsCertificate> cert_;
    std::unique_ptr<rtc::Connection> conn_;
    int fd_ = -1;
    rtc::Address server_;
    std::chrono::steady_clock::time_point start_;
};

/// Builds a Ping envelope (id, client time, payload), as clients send it.
[[nodiscard]] std::vector<std::uint8_t> make_ping(std::uint32_t id, double client_time_ms,
                                                  std::size_t payload_bytes);
/// Reads a Pong envelope; false when `data` is not a valid Pong.
bool read_pong(std::span<const std::uint8_t> data, std::uint32_t& id, double& client_time_ms,
               std::size_t& payload_bytes);

} // namespace mgs::net
