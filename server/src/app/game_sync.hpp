#pragma once
// The simulation thread's side of the network: players for sessions, their inputs, and their
// snapshots. Talks to net::NetServer only through its lock-free queues, so the tick never waits
// on the network thread.
//
//   per tick:          drain()          joins, leaves, inputs (latest input per player wins)
//   at snapshot rate:  send_snapshots() one Frame for everyone, then per client its view delta
//                                       against the snapshot it acknowledged, in parallel
#include "net/net_server.hpp"
#include "sim/world.hpp"
#include "sync/view.hpp"

#include <flatbuffers/flatbuffers.h>

#include <memory>
#include <unordered_map>
#include <vector>

namespace mgs::app {

class GameSync {
public:
    GameSync(net::NetServer& net, sim::World& world, sync::ViewConfig view, int tick_hz, int snapshot_hz);

    /// Applies what the network queued: joins (players made), leaves, inputs.
    void drain();
    /// After a tick: snapshots, when one is due.
    void after_tick(Executor& exec);

    [[nodiscard]] std::size_t clients() const noexcept { return clients_.size(); }

private:
    struct Client {
        std::uint32_t session = 0;
        sim::PlayerId player;
        std::uint32_t last_input = 0;
        std::uint32_t acked = 0;
        std::unique_ptr<sync::ClientView> view;
        std::vector<std::uint8_t> bits;
        flatbuffers::FlatBufferBuilder builder{1400};
    };

    net::NetServer& net_;
    sim::World& world_;
    sync::ViewConfig view_config_;
    sync::Frame frame_;
    int tick_hz_;
    int snapshot_hz_;
    std::uint64_t snapshots_sent_ = 0;
    std::vector<std::unique_ptr<Client>> clients_;
    std::unordered_map<std::uint32_t, std::size_t> by_session_;
};

} // namespace mgs::app
