#include "net/rtc_server.hpp"

#include "rtc/stun.hpp"

#include <openssl/rand.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace mgs::net {

namespace {

constexpr std::size_t kBatch = 64;         // datagrams per recvmmsg / sendmmsg
constexpr std::size_t kMaxDatagram = 2048; // larger datagrams are truncated, then dropped
constexpr auto kTimerPeriod = std::chrono::milliseconds(5);

constexpr const char* kDropReasons[] = {"unknown_address", "not_webrtc", "bad_stun",
                                        "unauthenticated", "bad_dtls",   "oversize"};

rtc::Address from_sockaddr(const sockaddr_storage& ss) {
    rtc::Address a;
    if (ss.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
        a.family = rtc::Address::Family::V4;
        std::memcpy(a.ip.data(), &in.sin_addr, 4);
        a.port = ntohs(in.sin_port);
    } else {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
        a.family = rtc::Address::Family::V6;
        std::memcpy(a.ip.data(), &in6.sin6_addr, 16);
        a.port = ntohs(in6.sin6_port);
    }
    return a;
}

socklen_t to_sockaddr(const rtc::Address& a, bool v6_socket, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof ss);
    if (a.family == rtc::Address::Family::V4 && !v6_socket) {
        auto& in = reinterpret_cast<sockaddr_in&>(ss);
        in.sin_family = AF_INET;
        std::memcpy(&in.sin_addr, a.ip.data(), 4);
        in.sin_port = htons(a.port);
        return sizeof(sockaddr_in);
    }
    auto& in6 = reinterpret_cast<sockaddr_in6&>(ss);
    in6.sin6_family = AF_INET6;
    if (a.family == rtc::Address::Family::V4) { // v4-mapped on a dual-stack socket
        in6.sin6_addr.s6_addr[10] = 0xff;
        in6.sin6_addr.s6_addr[11] = 0xff;
        std::memcpy(&in6.sin6_addr.s6_addr[12], a.ip.data(), 4);
    } else {
        std::memcpy(&in6.sin6_addr, a.ip.data(), 16);
    }
    in6.sin6_port = htons(a.port);
    return sizeof(sockaddr_in6);
}

// A v4-mapped IPv6 address (dual-stack socket) is the IPv4 client it stands for.
rtc::Address unmap(rtc::Address a) {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a.family == rtc::Address::Family::V6 && std::memcmp(a.ip.data(), kMapped, 12) == 0) {
        rtc::Address v4;
        std::memcpy(v4.ip.data(), a.ip.data() + 12, 4);
        v4.port = a.port;
        return v4;
    }
    return a;
}

} // namespace

struct RtcServer::Batch {
    std::array<std::array<std::uint8_t, kMaxDatagram>, kBatch> rx{};
    std::array<sockaddr_storage, kBatch> rx_addr{};
    std::array<iovec, kBatch> rx_iov{};
    std::array<mmsghdr, kBatch> rx_msg{};

    std::vector<std::uint8_t> tx_bytes = std::vector<std::uint8_t>(kBatch * kMaxDatagram);
    std::array<sockaddr_storage, kBatch> tx_addr{};
    std::array<iovec, kBatch> tx_iov{};
    std::array<mmsghdr, kBatch> tx_msg{};
    std::size_t tx_count = 0;
    bool v6 = false;
    std::unordered_map<std::string, metrics::Counter*> drops;
};

RtcServer::RtcServer(boost::asio::io_context& io, RtcServerConfig config, metrics::Registry& metrics,
                     RtcHandler& handler)
    : io_(io), config_(std::move(config)), metrics_(metrics), handler_(handler), socket_(io), timer_(io),
      start_(std::chrono::steady_clock::now()), batch_(std::make_unique<Batch>()), registry_(&metrics) {
    bytes_in_ = &metrics.counter("mgs_bytes_received_total", "UDP payload bytes received on the WebRTC port");
    bytes_out_ = &metrics.counter("mgs_bytes_sent_total", "UDP payload bytes sent on the WebRTC port");
    packets_in_ = &metrics.counter("mgs_packets_received_total", "UDP datagrams received on the WebRTC port");
    packets_out_ = &metrics.counter("mgs_packets_sent_total", "UDP datagrams sent on the WebRTC port");
    handshakes_ =
        &metrics.counter("mgs_handshakes_total", "WebRTC connections that reached open data channels");
    handshake_failures_ =
        &metrics.counter("mgs_handshake_failures_total", "WebRTC connections that ended before they were up");
    connected_gauge_ = &metrics.gauge("mgs_clients_connected", "WebRTC connections that are up");
    pending_gauge_ = &metrics.gauge("mgs_handshakes_pending", "WebRTC connections offered and not yet up");
    for (const char* r : kDropReasons) {
        batch_->drops[r] =
            &metrics.counter("mgs_udp_dropped_total", "UDP datagrams dropped, by reason", {{"reason", r}});
    }
    for (std::size_t i = 0; i < kBatch; ++i) {
        batch_->rx_iov[i] = {batch_->rx[i].data(), kMaxDatagram};
        batch_->rx_msg[i].msg_hdr.msg_iov = &batch_->rx_iov[i];
        batch_->rx_msg[i].msg_hdr.msg_iovlen = 1;
    }
}

RtcServer::~RtcServer() {
    try {
        stop();
    } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

const rtc::Fingerprint& RtcServer::fingerprint() const {
    return cert_->fingerprint();
}

std::uint64_t RtcServer::now_us() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
            .count());
}

bool RtcServer::start(std::string& error) {
    cert_ = rtc::DtlsCertificate::generate(error);
    if (!cert_) {
        return false;
    }
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(config_.bind_address, ec);
    if (ec) {
        error = "udp bind address '" + config_.bind_address + "' is not an IP address";
        return false;
    }
    const boost::asio::ip::udp::endpoint ep(addr, config_.port);
    socket_.open(ep.protocol(), ec);
    if (!ec && addr.is_v6()) {
        socket_.set_option(boost::asio::ip::v6_only(false), ec);
        ec.clear();
    }
    if (!ec) {
        socket_.bind(ep, ec);
    }
    if (ec) {
        error = "cannot bind UDP " + config_.bind_address + ":" + std::to_string(config_.port) + ": " +
                ec.message();
        return false;
    }
    socket_.non_blocking(true, ec);
    // Room for bursts: thousands of clients share this socket.
    const int buf = 4 * 1024 * 1024;
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    batch_->v6 = addr.is_v6();
    port_ = socket_.local_endpoint().port();

    std::vector<std::string> ips = config_.public_ips;
    if (ips.empty()) {
        ips.push_back(addr.is_unspecified() ? "127.0.0.1" : config_.bind_address);
    }
    for (const auto& ip : ips) {
        auto a = rtc::Address::parse_ip(ip, port_);
        if (!a) {
            error = "public IP '" + ip + "' is not an IP address";
            return false;
        }
        advertised_.push_back(*a);
    }
    running_ = true;
    arm_read();
    timer_.expires_after(kTimerPeriod);
    timer_.async_wait([this](const boost::system::error_code& e) {
        if (!e) {
            on_timer();
        }
    });
    return true;
}

void RtcServer::stop() {
    if (!running_) {
        return;
    }
    std::vector<std::uint64_t> ids;
    ids.reserve(conns_.size());
    for (const auto& [id, e] : conns_) {
        ids.push_back(id);
    }
    for (const std::uint64_t id : ids) {
        close(id);
    }
    flush_sends();
    running_ = false;
    boost::system::error_code ec;
    timer_.cancel();
    socket_.close(ec);
}

std::string RtcServer::random_token(std::size_t chars) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<unsigned char> raw(chars);
    RAND_bytes(raw.data(), static_cast<int>(raw.size()));
    std::string s(chars, 'A');
    for (std::size_t i = 0; i < chars; ++i) {
        s[i] = kAlphabet[raw[i] % 64];
    }
    return s;
}

std::uint64_t RtcServer::accept_offer(const rtc::SessionDescription& offer, std::string& answer_sdp,
                                      OfferError& error) {
    error = OfferError::None;
    if (conns_.size() >= config_.max_connections) {
        error = OfferError::Full;
        return 0;
    }
    if (pending_ >= config_.max_pending_handshakes) {
        error = OfferError::TooManyHandshakes;
        return 0;
    }
    if (offer.ice_ufrag.empty() || offer.ice_pwd.empty()) {
        error = OfferError::BadOffer;
        return 0;
    }
    rtc::ConnectionConfig cc;
    cc.server = true;
    do {
        cc.local.ufrag = random_token(8); // RFC 8445 sec. 5.3: at least 24 bits of randomness
    } while (by_ufrag_.contains(cc.local.ufrag));
    cc.local.pwd = random_token(24); // at least 128 bits
    cc.remote.ufrag = offer.ice_ufrag;
    cc.remote.pwd = offer.ice_pwd;
    cc.remote_fingerprint = offer.fingerprint_sha256;
    cc.sctp.remote_port = offer.sctp_port;
    cc.sctp.max_message_size = config_.max_message_size;
    cc.remote_max_message_size = offer.max_message_size;
    cc.connect_timeout_us = config_.connect_timeout_ms * 1000;
    cc.consent_timeout_us = config_.consent_timeout_ms * 1000;

    rtc::SessionDescription answer;
    answer.ice_ufrag = cc.local.ufrag;
    answer.ice_pwd = cc.local.pwd;
    answer.ice_lite = true;
    answer.fingerprint_sha256 = cert_->fingerprint();
    answer.setup = "passive"; // we are the DTLS server (RFC 8842)
    answer.mid = offer.mid;
    answer.sctp_port = cc.sctp.local_port;
    answer.max_message_size = config_.max_message_size;
    for (std::size_t i = 0; i < advertised_.size(); ++i) {
        rtc::IceCandidate c;
        c.address = advertised_[i];
        c.priority = 2130706431U - static_cast<std::uint32_t>(i); // host type preference (RFC 8445 5.1.2)
        c.foundation = std::to_string(i + 1);
        c.type = "host";
        answer.candidates.push_back(c);
    }
    RAND_bytes(reinterpret_cast<unsigned char*>(&answer.session_id), sizeof answer.session_id);
    answer.session_id >>= 2;
    answer_sdp = rtc::write_sdp(answer, false);

    const std::uint64_t id = next_id_++;
    Entry e;
    e.conn = std::make_unique<rtc::Connection>(cert_, cc, now_us());
    e.next_timeout_us = e.conn->next_timeout_us();
    by_ufrag_[cc.local.ufrag] = id;
    conns_.emplace(id, std::move(e));
    ++pending_;
    pending_gauge_->set(static_cast<double>(pending_));
    return id;
}

int RtcServer::open_channel(std::uint64_t conn, const rtc::ChannelOptions& options) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) {
        return -1;
    }
    const int ch = it->second.conn->open_channel(options);
    pump(conn);
    flush_sends();
    return ch;
}

bool RtcServer::send(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                     bool binary) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) {
        return false;
    }
    const bool ok = it->second.conn->send(channel, data, binary);
    pump(conn);
    return ok;
}

std::size_t RtcServer::queued_bytes(std::uint64_t conn) const {
    auto it = conns_.find(conn);
    return it == conns_.end() ? 0 : it->second.conn->queued_bytes();
}

std::uint32_t RtcServer::max_message_size(std::uint64_t conn) const {
    auto it = conns_.find(conn);
    return it == conns_.end() ? 0 : it->second.conn->max_message_size();
}

void RtcServer::close(std::uint64_t conn) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) {
        return;
    }
    it->second.conn->close(now_us());
    pump(conn);
    flush_sends();
}

void RtcServer::arm_read() {
    if (!running_) {
        return;
    }
    socket_.async_wait(boost::asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
        if (!ec) {
            on_readable();
        }
    });
}

void RtcServer::on_readable() {
    const int fd = socket_.native_handle();
    // Bounded work per wake-up so timers and signaling get their turn under a flood.
    for (int round = 0; round < 16; ++round) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            batch_->rx_msg[i].msg_hdr.msg_name = &batch_->rx_addr[i];
            batch_->rx_msg[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            batch_->rx_msg[i].msg_hdr.msg_flags = 0;
        }
        const int n = recvmmsg(fd, batch_->rx_msg.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            break;
        }
        const std::uint64_t now = now_us();
        for (int i = 0; i < n; ++i) {
            const auto& m = batch_->rx_msg[static_cast<std::size_t>(i)];
            const std::size_t len = m.msg_len;
            packets_in_->inc();
            bytes_in_->inc(len);
            if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                drop("oversize");
                continue;
            }
            route(unmap(from_sockaddr(batch_->rx_addr[static_cast<std::size_t>(i)])),
                  {batch_->rx[static_cast<std::size_t>(i)].data(), len}, now);
        }
        flush_sends();
        if (static_cast<std::size_t>(n) < kBatch) {
            break;
        }
    }
    for (const std::uint64_t id : to_remove_) {
        remove(id);
    }
    to_remove_.clear();
    arm_read();
}

void RtcServer::route(const rtc::Address& from, std::span<const std::uint8_t> bytes, std::uint64_t now) {
    std::uint64_t id = 0;
    if (auto it = by_address_.find(from); it != by_address_.end()) {
        id = it->second;
    } else if (rtc::looks_like_stun(bytes)) {
        rtc::StunMessage msg;
        if (rtc::parse_stun(bytes, msg) != rtc::StunParseError::None) {
            drop("bad_stun");
            return;
        }
        const std::string_view user = msg.username;
        const auto colon = user.find(':');
        auto owner = colon == std::string_view::npos ? by_ufrag_.end()
                                                     : by_ufrag_.find(std::string(user.substr(0, colon)));
        if (owner == by_ufrag_.end()) {
            drop("unknown_address");
            return;
        }
        id = owner->second;
    } else {
        drop(bytes.empty() || bytes[0] > 63 ? "not_webrtc" : "unknown_address");
        return;
    }
    auto conn = conns_.find(id);
    if (conn == conns_.end()) {
        drop("unknown_address");
        return;
    }
    conn->second.conn->handle_datagram(now, from, bytes);
    pump(id);
}

void RtcServer::on_timer() {
    if (!running_) {
        return;
    }
    const std::uint64_t now = now_us();
    rtc::SctpStack::advance(now);
    // Drop counters are read from the connections' stats every 200 ms, not at every pump.
    const bool count = ++timer_runs_ % 40 == 0;
    for (auto& [id, e] : conns_) {
        if (now >= e.next_timeout_us) {
            e.conn->handle_timeout(now);
            e.next_timeout_us = e.conn->next_timeout_us();
        }
        // Timers of usrsctp may have produced output for any connection: only those with
        // something to send or report are pumped.
        if (e.conn->has_output()) {
            pump(id, e);
        }
        if (count) {
            count_drops(e);
        }
    }
    flush_sends();
    for (const std::uint64_t id : to_remove_) {
        remove(id);
    }
    to_remove_.clear();
    timer_.expires_after(kTimerPeriod);
    timer_.async_wait([this](const boost::system::error_code& e) {
        if (!e) {
            on_timer();
        }
    });
}

void RtcServer::pump(std::uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) {
        return;
    }
    pump(id, it->second);
    count_drops(it->second);
}

void RtcServer::count_drops(Entry& e) {
    const rtc::ConnectionStats& s = e.conn->stats();
    if (s.stun_rejected != e.last_stats.stun_rejected) {
        batch_->drops["bad_stun"]->inc(s.stun_rejected - e.last_stats.stun_rejected);
    }
    if (s.dtls_unauthenticated != e.last_stats.dtls_unauthenticated) {
        batch_->drops["unauthenticated"]->inc(s.dtls_unauthenticated - e.last_stats.dtls_unauthenticated);
    }
    if (s.dtls_bad_records != e.last_stats.dtls_bad_records) {
        batch_->drops["bad_dtls"]->inc(s.dtls_bad_records - e.last_stats.dtls_bad_records);
    }
    e.last_stats = s;
}

void RtcServer::pump(std::uint64_t id, Entry& e) {
    rtc::Transmit t;
    while (e.conn->poll_transmit(t)) {
        queue_send(t.to, t.data);
    }
    rtc::ConnectionEvent ev;
    bool gone = false;
    while (!gone && e.conn->poll_event(ev)) {
        switch (ev.type) {
        case rtc::ConnectionEvent::Type::AddressAdded:
            if (auto old = by_address_.find(ev.address); old != by_address_.end() && old->second != id) {
                // Another connection's address now belongs to this client (port reuse behind a NAT).
                auto other = conns_.find(old->second);
                if (other != conns_.end()) {
                    std::erase(other->second.addresses, ev.address);
                }
            }
            by_address_[ev.address] = id;
            e.addresses.push_back(ev.address);
            break;
        case rtc::ConnectionEvent::Type::AddressRemoved:
            if (auto a = by_address_.find(ev.address); a != by_address_.end() && a->second == id) {
                by_address_.erase(a);
            }
            std::erase(e.addresses, ev.address);
            break;
        case rtc::ConnectionEvent::Type::Connected:
            e.connected = true;
            --pending_;
            pending_gauge_->set(static_cast<double>(pending_));
            connected_gauge_->add(1);
            handshakes_->inc();
            handler_.on_rtc_connected(id);
            break;
        case rtc::ConnectionEvent::Type::ChannelOpen:
            handler_.on_rtc_channel_open(id, ev.channel, e.conn->channel_label(ev.channel));
            break;
        case rtc::ConnectionEvent::Type::Message:
            handler_.on_rtc_message(id, ev.channel, ev.data, ev.binary);
            break;
        case rtc::ConnectionEvent::Type::ChannelClosed:
            break;
        case rtc::ConnectionEvent::Type::Disconnected: {
            if (e.connected) {
                connected_gauge_->add(-1);
            } else {
                --pending_;
                pending_gauge_->set(static_cast<double>(pending_));
                handshake_failures_->inc();
            }
            const bool was = e.connected;
            // Drain what close produced (ABORT, close_notify) before the connection goes.
            rtc::Transmit last;
            while (e.conn->poll_transmit(last)) {
                queue_send(last.to, last.data);
            }
            to_remove_.push_back(id);
            gone = true;
            handler_.on_rtc_disconnected(id, ev.reason, was);
            break;
        }
        }
        // The handler may have closed or sent: the entry stays valid until remove().
    }
    e.next_timeout_us = e.conn->next_timeout_us();
}

void RtcServer::remove(std::uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) {
        return;
    }
    for (const auto& a : it->second.addresses) {
        if (auto m = by_address_.find(a); m != by_address_.end() && m->second == id) {
            by_address_.erase(m);
        }
    }
    by_ufrag_.erase(it->second.conn->local_ufrag());
    conns_.erase(it);
}

void RtcServer::queue_send(const rtc::Address& to, std::span<const std::uint8_t> bytes) {
    if (bytes.size() > kMaxDatagram) {
        return;
    }
    if (batch_->tx_count == kBatch) {
        flush_sends();
    }
    const std::size_t i = batch_->tx_count++;
    std::uint8_t* slot = batch_->tx_bytes.data() + i * kMaxDatagram;
    std::memcpy(slot, bytes.data(), bytes.size());
    batch_->tx_iov[i] = {slot, bytes.size()};
    auto& h = batch_->tx_msg[i].msg_hdr;
    h = {};
    h.msg_name = &batch_->tx_addr[i];
    h.msg_namelen = to_sockaddr(to, batch_->v6, batch_->tx_addr[i]);
    h.msg_iov = &batch_->tx_iov[i];
    h.msg_iovlen = 1;
}

void RtcServer::flush_sends() {
    std::size_t sent = 0;
    const int fd = socket_.native_handle();
    while (sent < batch_->tx_count && socket_.is_open()) {
        const int n =
            sendmmsg(fd, batch_->tx_msg.data() + sent, static_cast<unsigned>(batch_->tx_count - sent), 0);
        if (n <= 0) {
            if (errno == EINTR) {
                continue;
            }
            // EAGAIN (socket buffer full) or an unreachable destination: skip that datagram;
            // the protocols above retransmit what matters.
            ++sent;
            continue;
        }
        for (int i = 0; i < n; ++i) {
            bytes_out_->inc(batch_->tx_msg[sent + static_cast<std::size_t>(i)].msg_len);
        }
        packets_out_->inc(static_cast<std::uint64_t>(n));
        sent += static_cast<std::size_t>(n);
    }
    batch_->tx_count = 0;
}

void RtcServer::drop(const char* reason) {
    batch_->drops[reason]->inc();
}

} // namespace mgs::net
