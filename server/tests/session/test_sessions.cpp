// The session layer on a virtual clock: no sockets, no sleeps. A recording Transport stands in for
// the network, and the test plays the game's side of the GameLink by hand.
#include "session/sessions.hpp"

#include "proto/game_generated.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>

namespace mgs::session {
namespace {

/// Records what the session layer asks of the network.
struct Recorder final : Transport {
    std::map<std::uint64_t, std::vector<std::string>> texts;                  // signaling, per socket
    std::map<std::uint64_t, std::vector<std::vector<std::uint8_t>>> binaries; // WebSocket transport
    struct RtcSend {
        std::uint64_t conn;
        std::uint16_t channel;
        std::vector<std::uint8_t> bytes;
    };
    std::vector<RtcSend> rtc;
    std::vector<std::uint64_t> closed_rtc;
    std::vector<std::pair<std::uint64_t, std::uint16_t>> closed_ws;
    bool refuse_rtc = false;
    std::size_t unacked = 0;
    [[nodiscard]] std::size_t rtc_unacked_bytes(std::uint64_t) const override { return unacked; }

    void send_text(std::uint64_t ws, std::string text) override { texts[ws].push_back(std::move(text)); }
    bool send_binary(std::uint64_t ws, std::span<const std::uint8_t> bytes) override {
        binaries[ws].emplace_back(bytes.begin(), bytes.end());
        return true;
    }
    bool send_rtc(std::uint64_t conn, std::uint16_t channel, std::span<const std::uint8_t> bytes) override {
        if (refuse_rtc) {
            return false;
        }
        rtc.push_back({conn, channel, {bytes.begin(), bytes.end()}});
        return true;
    }
    void close_ws(std::uint64_t ws, std::uint16_t code, std::string_view) override {
        closed_ws.emplace_back(ws, code);
    }
    void close_rtc(std::uint64_t conn) override { closed_rtc.push_back(conn); }

    nlohmann::json last_json(std::uint64_t ws) const {
        auto it = texts.find(ws);
        return it == texts.end() || it->second.empty() ? nlohmann::json()
                                                       : nlohmann::json::parse(it->second.back());
    }
    /// Message types sent on `conn`, in order.
    std::vector<proto::Message> types_on(std::uint64_t conn) const {
        std::vector<proto::Message> out;
        for (const auto& s : rtc) {
            if (s.conn == conn) {
                out.push_back(proto::GetEnvelope(s.bytes.data())->message_type());
            }
        }
        return out;
    }
};

std::vector<std::uint8_t> finish(flatbuffers::FlatBufferBuilder& b, proto::Message type,
                                 flatbuffers::Offset<void> msg) {
    b.Finish(proto::CreateEnvelope(b, type, msg));
    return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

struct In {
    std::uint32_t seq;
    std::uint8_t buttons = 0;
    std::int8_t weapon = -1;
    std::uint32_t ack = 0;
};

std::vector<std::uint8_t> batch(std::initializer_list<In> inputs, bool resync = false) {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<proto::Input>> list;
    for (const In& i : inputs) {
        list.push_back(proto::CreateInput(b, i.seq, 0, 1, -1, 0.5f,
                                          static_cast<proto::InputButtons>(i.buttons), i.weapon, i.ack));
    }
    return finish(b, proto::Message::InputBatch,
                  proto::CreateInputBatch(b, b.CreateVector(list), resync).Union());
}

std::vector<std::uint8_t> spectate(std::uint32_t follow, float x, float y, std::uint32_t ack) {
    flatbuffers::FlatBufferBuilder b;
    return finish(b, proto::Message::SpectateControl,
                  proto::CreateSpectateControl(b, follow, x, y, ack).Union());
}

std::vector<std::uint8_t> chat(const char* text) {
    flatbuffers::FlatBufferBuilder b;
    return finish(b, proto::Message::ChatSend, proto::CreateChatSend(b, b.CreateString(text), false).Union());
}

std::vector<std::uint8_t> ping(std::uint32_t id) {
    flatbuffers::FlatBufferBuilder b;
    return finish(b, proto::Message::Ping, proto::CreatePing(b, id, 1.0).Union());
}

constexpr std::uint16_t kEvents = 0;
constexpr std::uint16_t kState = 1;

/// A table, its link, the recorder, and a virtual clock; the test plays the game by hand.
struct Fixture {
    metrics::Registry registry;
    GameLink link;
    Recorder net;
    SessionTable table;
    std::int64_t now_ms = 1000;
    std::uint32_t next_player = 500;

    explicit Fixture(SessionConfig config = {}, std::size_t slots = 8)
        : link({.max_sessions = slots}), table(config, link, net, registry) {}

    /// A turn of both threads: the network's timer, then the game's tick (joins get players, ids
    /// from 500; what it saw is returned), then the network takes the replies.
    std::vector<Control> game_step() {
        table.poll(now_ms); // the network thread's timer: expiry
        std::vector<Control> seen;
        Control c;
        while (link.poll_control(c)) {
            seen.push_back(c);
            if (c.type == Control::Type::Join && !c.spectate) {
                link.reply({c.session, next_player++});
            }
        }
        (void)link.publish(0);
        table.poll(now_ms);
        return seen;
    }

    InputState slot(SessionRef s) const {
        InputState st;
        EXPECT_TRUE(link.read_input(s.slot, st));
        return st;
    }

    /// A WebRTC client through to its Welcome: join on socket `ws`, connection `conn`.
    SessionRef connect(std::uint64_t ws, std::uint64_t conn, const std::string& resume = {},
                       bool spectator = false) {
        net::JoinRequest j;
        j.name = "p" + std::to_string(ws);
        j.resume_token = resume;
        j.spectate = spectator;
        const JoinResult r = table.join(ws, j, now_ms);
        EXPECT_TRUE(r.ok) << r.code << ": " << r.message;
        table.attach_rtc(r.session, conn, "v=0 answer", 65536, now_ms);
        game_step();
        EXPECT_TRUE(table.rtc_connected(conn));
        table.rtc_channel_open(conn, kEvents, "events");
        table.rtc_channel_open(conn, kState, "state");
        return r.session;
    }

    std::uint64_t metric(const char* name, metrics::Labels labels = {}) {
        return registry.counter(name, "", std::move(labels)).value();
    }
};

TEST(Sessions, AJoinMakesAPlayerAnswersAndWelcomesOnceBothChannelsAreOpen) {
    Fixture f;
    net::JoinRequest j;
    j.name = "alice";
    j.team = "blue";
    const JoinResult r = f.table.join(7, j, f.now_ms);
    ASSERT_TRUE(r.ok);
    EXPECT_FALSE(r.resumed);
    f.table.attach_rtc(r.session, 70, "v=0 answer", 65536, f.now_ms);
    EXPECT_TRUE(f.net.texts[7].empty()); // the answer waits for the player
    const auto controls = f.game_step();
    ASSERT_EQ(controls.size(), 1u);
    EXPECT_EQ(controls[0].type, Control::Type::Join);
    EXPECT_EQ(controls[0].team, 1);
    EXPECT_STREQ(controls[0].name.data(), "alice");
    const auto answer = f.net.last_json(7);
    EXPECT_EQ(answer["type"], "answer");
    EXPECT_EQ(answer["player_id"], 500);
    EXPECT_EQ(answer["sdp"], "v=0 answer");
    EXPECT_EQ(answer["session"].get<std::string>().size(), 36u);
    // Nothing for the game until the connection is welcomed.
    EXPECT_FALSE(f.slot(r.session).ready);
    ASSERT_TRUE(f.table.rtc_connected(70));
    f.table.rtc_channel_open(70, kEvents, "events");
    EXPECT_TRUE(f.net.rtc.empty()); // `state` is not open yet: no Welcome
    f.table.rtc_channel_open(70, kState, "state");
    ASSERT_EQ(f.net.types_on(70), std::vector<proto::Message>{proto::Message::Welcome});
    EXPECT_EQ(f.net.rtc[0].channel, kEvents);
    EXPECT_EQ(proto::GetEnvelope(f.net.rtc[0].bytes.data())->message_as_Welcome()->player_id(), 500u);
    const InputState st = f.slot(r.session);
    EXPECT_TRUE(st.ready);
    EXPECT_EQ(st.epoch, 1u);
    EXPECT_EQ(st.generation, r.session.generation);
    EXPECT_EQ(f.table.players(), 1u);
}

TEST(Sessions, OnlyNewerInputsCountAndEveryPressIsCounted) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    // A batch with redundancy: 1..3, then 2..5 (2 and 3 repeated), then an old one alone.
    f.table.rtc_message(10, kState, batch({{1, 1}, {2, 0}, {3, 1, 2, 4}}), true, f.now_ms);
    InputState st = f.slot(s);
    EXPECT_EQ(st.seq, 3u);
    EXPECT_EQ(st.inputs, 3u);
    EXPECT_EQ(st.presses[0], 2); // fire held in inputs 1 and 3
    EXPECT_EQ(st.weapon_slot, 2);
    EXPECT_EQ(st.weapon_changes, 1u);
    EXPECT_EQ(st.ack, 4u);
    f.table.rtc_message(10, kState, batch({{2, 1}, {3, 1}, {4, 4}, {5, 0, -1, 9}}), true, f.now_ms);
    st = f.slot(s);
    EXPECT_EQ(st.seq, 5u);
    EXPECT_EQ(st.inputs, 5u);
    EXPECT_EQ(st.presses[0], 2);  // the repeats of 2 and 3 were not counted again
    EXPECT_EQ(st.presses[2], 1);  // reload in 4
    EXPECT_EQ(st.buttons, 0);     // the newest
    EXPECT_EQ(st.weapon_slot, 2); // kept: 4 and 5 selected nothing
    EXPECT_EQ(st.ack, 9u);
    f.table.rtc_message(10, kState, batch({{4, 1, 0, 3}}), true, f.now_ms);
    EXPECT_EQ(f.slot(s), st); // old: nothing changes, not even the (older) ack
    EXPECT_EQ(f.metric("mgs_inputs_total"), 5u);
}

TEST(Sessions, AResyncRequestIsCountedForTheGame) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    f.table.rtc_message(10, kState, batch({{1, 0, -1, 5}}, true), true, f.now_ms);
    InputState st = f.slot(s);
    EXPECT_EQ(st.resyncs, 1u);
    EXPECT_EQ(st.ack, 5u); // the acknowledgement is read as usual
    f.table.rtc_message(10, kState, batch({{2, 0, -1, 5}}, true), true, f.now_ms);
    f.table.rtc_message(10, kState, batch({{3, 0, -1, 6}}), true, f.now_ms);
    st = f.slot(s);
    EXPECT_EQ(st.resyncs, 2u);
    EXPECT_EQ(st.ack, 6u);
}

TEST(Sessions, InputsAreRateLimitedPerSessionNotShared) {
    SessionConfig c;
    c.input_rate_per_s = 10;
    c.input_burst = 5;
    Fixture f(c);
    const SessionRef a = f.connect(1, 10);
    const SessionRef b = f.connect(2, 20);
    for (std::uint32_t seq = 1; seq <= 50; ++seq) {
        f.table.rtc_message(10, kState, batch({{seq}}), true, f.now_ms);
    }
    EXPECT_EQ(f.slot(a).inputs, 5u); // the burst
    EXPECT_EQ(f.metric("mgs_inputs_dropped_total", {{"reason", "rate"}}), 45u);
    // The other client is untouched by the first one's flood.
    f.table.rtc_message(20, kState, batch({{1}}), true, f.now_ms);
    EXPECT_EQ(f.slot(b).inputs, 1u);
    // The bucket refills with time: 1 s later, 10 more.
    f.now_ms += 1000;
    for (std::uint32_t seq = 51; seq <= 70; ++seq) {
        f.table.rtc_message(10, kState, batch({{seq}}), true, f.now_ms);
    }
    EXPECT_EQ(f.slot(a).inputs, 10u);
}

TEST(Sessions, GameMessagesBeforeTheWelcomeAreDroppedPingsAnswered) {
    Fixture f;
    net::JoinRequest j;
    j.name = "early";
    const JoinResult r = f.table.join(1, j, f.now_ms);
    f.table.attach_rtc(r.session, 10, "sdp", 65536, f.now_ms);
    f.game_step();
    f.table.rtc_channel_open(10, kEvents, "events"); // `state` not open yet
    f.table.rtc_message(10, kEvents, batch({{1, 1}}), true, f.now_ms);
    EXPECT_EQ(f.slot(r.session).inputs, 0u);
    EXPECT_EQ(f.metric("mgs_messages_dropped_total"), 1u);
    f.table.rtc_message(10, kEvents, ping(5), true, f.now_ms);
    ASSERT_EQ(f.net.types_on(10), std::vector<proto::Message>{proto::Message::Pong});
    EXPECT_EQ(proto::GetEnvelope(f.net.rtc.back().bytes.data())->message_as_Pong()->id(), 5u);
}

TEST(Sessions, SpectatorsMoveACameraAndPlayersCannot) {
    Fixture f;
    const SessionRef spec = f.connect(1, 10, {}, true);
    const SessionRef player = f.connect(2, 20);
    EXPECT_EQ(f.table.spectators(), 1u);
    EXPECT_EQ(f.table.players(), 1u);
    EXPECT_EQ(f.net.last_json(1)["player_id"], 0xFFFFFFFFu);
    f.table.rtc_message(10, kState, spectate(7, 100.0f, 200.0f, 3), true, f.now_ms);
    f.table.rtc_message(10, kState, batch({{1, 1}}), true, f.now_ms); // inputs from a spectator
    InputState st = f.slot(spec);
    EXPECT_EQ(st.follow, 7u);
    EXPECT_EQ(st.camera_x, 100.0f);
    EXPECT_EQ(st.camera_y, 200.0f);
    EXPECT_EQ(st.ack, 3u);
    EXPECT_EQ(st.inputs, 0u);
    f.table.rtc_message(20, kState, spectate(9, 1.0f, 1.0f, 1), true, f.now_ms); // camera from a player
    EXPECT_EQ(f.slot(player).follow, 0xFFFFFFFFu);
    EXPECT_EQ(f.metric("mgs_messages_dropped_total"), 2u);
}

TEST(Sessions, ChatAndScoreboardRequestsAreQueuedWithTheirOwnLimit) {
    SessionConfig c;
    c.request_rate_per_s = 1;
    c.request_burst = 3;
    Fixture f(c);
    const SessionRef s = f.connect(1, 10);
    for (int i = 0; i < 10; ++i) {
        f.table.rtc_message(10, kEvents, chat(i == 0 ? "hello" : "spam"), true, f.now_ms);
    }
    // Inputs are not starved by the chat flood.
    f.table.rtc_message(10, kState, batch({{1}}), true, f.now_ms);
    EXPECT_EQ(f.slot(s).inputs, 1u);
    Request r;
    int n = 0;
    while (f.link.poll_request(r)) {
        EXPECT_EQ(r.session, s);
        if (n == 0) {
            EXPECT_EQ(std::string_view(r.text.data(), r.text_len), "hello");
        }
        ++n;
    }
    EXPECT_EQ(n, 3);
    EXPECT_EQ(f.metric("mgs_requests_dropped_total", {{"reason", "rate"}}), 7u);
}

TEST(Sessions, AResumeWithinTheGraceKeepsThePlayerAndStartsANewConnection) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    f.table.rtc_message(10, kState, batch({{7, 0, -1, 12}}), true, f.now_ms);
    f.table.ws_closed(1, f.now_ms); // the web client closes signaling once connected: nothing changes
    EXPECT_TRUE(f.slot(s).ready);
    f.table.rtc_disconnected(10, f.now_ms);
    EXPECT_FALSE(f.slot(s).ready); // away: the game makes the player stand still
    f.now_ms += 20'000;            // within the 30 s grace
    const auto controls = f.game_step();
    EXPECT_TRUE(controls.empty());
    const SessionRef again = f.connect(2, 20, token);
    EXPECT_EQ(again, s);
    const auto answer = f.net.last_json(2);
    EXPECT_EQ(answer["resumed"], true);
    EXPECT_EQ(answer["player_id"], 500);
    const InputState st = f.slot(s);
    EXPECT_TRUE(st.ready);
    EXPECT_EQ(st.epoch, 2u); // a new connection: the game starts it over
    EXPECT_EQ(st.seq, 0u);   // and its input numbering
    EXPECT_EQ(st.ack, 0u);
    EXPECT_EQ(st.inputs, 1u); // counters go on
    // The new connection may number its inputs from 1 again.
    f.table.rtc_message(20, kState, batch({{1}}), true, f.now_ms);
    EXPECT_EQ(f.slot(s).seq, 1u);
    EXPECT_EQ(f.metric("mgs_resumes_total"), 1u);
}

TEST(Sessions, AResumeReplacesAConnectionThatStillLooksAlive) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    const SessionRef again = f.connect(2, 20, token);
    EXPECT_EQ(again, s);
    EXPECT_EQ(f.net.closed_rtc, std::vector<std::uint64_t>{10});
    // The old connection's late messages and its disconnection change nothing.
    f.table.rtc_message(10, kState, batch({{50}}), true, f.now_ms);
    f.table.rtc_disconnected(10, f.now_ms);
    EXPECT_TRUE(f.slot(s).ready);
    EXPECT_EQ(f.slot(s).inputs, 0u);
}

TEST(Sessions, ASessionWithoutAConnectionExpiresAfterTheGraceAndThePlayerLeaves) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    f.table.rtc_disconnected(10, f.now_ms);
    f.now_ms += 29'999;
    EXPECT_TRUE(f.game_step().empty());
    f.now_ms += 1;
    const auto controls = f.game_step();
    ASSERT_EQ(controls.size(), 1u);
    EXPECT_EQ(controls[0].type, Control::Type::Leave);
    EXPECT_EQ(controls[0].session, s);
    EXPECT_EQ(f.table.players(), 0u);
    EXPECT_EQ(f.slot(s).generation, 0u); // the slot names nobody now
    net::JoinRequest j;
    j.name = "late";
    j.resume_token = token;
    EXPECT_FALSE(f.table.join(2, j, f.now_ms).ok);
    EXPECT_EQ(f.net.last_json(2)["code"], "resume_failed");
}

TEST(Sessions, AResumeWhoseOfferIsRefusedLeavesNoGhost) {
    // The resume path closes the old connection; if the new offer then fails, the session must
    // still expire after the grace (before, it stayed "online" with no connection for ever).
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    net::JoinRequest j;
    j.name = "again";
    j.resume_token = token;
    const JoinResult r = f.table.join(2, j, f.now_ms);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(f.net.closed_rtc, std::vector<std::uint64_t>{10});
    f.table.join_failed(r.session, "too_many_handshakes", "busy", f.now_ms);
    EXPECT_EQ(f.net.last_json(2)["code"], "too_many_handshakes");
    EXPECT_FALSE(f.slot(s).ready);
    f.now_ms += 30'000;
    const auto controls = f.game_step();
    ASSERT_EQ(controls.size(), 1u);
    EXPECT_EQ(controls[0].type, Control::Type::Leave);
    EXPECT_EQ(f.table.players(), 0u);
}

TEST(Sessions, ANewJoinWhoseOfferIsRefusedIsForgotten) {
    SessionConfig c;
    c.max_players = 1;
    Fixture f(c);
    net::JoinRequest j;
    j.name = "bad";
    const JoinResult r = f.table.join(1, j, f.now_ms);
    ASSERT_TRUE(r.ok);
    f.table.join_failed(r.session, "bad_offer", "no", f.now_ms);
    EXPECT_TRUE(f.game_step().empty()); // the game never heard of it
    EXPECT_EQ(f.table.players(), 0u);
    f.connect(2, 20); // its place is free
    EXPECT_EQ(f.table.players(), 1u);
}

TEST(Sessions, LimitsOnPlayersAndSpectatorsAreSeparate) {
    SessionConfig c;
    c.max_players = 1;
    c.max_spectators = 1;
    Fixture f(c);
    f.connect(1, 10);
    net::JoinRequest j;
    j.name = "second";
    EXPECT_FALSE(f.table.join(2, j, f.now_ms).ok);
    EXPECT_EQ(f.net.last_json(2)["code"], "server_full");
    f.connect(3, 30, {}, true); // a spectator still fits
    j.spectate = true;
    EXPECT_FALSE(f.table.join(4, j, f.now_ms).ok);
    EXPECT_EQ(f.net.last_json(4)["code"], "server_full");
    j.spectate = false;
    EXPECT_FALSE(f.table.join(3, j, f.now_ms).ok); // one join per socket
    EXPECT_EQ(f.net.last_json(3)["code"], "bad_request");
}

TEST(Sessions, LeaveEndsTheSessionAtOnce) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    f.table.leave(1);
    const auto controls = f.game_step();
    ASSERT_EQ(controls.size(), 1u);
    EXPECT_EQ(controls[0].type, Control::Type::Leave);
    EXPECT_EQ(controls[0].session, s);
    EXPECT_EQ(f.net.closed_rtc, std::vector<std::uint64_t>{10});
    EXPECT_EQ(f.table.players(), 0u);
}

TEST(Sessions, ALeaveBeforeThePlayerExistsStillRemovesIt) {
    Fixture f;
    net::JoinRequest j;
    j.name = "quick";
    const JoinResult r = f.table.join(1, j, f.now_ms);
    f.table.attach_rtc(r.session, 10, "sdp", 65536, f.now_ms);
    f.table.leave(1); // before the game answered the join
    const auto controls = f.game_step();
    ASSERT_EQ(controls.size(), 2u); // the game makes the player, then removes it
    EXPECT_EQ(controls[0].type, Control::Type::Join);
    EXPECT_EQ(controls[1].type, Control::Type::Leave);
    EXPECT_EQ(controls[1].session, r.session);
}

TEST(Sessions, RepeatOffendersAreDroppedAndStayDroppedAfterAResume) {
    SessionConfig c;
    c.max_violations = 3;
    Fixture f(c);
    f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    const std::vector<std::uint8_t> junk = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 3; ++i) {
        f.table.rtc_message(10, kState, junk, true, f.now_ms);
    }
    EXPECT_TRUE(f.net.closed_rtc.empty());
    f.table.rtc_message(10, kState, junk, true, f.now_ms);
    EXPECT_EQ(f.net.closed_rtc, std::vector<std::uint64_t>{10});
    f.connect(2, 20, token);
    f.table.rtc_message(20, kState, batch({{1}}), true, f.now_ms); // any message
    EXPECT_EQ(f.net.closed_rtc, (std::vector<std::uint64_t>{10, 20}));
    EXPECT_EQ(f.metric("mgs_connections_closed_total", {{"reason", "violations"}}), 1u);
}

TEST(Sessions, DeliveryGoesToTheConnectionItWasMadeFor) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    const std::uint32_t epoch1 = f.slot(s).epoch;
    OutBatch b;
    const std::vector<std::uint8_t> snap = ping(1);
    const std::vector<std::uint8_t> event = ping(2);
    b.add(s, epoch1, OutBatch::Channel::State, snap);
    b.add(s, epoch1, OutBatch::Channel::Events, event);
    b.add({5, 9}, 1, OutBatch::Channel::State, snap); // nobody
    f.net.rtc.clear();
    f.table.deliver(b, f.now_ms);
    ASSERT_EQ(f.net.rtc.size(), 2u);
    EXPECT_EQ(f.net.rtc[0].channel, kState);
    EXPECT_EQ(f.net.rtc[1].channel, kEvents);
    EXPECT_EQ(f.metric("mgs_outbound_dropped_total", {{"reason", "gone"}}), 1u);
    // Offline: not sent.
    f.table.rtc_disconnected(10, f.now_ms);
    f.net.rtc.clear();
    f.table.deliver(b, f.now_ms);
    EXPECT_TRUE(f.net.rtc.empty());
    EXPECT_EQ(f.metric("mgs_outbound_dropped_total", {{"reason", "offline"}}), 2u);
    // Resumed: what was made for the old connection never reaches the new one; the Welcome
    // comes first on the new one.
    f.connect(2, 20, token);
    f.table.deliver(b, f.now_ms);
    EXPECT_EQ(f.net.types_on(20), std::vector<proto::Message>{proto::Message::Welcome});
    EXPECT_EQ(f.metric("mgs_outbound_dropped_total", {{"reason", "stale"}}), 2u);
}

TEST(Sessions, AReliableMessageTheConnectionRefusesClosesIt) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    OutBatch b;
    const std::vector<std::uint8_t> bytes = ping(1);
    b.add(s, f.slot(s).epoch, OutBatch::Channel::State, bytes);
    f.net.refuse_rtc = true;
    f.table.deliver(b, f.now_ms);
    EXPECT_TRUE(f.net.closed_rtc.empty()); // a snapshot may be lost
    b.add(s, f.slot(s).epoch, OutBatch::Channel::Events, bytes);
    f.table.deliver(b, f.now_ms);
    EXPECT_EQ(f.net.closed_rtc, std::vector<std::uint64_t>{10}); // a hole in the reliable stream may not
    EXPECT_FALSE(f.slot(s).ready);
    EXPECT_EQ(f.metric("mgs_connections_closed_total", {{"reason", "slow_reader"}}), 1u);
    EXPECT_EQ(f.metric("mgs_outbound_dropped_total", {{"reason", "refused"}}), 3u);
}

TEST(Sessions, ASnapshotIsHeldBackFromACongestedConnectionButEventsAreNot) {
    Fixture f;
    const SessionRef s = f.connect(1, 10);
    const std::string token = f.net.last_json(1)["session"];
    OutBatch b;
    const std::vector<std::uint8_t> bytes = ping(1);
    b.add(s, f.slot(s).epoch, OutBatch::Channel::State, bytes);
    b.add(s, f.slot(s).epoch, OutBatch::Channel::Events, bytes);
    f.net.rtc.clear();
    f.net.unacked = SessionConfig{}.max_unacked_bytes_for_snapshot; // at the limit: still sent
    f.table.deliver(b, f.now_ms);
    EXPECT_EQ(f.net.rtc.size(), 2u);
    f.net.rtc.clear();
    f.net.unacked += 1; // over it: the snapshot waits for the next one, the event goes
    f.table.deliver(b, f.now_ms);
    ASSERT_EQ(f.net.rtc.size(), 1u);
    EXPECT_EQ(f.net.rtc[0].channel, kEvents);
    EXPECT_EQ(f.metric("mgs_outbound_dropped_total", {{"reason", "congested"}}), 1u);
    EXPECT_TRUE(f.net.closed_rtc.empty());
    // The game is told, and told again once the peer has caught up below half the limit.
    EXPECT_TRUE(f.slot(s).congested);
    f.net.unacked = SessionConfig{}.max_unacked_bytes_for_snapshot / 2 + 1;
    f.table.poll(f.now_ms);
    EXPECT_TRUE(f.slot(s).congested);
    f.net.unacked = SessionConfig{}.max_unacked_bytes_for_snapshot / 2;
    f.table.poll(f.now_ms);
    EXPECT_FALSE(f.slot(s).congested);
    // A new connection of the session starts uncongested.
    f.net.unacked = SessionConfig{}.max_unacked_bytes_for_snapshot + 1;
    f.table.deliver(b, f.now_ms);
    EXPECT_TRUE(f.slot(s).congested);
    f.table.rtc_disconnected(10, f.now_ms);
    f.connect(2, 20, token);
    EXPECT_FALSE(f.slot(s).congested);
}

TEST(Sessions, TheWebSocketTransportIsWelcomedAtOnceAndLostWithItsSocket) {
    Fixture f;
    net::JoinRequest j;
    j.name = "tcp";
    j.websocket_transport = true;
    const JoinResult r = f.table.join(1, j, f.now_ms);
    ASSERT_TRUE(r.ok);
    f.table.attach_websocket(r.session, f.now_ms);
    f.game_step();
    EXPECT_EQ(f.net.last_json(1)["type"], "welcome");
    ASSERT_EQ(f.net.binaries[1].size(), 1u);
    EXPECT_NE(proto::GetEnvelope(f.net.binaries[1][0].data())->message_as_Welcome(), nullptr);
    EXPECT_TRUE(f.slot(r.session).ready);
    f.table.ws_message(1, batch({{1, 1}}), f.now_ms);
    EXPECT_EQ(f.slot(r.session).inputs, 1u);
    f.table.ws_message(1, ping(4), f.now_ms);
    ASSERT_EQ(f.net.binaries[1].size(), 2u);
    f.table.ws_closed(1, f.now_ms);
    EXPECT_FALSE(f.slot(r.session).ready);
    f.now_ms += 30'000;
    ASSERT_EQ(f.game_step().size(), 1u); // the Leave after the grace
}

TEST(Sessions, SlotsAreReusedWithANewGeneration) {
    Fixture f({}, 1);
    const SessionRef a = f.connect(1, 10);
    f.table.leave(1);
    f.game_step();
    const SessionRef b = f.connect(2, 20);
    EXPECT_EQ(a.slot, b.slot);
    EXPECT_NE(a.generation, b.generation);
    EXPECT_EQ(f.slot(b).generation, b.generation);
    // A third session finds no slot (the link was sized for one).
    net::JoinRequest j;
    j.name = "third";
    j.spectate = true;
    EXPECT_FALSE(f.table.join(3, j, f.now_ms).ok);
    EXPECT_EQ(f.net.last_json(3)["code"], "server_full");
}

} // namespace
} // namespace mgs::session
