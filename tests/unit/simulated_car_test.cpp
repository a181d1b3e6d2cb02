#include <offpeak/domain/simulated_car.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

using namespace std::chrono_literals;
const Instant k_t0 = *parse_rfc3339("2026-03-28T12:00:00Z");

SimulatedCarParams params(double soc, bool plugged) {
  SimulatedCarParams p;
  p.spec = VehicleSpec{40.0, 10.0, 0.8};  // 20 %/h
  p.soc_percent = soc;
  p.plugged_in = plugged;
  p.full_range_km = 200;
  return p;
}

TEST(SimulatedCar, ChargesAtTheSpecifiedRate) {
  SimulatedCar car(params(50, true), k_t0);
  const VehicleState s = car.advance(k_t0 + 1h);
  EXPECT_NEAR(*s.soc_percent, 70.0, 1e-9);
  EXPECT_EQ(s.charging_state, ChargingState::charging);
  EXPECT_EQ(s.plugged_in, true);
  EXPECT_NEAR(*s.range_km, 140.0, 1e-9);
  EXPECT_EQ(s.observed_at, k_t0 + 1h);
}

// A charger's current limit: the car draws at most that power (10 kW spec, 2.5 kW offered:
// 5 %/h), and the full power again without a limit.
TEST(SimulatedCar, ChargesAtTheChargersLimit) {
  SimulatedCar car(params(50, true), k_t0);
  car.set_power_limit(2.5);
  auto s = car.advance(k_t0 + 1h);
  EXPECT_NEAR(*s.soc_percent, 55.0, 1e-9);
  EXPECT_NEAR(car.energy_kwh(), 2.5, 1e-9);
  car.set_power_limit(std::nullopt);
  s = car.advance(k_t0 + 2h);
  EXPECT_NEAR(*s.soc_percent, 75.0, 1e-9);
  car.set_power_limit(0.0);  // 0 A offered: nothing flows
  s = car.advance(k_t0 + 3h);
  EXPECT_NEAR(*s.soc_percent, 75.0, 1e-9);
}

TEST(SimulatedCar, StopsFullyCharged) {
  SimulatedCar car(params(90, true), k_t0);
  const VehicleState s = car.advance(k_t0 + 2h);
  EXPECT_EQ(*s.soc_percent, 100.0);
  EXPECT_EQ(s.charging_state, ChargingState::fully_charged);
}

TEST(SimulatedCar, SwitchedOffAndUnplugged) {
  SimulatedCar car(params(50, true), k_t0);
  car.stop_charging();
  auto s = car.advance(k_t0 + 1h);
  EXPECT_EQ(*s.soc_percent, 50.0);
  EXPECT_EQ(s.charging_state, ChargingState::not_charging);
  EXPECT_TRUE(car.start_charging());
  car.set_plugged_in(false);
  EXPECT_FALSE(car.start_charging());
  s = car.advance(k_t0 + 2h);
  EXPECT_EQ(*s.soc_percent, 50.0);
  EXPECT_EQ(s.charging_state, ChargingState::not_charging);
  EXPECT_EQ(s.plugged_in, false);
}

TEST(SimulatedCar, TimeNeverRunsBackwards) {
  SimulatedCar car(params(50, true), k_t0);
  car.advance(k_t0 + 1h);
  const auto s = car.advance(k_t0);
  EXPECT_EQ(s.observed_at, k_t0 + 1h);
  EXPECT_NEAR(*s.soc_percent, 70.0, 1e-9);
}

TEST(SimulatedCar, DailyPatternAcrossMidnightInLocalTime) {
  auto p = params(20, false);
  p.pattern = PlugPattern{*parse_time_of_day("18:00", false), *parse_time_of_day("07:00", false),
                          *Zone::locate("Europe/London")};
  // 2026-07-01 12:00 BST = 11:00Z: unplugged.
  const Instant noon = *parse_rfc3339("2026-07-01T11:00:00Z");
  SimulatedCar car(p, noon);
  EXPECT_FALSE(car.plugged_in());
  EXPECT_EQ(car.next_transition_after(noon), *parse_rfc3339("2026-07-01T17:00:00Z"));
  // 18:00 BST plug-in; charges 20 %/h for 4 h to 100 % by 22:00 BST.
  auto s = car.advance(*parse_rfc3339("2026-07-01T18:00:00Z"));
  EXPECT_TRUE(car.plugged_in());
  EXPECT_NEAR(*s.soc_percent, 40.0, 1e-9);
  s = car.advance(*parse_rfc3339("2026-07-02T05:00:00Z"));
  EXPECT_EQ(s.charging_state, ChargingState::fully_charged);
  // 07:00 BST unplug.
  s = car.advance(*parse_rfc3339("2026-07-02T06:30:00Z"));
  EXPECT_EQ(s.plugged_in, false);
  EXPECT_EQ(s.charging_state, ChargingState::not_charging);
}

TEST(SimulatedCar, TheSwitchIsTheChargersAndKeepsItsStateAcrossPlugIn) {
  SimulatedCar car(params(50, true), k_t0);
  car.stop_charging();
  car.set_plugged_in(false);
  car.set_plugged_in(true);  // a relay that is off stays off: the car waits
  EXPECT_FALSE(car.switched_on());
  EXPECT_EQ(car.advance(k_t0 + 1h).charging_state, ChargingState::not_charging);
  EXPECT_EQ(car.soc_percent(), 50.0);
  EXPECT_TRUE(car.start_charging());
  car.set_plugged_in(false);
  car.set_plugged_in(true);  // ... and one that is on charges at once
  EXPECT_EQ(car.advance(k_t0 + 2h).charging_state, ChargingState::charging);
  EXPECT_GT(car.soc_percent(), 50.0);
}

TEST(SimulatedCar, SocIsClamped) {
  SimulatedCar car(params(50, false), k_t0);
  car.set_soc(150);
  EXPECT_EQ(car.soc_percent(), 100.0);
  car.set_soc(-3);
  EXPECT_EQ(car.soc_percent(), 0.0);
}

TEST(SimulatedCar, TapersAndLogsEveryStretchWithItsEnergy) {
  auto p = params(70, true);
  p.spec.taper_above_soc = 80.0;
  p.spec.taper_end_kw = 2.0;
  SimulatedCar car(p, k_t0);
  car.advance(k_t0 + 30min);
  car.stop_charging();
  car.advance(k_t0 + 1h);
  ASSERT_TRUE(car.start_charging());
  car.advance(k_t0 + 3h);
  ASSERT_EQ(car.charging_log().size(), 2U);
  const auto& a = car.charging_log()[0];
  const auto& b = car.charging_log()[1];
  EXPECT_EQ(a.from, k_t0);
  EXPECT_EQ(a.to, k_t0 + 30min);
  EXPECT_EQ(b.from, k_t0 + 1h);
  EXPECT_EQ(b.to, k_t0 + 3h);  // in progress: up to now
  EXPECT_EQ(b.start_soc, a.end_soc);
  // Each stretch's energy is what its SoC rise needs from the grid; the total is their sum.
  EXPECT_NEAR(a.kwh, grid_energy_kwh(p.spec, a.start_soc, a.end_soc), 1e-9);
  EXPECT_NEAR(b.kwh, grid_energy_kwh(p.spec, b.start_soc, b.end_soc), 1e-9);
  EXPECT_NEAR(car.energy_kwh(), a.kwh + b.kwh, 1e-9);
  // Along the taper: slower than the flat rate would have been.
  EXPECT_NEAR(car.soc_percent(), soc_after_hours(p.spec, 70, 2.5), 1e-6);
  EXPECT_LT(car.soc_percent(), 70 + 2.5 * 20.0);
}

}  // namespace
}  // namespace offpeak
