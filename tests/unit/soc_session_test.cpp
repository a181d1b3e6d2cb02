// SoC between polls (SocEstimator) and the session record (SessionTracker).
#include <offpeak/domain/session_tracker.hpp>
#include <offpeak/domain/simulated_car.hpp>
#include <offpeak/domain/soc_estimator.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

namespace offpeak {
namespace {

using namespace std::chrono;
using test::at;

const Instant k_t0 = at("2026-01-05T18:00:00Z");

VehicleSpec spec() {
  VehicleSpec v{40.0, 8.0, 0.9};  // 18 %/h
  v.taper_above_soc = 80.0;
  v.taper_end_kw = 2.0;
  return v;
}

VehicleState reading(Instant t, std::optional<double> soc, bool plugged, ChargingState cs) {
  VehicleState s;
  s.device_id = "CAR";
  s.observed_at = t;
  s.soc_percent = soc;
  s.plugged_in = plugged;
  s.charging_state = cs;
  return s;
}

// --- estimation ---------------------------------------------------------------------------

TEST(SocEstimator, FollowsTheSimulatedCarThroughSwitchChanges) {
  // The truth: a simulated car with the same curve, switched on and off between two readings.
  SimulatedCarParams p;
  p.spec = spec();
  p.soc_percent = 60;
  p.plugged_in = true;
  p.switched_on = false;
  SimulatedCar car(p, k_t0);
  SocEstimator e(spec());
  e.observe(car.state());
  EXPECT_FALSE(e.estimate(k_t0 + hours{1})->estimated);  // nothing charged: the reading
  car.advance(k_t0 + minutes{30});
  car.start_charging();
  e.switched(k_t0 + minutes{30}, true);
  car.advance(k_t0 + minutes{90});
  car.stop_charging();
  e.switched(k_t0 + minutes{90}, false);
  car.advance(k_t0 + minutes{120});
  car.start_charging();
  e.switched(k_t0 + minutes{120}, true);
  for (auto t : {k_t0 + minutes{100}, k_t0 + minutes{150}, k_t0 + minutes{200}}) {
    SimulatedCar truth = car;
    truth.advance(t);
    if (t < k_t0 + minutes{120}) continue;  // the copy cannot go back in time
    auto est = e.estimate(t);
    ASSERT_TRUE(est);
    EXPECT_TRUE(est->estimated);
    EXPECT_FALSE(est->metered);
    EXPECT_EQ(est->reading_at, k_t0);
    EXPECT_NEAR(est->soc_percent, truth.soc_percent(), 1e-6) << format_rfc3339(t);
  }
  // Between the two stretches it stood still at the first stretch's end.
  EXPECT_NEAR(e.estimate(k_t0 + minutes{100})->soc_percent, soc_after_hours(spec(), 60, 1.0), 1e-6);
}

TEST(SocEstimator, ANewReadingIsTheNewBaseAndUnplugStopsTheRise) {
  SocEstimator e(spec());
  e.observe(reading(k_t0, 40, true, ChargingState::charging));
  EXPECT_NEAR(e.estimate(k_t0 + hours{1})->soc_percent, 58, 1e-6);
  e.observe(reading(k_t0 + hours{1}, 55, true, ChargingState::charging));  // the car is slower
  EXPECT_NEAR(e.estimate(k_t0 + hours{2})->soc_percent, 73, 1e-6);
  e.observe(reading(k_t0 + hours{2}, 70, false, ChargingState::not_charging));
  auto est = e.estimate(k_t0 + hours{5});
  EXPECT_FALSE(est->estimated);
  EXPECT_EQ(est->soc_percent, 70);
}

TEST(SocEstimator, NotChargingAtTheReadingMeansOffUntilASwitchOn) {
  SocEstimator e(spec());
  e.switched(k_t0 - minutes{30}, true);  // a start the car did not act on
  e.observe(reading(k_t0, 40, true, ChargingState::not_charging));
  EXPECT_FALSE(e.estimate(k_t0 + hours{1})->estimated);
  e.switched(k_t0 + hours{1}, true);
  EXPECT_NEAR(e.estimate(k_t0 + hours{2})->soc_percent, 58, 1e-6);
  EXPECT_EQ(e.on_stretches(k_t0, k_t0 + hours{2}).size(), 1U);
}

// The cloud lags: a reading a few minutes after an accepted stop that still says CHARGING
// (with the SoC of before) must not make the estimate rise again.
// Regression: a reading and a start in the same second (a reading shows a shortfall, the
// plan is remade and the top-up starts at once) left the estimate flat: the start was taken
// as before the reading, whose NOT_CHARGING then held for good.
TEST(SocEstimator, AStartInTheSameSecondAsTheReadingCountsFromThen) {
  SocEstimator e(spec());
  e.observe(reading(k_t0, 50.0, true, ChargingState::not_charging));
  e.switched(k_t0, true);
  auto est = e.estimate(k_t0 + minutes{30});
  ASSERT_TRUE(est);
  EXPECT_NEAR(est->soc_percent, 59.0, 0.01);
  EXPECT_TRUE(est->estimated);
}

TEST(SocEstimator, ALaggingReadingAfterAStopDoesNotRestartTheRise) {
  SocEstimator e(spec());
  e.observe(reading(k_t0, 40, true, ChargingState::charging));
  e.switched(k_t0 + hours{1}, false);
  e.observe(reading(k_t0 + hours{1} + minutes{5}, 55, true, ChargingState::charging));
  EXPECT_FALSE(e.estimate(k_t0 + hours{3})->estimated);
  EXPECT_EQ(e.estimate(k_t0 + hours{3})->soc_percent, 55);
  // Long after the change the car's word counts again (someone switched it on by hand).
  e.observe(reading(k_t0 + hours{2}, 55, true, ChargingState::charging));
  EXPECT_NEAR(e.estimate(k_t0 + hours{3})->soc_percent, 73, 1e-6);
}

// A car that reports whole percent reads 89 at 89.7 %. Taking the reading as the new base
// would lose 0.7 points, and the controller would top up a minute for a shortfall that is not
// there; an estimate within [89, 90) agrees with the reading and is kept.
TEST(SocEstimator, AWholePercentReadingKeepsAnEstimateItAgreesWith) {
  SocEstimator e(spec());
  e.observe(reading(k_t0, 40, true, ChargingState::charging));
  e.switched(k_t0 + minutes{12}, false);  // 40 + 18 %/h x 12 min = 43.6
  const Instant t = k_t0 + minutes{30};
  e.observe(reading(t, 43, true, ChargingState::not_charging));
  EXPECT_NEAR(e.estimate(t)->soc_percent, 43.6, 1e-6);
  // While charging the reading is the base (kept estimates would drift from reading to
  // reading); a reading outside [x, x + 1) of the estimate is the truth, and so is one with
  // decimals.
  SocEstimator c(spec());
  c.observe(reading(k_t0, 40, true, ChargingState::charging));
  c.observe(reading(k_t0 + minutes{12}, 43, true, ChargingState::charging));  // estimate 43.6
  EXPECT_EQ(c.estimate(k_t0 + minutes{12})->soc_percent, 43);
  e.switched(t, true);
  e.switched(t + minutes{10}, false);  // 43.6 + 3 = 46.6
  e.observe(reading(t + minutes{20}, 45, true, ChargingState::not_charging));
  EXPECT_EQ(e.estimate(t + minutes{20})->soc_percent, 45);
  e.switched(t + minutes{20}, true);
  e.switched(t + minutes{30}, false);  // 45 + 3 = 48
  e.observe(reading(t + minutes{40}, 47.5, true, ChargingState::not_charging));
  EXPECT_EQ(e.estimate(t + minutes{40})->soc_percent, 47.5);
}

TEST(SocEstimator, MeteredEnergyWinsOverTheCurve) {
  SocEstimator e(spec());
  e.metered(k_t0 - minutes{1}, 100000.0);
  e.observe(reading(k_t0, 40, true, ChargingState::charging));
  e.metered(k_t0 + hours{1}, 104000.0);  // 4 kWh: a car drawing half its data sheet
  auto est = e.estimate(k_t0 + hours{1});
  ASSERT_TRUE(est);
  EXPECT_TRUE(est->metered);
  EXPECT_NEAR(est->soc_percent, 40 + 4.0 * 0.9 * 100 / 40, 1e-9);
}

// A modulating switch following the surplus offers less than the car could draw: the curve's
// estimate charges at the offered power (kept across a reading), back at the car's own when the
// current is full again.
TEST(SocEstimator, ACurrentBelowTheCarsPowerChargesAtTheOfferedPower) {
  SocEstimator e(spec());
  e.offered(k_t0 - minutes{5}, 2.0);  // 2 kW: 4.5 %/h
  e.switched(k_t0 - minutes{5}, true);
  e.observe(reading(k_t0, 40, true, ChargingState::charging));
  EXPECT_NEAR(e.estimate(k_t0 + hours{1})->soc_percent, 44.5, 1e-9);
  e.offered(k_t0 + hours{1}, std::nullopt);  // the full current: 18 %/h
  EXPECT_NEAR(e.estimate(k_t0 + minutes{90})->soc_percent, 53.5, 1e-9);
  e.offered(k_t0 + minutes{90}, 20.0);  // more than the car draws: its own curve
  EXPECT_NEAR(e.estimate(k_t0 + minutes{120})->soc_percent, 62.5, 1e-9);
}

// Above its taper the car draws the lower of its curve and the offered power.
TEST(SocEstimator, TheOfferedPowerLimitsUntilTheTaperFallsBelowIt) {
  const VehicleSpec v = spec();  // taper from 80 % at 8 kW to 2 kW at 100 %: 0.3 kW per point
  // 5 kW: the curve falls below it at 90 %. From 86 %: 4 points at 5 kW (0.36 h), then the
  // curve from 90 %.
  const double to_knee = 4.0 / (0.9 / 40.0 * 100.0 * 5.0);
  EXPECT_NEAR(soc_after_hours(v, 86, to_knee, 5.0), 90.0, 1e-9);
  EXPECT_NEAR(soc_after_hours(v, 86, to_knee + 0.5, 5.0), soc_after_hours(v, 90, 0.5), 1e-9);
  EXPECT_NEAR(soc_after_hours(v, 92, 0.5, 5.0), soc_after_hours(v, 92, 0.5), 1e-9);
  EXPECT_NEAR(soc_after_hours(v, 50, 0.5, 9.0), soc_after_hours(v, 50, 0.5), 1e-9);
}

TEST(SocEstimator, NothingBeforeTheFirstSoc) {
  SocEstimator e(spec());
  e.observe(reading(k_t0, std::nullopt, true, ChargingState::charging));
  EXPECT_FALSE(e.estimate(k_t0 + hours{1}));
}

// --- sessions ---------------------------------------------------------------------------

PriceCurve peak_then_cheap() {
  // 24.5p until 00:30, then 8.5p.
  return PriceCurve({{k_t0 - hours{6}, at("2026-01-06T00:30:00Z"), 24.5},
                     {at("2026-01-06T00:30:00Z"), at("2026-01-06T05:30:00Z"), 8.5}});
}

TEST(SessionTracker, InfersAPlugInThatCameBeforeTheFirstReadingAndPricesItsEnergy) {
  SessionTracker t;
  const auto prices = peak_then_cheap();
  t.observe(reading(k_t0 - hours{2}, 35, false, ChargingState::not_charging), spec(), prices, {});
  // Seen plugged in 55 minutes after an 18:00 plug-in, already charging at the peak price.
  auto truth_soc = soc_after_hours(spec(), 35, 55.0 / 60);
  auto u = t.observe(reading(k_t0 + minutes{55}, truth_soc, true, ChargingState::charging), spec(),
                     prices, {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::opened);
  EXPECT_TRUE(u.session.inferred);
  EXPECT_LE(std::chrono::abs(u.session.started_at - k_t0), minutes{1});
  EXPECT_EQ(u.session.start_soc, 35);
  EXPECT_NEAR(u.session.energy_kwh, 8.0 * 55 / 60, 0.05);
  EXPECT_NEAR(u.session.cost_p, u.session.energy_kwh * 24.5, 1.0);
  EXPECT_NE(u.session.note.find("inferred"), std::string::npos) << u.session.note;
}

TEST(SessionTracker, PricesEnergyAtTheStretchesTheChargerWasOn) {
  SessionTracker t;
  const auto prices = peak_then_cheap();
  const Instant cheap = at("2026-01-06T00:30:00Z");
  auto u = t.observe(reading(k_t0, 35, true, ChargingState::not_charging), spec(), prices, {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::opened);
  EXPECT_FALSE(u.session.inferred);
  EXPECT_EQ(u.session.energy_kwh, 0);
  // The previous reading was at 18:00 at the peak price; the charging was all at 8.5p.
  u = t.observe(reading(cheap + hours{2}, 71, true, ChargingState::charging), spec(), prices,
                {{cheap, cheap + hours{2}}});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::updated);
  EXPECT_NEAR(u.session.energy_kwh, grid_energy_kwh(spec(), 35, 71), 1e-9);
  EXPECT_NEAR(u.session.cost_p, u.session.energy_kwh * 8.5, 1e-6);
  u = t.observe(reading(cheap + hours{7}, 71, false, ChargingState::not_charging), spec(), prices,
                {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::closed);
  EXPECT_NEAR(u.session.energy_kwh, grid_energy_kwh(spec(), 35, 71), 1e-9);
  EXPECT_FALSE(t.open());
}

TEST(SessionTracker, ChargingWhenFirstSeenWithoutHistorySaysTheEarlierEnergyIsUnknown) {
  SessionTracker t;
  auto u =
      t.observe(reading(k_t0, 50, true, ChargingState::charging), spec(), peak_then_cheap(), {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::opened);
  EXPECT_FALSE(u.session.inferred);
  EXPECT_NE(u.session.note.find("unknown"), std::string::npos);
}

TEST(SessionTracker, MeteredEnergyReplacesTheSocRise) {
  SessionTracker t;
  const auto prices = peak_then_cheap();
  const Instant cheap = at("2026-01-06T00:30:00Z");
  t.metered(k_t0 - hours{1}, 5000, prices);  // before the session: only a baseline
  auto u = t.observe(reading(k_t0, 35, true, ChargingState::not_charging), spec(), prices, {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::opened);
  u = t.metered(cheap, 5000, prices);
  u = t.metered(cheap + hours{1}, 12400, prices);  // 7.4 kWh in the cheap hour
  ASSERT_EQ(u.kind, SessionUpdate::Kind::updated);
  EXPECT_NEAR(u.session.energy_kwh, 7.4, 1e-9);
  EXPECT_NEAR(u.session.cost_p, 7.4 * 8.5, 1e-6);
  EXPECT_TRUE(u.session.metered);
  // A SoC reading no longer adds its curve's energy.
  u = t.observe(reading(cheap + hours{1}, 52, true, ChargingState::charging), spec(), prices,
                {{cheap, cheap + hours{1}}});
  EXPECT_NEAR(u.session.energy_kwh, 7.4, 1e-9);
  // A register that goes back is a new baseline, not negative energy.
  t.metered(cheap + hours{2}, 100, prices);
  u = t.metered(cheap + hours{3}, 1100, prices);
  EXPECT_NEAR(u.session.energy_kwh, 8.4, 1e-9);
  u = t.observe(reading(cheap + hours{5}, 60, false, ChargingState::not_charging), spec(), prices,
                {});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::closed);
  EXPECT_NEAR(u.session.energy_kwh, 8.4, 1e-9);
  EXPECT_NE(u.session.note.find("metered"), std::string::npos);
}

TEST(SessionTracker, AverageKnownPriceIgnoresUnknownSlots) {
  PriceCurve c({{k_t0, k_t0 + hours{1}, 10.0}, {k_t0 + hours{2}, k_t0 + hours{3}, 20.0}});
  EXPECT_NEAR(*average_price(c, {{k_t0, k_t0 + hours{3}}}), 15.0, 1e-9);
  EXPECT_FALSE(average_price(c, {{k_t0 + hours{1}, k_t0 + hours{2}}}));
}

}  // namespace
}  // namespace offpeak
