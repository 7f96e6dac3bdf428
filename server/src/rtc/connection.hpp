#pragma once
// One WebRTC data-channel connection as a sans-IO state machine: ICE-lite (or a minimal ICE
// controlling agent for our own test clients), DTLS, SCTP and DCEP stacked as in libdatachannel,
// with no sockets, threads or clock reads. Time and datagrams go in; datagrams and events come out.
//
//   handle_datagram(now, from, bytes) ──▶ STUN ─┐ (authenticated addresses only)
//                                               ├─▶ DTLS ──▶ SCTP ──▶ DCEP / channel messages
//   handle_timeout(now) ────────────────────────┘
//   poll_transmit(t)  ◀── datagrams to send (to the selected address)
//   poll_event(e)     ◀── Connected, ChannelOpen, Message, ChannelClosed, Disconnected, Address*
//   next_timeout_us() ──▶ when to call handle_timeout next
//
// Security: DTLS records are accepted only from addresses that passed a STUN check with our
// MESSAGE-INTEGRITY key (RFC 8445 sec. 7.3), so spoofed datagrams never reach OpenSSL. The peer's
// certificate must match the SDP fingerprint.
//
// Addresses: the selected address is where we send. It follows the peer: an authenticated check
// with USE-CANDIDATE selects its address at once; DTLS arriving from another authenticated address
// (a NAT rebinding: the client's consent checks come from its new address first) moves it there.
//
// Not thread-safe: one thread drives a connection (and, because usrsctp is one stack per process,
// every connection of a process; see sctp.hpp).

#include "rtc/address.hpp"
#include "rtc/dtls.hpp"
#include "rtc/sctp.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mgs::rtc {

struct IceCredentials {
    std::string ufrag;
    std::string pwd;
};

struct ConnectionConfig {
    /// true: ICE-lite + DTLS server (the game server). false: ICE controlling agent + DTLS client,
    /// which sends its checks to `remote_address` (tests and the load generator).
    bool server = true;
    IceCredentials local;
    IceCredentials remote; // remote.pwd is needed only by the controlling side
    Fingerprint remote_fingerprint{};
    Address remote_address; // client role only
    SctpConfig sctp;
    DtlsTiming dtls;
    std::uint32_t remote_max_message_size = 65536; // the peer's a=max-message-size
    std::uint64_t connect_timeout_us = 20'000'000; // creation to SCTP up
    std::uint64_t consent_timeout_us = 30'000'000; // no authenticated STUN for this long: gone (RFC 7675)
    std::uint64_t check_interval_us = 2'000'000;   // client role: consent checks
};

struct ChannelOptions {
    std::string label;
    bool ordered = true;
    int max_retransmits = -1; // -1: reliable
    std::string protocol;
};

enum class DisconnectReason : std::uint8_t {
    None,
    Closed,          // close() was called
    PeerClosed,      // DTLS close_notify from the peer
    SctpClosed,      // SCTP ABORT or SHUTDOWN from the peer, or the association failed
    ConsentExpired,  // no authenticated STUN within consent_timeout_us
    ConnectTimeout,  // not connected within connect_timeout_us
    HandshakeFailed, // DTLS failure, e.g. wrong fingerprint
};

[[nodiscard]] const char* to_string(DisconnectReason r) noexcept;

struct ConnectionEvent {
    enum class Type : std::uint8_t {
        Connected,      // SCTP association up: channels can be opened
        ChannelOpen,    // channel `channel` is open (opened by either side)
        Message,        // `data` on `channel`
        ChannelClosed,  // channel `channel` closed
        Disconnected,   // final: `reason`
        AddressAdded,   // `address` passed a STUN check (net/ routes it to this connection)
        AddressRemoved, // `address` is no longer accepted
    };
    Type type = Type::Connected;
    std::uint16_t channel = 0;
    bool binary = true;
    DisconnectReason reason = DisconnectReason::None;
    Address address;
    std::span<const std::uint8_t> data; // valid until the next call on the connection
};

struct Transmit {
    Address to;
    std::span<const std::uint8_t> data; // valid until the next call on the connection
};

/// Counters for metrics (plain integers: read by the owning thread).
struct ConnectionStats {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t stun_rejected = 0;        // bad integrity, wrong username, malformed
    std::uint64_t dtls_unauthenticated = 0; // DTLS from an address that passed no check
    std::uint64_t dtls_bad_records = 0;
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t messages_dropped = 0; // unknown channel, too large
};

class Connection final : private DatagramSink, private SctpHandler {
public:
    enum class State : std::uint8_t { New, Checking, Handshaking, Connected, Closed };

    Connection(std::shared_ptr<const DtlsCertificate> cert, ConnectionConfig config, std::uint64_t now_us);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// One datagram received from `from`: STUN or DTLS (RFC 7983 demultiplexing); anything else
    /// is dropped and counted.
    void handle_datagram(std::uint64_t now_us, const Address& from, std::span<const std::uint8_t> bytes);
    /// Runs retransmissions, checks and expiry.
    void handle_timeout(std::uint64_t now_us);
    /// When handle_timeout wants to be called next.
    [[nodiscard]] std::uint64_t next_timeout_us() const noexcept;

    /// Opens a channel from our side (DCEP). Returns its id (SCTP stream), or -1 when not
    /// connected or out of streams. ChannelOpen follows at once.
    int open_channel(const ChannelOptions& options);
    /// Sends one message on an open channel. False when the channel is not open, the message is
    /// over the peer's max-message-size, or the send buffer is full.
    bool send(std::uint16_t channel, std::span<const std::uint8_t> data, bool binary = true);
    /// Closes one channel (stream reset).
    void close_channel(std::uint16_t channel);
    /// Closes the connection: SCTP ABORT, DTLS close_notify, then Disconnected(Closed).
    void close(std::uint64_t now_us);

    /// Next datagram to send; false when none.
    bool poll_transmit(Transmit& out);
    /// True when poll_transmit or poll_event has something (cheap: no copy, no allocation).
    [[nodiscard]] bool has_output() const noexcept {
        return transmit_read_ < transmits_.size() || event_read_ < events_.size();
    }
    /// Next event; false when none.
    bool poll_event(ConnectionEvent& out);

    [[nodiscard]] State state() const noexcept { return state_; }
    [[nodiscard]] const Address& selected_address() const noexcept { return selected_; }
    [[nodiscard]] const std::string& local_ufrag() const noexcept { return config_.local.ufrag; }
    [[nodiscard]] const ConnectionStats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::string_view channel_label(std::uint16_t channel) const noexcept;
    [[nodiscard]] bool channel_open(std::uint16_t channel) const noexcept;
    /// Largest message send() accepts.
    [[nodiscard]] std::uint32_t max_message_size() const noexcept;
    /// Bytes sent on the data channels that the peer has not acknowledged yet (queued behind the
    /// congestion window, or in flight): what the server holds for this peer.
    [[nodiscard]] std::size_t queued_bytes() const;
    /// Why the DTLS handshake failed, when it did.
    [[nodiscard]] const std::string& dtls_error() const noexcept { return dtls_.error(); }

private:
    struct Channel {
        bool open = false;
        bool ours = false;
        bool acked = false;
        bool ordered = true;
        int max_retransmits = -1;
        std::string label;
    };
    struct Validated {
        Address address;
        std::uint64_t last_us = 0;
    };
    struct QueuedEvent {
        ConnectionEvent event;
        std::size_t offset = 0;
        std::size_t size = 0;
    };
    struct QueuedTransmit {
        Address to;
        std::size_t offset = 0;
        std::size_t size = 0;
    };

    // DatagramSink (DTLS)
    void emit_datagram(std::span<const std::uint8_t> bytes) override;
    void on_dtls_data(std::span<const std::uint8_t> bytes) override;
    // SctpHandler
    void sctp_emit_packet(std::span<const std::uint8_t> packet) override;
    void sctp_on_message(std::uint16_t stream, Ppid ppid, std::span<const std::uint8_t> data) override;
    void sctp_on_state(bool up) override;
    void sctp_on_stream_reset(std::uint16_t stream) override;

    void handle_stun(std::uint64_t now_us, const Address& from, std::span<const std::uint8_t> bytes);
    void validate(std::uint64_t now_us, const Address& from, bool nominate);
    void send_check(std::uint64_t now_us);
    void after_dtls(std::uint64_t now_us);
    void disconnect(DisconnectReason reason);
    void push_event(ConnectionEvent e, std::span<const std::uint8_t> data = {});
    void push_transmit(const Address& to, std::span<const std::uint8_t> data);
    [[nodiscard]] Validated* find_validated(const Address& a) noexcept;

    std::shared_ptr<const DtlsCertificate> cert_;
    ConnectionConfig config_;
    State state_ = State::New;
    DtlsEndpoint dtls_;
    std::unique_ptr<SctpAssociation> sctp_;
    std::vector<Channel> channels_;
    std::vector<Validated> validated_; // at most kMaxValidated
    Address selected_;
    bool has_selected_ = false;
    std::uint64_t now_us_ = 0;
    std::uint64_t created_us_ = 0;
    std::uint64_t last_consent_us_ = 0;
    std::uint64_t next_check_us_ = 0; // client role
    std::array<std::uint8_t, 12> check_txid_{};
    std::uint64_t check_counter_ = 0;
    bool checked_ = false; // client role: got a valid response
    std::vector<QueuedEvent> events_;
    std::vector<std::uint8_t> event_bytes_;
    std::size_t event_read_ = 0;
    std::vector<QueuedTransmit> transmits_;
    std::vector<std::uint8_t> transmit_bytes_;
    std::size_t transmit_read_ = 0;
    ConnectionStats stats_;
};

} // namespace mgs::rtc
