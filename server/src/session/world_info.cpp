#include "session/world_info.hpp"

#include "proto/game_generated.h"

namespace mgs::session {

void encode_welcome(const WorldInfo& w, std::uint32_t player_id, std::vector<std::uint8_t>& out) {
    flatbuffers::FlatBufferBuilder b(320);
    std::array<proto::WeaponInfo, std::tuple_size_v<decltype(w.weapons)>> weapons{};
    for (std::size_t k = 0; k < weapons.size(); ++k) {
        const WorldInfo::Weapon& x = w.weapons[k];
        weapons[k] = proto::WeaponInfo(x.projectile_speed, x.lifetime_s, x.cooldown_s, x.reload_s, x.magazine,
                                       x.pellets, x.range);
    }
    const auto weapon_list = b.CreateVectorOfStructs(weapons.data(), weapons.size());
    const auto welcome =
        proto::CreateWelcome(b, player_id, w.tick_hz, w.snapshot_hz, w.map_seed, w.map_width, w.map_height,
                             w.mode, w.view_half_width, w.view_half_height, w.player_radius, w.player_speed,
                             w.speed_boost, w.max_health, w.max_shield, weapon_list);
    b.Finish(proto::CreateEnvelope(b, proto::Message::Welcome, welcome.Union()));
    out.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

} // namespace mgs::session
