#pragma once
// The simulation thread's side of the network: players for sessions, their inputs, chat and
// scoreboard requests, and everything sent back. Talks to the network thread only through
// session::GameLink (lock-free queues, one input slot per session, batches of messages), so the
// tick never waits on the network thread.
//
//   per tick:          drain()       joins, leaves, chat lines (relayed at once), scoreboard
//                                    requests (answered); then every session's input slot:
//                                    a new connection (epoch) starts the client over, the newest
//                                    input (with the presses since the last tick) is applied
//                      after_tick()  the tick's events into the EventLog; the tick's messages
//                                    handed over in one batch (GameLink::publish wakes the
//                                    network thread)
//   at snapshot rate:  after_tick()  one Frame and one effect index for everyone; then per client,
//                                    in parallel: its view delta against the snapshot it
//                                    acknowledged plus the effects near it (state channel), and
//                                    the names of players new to it (events channel); global
//                                    events (kill feed, flags, match) are built once and sent to all
#include "app/map_publisher.hpp"
#include "net/game_message.hpp"
#include "session/game_link.hpp"
#include "sim/world.hpp"
#include "sync/effects.hpp"
#include "sync/view.hpp"

#include <flatbuffers/flatbuffers.h>

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

namespace mgs::proto {
struct MatchState;
}

namespace mgs::app {

struct SyncConfig {
    sync::ViewConfig view;
    int tick_hz = 30;
    int snapshot_hz = 20;
    int max_effects = 32; ///< per snapshot message, at most kMaxEffects
};

struct SnapshotFields {
    std::uint32_t id = 0;
    std::uint32_t tick = 0;
    std::uint32_t baseline = 0;
    std::uint32_t last_input = 0;
};

/// A player's private state (proto::OwnState): ammunition and timers, in server ticks.
struct OwnFields {
    std::array<std::int16_t, sim::kGunCount> magazine{};
    std::array<std::int16_t, sim::kGunCount> reserve{};
    std::uint8_t owned = 0;
    std::uint8_t weapon = 0;
    std::uint32_t reload_done_tick = 0;
    std::uint32_t speed_until = 0;
    std::uint32_t damage_until = 0;
    std::uint32_t protected_until = 0;
    std::uint32_t respawn_tick = 0;
    friend bool operator==(const OwnFields&, const OwnFields&) = default;
};

/// Builds Envelope{Snapshot{header, delta, effects, me}} in `fb` (cleared first). At most
/// GameSync::kMaxEffects effects are written; `me` may be null (not sent).
void encode_snapshot_message(flatbuffers::FlatBufferBuilder& fb, const SnapshotFields& header,
                             std::span<const std::uint8_t> delta, std::span<const sync::EffectRecord> effects,
                             const OwnFields* me = nullptr);

class GameSync {
public:
    /// Effects per snapshot at most: 32 x 12 bytes leave the delta at least 676 of the 1060-byte
    /// budget, room for the records of a whole view leaving at once (1024 x 4 bits).
    static constexpr int kMaxEffects = 32;
    /// Global events per Events message (12 bytes each: the message stays well under 1200).
    static constexpr std::size_t kGlobalsPerMessage = 48;
    /// Rows of a scoreboard (16 bytes each).
    static constexpr std::uint16_t kMaxScoreRows = net::ClientGameMessage::kMaxScoreboardRows;
    /// The delta always gets at least this much of a snapshot (effects give way first).
    static constexpr std::size_t kMinDeltaBytes = 64;
    /// The own state is resent at least every this many snapshots (it rides unreliable ones).
    static constexpr std::uint32_t kOwnRefresh = 10;

    /// Bytes left for the delta when `effects` effects (and the own state, if `own`) share a
    /// snapshot of `budget_bytes`.
    [[nodiscard]] static std::size_t delta_budget(std::size_t budget_bytes, std::size_t effects,
                                                  bool own) noexcept;

    /// `maps` (optional) is kept up to date with the world's map, for GET /map.
    GameSync(session::GameLink& link, sim::World& world, SyncConfig config, MapPublisher* maps = nullptr);

    /// Applies what the network queued: joins (players made), leaves, chat, requests, inputs.
    void drain();
    /// After a tick: collects its events; snapshots and events when a snapshot is due; hands the
    /// tick's messages to the network thread.
    void after_tick(Executor& exec);

    [[nodiscard]] std::size_t clients() const noexcept { return clients_.size(); }
    /// Snapshots per second from now on (1 .. tick_hz); the configured rate unless overloaded.
    void set_snapshot_hz(int hz) noexcept;
    /// Work the views shed from now on (overload: smaller views, far entities less often).
    void set_shedding(const sync::Shedding& shed) noexcept { shed_ = shed; }
    /// Heap held for clients (all of them), by part, for the memory report. Simulation thread.
    struct Memory {
        std::size_t clients = 0;
        std::size_t views = 0;   ///< ClientViews: members, local ids, the snapshots remembered
        std::size_t buffers = 0; ///< builders, bit buffer, names known, effect slots, the Client itself
    };
    [[nodiscard]] Memory memory() const noexcept;
    [[nodiscard]] int snapshot_hz() const noexcept { return snapshot_hz_; }

private:
    struct Client {
        session::SessionRef session;
        sim::PlayerId player; // invalid for a spectator
        bool spectator = false;
        Vec2 camera{}; // spectators: where they look unless following
        std::uint32_t follow = sim::kNoPlayer;
        std::uint32_t last_input = 0;
        OwnFields own{};           // private state as last sent
        std::uint32_t own_age = 0; // snapshots since it was last sent
        std::uint32_t acked = 0;
        std::uint32_t epoch = 0;    // the connection messages are made for (session::InputState)
        bool ready = false;         // that connection is up and welcomed: messages may be sent
        bool congested = false;     // its peer is behind: no snapshot is made for it
        bool needs_match = true;    // next Events message carries the match state
        bool force_full = false;    // the client asked for a full snapshot
        session::InputState seen{}; // the slot as last applied (counters diffed against it)
        std::unique_ptr<sync::ClientView> view;
        std::vector<std::uint8_t> bits;
        std::vector<std::uint64_t> known; // player slots whose PlayerInfo the client has
        std::vector<std::uint32_t> infos; // scratch: slots to introduce in this snapshot
        std::vector<std::uint32_t> scratch;
        std::array<sync::EffectRecord, kMaxEffects> effects{};
        flatbuffers::FlatBufferBuilder builder{1400}; // kBuilderBytes
        flatbuffers::FlatBufferBuilder events{1400};
    };

    void on_join(const session::Control& r);
    void on_leave(const session::Control& r);
    void on_chat(Client& from, const session::Request& r);
    void on_scoreboard(Client& c, const session::Request& r);
    void apply_input(Client& c, const session::InputState& st);
    void send(const Client& c, bool reliable, std::span<const std::uint8_t> bytes);
    void build_messages(Executor& exec);
    void build_snapshot(Client& c);
    void build_client_events(Client& c, bool match_changed);
    void build_global_events(bool match_changed);
    [[nodiscard]] flatbuffers::Offset<proto::MatchState>
    match_state(flatbuffers::FlatBufferBuilder& fb) const;
    [[nodiscard]] bool knows(const Client& c, std::uint32_t slot) const noexcept;
    /// A player in the world, or a spectator.
    [[nodiscard]] bool active(const Client& c) const noexcept {
        return c.spectator || world_.valid(c.player);
    }
    /// Where a client's view is centred: its player, or a spectator's followed player or camera.
    [[nodiscard]] Vec2 view_center(const Client& c) const noexcept;
    static void set_known(Client& c, std::uint32_t slot, bool on);
    Client* client_of(session::SessionRef session) noexcept;

    session::GameLink& link_;
    sim::World& world_;
    SyncConfig config_;
    MapPublisher* maps_;
    std::uint64_t map_seed_ = 0;
    sync::Frame frame_;
    sync::EventLog log_;
    sync::Shedding shed_;
    int snapshot_hz_ = 20;    // now (the configured rate unless overload lowered it)
    int snapshot_credit_ = 0; // snapshot_hz_ added per tick; a snapshot spends tick_hz
    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<std::uint32_t> by_slot_; // session slot -> index in clients_ (UINT32_MAX: none)
    // The match as last announced: a change sends MatchState to everyone.
    std::uint32_t match_number_ = 0xFFFFFFFFu;
    sim::MatchPhase match_phase_ = sim::MatchPhase::Waiting;
    std::array<std::int32_t, 2> match_score_{};
    std::array<sim::FlagState, 2> flag_state_{};
    flatbuffers::FlatBufferBuilder global_builder_{2048};
    std::vector<std::vector<std::uint8_t>> global_msgs_; // built once per snapshot, sent to all
    std::size_t global_count_ = 0;
    std::vector<std::uint32_t> score_order_; // scratch for scoreboards
};

} // namespace mgs::app
