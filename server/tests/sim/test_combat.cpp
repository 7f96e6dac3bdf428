// Damage rules (GAMEPLAY.md "Players", "Weapons"): shield before health, damage and speed
// boosts, spawn protection, the kill feed, death and respawn, input validation.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace mgs::sim::test {
namespace {

class Combat : public ::testing::Test {
protected:
    void SetUp() override {
        red = sim.add("red", Team::Red);
        blue = sim.add("blue", Team::Blue);
        sim.begin();
        sim.place(red, {500.0f, 500.0f});
        sim.place(blue, {700.0f, 500.0f}, kPi);
    }

    Sim sim{rules_for(Mode::TeamDeathmatch), map_with_pickups()};
    PlayerId red{};
    PlayerId blue{};

    static constexpr Vec2 kSpeedSpot{500.0f, 300.0f};
    static constexpr Vec2 kDamageSpot{800.0f, 300.0f};

    static world::Map map_with_pickups() {
        world::Map m = test_map();
        add_pickup(m, kSpeedSpot, world::PickupKind::SpeedBoost);
        add_pickup(m, kDamageSpot, world::PickupKind::DamageBoost);
        return m;
    }
};

TEST_F(Combat, ShieldAbsorbsBeforeHealth) {
    sim.mut().shield[blue.index] = 20.0f;
    sim.input(red, aim_input(kAimRight, kButtonFire));
    sim.step();
    sim.input(red, aim_input(kAimRight));
    sim.step(sim.ticks(1.0f));
    EXPECT_FLOAT_EQ(sim.players().shield[blue.index], 12.0f) << "pistol hit of 8 taken by the shield";
    EXPECT_FLOAT_EQ(sim.health(blue), 100.0f);
    const float dealt = sim.world().apply_damage(blue.index, red.index, 30.0f, WeaponKind::Rifle);
    EXPECT_FLOAT_EQ(dealt, 30.0f);
    EXPECT_FLOAT_EQ(sim.players().shield[blue.index], 0.0f);
    EXPECT_FLOAT_EQ(sim.health(blue), 82.0f);
}

TEST_F(Combat, DamageBoostMultipliesByOneAndAHalfForTenSeconds) {
    sim.give(red, WeaponKind::Rifle);
    sim.place(red, kDamageSpot);
    sim.step();
    const std::uint32_t taken = sim.tick();
    ASSERT_EQ(sim.players().damage_until[red.index], taken + sim.ticks(10.0f));
    sim.place(red, {500.0f, 500.0f});
    sim.place(blue, {700.0f, 500.0f}, kPi);
    // Last boosted tick: one rifle shot of 10 x 1.5.
    sim.step(sim.players().damage_until[red.index] - 2 - sim.tick());
    sim.input(red, aim_input(kAimRight, kButtonFire));
    sim.step();
    ASSERT_EQ(sim.tick() + 1, sim.players().damage_until[red.index]);
    auto shots = projectiles_of(sim.world(), red.index);
    ASSERT_EQ(shots.size(), 1u);
    EXPECT_FLOAT_EQ(sim.world().projectiles().damage[shots[0]], 15.0f);
    // The very next tick the boost is over: back to 10 (cooldown lifted by hand).
    sim.mut().next_fire_tick[red.index] = 0;
    sim.step();
    sim.input(red, aim_input(kAimRight));
    ASSERT_EQ(sim.tick(), sim.players().damage_until[red.index]);
    shots = projectiles_of(sim.world(), red.index);
    ASSERT_EQ(shots.size(), 2u);
    EXPECT_FLOAT_EQ(sim.world().projectiles().damage[shots[0]] + sim.world().projectiles().damage[shots[1]],
                    25.0f);
    sim.step(sim.ticks(1.0f));
    EXPECT_FLOAT_EQ(sim.health(blue), 75.0f);
}

TEST_F(Combat, DamageBoostAppliesToMelee) {
    sim.place(red, kDamageSpot);
    sim.step();
    sim.place(red, {500.0f, 500.0f});
    sim.place(blue, {540.0f, 500.0f}, kPi);
    sim.input(red, aim_input(kAimRight, kButtonMelee));
    sim.step();
    EXPECT_FLOAT_EQ(sim.health(blue), 55.0f);
}

TEST_F(Combat, SpeedBoostMovesOneAndAHalfTimesFartherForTenSeconds) {
    const auto moved_in_one_tick = [&](int mx, int my) {
        const Vec2 before = sim.pos(red);
        sim.input(red, move_input(mx, my));
        sim.step();
        sim.input(red, move_input(0, 0));
        return distance(before, sim.pos(red));
    };
    EXPECT_NEAR(moved_in_one_tick(1, 0), 5.0f, 1e-3f) << "150 wu/s at 30 Hz";
    sim.place(red, kSpeedSpot);
    sim.place(blue, {1500.0f, 900.0f}, kPi);
    sim.step();
    const std::uint32_t until = sim.players().speed_until[red.index];
    ASSERT_EQ(until, sim.tick() + sim.ticks(10.0f));
    sim.place(red, {500.0f, 500.0f});
    EXPECT_NEAR(moved_in_one_tick(1, 0), 7.5f, 1e-3f);
    EXPECT_NEAR(moved_in_one_tick(-1, 1), 7.5f, 1e-3f) << "diagonals are normalised";
    sim.step(until - 2 - sim.tick());
    EXPECT_NEAR(moved_in_one_tick(0, 1), 7.5f, 1e-3f) << "last boosted tick";
    EXPECT_NEAR(moved_in_one_tick(0, 1), 5.0f, 1e-3f) << "boost over";
}

TEST(SpawnProtection, BlocksDamageForTwoSeconds) {
    Sim sim;
    const PlayerId red = sim.add("red", Team::Red);
    const PlayerId blue = sim.add("blue", Team::Blue);
    sim.begin(); // everyone spawns now, protected
    ASSERT_EQ(sim.players().protected_until[blue.index], sim.tick() + sim.ticks(2.0f));
    EXPECT_FLOAT_EQ(sim.world().apply_damage(blue.index, red.index, 50.0f, WeaponKind::Sniper), 0.0f);
    sim.step(sim.ticks(2.0f) - 1);
    EXPECT_FLOAT_EQ(sim.world().apply_damage(blue.index, red.index, 50.0f, WeaponKind::Sniper), 0.0f);
    EXPECT_FLOAT_EQ(sim.health(blue), 100.0f);
    sim.step();
    EXPECT_FLOAT_EQ(sim.world().apply_damage(blue.index, red.index, 50.0f, WeaponKind::Sniper), 50.0f);
    EXPECT_FLOAT_EQ(sim.health(blue), 50.0f);
}

TEST(SpawnProtection, ProjectilesDoNoDamageToAProtectedPlayer) {
    Sim sim;
    const PlayerId red = sim.add("red", Team::Red);
    const PlayerId blue = sim.add("blue", Team::Blue);
    sim.begin();
    sim.place(red, {500.0f, 500.0f});
    sim.place(blue, {600.0f, 500.0f}, kPi);
    sim.mut().protected_until[blue.index] = sim.tick() + sim.ticks(2.0f);
    sim.input(red, aim_input(kAimRight, kButtonFire));
    sim.step();
    sim.input(red, aim_input(kAimRight));
    sim.step(sim.ticks(1.0f));
    EXPECT_FLOAT_EQ(sim.health(blue), 100.0f);
}

TEST(SpawnProtection, FiringBreaksIt) {
    Sim sim;
    const PlayerId red = sim.add("red", Team::Red);
    const PlayerId blue = sim.add("blue", Team::Blue);
    sim.begin();
    ASSERT_GT(sim.players().protected_until[blue.index], sim.tick());
    sim.input(blue, aim_input(kAimUp, kButtonFire));
    sim.step();
    EXPECT_EQ(sim.players().protected_until[blue.index], 0u);
    EXPECT_FLOAT_EQ(sim.world().apply_damage(blue.index, red.index, 10.0f, WeaponKind::Rifle), 10.0f);
    // A melee swing breaks it too.
    ASSERT_GT(sim.players().protected_until[red.index], sim.tick());
    sim.input(red, aim_input(kAimUp, kButtonMelee));
    sim.step();
    EXPECT_EQ(sim.players().protected_until[red.index], 0u);
}

TEST_F(Combat, KillEmitsKillFeedEventWithKillerVictimAndWeapon) {
    sim.give(red, WeaponKind::Sniper);
    sim.mut().health[blue.index] = 40.0f;
    sim.input(red, aim_input(kAimRight, kButtonFire));
    std::vector<Event> ev = sim.step();
    sim.input(red, aim_input(kAimRight));
    const auto rest = sim.step(sim.ticks(1.0f));
    ev.insert(ev.end(), rest.begin(), rest.end());
    const auto kills = of_type(ev, EventType::Kill);
    ASSERT_EQ(kills.size(), 1u);
    EXPECT_EQ(kills[0].a, red.index);
    EXPECT_EQ(kills[0].b, blue.index);
    EXPECT_EQ(kills[0].kind, static_cast<std::uint8_t>(WeaponKind::Sniper));
    EXPECT_FALSE(sim.alive(blue));
    EXPECT_EQ(sim.stats(red).kills, 1);
    EXPECT_EQ(sim.stats(blue).deaths, 1);
}

TEST_F(Combat, DeadPlayerRespawnsAfterFiveSecondsWithAFreshLoadout) {
    // Load the victim up with everything respawn must take away.
    sim.give(blue, WeaponKind::Rifle);
    sim.mut().magazine[blue.index][gun(WeaponKind::Pistol)] = 2;
    sim.mut().shield[blue.index] = 50.0f;
    sim.mut().speed_until[blue.index] = sim.tick() + sim.ticks(60.0f);
    sim.mut().damage_until[blue.index] = sim.tick() + sim.ticks(60.0f);
    sim.world().apply_damage(blue.index, red.index, 150.0f, WeaponKind::Rifle);
    ASSERT_FALSE(sim.alive(blue));
    const std::uint32_t died = sim.tick();
    std::vector<Event> ev = sim.step(sim.ticks(5.0f) - 1);
    EXPECT_FALSE(sim.alive(blue)) << "still dead one tick before 5 s";
    EXPECT_EQ(count_of(ev, EventType::Spawned, blue.index), 0u);
    ev = sim.step();
    ASSERT_TRUE(sim.alive(blue));
    EXPECT_EQ(sim.tick() - died, sim.ticks(5.0f));
    EXPECT_EQ(count_of(ev, EventType::Spawned, blue.index), 1u);
    const Players& p = sim.players();
    EXPECT_FLOAT_EQ(p.health[blue.index], 100.0f);
    EXPECT_FLOAT_EQ(p.shield[blue.index], 0.0f);
    EXPECT_EQ(p.weapon[blue.index], WeaponKind::Pistol);
    EXPECT_EQ(p.magazine[blue.index][gun(WeaponKind::Pistol)], 7);
    EXPECT_FALSE(owns(sim.world(), blue.index, WeaponKind::Rifle)) << "crate weapons are lost on death";
    EXPECT_TRUE(owns(sim.world(), blue.index, WeaponKind::Melee));
    EXPECT_LE(p.speed_until[blue.index], sim.tick());
    EXPECT_LE(p.damage_until[blue.index], sim.tick());
    EXPECT_EQ(p.protected_until[blue.index], sim.tick() + sim.ticks(2.0f));
    EXPECT_LT(distance(p.pos[blue.index], kBlueSpawn), 40.0f) << "at the team's spawn point";
}

TEST(Respawn, AtTheTeamSpawnPointWithoutEnemiesNearby) {
    constexpr Vec2 kA{300.0f, 150.0f}, kB{300.0f, 850.0f};
    world::Map m = test_map();
    m.team_spawns[0] = {kA, kB};
    Sim sim(rules_for(Mode::TeamDeathmatch), m);
    const PlayerId red = sim.add("red", Team::Red);
    const PlayerId blue = sim.add("blue", Team::Blue);
    sim.begin();
    for (const bool enemy_at_a : {true, false, true}) {
        sim.place(blue, enemy_at_a ? kA + Vec2{80.0f, 0.0f} : kB + Vec2{80.0f, 0.0f}, kPi);
        sim.place(red, {1000.0f, 500.0f});
        sim.world().apply_damage(red.index, blue.index, 1000.0f, WeaponKind::Rifle);
        ASSERT_FALSE(sim.alive(red));
        sim.step(sim.ticks(5.0f));
        ASSERT_TRUE(sim.alive(red));
        const Vec2 safe = enemy_at_a ? kB : kA;
        EXPECT_LT(distance(sim.pos(red), safe), 30.0f) << "enemy at " << (enemy_at_a ? "A" : "B");
    }
}

TEST(Respawn, InsideTheSpawnAreaWhenOneIsSet) {
    // spawn.area (load tests): everyone, of either team, spawns at random inside the rectangle.
    Rules rules = rules_for(Mode::TeamDeathmatch);
    rules.spawn_area = {400.0f, 300.0f, 200.0f, 150.0f};
    Sim sim(rules, test_map());
    std::vector<PlayerId> ids;
    for (int i = 0; i < 16; ++i) ids.push_back(sim.add("p", i % 2 == 0 ? Team::Red : Team::Blue));
    sim.begin();
    sim.step(1);
    float min_x = 1e9f, max_x = 0.0f;
    for (const PlayerId id : ids) {
        ASSERT_TRUE(sim.alive(id));
        const Vec2 p = sim.pos(id);
        EXPECT_GE(p.x, 400.0f - 20.0f); // a player pushed out of a wall moves by its radius at most
        EXPECT_LE(p.x, 600.0f + 20.0f);
        EXPECT_GE(p.y, 300.0f - 20.0f);
        EXPECT_LE(p.y, 450.0f + 20.0f);
        min_x = std::min(min_x, p.x);
        max_x = std::max(max_x, p.x);
    }
    EXPECT_GT(max_x - min_x, 50.0f) << "spread over the area, not stacked";
}

TEST_F(Combat, DeadPlayersDoNotActAndTakeNoDamage) {
    sim.world().apply_damage(blue.index, red.index, 200.0f, WeaponKind::Rifle);
    ASSERT_FALSE(sim.alive(blue));
    EXPECT_FLOAT_EQ(sim.world().apply_damage(blue.index, red.index, 10.0f, WeaponKind::Rifle), 0.0f);
    const Vec2 at = sim.pos(blue);
    sim.input(
        blue,
        Input{.seq = 0, .move_x = 1, .move_y = 0, .buttons = kButtonFire, .weapon_slot = -1, .aim = 0.0f});
    const auto ev = sim.step(10);
    EXPECT_EQ(count_of(ev, EventType::ShotFired, blue.index), 0u);
    EXPECT_EQ(sim.pos(blue), at);
}

TEST_F(Combat, MoveInputIsClampedToUnitSpeed) {
    sim.place(blue, {1500.0f, 900.0f}, kPi);
    const Vec2 start = sim.pos(red);
    sim.input(red, Input{.seq = 0, .move_x = 100, .move_y = 0, .buttons = 0, .weapon_slot = -1, .aim = 0.0f});
    sim.step(10);
    EXPECT_NEAR(sim.pos(red).x - start.x, 50.0f, 1e-2f) << "no faster than 150 wu/s";
    EXPECT_NEAR(sim.pos(red).y, start.y, 1e-3f);
    const Vec2 mid = sim.pos(red);
    sim.input(red,
              Input{.seq = 0, .move_x = -128, .move_y = 127, .buttons = 0, .weapon_slot = -1, .aim = 0.0f});
    sim.step(10);
    EXPECT_NEAR(distance(mid, sim.pos(red)), 50.0f, 1e-2f) << "diagonal of clamped values, normalised";
    EXPECT_LT(sim.pos(red).x, mid.x);
    EXPECT_GT(sim.pos(red).y, mid.y);
    // Each axis is clamped to -1..1 before normalising: (100, 1) is a plain diagonal.
    const Vec2 before = sim.pos(red);
    sim.input(red, Input{.seq = 0, .move_x = 100, .move_y = 1, .buttons = 0, .weapon_slot = -1, .aim = 0.0f});
    sim.step(10);
    EXPECT_NEAR(sim.pos(red).x - before.x, 50.0f / std::sqrt(2.0f), 1e-2f);
    EXPECT_NEAR(sim.pos(red).y - before.y, 50.0f / std::sqrt(2.0f), 1e-2f);
}

TEST_F(Combat, NonFiniteAimIsIgnored) {
    sim.input(red, aim_input(0.5f));
    sim.step();
    ASSERT_FLOAT_EQ(sim.players().aim[red.index], 0.5f);
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()}) {
        sim.input(red, aim_input(bad, kButtonFire));
        sim.step();
        EXPECT_FLOAT_EQ(sim.players().aim[red.index], 0.5f);
        sim.input(red, aim_input(bad));
        sim.step(sim.ticks(1.0f));
    }
    for (std::uint32_t s = 0; s < sim.world().projectiles().size(); ++s) {
        const Vec2 v = sim.world().projectiles().vel[s];
        EXPECT_TRUE(std::isfinite(v.x) && std::isfinite(v.y));
    }
    EXPECT_TRUE(std::isfinite(sim.pos(red).x) && std::isfinite(sim.pos(red).y));
}

TEST_F(Combat, AimOutsidePlusMinusPiIsWrapped) {
    sim.input(red, aim_input(2.0f * kPi + 0.25f));
    sim.step();
    EXPECT_NEAR(sim.players().aim[red.index], 0.25f, 1e-4f);
}

} // namespace
} // namespace mgs::sim::test
