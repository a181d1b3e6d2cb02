// A session's energy split into solar and grid (SessionTracker fed the home's meter readings),
// and its cost: the grid part at the import price, the solar part at the export price.

#include <offpeak/domain/session_tracker.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

using std::chrono::hours;

const Instant t0 = *parse_rfc3339("2026-06-20T11:00:00Z");

VehicleSpec spec() {
  return VehicleSpec{40.0, 7.4, 0.9};
}

VehicleState plugged_in(Instant t, double soc) {
  VehicleState s;
  s.device_id = "car";
  s.observed_at = t;
  s.soc_percent = soc;
  s.plugged_in = true;
  s.charging_state = ChargingState::not_charging;
  return s;
}

PriceCurve day_at(double p) {
  return PriceCurve({{t0 - hours{12}, t0 + hours{12}, p}});
}

// A metered charger (register every minute) at `car_w` while the grid meter reports `grid_w`
// every 10 s, for `minutes` from `from`; returns the register's end.
double charge(SessionTracker& t, Instant from, int minutes, double car_w,
              std::optional<double> grid_w, double register_wh, const PriceCurve& prices) {
  for (int s = 0; s < minutes * 60; s += 10) {
    const Instant at = from + Seconds{s};
    t.site(at, car_w, grid_w);
    if (s % 60 == 0) t.metered(at, register_wh + car_w * s / 3600.0, prices);
  }
  const double end = register_wh + car_w * minutes / 60.0;
  t.metered(from + Seconds{minutes * 60}, end, prices);
  return end;
}

TEST(SessionSplit, ThePartOfTheChargeNotDrawnFromTheGridIsSolarAndPricedAtExport) {
  SessionTracker t;
  t.set_export_price(fixed_export_price(15.0));
  const PriceCurve prices = day_at(24.5);
  ASSERT_EQ(t.observe(plugged_in(t0, 30), spec(), prices, {}).kind, SessionUpdate::Kind::opened);
  t.metered(t0, 1000, prices);
  // An hour at 3 kW with the house exporting 1 kW besides: all solar.
  double reg = charge(t, t0, 60, 3000, -1000, 1000, prices);
  // An hour at 3 kW importing 1 kW: a third from the grid.
  reg = charge(t, t0 + hours{1}, 60, 3000, 1000, reg, prices);
  const SessionRecord& s = *t.open();
  EXPECT_NEAR(s.energy_kwh, 6.0, 1e-9);
  // A minute's lag at the change (the register's minute is split by the readings before it).
  EXPECT_NEAR(s.solar_kwh, 3.0 + 2.0, 0.05);
  const double grid = s.energy_kwh - s.solar_kwh;
  EXPECT_NEAR(grid, 1.0, 0.05);
  EXPECT_NEAR(s.cost_p, grid * 24.5 + s.solar_kwh * 15.0, 1e-6);
}

TEST(SessionSplit, WithoutMeterReadingsEverythingIsGridAsBefore) {
  SessionTracker with_price;
  with_price.set_export_price(fixed_export_price(15.0));
  SessionTracker plain;
  const PriceCurve prices = day_at(24.5);
  for (SessionTracker* t : {&with_price, &plain}) {
    t->observe(plugged_in(t0, 30), spec(), prices, {});
    t->metered(t0, 0, prices);
    t->metered(t0 + hours{1}, 7400, prices);
    EXPECT_NEAR(t->open()->energy_kwh, 7.4, 1e-9);
    EXPECT_EQ(t->open()->solar_kwh, 0.0);
    EXPECT_NEAR(t->open()->cost_p, 7.4 * 24.5, 1e-9);
  }
}

TEST(SessionSplit, AStaleMeterIsNeverSolar) {
  SessionTracker t;
  t.set_export_price(fixed_export_price(15.0));
  const PriceCurve prices = day_at(24.5);
  t.observe(plugged_in(t0, 30), spec(), prices, {});
  t.metered(t0, 0, prices);
  charge(t, t0, 60, 3000, std::nullopt, 0, prices);  // the grid meter stale all along
  EXPECT_NEAR(t.open()->energy_kwh, 3.0, 1e-9);
  EXPECT_EQ(t.open()->solar_kwh, 0.0);
  EXPECT_NEAR(t.open()->cost_p, 3.0 * 24.5, 1e-9);
}

TEST(SessionSplit, TheSocRiseIsSplitByTheReadingsBetweenTwoPolls) {
  SessionTracker t;
  t.set_export_price(export_price_from(PriceCurve({{t0, t0 + hours{4}, 4.1}})));
  const PriceCurve prices = day_at(30.0);
  t.observe(plugged_in(t0, 30), spec(), prices, {});
  // 2 h at 3.6 kW, the house exporting all along: the SoC rise is solar.
  for (int s = 0; s <= 7200; s += 30)
    t.site(t0 + Seconds{s}, 3600, -200);
  VehicleState later = plugged_in(t0 + hours{2}, 46.2);  // 7.2 kWh x 0.9 / 40 = 16.2 %
  later.charging_state = ChargingState::charging;
  const auto u = t.observe(later, spec(), prices, {{t0, t0 + hours{2}}});
  ASSERT_EQ(u.kind, SessionUpdate::Kind::updated);
  EXPECT_NEAR(u.session.energy_kwh, 7.2, 0.01);
  EXPECT_NEAR(u.session.solar_kwh, u.session.energy_kwh, 1e-9);
  EXPECT_NEAR(u.session.cost_p, u.session.energy_kwh * 4.1, 1e-6);
}

TEST(SessionSplit, AnUnknownExportPriceAddsNoCostForTheSolarPart) {
  SessionTracker t;  // no export price given
  const PriceCurve prices = day_at(24.5);
  t.observe(plugged_in(t0, 30), spec(), prices, {});
  t.metered(t0, 0, prices);
  charge(t, t0, 60, 2000, 500, 0, prices);  // a quarter from the grid
  EXPECT_NEAR(t.open()->solar_kwh, 1.5, 0.01);
  EXPECT_NEAR(t.open()->cost_p, 0.5 * 24.5, 0.3);
}

TEST(SessionSplit, ASessionResumedAfterARestartKeepsItsSolarPart) {
  SessionTracker t;
  t.set_export_price(fixed_export_price(15.0));
  SessionRecord open;
  open.started_at = t0 - hours{1};
  open.energy_kwh = 2.0;
  open.solar_kwh = 1.5;
  open.cost_p = 0.5 * 24.5 + 1.5 * 15.0;
  t.resume(open);
  const PriceCurve prices = day_at(24.5);
  t.metered(t0, 0, prices);
  charge(t, t0, 30, 2000, -100, 0, prices);  // all solar
  EXPECT_NEAR(t.open()->energy_kwh, 3.0, 1e-9);
  EXPECT_NEAR(t.open()->solar_kwh, 2.5, 1e-9);
  EXPECT_NEAR(t.open()->cost_p, 0.5 * 24.5 + 2.5 * 15.0, 1e-6);
}

}  // namespace
}  // namespace offpeak
