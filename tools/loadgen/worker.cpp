#include "worker.hpp"

#include "behaviour.hpp"
#include "input_sender.hpp"
#include "report.hpp"
#include "server_probe.hpp"

#include "core/rng.hpp"
#include "net/rtc_client.hpp"
#include "proto/game_generated.h"
#include "rtc/sctp.hpp"
#include "sync/receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <array>
#include <deque>
#include <iostream>
#include <istream>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mgs::loadgen {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr int kSlots = 8;                     // a client's tick comes every kSlots steps
constexpr std::size_t kMaxQueuedFrames = 256; // WebSocket-transport frames waiting to be written
constexpr int kLogsPerCode = 3;               // stderr lines per error code and worker
constexpr std::uint16_t kScoreboardTop = 10;

/// One WebSocket: signaling, and the game data of a WebSocket-transport client. Shared with its
/// pending handlers, so it outlives a client that drops it.
struct WsConn {
    explicit WsConn(asio::io_context& io) : ws(io) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::deque<std::vector<std::uint8_t>> queue; // frames to write, front being written
    bool writing = false;
};

struct Client {
    enum class State : std::uint8_t { Waiting, Signaling, Connecting, Up, Down, Failed };

    Client(int global_index, bool use_websocket, Behaviour::Kind kind, std::uint64_t seed)
        : index(global_index), websocket(use_websocket), behaviour(kind, seed) {}

    int index;
    bool websocket;
    State state = State::Waiting;
    std::uint32_t gen = 0; // connection attempt; handlers of an older one do nothing
    Clock::time_point attempt_start;

    std::shared_ptr<WsConn> ws;
    std::unique_ptr<net::RtcClient> rtc;
    std::unique_ptr<asio::posix::stream_descriptor> udp; // waits on rtc's socket, never owns it
    bool udp_waiting = false;
    int events_ch = -1;
    int state_ch = -1;

    std::string session; // resume token
    std::uint32_t player_id = 0;
    bool welcomed = false;
    bool got_snapshot = false; // this connection decoded one
    bool got_delta = false;    // ... and one encoded against an acknowledged one
    bool ever_up = false;
    bool ever_up_snapshot = false;
    bool in_storm = false;
    bool storm_back = false;
    bool held = false; // up when the hold began

    sync::SnapshotReceiver receiver;
    InputSender inputs;
    Behaviour behaviour;
    OwnAmmo ammo;
    std::int64_t next_chat_ms = 0;
    std::int64_t next_scoreboard_ms = 0;

    std::uint64_t snapshots = 0;
    std::uint64_t bytes_in = 0;
    Clock::time_point last_snapshot;
    std::uint64_t hold_snapshots0 = 0;
    std::uint64_t hold_bytes0 = 0;
};

class Worker {
public:
    Worker(const Options& o, int index, int cmd_fd, int out_fd, Clock::time_point t0)
        : o_(o), index_(index), out_fd_(out_fd), t0_(t0), start_(Clock::now()), cmd_(io_, cmd_fd), step_(io_),
          progress_(io_), server_(asio::ip::make_address(o.host), o.port) {
        for (int i = index; i < o.clients; i += o.threads) {
            const std::uint64_t seed = mix64(o.seed ^ mix64(static_cast<std::uint64_t>(i)));
            clients_.push_back(std::make_unique<Client>(
                i, o.uses_websocket(i),
                o.behaviour == "fight" ? Behaviour::Kind::Fight : Behaviour::Kind::Walk, seed));
            result_.websocket_clients += clients_.back()->websocket ? 1 : 0;
        }
        result_.clients = clients_.size();
        max_in_flight_ =
            std::max(1, o.max_in_flight / o.threads + (index < o.max_in_flight % o.threads ? 1 : 0));
    }

    int run() {
        std::string error;
        cert_ = rtc::DtlsCertificate::generate(error);
        if (!cert_) {
            std::cerr << "mgs-loadgen worker " << index_ << ": " << error << "\n";
            return 1;
        }
        read_command();
        schedule_step();
        schedule_progress();
        io_.run();
        return 0;
    }

private:
    // --- clocks ------------------------------------------------------------------------------
    [[nodiscard]] std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
    }
    [[nodiscard]] static double ms_between(Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
    }

    // --- messages to the main process --------------------------------------------------------
    void emit(const Json& j) {
        const std::string line = j.dump() + "\n";
        std::size_t off = 0;
        while (off < line.size()) {
            const ssize_t n = ::write(out_fd_, line.data() + off, line.size() - off);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                return; // the main process is gone; PR_SET_PDEATHSIG ends us
            }
            off += static_cast<std::size_t>(n);
        }
    }

    void log_error(const Client& c, const std::string& code, std::string message) {
        if (o_.quiet) return;
        for (char& ch : message) {
            if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
        }
        if (++logged_[code] <= kLogsPerCode) {
            std::cerr << "mgs-loadgen: client " << c.index << ": " << code << (message.empty() ? "" : ": ")
                      << message
                      << (logged_[code] == kLogsPerCode ? " (further " + code + " errors not shown)" : "")
                      << "\n";
        }
    }

    // --- commands from the main process ------------------------------------------------------
    void read_command() {
        asio::async_read_until(cmd_, cmd_buf_, '\n',
                               [this](const boost::system::error_code& ec, std::size_t) {
                                   if (ec) {
                                       io_.stop(); // the main process closed the pipe or died
                                       return;
                                   }
                                   std::istream in(&cmd_buf_);
                                   std::string line;
                                   std::getline(in, line);
                                   on_command(line);
                                   if (!finished_) read_command();
                               });
    }

    void on_command(const std::string& cmd) {
        if (cmd == "hold") {
            begin_hold();
        } else if (cmd == "hold_end") {
            end_hold();
        } else if (cmd == "storm") {
            begin_storm();
        } else if (cmd == "finish") {
            finish();
        }
    }

    void begin_hold() {
        phase_ = Phase::Hold;
        hold_start_ = Clock::now();
        hold_cpu0_ = self_cpu_ms();
        for (auto& c : clients_) {
            if (c->state == Client::State::Up) {
                c->held = true;
                c->hold_snapshots0 = c->snapshots;
                c->hold_bytes0 = c->bytes_in;
                ++result_.held;
            }
        }
    }

    void end_hold() {
        if (phase_ != Phase::Hold) return;
        phase_ = Phase::AfterHold;
        const double hold_s = ms_between(hold_start_, Clock::now()) / 1000.0;
        result_.hold_s = hold_s;
        result_.hold_cpu_ms = self_cpu_ms() - hold_cpu0_;
        result_.rss_kb = static_cast<double>(process_rss_kb(static_cast<int>(::getpid())));
        if (hold_s <= 0) return;
        for (auto& c : clients_) {
            if (!c->held) continue;
            result_.snapshots_per_client_s.add(static_cast<double>(c->snapshots - c->hold_snapshots0) /
                                               hold_s);
            result_.kbps_per_client.add(static_cast<double>(c->bytes_in - c->hold_bytes0) * 8.0 / 1000.0 /
                                        hold_s);
        }
    }

    void begin_storm() {
        phase_ = Phase::Storm;
        storm_start_ = Clock::now();
        for (auto& cp : clients_) {
            Client& c = *cp;
            if (c.state != Client::State::Up) continue;
            // Like a network change: the socket goes away and the server is not told.
            teardown(c);
            --up_;
            c.state = Client::State::Waiting;
            c.in_storm = true;
            ++result_.storm_clients;
            storm_queue_.push_back(&c);
        }
        storm_pending_ = result_.storm_clients;
        check_storm_done();
    }

    void finish() {
        finished_ = true;
        for (auto& cp : clients_) {
            Client& c = *cp;
            if (c.rtc && c.rtc->connection() != nullptr) {
                c.rtc->close(); // SCTP ABORT and DTLS close_notify: the server frees it at once
            }
            teardown(c);
        }
        result_.errors_by_code = errors_;
        Json r = result_.to_json();
        r["type"] = "result";
        r["worker"] = index_;
        emit(r);
        io_.stop();
    }

    // --- timers ------------------------------------------------------------------------------
    void schedule_step() {
        const auto period =
            std::chrono::nanoseconds(1'000'000'000LL / (static_cast<long long>(tick_hz_) * kSlots));
        next_step_ += period;
        if (next_step_ < Clock::now() - period * kSlots) {
            next_step_ = Clock::now(); // fell far behind (a stall): skip rather than burst
        }
        step_.expires_at(next_step_);
        step_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || finished_) return;
            if (phase_ == Phase::Hold) result_.loop_lag_ms.add(ms_between(next_step_, Clock::now()));
            step();
            schedule_step();
        });
    }

    void schedule_progress() {
        progress_.expires_after(std::chrono::seconds(1));
        progress_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || finished_) return;
            emit({{"type", "progress"}, {"up", up_}, {"failed", result_.failed}, {"in_flight", in_flight_}});
            schedule_progress();
        });
    }

    void step() {
        rtc::SctpStack::advance(static_cast<std::uint64_t>(now_us()));
        start_due_clients();
        check_handshakes();
        const int slot = slot_;
        slot_ = (slot_ + 1) % kSlots;
        for (std::size_t j = static_cast<std::size_t>(slot); j < clients_.size(); j += kSlots) {
            Client& c = *clients_[j];
            if (c.state != Client::State::Up) continue;
            if (!c.websocket) {
                service_rtc(c);
                if (c.state != Client::State::Up) continue;
            }
            play_tick(c);
        }
        check_ramp_done();
    }

    /// Timers of one WebRTC connection (consent checks, DTLS retransmissions) and what SCTP's
    /// timers queued; then its events.
    void service_rtc(Client& c) {
        if (c.rtc->now_us() >= c.rtc->next_timeout_us()) {
            c.bytes_in += c.rtc->drive();
        } else {
            c.rtc->send_pending();
        }
        process_rtc_events(c);
    }

    // --- starting clients --------------------------------------------------------------------
    void start_due_clients() {
        const double since_t0_s = ms_between(t0_, Clock::now()) / 1000.0;
        while (next_ramp_ < clients_.size() && in_flight_ < max_in_flight_) {
            Client& c = *clients_[next_ramp_];
            if (static_cast<double>(c.index) / o_.rate > since_t0_s) break;
            ++next_ramp_;
            if (result_.first_start_ms < 0) result_.first_start_ms = since_t0_s * 1000.0;
            start_attempt(c);
        }
        while (!storm_queue_.empty() && in_flight_ < max_in_flight_) {
            Client* c = storm_queue_.front();
            storm_queue_.pop_front();
            start_attempt(*c);
        }
    }

    void start_attempt(Client& c) {
        teardown(c);
        const std::uint32_t gen = ++c.gen;
        c.state = Client::State::Signaling;
        c.attempt_start = Clock::now();
        c.events_ch = -1;
        c.state_ch = -1;
        c.welcomed = false;
        c.got_snapshot = false;
        c.got_delta = false;
        c.receiver.reset();
        c.inputs.reset(); // a new connection numbers its inputs from 1 again
        ++in_flight_;
        pending_.push_back(&c);

        std::string join;
        const std::string name = "load" + std::to_string(c.index);
        const std::string resume = c.in_storm ? c.session : std::string();
        if (c.websocket) {
            Json j = {{"type", "join"}, {"name", name}, {"team", "auto"}, {"transport", "websocket"}};
            if (!resume.empty()) j["resume"] = resume;
            join = j.dump();
        } else {
            c.rtc = std::make_unique<net::RtcClient>(cert_);
            net::RtcClient::Options ro;
            ro.host = o_.host;
            ro.http_port = o_.port;
            ro.name = name;
            ro.resume_token = resume;
            std::string error;
            join = c.rtc->make_join(ro, error);
            if (join.empty()) {
                fail(c, "udp_socket", error);
                return;
            }
        }
        auto conn = std::make_shared<WsConn>(io_);
        c.ws = conn;
        auto& lowest = beast::get_lowest_layer(conn->ws);
        lowest.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(o_.connect_timeout_s)));
        lowest.async_connect(server_, [this, &c, gen, conn,
                                       join = std::move(join)](beast::error_code ec) mutable {
            if (gen != c.gen) return;
            if (ec) return fail(c, "connect", ec.message());
            conn->ws.async_handshake(
                o_.host + ":" + std::to_string(o_.port), "/ws",
                [this, &c, gen, conn, join = std::move(join)](beast::error_code hec) mutable {
                    if (gen != c.gen) return;
                    if (hec)
                        return fail(
                            c, hec == websocket::error::upgrade_declined ? "upgrade_refused" : "handshake",
                            hec.message());
                    auto text = std::make_shared<std::string>(std::move(join));
                    conn->ws.text(true);
                    conn->ws.async_write(asio::buffer(*text),
                                         [this, &c, gen, conn, text](beast::error_code wec, std::size_t) {
                                             if (gen != c.gen) return;
                                             if (wec) return fail(c, "signaling_write", wec.message());
                                             read_reply(c, gen, conn);
                                         });
                });
        });
    }

    /// The reply to the join. Binary frames before it (the WebSocket transport: the server may
    /// send game data at once) are game messages, as the web client takes them.
    void read_reply(Client& c, std::uint32_t gen, const std::shared_ptr<WsConn>& conn) {
        conn->ws.async_read(conn->buffer, [this, &c, gen, conn](beast::error_code ec, std::size_t n) {
            if (gen != c.gen) return;
            if (ec) return fail(c, "signaling_read", ec.message());
            if (conn->ws.got_binary()) {
                if (c.websocket) {
                    c.bytes_in += n;
                    const auto data = conn->buffer.data();
                    on_game_message(c, {static_cast<const std::uint8_t*>(data.data()), data.size()});
                }
                conn->buffer.consume(conn->buffer.size());
                if (gen == c.gen) read_reply(c, gen, conn);
                return;
            }
            std::string reply = beast::buffers_to_string(conn->buffer.data());
            conn->buffer.consume(conn->buffer.size());
            on_reply(c, reply);
        });
    }

    void on_reply(Client& c, const std::string& reply) {
        const Json msg = Json::parse(reply, nullptr, false);
        if (msg.is_discarded() || !msg.is_object()) {
            return fail(c, "bad_reply", reply.substr(0, 200));
        }
        const std::string type = msg.value("type", "");
        if (type == "error") {
            return fail(c, msg.value("code", "error"), msg.value("message", ""));
        }
        if (c.websocket) {
            if (type != "welcome") return fail(c, "bad_reply", reply.substr(0, 200));
            c.session = msg.value("session", c.session);
            result_.storm_resumed += c.in_storm && msg.value("resumed", false) ? 1 : 0;
            c.state = Client::State::Connecting; // until the binary Welcome
            beast::get_lowest_layer(c.ws->ws).expires_never();
            read_ws(c, c.gen);
            return;
        }
        net::RtcClient::Answer answer;
        std::string error;
        if (!c.rtc->accept_answer(reply, answer, error)) {
            return fail(c, "bad_answer", error);
        }
        c.session = answer.session;
        result_.storm_resumed += c.in_storm && answer.resumed ? 1 : 0;
        c.state = Client::State::Connecting;
        // Signaling is over: close the WebSocket politely (its handlers keep it alive until done).
        auto conn = std::move(c.ws);
        conn->ws.async_close(websocket::close_code::normal, [conn](beast::error_code) {});
        c.udp = std::make_unique<asio::posix::stream_descriptor>(io_, c.rtc->fd());
        arm_udp(c);
        process_rtc_events(c);
    }

    // --- WebRTC ------------------------------------------------------------------------------
    void arm_udp(Client& c) {
        if (c.udp_waiting || !c.udp) return;
        c.udp_waiting = true;
        const std::uint32_t gen = c.gen;
        c.udp->async_wait(asio::posix::descriptor_base::wait_read,
                          [this, &c, gen](const boost::system::error_code& ec) {
                              if (gen != c.gen || ec) return; // released (teardown) or a newer attempt
                              c.udp_waiting = false;
                              c.bytes_in += c.rtc->drive();
                              process_rtc_events(c);
                              if (gen == c.gen) arm_udp(c);
                          });
    }

    void process_rtc_events(Client& c) {
        const std::uint32_t gen = c.gen;
        rtc::ConnectionEvent e;
        while (gen == c.gen && c.rtc && c.rtc->poll_event(e)) {
            switch (e.type) {
            case rtc::ConnectionEvent::Type::Connected: {
                rtc::ChannelOptions events;
                events.label = "events";
                c.events_ch = c.rtc->open_channel(events);
                break;
            }
            case rtc::ConnectionEvent::Type::ChannelOpen:
                if (c.rtc->connection()->channel_label(e.channel) == "state") {
                    c.state_ch = e.channel;
                } else if (c.rtc->connection()->channel_label(e.channel) == "events") {
                    c.events_ch = e.channel;
                }
                break;
            case rtc::ConnectionEvent::Type::Message:
                on_game_message(c, e.data);
                break;
            case rtc::ConnectionEvent::Type::Disconnected:
                if (c.state == Client::State::Up) {
                    lost(c, std::string("webrtc_") + rtc::to_string(e.reason));
                } else {
                    const std::string dtls = c.rtc->connection()->dtls_error(); // teardown frees it
                    fail(c, std::string("webrtc_") + rtc::to_string(e.reason), dtls);
                }
                return;
            default:
                break;
            }
        }
        if (gen == c.gen) maybe_up(c);
    }

    // --- WebSocket transport -----------------------------------------------------------------
    void read_ws(Client& c, std::uint32_t gen) {
        auto conn = c.ws;
        conn->ws.async_read(conn->buffer, [this, &c, gen, conn](beast::error_code ec, std::size_t n) {
            if (gen != c.gen) return;
            if (ec) {
                const std::string why = ec == websocket::error::closed
                                            ? "websocket_closed_" + std::to_string(conn->ws.reason().code)
                                            : "websocket_" + ec.message();
                if (c.state == Client::State::Up) return lost(c, why);
                return fail(c, why, "");
            }
            if (conn->ws.got_binary()) {
                c.bytes_in += n;
                const auto data = conn->buffer.data();
                on_game_message(c, {static_cast<const std::uint8_t*>(data.data()), data.size()});
            }
            conn->buffer.consume(conn->buffer.size());
            if (gen == c.gen) read_ws(c, gen);
        });
    }

    void write_ws(Client& c, std::span<const std::uint8_t> bytes) {
        WsConn& conn = *c.ws;
        if (conn.queue.size() >= kMaxQueuedFrames) {
            ++result_.send_failures; // TCP stalled: do not grow without bound
            return;
        }
        conn.queue.emplace_back(bytes.begin(), bytes.end());
        if (!conn.writing) write_next(c, c.gen);
    }

    void write_next(Client& c, std::uint32_t gen) {
        auto conn = c.ws;
        conn->writing = true;
        conn->ws.binary(true);
        conn->ws.async_write(asio::buffer(conn->queue.front()),
                             [this, &c, gen, conn](beast::error_code ec, std::size_t) {
                                 conn->queue.pop_front();
                                 conn->writing = false;
                                 if (gen != c.gen) return;
                                 if (ec) return; // the read side reports the loss
                                 if (!conn->queue.empty()) write_next(c, gen);
                             });
    }

    // --- the game ----------------------------------------------------------------------------
    void send_game(Client& c, bool reliable, std::span<const std::uint8_t> bytes) {
        if (c.websocket) {
            if (c.ws) write_ws(c, bytes);
            return;
        }
        const int ch = reliable ? c.events_ch : c.state_ch;
        if (ch < 0 || !c.rtc->send(static_cast<std::uint16_t>(ch), bytes)) {
            ++result_.send_failures;
        }
    }

    void on_game_message(Client& c, std::span<const std::uint8_t> data) {
        flatbuffers::Verifier v(data.data(), data.size());
        if (!proto::VerifyEnvelopeBuffer(v)) {
            ++result_.bad_messages;
            return;
        }
        const proto::Envelope* env = proto::GetEnvelope(data.data());
        switch (env->message_type()) {
        case proto::Message::Welcome: {
            const proto::Welcome* w = env->message_as_Welcome();
            c.player_id = w->player_id();
            c.welcomed = true;
            ++result_.welcomes;
            if (w->tick_hz() > 0) tick_hz_ = std::min<int>(w->tick_hz(), 240);
            if (c.state == Client::State::Connecting) maybe_up(c);
            break;
        }
        case proto::Message::Snapshot:
            on_snapshot(c, *env->message_as_Snapshot());
            break;
        case proto::Message::Events:
            ++result_.events;
            break;
        case proto::Message::Chat:
            ++result_.chats_received;
            break;
        case proto::Message::Scoreboard:
            ++result_.scoreboards_received;
            break;
        case proto::Message::Pong:
            ++result_.pongs;
            break;
        default:
            break;
        }
    }

    void on_snapshot(Client& c, const proto::Snapshot& snap) {
        const std::uint64_t resyncs_before = c.receiver.stats().resyncs;
        const auto r = c.receiver.receive(snap);
        result_.resyncs += c.receiver.stats().resyncs - resyncs_before;
        switch (r) {
        case sync::ReceiveResult::Ok:
            break;
        case sync::ReceiveResult::Stale:
            ++result_.stale;
            return;
        case sync::ReceiveResult::BaselineMissing:
            ++result_.view_errors;
            result_.storm_view_errors += c.in_storm ? 1 : 0;
            log_error(c, "view_error",
                      "snapshot " + std::to_string(snap.header()->id()) + " against baseline " +
                          std::to_string(snap.header()->baseline()) + ", which it does not hold" +
                          (c.in_storm ? " (after its resume)" : ""));
            return;
        case sync::ReceiveResult::DecodeError:
        case sync::ReceiveResult::Inconsistent:
            ++result_.decode_errors;
            result_.storm_decode_errors += c.in_storm ? 1 : 0;
            log_error(c, sync::to_string(r),
                      snap.header() != nullptr ? "snapshot " + std::to_string(snap.header()->id())
                                               : "no header");
            return;
        }
        const Clock::time_point now = Clock::now();
        if (phase_ == Phase::Hold && c.held && c.got_snapshot) {
            result_.snapshot_gap_ms.add(ms_between(c.last_snapshot, now));
        }
        c.last_snapshot = now;
        ++c.snapshots;
        ++result_.snapshots;
        // A full snapshot once deltas had started: the server no longer had the acknowledged one.
        if (snap.header()->baseline() == 0 && c.got_delta) ++result_.snapshots_full;
        c.got_delta = c.got_delta || snap.header()->baseline() != 0;
        if (!c.got_snapshot && !c.in_storm && !c.ever_up_snapshot) {
            c.ever_up_snapshot = true;
            result_.first_snapshot_ms.add(ms_between(c.attempt_start, now));
        }
        c.got_snapshot = true;
        const bool measure = phase_ == Phase::Hold && c.held;
        c.inputs.acknowledge(snap.header()->last_input(), now_us(), [&](std::int64_t latency_us) {
            if (measure) result_.input_to_snapshot_ms.add(static_cast<double>(latency_us) / 1000.0);
        });
        if (const proto::OwnState* me = snap.me()) {
            const std::array<std::int16_t, 4> mag{me->magazine_pistol(), me->magazine_shotgun(),
                                                  me->magazine_rifle(), me->magazine_sniper()};
            const std::array<std::int16_t, 4> res{me->reserve_pistol(), me->reserve_shotgun(),
                                                  me->reserve_rifle(), me->reserve_sniper()};
            const std::size_t w = std::min<std::size_t>(me->weapon(), 3);
            c.ammo = {true, static_cast<std::uint8_t>(w), mag[w], res[w], me->reload_done_tick()};
        }
        if (c.in_storm) check_storm_back(c);
    }

    void maybe_up(Client& c) {
        if (c.state != Client::State::Connecting || !c.welcomed) return;
        if (!c.websocket && (c.events_ch < 0 || c.state_ch < 0)) return;
        c.state = Client::State::Up;
        --in_flight_;
        ++up_;
        const Clock::time_point now = Clock::now();
        if (!c.in_storm) {
            ++result_.connected;
            c.ever_up = true;
            result_.handshake_ms.add(ms_between(c.attempt_start, now));
            result_.last_up_ms = ms_between(t0_, now);
        }
        const double now_ms = static_cast<double>(now_us()) / 1000.0;
        if (o_.chat_interval_s > 0) {
            c.next_chat_ms = static_cast<std::int64_t>(
                now_ms + 1000.0 * o_.chat_interval_s * static_cast<double>(c.behaviour.uniform(0.0f, 1.0f)));
        }
        if (o_.scoreboard_interval_s > 0) {
            c.next_scoreboard_ms =
                static_cast<std::int64_t>(now_ms + 1000.0 * o_.scoreboard_interval_s *
                                                       static_cast<double>(c.behaviour.uniform(0.0f, 1.0f)));
        }
        if (c.in_storm) check_storm_back(c);
    }

    /// One tick of a client that is up: its input batch, and now and then a chat line or a
    /// scoreboard request.
    void play_tick(Client& c) {
        const std::int64_t t_us = now_us();
        const std::int64_t t_ms = t_us / 1000;
        const Controls ctl = c.behaviour.decide(
            t_ms, fight_ ? c.receiver.latest() : std::span<const sync::ViewEntry>(), c.player_id, c.ammo);
        const auto batch = c.inputs.sample(ctl, static_cast<std::uint32_t>(t_ms), c.receiver.ack_id(), t_us);
        build_input_batch(fbb_, batch, c.receiver.needs_resync());
        result_.resync_batches += c.receiver.needs_resync() ? 1 : 0;
        send_game(c, false, {fbb_.GetBufferPointer(), fbb_.GetSize()});
        ++result_.inputs_sent;
        ++result_.batches_sent;
        if (c.state != Client::State::Up) return;
        // Both stay far under the request limit (2 per second, bursts of 8).
        if (o_.chat_interval_s > 0 && t_ms >= c.next_chat_ms) {
            c.next_chat_ms =
                t_ms + static_cast<std::int64_t>(1000.0 * o_.chat_interval_s *
                                                 static_cast<double>(c.behaviour.uniform(0.5f, 1.5f)));
            build_chat(fbb_, "gg from load" + std::to_string(c.index), false);
            send_game(c, true, {fbb_.GetBufferPointer(), fbb_.GetSize()});
            ++result_.chats_sent;
        }
        if (o_.scoreboard_interval_s > 0 && t_ms >= c.next_scoreboard_ms && c.state == Client::State::Up) {
            c.next_scoreboard_ms =
                t_ms + static_cast<std::int64_t>(1000.0 * o_.scoreboard_interval_s *
                                                 static_cast<double>(c.behaviour.uniform(0.5f, 1.5f)));
            build_scoreboard_request(fbb_, kScoreboardTop);
            send_game(c, true, {fbb_.GetBufferPointer(), fbb_.GetSize()});
            ++result_.scoreboards_sent;
        }
    }

    // --- endings -----------------------------------------------------------------------------
    /// Drops everything of the current attempt without telling the server.
    void teardown(Client& c) {
        ++c.gen;
        if (c.udp) {
            c.udp->release(); // cancels the wait; the socket belongs to rtc
            c.udp.reset();
        }
        c.udp_waiting = false;
        c.rtc.reset();
        if (c.ws) {
            beast::error_code ignored;
            beast::get_lowest_layer(c.ws->ws).socket().close(ignored);
            c.ws.reset();
        }
    }

    void count_error(const std::string& code) { ++errors_[code]; }

    /// An attempt that did not come up.
    void fail(Client& c, const std::string& code, const std::string& message) {
        if (c.state == Client::State::Signaling || c.state == Client::State::Connecting) --in_flight_;
        teardown(c);
        c.state = Client::State::Failed;
        count_error(code);
        log_error(c, code, message);
        if (c.in_storm) {
            ++result_.storm_failed;
            --storm_pending_;
            check_storm_done();
        } else {
            ++result_.failed;
        }
    }

    /// A connection that was up and went away.
    void lost(Client& c, const std::string& why) {
        teardown(c);
        c.state = Client::State::Down;
        --up_;
        count_error("lost_" + why);
        log_error(c, "lost_" + why, "");
        if (c.in_storm) {
            if (!c.storm_back) {
                ++result_.storm_failed;
                --storm_pending_;
                check_storm_done();
            }
        } else if (phase_ == Phase::Ramp) {
            ++result_.disconnected_before_hold;
        } else if (phase_ == Phase::Hold && c.held) {
            ++result_.disconnected_during_hold;
        }
    }

    void check_handshakes() {
        const Clock::time_point now = Clock::now();
        const auto limit = std::chrono::duration<double>(o_.connect_timeout_s);
        std::size_t keep = 0;
        for (Client* c : pending_) {
            if (c->state != Client::State::Signaling && c->state != Client::State::Connecting) continue;
            if (now - c->attempt_start > limit) {
                fail(*c, "timeout", c->websocket ? "no Welcome in time" : "no Welcome or channels in time");
                continue;
            }
            if (c->state == Client::State::Connecting && !c->websocket) {
                service_rtc(*c);
                if (c->state != Client::State::Signaling && c->state != Client::State::Connecting) continue;
            }
            pending_[keep++] = c;
        }
        pending_.resize(keep);
    }

    void check_ramp_done() {
        if (ramp_done_ || next_ramp_ < clients_.size() || in_flight_ > 0) return;
        ramp_done_ = true;
        emit({{"type", "ramp_done"}, {"up", up_}, {"failed", result_.failed}});
    }

    void check_storm_back(Client& c) {
        if (c.storm_back || c.state != Client::State::Up || !c.got_snapshot) return;
        c.storm_back = true;
        const double ms = ms_between(storm_start_, Clock::now());
        result_.storm_back_ms.add(ms);
        ++result_.storm_back;
        storm_last_back_ms_ = std::max(storm_last_back_ms_, ms);
        --storm_pending_;
        check_storm_done();
    }

    void check_storm_done() {
        if (phase_ != Phase::Storm || storm_done_ || storm_pending_ > 0) return;
        storm_done_ = true;
        emit({{"type", "storm_done"},
              {"all_back_ms", result_.storm_failed == 0 ? Json(storm_last_back_ms_) : Json(nullptr)}});
    }

    enum class Phase : std::uint8_t { Ramp, Hold, AfterHold, Storm };

    const Options& o_;
    const int index_;
    const int out_fd_;
    const Clock::time_point t0_;
    const Clock::time_point start_;
    asio::io_context io_;
    asio::posix::stream_descriptor cmd_;
    asio::streambuf cmd_buf_;
    asio::steady_timer step_;
    asio::steady_timer progress_;
    Clock::time_point next_step_ = Clock::now();
    int slot_ = 0;
    int tick_hz_ = 30; // the server's, from the first Welcome
    const bool fight_ = o_.behaviour == "fight";
    asio::ip::tcp::endpoint server_;
    std::shared_ptr<const rtc::DtlsCertificate> cert_;

    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<Client*> pending_; // handshakes in flight
    std::deque<Client*> storm_queue_;
    std::size_t next_ramp_ = 0;
    int in_flight_ = 0;
    int max_in_flight_ = 1;
    std::uint64_t up_ = 0;
    Phase phase_ = Phase::Ramp;
    bool ramp_done_ = false;
    bool finished_ = false;
    Clock::time_point hold_start_;
    double hold_cpu0_ = 0;
    Clock::time_point storm_start_;
    std::uint64_t storm_pending_ = 0;
    bool storm_done_ = false;
    double storm_last_back_ms_ = 0;

    WorkerResult result_;
    std::map<std::string, std::uint64_t> errors_;
    std::map<std::string, int> logged_;
    flatbuffers::FlatBufferBuilder fbb_{256};
};

} // namespace

int run_worker(const Options& o, int index, int cmd_fd, int out_fd, Clock::time_point t0) {
    // Never destroyed: the process ends right after (the caller _exits), and tearing down
    // thousands of connections and pending handlers would only cost time.
    auto* w = new Worker(o, index, cmd_fd, out_fd, t0);
    return w->run();
}

} // namespace mgs::loadgen
