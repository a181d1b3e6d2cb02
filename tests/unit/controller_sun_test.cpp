// The controller plans with the sun in mode smart only; a changed surplus ahead re-plans, the
// same one does not; inside a planned solar slot planned_solar_at says so.

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

// Winter (GMT): a flat 24.5p, a 4p export, a car needing 20 kWh by 17:00 on Saturday.
class SunControllerTest : public ::testing::Test {
 protected:
  SunControllerTest() : zone_(*Zone::locate("Europe/London")) {
    TouRules flat;
    flat.default_price_p_per_kwh = 24.5;
    prices_ = TouTariff(flat, zone_).prices(at("2026-01-09T00:00:00Z"), at("2026-01-12T00:00:00Z"));
    settings_.vehicle = {60.0, 7.0, 0.9};
    settings_.policy.target_soc = 60;
    settings_.policy.ready_by = TimeOfDay{17 * 60};
  }

  Controller make(Mode mode) {
    Controller c(settings_, zone_);
    c.set_prices(prices_);
    c.set_mode(mode);
    VehicleState v;
    v.device_id = "VIN1";
    v.observed_at = at("2026-01-10T06:00:00Z");
    v.soc_percent = 30;
    v.plugged_in = true;
    v.charging_state = ChargingState::not_charging;
    c.observe(v);
    return c;
  }

  // 4 kW of surplus from 10:00 to 14:00.
  static SunPlanInputs sun(double kw = 4.0) {
    SunPlanInputs s;
    s.surplus_kw = PriceCurve({{at("2026-01-10T10:00:00Z"), at("2026-01-10T14:00:00Z"), kw}});
    s.export_flat_p_per_kwh = 4.0;
    s.confidence = 0.7;
    s.min_power_kw = 1.4;
    return s;
  }

  Zone zone_;
  PriceCurve prices_;
  ControllerSettings settings_;
};

TEST_F(SunControllerTest, SmartPlansWithTheSunAndReplansWhenItChanges) {
  Controller c = make(Mode::smart);
  c.step(at("2026-01-10T06:00:00Z"));
  ASSERT_TRUE(c.plan());
  EXPECT_EQ(c.plan()->total_solar_kwh, 0.0);  // no sun given yet
  c.set_sun(sun());
  auto s = c.step(at("2026-01-10T06:01:00Z"));
  EXPECT_TRUE(s.replanned);
  EXPECT_EQ(c.replan_reason(), "solar forecast changed");
  EXPECT_NEAR(c.plan()->total_solar_kwh, 4.0 * 0.7 * 4.0, 1e-6);  // 2.8 kW for 4 h
  EXPECT_TRUE(c.planned_solar_at(at("2026-01-10T11:00:00Z")));
  EXPECT_FALSE(c.planned_solar_at(at("2026-01-10T15:00:00Z")));
  // The same sun again: the plan stays.
  c.set_sun(sun());
  EXPECT_FALSE(c.step(at("2026-01-10T06:02:00Z")).replanned);
  // A duller forecast: re-planned with less from the sun.
  c.set_sun(sun(2.0));
  EXPECT_TRUE(c.step(at("2026-01-10T06:03:00Z")).replanned);
  EXPECT_NEAR(c.plan()->total_solar_kwh, 2.0 * 0.7 * 4.0, 1e-6);
  // No forecast any more: back to the grid alone.
  c.set_sun(std::nullopt);
  EXPECT_TRUE(c.step(at("2026-01-10T06:04:00Z")).replanned);
  EXPECT_EQ(c.plan()->total_solar_kwh, 0.0);
}

TEST_F(SunControllerTest, ModesSolarNowAndOffDoNotPlanWithTheSun) {
  for (Mode m : {Mode::solar, Mode::now, Mode::off}) {
    Controller c = make(m);
    c.set_sun(sun());
    c.step(at("2026-01-10T06:00:00Z"));
    ASSERT_TRUE(c.plan()) << to_string(m);
    EXPECT_EQ(c.plan()->total_solar_kwh, 0.0) << to_string(m);
    EXPECT_FALSE(c.planned_solar_at(at("2026-01-10T11:00:00Z"))) << to_string(m);
  }
}

}  // namespace
}  // namespace offpeak
