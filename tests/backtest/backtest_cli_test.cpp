// `offpeak backtest` through the real binary: exit codes, the JSON contract, --nights-csv.

#include "../unit/test_files.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

using offpeak::testing::TempDir;
namespace json = boost::json;

using offpeak::testing::CommandResult;

// Runs the offpeak binary with `args`; stderr is discarded unless asked for.
CommandResult run(const std::string& args, bool merge_stderr = false) {
  return offpeak::testing::run_command(std::string(OFFPEAK_BIN) + " " + args +
                                       (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

constexpr const char* k_config = R"(timezone: Europe/London
vehicle:
  battery_kwh: 60
  max_charge_kw: 7.4
  efficiency: 0.9
  source: { type: simulator }
charging:
  target_soc: 80
  ready_by: "07:30"
tariff:
  name: Flat
  default: 24.5
)";

std::string prices() {
  return std::string(OFFPEAK_TEST_DATA) + "/agile_J_2023-01.csv";
}

TEST(OffpeakBacktestCli, JsonFollowsTheContract) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  auto csv = dir.path() / "nights.csv";
  CommandResult r = run("backtest --config " + cfg.string() + " --prices " + prices() +
                        " --from 2023-01-01 --to 2023-01-31 --json --nights-csv " + csv.string());
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("nights").as_int64(), 31);
  EXPECT_EQ(o.at("target_met_nights").as_int64(), 31);
  for (const char* k : {"smart_cost_p", "naive_cost_p", "optimal_cost_p", "energy_kwh"})
    EXPECT_TRUE(o.at(k).is_number()) << k;
  double smart = o.at("smart_cost_p").to_number<double>();
  double naive = o.at("naive_cost_p").to_number<double>();
  double optimal = o.at("optimal_cost_p").to_number<double>();
  EXPECT_LE(optimal, smart + 1e-6);
  EXPECT_LT(smart, naive);
  EXPECT_NEAR(o.at("savings_percent").to_number<double>(), (naive - smart) / naive * 100, 0.01);
  EXPECT_EQ(o.at("per_night").as_array().size(), 31u);
  EXPECT_EQ(o.at("per_night").as_array()[0].as_object().at("arrive").as_string(),
            "2023-01-01T18:00:00Z");

  std::ifstream in(csv);
  std::string line;
  int lines = 0;
  while (std::getline(in, line))
    ++lines;
  EXPECT_EQ(lines, 32);  // header + 31 nights
}

TEST(OffpeakBacktestCli, HumanOutputAndOptions) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run("backtest --config " + cfg.string() + " --prices " + prices() +
                            " --from 2023-01-10 --to 2023-01-12 --arrive 19:00 --depart 06:00 "
                            "--arrive-soc 50 --target 60",
                        true);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("nights replayed   3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("target met        3 of 3"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);  // no progress bar without a terminal
}

TEST(OffpeakBacktestCli, ErrorsHaveTheirExitCodes) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  std::string base = "backtest --config " + cfg.string() + " --prices " + prices();
  EXPECT_EQ(run(base + " --from 2023-01-10").status, 2);                  // --to missing
  EXPECT_EQ(run(base + " --from 2023-13-10 --to 2023-01-12").status, 2);  // bad date
  EXPECT_EQ(run(base + " --from 2023-01-12 --to 2023-01-10").status, 2);  // reversed
  EXPECT_EQ(run(base + " --from 2023-01-10 --to 2023-01-12 --arrive 7.30").status, 2);
  EXPECT_EQ(run(base + " --from 2023-01-10 --to 2023-01-12 --arrive-soc 120").status, 2);
  auto bad = dir.write("bad.yaml", std::string(k_config) + "colour: red\n");
  EXPECT_EQ(run("backtest --config " + bad.string() + " --prices " + prices() +
                " --from 2023-01-10 --to 2023-01-12")
                .status,
            78);
  EXPECT_EQ(run("backtest --config " + cfg.string() + " --prices " + cfg.string() +
                " --from 2023-01-10 --to 2023-01-12")
                .status,
            1);  // not a price CSV
  EXPECT_EQ(run("backtest --help").status, 0);
}

TEST(OffpeakBacktestCli, NightsWithoutPricesAreReported) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run("backtest --config " + cfg.string() + " --prices " + prices() +
                        " --from 2023-01-30 --to 2023-02-05 --json");
  ASSERT_EQ(r.status, 0);
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("nights").as_int64(), 3);  // 30 Jan .. 1 Feb: prices run to 2 Feb 23:30Z
  EXPECT_EQ(o.at("missing_price_nights").as_int64(), 4);
}

}  // namespace

namespace {

TEST(OffpeakBacktestCli, FieldReplayComparesTheDaemonWithTheBaselines) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  const std::string base = "backtest --field --config " + cfg.string() + " --prices " + prices() +
                           " --from 2023-01-01 --to 2023-01-20 --car-kw 5.5 --seed 2";
  CommandResult r = run(base + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  json::array s = o.at("strategies").as_array();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].as_object().at("strategy").as_string(), "field");
  EXPECT_EQ(s[1].as_object().at("strategy").as_string(), "fixed");
  EXPECT_EQ(s[2].as_object().at("strategy").as_string(), "before");
  const auto& field = s[0].as_object();
  EXPECT_LE(field.at("max_requests_in_a_day").as_int64(), 40);
  EXPECT_GT(s[1].as_object().at("polls_per_day").to_number<double>(),
            2 * field.at("polls_per_day").to_number<double>());
  EXPECT_GT(field.at("stays").as_int64(), 10);
  EXPECT_EQ(field.at("per_stay").as_array().size(),
            static_cast<std::size_t>(field.at("stays").as_int64() +
                                     field.at("unpriced_stays").as_int64()));
  EXPECT_NE(std::string(field.at("model").as_string()).find("5."), std::string::npos);

  // A CSV of stays, and its errors with the line.
  auto stays = dir.write("stays.csv",
                         "arrive,depart,arrive_soc\n"
                         "2023-01-02T18:00:00Z,2023-01-03T07:45:00Z,30\n"
                         "2023-01-03T19:00:00Z,2023-01-04T07:35:00Z,50\n");
  r = run(base + " --stays " + stays.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Stays: 2 (" + stays.string() + ")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fixed 15m/5m, nameplate"), std::string::npos) << r.out;
  auto bad = dir.write("bad.csv", "arrive,depart,arrive_soc\n2023-01-02T18:00:00Z,x,30\n");
  r = run(base + " --stays " + bad.string(), true);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("bad.csv: line 2: expected an RFC 3339 instant, got 'x'"), std::string::npos)
      << r.out;
  EXPECT_EQ(run(base + " --cloud-lag soon").status, 2);
}

}  // namespace
