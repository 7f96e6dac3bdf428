// Walls and projectiles (GAMEPLAY.md "World", "Weapons"): destructible walls take projectile
// damage, are destroyed at 0 and come back after 30/60/90 s by health tier, never on top of a
// player; indestructible walls never lose health; swept projectiles never pass a wall or a
// player between ticks, whatever their speed.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mgs::sim::test {
namespace {

constexpr Aabb kWallBox{{1000.0f, 400.0f}, {1020.0f, 600.0f}};

/// A red shooter left of a wall at x 1000..1020, a blue target right of it.
class WallTest : public ::testing::Test {
protected:
    void make(int max_health, Rules rules = rules_for(Mode::TeamDeathmatch)) {
        world::Map m = test_map();
        wall = add_wall(m, kWallBox, max_health);
        sim = std::make_unique<Sim>(rules, m);
        shooter = sim->add("shooter", Team::Red);
        target = sim->add("target", Team::Blue);
        sim->begin();
        sim->place(shooter, {800.0f, 500.0f});
        sim->place(target, {1100.0f, 500.0f}, kPi);
    }

    /// One shot of the selected weapon at the wall; returns the events until it landed.
    std::vector<Event> shoot() {
        sim->input(shooter, aim_input(kAimRight, kButtonFire));
        auto ev = sim->step();
        sim->input(shooter, aim_input(kAimRight));
        const auto rest = sim->step(sim->ticks(1.5f));
        ev.insert(ev.end(), rest.begin(), rest.end());
        return ev;
    }

    float health() const { return sim->world().wall_health()[wall]; }
    bool wall_alive() const { return sim->world().wall_alive()[wall] != 0; }

    std::unique_ptr<Sim> sim;
    std::uint32_t wall = 0;
    PlayerId shooter{};
    PlayerId target{};
};

TEST_F(WallTest, DestructibleWallTakesProjectileDamage) {
    make(120);
    ASSERT_FLOAT_EQ(health(), 120.0f);
    const auto ev = shoot();
    EXPECT_FLOAT_EQ(health(), 112.0f);
    EXPECT_TRUE(wall_alive());
    const auto damaged = of_type(ev, EventType::WallDamaged);
    ASSERT_EQ(damaged.size(), 1u);
    EXPECT_EQ(damaged[0].index, wall);
    EXPECT_FLOAT_EQ(damaged[0].value, 112.0f);
    const auto impacts = of_type(ev, EventType::Impact, shooter.index);
    ASSERT_EQ(impacts.size(), 1u);
    EXPECT_EQ(impacts[0].kind, 0u);
    EXPECT_NEAR(impacts[0].pos.x, 1000.0f, 0.01f);
    EXPECT_FLOAT_EQ(sim->health(target), 100.0f) << "the wall stopped the shot";
}

TEST_F(WallTest, DestroyedAtZeroThenShotsPassWhereItStood) {
    make(150);
    sim->give(shooter, WeaponKind::Sniper);
    sim->world().set_wall_health(wall, 100.0f);
    auto ev = shoot();
    EXPECT_FLOAT_EQ(health(), 50.0f);
    ev = shoot();
    EXPECT_FALSE(wall_alive());
    EXPECT_FLOAT_EQ(health(), 0.0f);
    const auto destroyed = of_type(ev, EventType::WallDestroyed);
    ASSERT_EQ(destroyed.size(), 1u);
    EXPECT_EQ(destroyed[0].index, wall);
    EXPECT_FLOAT_EQ(sim->health(target), 100.0f);
    shoot();
    EXPECT_FLOAT_EQ(sim->health(target), 50.0f) << "nothing left between shooter and target";
}

TEST_F(WallTest, IndestructibleWallNeverLosesHealth) {
    make(0);
    sim->give(shooter, WeaponKind::Sniper);
    for (int i = 0; i < 5; ++i) {
        const auto ev = shoot();
        EXPECT_EQ(count_of(ev, EventType::WallDamaged), 0u);
        EXPECT_EQ(count_of(ev, EventType::WallDestroyed), 0u);
        EXPECT_EQ(count_of(ev, EventType::Impact, shooter.index), 1u);
    }
    EXPECT_TRUE(wall_alive());
    EXPECT_FLOAT_EQ(health(), 0.0f);
    EXPECT_FLOAT_EQ(sim->health(target), 100.0f);
}

struct TierCase {
    int max_health;
    float respawn_s;
};
void PrintTo(const TierCase& c, std::ostream* os) {
    *os << "health " << c.max_health << " -> " << c.respawn_s << " s";
}

class WallRespawn : public WallTest, public ::testing::WithParamInterface<TierCase> {};

TEST_P(WallRespawn, ComesBackAfterItsTierTime) {
    const TierCase& c = GetParam();
    make(c.max_health);
    sim->world().set_wall_health(wall, 1.0f);
    sim->input(shooter, aim_input(kAimRight, kButtonFire));
    std::uint32_t destroyed_at = 0;
    for (int i = 0; i < 60 && destroyed_at == 0; ++i) {
        if (count_of(sim->step(), EventType::WallDestroyed) > 0) destroyed_at = sim->tick();
        sim->input(shooter, aim_input(kAimRight));
    }
    ASSERT_NE(destroyed_at, 0u);
    sim->step(sim->ticks(c.respawn_s) - 1 - (sim->tick() - destroyed_at));
    EXPECT_FALSE(wall_alive()) << "one tick early";
    const auto ev = sim->step();
    EXPECT_TRUE(wall_alive());
    EXPECT_FLOAT_EQ(health(), static_cast<float>(c.max_health));
    EXPECT_EQ(count_of(ev, EventType::WallRespawned), 1u);
}

INSTANTIATE_TEST_SUITE_P(Tiers, WallRespawn,
                         ::testing::Values(TierCase{100, 30.0f}, TierCase{101, 60.0f}, TierCase{120, 60.0f},
                                           TierCase{150, 60.0f}, TierCase{200, 60.0f}, TierCase{201, 90.0f},
                                           TierCase{300, 90.0f}),
                         [](const ::testing::TestParamInfo<TierCase>& param) {
                             return numbered("Health", param.param.max_health);
                         });

TEST_F(WallTest, RespawnWaitsUntilNoPlayerOverlapsTheWall) {
    make(120);
    sim->world().set_wall_health(wall, 1.0f);
    shoot();
    ASSERT_FALSE(wall_alive());
    // The target walks into the gap and stays there, then some of the body still overlaps.
    sim->place(target, kWallBox.center(), kPi);
    sim->step(sim->ticks(60.0f));
    EXPECT_FALSE(wall_alive()) << "not on top of a player";
    sim->place(target, {kWallBox.max.x + 10.0f, 500.0f}, kPi);
    sim->step(sim->ticks(5.0f));
    EXPECT_FALSE(wall_alive()) << "still overlapping by 5 wu";
    sim->place(target, {kWallBox.max.x + 16.0f, 500.0f}, kPi);
    const auto ev = sim->step();
    EXPECT_TRUE(wall_alive()) << "clear: respawns at once";
    EXPECT_EQ(count_of(ev, EventType::WallRespawned), 1u);
    EXPECT_FALSE(circle_overlaps_box(sim->pos(target), 15.0f, kWallBox));
}

TEST_F(WallTest, NoShotsAndNoWallDamageOnTheResultsScreen) {
    Rules r = rules_for(Mode::TeamDeathmatch);
    r.time_limit_s = 2.0f;
    make(120, r);
    sim->step(sim->ticks(2.0f));
    ASSERT_EQ(sim->world().match().phase, MatchPhase::Ended);
    const auto ev = shoot();
    EXPECT_EQ(count_of(ev, EventType::ShotFired), 0u);
    EXPECT_FLOAT_EQ(health(), 120.0f);
}

// ---- No tunnelling ----------------------------------------------------------------------------

/// A 2 wu thin wall across the whole map at x 1000..1002 (optionally with a gap at y 480..520).
world::Map thin_wall_map(bool with_gap) {
    world::Map m = test_map();
    if (with_gap) {
        add_wall(m, Aabb{{1000.0f, 0.0f}, {1002.0f, 480.0f}});
        add_wall(m, Aabb{{1000.0f, 520.0f}, {1002.0f, 1000.0f}});
    } else {
        add_wall(m, Aabb{{1000.0f, 0.0f}, {1002.0f, 1000.0f}});
    }
    return m;
}

class Tunnelling : public ::testing::TestWithParam<float> {};

TEST_P(Tunnelling, SniperShotsNeverPassAThinWall) {
    Rules r = rules_for(Mode::TeamDeathmatch);
    r.weapons[gun(WeaponKind::Sniper)].projectile_speed = GetParam();
    Sim sim(r, thin_wall_map(false));
    const PlayerId shooter = sim.add("shooter", Team::Red);
    const PlayerId target = sim.add("target", Team::Blue);
    sim.begin();
    sim.give(shooter, WeaponKind::Sniper);
    sim.place(target, {1030.0f, 500.0f}, kPi);
    std::size_t impacts = 0;
    for (int k = -10; k <= 10; ++k) {
        const float aim = 0.1f * static_cast<float>(k); // -1..1 rad: every shot meets the wall
        sim.place(shooter,
                  {800.0f + static_cast<float>(k % 3) * 37.3f, 500.0f + static_cast<float>(k) * 3.7f}, aim);
        sim.mut().next_fire_tick[shooter.index] = 0;
        sim.mut().magazine[shooter.index][gun(WeaponKind::Sniper)] = 5;
        sim.input(shooter, aim_input(aim, kButtonFire));
        for (int t = 0; t < 150; ++t) {
            const auto ev = sim.step();
            sim.input(shooter, aim_input(aim));
            for (const Event& e : of_type(ev, EventType::Impact, shooter.index)) {
                ++impacts;
                EXPECT_EQ(e.kind, 0u) << "aim " << aim;
                EXPECT_NEAR(e.pos.x, 1000.0f, 0.05f) << "aim " << aim;
            }
            const Projectiles& pr = sim.world().projectiles();
            for (std::uint32_t s = 0; s < pr.size(); ++s) {
                if (pr.active[s] != 0) {
                    EXPECT_LT(pr.pos[s].x, 1000.0f) << "aim " << aim;
                }
            }
            if (pr.live == 0) break;
        }
    }
    EXPECT_EQ(impacts, 21u);
    EXPECT_FLOAT_EQ(sim.health(target), 100.0f);
}

TEST_P(Tunnelling, ShotThroughAGapHitsTheFirstPlayerOnly) {
    Rules r = rules_for(Mode::TeamDeathmatch);
    r.weapons[gun(WeaponKind::Sniper)].projectile_speed = GetParam();
    Sim sim(r, thin_wall_map(true));
    const PlayerId shooter = sim.add("shooter", Team::Red);
    const PlayerId first = sim.add("first", Team::Blue);
    const PlayerId mate = sim.add("mate", Team::Red);
    const PlayerId second = sim.add("second", Team::Blue);
    sim.begin();
    sim.give(shooter, WeaponKind::Sniper);
    sim.place(mate, {1900.0f, 100.0f});
    sim.place(shooter, {700.0f, 500.0f});
    sim.place(first, {1040.0f, 500.0f}, kPi);
    sim.place(second, {1075.0f, 500.0f}, kPi);
    sim.input(shooter, aim_input(kAimRight, kButtonFire));
    auto ev = sim.step();
    sim.input(shooter, aim_input(kAimRight));
    const auto rest = sim.step(sim.ticks(2.0f));
    ev.insert(ev.end(), rest.begin(), rest.end());
    EXPECT_FLOAT_EQ(sim.health(first), 50.0f);
    EXPECT_FLOAT_EQ(sim.health(second), 100.0f);
    const auto impacts = of_type(ev, EventType::Impact, shooter.index);
    ASSERT_EQ(impacts.size(), 1u);
    EXPECT_EQ(impacts[0].kind, 1u);
    EXPECT_EQ(impacts[0].b, first.index);
    EXPECT_NEAR(impacts[0].pos.x, 1025.0f, 0.05f) << "where the shot met the first body";
}

INSTANTIATE_TEST_SUITE_P(Speeds, Tunnelling, ::testing::Values(700.0f, 5000.0f, 100000.0f),
                         [](const ::testing::TestParamInfo<float>& param) {
                             return numbered("Speed", static_cast<int>(param.param));
                         });

TEST(TunnellingBox, AbsurdlyFastShotsStayInsideAThinWalledBoxInEveryDirection) {
    Rules r = rules_for(Mode::FreeForAll);
    r.weapons[gun(WeaponKind::Rifle)].projectile_speed = 100000.0f;
    world::Map m = test_map();
    const Aabb inner{{900.0f, 400.0f}, {1100.0f, 600.0f}};
    add_wall(m, Aabb{{inner.min.x - 2.0f, inner.min.y - 2.0f}, {inner.max.x + 2.0f, inner.min.y}});
    add_wall(m, Aabb{{inner.min.x - 2.0f, inner.max.y}, {inner.max.x + 2.0f, inner.max.y + 2.0f}});
    add_wall(m, Aabb{{inner.min.x - 2.0f, inner.min.y}, {inner.min.x, inner.max.y}});
    add_wall(m, Aabb{{inner.max.x, inner.min.y}, {inner.max.x + 2.0f, inner.max.y}});
    Sim sim(r, m);
    const PlayerId shooter = sim.add("shooter");
    std::vector<PlayerId> ring;
    for (int i = 0; i < 8; ++i) ring.push_back(sim.add(numbered("outside ", i)));
    sim.begin();
    sim.give(shooter, WeaponKind::Rifle);
    sim.place(shooter, inner.center());
    for (std::size_t i = 0; i < ring.size(); ++i) {
        const float a = static_cast<float>(i) * kPi / 4.0f;
        sim.place(ring[i], inner.center() + Vec2{std::cos(a) * 200.0f, std::sin(a) * 190.0f});
    }
    std::size_t impacts = 0;
    for (int k = 0; k < 32; ++k) {
        const float aim = -kPi + static_cast<float>(k) * (kPi / 16.0f) + 0.013f;
        sim.mut().magazine[shooter.index][gun(WeaponKind::Rifle)] = 30;
        sim.mut().reload_done_tick[shooter.index] = 0;
        sim.input(shooter, aim_input(aim, kButtonFire));
        for (int t = 0; t < 4; ++t) {
            const auto ev = sim.step();
            sim.input(shooter, aim_input(aim));
            for (const Event& e : of_type(ev, EventType::Impact, shooter.index)) {
                ++impacts;
                EXPECT_EQ(e.kind, 0u);
                EXPECT_TRUE(inner.inflated(0.05f).contains(e.pos)) << "aim " << aim;
            }
            EXPECT_EQ(sim.world().projectiles().live, 0u) << "every shot ends at the box in its first tick";
        }
    }
    EXPECT_EQ(impacts, 32u);
    for (const PlayerId id : ring) EXPECT_FLOAT_EQ(sim.health(id), 100.0f);
}

} // namespace
} // namespace mgs::sim::test
