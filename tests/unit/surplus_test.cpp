// The surplus loop with a fixed clock: delays, hysteresis, current steps, limits, phase
// switching, stale meters, on/off switches and the plain-words decisions.

#include <offpeak/domain/surplus.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace offpeak {
namespace {

const Instant t0 = *parse_rfc3339("2026-06-20T11:00:00Z");
constexpr Seconds s(long long n) {
  return Seconds{n};
}

SurplusSettings one_phase() {
  SurplusSettings st;  // 6-32 A, 230 V, 1 phase, enable 1 min, disable 3 min
  st.max_power_w = 7400;
  return st;
}

// A house with a fixed load and a roof: what the grid meter reads with the car drawing what
// the loop last asked for.
struct House {
  SurplusLoop loop;
  double surplus_w = 0;  // roof production - household load
  Instant last_reading{};
  explicit House(SurplusSettings st) : loop(st) {}
  double car_w() const { return loop.wish().on ? loop.wish().power_w : 0.0; }
  // A grid reading at `at` and a step.
  SurplusLoop::Step read(Instant at) {
    SiteState site;
    site.grid_w = car_w() - surplus_w;
    site.updated_at = at;
    site.stale = false;
    last_reading = at;
    loop.observe(site, car_w(), at);
    return loop.step(at);
  }
  // Readings every 10 s from `from` (exclusive) to `to` (inclusive); the decisions made.
  std::vector<std::pair<Instant, std::string>> run(Instant from, Instant to) {
    std::vector<std::pair<Instant, std::string>> d;
    for (Instant t = from + s(10); t <= to; t += s(10)) {
      auto st = read(t);
      if (st.decision) d.emplace_back(t, *st.decision);
    }
    return d;
  }
};

TEST(Surplus, StartsAfterTheEnableDelayAtTheCurrentTheSurplusCarries) {
  House h(one_phase());
  h.surplus_w = 2900;
  auto first = h.read(t0);
  EXPECT_FALSE(first.wish.on);
  EXPECT_FALSE(first.decision);
  ASSERT_TRUE(first.wake_at);
  EXPECT_EQ(*first.wake_at, t0 + s(60));  // the enable delay's end
  auto d = h.run(t0, t0 + s(50));
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(h.loop.wish().on);
  auto on = h.read(t0 + s(60));
  ASSERT_TRUE(on.decision);
  EXPECT_EQ(*on.decision, "solar: surplus 2.9 kW for 1m, starting at 12 A (2.8 kW)");
  EXPECT_TRUE(on.wish.on);
  EXPECT_DOUBLE_EQ(on.wish.current_a, 12.0);  // floor(2900 / 230)
  EXPECT_EQ(on.wish.phases, 1);
  EXPECT_DOUBLE_EQ(on.wish.power_w, 12 * 230.0);
  // Steady: the car takes 2760 W, the grid exports 140 W: the same current, nothing to send.
  EXPECT_TRUE(h.run(t0 + s(60), t0 + s(600)).empty());
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 12.0);
  EXPECT_NEAR(*h.loop.surplus_w(t0 + s(600)), 2900, 1e-9);
}

TEST(Surplus, ABreakInTheSurplusRestartsTheEnableDelay) {
  House h(one_phase());
  h.surplus_w = 2000;
  h.read(t0);
  h.run(t0, t0 + s(40));
  h.surplus_w = 1000;  // below 6 A x 230 V = 1380 W for one reading
  h.read(t0 + s(50));
  h.surplus_w = 2000;
  auto d = h.run(t0 + s(50), t0 + s(110));
  EXPECT_TRUE(d.empty());  // 60 s from t0+60 not yet reached at t0+110
  d = h.run(t0 + s(110), t0 + s(120));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].first, t0 + s(120));
}

TEST(Surplus, BelowTheCarsMinimumNeverStarts) {
  House h(one_phase());
  h.surplus_w = 1370;  // 10 W short of 6 A
  h.read(t0);
  EXPECT_TRUE(h.run(t0, t0 + s(3600)).empty());
  EXPECT_FALSE(h.loop.wish().on);
  EXPECT_NE(h.loop.wish().reason.find("below the car's minimum 1.4 kW"), std::string::npos)
      << h.loop.wish().reason;
}

TEST(Surplus, FollowsTheSurplusInWholeAmperesAndSendsOnlyChangesOfMinChange) {
  SurplusSettings st = one_phase();
  st.min_change_a = 2;
  House h(st);
  h.surplus_w = 3000;  // 13 A
  h.read(t0);
  h.run(t0, t0 + s(60));
  ASSERT_DOUBLE_EQ(h.loop.wish().current_a, 13.0);
  h.surplus_w = 2800;  // 12 A: a change of 1 A, below min_change_a
  EXPECT_TRUE(h.run(t0 + s(60), t0 + s(120)).empty());
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 13.0);
  h.surplus_w = 2300;  // 10 A: a change of 3 A
  auto d = h.run(t0 + s(120), t0 + s(130));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: 13 A -> 10 A (surplus 2.3 kW)");
  h.surplus_w = 9000;  // more than the 32 A the charger allows
  d = h.run(t0 + s(130), t0 + s(140));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 32.0);
}

TEST(Surplus, TheCarsMaximumPowerCapsTheCurrent) {
  SurplusSettings st = one_phase();
  st.max_power_w = 3700;  // 16.08 A at 230 V
  House h(st);
  h.surplus_w = 6000;
  h.read(t0);
  h.run(t0, t0 + s(60));
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 16.0);
}

TEST(Surplus, ACloudHoldsTheMinimumThenPausesAfterTheDisableDelay) {
  House h(one_phase());
  h.surplus_w = 2500;
  h.read(t0);
  h.run(t0, t0 + s(60));
  ASSERT_TRUE(h.loop.wish().on);
  const Instant cloud = t0 + s(70);
  h.surplus_w = 800;  // the car at 6 A draws 1380 W: importing 580 W
  auto d = h.run(t0 + s(60), cloud);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: 10 A -> 6 A (surplus 0.8 kW)");
  d = h.run(cloud, cloud + s(170));
  EXPECT_TRUE(d.empty());  // hysteresis: still on
  EXPECT_TRUE(h.loop.wish().on);
  EXPECT_NE(h.loop.wish().reason.find("importing 0.6 kW; pausing after 3m"), std::string::npos)
      << h.loop.wish().reason;
  d = h.run(cloud + s(170), cloud + s(180));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: importing 0.6 kW for 3m, pausing");
  EXPECT_FALSE(h.loop.wish().on);
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 0.0);
}

TEST(Surplus, AShortCloudDoesNotPause) {
  House h(one_phase());
  h.surplus_w = 2500;
  h.read(t0);
  h.run(t0, t0 + s(60));
  h.surplus_w = 500;
  h.run(t0 + s(60), t0 + s(200));  // 140 s < 3 min
  h.surplus_w = 2500;
  h.run(t0 + s(200), t0 + s(600));
  EXPECT_TRUE(h.loop.wish().on);
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 10.0);
}

TEST(Surplus, ToleratedImportKeepsChargingThroughASmallShortfall) {
  SurplusSettings st = one_phase();
  st.max_import_w = 300;
  House h(st);
  h.surplus_w = 2000;
  h.read(t0);
  h.run(t0, t0 + s(60));
  h.surplus_w = 1200;  // 180 W short of 6 A, within the 300 W tolerated
  h.run(t0 + s(60), t0 + s(900));
  EXPECT_TRUE(h.loop.wish().on);
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 6.0);
}

TEST(Surplus, AStaleMeterIsNoSurplusAndPausesWithinMaxAgePlusDisableDelay) {
  House h(one_phase());
  h.surplus_w = 4000;
  h.read(t0);
  h.run(t0, t0 + s(60));
  ASSERT_TRUE(h.loop.wish().on);
  const Instant last = h.last_reading;
  // The meter stops publishing; the loop is stepped on its timer only.
  auto st = h.loop.step(last + s(30));
  EXPECT_FALSE(st.note);
  ASSERT_TRUE(st.wake_at);
  EXPECT_EQ(*st.wake_at, last + s(61));  // when the reading goes stale
  st = h.loop.step(last + s(61));
  ASSERT_TRUE(st.note);
  EXPECT_EQ(*st.note, "grid meter stale for 61 s: no surplus assumed");
  EXPECT_FALSE(h.loop.surplus_w(last + s(61)));
  ASSERT_TRUE(st.decision);  // down to the minimum at once: the grid pays the least
  EXPECT_EQ(*st.decision, "solar: 17 A -> 6 A (surplus unknown)");
  ASSERT_TRUE(st.wake_at);
  EXPECT_EQ(*st.wake_at, last + s(61) + s(180));
  st = h.loop.step(last + s(240));
  EXPECT_TRUE(st.wish.on);
  st = h.loop.step(last + s(241));
  ASSERT_TRUE(st.decision);
  EXPECT_EQ(*st.decision, "solar: grid meter stale for 3m, pausing");
  EXPECT_FALSE(st.wish.on);
  // Stale never starts anything, however long.
  for (int i = 1; i < 100; ++i)
    EXPECT_FALSE(h.loop.step(last + s(241 + 60 * i)).wish.on);
  // The meter back: a note, and the enable delay from the first fresh reading.
  auto back = h.read(last + s(7000));
  ASSERT_TRUE(back.note);
  EXPECT_EQ(*back.note, "grid meter reading again: surplus 4.0 kW");
  EXPECT_FALSE(back.wish.on);
}

TEST(Surplus, TheMetersOwnStaleFlagAndJunkReadingsAreNoSurplus) {
  SurplusLoop loop(one_phase());
  SiteState site;
  site.grid_w = -5000;
  site.updated_at = t0;
  site.stale = true;
  loop.observe(site, 0, t0);
  EXPECT_FALSE(loop.surplus_w(t0));
  for (double junk :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    site.grid_w = junk;
    site.stale = false;
    for (int i = 0; i <= 30; ++i) {
      loop.observe(site, junk, t0 + s(10 * i));
      EXPECT_FALSE(loop.step(t0 + s(10 * i)).wish.on) << junk;
      EXPECT_FALSE(loop.surplus_w(t0 + s(10 * i)));
    }
  }
  site.grid_w.reset();  // no grid value at all
  loop.observe(site, 0, t0);
  EXPECT_FALSE(loop.surplus_w(t0));
}

SurplusSettings auto_phases() {
  SurplusSettings st;
  st.auto_phases = true;
  st.phases = 3;
  st.max_current_a = 16;
  st.max_power_w = 11000;
  return st;
}

TEST(Surplus, AutoPhasesStartOnThreeWhenTheSurplusCarriesThem) {
  House h(auto_phases());
  h.surplus_w = 5000;  // >= 6 A x 230 V x 3 = 4140 W
  h.read(t0);
  auto d = h.run(t0, t0 + s(60));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: surplus 5.0 kW for 1m, starting at 7 A on 3 phases (4.8 kW)");
  EXPECT_EQ(h.loop.wish().phases, 3);
  EXPECT_DOUBLE_EQ(h.loop.wish().current_a, 7.0);
}

TEST(Surplus, AutoPhasesChangeAtMostEveryFiveMinutes) {
  House h(auto_phases());
  h.surplus_w = 5000;
  h.read(t0);
  h.run(t0, t0 + s(60));  // on 3 phases at t0+60
  ASSERT_EQ(h.loop.wish().phases, 3);
  h.surplus_w = 3000;  // carries 1 phase (13 A), not 3
  auto d = h.run(t0 + s(60), t0 + s(350));
  // At 6 A on 3 phases at once, no phase change before t0+60+300.
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: 7 A -> 6 A (surplus 3.0 kW)");
  EXPECT_EQ(h.loop.wish().phases, 3);
  d = h.run(t0 + s(350), t0 + s(360));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second,
            "solar: 3 phases -> 1 phase at 13 A (surplus 3.0 kW no longer carries 3 phases)");
  EXPECT_EQ(h.loop.wish().phases, 1);
  EXPECT_TRUE(h.loop.wish().on);  // not paused: one phase carries it
  // Back up: the surplus carries 3 phases again at once, but the last change was at t0+360.
  h.surplus_w = 6000;
  d = h.run(t0 + s(360), t0 + s(650));
  EXPECT_EQ(h.loop.wish().phases, 1);
  for (const auto& [at, text] : d)
    EXPECT_EQ(text.find("phases ->"), std::string::npos) << text;
  d = h.run(t0 + s(650), t0 + s(660));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: 1 phase -> 3 phases at 8 A (surplus 6.0 kW carries 3 phases)");
}

TEST(Surplus, AutoPhasesStartOnOneBelowThreePhaseSurplus) {
  House h(auto_phases());
  h.surplus_w = 3700;
  h.read(t0);
  auto d = h.run(t0, t0 + s(60));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].second, "solar: surplus 3.7 kW for 1m, starting at 16 A on 1 phase (3.7 kW)");
}

TEST(Surplus, OnOffSwitchStartsOnTheCarsPowerAndStopsOnImport) {
  SurplusSettings st = one_phase();
  st.modulating = false;
  st.onoff_power_w = 2300;  // a 10 A granny cable
  st.max_import_w = 100;
  House h(st);
  h.surplus_w = 2200;  // short of the car's power
  h.read(t0);
  EXPECT_TRUE(h.run(t0, t0 + s(600)).empty());
  h.surplus_w = 2400;
  auto d = h.run(t0 + s(600), t0 + s(670));  // above the car's power from t0+610
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].first, t0 + s(670));
  EXPECT_EQ(d[0].second, "solar: surplus 2.4 kW for 1m, starting at 2.3 kW");
  EXPECT_TRUE(h.loop.wish().on);
  h.surplus_w = 2250;  // importing 50 W: tolerated
  EXPECT_TRUE(h.run(t0 + s(670), t0 + s(1200)).empty());
  h.surplus_w = 1800;  // importing 500 W from t0+1210
  d = h.run(t0 + s(1200), t0 + s(1390));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].first, t0 + s(1390));
  EXPECT_EQ(d[0].second, "solar: importing 0.5 kW for 3m, pausing");
}

TEST(Surplus, ResetWaitsAFullEnableDelayAgain) {
  House h(one_phase());
  h.surplus_w = 3000;
  h.read(t0);
  h.run(t0, t0 + s(60));
  ASSERT_TRUE(h.loop.wish().on);
  h.loop.reset(t0 + s(70));
  EXPECT_FALSE(h.loop.wish().on);
  auto d = h.run(t0 + s(70), t0 + s(130));
  EXPECT_TRUE(d.empty());  // the first reading after the reset starts the delay at t0+80
  d = h.run(t0 + s(130), t0 + s(140));
  ASSERT_EQ(d.size(), 1u);
}

TEST(Surplus, FormatsKilowatts) {
  EXPECT_EQ(format_kw(2900), "2.9 kW");
  EXPECT_EQ(format_kw(0), "0.0 kW");
  EXPECT_EQ(format_kw(11040), "11.0 kW");
}

// The car's power pairs with the grid reading it came with: a newer car power (the charger's
// meter after a current change) beside an older grid reading (from before the change) is not
// more surplus; the next grid reading brings both together.
TEST(Surplus, TheCarsPowerPairsWithItsGridReading) {
  SurplusLoop loop(one_phase());
  SiteState site;
  site.grid_w = -2800;  // exporting 2.8 kW, the car off
  site.updated_at = t0;
  site.stale = false;
  loop.observe(site, 0.0, t0);
  EXPECT_EQ(*loop.surplus_w(t0), 2800.0);
  // The car starts at 12 A (2.76 kW); a PV reading comes before the next grid reading.
  site.pv_w = 3500;
  loop.observe(site, 2760.0, t0 + s(2));
  EXPECT_EQ(*loop.surplus_w(t0 + s(2)), 2800.0) << "not 5.56 kW";
  // The grid reading with the car drawing: the surplus is still the roof's 2.8 kW.
  site.grid_w = -40;
  site.updated_at = t0 + s(10);
  loop.observe(site, 2760.0, t0 + s(10));
  EXPECT_EQ(*loop.surplus_w(t0 + s(10)), 2800.0);
}

}  // namespace
}  // namespace offpeak
