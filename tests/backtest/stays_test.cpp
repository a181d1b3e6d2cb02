// Multi-day stays in the backtest on real Agile prices (region J, 2023): published prices only
// against the price forecast, and the carbon weight on the real carbon intensity forecast.

#include <offpeak/backtest/stays.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/domain/price_forecast.hpp>
#include <offpeak/tariffs/carbon.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

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

Setup car60() {
  Setup s;
  s.vehicle = VehicleSpec{60.0, 7.4, 0.9};
  s.policy.strategy = Strategy::cheapest;
  s.zone = london();
  return s;
}

TEST(StayBacktest, RegularStaysFollowTheWeekday) {
  const auto stays = regular_stays(london(), day(2023, 1, 1), day(2023, 1, 31), TimeOfDay{18 * 60},
                                   TimeOfDay{7 * 60 + 30}, 3, 20.0, Weekday::fri);
  ASSERT_EQ(stays.size(), 4U);  // 6, 13, 20, 27 January
  EXPECT_EQ(format_rfc3339(stays[0].arrive), "2023-01-06T18:00:00Z");
  EXPECT_EQ(format_rfc3339(stays[0].depart), "2023-01-09T07:30:00Z");  // Monday
}

TEST(StayBacktest, PriceForecastNeedsAWeekOfHistoryAndFollowsTheWeeklyShape) {
  const PriceCurve prices = load("agile_J_2023-01.csv");
  const Instant t0 = *parse_rfc3339("2023-01-06T23:00:00Z");
  EXPECT_FALSE(forecast_prices(prices.slice(t0 - days{3}, t0), t0, t0 + days{2}, london()));
  auto f = forecast_prices(prices.slice(t0 - days{8}, t0), t0, t0 + days{2}, london());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->known_duration(t0, t0 + days{2}), Seconds{2 * 86400});  // every half hour
  // The evening peak (16:00-19:00) is forecast dearer than the night (01:00-04:00).
  auto mean = [&](const PriceCurve& c, const char* from, const char* to) {
    const PriceCurve part = c.slice(*parse_rfc3339(from), *parse_rfc3339(to));
    double sum = 0;
    for (const auto& s : part.slots())
      sum += s.price_p_per_kwh;
    return sum / static_cast<double>(part.slots().size());
  };
  EXPECT_GT(mean(*f, "2023-01-07T16:00:00Z", "2023-01-07T19:00:00Z"),
            mean(*f, "2023-01-08T01:00:00Z", "2023-01-08T04:00:00Z") + 5.0);
}

TEST(StayBacktest, WeekendStaysForecastBeatsPublishedOnly) {
  // Friday 18:00 to Monday 07:30, 20 % -> 90 % of 60 kWh (46.7 kWh, 6.3 h at 7.4 kW): on
  // Friday evening the published prices end on Saturday 23:00.
  const PriceCurve prices = load("agile_J_2023-01.csv");
  StayOptions o;
  o.target_soc = 90;
  const auto stays = regular_stays(london(), day(2023, 1, 6), day(2023, 1, 27), TimeOfDay{18 * 60},
                                   TimeOfDay{7 * 60 + 30}, 3, 20.0, Weekday::fri);
  const StaySummary s = run_stays(car60(), o, stays, prices, std::nullopt);
  ASSERT_EQ(s.stays, 4);
  EXPECT_EQ(s.published_only_met, 4);
  EXPECT_EQ(s.forecast_met, 4);
  int beaten = 0;
  for (const auto& r : s.per_stay) {
    SCOPED_TRACE(format_rfc3339(r.stay.arrive));
    std::printf("stay %s: published-only %.1fp, forecast %.1fp, optimum %.1fp\n",
                format_rfc3339(r.stay.arrive).c_str(), r.published_only.cost_p, r.forecast.cost_p,
                r.optimal_cost_p);
    // Nobody beats perfect knowledge of the same energy (a little more may be drawn).
    EXPECT_GE(r.published_only.cost_p, r.optimal_cost_p - 1e-6);
    EXPECT_GE(r.forecast.cost_p, r.optimal_cost_p - 1e-6);
    EXPECT_NEAR(r.forecast.energy_kwh, r.need_kwh, 0.2);
    if (r.forecast.cost_p < r.published_only.cost_p - 1.0) ++beaten;
  }
  std::printf("total: published-only %.1fp, forecast %.1fp, optimum %.1fp\n",
              s.published_only.cost_p, s.forecast.cost_p, s.optimal_cost_p);
  EXPECT_GE(beaten, 1);
  EXPECT_LT(s.forecast.cost_p, s.published_only.cost_p);
}

TEST(StayBacktest, CarbonWeightCutsEmissionsOnTheRealForecast) {
  // 2023-03-14 18:00 to 2023-03-16 07:30, national carbon intensity forecast of 14 March.
  const PriceCurve prices = load("agile_J_2023-02-14_03-17.csv");
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/carbon_national_fw48h_2023-03-14T1201Z.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = tariffs::parse_carbon_response(ss.str());
  ASSERT_TRUE(parsed.curve) << parsed.error;
  StayOptions o;
  o.target_soc = 80;
  o.carbon_weight_p_per_kg = 100;  // 100 g/kWh less is worth 10p/kWh more
  const Stay stay{*parse_rfc3339("2023-03-14T18:00:00Z"), *parse_rfc3339("2023-03-16T07:30:00Z"),
                  30.0};
  const StayResult r = run_stay(car60(), o, stay, prices, parsed.curve);
  ASSERT_TRUE(r.replayed);
  ASSERT_TRUE(r.carbon_weighted);
  std::printf(
      "cost-only %.1fp %.2f kg; weighted %.1fp %.2f kg; optimum %.1fp %.2f kg, weighted "
      "optimum %.1fp %.2f kg\n",
      r.forecast.cost_p, r.forecast.co2_kg, r.carbon_weighted->cost_p, r.carbon_weighted->co2_kg,
      r.optimal_cost_p, r.optimal_co2_kg, *r.optimal_weighted_cost_p, *r.optimal_weighted_co2_kg);
  EXPECT_TRUE(r.forecast.target_met);
  EXPECT_TRUE(r.carbon_weighted->target_met);
  EXPECT_EQ(r.carbon_weighted->unknown_carbon_kwh, 0.0);
  EXPECT_LT(r.carbon_weighted->co2_kg, r.forecast.co2_kg - 0.1);
  EXPECT_GE(r.carbon_weighted->cost_p, r.optimal_cost_p - 1e-6);
  // Perfect knowledge of cost + weight x CO2 is a lower bound of the weighted run.
  const double w = o.carbon_weight_p_per_kg;
  EXPECT_GE(r.carbon_weighted->cost_p + w * r.carbon_weighted->co2_kg,
            *r.optimal_weighted_cost_p + w * *r.optimal_weighted_co2_kg - 1e-6);
}

}  // namespace
}  // namespace offpeak::backtest
