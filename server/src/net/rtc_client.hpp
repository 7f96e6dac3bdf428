#pragma once
// A WebRTC data-channel client built from our own rtc/ stack (ICE controlling agent + DTLS client),
// for the server's integration tests and the load generator (tools/loadgen). It signals over the
// server's /ws endpoint like a browser does, then talks over its own UDP socket.
//
// Single-threaded and non-blocking after signaling: the owner calls drive() in its loop (many
// clients can share one loop). Signaling comes two ways:
//   signal()                       blocks for the WebSocket round trip (tests)
//   make_join() ... accept_answer()  the caller carries the join text to /ws and the reply back
//                                  on its own (asynchronous) WebSocket: the load generator runs
//                                  thousands of handshakes at once on one thread this way.

#include "net/signaling_message.hpp"
#include "rtc/connection.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    /// signaling error returns false with `error` = "<code>: <message>". Blocks; equivalent to
    /// make_join(), a WebSocket round trip, then accept_answer().
    bool signal(const Options& options, Answer& answer, std::string& error);
    /// First half of a non-blocking signal(): opens the UDP socket (bound to options.host, a
    /// free port) and returns the JSON text of the join request with our offer, to send on /ws.
    /// Returns "" with `error` set when the socket cannot be opened. Call once per RtcClient.
    [[nodiscard]] std::string make_join(const Options& options, std::string& error);
    /// Second half: applies the server's reply to the join (the JSON text of its frame). On an
    /// "answer" creates the connection (checks go out at the next drive()) and fills `answer`;
    /// otherwise returns false with `error` = "<code>: <message>" for a server error, or a
    /// description of what was wrong with the reply.
    bool accept_answer(std::string_view reply_json, Answer& answer, std::string& error);
    /// Reads what arrived on the socket (recvmmsg, until it would block), runs timers, sends what
    /// is due. Never blocks. Returns the UDP payload bytes read.
    std::size_t drive();
    /// Sends the datagrams the connection queued outside drive() and send(): those of SCTP timers
    /// that SctpStack::advance() ran (retransmissions, delayed acknowledgements). No system call
    /// when there are none, so a loop over many clients can call it often.
    void send_pending();
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
    rtc::IceCredentials local_; // our ufrag and password, from make_join()
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
