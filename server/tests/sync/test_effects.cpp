// EventLog: the simulation's events become effects (positioned, for the clients that see them)
// and global events (for everyone), and each client gets the effects in its view, nearest first.
#include "sync/effects.hpp"

#include "sim/fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace mgs::sync {
namespace {

using sim::test::Sim;

std::vector<EffectRecord> of_type(std::span<const EffectRecord> all, EffectType t) {
    std::vector<EffectRecord> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out),
                 [&](const EffectRecord& e) { return e.type == t; });
    return out;
}

TEST(EventLog, DamageAndKillBecomeEffectsAndTheKillAGlobalEvent) {
    Sim s;
    const sim::PlayerId a = s.add("a", sim::Team::Red);
    const sim::PlayerId b = s.add("b", sim::Team::Blue);
    s.begin();
    s.place(a, {400.0f, 500.0f});
    s.place(b, {600.25f, 500.75f});
    EventLog log(2000.0f, 1000.0f);
    // Hits between steps (as the test hook deals them) are kept for the next step's readers.
    s.world().apply_damage(b.index, a.index, 30.0f, sim::WeaponKind::Rifle);
    s.world().apply_damage(b.index, a.index, 500.0f, sim::WeaponKind::Rifle);
    s.step();
    log.collect(s.world());

    const auto damage = of_type(log.effects(), EffectType::Damage);
    ASSERT_EQ(damage.size(), 2u);
    EXPECT_EQ(damage[0].a, a.index);
    EXPECT_EQ(damage[0].b, b.index);
    EXPECT_EQ(damage[0].value, 30);
    EXPECT_EQ(damage[0].detail, static_cast<std::uint8_t>(sim::WeaponKind::Rifle));
    EXPECT_EQ(damage[0].x, 1201); // 600.25 wu in 1/2 wu, rounded
    EXPECT_EQ(damage[0].y, 1002);
    const auto death = of_type(log.effects(), EffectType::Death);
    ASSERT_EQ(death.size(), 1u);
    EXPECT_EQ(death[0].b, b.index);

    const auto globals = log.globals();
    const auto kill = std::find_if(globals.begin(), globals.end(),
                                   [](const GlobalRecord& g) { return g.type == GlobalType::Kill; });
    ASSERT_NE(kill, globals.end());
    EXPECT_EQ(kill->a, a.index);
    EXPECT_EQ(kill->b, b.index);
    log.clear();
    EXPECT_TRUE(log.effects().empty());
    EXPECT_TRUE(log.globals().empty());
}

TEST(EventLog, HumansJoiningAndLeavingAreGlobalAndLeftSlotsAreListed) {
    Sim s;
    s.add("a", sim::Team::Red);
    s.begin();
    EventLog log(2000.0f, 1000.0f);
    const sim::PlayerId late = s.add("late", sim::Team::Blue);
    s.step();
    log.collect(s.world());
    ASSERT_FALSE(log.globals().empty());
    EXPECT_EQ(log.globals().back(), (GlobalRecord{GlobalType::PlayerJoined, 0, late.index, sim::kNoPlayer}));
    log.clear();
    ASSERT_TRUE(s.world().remove_player(late));
    s.step();
    log.collect(s.world());
    ASSERT_EQ(log.left().size(), 1u);
    EXPECT_EQ(log.left()[0], late.index);
    EXPECT_EQ(log.globals().back(), (GlobalRecord{GlobalType::PlayerLeft, 0, late.index, sim::kNoPlayer}));
}

TEST(EventLog, AHumanLeavingIsAnnouncedEvenWhenABotTakesItsSlotAtOnce) {
    // With bots making up the population, the human's slot is handed to a bot in the very step
    // that reads the leave: the announcement must not depend on who holds the slot afterwards.
    Sim s(sim::test::rules_for(sim::Mode::TeamDeathmatch), sim::test::test_map(), 4);
    s.begin();
    EventLog log(2000.0f, 1000.0f);
    const sim::PlayerId human = s.add("human");
    s.step();
    log.collect(s.world());
    log.clear();
    ASSERT_TRUE(s.world().remove_player(human));
    s.step();
    ASSERT_TRUE(s.players().in_use[human.index] != 0 && s.players().is_bot[human.index] != 0)
        << "the test needs the slot reused by a bot in the same step";
    log.collect(s.world());
    const auto left = std::find(log.globals().begin(), log.globals().end(),
                                GlobalRecord{GlobalType::PlayerLeft, 0, human.index, sim::kNoPlayer});
    EXPECT_NE(left, log.globals().end());
    ASSERT_EQ(log.left().size(), 1u);
    EXPECT_EQ(log.left()[0], human.index);
}

TEST(EventLog, ShotWallShowsImpactsAndDamageAtTheWallCentre) {
    world::Map m = sim::test::test_map();
    const std::uint32_t wall = sim::test::add_wall(m, Aabb{{900.0f, 400.0f}, {940.0f, 600.0f}}, 100);
    Sim s(sim::test::rules_for(sim::Mode::TeamDeathmatch), m);
    const sim::PlayerId a = s.add("a", sim::Team::Red);
    s.begin();
    s.place(a, {700.0f, 500.0f}, sim::test::kAimRight);
    EventLog log(2000.0f, 1000.0f);
    bool damaged = false;
    bool impact = false;
    bool shots = false;
    for (int t = 0; t < 90 && !(damaged && impact); ++t) {
        s.world().set_input(a, sim::test::aim_input(sim::test::kAimRight, sim::kButtonFire));
        s.step();
        shots = shots || std::any_of(s.world().events().begin(), s.world().events().end(),
                                     [](const sim::Event& e) { return e.type == sim::EventType::ShotFired; });
        log.collect(s.world());
        for (const EffectRecord& e : log.effects()) {
            if (e.type == EffectType::WallDamaged || e.type == EffectType::WallDestroyed) {
                damaged = true;
                EXPECT_EQ(e.value, wall);
                EXPECT_EQ(e.x, 1840); // centre 920 wu
                EXPECT_EQ(e.y, 1000); // centre 500 wu
            }
            if (e.type == EffectType::Impact) {
                impact = true;
                EXPECT_EQ(e.detail, 0);    // a wall
                EXPECT_NEAR(e.x, 1800, 4); // the wall's left face, 900 wu
            }
            EXPECT_NE(e.type, EffectType::Shot); // projectiles show shots
        }
        log.clear();
    }
    EXPECT_TRUE(shots);
    EXPECT_TRUE(damaged);
    EXPECT_TRUE(impact);
}

TEST(EventLog, EffectsNearAreThoseInTheAreaNearestFirst) {
    Sim s(sim::test::rules_for(sim::Mode::FreeForAll));
    const sim::PlayerId a = s.add("a");
    std::vector<sim::PlayerId> victims;
    for (int i = 0; i < 6; ++i) {
        victims.push_back(s.add(sim::test::numbered("v", i)));
    }
    s.begin();
    s.place(a, {100.0f, 100.0f});
    // Victims at x = 1000, 1100, ... 1500 (y 500): damage numbers there.
    for (int i = 0; i < 6; ++i) {
        s.place(victims[static_cast<std::size_t>(i)], {1000.0f + 100.0f * static_cast<float>(i), 500.0f});
    }
    s.step();
    for (int i = 0; i < 6; ++i) {
        s.world().apply_damage(victims[static_cast<std::size_t>(i)].index, a.index, 5.0f,
                               sim::WeaponKind::Pistol);
    }
    s.step();
    EventLog log(2000.0f, 1000.0f);
    log.collect(s.world());
    log.index();
    std::vector<std::uint32_t> scratch;
    std::array<EffectRecord, 8> out{};
    // A view around x = 1320 that holds the victims at 1100 .. 1500: nearest first.
    const Aabb area{{1050.0f, 300.0f}, {1550.0f, 700.0f}};
    std::size_t n = log.effects_near(area, {1320.0f, 500.0f}, out, scratch);
    ASSERT_EQ(n, 5u);
    const std::array<std::uint16_t, 5> xs{2600, 2800, 2400, 3000, 2200}; // 1300, 1400, 1200, 1500, 1100 wu
    for (std::size_t k = 0; k < n; ++k) {
        EXPECT_EQ(out[k].type, EffectType::Damage);
        EXPECT_EQ(out[k].x, xs[k]) << k;
    }
    // At most as many as asked for, still the nearest.
    n = log.effects_near(area, {1320.0f, 500.0f}, std::span(out).first(2), scratch);
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(out[0].x, 2600);
    EXPECT_EQ(out[1].x, 2800);
    // A view elsewhere sees none of them.
    EXPECT_EQ(log.effects_near(Aabb{{0.0f, 0.0f}, {500.0f, 300.0f}}, {100.0f, 100.0f}, out, scratch), 0u);
}

TEST(EventLog, PositionsQuantiseToHalfUnitsAndClamp) {
    EXPECT_EQ(quantise_effect_position(0.0f), 0);
    EXPECT_EQ(quantise_effect_position(-5.0f), 0);
    EXPECT_EQ(quantise_effect_position(10.25f), 21); // 20.5 rounds away from zero
    EXPECT_EQ(quantise_effect_position(32767.5f), 65535);
    EXPECT_EQ(quantise_effect_position(40000.0f), 65535);
    EXPECT_EQ(quantise_effect_position(std::numeric_limits<float>::quiet_NaN()), 0);
}

} // namespace
} // namespace mgs::sync
