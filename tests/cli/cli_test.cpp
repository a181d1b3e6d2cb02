// End-to-end tests of the real `offpeak` binary: exit codes and the JSON contract.

#include "../unit/test_files.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <string>

namespace {

using offpeak::testing::TempDir;
namespace json = boost::json;

using offpeak::testing::CommandResult;

// Runs the binary with `args` (shell-quoted by the caller); stderr is discarded unless asked.
// Runs the offpeak binary with `args`; stderr is discarded unless asked for.
CommandResult run(const std::string& args, bool merge_stderr = false) {
  return offpeak::testing::run_command(std::string(OFFPEAK_BIN) + " " + args +
                                       (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

constexpr const char* k_config = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  efficiency: 0.9
  source: { type: simulator }
charging:
  target_soc: 80
  ready_by: "07:30"
tariff:
  name: Go
  default: 24.5
  periods:
    - { start: "00:30", end: "05:30", price: 8.5 }
)";

TEST(OffpeakCli, CheckExitsZeroOrSeventyEight) {
  TempDir dir;
  auto good = dir.write("good.yaml", k_config);
  EXPECT_EQ(run("check --config " + good.string()).status, 0);
  auto bad = dir.write("bad.yaml", std::string(k_config) + "colour: red\n");
  CommandResult r = run("check --config " + bad.string(), true);
  EXPECT_EQ(r.status, 78);
  EXPECT_NE(r.out.find(bad.string() + ":15:1: unknown key 'colour'"), std::string::npos) << r.out;
}

TEST(OffpeakCli, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").status, 2);
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  EXPECT_EQ(run("plan --config " + cfg.string()).status, 2);  // --soc missing (a SoC target)
  EXPECT_EQ(run("frobnicate").status, 2);
  EXPECT_EQ(run("--help").status, 0);
  EXPECT_EQ(run("plan --help").status, 0);
}

TEST(OffpeakCli, PlanJsonFollowsTheContract) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r =
      run("plan --config " + cfg.string() + " --soc 40 --now 2026-03-28T18:00:00Z --json");
  ASSERT_EQ(r.status, 0);
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("now").as_string(), "2026-03-28T18:00:00Z");
  // 07:30 BST on Sunday 29 March (clocks went forward at 01:00 UTC) is 06:30 UTC.
  EXPECT_EQ(o.at("ready_by").as_string(), "2026-03-29T06:30:00Z");
  // (80 - 40) % of 37.9 kWh / 0.9 = 16.8444 kWh.
  EXPECT_NEAR(o.at("energy_needed_kwh").to_number<double>(), 16.8444, 1e-4);
  EXPECT_TRUE(o.at("feasible").as_bool());
  auto& slots = o.at("slots").as_array();
  ASSERT_EQ(slots.size(), 1U);
  auto& s = slots[0].as_object();
  EXPECT_EQ(s.at("start").as_string(), "2026-03-29T00:30:00Z");
  // 16.8444 kWh / 7.4 kW = 2.27628 h = 8194.6 s -> 8195 s after 00:30 -> 02:46:35.
  EXPECT_EQ(s.at("end").as_string(), "2026-03-29T02:46:35Z");
  EXPECT_DOUBLE_EQ(s.at("price_p_per_kwh").to_number<double>(), 8.5);
  EXPECT_NEAR(s.at("cost_p").to_number<double>(), 16.8444 * 8.5, 0.01);
  EXPECT_NEAR(o.at("total_cost_p").to_number<double>(), 143.18, 0.01);
  EXPECT_FALSE(o.at("explanation").as_string().empty());
}

TEST(OffpeakCli, PlanWithExplicitReadyByAndTarget) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run(
      "plan --config " + cfg.string() +
      " --soc 50 --target 60 --ready-by 2026-01-10T03:00:00Z --now 2026-01-09T20:00:00Z --json");
  ASSERT_EQ(r.status, 0);
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("ready_by").as_string(), "2026-01-10T03:00:00Z");
  // 10 % of 37.9 / 0.9 = 4.2111 kWh = 0.56907 h at 7.4 kW -> 00:30:00-01:04:09 (2048.6 s).
  auto& s = o.at("slots").as_array().at(0).as_object();
  EXPECT_EQ(s.at("start").as_string(), "2026-01-10T00:30:00Z");
  EXPECT_EQ(s.at("end").as_string(), "2026-01-10T01:04:09Z");
  EXPECT_EQ(run("plan --config " + cfg.string() + " --soc 50 --ready-by 7.30").status, 2);
  EXPECT_EQ(run("plan --config " + cfg.string() + " --soc 50 --now yesterday").status, 2);
}

// An energy target needs no SoC: the plan adds the kWh still missing, in the cheap window.
TEST(OffpeakCli, PlanForAnEnergyTarget) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run("plan --config " + cfg.string() +
                        " --target-kwh 20 --delivered 12.6 --now 2026-01-09T20:00:00Z --json");
  ASSERT_EQ(r.status, 0);
  json::object o = json::parse(r.out).as_object();
  EXPECT_TRUE(o.at("soc").is_null());
  EXPECT_TRUE(o.at("expected_soc").is_null());
  EXPECT_EQ(o.at("target_kwh").to_number<double>(), 20.0);
  EXPECT_EQ(o.at("delivered_kwh").to_number<double>(), 12.6);
  // 7.4 kWh at 7.4 kW: 00:30-01:30.
  auto& run0 = o.at("runs").as_array().at(0).as_object();
  EXPECT_EQ(run0.at("start").as_string(), "2026-01-10T00:30:00Z");
  EXPECT_EQ(run0.at("end").as_string(), "2026-01-10T01:30:00Z");
  const std::string why(o.at("explanation").as_string());
  EXPECT_EQ(why.rfind("add 7.4 kWh (12.6 of 20.0 kWh delivered) by Sat 10 Jan 07:30 GMT", 0), 0u)
      << why;

  // The configuration's target_kwh, in the human table.
  auto kwh =
      dir.write("k.yaml", std::string(k_config).replace(
                              std::string(k_config).find("target_soc: 80"), 14, "target_kwh: 20"));
  r = run("plan --config " + kwh.string() + " --now 2026-01-09T20:00:00Z");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("SoC unknown"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("target 20.0 kWh"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("add 20.0 kWh by"), std::string::npos) << r.out;
}

TEST(OffpeakCli, TariffShowJsonIsContiguousUtcSlots) {
  TempDir dir;
  auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run("tariff show --config " + cfg.string() +
                        " --from 2026-10-24T23:00:00Z --hours 24 --json");
  ASSERT_EQ(r.status, 0);
  json::value doc = json::parse(r.out);
  const json::array& slots = doc.as_object().at("slots").as_array();
  // On 25 Oct 2026 (clocks back at 01:00 UTC) the 00:30-05:30 local period runs from
  // 23:30 UTC (00:30 BST) to 05:30 UTC (05:30 GMT): 6 real hours.
  ASSERT_EQ(slots.size(), 3U);
  EXPECT_EQ(slots[1].at("start").as_string(), "2026-10-24T23:30:00Z");
  EXPECT_EQ(slots[1].at("end").as_string(), "2026-10-25T05:30:00Z");
  EXPECT_EQ(slots[2].at("end").as_string(), "2026-10-25T23:00:00Z");
  for (std::size_t i = 1; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i].at("start"), slots[i - 1].at("end"));
  }
  CommandResult human = run("tariff show --config " + cfg.string());
  EXPECT_EQ(human.status, 0);
  EXPECT_NE(human.out.find("p/kWh"), std::string::npos);
}

}  // namespace
