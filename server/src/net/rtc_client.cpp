#include "net/rtc_client.hpp"

#include "proto/game_generated.h"
#include "rtc/sdp.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace mgs::net {

namespace {

std::string random_string(std::size_t n) {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<unsigned char> raw(n);
    RAND_bytes(raw.data(), static_cast<int>(n));
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = kAlphabet[raw[i] % 36];
    }
    return s;
}

} // namespace

RtcClient::RtcClient(std::shared_ptr<const rtc::DtlsCertificate> cert)
    : cert_(std::move(cert)), start_(std::chrono::steady_clock::now()) {}

RtcClient::~RtcClient() {
    conn_.reset();
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::uint64_t RtcClient::now_us() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
            .count());
}

std::string RtcClient::make_join(const Options& options, std::string& error) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, options.host.c_str(), &local.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        error = std::string("udp socket: ") + std::strerror(errno);
        return {};
    }
    socklen_t len = sizeof local;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);

    rtc::SessionDescription offer;
    local_ = {random_string(8), random_string(24)};
    offer.ice_ufrag = local_.ufrag;
    offer.ice_pwd = local_.pwd;
    offer.fingerprint_sha256 = cert_->fingerprint();
    offer.setup = "actpass";
    offer.mid = "0";
    offer.max_message_size = 262144;
    rtc::IceCandidate host;
    host.address = *rtc::Address::parse_ip(options.host, ntohs(local.sin_port));
    host.priority = 2130706431;
    host.foundation = "1";
    host.type = "host";
    offer.candidates.push_back(host);

    nlohmann::json join = {
        {"type", "join"}, {"name", options.name}, {"team", "auto"}, {"offer", rtc::write_sdp(offer, true)}};
    if (!options.resume_token.empty()) {
        join["resume"] = options.resume_token;
    }
    if (options.spectate) {
        join["spectate"] = true;
    }
    return join.dump();
}

bool RtcClient::accept_answer(std::string_view reply_json, Answer& answer, std::string& error) {
    if (fd_ < 0 || conn_) {
        error = "signaling: accept_answer without make_join, or twice";
        return false;
    }
    const auto msg = nlohmann::json::parse(reply_json, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) {
        error = "signaling: not JSON: " + std::string(reply_json);
        return false;
    }
    if (msg.value("type", "") == "error") {
        error = msg.value("code", "") + ": " + msg.value("message", "");
        return false;
    }
    rtc::SessionDescription remote;
    if (msg.value("type", "") != "answer" || !rtc::parse_sdp(msg.value("sdp", ""), remote, error) ||
        remote.candidates.empty()) {
        error = "signaling: unusable answer: " + error;
        return false;
    }
    answer.session = msg.value("session", "");
    answer.player_id = msg.value("player_id", 0u);
    answer.resumed = msg.value("resumed", false);
    answer.max_message_size = msg.value("max_message_size", 0u);
    server_ = remote.candidates.front().address;

    rtc::ConnectionConfig cc;
    cc.server = false;
    cc.local = local_;
    cc.remote = {remote.ice_ufrag, remote.ice_pwd};
    cc.remote_fingerprint = remote.fingerprint_sha256;
    cc.remote_address = server_;
    cc.remote_max_message_size = remote.max_message_size;
    cc.sctp.remote_port = remote.sctp_port;
    conn_ = std::make_unique<rtc::Connection>(cert_, cc, now_us());
    flush();
    return true;
}

bool RtcClient::signal(const Options& options, Answer& answer, std::string& error) {
    const std::string join = make_join(options, error);
    if (join.empty()) {
        return false;
    }
    std::string reply;
    try {
        namespace beast = boost::beast;
        boost::asio::io_context io;
        boost::asio::ip::tcp::resolver resolver(io);
        beast::websocket::stream<boost::asio::ip::tcp::socket> ws(io);
        boost::asio::connect(ws.next_layer(),
                             resolver.resolve(options.host, std::to_string(options.http_port)));
        ws.handshake(options.host, "/ws");
        ws.write(boost::asio::buffer(join));
        beast::flat_buffer buf;
        ws.read(buf);
        reply = beast::buffers_to_string(buf.data());
        beast::error_code ec;
        ws.close(beast::websocket::close_code::normal, ec);
    } catch (const std::exception& e) {
        error = std::string("signaling: ") + e.what();
        return false;
    }
    return accept_answer(reply, answer, error);
}

void RtcClient::flush() {
    rtc::Transmit t;
    while (conn_->poll_transmit(t)) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        std::memcpy(&to.sin_addr, t.to.ip.data(), 4);
        to.sin_port = htons(t.to.port);
        (void)::sendto(fd_, t.data.data(), t.data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
}

std::size_t RtcClient::drive() {
    if (!conn_) {
        return 0;
    }
    // One recvmmsg call takes up to kBatch datagrams: a client getting a snapshot, events and
    // acknowledgements together pays one system call, not one each. The buffers are per thread
    // (a process may drive many clients from one thread, and tests drive some from several).
    constexpr std::size_t kBatch = 16;
    constexpr std::size_t kDatagramBytes = 2048;
    thread_local std::array<std::array<std::uint8_t, kDatagramBytes>, kBatch> bufs{};
    thread_local std::array<sockaddr_in, kBatch> from{};
    thread_local std::array<iovec, kBatch> iov{};
    thread_local std::array<mmsghdr, kBatch> msgs{};
    std::size_t bytes = 0;
    for (;;) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            iov[i] = {bufs[i].data(), bufs[i].size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(fd_, msgs.data(), static_cast<unsigned>(kBatch), MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            break;
        }
        const std::uint64_t now = now_us();
        for (int i = 0; i < n && conn_; ++i) {
            const auto k = static_cast<std::size_t>(i);
            rtc::Address a;
            std::memcpy(a.ip.data(), &from[k].sin_addr, 4);
            a.port = ntohs(from[k].sin_port);
            const std::size_t size = msgs[k].msg_len;
            bytes += size;
            conn_->handle_datagram(now, a, {bufs[k].data(), size});
            flush();
        }
        if (static_cast<std::size_t>(n) < kBatch) {
            break;
        }
    }
    const std::uint64_t now = now_us();
    if (now >= conn_->next_timeout_us()) {
        conn_->handle_timeout(now);
    }
    flush();
    return bytes;
}

void RtcClient::send_pending() {
    if (conn_) {
        flush();
    }
}

bool RtcClient::poll_event(rtc::ConnectionEvent& out) {
    return conn_ && conn_->poll_event(out);
}

int RtcClient::open_channel(const rtc::ChannelOptions& options) {
    const int ch = conn_ ? conn_->open_channel(options) : -1;
    if (conn_) {
        flush();
    }
    return ch;
}

bool RtcClient::send(std::uint16_t channel, std::span<const std::uint8_t> data) {
    const bool ok = conn_ && conn_->send(channel, data);
    if (conn_) {
        flush();
    }
    return ok;
}

void RtcClient::close() {
    if (conn_) {
        conn_->close(now_us());
        flush();
    }
}

std::uint64_t RtcClient::next_timeout_us() const {
    return conn_ ? conn_->next_timeout_us() : UINT64_MAX;
}

std::vector<std::uint8_t> make_ping(std::uint32_t id, double client_time_ms, std::size_t payload_bytes) {
    flatbuffers::FlatBufferBuilder b(64 + payload_bytes);
    std::vector<std::uint8_t> payload(payload_bytes);
    for (std::size_t i = 0; i < payload_bytes; ++i) {
        payload[i] = static_cast<std::uint8_t>(i * 7 + id);
    }
    const auto p = payload_bytes > 0 ? b.CreateVector(payload)
                                     : flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>();
    const auto ping = proto::CreatePing(b, id, client_time_ms, p);
    b.Finish(proto::CreateEnvelope(b, proto::Message::Ping, ping.Union()));
    return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

bool read_pong(std::span<const std::uint8_t> data, std::uint32_t& id, double& client_time_ms,
               std::size_t& payload_bytes) {
    flatbuffers::Verifier v(data.data(), data.size());
    if (!proto::VerifyEnvelopeBuffer(v)) {
        return false;
    }
    const proto::Pong* pong = proto::GetEnvelope(data.data())->message_as_Pong();
    if (pong == nullptr) {
        return false;
    }
    id = pong->id();
    client_time_ms = pong->client_time_ms();
    payload_bytes = pong->payload() != nullptr ? pong->payload()->size() : 0;
    if (pong->payload() != nullptr) {
        for (std::size_t i = 0; i < payload_bytes; ++i) {
            if (pong->payload()->Get(static_cast<flatbuffers::uoffset_t>(i)) !=
                static_cast<std::uint8_t>(i * 7 + id)) {
                return false; // echoed payload corrupted
            }
        }
    }
    return true;
}

} // namespace mgs::net
