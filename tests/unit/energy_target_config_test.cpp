// `target_kwh` in the configuration: parsed in `charging:` and `days:`, exclusive with
// target_soc in the same block, and the deadline it turns into.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

namespace offpeak::config {
namespace {

using offpeak::test::at;
using offpeak::test::london;
using offpeak::testing::TempDir;

constexpr std::string_view k_go = R"(name: Go
default: 24.5
periods:
  - { start: "00:30", end: "05:30", price: 8.5 }
)";

// `charging` is the block under charging: (indented by two spaces).
std::string main_file(std::string_view charging) {
  return std::string(R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: none
charging:
)") + std::string(charging) +
         "tariff: go.yaml\n";
}

LoadResult load(const TempDir& dir, const std::string& main) {
  dir.write("go.yaml", k_go);
  Environment env;
  env.working_directory = dir.path();
  return load_config(dir.write("offpeak.yaml", main), env);
}

TEST(EnergyTargetConfig, TargetKwhParsesInChargingAndDays) {
  TempDir dir;
  auto r = load(dir, main_file("  target_kwh: 20\n  ready_by: \"07:30\"\n  days:\n"
                               "    sun: { target_kwh: 12.5 }\n    mon: { target_soc: 90 }\n"));
  ASSERT_TRUE(r.config) << r.errors.front().to_string();
  const ChargingPolicy& p = r.config->charging;
  ASSERT_TRUE(p.target_kwh);
  EXPECT_DOUBLE_EQ(*p.target_kwh, 20.0);
  const auto& sun = p.days[static_cast<std::size_t>(Weekday::sun)];
  ASSERT_TRUE(sun.target_kwh);
  EXPECT_DOUBLE_EQ(*sun.target_kwh, 12.5);
  EXPECT_FALSE(sun.target_soc);
  const auto& mon = p.days[static_cast<std::size_t>(Weekday::mon)];
  EXPECT_FALSE(mon.target_kwh);
  EXPECT_DOUBLE_EQ(*mon.target_soc, 90);

  // Saturday 18:00 -> Sunday 07:30: the day's 12.5 kWh.
  Deadline sun_d = next_deadline(at("2026-01-10T18:00:00Z"), p, london());
  EXPECT_EQ(sun_d.ready_by, at("2026-01-11T07:30:00Z"));
  ASSERT_TRUE(sun_d.target_kwh);
  EXPECT_DOUBLE_EQ(*sun_d.target_kwh, 12.5);
  // Sunday 18:00 -> Monday 07:30: the day's target_soc replaces the energy target.
  Deadline mon_d = next_deadline(at("2026-01-11T18:00:00Z"), p, london());
  EXPECT_FALSE(mon_d.target_kwh);
  EXPECT_DOUBLE_EQ(mon_d.target_soc, 90);
  // Monday 18:00 -> Tuesday: the policy's 20 kWh.
  Deadline tue_d = next_deadline(at("2026-01-12T18:00:00Z"), p, london());
  ASSERT_TRUE(tue_d.target_kwh);
  EXPECT_DOUBLE_EQ(*tue_d.target_kwh, 20);
}

TEST(EnergyTargetConfig, ADaysTargetKwhReplacesTheTargetSoc) {
  TempDir dir;
  auto r = load(dir, main_file("  target_soc: 80\n  days:\n    sun: { target_kwh: 8 }\n"));
  ASSERT_TRUE(r.config) << r.errors.front().to_string();
  EXPECT_FALSE(r.config->charging.target_kwh);
  Deadline d = next_deadline(at("2026-01-10T18:00:00Z"), r.config->charging, london());
  ASSERT_TRUE(d.target_kwh);
  EXPECT_DOUBLE_EQ(*d.target_kwh, 8);
  Deadline soc = next_deadline(at("2026-01-11T18:00:00Z"), r.config->charging, london());
  EXPECT_FALSE(soc.target_kwh);
  EXPECT_DOUBLE_EQ(soc.target_soc, 80);
}

struct KwhErrorCase {
  const char* name;
  std::string charging;
  int line;
  int column;
  const char* message_part;
};

void PrintTo(const KwhErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class EnergyTargetConfigErrors : public ::testing::TestWithParam<KwhErrorCase> {};

TEST_P(EnergyTargetConfigErrors, ReportsFileLineAndColumnCauseFirst) {
  const KwhErrorCase& c = GetParam();
  TempDir dir;
  auto r = load(dir, main_file(c.charging));
  EXPECT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const ConfigError& e = r.errors.front();
  EXPECT_EQ(e.file, (dir.path() / "offpeak.yaml").string());
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.column, c.column) << e.to_string();
  EXPECT_EQ(e.message.rfind(c.message_part, 0), 0u) << e.to_string();
  EXPECT_EQ(r.errors.size(), 1u) << r.errors.back().to_string();
}

// The charging block starts on line 8.
INSTANTIATE_TEST_SUITE_P(
    Cases, EnergyTargetConfigErrors,
    ::testing::Values(
        KwhErrorCase{"both_in_charging", "  target_soc: 80\n  target_kwh: 20\n", 9, 15,
                     "target_kwh and target_soc are exclusive"},
        KwhErrorCase{"both_in_charging_kwh_first", "  target_kwh: 20\n  target_soc: 80\n", 8, 15,
                     "target_kwh and target_soc are exclusive"},
        KwhErrorCase{"both_in_a_day",
                     "  target_kwh: 20\n  days:\n    sat: { target_soc: 70, "
                     "target_kwh: 9 }\n",
                     10, 40, "target_kwh and target_soc are exclusive"},
        KwhErrorCase{"zero", "  target_kwh: 0\n", 8, 15, "expected an energy target in kWh"},
        KwhErrorCase{"not_a_number", "  target_kwh: lots\n", 8, 15,
                     "expected an energy target in kWh"},
        KwhErrorCase{"day_too_big", "  days:\n    sun: { target_kwh: 5000 }\n", 9, 24,
                     "expected an energy target in kWh"}));

}  // namespace
}  // namespace offpeak::config
