// `offpeak backtest` with multi-day stays and carbon data through the real binary.

#include "../unit/test_files.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

using offpeak::testing::CommandResult;
using offpeak::testing::TempDir;
namespace json = boost::json;

CommandResult run(const std::string& args) {
  return offpeak::testing::run_command(std::string(OFFPEAK_BIN) + " " + args + " 2>&1");
}

constexpr const char* k_config = R"(timezone: Europe/London
vehicle:
  battery_kwh: 60
  max_charge_kw: 7.4
  efficiency: 0.9
  source: { type: simulator }
charging:
  target_soc: 90
  ready_by: "07:30"
tariff: { name: Flat, default: 24.5 }
)";

std::string data(const char* name) {
  return std::string(OFFPEAK_TEST_DATA) + "/" + name;
}

TEST(OffpeakStaysCli, WeekendsJsonForecastBeatsPublishedOnly) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r =
      run("backtest --config " + cfg.string() + " --prices " + data("agile_J_2023-01.csv") +
          " --from 2023-01-06 --to 2023-01-27 --depart-after-days 3 --arrive-on fri "
          "--arrive-soc 20 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("stays").as_int64(), 4);
  EXPECT_EQ(o.at("per_stay").as_array().size(), 4U);
  const double published = o.at("published_only").at("cost_p").to_number<double>();
  const double forecast = o.at("forecast").at("cost_p").to_number<double>();
  const double optimal = o.at("optimal_cost_p").to_number<double>();
  EXPECT_LT(forecast, published);
  EXPECT_LE(optimal, forecast);
  EXPECT_EQ(o.at("forecast").at("target_met").as_int64(), 4);
  EXPECT_FALSE(o.contains("carbon_weighted"));
}

TEST(OffpeakStaysCli, CarbonCsvAddsTheWeightedRun) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  auto stays = dir.write("stays.csv",
                         "arrive,depart,arrive_soc\n"
                         "2023-03-14T18:00:00Z,2023-03-16T07:30:00Z,30\n");
  const std::string base = "backtest --config " + cfg.string() + " --prices " +
                           data("agile_J_2023-02-14_03-17.csv") +
                           " --from 2023-03-14 --to 2023-03-14 --stays " + stays.string() +
                           " --target 80 --carbon-weight 100 --carbon-csv ";
  CommandResult r = run(base + data("carbon_national_2023-03-14.csv") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object o = json::parse(r.out).as_object();
  ASSERT_TRUE(o.contains("carbon_weighted")) << r.out;
  EXPECT_LT(o.at("carbon_weighted").at("co2_kg").to_number<double>(),
            o.at("forecast").at("co2_kg").to_number<double>());
  EXPECT_DOUBLE_EQ(o.at("carbon_weighted").at("carbon_weight_p_per_kg").to_number<double>(), 100);
  // Human output names the three runs.
  CommandResult h = run(base + data("carbon_national_2023-03-14.csv"));
  ASSERT_EQ(h.status, 0) << h.out;
  for (const char* s : {"published prices only", "with the price forecast", "carbon weight 100p/kg",
                        "optimum (every price known)", "kg CO2"}) {
    EXPECT_NE(h.out.find(s), std::string::npos) << s << "\n" << h.out;
  }
  // A broken carbon file: FILE:LINE and exit 1.
  auto bad = dir.write("bad.csv",
                       "valid_from_utc,valid_to_utc,g_per_kwh\n"
                       "2023-03-14T18:00:00Z,2023-03-14T18:30:00Z,-4\n");
  CommandResult e = run(base + bad.string());
  EXPECT_EQ(e.status, 1) << e.out;
  EXPECT_NE(e.out.find("bad.csv:2: expected g_per_kwh"), std::string::npos) << e.out;
}

}  // namespace
