#include "app/frontend.hpp"

#include "net/signaling_message.hpp"
#include "rtc/sdp.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace mgs::app {

namespace {
constexpr auto kTimerPeriod = std::chrono::milliseconds(100);
constexpr std::string_view kStateLabel = "state";
} // namespace

Frontend::Frontend(FrontendConfig config, metrics::Registry& metrics)
    : config_(std::move(config)), link_(config_.link), table_(config_.session, link_, *this, metrics),
      net_(config_.net, metrics, *this, *this), timer_(net_.io()), start_(std::chrono::steady_clock::now()) {
    signaling_errors_ =
        &metrics.counter("mgs_signaling_errors_total", "Signaling requests answered with an error");
    batches_ = &metrics.counter("mgs_outbound_batches_total",
                                "Batches of a tick's messages handed from the simulation to the network");
    link_.set_wake([this] {
        // One post per burst of publishes: the network thread takes every batch ready.
        if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
            boost::asio::post(net_.io(), [this] { on_wake(); });
        }
    });
}

Frontend::~Frontend() {
    stop();
}

std::int64_t Frontend::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_)
        .count();
}

bool Frontend::start(std::string& error) {
    if (!net_.start(error)) {
        return false;
    }
    boost::asio::post(net_.io(), [this] { arm_timer(); });
    return true;
}

void Frontend::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    net_.stop([this] {
        timer_.cancel();
        table_.end_all();
        ws_.clear();
    });
}

void Frontend::arm_timer() {
    timer_.expires_after(kTimerPeriod);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        table_.poll(now_ms());
        arm_timer();
    });
}

void Frontend::on_wake() {
    wake_pending_.store(false, std::memory_order_release);
    const std::int64_t now = now_ms();
    table_.poll(now); // players made this tick: their answers go out with the batch
    while (session::OutBatch* b = link_.take_batch()) {
        table_.deliver(*b, now);
        link_.give_back(b);
        batches_->inc();
    }
    net_.rtc().flush();
}

// --- Signaling --------------------------------------------------------------------------------

void Frontend::on_open(const std::shared_ptr<net::WsSession>& s) {
    ws_[s->id()] = s;
}

void Frontend::on_rate_limited(const std::shared_ptr<net::WsSession>& s) {
    signaling_errors_->inc();
    s->send_text(net::make_error_message("rate_limited", "too many signaling messages; slow down"));
}

void Frontend::on_message(const std::shared_ptr<net::WsSession>& ws, std::string_view data, bool binary) {
    if (binary) {
        // Game data over the WebSocket transport (the fallback when WebRTC cannot connect).
        table_.ws_message(ws->id(), {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()},
                          now_ms());
        return;
    }
    auto parsed = net::parse_client_message(data, config_.net.http.ws_max_message_bytes);
    if (auto* err = std::get_if<net::SignalingError>(&parsed)) {
        signaling_errors_->inc();
        ws->send_text(net::make_error_message(err->code, err->message));
        return;
    }
    auto& msg = std::get<net::ClientMessage>(parsed);
    if (auto* join = std::get_if<net::JoinRequest>(&msg)) {
        handle_join(ws, *join);
    } else if (std::holds_alternative<net::LeaveMessage>(msg)) {
        table_.leave(ws->id());
    }
    // Trickled candidates need nothing and get no reply: as an ICE-lite agent the server learns
    // the client's addresses from its authenticated checks.
}

void Frontend::handle_join(const std::shared_ptr<net::WsSession>& ws, net::JoinRequest& join) {
    const std::int64_t now = now_ms();
    const session::JoinResult r = table_.join(ws->id(), join, now);
    if (!r.ok) {
        return; // the table sent the error
    }
    if (join.websocket_transport) {
        table_.attach_websocket(r.session, now);
        return;
    }
    rtc::SessionDescription offer;
    std::string error;
    if (!rtc::parse_sdp(join.offer_sdp, offer, error)) {
        table_.join_failed(r.session, net::signaling_error::kBadOffer,
                           "the SDP offer cannot be used: " + error, now);
        return;
    }
    if (offer.setup == "passive") {
        // Both sides would wait for the other to start DTLS.
        table_.join_failed(r.session, net::signaling_error::kBadOffer,
                           "a=setup:passive cannot be used: the server is passive (offer actpass or active)",
                           now);
        return;
    }
    net::RtcServer::OfferError oe{};
    std::string answer;
    const std::uint64_t conn = net_.rtc().accept_offer(offer, answer, oe);
    if (conn == 0) {
        if (oe == net::RtcServer::OfferError::TooManyHandshakes) {
            table_.join_failed(r.session, net::signaling_error::kTooManyHandshakes,
                               "too many connections are being set up; retry in a few seconds", now);
        } else if (oe == net::RtcServer::OfferError::Full) {
            table_.join_failed(r.session, net::signaling_error::kServerFull,
                               "the server has no room for another connection", now);
        } else {
            table_.join_failed(r.session, net::signaling_error::kBadOffer,
                               "the SDP offer has no ICE credentials", now);
        }
        return;
    }
    table_.attach_rtc(r.session, conn, std::move(answer),
                      std::min(offer.max_message_size, config_.net.rtc.max_message_size), now);
}

void Frontend::on_close(const std::shared_ptr<net::WsSession>& ws) {
    ws_.erase(ws->id());
    table_.ws_closed(ws->id(), now_ms());
}

// --- WebRTC -----------------------------------------------------------------------------------

void Frontend::on_rtc_connected(std::uint64_t conn) {
    if (!table_.rtc_connected(conn)) {
        net_.rtc().close(conn);
        return;
    }
    rtc::ChannelOptions state;
    state.label = std::string(kStateLabel);
    state.ordered = false;
    state.max_retransmits = 0;
    net_.rtc().open_channel(conn, state);
}

void Frontend::on_rtc_channel_open(std::uint64_t conn, std::uint16_t channel, std::string_view label) {
    table_.rtc_channel_open(conn, channel, label);
}

void Frontend::on_rtc_message(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> data,
                              bool binary) {
    table_.rtc_message(conn, channel, data, binary, now_ms());
}

void Frontend::on_rtc_disconnected(std::uint64_t conn, rtc::DisconnectReason reason, bool was_connected) {
    spdlog::debug("connection {} gone: {} (was up: {})", conn, rtc::to_string(reason), was_connected);
    table_.rtc_disconnected(conn, now_ms());
}

// --- session::Transport -------------------------------------------------------------------------

void Frontend::send_text(std::uint64_t ws, std::string text) {
    if (auto it = ws_.find(ws); it != ws_.end()) {
        it->second->send_text(std::move(text));
    }
}

bool Frontend::send_binary(std::uint64_t ws, std::span<const std::uint8_t> bytes) {
    auto it = ws_.find(ws);
    if (it == ws_.end() || !it->second->open()) {
        return false;
    }
    it->second->send_binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    return true;
}

bool Frontend::send_rtc(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes) {
    return net_.rtc().send(conn, channel, bytes);
}

std::size_t Frontend::rtc_unacked_bytes(std::uint64_t conn) const {
    return net_.rtc().queued_bytes(conn);
}

void Frontend::close_ws(std::uint64_t ws, std::uint16_t code, std::string_view reason) {
    if (auto it = ws_.find(ws); it != ws_.end()) {
        it->second->close(code, std::string(reason));
    }
}

void Frontend::close_rtc(std::uint64_t conn) {
    net_.rtc().close(conn);
}

} // namespace mgs::app
