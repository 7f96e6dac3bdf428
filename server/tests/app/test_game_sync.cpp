// The whole game data path over real loopback sockets: a client joins through /ws, gets its
// Welcome, sends inputs on the `state` channel, and decodes the snapshots of its view; its own
// player moves as its inputs say, and snapshots echo the newest input applied. On the `events`
// channel it learns its own name and the match state, its chat line comes back to it, and it
// gets the scoreboard it asked for.
#include "app/game_sync.hpp"
#include "core/parallel.hpp"
#include "net/rtc_client.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

namespace mgs::app {
namespace {

using namespace std::chrono_literals;

TEST(GameSync, ClientMovesItsPlayerAndSeesItInSnapshots) {
    sim::Rules rules;
    world::MapParams map; // arena size
    sim::World world(rules, map, 4);
    SerialExecutor exec;

    metrics::Registry registry;
    net::NetConfig nc;
    nc.http.bind_address = "127.0.0.1";
    nc.http.port = 0;
    nc.rtc.bind_address = "127.0.0.1";
    nc.rtc.port = 0;
    nc.rtc.public_ips = {"127.0.0.1"};
    net::NetServer net(nc, registry);
    net::WorldInfo info;
    info.map_seed = map.seed;
    info.map_width = map.width;
    info.map_height = map.height;
    info.player_speed = rules.speed;
    info.weapons[2].projectile_speed = rules.weapons[2].projectile_speed;
    info.weapons[2].magazine = static_cast<std::int16_t>(rules.weapons[2].magazine);
    net.set_world_info(info);
    net.attach_game();
    std::string error;
    ASSERT_TRUE(net.start(error)) << error;
    GameSync game(net, world, SyncConfig{});

    // The game loop on its own thread, as in the server.
    std::atomic<bool> stop{false};
    std::thread loop([&] {
        while (!stop.load()) {
            game.drain();
            world.step(exec);
            game.after_tick(exec);
            std::this_thread::sleep_for(10ms);
        }
    });

    auto cert = [] {
        std::string e;
        return rtc::DtlsCertificate::generate(e);
    }();
    net::RtcClient client(cert);
    net::RtcClient::Options o;
    o.http_port = net.http_port();
    o.name = "mover";
    net::RtcClient::Answer answer;
    ASSERT_TRUE(client.signal(o, answer, error)) << error;

    int events = -1;
    int state = -1;
    bool welcomed = false;
    std::uint32_t welcome_player = 0;
    std::map<std::uint32_t, std::vector<sync::ViewEntry>> held;
    std::uint32_t newest = 0;
    std::uint32_t last_input_echo = 0;
    // Own position (quantised x, y) in the first and the latest snapshot that show it alive.
    std::array<std::uint32_t, 2> first{};
    std::array<std::uint32_t, 2> latest{};
    const auto moved = [&] {
        const auto d = [](std::uint32_t a, std::uint32_t b) { return a > b ? a - b : b - a; };
        return first[0] != 0 && (d(first[0], latest[0]) >= 80 || d(first[1], latest[1]) >= 80); // 10 wu
    };
    std::uint32_t seq = 0;
    int decoded = 0;
    bool own_name = false;
    bool match_state = false;
    bool chat_back = false;
    bool scoreboard = false;
    bool asked = false;
    const auto own_pos = [&](const std::vector<sync::ViewEntry>& view) -> std::array<std::uint32_t, 2> {
        for (const auto& e : view) {
            // Only once it is alive: a player that just joined may wait for its spawn.
            if (e.entity.kind == sync::EntityKind::Player &&
                e.entity.f[sync::kPlayerId] == answer.player_id &&
                (e.entity.f[sync::kPlayerStatus] & sync::kStatusAlive) != 0) {
                return {e.entity.f[sync::kPlayerX], e.entity.f[sync::kPlayerY]};
            }
        }
        return {0, 0};
    };
    const auto end = std::chrono::steady_clock::now() + 20s;
    auto next_input = std::chrono::steady_clock::now();
    // Until the player has walked 10 wu (or the time is up).
    while (std::chrono::steady_clock::now() < end && (decoded < 30 || !welcomed || !moved() || !own_name ||
                                                      !match_state || !chat_back || !scoreboard)) {
        rtc::SctpStack::advance(client.now_us());
        client.drive();
        rtc::ConnectionEvent e;
        while (client.poll_event(e)) {
            if (e.type == rtc::ConnectionEvent::Type::Connected) {
                rtc::ChannelOptions opts;
                opts.label = "events";
                events = client.open_channel(opts);
            } else if (e.type == rtc::ConnectionEvent::Type::ChannelOpen &&
                       client.connection()->channel_label(e.channel) == "state") {
                state = e.channel;
            } else if (e.type == rtc::ConnectionEvent::Type::Message) {
                flatbuffers::Verifier v(e.data.data(), e.data.size());
                ASSERT_TRUE(proto::VerifyEnvelopeBuffer(v));
                const proto::Envelope* env = proto::GetEnvelope(e.data.data());
                if (const auto* w = env->message_as_Welcome()) {
                    welcomed = true;
                    welcome_player = w->player_id();
                    EXPECT_EQ(w->map_width(), map.width);
                    EXPECT_EQ(w->player_speed(), rules.speed);
                    ASSERT_NE(w->weapons(), nullptr);
                    ASSERT_EQ(w->weapons()->size(), 5u);
                    EXPECT_EQ(w->weapons()->Get(2)->projectile_speed(), rules.weapons[2].projectile_speed);
                    EXPECT_EQ(w->weapons()->Get(2)->magazine(), rules.weapons[2].magazine);
                } else if (const auto* ev = env->message_as_Events()) {
                    if (ev->match() != nullptr) {
                        match_state = true;
                        EXPECT_EQ(ev->match()->mode(), static_cast<std::uint8_t>(rules.mode));
                    }
                    if (ev->players() != nullptr) {
                        for (const auto* p : *ev->players()) {
                            if (p->id() == answer.player_id) {
                                own_name = true;
                                EXPECT_EQ(p->name()->str(), "mover");
                                EXPECT_FALSE(p->bot());
                            }
                        }
                    }
                } else if (const auto* chat = env->message_as_Chat()) {
                    EXPECT_EQ(chat->from(), answer.player_id);
                    EXPECT_EQ(chat->text()->str(),
                              "hello\u00e9 all"); // control character became a space, trimmed
                    chat_back = true;
                } else if (const auto* board = env->message_as_Scoreboard()) {
                    ASSERT_NE(board->rows(), nullptr);
                    EXPECT_EQ(board->players(), 4u); // bots make room: 3 bots and us
                    bool self = false;
                    for (const auto* row : *board->rows()) {
                        self = self || (row->player() == answer.player_id && (row->rank_flags() & 1) != 0);
                    }
                    EXPECT_TRUE(self);
                    scoreboard = true;
                } else if (const auto* snap = env->message_as_Snapshot()) {
                    ASSERT_NE(snap->header(), nullptr);
                    std::span<const sync::ViewEntry> base;
                    if (snap->header()->baseline() != 0) {
                        auto it = held.find(snap->header()->baseline());
                        if (it == held.end()) continue;
                        base = it->second;
                    }
                    ASSERT_NE(snap->data(), nullptr);
                    sync::BitReader r({snap->data()->data(), snap->data()->size()});
                    std::vector<sync::ViewEntry> view;
                    ASSERT_TRUE(sync::decode_delta(base, r, view));
                    const auto pos = own_pos(view);
                    if (pos[0] != 0) {
                        first = first[0] == 0 ? pos : first;
                        latest = pos;
                    }
                    newest = std::max(newest, snap->header()->id());
                    last_input_echo = snap->header()->last_input();
                    held[snap->header()->id()] = std::move(view);
                    ++decoded;
                }
            }
        }
        if (welcomed && events >= 0 && !asked) {
            asked = true;
            flatbuffers::FlatBufferBuilder b;
            const auto chat = proto::CreateChatSend(b, b.CreateString("  hello\u00e9\nall  "), false);
            b.Finish(proto::CreateEnvelope(b, proto::Message::ChatSend, chat.Union()));
            client.send(static_cast<std::uint16_t>(events), {b.GetBufferPointer(), b.GetSize()});
            flatbuffers::FlatBufferBuilder q;
            q.Finish(proto::CreateEnvelope(q, proto::Message::ScoreboardRequest,
                                           proto::CreateScoreboardRequest(q, 10).Union()));
            client.send(static_cast<std::uint16_t>(events), {q.GetBufferPointer(), q.GetSize()});
        }
        if (state >= 0 && std::chrono::steady_clock::now() >= next_input) {
            // Walk, turning a quarter every half second (a wall may block one way), acknowledging
            // the newest snapshot.
            static constexpr std::array<std::array<std::int8_t, 2>, 4> kDirs{
                {{1, 0}, {0, -1}, {-1, 0}, {0, 1}}};
            const auto& dir = kDirs[(seq / 25) % 4];
            flatbuffers::FlatBufferBuilder b;
            const auto in =
                proto::CreateInput(b, ++seq, 0, dir[0], dir[1], 0.0f, proto::InputButtons::NONE, -1, newest);
            b.Finish(proto::CreateEnvelope(b, proto::Message::Input, in.Union()));
            client.send(static_cast<std::uint16_t>(state), {b.GetBufferPointer(), b.GetSize()});
            next_input += 20ms;
        }
        std::this_thread::sleep_for(1ms);
    }
    stop = true;
    loop.join();
    net.stop();

    EXPECT_TRUE(welcomed);
    EXPECT_EQ(welcome_player, answer.player_id);
    EXPECT_GE(decoded, 30);
    ASSERT_NE(first[0], 0u) << "own player never seen alive";
    EXPECT_TRUE(moved()) << "the player did not move; inputs sent " << seq << ", echoed " << last_input_echo;
    EXPECT_GT(last_input_echo, 0u);
    EXPECT_LE(last_input_echo, seq);
    EXPECT_TRUE(own_name);
    EXPECT_TRUE(match_state);
    EXPECT_TRUE(chat_back);
    EXPECT_TRUE(scoreboard);
}

} // namespace
} // namespace mgs::app

namespace mgs::app {
namespace {

// A spectator has no player: it gets snapshots around its camera, and following a player moves
// the view with that player.
TEST(GameSync, SpectatorFollowsAPlayerWithoutJoiningTheWorld) {
    sim::Rules rules;
    world::MapParams map;
    sim::World world(rules, map, 4);
    SerialExecutor exec;
    metrics::Registry registry;
    net::NetConfig nc;
    nc.http.bind_address = "127.0.0.1";
    nc.http.port = 0;
    nc.rtc.bind_address = "127.0.0.1";
    nc.rtc.port = 0;
    nc.rtc.public_ips = {"127.0.0.1"};
    net::NetServer net(nc, registry);
    net.attach_game();
    std::string error;
    ASSERT_TRUE(net.start(error)) << error;
    SyncConfig sc;
    sc.view.half_width = 150.0f; // a small view: what it holds depends on where it looks
    sc.view.half_height = 150.0f;
    sc.view.hysteresis = 0.0f;
    GameSync game(net, world, sc);
    // The first bot (read before the game loop runs).
    std::uint32_t first_bot = 0;
    while (first_bot < world.players().size() && world.players().in_use[first_bot] == 0) ++first_bot;
    ASSERT_LT(first_bot, world.players().size());
    std::atomic<bool> stop{false};
    std::atomic<int> humans{-1};
    std::thread loop([&] {
        while (!stop.load()) {
            game.drain();
            world.step(exec);
            game.after_tick(exec);
            humans = world.humans();
            std::this_thread::sleep_for(10ms);
        }
    });
    auto cert = [] {
        std::string e;
        return rtc::DtlsCertificate::generate(e);
    }();
    net::RtcClient client(cert);
    net::RtcClient::Options o;
    o.http_port = net.http_port();
    o.name = "watcher";
    o.spectate = true;
    net::RtcClient::Answer answer;
    ASSERT_TRUE(client.signal(o, answer, error)) << error;

    int events = -1;
    int state = -1;
    std::uint32_t welcome_player = 0;
    std::map<std::uint32_t, std::vector<sync::ViewEntry>> held;
    std::uint32_t newest = 0;
    std::uint32_t follow = sim::kNoPlayer;
    int snapshots_with_target = 0;
    int deltas = 0; // snapshots encoded against an acknowledged one
    const auto end = std::chrono::steady_clock::now() + 20s;
    auto next_control = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end && snapshots_with_target < 10) {
        rtc::SctpStack::advance(client.now_us());
        client.drive();
        rtc::ConnectionEvent e;
        while (client.poll_event(e)) {
            if (e.type == rtc::ConnectionEvent::Type::Connected) {
                rtc::ChannelOptions opts;
                opts.label = "events";
                events = client.open_channel(opts);
            } else if (e.type == rtc::ConnectionEvent::Type::ChannelOpen &&
                       client.connection()->channel_label(e.channel) == "state") {
                state = e.channel;
            } else if (e.type == rtc::ConnectionEvent::Type::Message) {
                flatbuffers::Verifier v(e.data.data(), e.data.size());
                ASSERT_TRUE(proto::VerifyEnvelopeBuffer(v));
                const proto::Envelope* env = proto::GetEnvelope(e.data.data());
                if (const auto* w = env->message_as_Welcome()) {
                    welcome_player = w->player_id();
                } else if (const auto* snap = env->message_as_Snapshot()) {
                    std::span<const sync::ViewEntry> base;
                    if (snap->header()->baseline() != 0) {
                        auto it = held.find(snap->header()->baseline());
                        if (it == held.end()) continue;
                        base = it->second;
                    }
                    sync::BitReader r({snap->data()->data(), snap->data()->size()});
                    std::vector<sync::ViewEntry> view;
                    ASSERT_TRUE(sync::decode_delta(base, r, view));
                    newest = std::max(newest, snap->header()->id());
                    deltas += snap->header()->baseline() != 0 ? 1 : 0;
                    const bool sees = std::any_of(view.begin(), view.end(), [&](const sync::ViewEntry& ve) {
                        return ve.entity.kind == sync::EntityKind::Player &&
                               ve.entity.f[sync::kPlayerId] == follow &&
                               (ve.entity.f[sync::kPlayerStatus] & sync::kStatusAlive) != 0;
                    });
                    if (follow != sim::kNoPlayer && sees) {
                        ++snapshots_with_target;
                    }
                    held[snap->header()->id()] = std::move(view);
                }
            }
        }
        // Follow the first bot, acknowledging the newest snapshot.
        if (state >= 0 && std::chrono::steady_clock::now() >= next_control) {
            follow = first_bot;
            flatbuffers::FlatBufferBuilder b;
            b.Finish(
                proto::CreateEnvelope(b, proto::Message::SpectateControl,
                                      proto::CreateSpectateControl(b, follow, 0.0f, 0.0f, newest).Union()));
            client.send(static_cast<std::uint16_t>(state), {b.GetBufferPointer(), b.GetSize()});
            next_control += 100ms;
        }
        std::this_thread::sleep_for(1ms);
    }
    stop = true;
    loop.join();
    net.stop();
    EXPECT_EQ(welcome_player, 0xFFFFFFFFu);
    EXPECT_EQ(humans.load(), 0); // no player was made
    EXPECT_GE(snapshots_with_target, 10) << "following player " << follow;
    EXPECT_GT(deltas, 0); // the acknowledgements reached the server
    (void)events;
}

} // namespace
} // namespace mgs::app
