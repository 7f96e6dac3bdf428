#include "rtc/dtls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace mgs::rtc {

struct DtlsEndpoint::Io {
    DatagramSink* sink = nullptr;
    std::span<const std::uint8_t> in; // the datagram OpenSSL may read next
    bool has_in = false;
    Fingerprint expected{};
    bool fingerprint_checked = false;
    bool fingerprint_mismatch = false;
    long mtu = 1200;
    // Datagrams written during the current drive() call; they become the flight to replay when
    // the handshake moved to a new state. Only while handshaking: application data is never
    // replayed (SCTP retransmits what it needs), so keeping it would only grow with the traffic.
    std::vector<std::vector<std::uint8_t>> written;
    bool recording = true;
};

namespace {

int ex_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// --- A datagram BIO over memory ---------------------------------------------------------------
// Reads return exactly the datagram handed in (then "retry"); each write is one datagram.

int bio_write(BIO* b, const char* data, int len) {
    auto* io = static_cast<DtlsEndpoint::Io*>(BIO_get_data(b));
    if (len > 0) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(data);
        io->sink->emit_datagram({p, static_cast<std::size_t>(len)});
        if (io->recording) {
            io->written.emplace_back(p, p + len);
        }
    }
    return len;
}

int bio_read(BIO* b, char* out, int len) {
    auto* io = static_cast<DtlsEndpoint::Io*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    if (!io->has_in) {
        BIO_set_retry_read(b);
        return -1;
    }
    // A datagram larger than OpenSSL's buffer is truncated, as a datagram socket would do.
    const std::size_t n = std::min(io->in.size(), static_cast<std::size_t>(len));
    std::memcpy(out, io->in.data(), n);
    io->has_in = false;
    return static_cast<int>(n);
}

long bio_ctrl(BIO* b, int cmd, long /*num*/, void* /*ptr*/) {
    auto* io = static_cast<DtlsEndpoint::Io*>(BIO_get_data(b));
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return io->mtu;
    default: // nothing pending (BIO_CTRL_[W]PENDING), no MTU overhead (the MTU excludes UDP/IP)
        return 0;
    }
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* bio_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mgs datagram");
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, bio_create);
        return m;
    }();
    return method;
}

// The peer's certificate is self-signed: trust comes from the SDP fingerprint (RFC 8827 sec. 6.5),
// compared here on the leaf certificate so a mismatch aborts the handshake.
int verify_callback(int /*preverify_ok*/, X509_STORE_CTX* store) {
    if (X509_STORE_CTX_get_error_depth(store) != 0) {
        return 1;
    }
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* io = static_cast<DtlsEndpoint::Io*>(SSL_get_ex_data(ssl, ex_index()));
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    Fingerprint fp{};
    unsigned int len = 0;
    if (cert == nullptr || X509_digest(cert, EVP_sha256(), fp.data(), &len) != 1 || len != fp.size()) {
        io->fingerprint_mismatch = true;
        return 0;
    }
    io->fingerprint_checked = true;
    if (fp != io->expected) {
        io->fingerprint_mismatch = true;
        return 0;
    }
    return 1;
}

// OpenSSL's retransmission timer reads the wall clock and cannot be given ours: it is pushed an
// hour away so it never fires, and flights are replayed on our clock instead (see the header).
unsigned int timer_callback(SSL* /*ssl*/, unsigned int /*previous_us*/) {
    return 3'600'000'000U;
}

SSL_CTX* make_context(X509* cert, EVP_PKEY* key, bool server, std::string& error) {
    SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
    if (ctx == nullptr) {
        error = "SSL_CTX_new failed";
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
    // ECDHE with ECDSA, AEAD only: what browsers offer for WebRTC.
    const bool ok =
        SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
        SSL_CTX_check_private_key(ctx) == 1 &&
        SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
                                     "ECDHE-ECDSA-AES256-GCM-SHA384") == 1 &&
        SSL_CTX_set1_groups_list(ctx, "X25519:P-256") == 1;
    if (!ok) {
        error = "DTLS context setup failed";
        SSL_CTX_free(ctx);
        return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_read_ahead(ctx, 1);
    (void)server;
    return ctx;
}

std::string openssl_error() {
    std::string out;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) {
            out += "; ";
        }
        out += buf;
    }
    return out;
}

} // namespace

// --- Certificate -----------------------------------------------------------------------------

std::shared_ptr<DtlsCertificate> DtlsCertificate::generate(std::string& error) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    std::shared_ptr<DtlsCertificate> result;
    auto cleanup = [&] {
        X509_free(cert);
        EVP_PKEY_free(key);
    };
    if (key == nullptr || cert == nullptr) {
        error = "cannot generate an ECDSA P-256 key: " + openssl_error();
        cleanup();
        return nullptr;
    }
    std::uint64_t serial = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial >> 1);
    // Validity is read from the wall clock once, at start-up: browsers reject expired certificates.
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mgs"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, key, EVP_sha256()) == 0) {
        error = "cannot sign the DTLS certificate: " + openssl_error();
        cleanup();
        return nullptr;
    }
    std::shared_ptr<DtlsCertificate> c(new DtlsCertificate());
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), c->fingerprint_.data(), &len);
    c->server_ctx_ = make_context(cert, key, true, error);
    c->client_ctx_ = c->server_ctx_ != nullptr ? make_context(cert, key, false, error) : nullptr;
    cleanup(); // the contexts hold their own references
    if (c->server_ctx_ == nullptr || c->client_ctx_ == nullptr) {
        return nullptr;
    }
    return c;
}

DtlsCertificate::~DtlsCertificate() {
    SSL_CTX_free(server_ctx_);
    SSL_CTX_free(client_ctx_);
}

// --- Endpoint --------------------------------------------------------------------------------

DtlsEndpoint::DtlsEndpoint(std::shared_ptr<const DtlsCertificate> cert, bool server,
                           const Fingerprint& expected_peer, DatagramSink& sink, DtlsTiming timing,
                           std::uint16_t mtu)
    : cert_(std::move(cert)), io_(std::make_unique<Io>()), timing_(timing), server_(server) {
    io_->sink = &sink;
    io_->expected = expected_peer;
    io_->mtu = mtu;
    ssl_ = SSL_new(cert_->context(server));
    SSL_set_ex_data(ssl_, ex_index(), io_.get());
    BIO* bio = BIO_new(bio_method());
    BIO_set_data(bio, io_.get());
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_mtu(ssl_, mtu);
    DTLS_set_link_mtu(ssl_, mtu);
    DTLS_set_timer_cb(ssl_, timer_callback);
    if (server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

DtlsEndpoint::~DtlsEndpoint() {
    SSL_free(ssl_);
}

void DtlsEndpoint::start(std::uint64_t now_us) {
    if (state_ != State::Idle) {
        return;
    }
    state_ = State::Handshaking;
    started_us_ = now_us;
    if (!server_) {
        drive(now_us); // ClientHello
    }
}

void DtlsEndpoint::fail(std::string why) {
    state_ = State::Failed;
    error_ = std::move(why);
    retransmit_at_us_ = UINT64_MAX;
    ERR_clear_error();
}

void DtlsEndpoint::drive(std::uint64_t now_us) {
    if (state_ != State::Handshaking) {
        return;
    }
    io_->written.clear();
    const auto before = SSL_get_state(ssl_);
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        state_ = State::Connected;
        retransmit_at_us_ = UINT64_MAX;
        // The server's last flight (ChangeCipherSpec, Finished) has no timer: it is resent when
        // the peer repeats its own last flight, which means ours was lost.
        flight_.clear();
        if (server_) {
            flight_.swap(io_->written);
        }
        io_->written.clear();
        io_->written.shrink_to_fit();
        io_->recording = false;
        return;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        // A new flight: what was written while the handshake moved on. Writes without a state
        // change are OpenSSL answering a repeated flight of the peer; they are not ours to replay.
        if (!io_->written.empty() && (SSL_get_state(ssl_) != before || flight_.empty())) {
            flight_.swap(io_->written);
            backoff_us_ = timing_.retransmit_initial_us;
            retransmit_at_us_ = now_us + backoff_us_;
        }
        return;
    }
    if (io_->fingerprint_mismatch) {
        fail("fingerprint mismatch");
    } else if (!io_->fingerprint_checked && e == SSL_ERROR_SSL && SSL_get_verify_result(ssl_) != X509_V_OK) {
        fail("peer certificate rejected");
    } else {
        const std::string detail = openssl_error();
        fail(detail.empty() ? "handshake failed" : "handshake failed: " + detail);
    }
}

bool DtlsEndpoint::records_well_formed(std::span<const std::uint8_t> d) const {
    // OpenSSL 3.0 answers some malformed records (e.g. an AEAD record shorter than its nonce and
    // tag) with a fatal alert, which would let one spoofed datagram end a session. Check the
    // record layer (RFC 6347 sec. 4.1) before OpenSSL sees it.
    std::size_t min_encrypted = 16; // ChaCha20-Poly1305: tag only
    if (state_ == State::Connected) {
        if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl_); c != nullptr) {
            const int nid = SSL_CIPHER_get_cipher_nid(c);
            if (nid == NID_aes_128_gcm || nid == NID_aes_256_gcm) {
                min_encrypted = 8 + 16; // explicit nonce + tag
            }
        }
    }
    std::size_t off = 0;
    if (d.size() < 13) {
        return false;
    }
    while (off < d.size()) {
        if (d.size() - off < 13) {
            return false;
        }
        const std::uint8_t type = d[off];
        const auto epoch = static_cast<std::uint16_t>((d[off + 3] << 8) | d[off + 4]);
        const auto len = static_cast<std::size_t>((d[off + 11] << 8) | d[off + 12]);
        if (type < 20 || type > 23 || d[off + 1] != 0xfe || len > d.size() - off - 13 || len > 16384 + 2048) {
            return false;
        }
        if (epoch > 0 && len < min_encrypted) {
            return false;
        }
        off += 13 + len;
    }
    return true;
}

void DtlsEndpoint::handle_datagram(std::uint64_t now_us, std::span<const std::uint8_t> datagram) {
    if (state_ == State::Idle && server_) {
        start(now_us);
    }
    if (state_ != State::Handshaking && state_ != State::Connected) {
        return;
    }
    if (!records_well_formed(datagram)) {
        ++bad_records_;
        return;
    }
    io_->in = datagram;
    io_->has_in = true;
    if (state_ == State::Handshaking) {
        drive(now_us);
        if (state_ != State::Connected) {
            io_->has_in = false;
            return;
        }
    }
    // A handshake or ChangeCipherSpec record after we finished: the peer repeats its last flight,
    // so it lost ours. Our replay of the peer's records is dropped by its own replay window
    // before OpenSSL sees it, hence this explicit answer.
    if (!flight_.empty() && (datagram[0] == 22 || datagram[0] == 20)) {
        for (const auto& d : flight_) {
            io_->sink->emit_datagram(d);
        }
    }
    // Application data: one record per SSL_read (a datagram may hold several records).
    thread_local std::array<std::uint8_t, 65536> buf;
    for (;;) {
        const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
            flight_.clear(); // the peer has finished its handshake
            io_->sink->on_dtls_data({buf.data(), static_cast<std::size_t>(n)});
            continue;
        }
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_ZERO_RETURN) {
            peer_closed_ = true;
            state_ = State::Closed;
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            // A record that fails authentication is silently discarded by DTLS (RFC 6347 4.1.2.7);
            // anything OpenSSL still reports is counted and the datagram dropped.
            ++bad_records_;
            ERR_clear_error();
        }
        break;
    }
    io_->has_in = false;
}

void DtlsEndpoint::handle_timeout(std::uint64_t now_us) {
    if (state_ != State::Handshaking) {
        return;
    }
    if (now_us - started_us_ >= timing_.handshake_timeout_us) {
        fail("handshake timed out");
        return;
    }
    if (now_us < retransmit_at_us_) {
        return;
    }
    // Replay the last flight verbatim. To the peer this is a duplicate of records it has seen
    // (dropped by its replay window) plus the ones it lost, which is exactly what it needs.
    for (const auto& d : flight_) {
        io_->sink->emit_datagram(d);
    }
    backoff_us_ = std::min(backoff_us_ * 2, timing_.retransmit_max_us);
    retransmit_at_us_ = now_us + backoff_us_;
}

std::uint64_t DtlsEndpoint::next_timeout_us() const noexcept {
    if (state_ != State::Handshaking) {
        return UINT64_MAX;
    }
    return std::min(retransmit_at_us_, started_us_ + timing_.handshake_timeout_us);
}

std::size_t DtlsEndpoint::retained_bytes() const noexcept {
    std::size_t n = 0;
    for (const auto& d : io_->written) {
        n += d.size();
    }
    for (const auto& d : flight_) {
        n += d.size();
    }
    return n;
}

bool DtlsEndpoint::send(std::span<const std::uint8_t> data) {
    if (state_ != State::Connected || data.empty()) {
        return false;
    }
    const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    if (n <= 0) {
        ERR_clear_error();
        return false;
    }
    return true;
}

void DtlsEndpoint::close() {
    if (state_ == State::Connected) {
        SSL_shutdown(ssl_); // close_notify
        ERR_clear_error();
    }
    if (state_ != State::Failed) {
        state_ = State::Closed;
    }
    retransmit_at_us_ = UINT64_MAX;
}

} // namespace mgs::rtc
