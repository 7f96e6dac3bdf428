#pragma once
// DTLS 1.2 (RFC 6347) for WebRTC data channels, on OpenSSL 3.0 with in-memory BIOs.
//
// Why this shape: the rtc/ layer is sans-IO. OpenSSL never sees a socket: each incoming datagram
// is handed to a read BIO that returns exactly that datagram, and every record OpenSSL writes is
// passed to a DatagramSink as one datagram (a custom BIO method, so datagram boundaries survive,
// which a plain memory BIO would merge). The MTU is fixed (no path MTU query on a memory BIO).
//
// Time: OpenSSL 3.0 reads the wall clock for its retransmission timer and offers no way to inject
// time (a timer that is always "expired" makes its read path retransmit in a loop until it gives
// up). So OpenSSL's timer is pushed out of reach and we retransmit ourselves: the datagrams of the
// last flight we sent are kept and replayed verbatim by handle_timeout(now_us) with exponential
// back-off. A verbatim replay is to the peer what a duplicated packet is: records it already has
// fall in its replay window, the lost ones complete its flight. Retransmission therefore follows
// the caller's clock (a virtual clock in tests). OpenSSL still answers a repeated peer flight by
// resending its own, as RFC 6347 sec. 4.2.4 asks.
//
// Peer authentication: the certificates are self-signed (WebRTC); the peer is authenticated by the
// SHA-256 fingerprint exchanged in SDP, checked inside the handshake, so a wrong fingerprint fails
// the handshake before any application data.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;
using BIO = struct bio_st;

namespace mgs::rtc {

using Fingerprint = std::array<std::uint8_t, 32>; // SHA-256 of the DER certificate

/// Receives the datagrams a protocol engine wants sent, and what it decrypted. Called
/// synchronously from inside the engine's calls.
class DatagramSink {
public:
    virtual ~DatagramSink() = default;
    /// One datagram to send to the peer.
    virtual void emit_datagram(std::span<const std::uint8_t> bytes) = 0;
    /// One decrypted application record (for WebRTC: one SCTP packet).
    virtual void on_dtls_data(std::span<const std::uint8_t> bytes) = 0;
};

/// A self-signed ECDSA P-256 certificate and its key; one per process, made at start.
class DtlsCertificate {
public:
    /// Generates a fresh key and certificate (CN "mgs", valid 30 days from now). Empty + error
    /// text on failure.
    [[nodiscard]] static std::shared_ptr<DtlsCertificate> generate(std::string& error);
    ~DtlsCertificate();
    DtlsCertificate(const DtlsCertificate&) = delete;
    DtlsCertificate& operator=(const DtlsCertificate&) = delete;

    [[nodiscard]] const Fingerprint& fingerprint() const noexcept { return fingerprint_; }
    /// The SSL_CTX for one role (server for the game server, client for tests and load tools).
    [[nodiscard]] SSL_CTX* context(bool server) const noexcept { return server ? server_ctx_ : client_ctx_; }

private:
    DtlsCertificate() = default;
    SSL_CTX* server_ctx_ = nullptr;
    SSL_CTX* client_ctx_ = nullptr;
    Fingerprint fingerprint_{};
};

/// Timing of the handshake; defaults suit WebRTC over the internet.
struct DtlsTiming {
    std::uint64_t retransmit_initial_us = 400'000; // first retransmission of a flight
    std::uint64_t retransmit_max_us = 3'000'000;   // back-off cap
    std::uint64_t handshake_timeout_us = 15'000'000;
};

/// One DTLS association. Not thread-safe: one thread drives it.
class DtlsEndpoint {
public:
    enum class State : std::uint8_t { Idle, Handshaking, Connected, Closed, Failed };

    /// `server`: DTLS role. `expected_peer` is the fingerprint from the peer's SDP.
    DtlsEndpoint(std::shared_ptr<const DtlsCertificate> cert, bool server, const Fingerprint& expected_peer,
                 DatagramSink& sink, DtlsTiming timing = {}, std::uint16_t mtu = 1200);
    ~DtlsEndpoint();
    DtlsEndpoint(const DtlsEndpoint&) = delete;
    DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

    /// Begins the handshake (the client sends its ClientHello; the server waits for one).
    void start(std::uint64_t now_us);
    /// Feeds one received datagram. Each decrypted record goes to the sink's on_dtls_data. Bad
    /// records are dropped and counted.
    void handle_datagram(std::uint64_t now_us, std::span<const std::uint8_t> datagram);
    /// Retransmits when due; fails the handshake after its timeout.
    void handle_timeout(std::uint64_t now_us);
    /// When handle_timeout wants to be called next (UINT64_MAX: never).
    [[nodiscard]] std::uint64_t next_timeout_us() const noexcept;
    /// Encrypts and emits one record. False unless connected.
    bool send(std::span<const std::uint8_t> data);
    /// Sends close_notify (once) and moves to Closed.
    void close();

    [[nodiscard]] State state() const noexcept { return state_; }
    /// True when the peer sent close_notify.
    [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }
    /// Why the handshake failed (empty otherwise), e.g. "fingerprint mismatch".
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// Records that failed to decrypt or parse.
    [[nodiscard]] std::uint64_t bad_records() const noexcept { return bad_records_; }
    /// Bytes of datagrams kept for replay (the handshake's last flight): bounded by a flight once
    /// connected, whatever the application sends.
    [[nodiscard]] std::size_t retained_bytes() const noexcept;

    // Used by the BIO and verify callbacks (OpenSSL C interface).
    struct Io;

private:
    void drive(std::uint64_t now_us);
    void fail(std::string why);
    [[nodiscard]] bool records_well_formed(std::span<const std::uint8_t> d) const;

    std::shared_ptr<const DtlsCertificate> cert_;
    SSL* ssl_ = nullptr;
    std::unique_ptr<Io> io_;
    DtlsTiming timing_;
    State state_ = State::Idle;
    bool server_;
    bool peer_closed_ = false;
    std::uint64_t started_us_ = 0;
    std::uint64_t retransmit_at_us_ = UINT64_MAX;
    std::uint64_t backoff_us_ = 0;
    std::uint64_t bad_records_ = 0;
    std::vector<std::vector<std::uint8_t>> flight_; // our last handshake flight, for replay
    std::string error_;
};

} // namespace mgs::rtc
