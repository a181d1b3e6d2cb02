// The backtest against answers computed independently, the 16:00 publication rule, DST nights.

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/config/config.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace {

using namespace offpeak;
using namespace std::chrono;
namespace bt = offpeak::backtest;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

LocalDate day(int y, unsigned m, unsigned d) {
  return LocalDate{year{y}, month{m}, std::chrono::day{d}};
}

Zone london() {
  return *Zone::locate("Europe/London");
}

PriceCurve load(const std::string& name) {
  std::vector<config::ConfigError> errors;
  auto curve = config::load_price_csv(std::string(OFFPEAK_TEST_DATA) + "/" + name, name, errors);
  EXPECT_TRUE(curve.has_value()) << (errors.empty() ? "" : errors.front().to_string());
  return curve.value_or(PriceCurve{});
}

bt::Setup car60() {
  bt::Setup s;
  s.vehicle = VehicleSpec{60.0, 7.4, 0.9};
  s.policy.target_soc = 80;
  s.policy.strategy = Strategy::cheapest;
  s.zone = london();
  return s;
}

// --- the publication rule ---------------------------------------------------------------------

struct VisibleCase {
  const char* now;
  const char* visible_until;
  const char* next_publication;
};
void PrintTo(const VisibleCase& c, std::ostream* os) {
  *os << "at " << c.now;
}

class VisibleUntil : public ::testing::TestWithParam<VisibleCase> {};

TEST_P(VisibleUntil, FollowsTheSixteenHundredRule) {
  const auto& c = GetParam();
  auto rule = bt::PublicationRule::agile();
  EXPECT_EQ(format_rfc3339(bt::visible_until(at(c.now), rule)), c.visible_until);
  EXPECT_EQ(format_rfc3339(*bt::next_publication(at(c.now), rule)), c.next_publication);
}

INSTANTIATE_TEST_SUITE_P(
    Agile, VisibleUntil,
    ::testing::Values(
        // Winter (GMT): before 16:00 only today's prices (to 23:00), from 16:00 tomorrow's.
        VisibleCase{"2023-01-10T15:59:59Z", "2023-01-10T23:00:00Z", "2023-01-10T16:00:00Z"},
        VisibleCase{"2023-01-10T16:00:00Z", "2023-01-11T23:00:00Z", "2023-01-11T16:00:00Z"},
        VisibleCase{"2023-01-10T23:30:00Z", "2023-01-11T23:00:00Z", "2023-01-11T16:00:00Z"},
        VisibleCase{"2023-01-11T00:30:00Z", "2023-01-11T23:00:00Z", "2023-01-11T16:00:00Z"},
        // Summer (BST): 16:00 local is 15:00Z, 23:00 local is 22:00Z.
        VisibleCase{"2023-07-01T14:59:00Z", "2023-07-01T22:00:00Z", "2023-07-01T15:00:00Z"},
        VisibleCase{"2023-07-01T15:00:00Z", "2023-07-02T22:00:00Z", "2023-07-02T15:00:00Z"},
        // Clocks go forward on 2023-03-26: the prices published on the 25th (GMT) reach
        // 23:00 BST on the 26th.
        VisibleCase{"2023-03-25T16:00:00Z", "2023-03-26T22:00:00Z", "2023-03-26T15:00:00Z"},
        // Clocks go back on 2023-10-29.
        VisibleCase{"2023-10-28T15:00:00Z", "2023-10-29T23:00:00Z", "2023-10-29T16:00:00Z"}),
    [](const ::testing::TestParamInfo<VisibleCase>& i) {
      return "case" + std::to_string(i.index);
    });

class VisibleUntilEurope : public ::testing::TestWithParam<VisibleCase> {};

TEST_P(VisibleUntilEurope, FollowsTheThirteenHundredCetRule) {
  const auto& c = GetParam();
  auto rule = bt::PublicationRule::day_ahead_europe();
  EXPECT_EQ(format_rfc3339(bt::visible_until(at(c.now), rule)), c.visible_until);
  EXPECT_EQ(format_rfc3339(*bt::next_publication(at(c.now), rule)), c.next_publication);
}

INSTANTIATE_TEST_SUITE_P(
    Sdac, VisibleUntilEurope,
    ::testing::Values(
        // Winter (CET): before 13:00 today's prices to midnight, from 13:00 the whole next day.
        VisibleCase{"2025-11-03T11:59:59Z", "2025-11-03T23:00:00Z", "2025-11-03T12:00:00Z"},
        VisibleCase{"2025-11-03T12:00:00Z", "2025-11-04T23:00:00Z", "2025-11-04T12:00:00Z"},
        VisibleCase{"2025-11-03T23:30:00Z", "2025-11-04T23:00:00Z", "2025-11-04T12:00:00Z"},
        // Summer (CEST): 13:00 is 11:00Z, midnight 22:00Z.
        VisibleCase{"2025-07-01T11:00:00Z", "2025-07-02T22:00:00Z", "2025-07-02T11:00:00Z"},
        // Published on 29 Mar 2025 (CET): the 23-hour day ends at 22:00Z.
        VisibleCase{"2025-03-29T12:00:00Z", "2025-03-30T22:00:00Z", "2025-03-30T11:00:00Z"},
        // Published on 25 Oct 2025 (CEST): the 25-hour day ends at 23:00Z.
        VisibleCase{"2025-10-25T11:00:00Z", "2025-10-26T23:00:00Z", "2025-10-26T12:00:00Z"}),
    [](const ::testing::TestParamInfo<VisibleCase>& i) {
      return "case" + std::to_string(i.index);
    });

TEST(VisibleUntil, StaticTariffsAreFullyKnown) {
  auto rule = bt::PublicationRule::everything_known();
  EXPECT_EQ(bt::visible_until(at("2023-01-10T12:00:00Z"), rule), Instant::max());
  EXPECT_FALSE(bt::next_publication(at("2023-01-10T12:00:00Z"), rule).has_value());
}

// --- a month of real prices against an independent calculation ---------------------------------

// Half-hour prices by start instant, read straight from the curve's slots.
std::map<Instant, double> half_hours(const PriceCurve& c) {
  std::map<Instant, double> m;
  const PriceCurve split = c.split(minutes{30});
  for (const auto& s : split.slots())
    m[s.start] = s.price_p_per_kwh;
  return m;
}

struct Independent {
  double naive = 0;
  double optimal = 0;
};

// Naive and optimal for one night by a plain loop over half hours (kw, kWh needed).
Independent independent(const std::map<Instant, double>& hh, Instant arrive, Instant depart,
                        double kw, double need) {
  Independent r;
  double left = need;
  std::vector<double> prices;
  for (Instant t = arrive; t < depart; t += minutes{30}) {
    double p = hh.at(t);
    prices.push_back(p);
    double e = std::min(kw * 0.5, left);
    r.naive += e * p;
    left -= e;
  }
  std::sort(prices.begin(), prices.end());
  left = need;
  for (double p : prices) {
    double e = std::min(kw * 0.5, left);
    r.optimal += e * p;
    left -= e;
  }
  return r;
}

TEST(Backtest, JanuaryTwentyTwentyThreeMatchesAnIndependentCalculation) {
  PriceCurve prices = load("agile_J_2023-01.csv");
  auto hh = half_hours(prices);
  bt::Options o;
  o.from = day(2023, 1, 1);
  o.to = day(2023, 1, 31);
  bt::Summary s = bt::run(car60(), o, prices);
  ASSERT_EQ(s.nights, 31);
  EXPECT_EQ(s.missing_price_nights, 0);
  EXPECT_EQ(s.target_met_nights, 31);

  const double need = (80.0 - 30.0) / 100.0 * 60.0 / 0.9;  // 33.33 kWh per night
  double naive = 0, optimal = 0;
  for (int d = 1; d <= 31; ++d) {
    // January is GMT: local 18:00 is 18:00Z, 07:30 is 07:30Z.
    Instant arrive = sys_days{day(2023, 1, static_cast<unsigned>(d))} + hours{18};
    Independent n = independent(hh, arrive, arrive + hours{13} + minutes{30}, 7.4, need);
    naive += n.naive;
    optimal += n.optimal;
    const bt::Night& night = s.per_night[static_cast<std::size_t>(d - 1)];
    EXPECT_EQ(night.arrive, arrive);
    EXPECT_NEAR(night.naive_cost_p, n.naive, 1e-6) << d;
    EXPECT_NEAR(night.optimal_cost_p, n.optimal, 1e-6) << d;
    // Every price of the night is known at 18:00, so the controller should reach the optimum
    // up to its one-minute rounding (at most one minute at the dearest chosen price).
    EXPECT_GE(night.smart_cost_p, n.optimal - 1e-6) << d;
    EXPECT_LE(night.smart_cost_p, n.optimal + 7.4 / 60.0 * 40.0) << d;
    EXPECT_NEAR(night.energy_kwh, need, 0.15) << d;
  }
  EXPECT_NEAR(s.naive_cost_p, naive, 1e-6);
  EXPECT_NEAR(s.optimal_cost_p, optimal, 1e-6);
  EXPECT_LT(s.smart_cost_p, s.naive_cost_p);
  EXPECT_NEAR(s.smart_cost_p, s.optimal_cost_p, s.optimal_cost_p * 0.005);
  ASSERT_TRUE(s.savings_percent.has_value());
  EXPECT_NEAR(*s.savings_percent, (naive - s.smart_cost_p) / naive * 100, 1e-9);
}

// --- information honesty ----------------------------------------------------------------------

// Half-hour prices from `from` to `to` at `price`.
void fill(std::vector<PriceSlot>& v, Instant from, Instant to, double price) {
  for (Instant t = from; t < to; t += minutes{30})
    v.push_back({t, t + minutes{30}, price});
}

TEST(Backtest, DoesNotUsePricesBeforeTheirSixteenHundredPublication) {
  // Arrive at 15:00 GMT needing 13.33 kWh (30% -> 50% of 60 kWh). The cheapest time of the
  // night (-20p at 03:00-05:00) is only published at 16:00; before that, 15:00-16:00 at 20p is
  // the cheapest known time, so an honest controller charges then and moves the rest to the
  // cheap slots once they appear.
  std::vector<PriceSlot> v;
  Instant d0 = sys_days{day(2023, 1, 10)};
  fill(v, d0, d0 + hours{15}, 40);
  fill(v, d0 + hours{15}, d0 + hours{16}, 20);
  fill(v, d0 + hours{16}, d0 + hours{27}, 30);
  fill(v, d0 + hours{27}, d0 + hours{29}, -20);
  fill(v, d0 + hours{29}, d0 + hours{48}, 30);
  PriceCurve prices{v};

  bt::Options o;
  o.from = o.to = day(2023, 1, 10);
  o.arrive = TimeOfDay{15 * 60};
  o.target_soc = 50;
  const double need = 20.0 / 100.0 * 60.0 / 0.9;
  bt::Night honest = bt::run(car60(), o, prices).per_night.at(0);
  EXPECT_TRUE(honest.target_met);
  EXPECT_NEAR(honest.optimal_cost_p, need * -20.0, 1e-6);
  // One hour at 20p (7.4 kWh), the rest at -20p.
  EXPECT_NEAR(honest.smart_cost_p, 7.4 * 20.0 + (need - 7.4) * -20.0, 3.0);
  EXPECT_GT(honest.smart_cost_p, honest.optimal_cost_p + 100.0);

  // With every price known in advance the same controller goes straight to the optimum: the
  // difference above comes from the publication rule alone.
  o.publication = bt::PublicationRule::everything_known();
  bt::Night clairvoyant = bt::run(car60(), o, prices).per_night.at(0);
  EXPECT_NEAR(clairvoyant.smart_cost_p, clairvoyant.optimal_cost_p, 3.0);
}

TEST(Backtest, ArrivingAtNoonChargesOnlyInTodaysPrices) {
  // At 12:00 the -50p slot at 03:00 is not published; 12:00-16:00 at 10p reaches the target,
  // so the car is full before the cheap slot is ever seen.
  std::vector<PriceSlot> v;
  Instant d0 = sys_days{day(2023, 1, 10)};
  fill(v, d0, d0 + hours{12}, 40);
  fill(v, d0 + hours{12}, d0 + hours{16}, 10);
  fill(v, d0 + hours{16}, d0 + hours{27}, 30);
  fill(v, d0 + hours{27}, d0 + hours{28}, -50);
  fill(v, d0 + hours{28}, d0 + hours{48}, 30);
  bt::Options o;
  o.from = o.to = day(2023, 1, 10);
  o.arrive = TimeOfDay{12 * 60};
  o.target_soc = 50;
  const double need = 20.0 / 100.0 * 60.0 / 0.9;
  bt::Night n = bt::run(car60(), o, PriceCurve{v}).per_night.at(0);
  EXPECT_TRUE(n.target_met);
  EXPECT_NEAR(n.smart_cost_p, need * 10.0, 2.0);
  EXPECT_LT(n.optimal_cost_p, 0.0);
}

// --- daylight saving ---------------------------------------------------------------------------

struct DstCase {
  LocalDate date;
  const char* arrive;
  const char* depart;
  int night_minutes;
};
void PrintTo(const DstCase& c, std::ostream* os) {
  *os << c.arrive << " to " << c.depart;
}

class DstNight : public ::testing::TestWithParam<DstCase> {};

TEST_P(DstNight, IsReplayedInRealTime) {
  const auto& c = GetParam();
  PriceCurve prices = load("agile_J_2023_dst.csv");
  bt::Options o;
  o.from = o.to = c.date;
  bt::Summary s = bt::run(car60(), o, prices);
  ASSERT_EQ(s.nights, 1);
  const bt::Night& n = s.per_night.at(0);
  EXPECT_EQ(format_rfc3339(n.arrive), c.arrive);
  EXPECT_EQ(format_rfc3339(n.depart), c.depart);
  EXPECT_EQ(duration_cast<minutes>(n.depart - n.arrive).count(), c.night_minutes);
  EXPECT_TRUE(n.target_met);
  const double need = (80.0 - 30.0) / 100.0 * 60.0 / 0.9;
  Independent ind = independent(half_hours(prices), n.arrive, n.depart, 7.4, need);
  EXPECT_NEAR(n.naive_cost_p, ind.naive, 1e-6);
  EXPECT_NEAR(n.optimal_cost_p, ind.optimal, 1e-6);
  EXPECT_GE(n.smart_cost_p, ind.optimal - 1e-6);
  EXPECT_LE(n.smart_cost_p, ind.optimal + 7.4 / 60.0 * 40.0);
}

INSTANTIATE_TEST_SUITE_P(
    Twenty23, DstNight,
    ::testing::Values(
        // Clocks go forward at 01:00 GMT on 26 March: 18:00 GMT -> 07:30 BST is 12.5 h.
        DstCase{LocalDate{year{2023}, March, std::chrono::day{25}}, "2023-03-25T18:00:00Z",
                "2023-03-26T06:30:00Z", 12 * 60 + 30},
        // Clocks go back at 02:00 BST on 29 October: 18:00 BST -> 07:30 GMT is 14.5 h.
        DstCase{LocalDate{year{2023}, October, std::chrono::day{28}}, "2023-10-28T17:00:00Z",
                "2023-10-29T07:30:00Z", 14 * 60 + 30}),
    [](const ::testing::TestParamInfo<DstCase>& i) {
      return i.index == 0 ? std::string("ClocksGoForward") : std::string("ClocksGoBack");
    });

// --- missing prices ----------------------------------------------------------------------------

TEST(Backtest, NightsWithMissingPricesAreCountedAndSkipped) {
  PriceCurve all = load("agile_J_2023-01.csv");
  // Remove 02:00-02:30Z on 6 January: the night of the 5th has a hole.
  std::vector<PriceSlot> v;
  for (const auto& s : all.slots())
    if (s.start != at("2023-01-06T02:00:00Z")) v.push_back(s);
  bt::Options o;
  o.from = day(2023, 1, 4);
  o.to = day(2023, 1, 6);
  bt::Summary s = bt::run(car60(), o, PriceCurve{v});
  EXPECT_EQ(s.nights, 2);
  EXPECT_EQ(s.missing_price_nights, 1);
  EXPECT_EQ(s.per_night.at(1).status, bt::NightStatus::missing_prices);
  EXPECT_EQ(s.per_night.at(1).energy_kwh, 0.0);
  bt::Summary whole = bt::run(car60(), o, all);
  EXPECT_NEAR(s.naive_cost_p, whole.naive_cost_p - whole.per_night.at(1).naive_cost_p, 1e-6);
}

TEST(Backtest, EmptyRangeAndNoPrices) {
  bt::Options o;
  o.from = day(2023, 1, 5);
  o.to = day(2023, 1, 4);
  EXPECT_EQ(bt::run(car60(), o, PriceCurve{}).per_night.size(), 0u);
  o.to = day(2023, 1, 6);
  bt::Summary s = bt::run(car60(), o, PriceCurve{});
  EXPECT_EQ(s.nights, 0);
  EXPECT_EQ(s.missing_price_nights, 2);
  EXPECT_FALSE(s.savings_percent.has_value());
}

TEST(Backtest, ProgressIsReportedPerNight) {
  PriceCurve prices = load("agile_J_2023-01.csv");
  bt::Options o;
  o.from = day(2023, 1, 1);
  o.to = day(2023, 1, 3);
  std::vector<std::pair<int, int>> calls;
  o.progress = [&](int d, int t) { calls.emplace_back(d, t); };
  bt::run(car60(), o, prices);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.back(), (std::pair<int, int>{3, 3}));
}

}  // namespace
