#include <offpeak/domain/vehicle.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

VehicleSpec tapering() {
  VehicleSpec v{37.9, 7.4, 0.9};
  v.taper_above_soc = 80.0;
  v.taper_end_kw = 2.0;
  return v;
}

// Integrates the curve numerically (independent of the closed form).
double numeric_soc_after(const VehicleSpec& v, double soc, double hours) {
  const int steps = 200000;
  double dt = hours / steps;
  for (int i = 0; i < steps && soc < 100.0; ++i)
    soc += charge_power_kw(v, soc) * v.efficiency * 100.0 / v.battery_kwh * dt;
  return std::min(soc, 100.0);
}

TEST(ChargeCurve, ConstantPowerWithoutTaper) {
  VehicleSpec v{37.9, 7.4, 0.9};
  EXPECT_DOUBLE_EQ(charge_power_kw(v, 95), 7.4);
  EXPECT_DOUBLE_EQ(charge_power_kw(v, 100), 0.0);
  double h = charge_hours(v, 35, 80);
  EXPECT_NEAR(h, grid_energy_kwh(v, 35, 80) / 7.4, 1e-12);
  EXPECT_NEAR(soc_after_hours(v, 35, h), 80.0, 1e-9);
  EXPECT_DOUBLE_EQ(soc_after_hours(v, 99, 10), 100.0);
}

TEST(ChargeCurve, PowerFallsLinearlyAboveTheTaper) {
  VehicleSpec v = tapering();
  EXPECT_DOUBLE_EQ(charge_power_kw(v, 80), 7.4);
  EXPECT_NEAR(charge_power_kw(v, 90), 4.7, 1e-12);
  EXPECT_NEAR(charge_power_kw(v, 99.999), 2.0, 1e-3);
}

TEST(ChargeCurve, ClosedFormAgreesWithNumericIntegration) {
  VehicleSpec v = tapering();
  for (double soc : {20.0, 79.0, 85.0}) {
    for (double hours : {0.5, 2.0, 6.0}) {
      EXPECT_NEAR(soc_after_hours(v, soc, hours), numeric_soc_after(v, soc, hours), 1e-3)
          << soc << "% for " << hours << " h";
    }
  }
}

TEST(ChargeCurve, HoursAndSocAfterHoursAreInverse) {
  VehicleSpec v = tapering();
  for (auto [a, b] : {std::pair{10.0, 70.0}, {50.0, 90.0}, {82.0, 99.0}, {0.0, 100.0}}) {
    double h = charge_hours(v, a, b);
    EXPECT_GT(h, 0);
    EXPECT_NEAR(soc_after_hours(v, a, h), b, 1e-6) << a << "->" << b;
  }
  // The taper makes the last 10 % slower than the 10 % before the taper.
  EXPECT_GT(charge_hours(v, 90, 100), 2 * charge_hours(v, 60, 70));
  EXPECT_DOUBLE_EQ(charge_hours(v, 70, 60), 0.0);
}

}  // namespace
}  // namespace offpeak
