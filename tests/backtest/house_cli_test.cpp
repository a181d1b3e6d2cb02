// `offpeak backtest --house` (the solar backtest) through the real binary, on a slice of the
// real Ausgrid home (tests/data/SOURCES.md) and real Agile prices.

#include "../unit/test_files.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
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
  target_soc: 80
  ready_by: "08:00"
tariff: { name: Flat, default: 24.5 }
)";

std::string data(const char* name) {
  return std::string(OFFPEAK_TEST_DATA) + "/" + name;
}

std::string base(const std::string& cfg) {
  return "backtest --config " + cfg + " --prices " + data("agile_J_2023-01.csv") + " --house " +
         data("house_ausgrid12_2023-01-09_22.csv") + " --from 2023-01-09 --to 2023-01-22";
}

double num(const json::value& v, const char* key) {
  return v.as_object().at(key).to_number<double>();
}

TEST(OffpeakHouseCli, FourStrategiesOnTheSameStays) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  for (const char* forecast : {"noisy", "persistence"}) {
    const CommandResult r =
        run(base(cfg.string()) + " --kwp 4 --export-price 0 --json --forecast " + forecast);
    ASSERT_EQ(r.status, 0) << r.out;
    const json::object o = json::parse(r.out).as_object();
    EXPECT_DOUBLE_EQ(o.at("kwp").to_number<double>(), 4.0);
    const json::object& s = o.at("strategies").as_object();
    ASSERT_EQ(s.size(), 4U);
    const json::value& opt = s.at("optimal");
    const double energy = num(opt, "grid_kwh") + num(opt, "solar_kwh");
    EXPECT_GT(energy, 50.0);
    for (const char* name : {"offpeak", "grid_only", "pv_mode", "optimal"}) {
      const json::value& x = s.at(name);
      EXPECT_EQ(x.at("stays").as_int64(), 6) << name;
      EXPECT_EQ(x.at("targets_met").as_int64(), 6) << name;
      // The same need through the same stays (the controller stops within 0.1 % of the target,
      // 0.07 kWh a stay); the optimum is the cheapest.
      EXPECT_NEAR(num(x, "grid_kwh") + num(x, "solar_kwh"), energy, 0.4) << name;
      EXPECT_GE(num(x, "cost_p"), num(opt, "cost_p") - 0.01) << name;
      EXPECT_EQ(num(x, "export_forgone_p"), 0.0) << name;  // the export earns nothing
    }
    // January: the night is cheap, but the free sun still beats it.
    EXPECT_EQ(num(s.at("grid_only"), "solar_kwh"), 0.0);
    EXPECT_GT(num(s.at("pv_mode"), "solar_kwh"), 5.0);
    EXPECT_GT(num(opt, "solar_kwh"), 5.0);
    EXPECT_LT(num(s.at("offpeak"), "cost_p"), num(s.at("grid_only"), "cost_p"));
  }
}

TEST(OffpeakHouseCli, ExportPriceIsCountedAndTheTableShowsIt) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  CommandResult r = run(base(cfg.string()) + " --pv-scale 4 --export-price 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object o = json::parse(r.out).as_object();
  const json::value& pv = o.at("strategies").at("pv_mode");
  EXPECT_GT(num(pv, "solar_kwh"), 5.0);
  EXPECT_NEAR(num(pv, "export_forgone_p"), num(pv, "solar_kwh") * 2.0, 0.05);
  r = run(base(cfg.string()) + " --kwp 4 --export-price 2");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* want : {"strategy", "offpeak", "grid_only", "pv_mode", "optimal", "£",
                           "export forgone", "6/6", "4.00 kWp"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " in\n" << r.out;
}

TEST(OffpeakHouseCli, ExportPricesFromACsvOverTheFlatPrice) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  // 2p for every half-hour of the two weeks; the flat 50p is only for gaps (there are none).
  std::string csv = "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat\n";
  for (int d = 8; d <= 23; ++d)
    for (int h = 0; h < 48; ++h) {
      char row[128];
      std::snprintf(row, sizeof row, "2023-01-%02dT%02d:%02d:00Z,", d, h / 2, h % 2 * 30);
      csv += row;
      const int e = h + 1;
      std::snprintf(row, sizeof row, "2023-01-%02dT%02d:%02d:00Z,2\n", e == 48 ? d + 1 : d,
                    e == 48 ? 0 : e / 2, e % 2 * 30);
      csv += row;
    }
  const auto ex = dir.write("export.csv", csv);
  const CommandResult r = run(base(cfg.string()) + " --kwp 4 --export-price 50 --export-prices " +
                              ex.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const CommandResult flat = run(base(cfg.string()) + " --kwp 4 --export-price 2 --json");
  ASSERT_EQ(flat.status, 0) << flat.out;
  const json::object o = json::parse(r.out).as_object();
  const json::object f = json::parse(flat.out).as_object();
  // The curve's 2p, never the flat 50p: the same as a flat 2p.
  const json::value& pv = o.at("strategies").at("pv_mode");
  EXPECT_GT(num(pv, "solar_kwh"), 5.0);
  EXPECT_NEAR(num(pv, "export_forgone_p"), num(pv, "solar_kwh") * 2.0, 0.05);
  for (const char* name : {"grid_only", "pv_mode", "optimal"})
    EXPECT_EQ(o.at("strategies").at(name), f.at("strategies").at(name)) << name;
  // offpeak re-plans as the export price changes; it is priced at the curve too.
  const json::value& op = o.at("strategies").at("offpeak");
  EXPECT_NEAR(num(op, "export_forgone_p"), num(op, "solar_kwh") * 2.0, 0.05);
  EXPECT_EQ(op.at("targets_met").as_int64(), 6);
}

TEST(OffpeakHouseCli, StaysFromAFile) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  const auto stays = dir.write("stays.csv",
                               "arrive,depart,arrive_soc\n"
                               "2023-01-14T09:00:00Z,2023-01-16T08:00:00Z,20\n"
                               "2023-01-20T18:00:00Z,2023-01-30T08:00:00Z,20\n"
                               "2023-02-01T18:00:00Z,2023-02-02T08:00:00Z,20\n");  // after --to
  const CommandResult r =
      run(base(cfg.string()) + " --kwp 4 --stays " + stays.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("strategies").at("optimal").at("stays").as_int64(), 1);
  EXPECT_EQ(o.at("stays_skipped").as_int64(), 1);  // past the end of the trace
  const double energy = num(o.at("strategies").at("optimal"), "grid_kwh") +
                        num(o.at("strategies").at("optimal"), "solar_kwh");
  EXPECT_NEAR(energy, 0.6 * 60 / 0.9, 0.01);
}

TEST(OffpeakHouseCli, OneRowPerStayAddsUpToTheTotals) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  const std::string rows = (dir.path() / "stays.csv").string();
  const CommandResult r =
      run(base(cfg.string()) + " --kwp 4 --export-price 0 --json --nights-csv " + rows);
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object o = json::parse(r.out).as_object();
  std::ifstream in(rows);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t lines = 0;
  double optimal = 0.0;
  std::size_t pos = text.find('\n') + 1;  // after the header
  EXPECT_EQ(text.rfind("arrive_utc,depart_utc,arrive_soc,replayed,need_kwh,offpeak_cost_p", 0), 0U);
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lines;
    // optimal_cost_p is the 18th column.
    std::size_t c = 0;
    for (int i = 0; i < 17; ++i)
      c = line.find(',', c) + 1;
    optimal += std::stod(line.substr(c));
  }
  EXPECT_EQ(lines, 6U);
  EXPECT_NEAR(optimal, num(o.at("strategies").at("optimal"), "cost_p"), 0.05);
}

TEST(OffpeakHouseCli, RefusesBadTracesAndOptions) {
  TempDir dir;
  const auto cfg = dir.write("c.yaml", k_config);
  const auto bad = dir.write("bad.csv",
                             "time_utc,load_kw,pv_kw\n2023-01-09T00:00:00Z,0.5,0\n"
                             "2023-01-09T00:30:00Z,0.5,-2\n");
  CommandResult r =
      run("backtest --config " + cfg.string() + " --prices " + data("agile_J_2023-01.csv") +
          " --house " + bad.string() + " --from 2023-01-09 --to 2023-01-22");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("bad.csv:3: expected pv_kw"), std::string::npos) << r.out;
  const auto plain = dir.write("plain.csv",
                               "time_utc,load_kw,pv_kw\n2023-01-09T00:00:00Z,0.5,0\n"
                               "2023-01-09T00:30:00Z,0.5,0\n");
  r = run("backtest --config " + cfg.string() + " --prices " + data("agile_J_2023-01.csv") +
          " --house " + plain.string() + " --from 2023-01-09 --to 2023-01-22 --kwp 4");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--kwp needs the trace's own roof"), std::string::npos) << r.out;
  r = run(base(cfg.string()) + " --kwp 4 --pv-scale 2");
  EXPECT_EQ(r.status, 2) << r.out;
  r = run(base(cfg.string()) + " --forecast tomorrow");
  EXPECT_EQ(r.status, 2) << r.out;
  r = run(base(cfg.string()) + " --field");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--house is its own backtest"), std::string::npos) << r.out;
}

}  // namespace
