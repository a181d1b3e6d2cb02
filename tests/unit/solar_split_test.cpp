// The solar/grid split of a session's energy from meter readings.

#include <offpeak/domain/solar_split.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace offpeak {
namespace {

const Instant t0 = *parse_rfc3339("2026-06-20T11:00:00Z");

TEST(SolarSplit, ThePartNotDrawnFromTheGridIsSolar) {
  SolarSplit s;
  // 3 kW car, the house exporting 1 kW besides: all solar for 10 min.
  for (int i = 0; i <= 60; ++i)
    s.add(t0 + Seconds{10 * i}, 3000, -1000);
  EXPECT_NEAR(s.solar_kwh(), 0.5, 1e-9);
  EXPECT_NEAR(s.grid_kwh(), 0.0, 1e-9);
  // Then importing 1 kW with the car at 3 kW: 1/3 from the grid, for 30 min.
  for (int i = 1; i <= 180; ++i)
    s.add(t0 + Seconds{600 + 10 * i}, 3000, 1000);
  // The first 10 s after the change are still counted at the previous reading (all solar).
  const double solar = 0.5 + 3.0 * 10 / 3600 + 2.0 * 1790 / 3600;
  const double grid = 1.0 * 1790 / 3600;
  EXPECT_NEAR(s.solar_kwh(), solar, 1e-9);
  EXPECT_NEAR(s.grid_kwh(), grid, 1e-9);
  EXPECT_NEAR(s.cost(8.5, 15.0), grid * 8.5 + solar * 15.0, 1e-9);
  // The sum is the car's energy: 3 kW for 40 min.
  EXPECT_NEAR(s.solar_kwh() + s.grid_kwh(), 2.0, 1e-9);
}

TEST(SolarSplit, ImportAboveTheCarsPowerIsAllGridAndAStaleMeterIsNeverSurplus) {
  SolarSplit s(Seconds{3600});
  s.add(t0, 2000, 5000);  // the kettle on: the car's 2 kW all from the grid
  s.add(t0 + Seconds{1800}, 2000, std::nullopt);
  s.add(t0 + Seconds{1800 + 60}, 2000, std::numeric_limits<double>::quiet_NaN());
  s.add(t0 + Seconds{1800 + 120}, 0, -3000);
  EXPECT_NEAR(s.grid_kwh(), 1.0 + 2.0 * 120 / 3600.0, 1e-9);
  EXPECT_NEAR(s.solar_kwh(), 0.0, 1e-9);
}

TEST(SolarSplit, LongGapsAndReadingsOutOfOrderCountNothing) {
  SolarSplit s(Seconds{300});
  s.add(t0, 3000, -3000);
  s.add(t0 + Seconds{3600}, 3000, -3000);  // the daemon was down for an hour
  EXPECT_DOUBLE_EQ(s.solar_kwh(), 0.0);
  s.add(t0 + Seconds{3000}, 3000, -3000);  // out of order
  s.add(t0 + Seconds{3660}, 3000, -3000);
  EXPECT_NEAR(s.solar_kwh(), 3.0 / 60.0, 1e-9);
  s.reset();
  EXPECT_DOUBLE_EQ(s.solar_kwh() + s.grid_kwh(), 0.0);
}

}  // namespace
}  // namespace offpeak
