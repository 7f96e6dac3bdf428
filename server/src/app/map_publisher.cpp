#include "app/map_publisher.hpp"

#include "proto/game_generated.h"

#include <vector>

namespace mgs::app {

std::string encode_map(const world::Map& map) {
    flatbuffers::FlatBufferBuilder fb(64 + map.walls.size() * 20 + map.pickups.size() * 12);
    std::vector<proto::MapWall> walls;
    walls.reserve(map.walls.size());
    for (const world::WallDef& w : map.walls) {
        walls.emplace_back(w.box.min.x, w.box.min.y, w.box.max.x, w.box.max.y, w.max_health);
    }
    std::vector<proto::MapPickup> pickups;
    pickups.reserve(map.pickups.size());
    for (const world::PickupSpot& p : map.pickups) {
        pickups.emplace_back(p.pos.x, p.pos.y, static_cast<std::uint8_t>(p.kind));
    }
    std::vector<proto::MapBase> bases;
    for (const world::TeamBase& b : map.bases) {
        bases.emplace_back(b.flag_stand.x, b.flag_stand.y, b.area.min.x, b.area.min.y, b.area.max.x,
                           b.area.max.y);
    }
    const auto data =
        proto::CreateMapData(fb, map.seed, map.width, map.height, fb.CreateVectorOfStructs(walls),
                             fb.CreateVectorOfStructs(pickups), fb.CreateVectorOfStructs(bases));
    fb.Finish(data);
    return {reinterpret_cast<const char*>(fb.GetBufferPointer()), fb.GetSize()};
}

void MapPublisher::publish(const world::Map& map) {
    {
        const std::lock_guard lock(mu_);
        if (published_ && seed_ == map.seed) {
            return;
        }
    }
    std::string blob = encode_map(map); // outside the lock
    const std::lock_guard lock(mu_);
    blob_ = std::move(blob);
    seed_ = map.seed;
    published_ = true;
}

std::string MapPublisher::bytes() const {
    const std::lock_guard lock(mu_);
    return blob_;
}

std::uint64_t MapPublisher::seed() const {
    const std::lock_guard lock(mu_);
    return seed_;
}

} // namespace mgs::app
