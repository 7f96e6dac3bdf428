#include "rtc/connection.hpp"

#include "rtc/dcep.hpp"
#include "rtc/stun.hpp"

#include <algorithm>

namespace mgs::rtc {

namespace {

constexpr std::size_t kMaxValidated = 4;              // addresses a peer may use at once
constexpr std::uint64_t kCheckRetransmitUs = 200'000; // client role: unanswered check
constexpr std::uint32_t kOurMaxMessageSize = 262144;  // a=max-message-size we advertise

// RFC 7983 sec. 7: the first byte tells STUN (0..3) from DTLS (20..63).
bool is_dtls(std::span<const std::uint8_t> b) noexcept {
    return !b.empty() && b[0] >= 20 && b[0] <= 63;
}

ConnectionEvent make_event(ConnectionEvent::Type type, std::uint16_t channel = 0, bool binary = true,
                           DisconnectReason reason = DisconnectReason::None) {
    ConnectionEvent e;
    e.type = type;
    e.channel = channel;
    e.binary = binary;
    e.reason = reason;
    return e;
}

} // namespace

const char* to_string(DisconnectReason r) noexcept {
    switch (r) {
    case DisconnectReason::None:
        return "none";
    case DisconnectReason::Closed:
        return "closed";
    case DisconnectReason::PeerClosed:
        return "peer_closed";
    case DisconnectReason::SctpClosed:
        return "sctp_closed";
    case DisconnectReason::ConsentExpired:
        return "consent_expired";
    case DisconnectReason::ConnectTimeout:
        return "connect_timeout";
    case DisconnectReason::HandshakeFailed:
        return "handshake_failed";
    }
    return "unknown";
}

Connection::Connection(std::shared_ptr<const DtlsCertificate> cert, ConnectionConfig config,
                       std::uint64_t now_us)
    : cert_(cert), config_(std::move(config)),
      dtls_(std::move(cert), config_.server, config_.remote_fingerprint, *this, config_.dtls),
      channels_(config_.sctp.max_streams), now_us_(now_us), created_us_(now_us), last_consent_us_(now_us) {
    state_ = State::Checking;
    if (!config_.server) {
        selected_ = config_.remote_address;
        has_selected_ = true;
        next_check_us_ = now_us;
        send_check(now_us);
    }
}

Connection::~Connection() {
    // usrsctp may call back into us while the association is torn down: do it first.
    sctp_.reset();
}

// --- Input -----------------------------------------------------------------------------------

void Connection::handle_datagram(std::uint64_t now_us, const Address& from,
                                 std::span<const std::uint8_t> bytes) {
    now_us_ = now_us;
    if (state_ == State::Closed) {
        return;
    }
    stats_.bytes_in += bytes.size();
    if (looks_like_stun(bytes)) {
        handle_stun(now_us, from, bytes);
        return;
    }
    if (!is_dtls(bytes)) {
        ++stats_.stun_rejected;
        return;
    }
    Validated* v = find_validated(from);
    if (v == nullptr) {
        ++stats_.dtls_unauthenticated;
        return;
    }
    if (!(from == selected_)) {
        selected_ = from; // the peer moved (NAT rebinding) or switched pairs
    }
    const std::uint64_t bad_before = dtls_.bad_records();
    dtls_.handle_datagram(now_us, bytes);
    stats_.dtls_bad_records += dtls_.bad_records() - bad_before;
    after_dtls(now_us);
}

void Connection::handle_stun(std::uint64_t now_us, const Address& from, std::span<const std::uint8_t> bytes) {
    StunMessage msg;
    if (parse_stun(bytes, msg) != StunParseError::None || msg.method != kStunBindingMethod) {
        ++stats_.stun_rejected;
        return;
    }
    if (config_.server) {
        if (msg.cls != StunClass::Request) {
            return; // indications (keepalives) and stray responses need nothing
        }
        // USERNAME is "<our ufrag>:<peer ufrag>" (RFC 8445 sec. 7.2.2).
        const std::string_view user = msg.username;
        const std::string& ours = config_.local.ufrag;
        const bool user_ok =
            user.size() > ours.size() && user.substr(0, ours.size()) == ours && user[ours.size()] == ':' &&
            (config_.remote.ufrag.empty() || user.substr(ours.size() + 1) == config_.remote.ufrag);
        if (!user_ok || !verify_message_integrity(bytes, msg, config_.local.pwd)) {
            ++stats_.stun_rejected; // unauthenticated: no answer, no state (spoofing costs us nothing)
            return;
        }
        std::array<std::uint8_t, 128> out{};
        const std::size_t n = build_binding_success(out, msg.transaction_id, from, config_.local.pwd);
        if (n > 0) {
            push_transmit(from, {out.data(), n});
        }
        last_consent_us_ = now_us;
        validate(now_us, from, msg.use_candidate);
        if (state_ == State::Checking) {
            state_ = State::Handshaking;
            dtls_.start(now_us); // the server waits for the ClientHello
        }
        return;
    }
    // Client role: a response to our check.
    if (msg.cls != StunClass::SuccessResponse || msg.transaction_id != check_txid_ ||
        !verify_message_integrity(bytes, msg, config_.remote.pwd)) {
        ++stats_.stun_rejected;
        return;
    }
    last_consent_us_ = now_us;
    validate(now_us, from, true);
    next_check_us_ = now_us + config_.check_interval_us;
    if (!checked_) {
        checked_ = true;
        state_ = State::Handshaking;
        dtls_.start(now_us); // ClientHello
        after_dtls(now_us);
    }
}

void Connection::validate(std::uint64_t now_us, const Address& from, bool nominate) {
    Validated* v = find_validated(from);
    if (v == nullptr) {
        if (validated_.size() == kMaxValidated) {
            auto oldest = std::min_element(
                validated_.begin(), validated_.end(),
                [](const Validated& a, const Validated& b) { return a.last_us < b.last_us; });
            ConnectionEvent e;
            e.type = ConnectionEvent::Type::AddressRemoved;
            e.address = oldest->address;
            push_event(e);
            validated_.erase(oldest);
        }
        validated_.push_back({from, now_us});
        ConnectionEvent e;
        e.type = ConnectionEvent::Type::AddressAdded;
        e.address = from;
        push_event(e);
        v = &validated_.back();
    }
    v->last_us = now_us;
    if (nominate || !has_selected_) {
        selected_ = from;
        has_selected_ = true;
    }
}

Connection::Validated* Connection::find_validated(const Address& a) noexcept {
    for (Validated& v : validated_) {
        if (v.address == a) {
            return &v;
        }
    }
    return nullptr;
}

void Connection::send_check(std::uint64_t now_us) {
    // A fresh transaction id per check; deterministic (the connection has no randomness source),
    // unique enough within one connection.
    ++check_counter_;
    for (std::size_t i = 0; i < check_txid_.size(); ++i) {
        check_txid_[i] =
            static_cast<std::uint8_t>((check_counter_ * 0x9E3779B97F4A7C15ULL) >> ((i % 8) * 8)) ^
            static_cast<std::uint8_t>(i * 31 + config_.local.ufrag.size());
    }
    const std::string username = config_.remote.ufrag + ":" + config_.local.ufrag;
    std::array<std::uint8_t, 256> out{};
    const std::size_t n = build_binding_request(out, check_txid_, username, config_.remote.pwd, 0x6E0001FF,
                                                true, 0x1234567890ABCDEFULL ^ check_counter_, true);
    if (n > 0) {
        push_transmit(config_.remote_address, {out.data(), n});
    }
    next_check_us_ = now_us + (checked_ ? config_.check_interval_us : kCheckRetransmitUs);
}

void Connection::after_dtls(std::uint64_t /*now_us*/) {
    if (state_ == State::Closed) {
        return;
    }
    switch (dtls_.state()) {
    case DtlsEndpoint::State::Connected:
        if (!sctp_) {
            SctpConfig sc = config_.sctp;
            sc.max_message_size = std::max(sc.max_message_size, kOurMaxMessageSize);
            sctp_.reset(new SctpAssociation(static_cast<SctpHandler&>(*this), sc)); // NOLINT: private base
            sctp_->connect();
        }
        break;
    case DtlsEndpoint::State::Failed:
        disconnect(DisconnectReason::HandshakeFailed);
        break;
    case DtlsEndpoint::State::Closed:
        if (dtls_.peer_closed()) {
            disconnect(DisconnectReason::PeerClosed);
        }
        break;
    default:
        break;
    }
}

void Connection::handle_timeout(std::uint64_t now_us) {
    now_us_ = now_us;
    if (state_ == State::Closed) {
        return;
    }
    if (state_ != State::Connected && now_us - created_us_ >= config_.connect_timeout_us) {
        disconnect(DisconnectReason::ConnectTimeout);
        return;
    }
    if (now_us - last_consent_us_ >= config_.consent_timeout_us) {
        disconnect(DisconnectReason::ConsentExpired);
        return;
    }
    if (!config_.server && now_us >= next_check_us_) {
        send_check(now_us);
    }
    dtls_.handle_timeout(now_us);
    after_dtls(now_us);
}

std::uint64_t Connection::next_timeout_us() const noexcept {
    if (state_ == State::Closed) {
        return UINT64_MAX;
    }
    std::uint64_t t = last_consent_us_ + config_.consent_timeout_us;
    if (state_ != State::Connected) {
        t = std::min(t, created_us_ + config_.connect_timeout_us);
    }
    if (!config_.server) {
        t = std::min(t, next_check_us_);
    }
    return std::min(t, dtls_.next_timeout_us());
}

// --- DTLS and SCTP callbacks -----------------------------------------------------------------

void Connection::emit_datagram(std::span<const std::uint8_t> bytes) {
    if (has_selected_) {
        push_transmit(selected_, bytes);
    }
}

void Connection::on_dtls_data(std::span<const std::uint8_t> bytes) {
    if (sctp_) {
        sctp_->handle_packet(bytes);
    }
}

void Connection::sctp_emit_packet(std::span<const std::uint8_t> packet) {
    dtls_.send(packet);
}

void Connection::sctp_on_state(bool up) {
    if (up) {
        if (state_ != State::Closed) {
            state_ = State::Connected;
            push_event(make_event(ConnectionEvent::Type::Connected));
        }
    } else if (state_ != State::Closed) {
        disconnect(DisconnectReason::SctpClosed);
    }
}

void Connection::sctp_on_message(std::uint16_t stream, Ppid ppid, std::span<const std::uint8_t> data) {
    if (stream >= channels_.size()) {
        ++stats_.messages_dropped;
        return;
    }
    Channel& ch = channels_[stream];
    if (ppid == Ppid::Dcep) {
        DcepOpen open;
        if (parse_dcep_open(data, open)) {
            // RFC 8832 sec. 6: the DTLS client opens even streams, the server odd ones.
            const bool peer_parity = (stream % 2 == 0) == config_.server;
            if (!peer_parity || ch.open) {
                ++stats_.messages_dropped;
                return;
            }
            ch = Channel{true, false, true, !open.unordered(), open.max_retransmits(), open.label};
            static constexpr std::uint8_t kAck[] = {kDcepAck};
            sctp_->send(stream, Ppid::Dcep, kAck, false, -1);
            push_event(make_event(ConnectionEvent::Type::ChannelOpen, stream));
        } else if (is_dcep_ack(data) && ch.open && ch.ours) {
            ch.acked = true;
        } else {
            ++stats_.messages_dropped;
        }
        return;
    }
    if (!ch.open || (ppid != Ppid::Binary && ppid != Ppid::String)) {
        ++stats_.messages_dropped;
        return;
    }
    ++stats_.messages_in;
    push_event(make_event(ConnectionEvent::Type::Message, stream, ppid == Ppid::Binary), data);
}

void Connection::sctp_on_stream_reset(std::uint16_t stream) {
    if (stream >= channels_.size() || !channels_[stream].open) {
        return;
    }
    // RFC 8831 sec. 6.7: answer a reset of the peer's outgoing stream by resetting ours.
    channels_[stream] = Channel{};
    if (sctp_) {
        sctp_->reset_stream(stream);
    }
    push_event(make_event(ConnectionEvent::Type::ChannelClosed, stream));
}

// --- Commands --------------------------------------------------------------------------------

int Connection::open_channel(const ChannelOptions& options) {
    if (state_ != State::Connected || !sctp_) {
        return -1;
    }
    const std::size_t first = config_.server ? 1 : 0; // RFC 8832 sec. 6
    for (std::size_t s = first; s < channels_.size(); s += 2) {
        if (channels_[s].open) {
            continue;
        }
        DcepOpen open;
        open.label = options.label;
        open.protocol = options.protocol;
        if (options.max_retransmits < 0) {
            open.type = options.ordered ? ChannelType::Reliable : ChannelType::ReliableUnordered;
        } else {
            open.type = options.ordered ? ChannelType::PartialReliableRexmit
                                        : ChannelType::PartialReliableRexmitUnordered;
            open.reliability = static_cast<std::uint32_t>(options.max_retransmits);
        }
        const auto stream = static_cast<std::uint16_t>(s);
        if (!sctp_->send(stream, Ppid::Dcep, build_dcep_open(open), false, -1)) {
            return -1;
        }
        channels_[s] = Channel{true, true, false, options.ordered, options.max_retransmits, options.label};
        push_event(make_event(ConnectionEvent::Type::ChannelOpen, stream));
        return static_cast<int>(s);
    }
    return -1;
}

bool Connection::send(std::uint16_t channel, std::span<const std::uint8_t> data, bool binary) {
    if (state_ != State::Connected || channel >= channels_.size() || !channels_[channel].open ||
        data.size() > max_message_size()) {
        return false;
    }
    const Channel& ch = channels_[channel];
    // RFC 8832 sec. 6: until the ACK arrives, send ordered so data cannot overtake the OPEN.
    const bool unordered = !ch.ordered && (ch.acked || !ch.ours);
    const bool ok =
        sctp_->send(channel, binary ? Ppid::Binary : Ppid::String, data, unordered, ch.max_retransmits);
    if (ok) {
        ++stats_.messages_out;
    }
    return ok;
}

void Connection::close_channel(std::uint16_t channel) {
    if (channel >= channels_.size() || !channels_[channel].open) {
        return;
    }
    channels_[channel] = Channel{};
    if (sctp_) {
        sctp_->reset_stream(channel);
    }
    push_event(make_event(ConnectionEvent::Type::ChannelClosed, channel));
}

void Connection::close(std::uint64_t now_us) {
    now_us_ = now_us;
    if (state_ == State::Closed) {
        return;
    }
    disconnect(DisconnectReason::Closed);
}

void Connection::disconnect(DisconnectReason reason) {
    if (state_ == State::Closed) {
        return;
    }
    state_ = State::Closed;
    if (sctp_) {
        sctp_->abort(); // ABORT chunk, sent through DTLS before close_notify
    }
    if (reason != DisconnectReason::PeerClosed && reason != DisconnectReason::HandshakeFailed) {
        dtls_.close();
    }
    for (std::size_t s = 0; s < channels_.size(); ++s) {
        if (channels_[s].open) {
            channels_[s] = Channel{};
            push_event(make_event(ConnectionEvent::Type::ChannelClosed, static_cast<std::uint16_t>(s)));
        }
    }
    push_event(make_event(ConnectionEvent::Type::Disconnected, 0, true, reason));
}

std::size_t Connection::queued_bytes() const {
    return sctp_ ? sctp_->buffered_bytes() : 0;
}

std::uint32_t Connection::max_message_size() const noexcept {
    std::uint32_t remote =
        config_.remote_max_message_size == 0 ? kOurMaxMessageSize : config_.remote_max_message_size;
    return std::min({remote, kOurMaxMessageSize, config_.sctp.max_message_size});
}

std::string_view Connection::channel_label(std::uint16_t channel) const noexcept {
    return channel < channels_.size() ? std::string_view(channels_[channel].label) : std::string_view();
}

bool Connection::channel_open(std::uint16_t channel) const noexcept {
    return channel < channels_.size() && channels_[channel].open;
}

// --- Output queues (byte arenas reused across calls: no allocation in steady state) ----------

void Connection::push_event(ConnectionEvent e, std::span<const std::uint8_t> data) {
    if (event_read_ == events_.size()) {
        events_.clear();
        event_bytes_.clear();
        event_read_ = 0;
    }
    QueuedEvent q{e, event_bytes_.size(), data.size()};
    event_bytes_.insert(event_bytes_.end(), data.begin(), data.end());
    events_.push_back(q);
}

bool Connection::poll_event(ConnectionEvent& out) {
    if (event_read_ >= events_.size()) {
        return false;
    }
    const QueuedEvent& q = events_[event_read_++];
    out = q.event;
    out.data = {event_bytes_.data() + q.offset, q.size};
    return true;
}

void Connection::push_transmit(const Address& to, std::span<const std::uint8_t> data) {
    if (transmit_read_ == transmits_.size()) {
        transmits_.clear();
        transmit_bytes_.clear();
        transmit_read_ = 0;
    }
    transmits_.push_back({to, transmit_bytes_.size(), data.size()});
    transmit_bytes_.insert(transmit_bytes_.end(), data.begin(), data.end());
    stats_.bytes_out += data.size();
}

bool Connection::poll_transmit(Transmit& out) {
    if (transmit_read_ >= transmits_.size()) {
        return false;
    }
    const QueuedTransmit& q = transmits_[transmit_read_++];
    out.to = q.to;
    out.data = {transmit_bytes_.data() + q.offset, q.size};
    return true;
}

} // namespace mgs::rtc
