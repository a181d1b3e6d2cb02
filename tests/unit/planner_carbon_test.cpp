// The planner with carbon intensity (rule 7) and with forecast prices (rule 8).

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/planner.hpp>

#include "plan_checks.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace offpeak {
namespace {

using test::at;
using test::curve;
using test::london;

// 40 kWh, 8 kW, 80 %: 1 % = 0.5 kWh from the grid; 8 kW draws 4 kWh per half hour.
PlanRequest request(double soc, double target, const char* now, const char* ready_by) {
  PlanRequest r;
  r.now = at(now);
  r.soc = soc;
  r.target_soc = target;
  r.ready_by = at(ready_by);
  r.vehicle = VehicleSpec{40.0, 8.0, 0.8};
  return r;
}

TEST(PlannerCarbon, FlatTariffTheGreenestHoursWin) {
  // 20:00-02:00 at a flat 24.5p; the grid is greenest 23:30-00:30.
  const Instant t0 = at("2026-01-05T20:00:00Z");
  const PriceCurve prices = curve(t0, std::vector<std::optional<double>>(12, 24.5));
  const PriceCurve carbon = curve(t0, {250, 240, 230, 220, 200, 180, 150, 90, 80, 140, 200, 260});
  PlanRequest r = request(60, 76, "2026-01-05T20:00:00Z", "2026-01-06T02:00:00Z");  // 8 kWh
  r.carbon_g_per_kwh = carbon;
  r.carbon_weight_p_per_kg = 10.0;
  Plan p = make_plan(r, prices, london());
  test::expect_plan_invariants(p, r, prices);
  ASSERT_EQ(p.runs.size(), 1U) << p.explanation;
  EXPECT_EQ(p.runs[0].start, at("2026-01-05T23:30:00Z"));
  EXPECT_EQ(p.runs[0].end, at("2026-01-06T00:30:00Z"));
  EXPECT_NEAR(p.total_cost_p, 8 * 24.5, 1e-9);
  ASSERT_TRUE(p.total_co2_kg);
  EXPECT_NEAR(*p.total_co2_kg, 4 * 0.090 + 4 * 0.080, 1e-9);
  ASSERT_TRUE(p.charge_now_co2_kg);  // 20:00-21:00
  EXPECT_NEAR(*p.charge_now_co2_kg, 4 * 0.250 + 4 * 0.240, 1e-9);
  EXPECT_NE(p.explanation.find("est. 0.68 kg CO2 (vs 1.96 kg charging now)"), std::string::npos)
      << p.explanation;
  EXPECT_NE(p.explanation.find("carbon weighted at 10.00p/kg"), std::string::npos);

  // Weight 0: cost only; with equal prices the earliest time is used, and the carbon is still
  // reported.
  r.carbon_weight_p_per_kg = 0.0;
  Plan q = make_plan(r, prices, london());
  ASSERT_EQ(q.runs.size(), 1U);
  EXPECT_EQ(q.runs[0].start, t0);
  ASSERT_TRUE(q.total_co2_kg);
  EXPECT_NEAR(*q.total_co2_kg, *p.charge_now_co2_kg, 1e-9);
}

TEST(PlannerCarbon, WeightTradesPenceAgainstCarbon) {
  // 10p at 300 g/kWh against 12p at 50 g/kWh: 2p per kWh buys 0.25 kg less, i.e. 8p/kg.
  const Instant t0 = at("2026-01-05T00:00:00Z");
  const PriceCurve prices = curve(t0, {10.0, 12.0});
  const PriceCurve carbon = curve(t0, {300, 50});
  PlanRequest r = request(50, 58, "2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z");  // 4 kWh
  r.carbon_g_per_kwh = carbon;
  r.carbon_weight_p_per_kg = 7.0;
  EXPECT_EQ(make_plan(r, prices, london()).runs.at(0).start, t0);
  r.carbon_weight_p_per_kg = 9.0;
  Plan p = make_plan(r, prices, london());
  EXPECT_EQ(p.runs.at(0).start, t0 + Seconds{1800});
  EXPECT_NEAR(p.total_cost_p, 48.0, 1e-9);  // the real price, not the weighted one
  EXPECT_EQ(p.slots.at(0).price_p_per_kwh, 12.0);
}

TEST(PlannerCarbon, UnknownIntensityIsNeverZero) {
  // The gap at 00:30 must not look greenest: it counts as the mean of the known (200).
  const Instant t0 = at("2026-01-05T00:00:00Z");
  const PriceCurve prices = curve(t0, {15.0, 15.0, 15.0});
  const PriceCurve carbon = curve(t0, {250, std::nullopt, 150});
  PlanRequest r = request(50, 58, "2026-01-05T00:00:00Z", "2026-01-05T01:30:00Z");
  r.carbon_g_per_kwh = carbon;
  r.carbon_weight_p_per_kg = 50.0;
  Plan p = make_plan(r, prices, london());
  ASSERT_EQ(p.runs.size(), 1U);
  EXPECT_EQ(p.runs[0].start, t0 + Seconds{3600});
  EXPECT_EQ(p.unknown_carbon_kwh, 0.0);
  // Charging at once would use the unknown half hour: its carbon is not claimed.
  r.soc = 40;  // 9 kWh: at once 00:00-01:07:30
  p = make_plan(r, prices, london());
  EXPECT_FALSE(p.charge_now_co2_kg);
}

TEST(PlannerForecast, ForecastDecidesWhatWaitsButNeverStartsARun) {
  // Published prices until 23:00 (20p), nothing after; the forecast says 5p at 02:00-03:00.
  const Instant t0 = at("2026-01-05T20:00:00Z");
  const PriceCurve published = curve(t0, {20, 20, 20, 20, 20, 20});
  const PriceCurve forecast = curve(at("2026-01-05T23:00:00Z"), {30, 30, 30, 30, 30, 30, 5, 5, 30});
  PlanRequest r = request(50, 66, "2026-01-05T20:00:00Z", "2026-01-06T03:30:00Z");  // 8 kWh
  Plan without = make_plan(r, published, london());
  ASSERT_EQ(without.runs.size(), 1U);
  EXPECT_EQ(without.runs[0].start, t0);  // published only: charges now at 20p

  r.forecast_prices = forecast;
  Plan p = make_plan(r, published, london());
  // The energy waits for 02:00-03:00: in the slots, marked forecast, but no run starts it.
  ASSERT_EQ(p.slots.size(), 1U) << p.explanation;
  EXPECT_TRUE(p.slots[0].forecast);
  EXPECT_EQ(p.slots[0].start, at("2026-01-06T02:00:00Z"));
  EXPECT_EQ(p.slots[0].price_p_per_kwh, 5.0);
  EXPECT_TRUE(p.runs.empty());
  EXPECT_EQ(run_at(p, at("2026-01-06T02:30:00Z")), nullptr);
  EXPECT_NEAR(p.forecast_kwh, 8.0, 1e-9);
  EXPECT_TRUE(p.feasible);
  EXPECT_NE(p.explanation.find("5.00p (forecast)"), std::string::npos) << p.explanation;
  EXPECT_NE(p.explanation.find("8.00 kWh planned at forecast prices waits for the published"),
            std::string::npos);

  // Published prices replace the forecast as soon as they come: the same time at 4p is a run.
  const PriceCurve later = curve(t0, {20, 20, 20, 20, 20, 20, 30, 30, 30, 30, 30, 30, 4, 4, 30});
  Plan real = make_plan(r, later, london());
  ASSERT_EQ(real.runs.size(), 1U);
  EXPECT_EQ(real.runs[0].start, at("2026-01-06T02:00:00Z"));
  EXPECT_FALSE(real.slots[0].forecast);
  EXPECT_EQ(real.slots[0].price_p_per_kwh, 4.0);
  EXPECT_EQ(real.forecast_kwh, 0.0);
}

TEST(PlannerForecast, ControllerNeverStartsChargingOnAForecast) {
  // The car is plugged in at 02:00, nothing is published, the forecast is cheap now: the
  // controller keeps the switch off (a forecast is not a price to charge at).
  ControllerSettings s;
  s.vehicle = VehicleSpec{40.0, 8.0, 0.8};
  s.policy.target_soc = 66;
  s.policy.ready_by = TimeOfDay{7 * 60};
  Controller c(s, london());
  const Instant now = at("2026-01-06T02:00:00Z");
  c.set_prices(PriceCurve{});
  c.set_forecast(curve(now, std::vector<std::optional<double>>(10, 1.0)));
  VehicleState v;
  v.observed_at = now;
  v.soc_percent = 50;
  v.plugged_in = true;
  v.charging_state = ChargingState::not_charging;
  c.observe(v);
  auto step = c.step(now);
  ASSERT_TRUE(c.plan());
  EXPECT_GT(c.plan()->forecast_kwh, 0.0) << c.plan()->explanation;
  EXPECT_TRUE(c.plan()->runs.empty());
  // At most a stop (the switch's state is not known yet), never a start.
  if (step.command) {
    EXPECT_EQ(step.command->action, Action::stop) << step.command->reason;
    c.command_result(now, true, "ok");
  }
  EXPECT_NE(c.reason().find("waiting for the published prices"), std::string::npos) << c.reason();
  for (int minute = 1; minute < 60; ++minute) {
    step = c.step(now + Seconds{60 * minute});
    EXPECT_FALSE(step.command && step.command->action == Action::start)
        << "minute " << minute << ": " << step.command->reason;
  }
  // A min_soc top-up still charges at once, whatever the price (rule 1, no forecast).
  s.policy.min_soc = 60;
  c.set_settings(s);
  v.observed_at = now + Seconds{3600};
  c.observe(v);
  step = c.step(now + Seconds{3600});
  ASSERT_TRUE(step.command) << c.plan()->explanation;
  EXPECT_EQ(step.command->action, Action::start);
}

}  // namespace
}  // namespace offpeak
