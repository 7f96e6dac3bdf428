// Pickups (GAMEPLAY.md "Pickups"): each kind's effect, when it is taken, the pickup radius and
// the respawn timers.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mgs::sim::test {
namespace {

using world::PickupKind;

constexpr Vec2 kSpot{1000.0f, 500.0f};
constexpr Vec2 kAway{1000.0f, 800.0f};

/// One player (red) and one pickup of the given kind at kSpot.
class PickupTest : public ::testing::Test {
protected:
    void make(PickupKind kind) {
        world::Map m = test_map();
        spot = add_pickup(m, kSpot, kind);
        sim = std::make_unique<Sim>(rules_for(Mode::TeamDeathmatch), m);
        p = sim->add("p", Team::Red);
        sim->begin();
        sim->place(p, kAway);
    }

    bool active() const { return sim->world().pickup_active()[spot] != 0; }

    /// Puts the player on the pickup for one tick, then away; true if the pickup was taken.
    bool touch(Vec2 at = kSpot) {
        sim->world().respawn_pickup(spot);
        sim->place(p, at);
        const auto ev = sim->step();
        sim->place(p, kAway);
        const bool taken = !active();
        EXPECT_EQ(count_of(ev, EventType::PickupTaken, p.index), taken ? 1u : 0u);
        return taken;
    }

    std::unique_ptr<Sim> sim;
    PlayerId p{};
    std::uint32_t spot = 0;
};

TEST_F(PickupTest, HealthIsTakenOnlyWhenHurtAndCapsAtMax) {
    make(PickupKind::Health);
    EXPECT_FALSE(touch()) << "not taken at full health";
    EXPECT_TRUE(active());
    sim->mut().health[p.index] = 30.0f;
    EXPECT_TRUE(touch());
    EXPECT_FLOAT_EQ(sim->health(p), 80.0f);
    sim->mut().health[p.index] = 80.0f;
    EXPECT_TRUE(touch());
    EXPECT_FLOAT_EQ(sim->health(p), 100.0f);
}

TEST_F(PickupTest, ShieldAddsFiftyUpToFifty) {
    make(PickupKind::Shield);
    EXPECT_TRUE(touch());
    EXPECT_FLOAT_EQ(sim->players().shield[p.index], 50.0f);
    EXPECT_FALSE(touch()) << "not taken with a full shield";
    sim->mut().shield[p.index] = 30.0f;
    EXPECT_TRUE(touch());
    EXPECT_FLOAT_EQ(sim->players().shield[p.index], 50.0f);
}

TEST_F(PickupTest, AmmoRefillsEveryCarriedMagazine) {
    make(PickupKind::Ammo);
    sim->give(p, WeaponKind::Rifle);
    Players& pl = sim->mut();
    pl.magazine[p.index][gun(WeaponKind::Pistol)] = 2;
    pl.magazine[p.index][gun(WeaponKind::Rifle)] = 5;
    pl.reserve[p.index][gun(WeaponKind::Rifle)] = 10;
    pl.reload_done_tick[p.index] = sim->tick() + 100;
    EXPECT_TRUE(touch());
    EXPECT_EQ(sim->players().magazine[p.index][gun(WeaponKind::Pistol)], 7);
    EXPECT_EQ(sim->players().reserve[p.index][gun(WeaponKind::Pistol)], -1);
    EXPECT_EQ(sim->players().magazine[p.index][gun(WeaponKind::Rifle)], 30);
    EXPECT_EQ(sim->players().reserve[p.index][gun(WeaponKind::Rifle)], 90);
    EXPECT_FALSE(owns(sim->world(), p.index, WeaponKind::Sniper)) << "ammo gives no weapon";
    EXPECT_EQ(sim->players().magazine[p.index][gun(WeaponKind::Sniper)], 0);
}

struct CrateCase {
    PickupKind kind;
    WeaponKind weapon;
    const char* name;
};
void PrintTo(const CrateCase& c, std::ostream* os) {
    *os << c.name;
}

class Crate : public PickupTest, public ::testing::WithParamInterface<CrateCase> {};

TEST_P(Crate, GivesTheWeaponWithFullAmmoAndSelectsIt) {
    const CrateCase& c = GetParam();
    make(c.kind);
    ASSERT_FALSE(owns(sim->world(), p.index, c.weapon));
    EXPECT_TRUE(touch());
    const WeaponSpec& spec = sim->world().rules().weapons[gun(c.weapon)];
    EXPECT_TRUE(owns(sim->world(), p.index, c.weapon));
    EXPECT_TRUE(owns(sim->world(), p.index, WeaponKind::Pistol));
    EXPECT_EQ(sim->players().weapon[p.index], c.weapon);
    EXPECT_EQ(sim->players().magazine[p.index][gun(c.weapon)], spec.magazine);
    EXPECT_EQ(sim->players().reserve[p.index][gun(c.weapon)], 3 * spec.magazine);
    // The weapon can be fired right away.
    sim->input(p, aim_input(kAimUp, kButtonFire));
    const auto ev = sim->step();
    const auto fired = of_type(ev, EventType::ShotFired, p.index);
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].kind, static_cast<std::uint8_t>(c.weapon));
}

INSTANTIATE_TEST_SUITE_P(
    AllCrates, Crate,
    ::testing::Values(CrateCase{PickupKind::ShotgunCrate, WeaponKind::Shotgun, "Shotgun"},
                      CrateCase{PickupKind::RifleCrate, WeaponKind::Rifle, "Rifle"},
                      CrateCase{PickupKind::SniperCrate, WeaponKind::Sniper, "Sniper"}),
    [](const ::testing::TestParamInfo<CrateCase>& param) { return std::string(param.param.name); });

TEST_F(PickupTest, BoostsLastTenSeconds) {
    make(PickupKind::SpeedBoost);
    EXPECT_TRUE(touch());
    EXPECT_EQ(sim->players().speed_until[p.index], sim->tick() + sim->ticks(10.0f));
    EXPECT_EQ(sim->players().damage_until[p.index], 0u);
    make(PickupKind::DamageBoost);
    EXPECT_TRUE(touch());
    EXPECT_EQ(sim->players().damage_until[p.index], sim->tick() + sim->ticks(10.0f));
    EXPECT_EQ(sim->players().speed_until[p.index], 0u);
}

// Pickup radius 25 wu, measured to the player's body: taken when the centre is within
// 25 + 15 wu of the spot.
TEST_F(PickupTest, RadiusIsTwentyFiveWuFromThePlayersBody) {
    make(PickupKind::Shield);
    EXPECT_FALSE(touch(kSpot + Vec2{41.0f, 0.0f}));
    EXPECT_FALSE(touch(kSpot + Vec2{0.0f, -41.0f}));
    EXPECT_FALSE(touch(kSpot + Vec2{29.5f, 29.5f})); // 41.7 wu on the diagonal
    EXPECT_TRUE(touch(kSpot + Vec2{39.0f, 0.0f}));
    sim->mut().shield[p.index] = 0.0f;
    EXPECT_TRUE(touch(kSpot + Vec2{-27.5f, 27.5f})); // 38.9 wu
}

TEST_F(PickupTest, DeadPlayersTakeNothing) {
    make(PickupKind::SpeedBoost);
    sim->place(p, kSpot);
    sim->world().apply_damage(p.index, kNoPlayer, 500.0f, WeaponKind::Pistol);
    ASSERT_FALSE(sim->alive(p));
    sim->step(10);
    EXPECT_TRUE(active());
}

struct RespawnCase {
    PickupKind kind;
    float seconds;
    const char* name;
};
void PrintTo(const RespawnCase& c, std::ostream* os) {
    *os << c.name << ' ' << c.seconds << " s";
}

class PickupRespawn : public PickupTest, public ::testing::WithParamInterface<RespawnCase> {};

TEST_P(PickupRespawn, ComesBackAfterItsTimer) {
    const RespawnCase& c = GetParam();
    make(c.kind);
    sim->mut().health[p.index] = 10.0f;                        // so that a health pickup is wanted
    sim->mut().magazine[p.index][gun(WeaponKind::Pistol)] = 0; // and ammo
    ASSERT_TRUE(touch());
    const std::uint32_t taken = sim->tick();
    sim->step(sim->ticks(c.seconds) - 1);
    EXPECT_FALSE(active()) << "one tick early";
    const auto ev = sim->step();
    EXPECT_TRUE(active());
    EXPECT_EQ(sim->tick() - taken, sim->ticks(c.seconds));
    EXPECT_EQ(count_of(ev, EventType::PickupRespawned), 1u);
    // Available again: the next player to touch it takes it.
    sim->mut().health[p.index] = 10.0f;
    sim->mut().magazine[p.index][gun(WeaponKind::Pistol)] = 0;
    sim->mut().reload_done_tick[p.index] = 0;
    sim->mut().shield[p.index] = 0.0f;
    sim->mut().owned[p.index] = 0b10001; // pistol + melee only
    sim->place(p, kSpot);
    const auto again = sim->step();
    EXPECT_EQ(count_of(again, EventType::PickupTaken, p.index), 1u);
    EXPECT_FALSE(active());
}

INSTANTIATE_TEST_SUITE_P(AllKinds, PickupRespawn,
                         ::testing::Values(RespawnCase{PickupKind::Health, 10.0f, "Health"},
                                           RespawnCase{PickupKind::Ammo, 10.0f, "Ammo"},
                                           RespawnCase{PickupKind::ShotgunCrate, 15.0f, "ShotgunCrate"},
                                           RespawnCase{PickupKind::RifleCrate, 15.0f, "RifleCrate"},
                                           RespawnCase{PickupKind::SniperCrate, 15.0f, "SniperCrate"},
                                           RespawnCase{PickupKind::SpeedBoost, 20.0f, "SpeedBoost"},
                                           RespawnCase{PickupKind::DamageBoost, 20.0f, "DamageBoost"},
                                           RespawnCase{PickupKind::Shield, 20.0f, "Shield"}),
                         [](const ::testing::TestParamInfo<RespawnCase>& param) {
                             return std::string(param.param.name);
                         });

} // namespace
} // namespace mgs::sim::test
