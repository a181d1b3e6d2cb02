// The solar backtest (backtest/house.hpp): the exact optimum against a brute force, the house
// trace parser, the default stays, the PV forecast, and the four strategies on a small
// synthetic house whose answers can be worked out by hand.

#include <offpeak/backtest/house.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

// --- the optimum against a brute force --------------------------------------------------

// Every split of the need into whole kWh over the slots (solar <= surplus, solar + grid <= cap):
// with whole-number caps, surpluses and need the program's optimum is at such a point.
double brute_force(const std::vector<LpSlot>& slots, int need) {
  double best = std::numeric_limits<double>::infinity();
  std::vector<int> solar(slots.size(), 0), grid(slots.size(), 0);
  auto rec = [&](auto&& self, std::size_t i, int left, double cost) -> void {
    if (i == slots.size()) {
      if (left == 0) best = std::min(best, cost);
      return;
    }
    const int cap = static_cast<int>(slots[i].cap_kwh);
    const int sun = std::min(static_cast<int>(slots[i].surplus_kwh), cap);
    for (int a = 0; a <= sun && a <= left; ++a)
      for (int b = 0; a + b <= cap && a + b <= left; ++b)
        self(self, i + 1, left - a - b, cost + a * slots[i].export_p + b * slots[i].import_p);
  };
  rec(rec, 0, need, 0.0);
  return best;
}

TEST(HouseOptimal, MatchesBruteForceOnSeededRandomStays) {
  std::mt19937 rng(20231);
  std::uniform_int_distribution<int> n_slots(1, 5), cap(0, 4), price(-5, 40);
  int feasible_cases = 0, export_above_import = 0;
  for (int c = 0; c < 400; ++c) {
    std::vector<LpSlot> slots(static_cast<std::size_t>(n_slots(rng)));
    int total = 0;
    for (auto& s : slots) {
      s.cap_kwh = cap(rng);
      s.surplus_kwh = std::uniform_int_distribution<int>(0, 5)(rng);
      s.import_p = price(rng);
      s.export_p = std::uniform_int_distribution<int>(0, 20)(rng);
      total += static_cast<int>(s.cap_kwh);
      if (s.export_p > s.import_p && s.surplus_kwh > 0) ++export_above_import;
    }
    const int need = std::uniform_int_distribution<int>(0, total)(rng);
    const LpResult r = optimal_stay(slots, need);
    ASSERT_TRUE(r.feasible) << "case " << c;
    ++feasible_cases;
    EXPECT_NEAR(r.cost_p, brute_force(slots, need), 1e-9) << "case " << c;
    EXPECT_NEAR(r.energy_kwh, need, 1e-9);
    double cost = 0.0;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      EXPECT_LE(r.solar_kwh[i], slots[i].surplus_kwh + 1e-9);
      EXPECT_LE(r.solar_kwh[i] + r.grid_kwh[i], slots[i].cap_kwh + 1e-9);
      EXPECT_GE(r.solar_kwh[i], 0.0);
      EXPECT_GE(r.grid_kwh[i], 0.0);
      cost += r.solar_kwh[i] * slots[i].export_p + r.grid_kwh[i] * slots[i].import_p;
    }
    EXPECT_NEAR(cost, r.cost_p, 1e-9);
  }
  EXPECT_EQ(feasible_cases, 400);
  EXPECT_GT(export_above_import, 50);  // the dominated solar variable is exercised
}

TEST(HouseOptimal, FractionalNeedAndInfeasible) {
  // Sun at 5p (2 kWh), grid at 8p and 30p.
  const std::vector<LpSlot> slots{{3.5, 2.0, 30.0, 5.0}, {3.5, 0.0, 8.0, 5.0}};
  LpResult r = optimal_stay(slots, 4.25);
  EXPECT_TRUE(r.feasible);
  EXPECT_NEAR(r.solar_kwh[0], 2.0, 1e-12);
  EXPECT_NEAR(r.grid_kwh[1], 2.25, 1e-12);
  EXPECT_NEAR(r.cost_p, 2.0 * 5.0 + 2.25 * 8.0, 1e-9);
  r = optimal_stay(slots, 10.0);
  EXPECT_FALSE(r.feasible);
  EXPECT_NEAR(r.energy_kwh, 7.0, 1e-12);
}

// --- the house trace ----------------------------------------------------------------------

TEST(HouseCsv, ReadsATraceWithItsRoof) {
  const auto p = parse_house_csv(
      "# an Ausgrid home\n# kwp: 1.04\ntime_utc,load_kw,pv_kw\n"
      "2023-06-01T00:00:00Z,0.5,0\n2023-06-01T00:30:00Z,0.25,0.125\r\n"
      "2023-06-01T01:00:00Z,1,2\n");
  ASSERT_TRUE(p.trace) << p.error;
  EXPECT_EQ(p.trace->samples.size(), 3u);
  EXPECT_EQ(p.trace->step, Seconds{1800});
  ASSERT_TRUE(p.trace->kwp);
  EXPECT_DOUBLE_EQ(*p.trace->kwp, 1.04);
  const HouseSample* s = p.trace->at(at("2023-06-01T00:59:59Z"));
  ASSERT_NE(s, nullptr);
  EXPECT_DOUBLE_EQ(s->pv_kw, 0.125);
  EXPECT_EQ(p.trace->at(at("2023-06-01T01:30:00Z")), nullptr);
  EXPECT_EQ(p.trace->at(at("2023-05-31T23:59:59Z")), nullptr);
}

TEST(HouseCsv, RefusesHostileInputWithTheLine) {
  const std::string h = "time_utc,load_kw,pv_kw\n";
  const std::string r1 = "2023-06-01T00:00:00Z,0.5,0\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "expected the header"},
      {"time,load,pv\n", "1: expected the header"},
      {h + r1, "expected at least two rows"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5\n", "3: expected 3 columns"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5,1,2\n", "3: expected 3 columns"},
      {h + r1 + "yesterday,0.5,1\n", "3: expected time_utc"},
      {h + r1 + "2023-06-01T00:30:00Z,-1,1\n", "3: expected load_kw"},
      {h + r1 + "2023-06-01T00:30:00Z,nan,1\n", "3: expected load_kw"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5,1e400\n", "3: expected pv_kw"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5,1x\n", "3: expected pv_kw"},
      {h + r1 + "2023-06-01T00:00:30Z,0.5,1\n", "3: the step must be"},
      {h + r1 + "2023-06-01T02:00:00Z,0.5,1\n", "3: the step must be"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5,1\n2023-06-01T01:30:00Z,0.5,1\n", "4: rows must follow"},
      {h + r1 + "2023-06-01T00:30:00Z,0.5,1\n2023-06-01T00:30:00Z,0.5,1\n", "4: rows must follow"},
      {"# kwp: -3\n" + h, "1: expected '# kwp: K'"},
      {"# kwp: lots\n" + h, "1: expected '# kwp: K'"},
  };
  for (const auto& [text, want] : cases) {
    const auto p = parse_house_csv(text);
    EXPECT_FALSE(p.trace) << text;
    EXPECT_NE(p.error.find(want), std::string::npos) << "got '" << p.error << "' for:\n" << text;
  }
}

// --- the default stays and the forecast ---------------------------------------------------

TEST(HouseStays, HomeTwoWeekdaysAndWeekends) {
  const Zone zone = *Zone::locate("Europe/London");
  // Mon 2023-03-06 .. Sun 2023-04-02: four weeks.
  const LocalDate from{year{2023}, month{3}, day{6}}, to{year{2023}, month{4}, day{2}};
  const auto stays = home_stays(zone, from, to, HomePattern{});
  // Three working days a week: each is a departure; every stay ends at one.
  int departures = 0;
  for (const Stay& s : stays) {
    EXPECT_LT(s.arrive, s.depart);
    const LocalTime d = zone.to_local(s.depart);
    EXPECT_EQ(d.seconds_of_day, 8 * 3600);
    EXPECT_LT(static_cast<int>(weekday_of(d.date)), 5);
    EXPECT_GE(s.arrive_soc, 30.0);
    EXPECT_LE(s.arrive_soc, 60.0);
    ++departures;
  }
  // 12 working days; the first stay starts at `from` (at home), the last working day's
  // evening has no departure within the dates when the week's last working day is not Sunday.
  EXPECT_GE(departures, 11);
  EXPECT_LE(departures, 12);
  for (std::size_t i = 1; i < stays.size(); ++i)
    EXPECT_LE(stays[i - 1].depart, stays[i].arrive);
  // Seeded: the same seed gives the same stays, another seed other home days.
  const auto again = home_stays(zone, from, to, HomePattern{});
  ASSERT_EQ(again.size(), stays.size());
  for (std::size_t i = 0; i < stays.size(); ++i)
    EXPECT_EQ(again[i].depart, stays[i].depart);
  HomePattern other;
  other.seed = 7;
  const auto b = home_stays(zone, from, to, other);
  bool differs = b.size() != stays.size();
  for (std::size_t i = 0; !differs && i < b.size(); ++i)
    differs = b[i].depart != stays[i].depart;
  EXPECT_TRUE(differs);
}

// A synthetic house: two days at 30-minute steps; load 0.5 kW; the sun gives 4.5 kW from 10:00 to
// 15:00 UTC (a 4 kW surplus), nothing otherwise.
HouseTrace synthetic_house(double sun_kw = 4.5) {
  std::ostringstream csv;
  csv << "time_utc,load_kw,pv_kw\n";
  const Instant start = at("2023-06-03T00:00:00Z");
  for (int i = 0; i < 96 + 48; ++i) {
    const Instant t = start + Seconds{1800LL * i};
    const int minute = static_cast<int>((t.time_since_epoch().count() % 86400) / 60);
    const double pv = minute >= 600 && minute < 900 ? sun_kw : 0.0;
    csv << format_rfc3339(t) << ",0.5," << pv << "\n";
  }
  auto p = parse_house_csv(csv.str());
  EXPECT_TRUE(p.trace) << p.error;
  return *p.trace;
}

// Night (00:00-06:00 UTC) at `night`, otherwise `day`, over the trace.
PriceCurve two_rate(double night, double day) {
  std::vector<PriceSlot> slots;
  const Instant start = at("2023-06-03T00:00:00Z");
  for (int i = 0; i < 96 + 48; ++i) {
    const Instant t = start + Seconds{1800LL * i};
    const int minute = static_cast<int>((t.time_since_epoch().count() % 86400) / 60);
    slots.push_back({t, t + Seconds{1800}, minute < 360 ? night : day});
  }
  return PriceCurve(std::move(slots));
}

TEST(HouseForecast, NoisyPerDayAndPersistence) {
  const HouseTrace trace = synthetic_house();
  const Zone utc = Zone::utc();
  HouseOptions o;
  const double a = forecast_pv_kw(trace, o, utc, at("2023-06-03T11:00:00Z"));
  const double b = forecast_pv_kw(trace, o, utc, at("2023-06-03T14:30:00Z"));
  EXPECT_NEAR(a, b, 1e-12);  // one factor per day
  EXPECT_GE(a, 4.5 * 0.7 - 1e-9);
  EXPECT_LE(a, 4.5 * 1.3 + 1e-9);
  EXPECT_NE(a, 4.5);
  EXPECT_EQ(forecast_pv_kw(trace, o, utc, at("2023-06-03T03:00:00Z")), 0.0);
  o.forecast = PvForecastKind::persistence;
  EXPECT_EQ(forecast_pv_kw(trace, o, utc, at("2023-06-03T11:00:00Z")), 0.0);  // no yesterday
  EXPECT_EQ(forecast_pv_kw(trace, o, utc, at("2023-06-04T11:00:00Z")), 4.5);
}

// --- the strategies on the synthetic house ----------------------------------------------

Setup car() {
  Setup s;
  s.vehicle = VehicleSpec{60.0, 7.0, 0.9};
  s.policy.strategy = Strategy::cheapest;
  s.zone = Zone::utc();
  return s;
}

// Arrive Saturday 08:00 with 30 %, leave Monday 08:00 at 80 %: 33.3 kWh from the wall.
Stay weekend() {
  return Stay{at("2023-06-03T08:00:00Z"), at("2023-06-05T08:00:00Z"), 30.0};
}

HouseOptions options(double export_p) {
  HouseOptions o;
  o.target_soc = 80.0;
  o.publication = PublicationRule::everything_known();
  o.export_flat_p = export_p;
  return o;
}

TEST(HouseStrategies, CheapSunIsTakenAndTheOptimumIsALowerBound) {
  // Export earns 5p, the night costs 10p, the day 30p: the sun is the cheapest energy.
  const HouseTrace trace = synthetic_house();
  const auto r = run_house_stay(car(), options(5.0), trace, weekend(), two_rate(10.0, 30.0));
  ASSERT_TRUE(r.replayed);
  EXPECT_NEAR(r.need_kwh, 50.0 / 100.0 * 60.0 / 0.9, 1e-9);
  for (const StrategyTotals* s : {&r.offpeak, &r.grid_only, &r.pv_mode, &r.optimal}) {
    EXPECT_EQ(s->targets_met, 1);
    EXPECT_NEAR(s->grid_kwh + s->solar_kwh, r.need_kwh, 1e-6);
    EXPECT_NEAR(s->export_forgone_p, s->solar_kwh * 5.0, 1e-6);
    EXPECT_GE(s->cost_p, r.optimal.cost_p - 1e-6);
  }
  // The optimum: two sunny middays of 5 h x 4 kW = 40 kWh of surplus cover the whole need.
  EXPECT_NEAR(r.optimal.solar_kwh, r.need_kwh, 1e-6);
  EXPECT_NEAR(r.optimal.cost_p, r.need_kwh * 5.0, 1e-6);
  // Today's smart plan buys the night at 10p and never sees the sun.
  EXPECT_NEAR(r.grid_only.solar_kwh, 0.0, 1e-9);
  EXPECT_NEAR(r.grid_only.cost_p, r.need_kwh * 10.0, 1e-6);
  // The live surplus is taken by pv_mode and by offpeak (5p < the 10p the plan would pay).
  EXPECT_GT(r.pv_mode.solar_kwh, 15.0);
  EXPECT_GT(r.offpeak.solar_kwh, 15.0);
  EXPECT_LT(r.offpeak.cost_p, r.grid_only.cost_p);
  EXPECT_LT(r.pv_mode.cost_p, r.grid_only.cost_p);
}

TEST(HouseStrategies, DearExportIsLeftOnTheRoof) {
  // Export earns 15p, the night costs 10p: the roof should export and the car charge at night.
  const HouseTrace trace = synthetic_house();
  const auto r = run_house_stay(car(), options(15.0), trace, weekend(), two_rate(10.0, 30.0));
  ASSERT_TRUE(r.replayed);
  EXPECT_NEAR(r.optimal.solar_kwh, 0.0, 1e-9);
  EXPECT_NEAR(r.optimal.cost_p, r.need_kwh * 10.0, 1e-6);
  EXPECT_NEAR(r.offpeak.solar_kwh, 0.0, 1e-9);
  EXPECT_NEAR(r.offpeak.cost_p, r.optimal.cost_p, 1e-6);
  // PV mode takes the sun anyway and gives up 15p a kWh for it.
  EXPECT_GT(r.pv_mode.solar_kwh, 15.0);
  EXPECT_GT(r.pv_mode.cost_p, r.offpeak.cost_p + 5.0 * 15.0 * 0.9);
}

TEST(HouseStrategies, TodaysSunWaitsForTomorrowsNegativePrices) {
  // Both days sunny; Sunday 10:00-15:00 the import price is -5p, otherwise 20p at night and
  // 30p by day; export 15p. The plan buys on Sunday at midday (the roof's surplus first, as a
  // meter sees it): Saturday's sun at 15p displaces nothing dearer, so offpeak leaves it.
  const HouseTrace trace = synthetic_house();
  std::vector<PriceSlot> slots = two_rate(20.0, 30.0).slots();
  for (PriceSlot& p : slots)
    if (p.start >= at("2023-06-04T10:00:00Z") && p.start < at("2023-06-04T15:00:00Z"))
      p.price_p_per_kwh = -5.0;
  const auto r =
      run_house_stay(car(), options(15.0), trace, weekend(), PriceCurve(std::move(slots)));
  ASSERT_TRUE(r.replayed);
  EXPECT_EQ(r.offpeak.targets_met, 1);
  EXPECT_GE(r.offpeak.cost_p, r.optimal.cost_p - 1e-6);
  // Sunday's 5 h at 7 kW carry the need; 4 of every 7 kW are the roof's: inside the planned
  // slots the car draws the planned power, not only the surplus.
  EXPECT_NEAR(r.offpeak.solar_kwh, r.need_kwh * 4.0 / 7.0, 1.0);
  EXPECT_GT(r.pv_mode.solar_kwh, r.offpeak.solar_kwh + 5.0);
  EXPECT_LT(r.offpeak.cost_p, r.pv_mode.cost_p - 100.0);
  // By hand: 4/7 of the need at 15p, 3/7 at -5p.
  EXPECT_NEAR(r.offpeak.cost_p, r.need_kwh * (4.0 * 15.0 - 3.0 * 5.0) / 7.0, 5.0);
}

TEST(HouseStrategies, SkipsAStayWithoutPricesOrTrace) {
  const HouseTrace trace = synthetic_house();
  Stay late{at("2023-06-05T20:00:00Z"), at("2023-06-06T08:00:00Z"), 30.0};
  const auto sum = run_house(car(), options(5.0), trace, {weekend(), late}, two_rate(10.0, 30.0));
  EXPECT_EQ(sum.skipped, 1);
  EXPECT_EQ(sum.optimal.stays, 1);
  EXPECT_EQ(sum.per_stay.size(), 2u);
  EXPECT_FALSE(sum.per_stay[1].replayed);
}

}  // namespace
}  // namespace offpeak::backtest
