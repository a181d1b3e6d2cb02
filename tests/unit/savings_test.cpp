// The saving of a session against charging at once from plug-in, on hand-computed cases.

#include <offpeak/domain/savings.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

Instant at(const char* rfc3339) {
  return *parse_rfc3339(rfc3339);
}

// Winter evening on an Octopus-Go-like day: peak 18:00-19:00 at 35p, day rate 24.5p, 8.5p
// from 00:30.
PriceCurve evening() {
  return PriceCurve({{at("2026-12-01T18:00:00Z"), at("2026-12-01T19:00:00Z"), 35.0},
                     {at("2026-12-01T19:00:00Z"), at("2026-12-02T00:30:00Z"), 24.5},
                     {at("2026-12-02T00:30:00Z"), at("2026-12-02T05:30:00Z"), 8.5}});
}

TEST(Savings, AtOnceWithinOneRateIsEnergyTimesThatRate) {
  // 7 kWh at 7 kW from 19:30: one hour at 24.5p = 171.5p.
  EXPECT_NEAR(*cost_at_once_p(evening(), at("2026-12-01T19:30:00Z"), 7.0, 7.0), 171.5, 1e-9);
  // 1 kWh at 7.4 kW lasts 486.49 s, still 24.5p per kWh.
  EXPECT_NEAR(*cost_at_once_p(evening(), at("2026-12-01T20:00:00Z"), 1.0, 7.4), 24.5, 1e-9);
}

TEST(Savings, AtOnceAcrossRatesPricesEachPart) {
  // 10.5 kWh at 7 kW from 18:30 takes 1.5 h: 18:30-19:00 is 3.5 kWh at 35p (122.5p),
  // 19:00-20:00 is 7 kWh at 24.5p (171.5p): 294p.
  EXPECT_NEAR(*cost_at_once_p(evening(), at("2026-12-01T18:30:00Z"), 10.5, 7.0), 294.0, 1e-9);
  // The whole evening into the night: 18:00 to 02:00 at 7 kW is 56 kWh:
  // 7 x 35 + 38.5 x 24.5 + 10.5 x 8.5 = 245 + 943.25 + 89.25 = 1277.5p.
  EXPECT_NEAR(*cost_at_once_p(evening(), at("2026-12-01T18:00:00Z"), 56.0, 7.0), 1277.5, 1e-9);
}

TEST(Savings, AGapOrNoPowerIsUnknownAndNoEnergyIsFree) {
  PriceCurve holed({{at("2026-12-01T18:00:00Z"), at("2026-12-01T19:00:00Z"), 35.0},
                    {at("2026-12-01T19:30:00Z"), at("2026-12-01T23:00:00Z"), 24.5}});
  EXPECT_FALSE(cost_at_once_p(holed, at("2026-12-01T18:30:00Z"), 7.0, 7.0));
  EXPECT_TRUE(cost_at_once_p(holed, at("2026-12-01T18:00:00Z"), 7.0, 7.0));       // ends at 19:00
  EXPECT_FALSE(cost_at_once_p(evening(), at("2026-12-01T17:59:00Z"), 7.0, 7.0));  // before
  EXPECT_FALSE(cost_at_once_p(evening(), at("2026-12-02T05:00:00Z"), 7.0, 7.0));  // after
  EXPECT_FALSE(cost_at_once_p(evening(), at("2026-12-01T19:00:00Z"), 7.0, 0.0));
  EXPECT_EQ(*cost_at_once_p(evening(), at("2026-12-01T19:00:00Z"), 0.0, 7.0), 0.0);
}

TEST(Savings, SessionSavingIsAtOnceMinusTheRealCost) {
  // Plugged in at 18:30 needing 10.5 kWh; the daemon charged it from 00:30 at 8.5p: 89.25p.
  auto s = session_saving(evening(), at("2026-12-01T18:30:00Z"), 10.5, 89.25, 7.0);
  ASSERT_TRUE(s.cost_at_once_p);
  EXPECT_NEAR(*s.cost_at_once_p, 294.0, 1e-9);
  EXPECT_NEAR(*s.saving_p, 204.75, 1e-9);
  auto unknown = session_saving(evening(), at("2026-12-02T05:00:00Z"), 10.5, 89.25, 7.0);
  EXPECT_FALSE(unknown.cost_at_once_p);
  EXPECT_FALSE(unknown.saving_p);
}

TEST(Savings, MonthSumsSessionsAndLeavesUnpricedOnesOutOfTheSaving) {
  std::vector<SessionFigures> month = {{10.5, 89.25, 294.0}, {7.0, 59.5, 171.5}, {3.0, 25.5, {}}};
  auto m = summarize_month(month, evening());
  EXPECT_EQ(m.sessions, 3);
  EXPECT_EQ(m.unpriced, 1);
  EXPECT_NEAR(m.energy_kwh, 20.5, 1e-9);
  EXPECT_NEAR(m.cost_p, 174.25, 1e-9);
  EXPECT_NEAR(m.cost_at_once_p, 465.5, 1e-9);
  EXPECT_NEAR(m.saving_p, 465.5 - 148.75, 1e-9);
  EXPECT_NEAR(*m.average_p_per_kwh, 174.25 / 20.5, 1e-9);
  EXPECT_EQ(*m.peak_p_per_kwh, 35.0);
  auto empty = summarize_month({}, PriceCurve{});
  EXPECT_EQ(empty.sessions, 0);
  EXPECT_FALSE(empty.average_p_per_kwh);
  EXPECT_FALSE(empty.peak_p_per_kwh);
}

// A session partly from the roof: its cost counts the solar part at the export price, so the
// saving against charging at once from the grid includes what the sun saved.
TEST(Savings, SolarAndGridPartsAreSummedAndTheSavingCountsBoth) {
  // 7 kWh from 18:30: 4 kWh solar at a 15p export price (60p) + 3 kWh grid at 35p (105p).
  const double cost = 4 * 15.0 + 3 * 35.0;
  auto s = session_saving(evening(), at("2026-12-01T18:30:00Z"), 7.0, cost, 7.0);
  ASSERT_TRUE(s.saving_p);
  // At once: 18:30-19:00 at 35p (3.5 kWh) + 19:00-19:30 at 24.5p (3.5 kWh) = 208.25p.
  EXPECT_NEAR(*s.cost_at_once_p, 208.25, 1e-9);
  EXPECT_NEAR(*s.saving_p, 208.25 - cost, 1e-9);
  SessionFigures sunny{7.0, cost, s.cost_at_once_p, 4.0};
  SessionFigures night{10.5, 89.25, 294.0};
  auto m = summarize_month({sunny, night}, evening());
  EXPECT_NEAR(m.energy_kwh, 17.5, 1e-9);
  EXPECT_NEAR(m.solar_kwh, 4.0, 1e-9);
  EXPECT_NEAR(m.grid_kwh, 13.5, 1e-9);
  EXPECT_NEAR(m.saving_p, 208.25 - cost + 294.0 - 89.25, 1e-9);
}

}  // namespace
}  // namespace offpeak
