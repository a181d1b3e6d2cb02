// `offpeak site --model` through the real binary on a real SQLite file written by the store:
// three weeks of meter rows of a home using 300 W at night and 800 W by day, with the car
// charging (7 kW on the grid meter) on some evenings; its power must not show in the profile.
#include "../unit/test_files.hpp"

#include <offpeak/store/meter_samples.hpp>
#include <offpeak/store/store.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <string>

namespace {

using offpeak::testing::CommandResult;
using offpeak::testing::TempDir;
namespace json = boost::json;
using namespace std::chrono;

CommandResult run(const std::string& args) {
  return offpeak::testing::run_command(std::string(OFFPEAK_BIN) + " " + args + " 2>&1");
}

constexpr const char* k_config = R"(timezone: UTC
vehicle:
  battery_kwh: 60
  max_charge_kw: 7
  source: { type: simulator }
tariff: { default: 24.5 }
storage:
  database: offpeak.db
)";

TEST(SiteCli, ModelShowsTheHomesLoadWithoutTheCar) {
  TempDir dir;
  const std::string config = dir.write("offpeak.yaml", k_config).string();
  {
    offpeak::store::Store db(dir.path() / "offpeak.db");
    const auto now = time_point_cast<seconds>(system_clock::now());
    const offpeak::Instant start = floor<days>(now) - days{21};
    for (offpeak::Instant t = start; t < floor<days>(now); t += minutes{30}) {
      const auto hour = duration_cast<hours>(t - floor<days>(t)).count();
      double load = hour < 6 ? 300 : 800;
      // Evenings 20:00-22:00 every third day: the car draws 7 kW (the grid meter sees it).
      const bool car = hour >= 20 && hour < 22 && (t - start) / days{1} % 3 == 0;
      if (hour == 20 && t == floor<hours>(t)) {
        offpeak::VehicleState v;
        v.device_id = "WBY1";
        v.charging_state =
            car ? offpeak::ChargingState::charging : offpeak::ChargingState::not_charging;
        v.observed_at = t;
        db.add_sample(v);
      }
      if (hour == 22 && t == floor<hours>(t)) {
        offpeak::VehicleState v;
        v.device_id = "WBY1";
        v.charging_state = offpeak::ChargingState::not_charging;
        v.observed_at = t;
        db.add_sample(v);
      }
      offpeak::store::add_meter_sample(db, {t, load + (car ? 7000 : 0), 0.0});
    }
  }
  CommandResult r = run("site --model --json --config " + config);
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("meter_rows").to_number<int>(), 21 * 48);
  EXPECT_EQ(o.at("car_charging_rows").to_number<int>(), 7 * 4);
  const auto& load = o.at("load_w").as_object();
  for (const char* d : {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}) {
    const auto& day = load.at(d).as_array();
    ASSERT_EQ(day.size(), 48u);
    EXPECT_EQ(day[2].to_number<double>(), 300) << d;   // 01:00
    EXPECT_EQ(day[24].to_number<double>(), 800) << d;  // 12:00
    EXPECT_EQ(day[41].to_number<double>(), 800) << d;  // 20:30: the car's 7 kW taken out
  }
  EXPECT_EQ(o.at("pv_scale").at("factor").to_number<double>(), 1.0);  // no forecast history
  EXPECT_TRUE(o.at("surplus").as_array().empty());                    // no solar_forecast:

  CommandResult human = run("site --model --config " + config);
  ASSERT_EQ(human.status, 0) << human.out;
  EXPECT_NE(human.out.find("Expected household load"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("No solar_forecast: configured."), std::string::npos) << human.out;
}

TEST(SiteCli, CheckNamesTheSolarForecast) {
  TempDir dir;
  const std::string config = dir.write("offpeak.yaml", std::string(k_config) + R"(solar_forecast:
  type: forecast.solar
  latitude: 51.5
  longitude: -0.12
  arrays:
    - { kwp: 4.2, tilt: 35, azimuth: 180 }
    - { kwp: 2, tilt: 20, azimuth: 90 }
)")
                                 .string();
  CommandResult r = run("check --config " + config);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("  solar      forecast.solar, 2 faces, 6.2 kWp at 51.50, -0.12, counting "
                       "on 70 %\n"),
            std::string::npos)
      << r.out;
}

}  // namespace
