#pragma once
// SCTP over DTLS (RFC 8261) for data channels (RFC 8831), on Debian's usrsctp in AF_CONN mode.
//
// usrsctp is a user-space port of the FreeBSD stack: one stack per process with global timers.
// We run it without its threads (usrsctp_init_nothreads): packets go in with handle_packet(),
// packets come out through SctpHandler::sctp_emit_packet() synchronously, and the owner advances
// the shared timers with SctpStack::advance(now_us). Received messages are read with recvv after
// the call that produced them has returned, so a handler may send from its callbacks.
//
// Time: usrsctp's timers run on the ticks we give it, but when a retransmission timer fires it
// resends only chunks whose send time, read from the real clock, is older than the timeout. So
// loss recovery needs real time to pass: tests of it tie their virtual clock to the real one.
//
// Threading: usrsctp has internal locks, but our bookkeeping (the ready list) is per thread of
// use; drive every association of a process from one thread (net/ does), or from one test thread.
//
// Streams: DATA on stream N belongs to data channel N. Memory per association grows with the
// stream count, so it is capped (SctpConfig::max_streams, RFC 8831 sec. 6.2 allows fewer than
// 65535); browsers pick the lowest free stream id, so 16 is plenty for our few channels.

#include <cstdint>
#include <span>
#include <vector>

struct socket;

namespace mgs::rtc {

/// Payload protocol identifiers (RFC 8831 sec. 8, RFC 8832 sec. 8.1).
enum class Ppid : std::uint32_t {
    Dcep = 50,
    String = 51,
    Binary = 53,
    StringEmpty = 56,
    BinaryEmpty = 57,
};

struct SctpConfig {
    std::uint16_t local_port = 5000; // a=sctp-port (RFC 8841)
    std::uint16_t remote_port = 5000;
    std::uint16_t max_streams = 16; // inbound and outbound
    std::uint32_t mtu = 1160;       // SCTP packet size: 1200-byte datagrams minus DTLS overhead
    std::uint32_t max_message_size = 262144;
};

/// Receives what an association produces. Called synchronously from its methods (and from
/// SctpStack::advance for timer-driven retransmissions).
class SctpHandler {
public:
    virtual ~SctpHandler() = default;
    /// One SCTP packet to encrypt and send over DTLS.
    virtual void sctp_emit_packet(std::span<const std::uint8_t> packet) = 0;
    /// One complete message on `stream`.
    virtual void sctp_on_message(std::uint16_t stream, Ppid ppid, std::span<const std::uint8_t> data) = 0;
    /// The association is up (true) or gone (false: aborted, shut down or failed).
    virtual void sctp_on_state(bool up) = 0;
    /// The peer reset its outgoing stream (closed the data channel).
    virtual void sctp_on_stream_reset(std::uint16_t stream) = 0;
};

/// The process-wide usrsctp stack.
class SctpStack {
public:
    /// Advances usrsctp's timers to `now_us` (monotonic for the caller; a clock that restarts,
    /// as a new test's virtual clock does, is detected and resynchronised).
    static void advance(std::uint64_t now_us);
    /// Retransmission timeout bounds for associations created afterwards (defaults: 200 ms,
    /// 1 s, 10 s).
    static void set_rto(std::uint32_t min_ms, std::uint32_t initial_ms, std::uint32_t max_ms);
    /// Associations alive in this process (for tests and metrics).
    [[nodiscard]] static std::size_t live_associations();
};

/// One SCTP association (both peers "connect": WebRTC uses simultaneous open, RFC 8831 sec. 6.1).
class SctpAssociation {
public:
    SctpAssociation(SctpHandler& handler, SctpConfig config);
    ~SctpAssociation();
    SctpAssociation(const SctpAssociation&) = delete;
    SctpAssociation& operator=(const SctpAssociation&) = delete;

    /// Starts the association (sends INIT). Call once DTLS is connected. False if usrsctp refused.
    bool connect();
    /// One decrypted SCTP packet from the peer.
    void handle_packet(std::span<const std::uint8_t> packet);
    /// Sends one message. `max_retransmits` < 0 means fully reliable. False when the association
    /// is not up, the message is too large, or the send buffer is full.
    bool send(std::uint16_t stream, Ppid ppid, std::span<const std::uint8_t> data, bool unordered,
              int max_retransmits);
    /// Resets our outgoing side of `stream` (closes a data channel, RFC 8831 sec. 6.7).
    void reset_stream(std::uint16_t stream);
    /// Aborts the association (ABORT chunk) and stops everything.
    void abort();
    /// Bytes of messages given to send() and not yet acknowledged by the peer (queued, or sent
    /// and in flight): what the peer has not taken yet.
    [[nodiscard]] std::size_t buffered_bytes() const;

    [[nodiscard]] bool up() const noexcept { return up_; }
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    [[nodiscard]] std::uint16_t streams() const noexcept { return config_.max_streams; }

    // usrsctp C callbacks.
    static int on_output(void* addr, void* buffer, std::size_t length, std::uint8_t tos, std::uint8_t set_df);
    static void on_upcall(struct socket* sock, void* arg, int flags);
    void drain();

private:
    void handle_notification(const std::uint8_t* data, std::size_t size);
    void set_up(bool up);

    SctpHandler& handler_;
    SctpConfig config_;
    struct socket* sock_ = nullptr;
    bool connected_ = false;
    bool up_ = false;
    bool closed_ = false;
    bool readable_ = false;
    std::vector<std::uint8_t> partial_; // a message larger than one read, being reassembled
};

} // namespace mgs::rtc
