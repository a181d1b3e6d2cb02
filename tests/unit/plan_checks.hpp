#pragma once
// Invariants every plan must satisfy (the `offpeak plan --json` contract), shared by the
// hand-written and the randomised planner tests.

#include <offpeak/domain/planner.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace offpeak::test {

inline void expect_plan_invariants(const Plan& plan, const PlanRequest& r,
                                   const PriceCurve& prices) {
  const double kw = r.vehicle.max_charge_kw;
  double energy = 0.0, cost = 0.0;
  for (std::size_t i = 0; i < plan.slots.size(); ++i) {
    const PlannedSlot& s = plan.slots[i];
    SCOPED_TRACE("slot " + std::to_string(i) + " " + format_rfc3339(s.start));
    EXPECT_LT(s.start, s.end);
    EXPECT_LE(r.now, s.start);
    EXPECT_LE(s.end, r.ready_by);
    if (i > 0) {
      EXPECT_LE(plan.slots[i - 1].end, s.start);  // sorted, no overlap
    }
    const double hours = static_cast<double>((s.end - s.start).count()) / 3600.0;
    EXPECT_GT(s.energy_kwh, 0.0);
    EXPECT_LE(s.energy_kwh, kw * hours + 1e-9);
    // A partial slot is at most one second longer than its energy needs.
    EXPECT_GT(s.energy_kwh, kw * (hours - 1.0 / 3600.0) - 1e-9);
    EXPECT_EQ(s.power_kw, kw);
    if (s.price_p_per_kwh) {
      EXPECT_NEAR(s.cost_p, s.energy_kwh * *s.price_p_per_kwh, 1e-9);
      // The slot's price is the curve's price throughout the slot.
      EXPECT_EQ(prices.price_at(s.start), s.price_p_per_kwh);
      EXPECT_EQ(prices.price_at(s.end - Seconds{1}), s.price_p_per_kwh);
      EXPECT_EQ(prices.known_duration(s.start, s.end), s.end - s.start);
    } else {
      EXPECT_TRUE(s.immediate) << "unknown price planned outside min_soc";
      EXPECT_EQ(s.cost_p, 0.0);
    }
    energy += s.energy_kwh;
    cost += s.cost_p;
  }
  EXPECT_NEAR(plan.total_energy_kwh, energy, 1e-9);
  EXPECT_NEAR(plan.total_cost_p, cost, 1e-9);
  // Runs: slots merged where they touch, each at least a minute.
  double run_energy = 0.0;
  std::size_t si = 0;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const ChargeRun& run = plan.runs[i];
    EXPECT_GE(run.end - run.start, Seconds{60}) << "sub-minute run";
    if (i > 0) {
      EXPECT_LT(plan.runs[i - 1].end, run.start);  // touching runs are merged
    }
    ASSERT_LT(si, plan.slots.size());
    EXPECT_EQ(plan.slots[si].start, run.start);
    double e = 0.0;
    while (si < plan.slots.size() && plan.slots[si].end <= run.end) {
      if (e > 0.0) {
        EXPECT_EQ(plan.slots[si - 1].end, plan.slots[si].start);
      }
      e += plan.slots[si].energy_kwh;
      ++si;
    }
    EXPECT_EQ(plan.slots[si - 1].end, run.end);
    EXPECT_NEAR(run.energy_kwh, e, 1e-9);
    run_energy += run.energy_kwh;
  }
  EXPECT_EQ(si, plan.slots.size());
  EXPECT_NEAR(run_energy, energy, 1e-9);
  // Energy and feasibility.
  EXPECT_NEAR(plan.energy_needed_kwh, grid_energy_kwh(r.vehicle, r.soc, r.target_soc), 1e-12);
  if (plan.feasible) {
    EXPECT_GE(plan.total_energy_kwh, plan.energy_needed_kwh - 1e-6);
    EXPECT_EQ(plan.shortfall_kwh, 0.0);
  } else if (r.now < r.ready_by) {
    EXPECT_NEAR(plan.shortfall_kwh, plan.energy_needed_kwh - plan.total_energy_kwh, 1e-9);
    EXPECT_GT(plan.shortfall_kwh, 0.0);
    EXPECT_NE(plan.explanation.find("kWh short"), std::string::npos) << plan.explanation;
  }
  // Never more than a full battery.
  EXPECT_LE(plan.total_energy_kwh, grid_energy_kwh(r.vehicle, r.soc, 100.0) + kw / 60.0 + 1e-9);
}

}  // namespace offpeak::test
