#include "app/game_sync.hpp"

#include "proto/game_generated.h"

#include <spdlog/spdlog.h>

namespace mgs::app {

GameSync::GameSync(net::NetServer& net, sim::World& world, sync::ViewConfig view, int tick_hz,
                   int snapshot_hz)
    : net_(net), world_(world), view_config_(view),
      frame_(world.map().bounds().max.x, world.map().bounds().max.y), tick_hz_(tick_hz),
      snapshot_hz_(snapshot_hz) {}

void GameSync::drain() {
    net::GameRequest r;
    while (net_.poll_request(r)) {
        switch (r.type) {
        case net::GameRequest::Type::Join: {
            const sim::Team team = r.team == 0   ? sim::Team::Red
                                   : r.team == 1 ? sim::Team::Blue
                                                 : sim::Team::None;
            auto c = std::make_unique<Client>();
            c->session = r.session;
            c->player = world_.add_player(r.name.data(), false, team);
            c->view = std::make_unique<sync::ClientView>(view_config_);
            c->bits.resize(view_config_.budget_bytes + 256);
            net_.player_joined(r.session, c->player.index);
            spdlog::info("player {} joined (session {})", r.name.data(), r.session);
            by_session_[r.session] = clients_.size();
            clients_.push_back(std::move(c));
            break;
        }
        case net::GameRequest::Type::Leave: {
            auto it = by_session_.find(r.session);
            if (it == by_session_.end()) {
                break;
            }
            const std::size_t i = it->second;
            world_.remove_player(clients_[i]->player);
            spdlog::info("player of session {} left", r.session);
            by_session_.erase(it);
            if (i + 1 != clients_.size()) {
                clients_[i] = std::move(clients_.back());
                by_session_[clients_[i]->session] = i;
            }
            clients_.pop_back();
            break;
        }
        case net::GameRequest::Type::Input: {
            auto it = by_session_.find(r.session);
            if (it == by_session_.end()) {
                break;
            }
            Client& c = *clients_[it->second];
            // Inputs may arrive repeated (redundancy) or out of order: only newer ones count.
            if (r.seq > c.last_input || c.last_input == 0) {
                sim::Input in;
                in.seq = r.seq;
                in.move_x = r.move_x;
                in.move_y = r.move_y;
                in.aim = r.aim;
                in.buttons = r.buttons;
                in.weapon_slot = r.weapon_slot;
                world_.set_input(c.player, in);
                c.last_input = r.seq;
            }
            c.acked = std::max(c.acked, r.ack_snapshot);
            break;
        }
        }
    }
}

void GameSync::after_tick(Executor& exec) {
    // Snapshot ticks: the ones where tick * snapshot_hz / tick_hz crosses an integer.
    const std::uint64_t due = static_cast<std::uint64_t>(world_.tick()) *
                              static_cast<std::uint64_t>(snapshot_hz_) / static_cast<std::uint64_t>(tick_hz_);
    if (due == snapshots_sent_ || clients_.empty()) {
        snapshots_sent_ = due;
        return;
    }
    snapshots_sent_ = due;
    frame_.build(world_);
    exec.for_ranges(clients_.size(), 8, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            Client& c = *clients_[i];
            c.builder.Clear();
            if (!world_.valid(c.player)) {
                continue;
            }
            sync::BitWriter w(c.bits);
            std::uint32_t baseline = 0;
            const Vec2 center = world_.players().pos[c.player.index];
            const std::uint32_t id = c.view->snapshot(frame_, center, c.acked, w, baseline);
            flatbuffers::FlatBufferBuilder& fb = c.builder;
            fb.Clear();
            const auto data = fb.CreateVector(c.bits.data(), w.bytes());
            const auto snap = proto::CreateSnapshot(fb, id, world_.tick(), baseline, c.last_input,
                                                    static_cast<std::uint32_t>(w.bits()), data);
            fb.Finish(proto::CreateEnvelope(fb, proto::Message::Snapshot, snap.Union()));
        }
    });
    // The queue to the network thread has one producer: hand the messages over in order.
    for (const auto& c : clients_) {
        if (world_.valid(c->player) && c->builder.GetSize() > 0) {
            net_.send_to_client(c->session, false, {c->builder.GetBufferPointer(), c->builder.GetSize()});
        }
    }
}

} // namespace mgs::app
