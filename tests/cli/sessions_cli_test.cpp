// `offpeak sessions` and `offpeak report` through the real binary on a real SQLite file
// written by the store, against hand-computed savings.

#include "../unit/test_files.hpp"

#include <offpeak/store/store.hpp>

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

// 7 kW charger; 35p from 16:00 to 19:00, 8.5p from 00:30 to 05:30, 24.5p otherwise. In
// winter London time is UTC.
constexpr const char* k_config = R"(timezone: Europe/London
vehicle:
  battery_kwh: 60
  max_charge_kw: 7
  source: { type: simulator }
tariff:
  name: Go with a peak
  default: 24.5
  periods:
    - { start: "00:30", end: "05:30", price: 8.5 }
    - { start: "16:00", end: "19:00", price: 35 }
storage:
  database: offpeak.db
)";

offpeak::Instant at(const char* t) {
  return *offpeak::parse_rfc3339(t);
}

struct Fixture {
  TempDir dir;
  std::string config;
  Fixture() {
    config = dir.write("offpeak.yaml", k_config).string();
    offpeak::store::Store db(dir.path() / "offpeak.db");
    // 30 Nov 20:00, 7 kWh charged at 8.5p (59.5p); at once: 20:00-21:00 at 24.5p = 171.5p.
    auto a = db.open_session("WBY1", at("2026-11-30T20:00:00Z"), 40);
    db.close_session(a, at("2026-12-01T07:00:00Z"), 52, 7.0, 59.5);
    // 1 Dec 18:30, 10.5 kWh at 8.5p (89.25p); at once 1.5 h from 18:30: 3.5 kWh at 35p
    // (122.5p) + 7 kWh at 24.5p (171.5p) = 294p; saved 204.75p.
    auto b = db.open_session("WBY1", at("2026-12-01T18:30:00Z"), 30);
    db.close_session(b, at("2026-12-02T07:00:00Z"), 48, 10.5, 89.25);
    // 5 Dec 21:00, still plugged in, 14 kWh so far at 8.5p (119p); at once 21:00-23:00 at
    // 24.5p = 343p; saved 224p.
    auto c = db.open_session("WBY1", at("2026-12-05T21:00:00Z"), 20);
    db.update_session(c, 44, 14.0, 119.0);
  }
};

TEST(SessionsCli, JsonCarriesCostAtOnceAndSavingPerSession) {
  Fixture f;
  CommandResult r =
      run("sessions --config " + f.config + " --from 2026-11-30 --to 2026-12-05 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("from").as_string(), "2026-11-30T00:00:00Z");
  EXPECT_EQ(o.at("to").as_string(), "2026-12-06T00:00:00Z");
  const auto& s = o.at("sessions").as_array();
  ASSERT_EQ(s.size(), 3U);
  const auto& first = s[0].as_object();
  EXPECT_EQ(first.at("plugged_in").as_string(), "2026-11-30T20:00:00Z");
  EXPECT_EQ(first.at("unplugged").as_string(), "2026-12-01T07:00:00Z");
  EXPECT_DOUBLE_EQ(first.at("energy_kwh").to_number<double>(), 7.0);
  EXPECT_DOUBLE_EQ(first.at("cost_p").to_number<double>(), 59.5);
  EXPECT_DOUBLE_EQ(first.at("cost_at_once_p").to_number<double>(), 171.5);
  EXPECT_DOUBLE_EQ(first.at("saving_p").to_number<double>(), 112.0);
  const auto& second = s[1].as_object();
  EXPECT_DOUBLE_EQ(second.at("cost_at_once_p").to_number<double>(), 294.0);
  EXPECT_DOUBLE_EQ(second.at("saving_p").to_number<double>(), 204.75);
  const auto& open = s[2].as_object();
  EXPECT_TRUE(open.at("unplugged").is_null());
  EXPECT_DOUBLE_EQ(open.at("cost_at_once_p").to_number<double>(), 343.0);
  EXPECT_DOUBLE_EQ(open.at("saving_p").to_number<double>(), 224.0);

  // --to is a local date, included; --from likewise.
  r = run("sessions --config " + f.config + " --from 2026-12-01 --to 2026-12-04 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::value doc = json::parse(r.out);
  const auto& one = doc.at("sessions").as_array();
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one[0].at("plugged_in").as_string(), "2026-12-01T18:30:00Z");
}

TEST(SessionsCli, TableShowsEverySessionAndTheTotal) {
  Fixture f;
  CommandResult r = run("sessions --config " + f.config + " --from 2026-11-01 --to 2026-12-31");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("(plugged in)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("£2.94"), std::string::npos) << r.out;
  // 31.5 kWh, cost 267.75p, saved 112 + 204.75 + 224 = 540.75p.
  EXPECT_NE(r.out.find("3 sessions, 31.50 kWh (0.00 solar, 31.50 grid), cost £2.68, saved £5.41"),
            std::string::npos)
      << r.out;
}

// A session partly carried by the roof: its solar part was priced at the export price (what
// exporting it would have earned), the grid part at the import price; the saving against
// charging at once from the grid counts both.
TEST(SessionsCli, SolarAndGridPartsShownAndCountedInTheSaving) {
  TempDir dir;
  const std::string config = dir.write("offpeak.yaml", k_config).string();
  {
    offpeak::store::Store db(dir.path() / "offpeak.db");
    // 10 Dec 12:00, 7 kWh: 4 kWh from the sun (at a 15p export price: 60p) and 3 kWh from the
    // grid at 24.5p (73.5p) = 133.5p. At once: 12:00-13:00 at 24.5p = 171.5p; saved 38p.
    auto id = db.open_session("WBY1", at("2026-12-10T12:00:00Z"), 50);
    db.close_session(id, at("2026-12-10T15:00:00Z"), 62, 7.0, 133.5, 4.0);
    // Recorded without a meter, in the cheap night (01:00-02:00 at 8.5p, as at once): all
    // grid, saved nothing.
    auto plain = db.open_session("WBY1", at("2026-12-11T01:00:00Z"), 40);
    db.close_session(plain, at("2026-12-11T02:00:00Z"), 52, 7.0, 59.5);
  }
  CommandResult r =
      run("sessions --config " + config + " --from 2026-12-10 --to 2026-12-11 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::value doc = json::parse(r.out);
  const auto& s = doc.at("sessions").as_array();
  ASSERT_EQ(s.size(), 2U);
  const auto& sunny = s[0].as_object();
  EXPECT_DOUBLE_EQ(sunny.at("energy_kwh").to_number<double>(), 7.0);
  EXPECT_DOUBLE_EQ(sunny.at("solar_kwh").to_number<double>(), 4.0);
  EXPECT_DOUBLE_EQ(sunny.at("grid_kwh").to_number<double>(), 3.0);
  EXPECT_DOUBLE_EQ(sunny.at("cost_p").to_number<double>(), 133.5);
  EXPECT_DOUBLE_EQ(sunny.at("cost_at_once_p").to_number<double>(), 171.5);
  EXPECT_DOUBLE_EQ(sunny.at("saving_p").to_number<double>(), 38.0);
  EXPECT_DOUBLE_EQ(s[1].at("solar_kwh").to_number<double>(), 0.0);
  EXPECT_DOUBLE_EQ(s[1].at("grid_kwh").to_number<double>(), 7.0);

  r = run("sessions --config " + config + " --from 2026-12-10 --to 2026-12-11");
  ASSERT_EQ(r.status, 0) << r.out;
  // 14 kWh, cost 193p; saved 38p + 0.
  EXPECT_NE(r.out.find("2 sessions, 14.00 kWh (4.00 solar, 10.00 grid), cost £1.93, saved £0.38"),
            std::string::npos)
      << r.out;

  r = run("report --config " + config + " --month 2026-12 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  EXPECT_DOUBLE_EQ(o.at("energy_kwh").to_number<double>(), 14.0);
  EXPECT_DOUBLE_EQ(o.at("solar_kwh").to_number<double>(), 4.0);
  EXPECT_DOUBLE_EQ(o.at("grid_kwh").to_number<double>(), 10.0);
  EXPECT_DOUBLE_EQ(o.at("cost_p").to_number<double>(), 193.0);
  EXPECT_DOUBLE_EQ(o.at("saving_p").to_number<double>(), 38.0);
  r = run("report --config " + config + " --month 2026-12");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("14.00 kWh (4.00 from the sun, 10.00 from the grid)"), std::string::npos)
      << r.out;
}

TEST(SessionsCli, MonthReportSumsTheMonthAgainstThePeak) {
  Fixture f;
  CommandResult r = run("report --config " + f.config + " --month 2026-12 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(o.at("sessions").as_int64(), 2);  // 30 Nov's session is November's
  EXPECT_DOUBLE_EQ(o.at("energy_kwh").to_number<double>(), 24.5);
  EXPECT_DOUBLE_EQ(o.at("cost_p").to_number<double>(), 208.25);
  EXPECT_DOUBLE_EQ(o.at("cost_at_once_p").to_number<double>(), 637.0);
  EXPECT_DOUBLE_EQ(o.at("saving_p").to_number<double>(), 428.75);
  EXPECT_DOUBLE_EQ(o.at("average_p_per_kwh").to_number<double>(), 8.5);
  EXPECT_DOUBLE_EQ(o.at("peak_p_per_kwh").to_number<double>(), 35.0);
  EXPECT_EQ(o.at("unpriced_sessions").as_int64(), 0);

  r = run("report --config " + f.config + " --month 2026-12");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("saved      £4.29"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8.50 p/kWh (the tariff's peak: 35.00 p/kWh)"), std::string::npos) << r.out;

  r = run("report --config " + f.config + " --month 2026-11 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out).at("sessions").as_int64(), 1);
}

TEST(SessionsCli, BadDatesAreUsageErrorsAndNoDatabaseIsNoSessions) {
  Fixture f;
  EXPECT_EQ(run("report --config " + f.config + " --month 2026-13").status, 2);
  EXPECT_EQ(run("report --config " + f.config + " --month December").status, 2);
  EXPECT_EQ(run("sessions --config " + f.config + " --from 2026-02-30").status, 2);
  EXPECT_EQ(run("sessions --config " + f.config + " --from 2026-12-05 --to 2026-12-01").status, 2);
  TempDir empty;
  auto cfg = empty.write("offpeak.yaml", k_config).string();
  CommandResult r = run("sessions --config " + cfg + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(json::parse(r.out).at("sessions").as_array().empty());
  EXPECT_FALSE(std::filesystem::exists(empty.path() / "offpeak.db"));  // never created
}

}  // namespace
