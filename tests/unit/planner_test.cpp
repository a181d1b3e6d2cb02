#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include "plan_checks.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace offpeak {
namespace {

using test::at;
using test::iso;
using test::london;

// 40 kWh battery, 8 kW, 80 % efficient: every 1 % of SoC needs 0.4 / 0.8 = 0.5 kWh from the
// grid, and 8 kW draws 4 kWh per half hour.
VehicleSpec car() {
  return VehicleSpec{40.0, 8.0, 0.8};
}

const Instant k_t0 = at("2026-01-05T00:00:00Z");  // Monday, GMT: local == UTC

PlanRequest request(double soc, double target, const char* ready_by,
                    Strategy strategy = Strategy::cheapest, Instant now = k_t0) {
  PlanRequest r;
  r.now = now;
  r.soc = soc;
  r.target_soc = target;
  r.ready_by = at(ready_by);
  r.vehicle = car();
  r.strategy = strategy;
  return r;
}

struct ExpSlot {
  const char* start;
  const char* end;
  double energy_kwh;
  std::optional<double> price;
};

void expect_slots(const Plan& plan, const std::vector<ExpSlot>& expected) {
  ASSERT_EQ(plan.slots.size(), expected.size()) << plan.explanation;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("slot " + std::to_string(i));
    EXPECT_EQ(iso(plan.slots[i].start), expected[i].start);
    EXPECT_EQ(iso(plan.slots[i].end), expected[i].end);
    EXPECT_NEAR(plan.slots[i].energy_kwh, expected[i].energy_kwh, 1e-9);
    EXPECT_EQ(plan.slots[i].price_p_per_kwh, expected[i].price);
  }
}

Plan plan_checked(const PlanRequest& r, const PriceCurve& prices) {
  Plan p = make_plan(r, prices, london());
  test::expect_plan_invariants(p, r, prices);
  return p;
}

TouRules go_rules() {
  TouRules r;
  r.default_price_p_per_kwh = 24.5;
  r.periods = {TouPeriod{0x7f, 0xfff, 30, 330, 8.5}};  // 00:30-05:30 at 8.5p
  return r;
}

// ---- Whole-flow cases ----------------------------------------------------------------------

TEST(Planner, SpecExampleOnTheSpringForwardNight) {
  // i3s: 37.9 kWh, 7.4 kW, 90 %. 40 -> 80 %: 0.4 x 37.9 / 0.9 = 16.8444 kWh.
  // 16.8444 / 7.4 h = 8194.6 s -> 8195 s = 2:16:35 from 00:30Z (00:30 GMT; the cheap period
  // ends 05:30 BST = 04:30Z). Cost 16.8444 x 8.5 = 143.178p.
  ChargingPolicy policy;
  policy.ready_by = TimeOfDay{450};
  Instant now = at("2026-03-28T18:00:00Z");
  Deadline d = next_deadline(now, policy, london());
  ASSERT_EQ(iso(d.ready_by), "2026-03-29T06:30:00Z");
  PlanRequest r;
  r.now = now;
  r.soc = 40;
  r.target_soc = d.target_soc;
  r.ready_by = d.ready_by;
  r.vehicle = VehicleSpec{37.9, 7.4, 0.9};
  TouTariff tariff(go_rules(), london());
  PriceCurve prices = tariff.prices(r.now, r.ready_by);
  Plan p = plan_checked(r, prices);
  const double need = 0.4 * 37.9 / 0.9;
  EXPECT_NEAR(p.energy_needed_kwh, need, 1e-9);
  EXPECT_TRUE(p.feasible);
  expect_slots(p, {{"2026-03-29T00:30:00Z", "2026-03-29T02:46:35Z", need, 8.5}});
  EXPECT_NEAR(p.total_cost_p, need * 8.5, 1e-9);
  EXPECT_NEAR(p.expected_soc, 80.0, 1e-9);
  EXPECT_NE(p.explanation.find("need 16.84 kWh"), std::string::npos) << p.explanation;
  EXPECT_NE(p.explanation.find("07:30 BST"), std::string::npos) << p.explanation;
}

TEST(Planner, PlugInInsideACheapPeriodStartsAtOnce) {
  // 40 -> 80 %: 20 kWh = 2.5 h at 8 kW, from 01:10 (inside 00:30-05:30) to 03:40.
  PlanRequest r =
      request(40, 80, "2026-01-05T07:30:00Z", Strategy::cheapest, at("2026-01-05T01:10:00Z"));
  TouTariff tariff(go_rules(), london());
  Plan p = plan_checked(r, tariff.prices(r.now, r.ready_by));
  expect_slots(p, {{"2026-01-05T01:10:00Z", "2026-01-05T03:40:00Z", 20.0, 8.5}});
  EXPECT_NEAR(p.total_cost_p, 170.0, 1e-9);  // 20 x 8.5
  ASSERT_NE(run_at(p, r.now), nullptr);
}

TEST(Planner, ReadyByAlreadyPassedTodayPlansForTomorrow) {
  ChargingPolicy policy;  // 07:30
  Instant now = at("2026-01-05T08:00:00Z");
  Deadline d = next_deadline(now, policy, london());
  ASSERT_EQ(iso(d.ready_by), "2026-01-06T07:30:00Z");
  PlanRequest r = request(40, 80, "2026-01-06T07:30:00Z", Strategy::cheapest, now);
  TouTariff tariff(go_rules(), london());
  Plan p = plan_checked(r, tariff.prices(r.now, r.ready_by));
  // 20 kWh = 2.5 h from tomorrow's 00:30.
  expect_slots(p, {{"2026-01-06T00:30:00Z", "2026-01-06T03:00:00Z", 20.0, 8.5}});
}

TEST(Planner, TargetAtOrBelowSocPlansNothing) {
  PriceCurve prices = test::curve(k_t0, {10, 10});
  for (double target : {80.0, 70.0}) {
    Plan p = plan_checked(request(80, target, "2026-01-05T01:00:00Z"), prices);
    EXPECT_TRUE(p.slots.empty());
    EXPECT_TRUE(p.runs.empty());
    EXPECT_TRUE(p.feasible);
    EXPECT_EQ(p.energy_needed_kwh, 0.0);
    EXPECT_EQ(p.total_energy_kwh, 0.0);
    EXPECT_NE(p.explanation.find("nothing needed"), std::string::npos) << p.explanation;
  }
}

TEST(Planner, ReadyByNotAfterNowPlansNothing) {
  Plan p = plan_checked(request(40, 80, "2026-01-05T00:00:00Z"), test::curve(k_t0, {10}));
  EXPECT_TRUE(p.slots.empty());
  EXPECT_FALSE(p.feasible);
}

TEST(Planner, InfeasibleUsesEverySlotAndSaysByHowMuch) {
  // Known: [00:00, 00:30) and [01:00, 01:30): 2 x 4 = 8 kWh of the 20 needed: 12 short.
  // Expected SoC 40 + 8 x 0.8 / 40 x 100 = 56 %.
  PriceCurve prices = test::curve(k_t0, {10, std::nullopt, 20, std::nullopt});
  Plan p = plan_checked(request(40, 80, "2026-01-05T02:00:00Z"), prices);
  EXPECT_FALSE(p.feasible);
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, 10.0},
                   {"2026-01-05T01:00:00Z", "2026-01-05T01:30:00Z", 4.0, 20.0}});
  EXPECT_NEAR(p.shortfall_kwh, 12.0, 1e-9);
  EXPECT_NEAR(p.expected_soc, 56.0, 1e-9);
  EXPECT_NEAR(p.total_cost_p, 120.0, 1e-9);  // 4 x 10 + 4 x 20
  EXPECT_NE(p.explanation.find("12.00 kWh short"), std::string::npos) << p.explanation;
  EXPECT_NE(p.explanation.find("cannot reach 80%"), std::string::npos) << p.explanation;
}

TEST(Planner, PriceFeedOutageIsNotPriceZero) {
  // No prices at all: nothing planned, target missed by the whole 20 kWh.
  Plan p = plan_checked(request(40, 80, "2026-01-05T07:00:00Z"), PriceCurve{});
  EXPECT_TRUE(p.slots.empty());
  EXPECT_FALSE(p.feasible);
  EXPECT_NEAR(p.shortfall_kwh, 20.0, 1e-9);
}

TEST(Planner, UnknownPricesAreNeverPlannedOn) {
  // 30p for an hour, 2 h unknown, then 40p. 12 kWh: 8 kWh at 30p, 4 kWh at 40p.
  PriceCurve prices =
      test::curve(k_t0, {30, 30, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 40, 40});
  Plan p = plan_checked(request(40, 64, "2026-01-05T04:00:00Z"), prices);
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", 8.0, 30.0},
                   {"2026-01-05T03:00:00Z", "2026-01-05T03:30:00Z", 4.0, 40.0}});
  EXPECT_NEAR(p.total_cost_p, 400.0, 1e-9);  // 8 x 30 + 4 x 40
  EXPECT_EQ(p.unknown_price_kwh, 0.0);
}

// ---- Partial slots and ties, table-driven ----------------------------------------------------

struct PartialCase {
  const char* name;
  std::vector<std::optional<double>> prices;  // half hours from 00:00
  double target;                              // from 40 %
  std::vector<ExpSlot> slots;
  double cost;
  std::size_t runs;
};
void PrintTo(const PartialCase& c, std::ostream* os) {
  *os << c.name;
}

class PlannerPartial : public ::testing::TestWithParam<PartialCase> {};

TEST_P(PlannerPartial, PlacesEnergyExactly) {
  const PartialCase& c = GetParam();
  PriceCurve prices = test::curve(k_t0, c.prices);
  Plan p = plan_checked(request(40, c.target, "2026-01-05T02:00:00Z"), prices);
  EXPECT_TRUE(p.feasible);
  expect_slots(p, c.slots);
  EXPECT_NEAR(p.total_cost_p, c.cost, 1e-9);
  EXPECT_EQ(p.runs.size(), c.runs);
  // Same input, same plan.
  Plan again = make_plan(request(40, c.target, "2026-01-05T02:00:00Z"), prices, london());
  ASSERT_EQ(again.slots.size(), p.slots.size());
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    EXPECT_EQ(again.slots[i].start, p.slots[i].start);
    EXPECT_EQ(again.slots[i].end, p.slots[i].end);
  }
}

// 40 -> 49.42 %: 9.42 x 0.5 = 4.71 kWh = one full half hour (4 kWh) + 0.71 kWh;
// 0.71 kWh at 8 kW = 319.5 s, rounded up to 320 s = 5:20.
INSTANTIATE_TEST_SUITE_P(
    Cases, PlannerPartial,
    ::testing::Values(
        // Partial piece not next to a chosen one: at the start of its slot.
        PartialCase{"alone_at_slot_start",
                    {10, 20, 5, 30},
                    49.42,
                    {{"2026-01-05T00:00:00Z", "2026-01-05T00:05:20Z", 0.71, 10.0},
                     {"2026-01-05T01:00:00Z", "2026-01-05T01:30:00Z", 4.0, 5.0}},
                    0.71 * 10 + 4 * 5,
                    2},
        // Next to the chosen piece before it: at the start, one run.
        PartialCase{"after_chosen",
                    {20, 5, 10, 30},
                    49.42,
                    {{"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 5.0},
                     {"2026-01-05T01:00:00Z", "2026-01-05T01:05:20Z", 0.71, 10.0}},
                    4 * 5 + 0.71 * 10,
                    1},
        // Next to the chosen piece after it: at the end of its slot, one run.
        PartialCase{"before_chosen",
                    {10, 5, 30, 30},
                    49.42,
                    {{"2026-01-05T00:24:40Z", "2026-01-05T00:30:00Z", 0.71, 10.0},
                     {"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 5.0}},
                    0.71 * 10 + 4 * 5,
                    1},
        // Equal prices: earlier first; touching equal-price pieces form one slot.
        PartialCase{"ties_touching",
                    {10, 10, 10, 10},
                    49.42,
                    {{"2026-01-05T00:00:00Z", "2026-01-05T00:35:20Z", 4.71, 10.0}},
                    47.1,
                    1},
        PartialCase{"ties_apart",
                    {10, 20, 10, 20},
                    49.42,
                    {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, 10.0},
                     {"2026-01-05T01:00:00Z", "2026-01-05T01:05:20Z", 0.71, 10.0}},
                    47.1,
                    2},
        // The later of two equal cheapest slots gets the partial piece, not a dearer neighbour.
        PartialCase{"ties_later_equal",
                    {12, 10, 12, 10},
                    49.42,
                    {{"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 10.0},
                     {"2026-01-05T01:30:00Z", "2026-01-05T01:35:20Z", 0.71, 10.0}},
                    47.1,
                    2},
        // 40 -> 42 %: 1 kWh = 450 s exactly, no rounding.
        PartialCase{"exact_seconds",
                    {10, 20, 5, 30},
                    42,
                    {{"2026-01-05T01:00:00Z", "2026-01-05T01:07:30Z", 1.0, 5.0}},
                    5.0,
                    1},
        // Touching slots at different prices: three slots, one run. 40 -> 64 %: 12 kWh.
        PartialCase{"runs_merge",
                    {10, 11, 12, 50},
                    64,
                    {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, 10.0},
                     {"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 11.0},
                     {"2026-01-05T01:00:00Z", "2026-01-05T01:30:00Z", 4.0, 12.0}},
                    132.0,
                    1},
        // 40 -> 40.1 %: 0.05 kWh = 22.5 s, alone: rounded up to a minute, 8/60 kWh.
        PartialCase{"sub_minute_rounded_up",
                    {10, 20},
                    40.1,
                    {{"2026-01-05T00:00:00Z", "2026-01-05T00:01:00Z", 8.0 / 60.0, 10.0}},
                    80.0 / 60.0,
                    1},
        // 40 -> 48.1 %: 4.05 kWh: a full 5p half hour + 0.05 kWh (23 s) next to it, merged
        // into one run, not rounded: 00:30 to 01:00:23.
        PartialCase{"sub_minute_next_to_chosen",
                    {20, 5, 10, 30},
                    48.1,
                    {{"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 5.0},
                     {"2026-01-05T01:00:00Z", "2026-01-05T01:00:23Z", 0.05, 10.0}},
                    4 * 5 + 0.05 * 10,
                    1}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Planner, SlotsShorterThanAMinuteAreNotUsed) {
  // A 30-second slot at 1p, then 10p. 1 kWh = 450 s: all of it at 10p from 00:00:30.
  PriceCurve prices({{at("2026-01-05T00:00:00Z"), at("2026-01-05T00:00:30Z"), 1.0},
                     {at("2026-01-05T00:00:30Z"), at("2026-01-05T01:00:00Z"), 10.0}});
  Plan p = plan_checked(request(40, 42, "2026-01-05T01:00:00Z"), prices);
  expect_slots(p, {{"2026-01-05T00:00:30Z", "2026-01-05T00:08:00Z", 1.0, 10.0}});
}

TEST(Planner, ChargeNowCostIsTheSameEnergyFromNow) {
  // 4.71 kWh from 00:00 at once: 4 kWh at 10p + 0.71 kWh at 20p = 54.2p.
  PriceCurve prices = test::curve(k_t0, {10, 20, 5, 30});
  Plan p = plan_checked(request(40, 49.42, "2026-01-05T02:00:00Z"), prices);
  ASSERT_TRUE(p.charge_now_cost_p);
  EXPECT_NEAR(*p.charge_now_cost_p, 54.2, 1e-9);
}

// ---- min_soc -------------------------------------------------------------------------------

TEST(Planner, MinSocChargesAtOnceAtAnyPrice) {
  // 10 -> 20 % at once: 5 kWh = 37.5 min at 50p (250p). Then 20 -> 40 %: 10 kWh more in the
  // 5p slots from 01:00: 1.25 h, to 02:15 (50p).
  PlanRequest r = request(10, 40, "2026-01-05T03:00:00Z");
  r.min_soc = 20;
  Plan p = plan_checked(r, test::curve(k_t0, {50, 50, 5, 5, 5, 5}));
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:37:30Z", 5.0, 50.0},
                   {"2026-01-05T01:00:00Z", "2026-01-05T02:15:00Z", 10.0, 5.0}});
  EXPECT_TRUE(p.slots[0].immediate);
  EXPECT_FALSE(p.slots[1].immediate);
  EXPECT_NEAR(p.total_cost_p, 300.0, 1e-9);
  EXPECT_TRUE(p.feasible);
}

TEST(Planner, MinSocChargesEvenWhenThePriceIsUnknown) {
  // No prices: 5 kWh at once at unknown price; the remaining 10 kWh cannot be planned.
  PlanRequest r = request(10, 40, "2026-01-05T03:00:00Z");
  r.min_soc = 20;
  Plan p = plan_checked(r, PriceCurve{});
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:37:30Z", 5.0, std::nullopt}});
  EXPECT_NEAR(p.unknown_price_kwh, 5.0, 1e-9);
  EXPECT_FALSE(p.feasible);
  EXPECT_NEAR(p.shortfall_kwh, 10.0, 1e-9);
  EXPECT_FALSE(p.charge_now_cost_p);
}

TEST(Planner, MinSocDoesNotStartARunShorterThanAMinute) {
  // 20 s before the ready-by: a 20-second run would be a start and a stop 20 s apart.
  PlanRequest r = request(10, 40, "2026-01-05T00:00:20Z");
  r.min_soc = 20;
  Plan p = plan_checked(r, test::curve(k_t0, {50}));
  EXPECT_TRUE(p.slots.empty());
  EXPECT_FALSE(p.feasible);
  EXPECT_NEAR(p.shortfall_kwh, 15.0, 1e-9);  // 10 -> 40 %: 30 x 0.5
}

TEST(Planner, MinSocAlreadyReachedChangesNothing) {
  PlanRequest r = request(30, 40, "2026-01-05T03:00:00Z");
  r.min_soc = 20;
  Plan p = plan_checked(r, test::curve(k_t0, {50, 50, 5, 5, 5, 5}));
  // 5 kWh in the 5p slots: 01:00-01:37:30.
  expect_slots(p, {{"2026-01-05T01:00:00Z", "2026-01-05T01:37:30Z", 5.0, 5.0}});
}

// ---- charge_below --------------------------------------------------------------------------

TEST(Planner, ChargeBelowUsesNegativePricesUpToFull) {
  // Target met already (90 >= 80), but prices <= 0 are used up to 100 %: 10 % = 5 kWh:
  // 4 kWh at -2p, then 1 kWh (450 s) at -1p next to it. Cost -8 - 1 = -9p.
  PlanRequest r = request(90, 80, "2026-01-05T02:00:00Z");
  r.charge_below_p_per_kwh = 0.0;
  Plan p = plan_checked(r, test::curve(k_t0, {-2, -1, 10, 10}));
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, -2.0},
                   {"2026-01-05T00:30:00Z", "2026-01-05T00:37:30Z", 1.0, -1.0}});
  EXPECT_NEAR(p.total_cost_p, -9.0, 1e-9);
  EXPECT_NEAR(p.expected_soc, 100.0, 1e-9);
}

TEST(Planner, ChargeBelowGoesPastTheTarget) {
  // 50 -> 60 % needs 5 kWh, but the whole hour at or below 0p is used: 8 kWh, -8 + 0 = -8p.
  PlanRequest r = request(50, 60, "2026-01-05T02:00:00Z");
  r.charge_below_p_per_kwh = 0.0;
  Plan p = plan_checked(r, test::curve(k_t0, {-2, 0, 10, 10}));
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, -2.0},
                   {"2026-01-05T00:30:00Z", "2026-01-05T01:00:00Z", 4.0, 0.0}});
  EXPECT_NEAR(p.expected_soc, 50 + 8 * 0.8 / 40 * 100, 1e-9);  // 66 %
}

TEST(Planner, ChargeBelowWithContinuousStillUsesCheapSlotsOutsideTheBlock) {
  // 40 -> 60 %: 10 kWh = 1.25 h. Cheapest block: 02:00-03:15 at 6p (60p); a block through the
  // -5p half hour would cost -20 + 6 x 20 = 100p. The -5p half hour is at or below 0p, so it
  // is used as well: 4 kWh more, -20p.
  PlanRequest r = request(40, 60, "2026-01-05T04:00:00Z", Strategy::continuous);
  r.charge_below_p_per_kwh = 0.0;
  Plan p = plan_checked(r, test::curve(k_t0, {-5, 20, 20, 20, 6, 6, 6, 6}));
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, -5.0},
                   {"2026-01-05T02:00:00Z", "2026-01-05T03:15:00Z", 10.0, 6.0}});
  EXPECT_NEAR(p.total_cost_p, 40.0, 1e-9);
}

// ---- continuous ----------------------------------------------------------------------------

TEST(Planner, ContinuousPicksTheCheapestSingleBlock) {
  // 12 kWh = 1.5 h. Cheapest slots would be 5 + 6 + 6 (68p, two runs); the cheapest single
  // block is 01:00-02:30 at 6p: 72p.
  PriceCurve prices = test::curve(k_t0, {5, 30, 6, 6, 6, 30});
  Plan p = plan_checked(request(40, 64, "2026-01-05T03:00:00Z", Strategy::continuous), prices);
  expect_slots(p, {{"2026-01-05T01:00:00Z", "2026-01-05T02:30:00Z", 12.0, 6.0}});
  EXPECT_EQ(p.runs.size(), 1U);
  EXPECT_NEAR(p.total_cost_p, 72.0, 1e-9);
  Plan cheap = plan_checked(request(40, 64, "2026-01-05T03:00:00Z"), prices);
  EXPECT_NEAR(cheap.total_cost_p, 68.0, 1e-9);
}

TEST(Planner, ContinuousTiesTakeTheEarliestBlock) {
  // 1.5 h over 10, 1, 1, 10: starting at 00:00 or 00:30 both cost 4 x 10 + 8 x 1 = 48p.
  PriceCurve prices = test::curve(k_t0, {10, 1, 1, 10});
  Plan p = plan_checked(request(40, 64, "2026-01-05T02:00:00Z", Strategy::continuous), prices);
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, 10.0},
                   {"2026-01-05T00:30:00Z", "2026-01-05T01:30:00Z", 8.0, 1.0}});
}

TEST(Planner, ContinuousBlockMayStartBetweenSlotBoundaries) {
  // 5 kWh = 37.5 min over 3, 9, 1, 9. From 00:00: 4 x 3 + 1 x 9 = 21p. From 00:52:30:
  // 1 x 9 + 4 x 1 = 13p, as from 01:00 (4 x 1 + 1 x 9); the earliest wins.
  PriceCurve prices = test::curve(k_t0, {3, 9, 1, 9});
  Plan p = plan_checked(request(40, 50, "2026-01-05T02:00:00Z", Strategy::continuous), prices);
  expect_slots(p, {{"2026-01-05T00:52:30Z", "2026-01-05T01:00:00Z", 1.0, 9.0},
                   {"2026-01-05T01:00:00Z", "2026-01-05T01:30:00Z", 4.0, 1.0}});
  EXPECT_NEAR(p.total_cost_p, 13.0, 1e-9);
}

TEST(Planner, ContinuousFallsBackToCheapestWhenGapsPreventABlock) {
  // 8 kWh = 1 h, but no known stretch is longer than 30 min: the two cheapest half hours.
  PriceCurve prices = test::curve(k_t0, {5, std::nullopt, 6, std::nullopt, 7});
  Plan p = plan_checked(request(40, 56, "2026-01-05T02:30:00Z", Strategy::continuous), prices);
  expect_slots(p, {{"2026-01-05T00:00:00Z", "2026-01-05T00:30:00Z", 4.0, 5.0},
                   {"2026-01-05T01:00:00Z", "2026-01-05T01:30:00Z", 4.0, 6.0}});
  EXPECT_TRUE(p.feasible);
  EXPECT_NE(p.explanation.find("no uninterrupted block"), std::string::npos) << p.explanation;
}

TEST(Planner, ContinuousBlockWithinPlugInWindow) {
  // Plugged in at 00:40 on the Go tariff: 20 kWh = 2.5 h from 00:40 to 03:10 at 8.5p.
  PlanRequest r =
      request(40, 80, "2026-01-05T07:30:00Z", Strategy::continuous, at("2026-01-05T00:40:00Z"));
  TouTariff tariff(go_rules(), london());
  Plan p = plan_checked(r, tariff.prices(r.now, r.ready_by));
  expect_slots(p, {{"2026-01-05T00:40:00Z", "2026-01-05T03:10:00Z", 20.0, 8.5}});
}

}  // namespace
}  // namespace offpeak
