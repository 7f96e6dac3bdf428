// The whole game data path over real loopback sockets: a client joins through /ws, gets its
// Welcome, sends inputs on the `state` channel, and decodes the snapshots of its view; its own
// player moves as its inputs say, and snapshots echo the newest input applied. On the `events`
// channel it learns its own name and the match state, its chat line comes back to it, and it
// gets the scoreboard it asked for. A spectator watches without a player.
#include "app/frontend.hpp"
#include "app/game_sync.hpp"
#include "core/parallel.hpp"
#include "net/rtc_client.hpp"
#include "proto/game_generated.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>

namespace mgs::app {
namespace {

using namespace std::chrono_literals;

/// A world, a network server on loopback and the game loop on its own thread, as in the server.
class LiveGame {
public:
    explicit LiveGame(const SyncConfig& sync = {}, const std::function<void(session::WorldInfo&)>& info = {})
        : world_(rules, map, 4), net_(loopback(), registry_) {
        session::WorldInfo wi;
        wi.map_seed = map.seed;
        wi.map_width = map.width;
        wi.map_height = map.height;
        if (info) info(wi);
        net_.set_world_info(wi);
        game_ = std::make_unique<GameSync>(net_.link(), world_, sync);
        std::string error;
        started_ = net_.start(error);
        EXPECT_TRUE(started_) << error;
    }
    ~LiveGame() {
        stop_ = true;
        if (loop_.joinable()) loop_.join();
        net_.stop();
    }
    LiveGame(const LiveGame&) = delete;
    LiveGame& operator=(const LiveGame&) = delete;

    /// Starts the game loop (read the world before this; after it, only through `humans`).
    void run() {
        loop_ = std::thread([this] {
            while (!stop_.load()) {
                game_->drain();
                world_.step(exec_);
                game_->after_tick(exec_);
                humans = world_.humans();
                std::this_thread::sleep_for(10ms);
            }
        });
    }
    [[nodiscard]] bool started() const { return started_; }
    [[nodiscard]] std::uint16_t http_port() const { return net_.http_port(); }
    [[nodiscard]] const sim::World& world() const { return world_; }

    const sim::Rules rules;
    const world::MapParams map; // arena size
    std::atomic<int> humans{-1};

private:
    static FrontendConfig loopback() {
        FrontendConfig fc;
        net::NetConfig& nc = fc.net;
        nc.http.bind_address = "127.0.0.1";
        nc.http.port = 0;
        nc.rtc.bind_address = "127.0.0.1";
        nc.rtc.port = 0;
        nc.rtc.public_ips = {"127.0.0.1"};
        fc.link.max_sessions = 64;
        return fc;
    }

    sim::World world_;
    SerialExecutor exec_;
    metrics::Registry registry_;
    Frontend net_;
    std::unique_ptr<GameSync> game_;
    std::thread loop_;
    std::atomic<bool> stop_{false};
    bool started_ = false;
};

/// Our WebRTC client with both channels, and snapshots decoded against the views it holds.
class TestClient {
public:
    TestClient() : client_(certificate()) {}

    bool join(std::uint16_t port, const std::string& name, bool spectate, const std::string& resume = {}) {
        net::RtcClient::Options o;
        o.http_port = port;
        o.name = name;
        o.spectate = spectate;
        o.resume_token = resume;
        std::string error;
        const bool ok = client_.signal(o, answer, error);
        EXPECT_TRUE(ok) << error;
        return ok;
    }

    /// Runs the connection for a moment; calls on_message for every verified envelope and
    /// decodes snapshots (on_snapshot gets the decoded view).
    void pump(
        const std::function<void(const proto::Envelope&)>& on_message,
        const std::function<void(const proto::Snapshot&, const std::vector<sync::ViewEntry>&)>& on_snapshot) {
        rtc::SctpStack::advance(client_.now_us());
        client_.drive();
        rtc::ConnectionEvent e;
        while (client_.poll_event(e)) {
            if (e.type == rtc::ConnectionEvent::Type::Connected) {
                rtc::ChannelOptions opts;
                opts.label = "events";
                events = client_.open_channel(opts);
            } else if (e.type == rtc::ConnectionEvent::Type::ChannelOpen &&
                       client_.connection()->channel_label(e.channel) == "state") {
                state = e.channel;
            } else if (e.type == rtc::ConnectionEvent::Type::Message) {
                flatbuffers::Verifier v(e.data.data(), e.data.size());
                ASSERT_TRUE(proto::VerifyEnvelopeBuffer(v));
                const proto::Envelope* env = proto::GetEnvelope(e.data.data());
                order.push_back(env->message_type());
                if (const auto* w = env->message_as_Welcome()) {
                    welcome_player = w->player_id();
                }
                if (const auto* snap = env->message_as_Snapshot()) {
                    decode(*snap, on_snapshot);
                } else {
                    on_message(*env);
                }
            }
        }
    }

    /// Sends a finished envelope on a channel.
    void send(int channel, const flatbuffers::FlatBufferBuilder& b) {
        ASSERT_GE(channel, 0);
        client_.send(static_cast<std::uint16_t>(channel), {b.GetBufferPointer(), b.GetSize()});
    }

    net::RtcClient::Answer answer;
    int events = -1;
    int state = -1;
    std::uint32_t welcome_player = 0;
    std::uint32_t newest = 0; ///< newest snapshot decoded (what to acknowledge)
    int decoded = 0;
    int deltas = 0;                    ///< snapshots encoded against an acknowledged one
    std::vector<proto::Message> order; ///< every message's type, as it arrived

private:
    static std::shared_ptr<const rtc::DtlsCertificate> certificate() {
        std::string e;
        return rtc::DtlsCertificate::generate(e);
    }

    void decode(
        const proto::Snapshot& snap,
        const std::function<void(const proto::Snapshot&, const std::vector<sync::ViewEntry>&)>& on_snapshot) {
        ASSERT_NE(snap.header(), nullptr);
        ASSERT_NE(snap.data(), nullptr);
        std::span<const sync::ViewEntry> base;
        if (snap.header()->baseline() != 0) {
            auto it = held_.find(snap.header()->baseline());
            if (it == held_.end()) return; // its baseline was lost: wait for the next one
            base = it->second;
        }
        sync::BitReader r({snap.data()->data(), snap.data()->size()});
        std::vector<sync::ViewEntry> view;
        ASSERT_TRUE(sync::decode_delta(base, r, view));
        newest = std::max(newest, snap.header()->id());
        deltas += snap.header()->baseline() != 0 ? 1 : 0;
        ++decoded;
        on_snapshot(snap, view);
        held_[snap.header()->id()] = std::move(view);
    }

    net::RtcClient client_;
    std::map<std::uint32_t, std::vector<sync::ViewEntry>> held_;
};

/// Sends one Input (seq, walking right) acknowledging the newest snapshot decoded.
void send_input(TestClient& c, std::uint32_t seq) {
    flatbuffers::FlatBufferBuilder b;
    const auto in = proto::CreateInput(b, seq, 0, 1, 0, 0.0f, proto::InputButtons::NONE, -1, c.newest);
    b.Finish(proto::CreateEnvelope(b, proto::Message::Input, in.Union()));
    c.send(c.state, b);
}

/// Quantised position of a live player in a view, or {0, 0}.
std::array<std::uint32_t, 2> alive_position(const std::vector<sync::ViewEntry>& view, std::uint32_t player) {
    for (const auto& e : view) {
        if (e.entity.kind == sync::EntityKind::Player && e.entity.f[sync::kPlayerId] == player &&
            (e.entity.f[sync::kPlayerStatus] & sync::kStatusAlive) != 0) {
            return {e.entity.f[sync::kPlayerX], e.entity.f[sync::kPlayerY]};
        }
    }
    return {0, 0};
}

// Without sockets: the network side of the GameLink is played by the test.
TEST(GameSync, NoSnapshotIsMadeForACongestedConnectionUntilItCatchesUp) {
    session::GameLink link({.max_sessions = 4});
    sim::World world(sim::Rules{}, world::MapParams{}, 4);
    SerialExecutor exec;
    GameSync game(link, world, SyncConfig{});
    const session::SessionRef ref{0, 1};
    session::Control join;
    join.session = ref;
    std::snprintf(join.name.data(), join.name.size(), "%s", "slow");
    link.push_control(join);
    session::InputState st;
    st.generation = ref.generation;
    st.epoch = 1;
    st.ready = true;
    link.write_input(ref.slot, st);
    // Ticks until one tick's batch holds a snapshot and events; then the counts per tick.
    const auto tick = [&] {
        game.drain();
        world.step(exec);
        game.after_tick(exec);
        std::array<int, 2> sent{}; // state, events
        while (session::OutBatch* b = link.take_batch()) {
            for (const auto& m : b->messages()) {
                if (m.session == ref) ++sent[m.channel == session::OutBatch::Channel::State ? 0 : 1];
            }
            link.give_back(b);
        }
        return sent;
    };
    int snapshots = 0;
    for (int t = 0; t < 30; ++t) snapshots += tick()[0];
    EXPECT_GE(snapshots, 15) << "20 Hz snapshots at 30 Hz ticks";
    st.congested = true;
    link.write_input(ref.slot, st);
    snapshots = 0;
    for (int t = 0; t < 30; ++t) snapshots += tick()[0];
    EXPECT_EQ(snapshots, 0);
    st.congested = false;
    link.write_input(ref.slot, st);
    snapshots = 0;
    for (int t = 0; t < 30; ++t) snapshots += tick()[0];
    EXPECT_GE(snapshots, 15) << "snapshots resume once the connection caught up";
}

TEST(GameSync, ClientMovesItsPlayerAndSeesItInSnapshots) {
    LiveGame game({}, [](session::WorldInfo& info) {
        const sim::Rules rules;
        info.player_speed = rules.speed;
        info.weapons[2].projectile_speed = rules.weapons[2].projectile_speed;
        info.weapons[2].magazine = static_cast<std::int16_t>(rules.weapons[2].magazine);
    });
    ASSERT_TRUE(game.started());
    game.run();
    TestClient client;
    ASSERT_TRUE(client.join(game.http_port(), "mover", false));
    const std::uint32_t me = client.answer.player_id;

    bool welcomed = false;
    std::uint32_t last_input_echo = 0;
    // Own position (quantised x, y) in the first and the latest snapshot that show it alive.
    std::array<std::uint32_t, 2> first{};
    std::array<std::uint32_t, 2> latest{};
    const auto moved = [&] {
        const auto d = [](std::uint32_t a, std::uint32_t b) { return a > b ? a - b : b - a; };
        return first[0] != 0 && (d(first[0], latest[0]) >= 80 || d(first[1], latest[1]) >= 80); // 10 wu
    };
    std::uint32_t seq = 0;
    bool own_name = false;
    bool match_state = false;
    bool chat_back = false;
    bool scoreboard = false;
    bool asked = false;
    bool own_state = false;
    const auto on_message = [&](const proto::Envelope& env) {
        if (const auto* w = env.message_as_Welcome()) {
            welcomed = true;
            EXPECT_EQ(w->map_width(), game.map.width);
            EXPECT_EQ(w->player_speed(), game.rules.speed);
            ASSERT_NE(w->weapons(), nullptr);
            ASSERT_EQ(w->weapons()->size(), 5u);
            EXPECT_EQ(w->weapons()->Get(2)->projectile_speed(), game.rules.weapons[2].projectile_speed);
            EXPECT_EQ(w->weapons()->Get(2)->magazine(), game.rules.weapons[2].magazine);
        } else if (const auto* ev = env.message_as_Events()) {
            if (ev->match() != nullptr) {
                match_state = true;
                EXPECT_EQ(ev->match()->mode(), static_cast<std::uint8_t>(game.rules.mode));
                EXPECT_EQ(ev->match()->map_seed(), game.world().map().seed);
            }
            if (ev->players() != nullptr) {
                for (const auto* p : *ev->players()) {
                    if (p->id() == me) {
                        own_name = true;
                        EXPECT_EQ(p->name()->str(), "mover");
                        EXPECT_FALSE(p->bot());
                    }
                }
            }
        } else if (const auto* chat = env.message_as_Chat()) {
            EXPECT_EQ(chat->from(), me);
            EXPECT_EQ(chat->text()->str(), "hello\u00e9 all"); // control character became a space, trimmed
            chat_back = true;
        } else if (const auto* board = env.message_as_Scoreboard()) {
            ASSERT_NE(board->rows(), nullptr);
            EXPECT_EQ(board->players(), 4u); // bots make room: 3 bots and us
            bool self = false;
            for (const auto* row : *board->rows()) {
                self = self || (row->player() == me && (row->rank_flags() & 1) != 0);
            }
            EXPECT_TRUE(self);
            scoreboard = true;
        }
    };
    const auto on_snapshot = [&](const proto::Snapshot& snap, const std::vector<sync::ViewEntry>& view) {
        const auto pos = alive_position(view, me); // a player that just joined may wait for its spawn
        if (pos[0] != 0) {
            first = first[0] == 0 ? pos : first;
            latest = pos;
        }
        last_input_echo = snap.header()->last_input();
        if (const proto::OwnState* own = snap.me()) {
            own_state = true;
            EXPECT_EQ(own->magazine_pistol(), game.rules.weapons[0].magazine); // nothing fired
            EXPECT_EQ(own->reserve_pistol(), -1);                              // unlimited
            EXPECT_EQ(own->owned() & 1, 1);                                    // the pistol
        }
    };
    const auto end = std::chrono::steady_clock::now() + 20s;
    auto next_input = std::chrono::steady_clock::now();
    // Until the player has walked 10 wu and everything arrived (or the time is up).
    while (std::chrono::steady_clock::now() < end &&
           (client.decoded < 30 || !welcomed || !moved() || !own_name || !match_state || !chat_back ||
            !scoreboard)) {
        client.pump(on_message, on_snapshot);
        if (welcomed && client.events >= 0 && !asked) {
            asked = true;
            flatbuffers::FlatBufferBuilder b;
            const auto chat = proto::CreateChatSend(b, b.CreateString("  hello\u00e9\nall  "), false);
            b.Finish(proto::CreateEnvelope(b, proto::Message::ChatSend, chat.Union()));
            client.send(client.events, b);
            flatbuffers::FlatBufferBuilder q;
            q.Finish(proto::CreateEnvelope(q, proto::Message::ScoreboardRequest,
                                           proto::CreateScoreboardRequest(q, 10).Union()));
            client.send(client.events, q);
        }
        if (client.state >= 0 && std::chrono::steady_clock::now() >= next_input) {
            // Walk, turning a quarter every half second (a wall may block one way), acknowledging
            // the newest snapshot.
            static constexpr std::array<std::array<std::int8_t, 2>, 4> kDirs{
                {{1, 0}, {0, -1}, {-1, 0}, {0, 1}}};
            const auto& dir = kDirs[(seq / 25) % 4];
            flatbuffers::FlatBufferBuilder b;
            const auto in = proto::CreateInput(b, ++seq, 0, dir[0], dir[1], 0.0f, proto::InputButtons::NONE,
                                               -1, client.newest);
            b.Finish(proto::CreateEnvelope(b, proto::Message::Input, in.Union()));
            client.send(client.state, b);
            next_input += 20ms;
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(welcomed);
    EXPECT_EQ(client.welcome_player, me);
    EXPECT_GE(client.decoded, 30);
    EXPECT_GT(client.deltas, 0);
    ASSERT_NE(first[0], 0u) << "own player never seen alive";
    EXPECT_TRUE(moved()) << "the player did not move; inputs sent " << seq << ", echoed " << last_input_echo;
    EXPECT_GT(last_input_echo, 0u);
    EXPECT_LE(last_input_echo, seq);
    EXPECT_TRUE(own_name);
    EXPECT_TRUE(match_state);
    EXPECT_TRUE(chat_back);
    EXPECT_TRUE(scoreboard);
    EXPECT_TRUE(own_state);
}

// A resume starts the connection over in a defined way, even while the old connection still looks
// alive: the Welcome comes first, the first snapshot is full (id 1, baseline 0) and carries the own
// state, and last_input is 0 until an input of the new connection is applied (which may be
// numbered from 1 again).
TEST(GameSync, AResumeStartsTheSnapshotStreamOver) {
    LiveGame game;
    ASSERT_TRUE(game.started());
    game.run();
    TestClient first;
    ASSERT_TRUE(first.join(game.http_port(), "first", false));
    std::uint32_t seq = 0;
    std::uint32_t echoed = 0;
    auto end = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < end && echoed < 20) {
        first.pump([](const proto::Envelope&) {},
                   [&](const proto::Snapshot& snap, const std::vector<sync::ViewEntry>&) {
                       echoed = snap.header()->last_input();
                   });
        if (first.state >= 0) {
            send_input(first, ++seq);
        }
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_GE(echoed, 20u) << "the first connection never got its inputs applied";
    EXPECT_GT(first.deltas, 0);

    // The same session from a new connection; the old one is not closed by its client.
    TestClient again;
    ASSERT_TRUE(again.join(game.http_port(), "first", false, first.answer.session));
    EXPECT_TRUE(again.answer.resumed);
    EXPECT_EQ(again.answer.player_id, first.answer.player_id);
    std::vector<std::array<std::uint32_t, 3>> headers; // id, baseline, last_input
    bool own_in_first = false;
    std::uint32_t new_seq = 0;
    end = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < end && (headers.size() < 10 || headers.back()[2] == 0)) {
        again.pump([](const proto::Envelope&) {},
                   [&](const proto::Snapshot& snap, const std::vector<sync::ViewEntry>&) {
                       const auto* h = snap.header();
                       if (headers.empty()) {
                           own_in_first = snap.me() != nullptr;
                       }
                       headers.push_back({h->id(), h->baseline(), h->last_input()});
                   });
        if (headers.size() >= 5 && again.state >= 0) {
            send_input(again, ++new_seq); // numbered from 1 again
        }
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_FALSE(again.order.empty());
    EXPECT_EQ(again.order.front(), proto::Message::Welcome);
    ASSERT_GE(headers.size(), 5u);
    EXPECT_EQ(headers[0][0], 1u); // ids start over
    EXPECT_EQ(headers[0][1], 0u); // full
    EXPECT_TRUE(own_in_first);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(headers[i][2], 0u) << i; // nothing of this connection applied yet
    }
    ASSERT_GT(new_seq, 0u);
    EXPECT_GE(headers.back()[2], 1u);
    EXPECT_LE(headers.back()[2], new_seq);
}

/// True if the view holds the player (alive or not).
bool holds_player(const std::vector<sync::ViewEntry>& view, std::uint32_t player) {
    return std::any_of(view.begin(), view.end(), [&](const sync::ViewEntry& e) {
        return e.entity.kind == sync::EntityKind::Player && e.entity.f[sync::kPlayerId] == player;
    });
}

// A client that cannot decode what it is sent says so (InputBatch.resync): the next snapshot it
// gets is full (baseline 0), and once it acknowledges that one, deltas resume. Its own player is
// in every snapshot it decodes.
TEST(GameSync, ResyncGetsAFullSnapshotNext) {
    LiveGame game;
    ASSERT_TRUE(game.started());
    game.run();
    TestClient client;
    ASSERT_TRUE(client.join(game.http_port(), "resyncer", false));
    const std::uint32_t me = client.answer.player_id;

    enum class Phase { Acking, Resyncing, Resumed } phase = Phase::Acking;
    std::uint32_t resync_from = 0; // newest snapshot id when the client asked
    std::uint32_t full_id = 0;     // the full snapshot that answered
    int deltas_before = 0;
    int deltas_after = 0;
    int without_own = 0;
    const auto on_snapshot = [&](const proto::Snapshot& snap, const std::vector<sync::ViewEntry>& view) {
        without_own += holds_player(view, me) ? 0 : 1;
        const std::uint32_t id = snap.header()->id();
        const bool full = snap.header()->baseline() == 0;
        if (phase == Phase::Acking) {
            deltas_before += full ? 0 : 1;
        } else if (phase == Phase::Resyncing && id > resync_from + 1 && full) {
            full_id = id; // later than anything built before the server could have read the request
            phase = Phase::Resumed;
        } else if (phase == Phase::Resumed && id > full_id) {
            deltas_after += full ? 0 : 1;
        }
    };
    const auto end = std::chrono::steady_clock::now() + 20s;
    auto next_input = std::chrono::steady_clock::now();
    std::uint32_t seq = 0;
    while (std::chrono::steady_clock::now() < end && deltas_after < 3) {
        client.pump([](const proto::Envelope&) {}, on_snapshot);
        if (phase == Phase::Acking && deltas_before >= 3) {
            phase = Phase::Resyncing;
            resync_from = client.newest;
        }
        if (client.state >= 0 && std::chrono::steady_clock::now() >= next_input) {
            flatbuffers::FlatBufferBuilder b;
            const std::array inputs{
                proto::CreateInput(b, ++seq, 0, 0, 0, 0.0f, proto::InputButtons::NONE, -1, client.newest)};
            const bool resync = phase == Phase::Resyncing;
            b.Finish(proto::CreateEnvelope(
                b, proto::Message::InputBatch,
                proto::CreateInputBatch(b, b.CreateVector(inputs.data(), inputs.size()), resync).Union()));
            client.send(client.state, b);
            next_input += 20ms;
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_GE(deltas_before, 3) << "acknowledgements did not reach the server";
    EXPECT_NE(full_id, 0u) << "no full snapshot after the resync request (asked at " << resync_from << ")";
    EXPECT_GE(deltas_after, 3) << "deltas did not resume after the full snapshot";
    EXPECT_EQ(without_own, 0) << "snapshots without the own player";
}

// A spectator has no player: it gets snapshots around its camera, and following a player moves
// the view with that player.
TEST(GameSync, SpectatorFollowsAPlayerWithoutJoiningTheWorld) {
    SyncConfig sc;
    sc.view.half_width = 150.0f; // a small view: what it holds depends on where it looks
    sc.view.half_height = 150.0f;
    sc.view.hysteresis = 0.0f;
    LiveGame game(sc);
    ASSERT_TRUE(game.started());
    // The first bot (read before the game loop runs).
    std::uint32_t bot = 0;
    while (bot < game.world().players().size() && game.world().players().in_use[bot] == 0) ++bot;
    ASSERT_LT(bot, game.world().players().size());
    game.run();
    TestClient client;
    ASSERT_TRUE(client.join(game.http_port(), "watcher", true));

    int snapshots_with_bot = 0;
    const auto end = std::chrono::steady_clock::now() + 20s;
    auto next_control = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end && snapshots_with_bot < 10) {
        client.pump([](const proto::Envelope&) {},
                    [&](const proto::Snapshot&, const std::vector<sync::ViewEntry>& view) {
                        snapshots_with_bot += alive_position(view, bot)[0] != 0 ? 1 : 0;
                    });
        // Follow the bot, acknowledging the newest snapshot.
        if (client.state >= 0 && std::chrono::steady_clock::now() >= next_control) {
            flatbuffers::FlatBufferBuilder b;
            b.Finish(proto::CreateEnvelope(
                b, proto::Message::SpectateControl,
                proto::CreateSpectateControl(b, bot, 0.0f, 0.0f, client.newest).Union()));
            client.send(client.state, b);
            next_control += 100ms;
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(client.welcome_player, 0xFFFFFFFFu);
    EXPECT_EQ(game.humans.load(), 0); // no player was made
    EXPECT_GE(snapshots_with_bot, 10) << "following player " << bot;
    EXPECT_GT(client.deltas, 0); // the acknowledgements reached the server
}

} // namespace
} // namespace mgs::app
