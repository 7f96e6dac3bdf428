// The front end (app::Frontend: the network thread's ports wired to the session layer) end to end
// over real loopback sockets: signaling on /ws, the WebRTC port, sessions and resume, limits and
// garbage, and the link to a game thread (here a small stand-in for app::GameSync). The client is
// our own rtc/ stack (RtcClient); the interop tests (ctest interop_*) do the same with Chromium
// and libdatachannel. The session rules themselves are tested on a virtual clock in
// tests/session/.
#include "app/frontend.hpp"
#include "net/rtc_client.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace mgs::app {
namespace {

using net::make_ping;
using net::read_pong;
using net::RtcClient;

using namespace std::chrono_literals;

std::shared_ptr<rtc::DtlsCertificate> client_cert() {
    static auto c = [] {
        std::string e;
        return rtc::DtlsCertificate::generate(e);
    }();
    return c;
}

FrontendConfig local_config() {
    FrontendConfig f;
    net::NetConfig& c = f.net;
    c.http.bind_address = "127.0.0.1";
    c.http.port = 0;
    c.http.signaling_rate_per_s = 1000;
    c.http.signaling_burst = 1000;
    c.rtc.bind_address = "127.0.0.1";
    c.rtc.port = 0;
    c.rtc.public_ips = {"127.0.0.1"};
    f.link.max_sessions = 16;
    return f;
}

std::string http_get(std::uint16_t port, const std::string& target) {
    namespace beast = boost::beast;
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    beast::http::request<beast::http::string_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    return res.body();
}

using WebSocket = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;

/// A WebSocket to the server's /ws, for raw signaling.
std::unique_ptr<WebSocket> open_ws(boost::asio::io_context& io, std::uint16_t port) {
    boost::asio::ip::tcp::resolver resolver(io);
    auto ws = std::make_unique<WebSocket>(io);
    boost::asio::connect(ws->next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws->handshake("127.0.0.1", "/ws");
    return ws;
}

/// Sends one signaling text message and returns the first reply.
nlohmann::json signal_once(std::uint16_t port, const std::string& text) {
    namespace beast = boost::beast;
    boost::asio::io_context io;
    auto wsp = open_ws(io, port);
    WebSocket& ws = *wsp;
    ws.write(boost::asio::buffer(text));
    beast::flat_buffer buf;
    ws.read(buf);
    return nlohmann::json::parse(beast::buffers_to_string(buf.data()));
}

double metric(std::uint16_t port, const std::string& line_prefix) {
    const std::string text = http_get(port, "/metrics");
    const auto pos = text.find("\n" + line_prefix + " ");
    if (pos == std::string::npos) {
        return -1;
    }
    return std::stod(text.substr(pos + line_prefix.size() + 2));
}

/// A connected client: signaled, channels open both ways.
struct Client {
    RtcClient rtc{client_cert()};
    RtcClient::Answer answer;
    int events = -1;
    int state = -1;
    bool disconnected = false;
    std::vector<std::pair<int, std::vector<std::uint8_t>>> messages;

    bool connect(std::uint16_t port, const std::string& resume = {}, std::string* error = nullptr) {
        RtcClient::Options o;
        o.http_port = port;
        o.name = "tester";
        o.resume_token = resume;
        std::string err;
        if (!rtc.signal(o, answer, err)) {
            if (error != nullptr) {
                *error = err;
            }
            return false;
        }
        return run_until([&] { return events >= 0 && state >= 0; }, 5s);
    }

    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            rtc::SctpStack::advance(rtc.now_us());
            rtc.drive();
            rtc::ConnectionEvent e;
            while (rtc.poll_event(e)) {
                if (e.type == rtc::ConnectionEvent::Type::Connected) {
                    rtc::ChannelOptions o;
                    o.label = "events";
                    events = rtc.open_channel(o);
                } else if (e.type == rtc::ConnectionEvent::Type::ChannelOpen &&
                           rtc.connection()->channel_label(e.channel) == "state") {
                    state = e.channel;
                } else if (e.type == rtc::ConnectionEvent::Type::Message) {
                    messages.emplace_back(e.channel, std::vector<std::uint8_t>(e.data.begin(), e.data.end()));
                } else if (e.type == rtc::ConnectionEvent::Type::Disconnected) {
                    disconnected = true;
                }
            }
            if (done()) {
                return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    bool ping_pong(int channel, std::uint32_t id, std::size_t payload) {
        const auto ping = make_ping(id, 1.5, payload);
        if (!rtc.send(static_cast<std::uint16_t>(channel), ping)) {
            return false;
        }
        return run_until(
            [&] {
                for (const auto& [ch, m] : messages) {
                    std::uint32_t got = 0;
                    double t = 0;
                    std::size_t n = 0;
                    if (ch == channel && read_pong(m, got, t, n) && got == id && n == payload && t == 1.5) {
                        return true;
                    }
                }
                return false;
            },
            3s);
    }
};

/// The front end and a stand-in for the game on its own thread: it makes a player for each join
/// (ids from 42), follows every session's input slot, takes requests, and sends what a test hands
/// it, as app::GameSync does through the same GameLink.
struct Server {
    metrics::Registry registry;
    Frontend net;
    std::atomic<bool> stop{false};
    std::thread game;

    std::atomic<int> joins{0};
    std::atomic<int> leaves{0};
    std::atomic<std::uint32_t> next_player{42};
    std::mutex mutex; // guards what follows, shared with the test thread
    std::vector<session::SessionRef> sessions;
    std::vector<session::InputState> inputs; // per entry of `sessions`, as last read
    std::vector<session::Request> requests;
    std::vector<std::pair<bool, std::vector<std::uint8_t>>> to_send; // reliable?, bytes: to sessions[0]

    explicit Server(FrontendConfig c = local_config()) : net(std::move(c), registry) {
        std::string error;
        EXPECT_TRUE(net.start(error)) << error;
        game = std::thread([this] { run_game(); });
    }
    ~Server() {
        stop = true;
        game.join();
        net.stop();
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    session::InputState input_of(std::size_t i) {
        const std::lock_guard lock(mutex);
        return i < inputs.size() ? inputs[i] : session::InputState{};
    }

private:
    void run_game() {
        session::GameLink& link = net.link();
        std::uint32_t tick = 0;
        while (!stop.load()) {
            session::Control c;
            while (link.poll_control(c)) {
                const std::lock_guard lock(mutex);
                if (c.type == session::Control::Type::Join) {
                    ++joins;
                    sessions.push_back(c.session);
                    inputs.emplace_back();
                    if (!c.spectate) {
                        link.reply({c.session, next_player++});
                    }
                } else {
                    ++leaves;
                }
            }
            {
                const std::lock_guard lock(mutex);
                for (std::size_t i = 0; i < sessions.size(); ++i) {
                    session::InputState st;
                    if (link.read_input(sessions[i].slot, st) && st.generation == sessions[i].generation) {
                        inputs[i] = st;
                    }
                }
                session::Request r;
                while (link.poll_request(r)) {
                    requests.push_back(r);
                }
                if (!to_send.empty() && !sessions.empty() && inputs[0].ready) {
                    for (const auto& [reliable, bytes] : to_send) {
                        link.batch().add(sessions[0], inputs[0].epoch,
                                         reliable ? session::OutBatch::Channel::Events
                                                  : session::OutBatch::Channel::State,
                                         bytes);
                    }
                    to_send.clear();
                }
            }
            (void)link.publish(++tick);
            std::this_thread::sleep_for(1ms);
        }
    }
};

TEST(Frontend, ServesHealthAndMetrics) {
    Server s;
    EXPECT_EQ(http_get(s.net.http_port(), "/healthz"), "ok\n");
    const std::string m = http_get(s.net.http_port(), "/metrics");
    for (const char* name :
         {"mgs_clients_connected", "mgs_handshakes_total", "mgs_handshake_failures_total",
          "mgs_udp_dropped_total{reason=", "mgs_bytes_sent_total", "mgs_bytes_received_total"}) {
        EXPECT_NE(m.find(name), std::string::npos) << name;
    }
}

TEST(Frontend, ClientConnectsOpensBothChannelsAndGetsPongs) {
    Server s;
    Client c;
    std::string error;
    ASSERT_TRUE(c.connect(s.net.http_port(), {}, &error)) << error;
    EXPECT_FALSE(c.answer.session.empty());
    EXPECT_FALSE(c.answer.resumed);
    EXPECT_TRUE(c.ping_pong(c.events, 1, 0));
    EXPECT_TRUE(c.ping_pong(c.state, 2, 100));
    // A large reliable message, near the negotiated limit.
    EXPECT_TRUE(c.ping_pong(c.events, 3, 60'000));
    EXPECT_EQ(metric(s.net.http_port(), "mgs_clients_connected"), 1);
    EXPECT_EQ(metric(s.net.http_port(), "mgs_handshakes_total"), 1);
    EXPECT_GT(metric(s.net.http_port(), "mgs_bytes_sent_total"), 60'000);
}

TEST(Frontend, ResumeWithTheTokenKeepsThePlayer) {
    Server s;
    auto first = std::make_unique<Client>();
    ASSERT_TRUE(first->connect(s.net.http_port()));
    const RtcClient::Answer a = first->answer;
    first->rtc.close(); // the client goes away (SCTP ABORT, close_notify)
    first.reset();
    Client again;
    std::string error;
    ASSERT_TRUE(again.connect(s.net.http_port(), a.session, &error)) << error;
    EXPECT_TRUE(again.answer.resumed);
    EXPECT_EQ(again.answer.player_id, a.player_id);
    EXPECT_EQ(again.answer.session, a.session);
    EXPECT_TRUE(again.ping_pong(again.events, 9, 10));
    // An unknown token is refused with a clear error.
    Client stranger;
    EXPECT_FALSE(stranger.connect(s.net.http_port(), "not-a-token", &error));
    EXPECT_NE(error.find("resume_failed"), std::string::npos) << error;
}

TEST(Frontend, SessionEndsAfterTheGrace) {
    FrontendConfig c = local_config();
    c.session.resume_grace_s = 0;
    Server s(c);
    Client first;
    ASSERT_TRUE(first.connect(s.net.http_port()));
    const std::string token = first.answer.session;
    first.rtc.close();
    // The grace is checked every 100 ms; the game is told the player left.
    EXPECT_TRUE(first.run_until([&] { return s.leaves.load() == 1; }, 3s));
    Client again;
    std::string error;
    EXPECT_FALSE(again.connect(s.net.http_port(), token, &error));
    EXPECT_NE(error.find("resume_failed"), std::string::npos) << error;
}

TEST(Frontend, FullServerSaysSo) {
    FrontendConfig c = local_config();
    c.session.max_players = 1;
    Server s(c);
    Client first;
    ASSERT_TRUE(first.connect(s.net.http_port()));
    Client second;
    std::string error;
    EXPECT_FALSE(second.connect(s.net.http_port(), {}, &error));
    EXPECT_NE(error.find("server_full"), std::string::npos) << error;
    EXPECT_NE(error.find("full"), std::string::npos);
    EXPECT_TRUE(first.ping_pong(first.events, 4, 0)); // the admitted client is unaffected
}

TEST(Frontend, BadSignalingGetsClearErrors) {
    Server s;
    const auto port = s.net.http_port();
    auto r = signal_once(port, "not json");
    EXPECT_EQ(r["type"], "error");
    EXPECT_EQ(r["code"], "bad_request");
    r = signal_once(port, R"({"type":"join","name":"x","offer":"v=0\r\n"})");
    EXPECT_EQ(r["code"], "bad_offer");
    EXPECT_NE(r["message"].get<std::string>().find("SDP"), std::string::npos);
    r = signal_once(port, R"({"type":"join","name":""})");
    EXPECT_EQ(r["code"], "bad_request");
    // An offer that is fine but passive: both sides would wait for DTLS to start.
    const std::string passive = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                                "a=fingerprint:sha-256 " +
                                [] {
                                    std::string fp;
                                    for (int i = 0; i < 32; ++i) fp += i == 0 ? "AB" : ":AB";
                                    return fp;
                                }() +
                                "\r\na=setup:passive\r\na=mid:0\r\na=sctp-port:5000\r\n";
    r = signal_once(port, nlohmann::json{{"type", "join"}, {"name", "p"}, {"offer", passive}}.dump());
    EXPECT_EQ(r["code"], "bad_offer") << r.dump();
    EXPECT_NE(r["message"].get<std::string>().find("a=setup:passive"), std::string::npos) << r.dump();
    // Its session was forgotten: a trickled candidate gets no reply, the next join does.
    r = signal_once(port, R"({"type":"join","name":"x","offer":"v=0\r\n"})");
    EXPECT_EQ(r["code"], "bad_offer");
}

TEST(Frontend, WebSocketTransportFallbackCarriesGameMessages) {
    Server s;
    namespace beast = boost::beast;
    boost::asio::io_context io;
    auto wsp = open_ws(io, s.net.http_port());
    WebSocket& ws = *wsp;
    ws.write(boost::asio::buffer(std::string(R"({"type":"join","name":"udpless","transport":"websocket"})")));
    beast::flat_buffer buf;
    ws.read(buf);
    const auto welcome = nlohmann::json::parse(beast::buffers_to_string(buf.data()));
    ASSERT_EQ(welcome["type"], "welcome") << welcome.dump();
    EXPECT_EQ(welcome["transport"], "websocket");
    // The Welcome comes first on the data path, then the Pong to our Ping.
    buf.clear();
    ws.read(buf);
    {
        const auto* w = static_cast<const std::uint8_t*>(buf.data().data());
        flatbuffers::Verifier v(w, buf.size());
        ASSERT_TRUE(proto::VerifyEnvelopeBuffer(v));
        ASSERT_NE(proto::GetEnvelope(w)->message_as_Welcome(), nullptr);
    }
    buf.clear();
    ws.binary(true);
    const auto ping = make_ping(77, 3.0, 32);
    ws.write(boost::asio::buffer(ping));
    ws.read(buf);
    const auto* p = static_cast<const std::uint8_t*>(buf.data().data());
    std::uint32_t id = 0;
    double t = 0;
    std::size_t n = 0;
    ASSERT_TRUE(read_pong({p, buf.size()}, id, t, n));
    EXPECT_EQ(id, 77u);
    EXPECT_EQ(n, 32u);
}

TEST(Frontend, InputsReachTheGameAndSnapshotsReachTheClient) {
    Server s;
    Client cl;
    ASSERT_TRUE(cl.connect(s.net.http_port()));
    EXPECT_EQ(cl.answer.player_id, 42u);
    // The Welcome arrives on `events`.
    EXPECT_TRUE(cl.run_until(
        [&] {
            for (const auto& [ch, m] : cl.messages) {
                flatbuffers::Verifier v(m.data(), m.size());
                if (ch == cl.events && proto::VerifyEnvelopeBuffer(v) &&
                    proto::GetEnvelope(m.data())->message_as_Welcome() != nullptr) {
                    return proto::GetEnvelope(m.data())->message_as_Welcome()->player_id() == 42u;
                }
            }
            return false;
        },
        3s));
    // The game sees the connection ready (its first epoch).
    EXPECT_TRUE(cl.run_until([&] { return s.input_of(0).ready && s.input_of(0).epoch == 1; }, 3s));
    // Inputs on `state` reach the game's slot: the newest one, with every press counted.
    for (std::uint32_t seq = 1; seq <= 5; ++seq) {
        flatbuffers::FlatBufferBuilder b;
        const auto in = proto::CreateInput(b, seq, 0, 1, 0, 0.5f, proto::InputButtons::Fire, -1, seq + 100);
        b.Finish(proto::CreateEnvelope(b, proto::Message::Input, in.Union()));
        cl.rtc.send(static_cast<std::uint16_t>(cl.state), {b.GetBufferPointer(), b.GetSize()});
    }
    EXPECT_TRUE(cl.run_until([&] { return s.input_of(0).seq == 5 && s.input_of(0).inputs == 5; }, 3s))
        << s.input_of(0).inputs;
    const session::InputState st = s.input_of(0);
    EXPECT_EQ(st.move_x, 1);
    EXPECT_FLOAT_EQ(st.aim, 0.5f);
    EXPECT_EQ(st.presses[0], 5);
    EXPECT_EQ(st.ack, 105u);
    // A message from the game reaches the client on `state`, one on `events` too.
    const std::vector<std::uint8_t> payload = make_ping(9, 1.0, 0);
    const std::vector<std::uint8_t> reliable = make_ping(10, 1.0, 0);
    {
        const std::lock_guard lock(s.mutex);
        s.to_send.emplace_back(false, payload);
        s.to_send.emplace_back(true, reliable);
    }
    EXPECT_TRUE(cl.run_until(
        [&] {
            bool got_state = false, got_events = false;
            for (const auto& [ch, m] : cl.messages) {
                got_state = got_state || (ch == cl.state && m == payload);
                got_events = got_events || (ch == cl.events && m == reliable);
            }
            return got_state && got_events;
        },
        3s));
}

TEST(Frontend, ChatAndScoreboardRequestsReachTheGameAndFloodsAreLimited) {
    FrontendConfig c = local_config();
    c.session.request_rate_per_s = 1;
    c.session.request_burst = 3;
    Server s(c);
    Client cl;
    ASSERT_TRUE(cl.connect(s.net.http_port()));
    // Requests count once the connection is welcomed (the game sees it ready).
    EXPECT_TRUE(cl.run_until([&] { return s.input_of(0).ready; }, 3s));
    {
        flatbuffers::FlatBufferBuilder b;
        b.Finish(proto::CreateEnvelope(b, proto::Message::ScoreboardRequest,
                                       proto::CreateScoreboardRequest(b, 5).Union()));
        cl.rtc.send(static_cast<std::uint16_t>(cl.events), {b.GetBufferPointer(), b.GetSize()});
    }
    for (int i = 0; i < 20; ++i) {
        flatbuffers::FlatBufferBuilder b;
        const auto chat = proto::CreateChatSend(b, b.CreateString(i == 0 ? "first" : "spam"), true);
        b.Finish(proto::CreateEnvelope(b, proto::Message::ChatSend, chat.Union()));
        cl.rtc.send(static_cast<std::uint16_t>(cl.events), {b.GetBufferPointer(), b.GetSize()});
    }
    EXPECT_TRUE(cl.run_until(
        [&] { return metric(s.net.http_port(), "mgs_requests_dropped_total{reason=\"rate\"}") >= 17; }, 3s));
    const auto count = [&](session::Request::Type t) {
        const std::lock_guard lock(s.mutex);
        return std::count_if(s.requests.begin(), s.requests.end(),
                             [&](const session::Request& r) { return r.type == t; });
    };
    // The game thread polls every millisecond: let it take what was let through.
    EXPECT_TRUE(cl.run_until(
        [&] {
            return count(session::Request::Type::Scoreboard) == 1 && count(session::Request::Type::Chat) >= 2;
        },
        3s));
    const std::lock_guard lock(s.mutex);
    const auto chats = std::count_if(s.requests.begin(), s.requests.end(), [](const session::Request& r) {
        return r.type == session::Request::Type::Chat;
    });
    EXPECT_GE(chats, 2); // the burst of 3, less the scoreboard request
    EXPECT_LE(chats, 4); // plus what refilled meanwhile
    ASSERT_FALSE(s.requests.empty());
    EXPECT_EQ(s.requests[0].type, session::Request::Type::Scoreboard);
    EXPECT_EQ(s.requests[0].top, 5);
    const auto first = std::find_if(s.requests.begin(), s.requests.end(), [](const session::Request& r) {
        return r.type == session::Request::Type::Chat;
    });
    ASSERT_NE(first, s.requests.end());
    EXPECT_EQ(std::string_view(first->text.data(), first->text_len), "first");
    EXPECT_TRUE(first->team_only);
}

TEST(Frontend, InputFloodIsRateLimited) {
    FrontendConfig c = local_config();
    c.session.input_rate_per_s = 10;
    c.session.input_burst = 5;
    Server s(c);
    Client cl;
    ASSERT_TRUE(cl.connect(s.net.http_port()));
    EXPECT_TRUE(cl.run_until([&] { return s.input_of(0).ready; }, 3s));
    for (std::uint32_t seq = 1; seq <= 50; ++seq) {
        flatbuffers::FlatBufferBuilder b;
        const auto in = proto::CreateInput(b, seq);
        b.Finish(proto::CreateEnvelope(b, proto::Message::Input, in.Union()));
        cl.rtc.send(static_cast<std::uint16_t>(cl.events), {b.GetBufferPointer(), b.GetSize()});
    }
    EXPECT_TRUE(cl.run_until(
        [&] { return metric(s.net.http_port(), "mgs_inputs_dropped_total{reason=\"rate\"}") >= 40; }, 3s));
    EXPECT_LE(metric(s.net.http_port(), "mgs_inputs_total"), 10);
}

TEST(Frontend, GarbageOnTheUdpPortIsDroppedAndCountedWithoutHurtingClients) {
    Server s;
    Client c;
    ASSERT_TRUE(c.connect(s.net.http_port()));
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(s.net.udp_port());
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    std::vector<std::uint8_t> junk(200);
    std::uint64_t x = 12345;
    for (int i = 0; i < 500; ++i) {
        for (auto& b : junk) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            b = static_cast<std::uint8_t>(x >> 56);
        }
        if (i % 3 == 0) {
            junk[0] = 0x00; // looks like STUN: type byte
            junk[1] = 0x01;
        } else if (i % 3 == 1) {
            junk[0] = 22; // looks like DTLS from an unknown address
        }
        (void)::sendto(fd, junk.data(), static_cast<std::size_t>(20 + i % 180), 0,
                       reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    ::close(fd);
    EXPECT_TRUE(c.ping_pong(c.state, 5, 0) || c.ping_pong(c.state, 6, 0));
    EXPECT_TRUE(c.ping_pong(c.events, 7, 0));
    double dropped = 0;
    for (const char* r : {"unknown_address", "not_webrtc", "bad_stun"}) {
        dropped += metric(s.net.http_port(), std::string("mgs_udp_dropped_total{reason=\"") + r + "\"}");
    }
    EXPECT_GE(dropped, 400); // loopback may drop a few under the burst; most are counted
    EXPECT_EQ(metric(s.net.http_port(), "mgs_clients_connected"), 1);
}

TEST(Frontend, MalformedGameMessagesAreCountedAndRepeatOffendersDropped) {
    FrontendConfig cfg = local_config();
    cfg.session.max_violations = 3;
    Server s(cfg);
    Client c;
    ASSERT_TRUE(c.connect(s.net.http_port()));
    const std::vector<std::uint8_t> junk = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 5; ++i) {
        c.rtc.send(static_cast<std::uint16_t>(c.events), junk);
    }
    EXPECT_TRUE(c.run_until([&] { return c.disconnected; }, 5s));
    EXPECT_GE(metric(s.net.http_port(), "mgs_messages_dropped_total"), 4);
}

TEST(Frontend, TooManyPendingHandshakesIsRefused) {
    FrontendConfig c = local_config();
    c.net.rtc.max_pending_handshakes = 1;
    Server s(c);
    // A client that signals and never starts ICE holds the only handshake slot.
    RtcClient stalled(client_cert());
    RtcClient::Options o;
    o.http_port = s.net.http_port();
    RtcClient::Answer a;
    std::string error;
    ASSERT_TRUE(stalled.signal(o, a, error)) << error;
    Client second;
    EXPECT_FALSE(second.connect(s.net.http_port(), {}, &error));
    EXPECT_NE(error.find("too_many_handshakes"), std::string::npos) << error;
}

TEST(Frontend, SignalingFloodIsRateLimited) {
    FrontendConfig c = local_config();
    c.net.http.signaling_rate_per_s = 1;
    c.net.http.signaling_burst = 2;
    Server s(c);
    namespace beast = boost::beast;
    boost::asio::io_context io;
    auto wsp = open_ws(io, s.net.http_port()); // the upgrade takes one token
    WebSocket& ws = *wsp;
    // Each message gets exactly one reply: bad_request while allowed, rate_limited beyond.
    int bad = 0;
    int limited = 0;
    for (int i = 0; i < 5; ++i) {
        ws.write(boost::asio::buffer(std::string("not json")));
        beast::flat_buffer buf;
        ws.read(buf);
        const auto r = nlohmann::json::parse(beast::buffers_to_string(buf.data()));
        bad += r.value("code", "") == "bad_request" ? 1 : 0;
        limited += r.value("code", "") == "rate_limited" ? 1 : 0;
    }
    EXPECT_GE(bad, 1);
    EXPECT_GE(limited, 3);
    EXPECT_EQ(bad + limited, 5);
}

TEST(Frontend, PortInUseIsAClearError) {
    Server a;
    FrontendConfig c = local_config();
    c.net.rtc.port = a.net.udp_port();
    metrics::Registry r;
    Frontend b(c, r);
    std::string error;
    EXPECT_FALSE(b.start(error));
    EXPECT_NE(error.find("cannot bind UDP 127.0.0.1:" + std::to_string(a.net.udp_port())), std::string::npos)
        << error;
}

TEST(Frontend, TwoServersSideBySide) {
    Server a;
    Server b;
    EXPECT_NE(a.net.http_port(), b.net.http_port());
    EXPECT_NE(a.net.udp_port(), b.net.udp_port());
    Client ca;
    Client cb;
    ASSERT_TRUE(ca.connect(a.net.http_port()));
    ASSERT_TRUE(cb.connect(b.net.http_port()));
    EXPECT_TRUE(ca.ping_pong(ca.events, 1, 0));
    EXPECT_TRUE(cb.ping_pong(cb.events, 1, 0));
}

// RtcClient's non-blocking signaling (make_join, accept_answer over the caller's own WebSocket, as
// the load generator does it) brings the connection up like signal().
TEST(Frontend, SplitSignalingConnectsBothChannels) {
    Server server;
    std::string error;
    RtcClient c(client_cert());
    RtcClient::Options o;
    o.http_port = server.net.http_port();
    const std::string join = c.make_join(o, error);
    ASSERT_FALSE(join.empty()) << error;
    // The caller's own WebSocket carries the join and the reply.
    namespace beast = boost::beast;
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::websocket::stream<boost::asio::ip::tcp::socket> ws(io);
    boost::asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server.net.http_port())));
    ws.handshake("127.0.0.1", "/ws");
    ws.write(boost::asio::buffer(join));
    beast::flat_buffer buf;
    ws.read(buf);
    RtcClient::Answer answer;
    ASSERT_TRUE(c.accept_answer(beast::buffers_to_string(buf.data()), answer, error)) << error;
    EXPECT_EQ(answer.session.size(), 36u);
    ws.close(beast::websocket::close_code::normal);

    int events = -1;
    int state = -1;
    std::size_t bytes = 0;
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end && (events < 0 || state < 0)) {
        rtc::SctpStack::advance(c.now_us());
        bytes += c.drive();
        c.send_pending();
        rtc::ConnectionEvent e;
        while (c.poll_event(e)) {
            if (e.type == rtc::ConnectionEvent::Type::Connected) {
                rtc::ChannelOptions opts;
                opts.label = "events";
                events = c.open_channel(opts);
            } else if (e.type == rtc::ConnectionEvent::Type::ChannelOpen &&
                       c.connection()->channel_label(e.channel) == "state") {
                state = e.channel;
            }
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_GE(events, 0);
    EXPECT_GE(state, 0);
    EXPECT_GT(bytes, 0u); // drive() reports what it read
    c.close();
}


} // namespace
} // namespace mgs::app
