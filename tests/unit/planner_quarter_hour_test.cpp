// The planner on real 15-minute day-ahead prices (the DE-LU ENTSO-E answer) against an
// independent brute force over every choice of quarter-hours; mixed resolutions; DST days.
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_forecast.hpp>
#include <offpeak/tariffs/spot.hpp>

#include "plan_checks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace offpeak {
namespace {

using namespace std::chrono;

PriceCurve entsoe_fixture() {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) +
                   "/spot/entsoe_A44_DE-LU_2025-10-31_11-01_PT15M_A03gaps_4timeseries.xml");
  std::stringstream ss;
  ss << in.rdbuf();
  auto p = tariffs::parse_entsoe(ss.str(), tariffs::SpotQuery{});
  EXPECT_TRUE(p.ok()) << p.error;
  return PriceCurve(p.slots);
}

// The cheapest way to draw `energy` kWh at `kw` from `prices` (one price per quarter-hour),
// by trying every set of k quarter-hours (k = quarter-hours needed): the k-1 cheapest of a set
// run full and the dearest takes the rest. Returns the cost and every optimal set.
struct Brute {
  double cost = std::numeric_limits<double>::infinity();
  std::vector<std::vector<int>> best;
};

Brute brute_force(const std::vector<double>& prices, double kw, double energy) {
  const double per_slot = kw / 4.0;
  const int k = static_cast<int>(std::ceil(energy / per_slot - 1e-12));
  const double last = energy - per_slot * (k - 1);
  const int n = static_cast<int>(prices.size());
  Brute b;
  std::vector<int> idx(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i)
    idx[static_cast<std::size_t>(i)] = i;
  for (;;) {
    std::vector<double> ps;
    for (int i : idx)
      ps.push_back(prices[static_cast<std::size_t>(i)]);
    std::sort(ps.begin(), ps.end());
    double cost = 0;
    for (int i = 0; i + 1 < k; ++i)
      cost += ps[static_cast<std::size_t>(i)] * per_slot;
    cost += ps.back() * last;
    if (cost < b.cost - 1e-9) {
      b.cost = cost;
      b.best = {idx};
    } else if (std::fabs(cost - b.cost) <= 1e-9) {
      b.best.push_back(idx);
    }
    // Next combination.
    int i = k - 1;
    while (i >= 0 && idx[static_cast<std::size_t>(i)] == n - k + i)
      --i;
    if (i < 0) break;
    ++idx[static_cast<std::size_t>(i)];
    for (int j = i + 1; j < k; ++j)
      idx[static_cast<std::size_t>(j)] = idx[static_cast<std::size_t>(j - 1)] + 1;
  }
  return b;
}

TEST(QuarterHourPlanning, ElevenKwCarNeeding20KwhGetsTheCheapestQuarterHours) {
  const PriceCurve all = entsoe_fixture();
  const Zone berlin = *Zone::locate("Europe/Berlin");
  // Three windows of six hours on the fixture's days (24 quarter-hours each).
  for (const char* from :
       {"2025-10-31T00:00:00Z", "2025-10-31T09:00:00Z", "2025-11-01T06:00:00Z"}) {
    SCOPED_TRACE(from);
    const Instant now = *parse_rfc3339(from);
    const Instant ready = now + hours{6};
    PriceCurve prices = all.slice(now, ready);
    ASSERT_EQ(prices.slots().size(), 24u);
    std::vector<double> qp;
    for (const auto& s : prices.slots())
      qp.push_back(s.price_p_per_kwh);
    PlanRequest r;
    r.now = now;
    r.ready_by = ready;
    r.vehicle = VehicleSpec{100.0, 11.0, 1.0};
    r.soc = 50;
    r.target_soc = 70;  // 20 kWh
    Plan plan = make_plan(r, prices, berlin);
    test::expect_plan_invariants(plan, r, prices);
    ASSERT_TRUE(plan.feasible) << plan.explanation;
    EXPECT_NEAR(plan.total_energy_kwh, 20.0, 1e-6);
    Brute b = brute_force(qp, 11.0, 20.0);
    EXPECT_NEAR(plan.total_cost_p, b.cost, 1e-6) << plan.explanation;
    // The quarter-hours the plan uses are one of the optimal sets.
    std::vector<int> used;
    for (const auto& s : plan.slots) {
      int i = static_cast<int>((s.start - now) / minutes{15});
      for (int j = i; now + j * minutes{15} < s.end; ++j)
        if (used.empty() || used.back() < j) used.push_back(j);
    }
    bool optimal_set = false;
    for (const auto& set : b.best)
      optimal_set |= set == used;
    EXPECT_TRUE(optimal_set) << plan.explanation;
    EXPECT_EQ(b.best.size(), 1u) << "the real prices have one cheapest choice here";
  }
}

TEST(QuarterHourPlanning, RunsStartAtQuarterPastAndQuarterTo) {
  // Cheap quarter-hours at :15 and :45 only: the runs start there.
  const Instant t0 = *parse_rfc3339("2025-11-03T00:00:00Z");
  std::vector<PriceSlot> slots;
  for (int i = 0; i < 16; ++i)
    slots.push_back({t0 + i * minutes{15}, t0 + (i + 1) * minutes{15}, i % 2 == 1 ? 5.0 : 30.0});
  PriceCurve prices(slots);
  PlanRequest r;
  r.now = t0;
  r.ready_by = t0 + hours{4};
  r.vehicle = VehicleSpec{100.0, 11.0, 1.0};
  r.soc = 50;
  r.target_soc = 61;  // 11 kWh: four quarter-hours at 2.75 kWh
  Plan plan = make_plan(r, prices, *Zone::locate("Europe/Berlin"));
  test::expect_plan_invariants(plan, r, prices);
  ASSERT_EQ(plan.runs.size(), 4u) << plan.explanation;
  for (const auto& run : plan.runs) {
    auto m = duration_cast<minutes>(run.start.time_since_epoch()).count() % 60;
    EXPECT_TRUE(m == 15 || m == 45) << format_rfc3339(run.start);
    EXPECT_EQ(run.end - run.start, minutes{15});
  }
  EXPECT_NEAR(plan.total_cost_p, 11.0 * 5.0, 1e-9);
}

TEST(QuarterHourPlanning, MixedHourlyAndQuarterHourlyPrices) {
  // Hourly prices until midnight (yesterday's hourly publication), quarter-hours after.
  const Instant t0 = *parse_rfc3339("2025-09-30T20:00:00Z");
  std::vector<PriceSlot> slots;
  for (int h = 0; h < 2; ++h)
    slots.push_back({t0 + hours{h}, t0 + hours{h + 1}, 20.0 - h});  // 20, 19
  const Instant q0 = t0 + hours{2};
  for (int i = 0; i < 8; ++i)
    slots.push_back({q0 + i * minutes{15}, q0 + (i + 1) * minutes{15}, i == 5 ? 1.0 : 25.0});
  PriceCurve prices(slots);
  PlanRequest r;
  r.now = t0;
  r.ready_by = t0 + hours{4};
  r.vehicle = VehicleSpec{100.0, 11.0, 1.0};
  r.soc = 50;
  r.target_soc = 63.75;  // 13.75 kWh = the cheap quarter (2.75) + the 19 ct hour (11)
  Plan plan = make_plan(r, prices, *Zone::locate("Europe/Berlin"));
  test::expect_plan_invariants(plan, r, prices);
  ASSERT_TRUE(plan.feasible);
  EXPECT_NEAR(plan.total_cost_p, 2.75 * 1.0 + 11.0 * 19.0, 1e-6) << plan.explanation;
}

TEST(QuarterHourPlanning, DstDaysPlanOn92And100QuarterHours) {
  for (const char* zone_name : {"Europe/Berlin", "Europe/Stockholm"}) {
    const Zone z = *Zone::locate(zone_name);
    for (auto [date, n] : {std::pair{LocalDate{year{2025} / 3 / 30}, 92},
                           std::pair{LocalDate{year{2025} / 10 / 26}, 100}}) {
      SCOPED_TRACE(std::string(zone_name) + " " + std::to_string(n));
      const Instant a = z.start_of_day(date);
      std::vector<PriceSlot> slots;
      for (int i = 0; i < n; ++i)  // the cheapest quarter-hour is the last of the day
        slots.push_back(
            {a + i * minutes{15}, a + (i + 1) * minutes{15}, i == n - 1 ? 1.0 : 10.0 + i});
      PriceCurve prices(slots);
      EXPECT_EQ(prices.known_duration(a, z.start_of_day(LocalDate{sys_days{date} + days{1}})),
                n * minutes{15});
      PlanRequest r;
      r.now = a;
      r.ready_by = slots.back().end;
      r.vehicle = VehicleSpec{100.0, 11.0, 1.0};
      r.soc = 50;
      r.target_soc = 52.75;  // one quarter-hour
      Plan plan = make_plan(r, prices, z);
      test::expect_plan_invariants(plan, r, prices);
      ASSERT_EQ(plan.runs.size(), 1u) << plan.explanation;
      EXPECT_EQ(plan.runs[0].start, slots.back().start);
      EXPECT_EQ(z.format_hhmm(plan.runs[0].start), "23:45");
    }
  }
}

TEST(QuarterHourPlanning, ForecastBeyondPublicationKeepsTheQuarterHourShape) {
  // Eight days of 15-minute prices where the quarter past each hour is cheap: forecast at the
  // source's 15-minute resolution keeps that shape; the half-hour default averages it away.
  const Zone berlin = *Zone::locate("Europe/Berlin");
  const Instant t0 = berlin.start_of_day(LocalDate{year{2025} / 11 / 3});
  std::vector<PriceSlot> slots;
  for (int i = 0; i < 8 * 96; ++i)
    slots.push_back({t0 + i * minutes{15}, t0 + (i + 1) * minutes{15}, i % 4 == 1 ? 2.0 : 20.0});
  const PriceCurve history(slots);
  const Instant from = t0 + days{8};
  auto q = forecast_prices(history, from, from + hours{2}, berlin, minutes{15});
  ASSERT_TRUE(q);
  ASSERT_EQ(q->slots().size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(
        q->slots()[static_cast<std::size_t>(i)].end - q->slots()[static_cast<std::size_t>(i)].start,
        minutes{15});
    EXPECT_NEAR(q->slots()[static_cast<std::size_t>(i)].price_p_per_kwh, i % 4 == 1 ? 2.0 : 20.0,
                1e-9);
  }
  auto h = forecast_prices(history, from, from + hours{2}, berlin);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->slots().size(), 4u);
  EXPECT_NEAR(h->slots()[0].price_p_per_kwh, 11.0, 1e-9);  // (20 + 2) / 2
}

}  // namespace
}  // namespace offpeak
