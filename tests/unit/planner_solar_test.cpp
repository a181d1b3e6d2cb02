// The planner with the sun on hand-made days: the explanation, the planner's rules with a
// surplus (min_soc, forecast prices, carbon weight), and a day charged by re-planning every
// half hour while the real sun is as forecast, half as strong again as it turned out, or
// stronger.

#include <offpeak/domain/planner.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace offpeak {
namespace {

using test::at;

constexpr Seconds k_half_hour{1800};

// A June Saturday (BST): 12p from 00:00 to 05:00 local, 20p by day, 35p from 16:00 to 19:00.
PriceCurve saturday_prices(Instant midnight) {
  std::vector<std::optional<double>> p;
  for (int i = 0; i < 48; ++i) {
    p.push_back(i < 10 ? 12.0 : i < 32 ? 20.0 : i < 38 ? 35.0 : 22.0);
  }
  return test::curve(midnight, p);
}

// A clear day's surplus in kW: a bell from 08:00 to 16:00 local, `peak` at noon.
PriceCurve sunny_surplus(Instant midnight, double peak) {
  std::vector<std::optional<double>> s;
  for (int i = 0; i < 48; ++i) {
    const double hour = i / 2.0 + 0.25;
    const double x = (hour - 12.0) / 4.0;
    s.push_back(std::abs(x) < 1.0 ? peak * std::cos(x * 1.5707963) : 0.0);
  }
  return test::curve(midnight, s);
}

PriceCurve scaled(const PriceCurve& c, double k) {
  std::vector<PriceSlot> out;
  for (auto s : c.slots()) {
    s.price_p_per_kwh *= k;
    out.push_back(s);
  }
  return PriceCurve(std::move(out));
}

const Instant k_midnight = at("2026-06-12T23:00:00Z");  // Sat 13 Jun 00:00 BST

PlanRequest saturday_request() {
  PlanRequest r;
  r.now = k_midnight;
  r.ready_by = k_midnight + Seconds{18 * 3600};  // 18:00 BST
  r.vehicle = VehicleSpec{60.0, 7.0, 0.9};
  r.soc = 40.0;
  r.target_soc = 80.0;
  r.surplus_kw = sunny_surplus(k_midnight, 5.0);
  r.export_flat_p_per_kwh = 4.0;
  r.surplus_confidence = 0.7;
  r.min_power_kw = 1.4;
  return r;
}

double slot_hours(const PlannedSlot& s) {
  return static_cast<double>((s.end - s.start).count()) / 3600.0;
}

TEST(PlannerSolar, PlansTheSunFirstAndTheCheapestGridForTheRest) {
  const PlanRequest r = saturday_request();
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible) << p.explanation;
  // Forecast: about 25.5 kWh of surplus; counting on 70 %: about 17.8 kWh, worth 4p against
  // 12p at night. Where the counted-on surplus is below the switch's 1.4 kW minimum, the car
  // draws 1.4 kW when the sun pays for enough of it.
  EXPECT_GT(p.total_solar_kwh, 16.0);
  EXPECT_LE(p.total_solar_kwh, 0.7 * 5.0 * 8.0 * 2.0 / 3.14159265 + 1e-6);
  EXPECT_NEAR(p.total_solar_kwh + p.total_grid_kwh, p.energy_needed_kwh, 1e-3);
  EXPECT_NEAR(p.export_forgone_p, p.total_solar_kwh * 4.0, 1e-6);
  double night_grid = 0.0;
  for (const auto& s : p.slots) {
    // Nothing dearer than the night's 12p.
    const double per_kwh = (s.solar_kwh * 4.0 + s.cost_p) / s.energy_kwh;
    EXPECT_LE(per_kwh, 12.0 + 1e-9) << test::iso(s.start);
    if (s.price_p_per_kwh == 12.0) night_grid += s.grid_kwh;
    if (s.solar_kwh > 1e-6) {
      EXPECT_GE(s.power_kw, 1.4 - 1e-9);
    }
  }
  EXPECT_GT(night_grid, 0.9 * p.total_grid_kwh);
  // Solar slots are runs: the controller starts them.
  double run_energy = 0.0;
  for (const auto& run : p.runs)
    run_energy += run.energy_kwh;
  EXPECT_NEAR(run_energy, p.total_energy_kwh, 1e-9);
  const std::string& e = p.explanation;
  EXPECT_NE(e.find("need 26.7 kWh"), std::string::npos) << e;
  EXPECT_NE(e.find("kWh from the sun 08:"), std::string::npos) << e;
  EXPECT_NE(e.find("counting on 70 %"), std::string::npos) << e;
  EXPECT_NE(e.find("kWh from the grid 00:00-"), std::string::npos) << e;
  EXPECT_NE(e.find("at 12.00p"), std::string::npos) << e;
  EXPECT_NE(e.find("of export forgone"), std::string::npos) << e;
  EXPECT_NE(e.find("charging now"), std::string::npos) << e;
}

TEST(PlannerSolar, AGoodExportDealExportsByDayAndChargesByNight) {
  PlanRequest r = saturday_request();
  r.export_flat_p_per_kwh = 15.0;  // more than the night's 12p
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible);
  EXPECT_NEAR(p.total_solar_kwh, 0.0, 1e-9);
  EXPECT_NE(p.explanation.find("nothing from the sun"), std::string::npos) << p.explanation;
  for (const auto& s : p.slots)
    EXPECT_EQ(s.price_p_per_kwh, 12.0);
}

TEST(PlannerSolar, OnOffSwitchDrawsFullPowerAndPaysTheGridForTheRest) {
  PlanRequest r = saturday_request();
  r.min_power_kw.reset();
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible);
  for (const auto& s : p.slots) {
    EXPECT_DOUBLE_EQ(s.power_kw, 7.0);
    EXPECT_NEAR(s.solar_kwh + s.grid_kwh, s.energy_kwh, 1e-9);
    if (s.solar_kwh > 1e-9) {
      // Full power under a surplus of at most 3.5 kW: the rest comes from the grid at the
      // day's 20p; cheaper than the night only while the sun pays for enough of it.
      EXPECT_GT(s.grid_kwh, 0.0);
      const double blended = (s.solar_kwh * 4.0 + s.grid_kwh * 20.0) / s.energy_kwh;
      EXPECT_LE(blended, 12.0 + 1e-9) << test::iso(s.start);
    }
  }
}

TEST(PlannerSolar, MinSocChargesAtOnceBeforeTheSun) {
  PlanRequest r = saturday_request();
  r.soc = 10.0;
  r.min_soc = 20.0;
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_FALSE(p.slots.empty());
  EXPECT_TRUE(p.slots.front().immediate);
  EXPECT_EQ(p.slots.front().start, r.now);
  EXPECT_TRUE(p.feasible);
  EXPECT_NE(p.explanation.find("(at once, below min_soc)"), std::string::npos) << p.explanation;
}

TEST(PlannerSolar, ForecastPricesNeverStartARunEvenUnderTheSun) {
  PlanRequest r = saturday_request();
  // Published prices only until 10:00 local; a forecast beyond.
  const PriceCurve all = saturday_prices(k_midnight);
  const PriceCurve published = all.slice(k_midnight, k_midnight + Seconds{10 * 3600});
  r.forecast_prices = all;
  const Plan p = make_plan(r, published, test::london());
  ASSERT_TRUE(p.feasible);
  EXPECT_GT(p.forecast_kwh, 0.0);
  for (const auto& s : p.slots) {
    if (!s.forecast) continue;
    EXPECT_GE(s.start, k_midnight + Seconds{10 * 3600});
    EXPECT_EQ(run_at(p, s.start), nullptr) << test::iso(s.start);
  }
  // Unknown prices are never planned, sun or not.
  const Plan q = make_plan(saturday_request(), published, test::london());
  for (const auto& s : q.slots)
    EXPECT_LT(s.start, k_midnight + Seconds{10 * 3600});
}

TEST(PlannerSolar, TheCarbonWeightAddsToBothParts) {
  PlanRequest r = saturday_request();
  // A dirty day (300 g/kWh), a clean night (50 g/kWh).
  std::vector<std::optional<double>> g;
  for (int i = 0; i < 48; ++i)
    g.push_back(i < 10 ? 50.0 : 300.0);
  r.carbon_g_per_kwh = test::curve(k_midnight, g);
  r.carbon_weight_p_per_kg = 100.0;  // day: 4 + 30 = 34p; night: 12 + 5 = 17p
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible);
  EXPECT_NEAR(p.total_solar_kwh, 0.0, 1e-9);
  r.carbon_weight_p_per_kg = 10.0;  // day: 4 + 3 = 7p; night: 12 + 0.5 = 12.5p
  const Plan q = make_plan(r, saturday_prices(k_midnight), test::london());
  EXPECT_GT(q.total_solar_kwh, 10.0);
  ASSERT_TRUE(q.total_co2_kg.has_value());
}

TEST(PlannerSolar, ChargeBelowTakesEverySunnyKwhBelowItUpToFull) {
  PlanRequest r = saturday_request();
  r.target_soc = 45.0;  // 5 kWh: the sun alone covers it
  const Plan base = make_plan(r, saturday_prices(k_midnight), test::london());
  r.charge_below_p_per_kwh = 6.0;  // the sun at 4p is below it, the night's 12p is not
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible);
  EXPECT_NEAR(base.total_solar_kwh, base.energy_needed_kwh, 1e-3);
  EXPECT_GT(p.total_solar_kwh, base.total_solar_kwh + 8.0);
  EXPECT_NEAR(p.total_grid_kwh, 0.0, 1e-6);  // no part dearer than 6p
  EXPECT_LE(p.total_energy_kwh, grid_energy_kwh(r.vehicle, r.soc, 100.0) + 1e-6);
}

TEST(PlannerSolar, ATaperingCarPlansAtItsAveragePower) {
  PlanRequest r = saturday_request();
  r.vehicle.taper_above_soc = 70.0;
  r.vehicle.taper_end_kw = 2.0;
  const Plan p = make_plan(r, saturday_prices(k_midnight), test::london());
  ASSERT_TRUE(p.feasible) << p.explanation;
  const double avg = p.energy_needed_kwh / charge_hours(r.vehicle, r.soc, r.target_soc);
  for (const auto& s : p.slots)
    EXPECT_LE(s.power_kw, avg + 1e-9) << test::iso(s.start);
  EXPECT_GT(p.total_solar_kwh, 10.0);
}

// Charges the Saturday by re-planning every half hour. The real surplus is the forecast x
// `truth`. In each half hour the car draws the plan's grid share, and, up to its power and
// while below the target, the real surplus (the surplus loop follows the meter, not the
// forecast). Returns the grid kWh drawn; `soc` ends at the car's SoC.
struct DayResult {
  double soc = 0.0;
  double grid_kwh = 0.0;
  double solar_kwh = 0.0;
  double first_plan_grid_kwh = 0.0;
  double first_plan_solar_kwh = 0.0;
};

DayResult charge_the_day(double truth) {
  PlanRequest r = saturday_request();
  const PriceCurve prices = saturday_prices(k_midnight);
  const PriceCurve real = scaled(*r.surplus_kw, truth);
  DayResult out;
  for (Instant t = r.now; t < r.ready_by; t += k_half_hour) {
    r.now = t;
    const Plan p = make_plan(r, prices, test::london());
    if (t == k_midnight) {
      out.first_plan_grid_kwh = p.total_grid_kwh;
      out.first_plan_solar_kwh = p.total_solar_kwh;
    }
    double grid = 0.0;
    for (const auto& s : p.slots) {
      const Instant a = std::max(s.start, t), b = std::min(s.end, t + k_half_hour);
      if (!(a < b)) continue;
      grid += s.grid_kwh * static_cast<double>((b - a).count()) / 3600.0 / slot_hours(s);
    }
    const double need = grid_energy_kwh(r.vehicle, r.soc, r.target_soc);
    grid = std::min(grid, need);
    const double sun_kw = real.price_at(t).value_or(0.0);
    const double sun = std::min({sun_kw * 0.5, r.vehicle.max_charge_kw * 0.5 - grid, need - grid});
    out.grid_kwh += grid;
    out.solar_kwh += std::max(0.0, sun);
    r.soc = soc_after(r.vehicle, r.soc, grid + std::max(0.0, sun));
  }
  out.soc = r.soc;
  return out;
}

TEST(PlannerSolarDay, ForecastRight) {
  const DayResult d = charge_the_day(1.0);
  EXPECT_GE(d.soc, 80.0 - 1e-6);
  // The plan bought the night's share; the sun brought the rest, a little more than counted on.
  EXPECT_LE(d.grid_kwh, d.first_plan_grid_kwh + 1e-6);
  EXPECT_GE(d.grid_kwh, d.first_plan_grid_kwh - 0.5);
  EXPECT_GE(d.solar_kwh, d.first_plan_solar_kwh - 0.05);
}

TEST(PlannerSolarDay, ForecastFiftyPercentTooHighTheGridStillMakesTheTarget) {
  const DayResult d = charge_the_day(1.0 / 1.5);
  EXPECT_GE(d.soc, 80.0 - 1e-6);
  // Behind its projection, the car took more from the grid than first planned.
  EXPECT_GT(d.grid_kwh, d.first_plan_grid_kwh + 0.5);
  EXPECT_LT(d.solar_kwh, d.first_plan_solar_kwh);
}

TEST(PlannerSolarDay, ForecastTooLowTheSunDoesMoreAndTheGridNoMore) {
  const DayResult d = charge_the_day(1.5);
  EXPECT_GE(d.soc, 80.0 - 1e-6);
  EXPECT_LE(d.grid_kwh, d.first_plan_grid_kwh + 1e-6);
  EXPECT_GT(d.solar_kwh, d.first_plan_solar_kwh);
}

TEST(PlannerSolarDay, NoSunAtAllTheGridMakesTheTarget) {
  const DayResult d = charge_the_day(0.0);
  EXPECT_GE(d.soc, 80.0 - 1e-6);
  EXPECT_EQ(d.solar_kwh, 0.0);
}

}  // namespace
}  // namespace offpeak
