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
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
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

bool RtcClient::signal(const Options& options, Answer& answer, std::string& error) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, options.host.c_str(), &local.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        error = std::string("udp socket: ") + std::strerror(errno);
        return false;
    }
    socklen_t len = sizeof local;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);

    rtc::SessionDescription offer;
    offer.ice_ufrag = random_string(8);
    offer.ice_pwd = random_string(24);
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
    std::string reply;
    try {
        namespace beast = boost::beast;
        boost::asio::io_context io;
        boost::asio::ip::tcp::resolver resolver(io);
        beast::websocket::stream<boost::asio::ip::tcp::socket> ws(io);
        boost::asio::connect(ws.next_layer(),
                             resolver.resolve(options.host, std::to_string(options.http_port)));
        ws.handshake(options.host, "/ws");
        ws.write(boost::asio::buffer(join.dump()));
        beast::flat_buffer buf;
        ws.read(buf);
        reply = beast::buffers_to_string(buf.data());
        beast::error_code ec;
        ws.close(beast::websocket::close_code::normal, ec);
    } catch (const std::exception& e) {
        error = std::string("signaling: ") + e.what();
        return false;
    }
    const auto msg = nlohmann::json::parse(reply, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) {
        error = "signaling: not JSON: " + reply;
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
    cc.local = {offer.ice_ufrag, offer.ice_pwd};
    cc.remote = {remote.ice_ufrag, remote.ice_pwd};
    cc.remote_fingerprint = remote.fingerprint_sha256;
    cc.remote_address = server_;
    cc.remote_max_message_size = remote.max_message_size;
    cc.sctp.remote_port = remote.sctp_port;
    conn_ = std::make_unique<rtc::Connection>(cert_, cc, now_us());
    flush();
    return true;
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

void RtcClient::drive() {
    if (!conn_) {
        return;
    }
    std::array<std::uint8_t, 2048> buf{};
    for (;;) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) {
            break;
        }
        rtc::Address a;
        std::memcpy(a.ip.data(), &from.sin_addr, 4);
        a.port = ntohs(from.sin_port);
        conn_->handle_datagram(now_us(), a, {buf.data(), static_cast<std::size_t>(n)});
        flush();
    }
    const std::uint64_t now = now_us();
    if (now >= conn_->next_timeout_us()) {
        conn_->handle_timeout(now);
    }
    flush();
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
