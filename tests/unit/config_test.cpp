#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// A valid minimal main file; tests append or replace lines to break it.
constexpr std::string_view k_valid = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: simulator
    initial_soc: 35
charging:
  target_soc: 80
  ready_by: "07:30"
tariff: go.yaml
)";

constexpr std::string_view k_go = R"(name: Go
default: 24.5
periods:
  - { start: "00:30", end: "05:30", price: 8.5 }
)";

Environment test_env(const TempDir& dir) {
  Environment env;
  env.working_directory = dir.path();
  return env;
}

LoadResult load(const TempDir& dir, std::string_view main, std::string_view tariff = k_go) {
  dir.write("go.yaml", tariff);
  return load_config(dir.write("offpeak.yaml", main), test_env(dir));
}

TEST(Config, ValidMinimalFileLoadsWithDefaults) {
  TempDir dir;
  auto r = load(dir, k_valid);
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const Config& c = *r.config;
  EXPECT_EQ(c.zone.name(), "Europe/London");
  EXPECT_DOUBLE_EQ(c.vehicle.spec.battery_kwh, 37.9);
  EXPECT_DOUBLE_EQ(c.vehicle.spec.efficiency, 0.9);
  EXPECT_EQ(c.vehicle.poll.charging, Seconds{300});
  EXPECT_EQ(c.vehicle.poll.away, Seconds{3600});
  EXPECT_EQ(c.charging.ready_by.minutes, 450);
  EXPECT_EQ(c.charging.strategy, Strategy::cheapest);
  EXPECT_EQ(c.tariff.name, "Go");
  EXPECT_EQ(c.tariff.file, (dir.path() / "go.yaml").lexically_normal());
  EXPECT_EQ(c.storage.database, dir.path() / "offpeak.db");
  EXPECT_EQ(c.api.listen_host, "127.0.0.1");
  EXPECT_EQ(c.api.listen_port, 8080);
  EXPECT_TRUE(std::holds_alternative<LogSwitch>(c.switch_config));
  EXPECT_DOUBLE_EQ(std::get<SimulatorSource>(c.vehicle.source).initial_soc, 35);
}

TEST(Config, StateDirectoryIsTheDefaultDatabaseHome) {
  TempDir dir;
  dir.write("go.yaml", k_go);
  Environment env = test_env(dir);
  env.state_directory = "/var/lib/offpeak";
  auto r = load_config(dir.write("offpeak.yaml", k_valid), env);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->storage.database, std::filesystem::path("/var/lib/offpeak/offpeak.db"));
}

struct ErrorCase {
  const char* name;
  std::string main;
  int line;
  int column;
  const char* message_part;
  std::size_t count = 0;  // when not 0: exactly this many errors (nothing that follows from it)
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

std::string replace(std::string_view base, std::string_view from, std::string_view to) {
  std::string s(base);
  auto pos = s.find(from);
  if (pos == std::string::npos) throw std::logic_error("test setup: no " + std::string(from));
  s.replace(pos, from.size(), to);
  return s;
}

TEST(Config, FieldKeysHaveDefaultsAndParse) {
  TempDir dir;
  auto d = load(dir, k_valid);
  ASSERT_TRUE(d.config);
  EXPECT_EQ(d.config->vehicle.poll.max_per_day, 40);
  EXPECT_TRUE(d.config->vehicle.learn);
  EXPECT_TRUE(d.config->charging.continue_after_ready_by);
  auto r = load(
      dir, replace(replace(k_valid, "  target_soc: 80", "  target_soc: 80\n  after_ready_by: stop"),
                   "    initial_soc: 35",
                   "    initial_soc: 35\n  poll: { max_per_day: 24 }\n  learn: false"));
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors.front().to_string());
  EXPECT_EQ(r.config->vehicle.poll.max_per_day, 24);
  EXPECT_FALSE(r.config->vehicle.learn);
  EXPECT_FALSE(r.config->charging.continue_after_ready_by);
}

class ConfigErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, ReportsLineAndColumn) {
  const ErrorCase& c = GetParam();
  TempDir dir;
  auto r = load(dir, c.main);
  EXPECT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const ConfigError& e = r.errors.front();
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.column, c.column) << e.to_string();
  EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.to_string();
  EXPECT_EQ(e.file, (dir.path() / "offpeak.yaml").string());
  if (c.count != 0) {
    EXPECT_EQ(r.errors.size(), c.count) << r.errors.back().to_string();
  }
}

// Line/column are 1-based and point at the offending key or value.
INSTANTIATE_TEST_SUITE_P(
    MainFile, ConfigErrors,
    ::testing::Values(
        ErrorCase{"unknown_top_key", std::string(k_valid) + "chargng: {}\n", 12, 1,
                  "unknown key 'chargng' in 'top level' (did you mean 'charging'?)"},
        ErrorCase{"unknown_nested_key", replace(k_valid, "  target_soc: 80", "  targt_soc: 80"), 9,
                  3, "did you mean 'target_soc'"},
        ErrorCase{"bad_time", replace(k_valid, "\"07:30\"", "7.30"), 10, 13,
                  "expected a time HH:MM (00:00-23:59), got '7.30'"},
        ErrorCase{"hour_24_not_allowed_for_ready_by", replace(k_valid, "\"07:30\"", "\"24:00\""),
                  10, 13, "expected a time HH:MM"},
        ErrorCase{"battery_not_a_number", replace(k_valid, "37.9", "big"), 3, 16,
                  "expected a usable battery capacity in kWh (a number), got 'big'"},
        ErrorCase{"battery_zero", replace(k_valid, "37.9", "0"), 3, 16, "in (0, 1000]"},
        ErrorCase{"after_ready_by_unknown",
                  replace(k_valid, "  target_soc: 80", "  target_soc: 80\n  after_ready_by: go"),
                  10, 19, "expected after_ready_by continue or stop, got 'go'"},
        ErrorCase{"max_per_day_not_whole",
                  replace(k_valid, "    initial_soc: 35",
                          "    initial_soc: 35\n  poll: { max_per_day: 12.5 }"),
                  8, 24, "expected a whole number of requests per day"},
        ErrorCase{"max_per_day_zero",
                  replace(k_valid, "    initial_soc: 35",
                          "    initial_soc: 35\n  poll: { max_per_day: 0 }"),
                  8, 24, "a number of requests per day"},
        ErrorCase{"learn_not_bool",
                  replace(k_valid, "    initial_soc: 35", "    initial_soc: 35\n  learn: maybe"), 8,
                  10, "expected vehicle.learn (true or false), got 'maybe'"},
        ErrorCase{
            "efficiency_above_one",
            replace(k_valid, "  max_charge_kw: 7.4", "  max_charge_kw: 7.4\n  efficiency: 1.2"), 5,
            15, "expected an efficiency in (0, 1]"},
        ErrorCase{"target_above_100", replace(k_valid, "target_soc: 80", "target_soc: 120"), 9, 15,
                  "expected a target SoC percentage in (0, 100]"},
        ErrorCase{"unknown_zone", replace(k_valid, "Europe/London", "Europe/Londn"), 1, 11,
                  "unknown time zone 'Europe/Londn'"},
        // A missing key is reported at the key whose mapping lacks it.
        ErrorCase{"missing_battery", replace(k_valid, "  battery_kwh: 37.9\n", ""), 2, 1,
                  "missing required key 'battery_kwh' in 'vehicle'", 1},
        ErrorCase{"missing_http_url",
                  std::string(k_valid) + "switch:\n  type: http\n  start:\n    method: POST\n"
                                         "  stop: { url: \"http://x/\" }\n",
                  14, 3, "missing required key 'url' in 'switch.start'", 1},
        ErrorCase{"missing_connect_password",
                  replace(k_valid, "    type: simulator\n    initial_soc: 35\n",
                          "    type: connect\n    email: me@example.com\n"),
                  5, 3, "no password for the Connect account", 1},
        // A misspelt key is the only error: not also the missing key it was meant to be.
        ErrorCase{"misspelt_battery", replace(k_valid, "battery_kwh", "batery_kwh"), 3, 3,
                  "unknown key 'batery_kwh' in 'vehicle' (did you mean 'battery_kwh'?)", 1},
        ErrorCase{"misspelt_vehicle", replace(k_valid, "vehicle:", "vehicel:"), 2, 1,
                  "unknown key 'vehicel' in 'top level' (did you mean 'vehicle'?)", 1},
        ErrorCase{"misspelt_source_type", replace(k_valid, "type: simulator", "tpye: simulator"), 6,
                  5, "unknown key 'tpye' in 'vehicle.source' (did you mean 'type'?)", 1},
        ErrorCase{"misspelt_password_file",
                  replace(k_valid, "    type: simulator\n    initial_soc: 35\n",
                          "    type: connect\n    email: me@example.com\n    pasword_file: pw\n"),
                  8, 5,
                  "unknown key 'pasword_file' in 'vehicle.source (type: connect)' (did you "
                  "mean 'password_file'?)",
                  1},
        ErrorCase{"misspelt_switch_start",
                  std::string(k_valid) + "switch:\n  type: http\n  strat: { url: \"http://x/\" }\n"
                                         "  stop: { url: \"http://x/\" }\n",
                  14, 3, "unknown key 'strat' in 'switch (type: http)' (did you mean 'start'?)", 1},
        ErrorCase{"misspelt_inline_tariff_default",
                  replace(k_valid, "tariff: go.yaml",
                          "tariff:\n  defualt: 20\n  periods:\n"
                          "    - { start: \"23:30\", end: \"05:30\", price: 7 }\n"),
                  12, 3, "unknown key 'defualt' in 'tariff' (did you mean 'default'?)", 1},
        ErrorCase{"unknown_source_type", replace(k_valid, "type: simulator", "type: tesla"), 6, 11,
                  "unknown source type 'tesla'; expected one of: connect, simulator, mqtt, "
                  "homeassistant, "
                  "http, charger, none"},
        ErrorCase{"connect_key_on_simulator",
                  replace(k_valid, "    initial_soc: 35", "    initial_soc: 35\n    email: a@b.c"),
                  8, 5, "unknown key 'email' in 'vehicle.source (type: simulator)'"},
        ErrorCase{"bad_strategy",
                  std::string(k_valid) + "switch: { type: log }\n" + "log: { level: loud }\n", 13,
                  15, "expected a log level (trace, debug, info, warn, error), got 'loud'"},
        ErrorCase{"bad_weekday_override",
                  replace(k_valid, "  ready_by: \"07:30\"",
                          "  ready_by: \"07:30\"\n  days:\n    sat: { ready_by: \"10:00\" }\n    "
                          "funday: { target_soc: 70 }"),
                  13, 5, "expected a weekday (mon, tue, wed, thu, fri, sat, sun), got 'funday'"},
        ErrorCase{"bad_duration",
                  replace(k_valid, "charging:\n", "  poll: { charging: 5 minutes }\ncharging:\n"),
                  8, 21, "expected a duration such as 30s, 15m, 2h or 1h30m, got '5 minutes'"},
        ErrorCase{"yaml_syntax", replace(k_valid, "  target_soc: 80", "  target_soc: [80"), 10, 11,
                  "YAML syntax error"},
        ErrorCase{"switch_exec_relative_program",
                  std::string(k_valid) +
                      "switch:\n  type: exec\n  start: [charger, start]\n  stop: [\"/bin/true\"]\n",
                  14, 11, "the program must be an absolute path"},
        ErrorCase{"switch_http_bad_url",
                  std::string(k_valid) + "switch:\n  type: http\n  start: { url: \"ftp://x\" }\n  "
                                         "stop: { url: \"http://x/\" }\n",
                  14, 17, "expected an http:// or https:// URL"},
        ErrorCase{"remote_listen_without_token",
                  std::string(k_valid) + "api: { listen: 0.0.0.0:8080 }\n", 12, 16, "not loopback"},
        ErrorCase{"switch_ocpp_no_id",
                  std::string(k_valid) + "switch:\n  type: ocpp\n  listen: 127.0.0.1:8887\n", 12, 1,
                  "charge_point_id"},  // a missing key is reported at its parent key
        ErrorCase{"switch_ocpp_unknown_key",
                  std::string(k_valid) +
                      "switch:\n  type: ocpp\n  charge_point_id: CP01\n  listen: "
                      "127.0.0.1:0\n  phase: 3\n",
                  16, 3, "did you mean 'phases'"},
        ErrorCase{"switch_ocpp_remote_without_password",
                  std::string(k_valid) +
                      "switch:\n  type: ocpp\n  charge_point_id: CP01\n  listen: 0.0.0.0:8887\n",
                  15, 11, "without 'password_file'"},
        ErrorCase{"switch_ocpp_bad_phases",
                  std::string(k_valid) +
                      "switch:\n  type: ocpp\n  charge_point_id: CP01\n  listen: "
                      "127.0.0.1:0\n  phases: 2\n",
                  16, 11, "expected 1 or 3 phases"},
        ErrorCase{"switch_ocpp_id_with_slash",
                  std::string(k_valid) +
                      "switch:\n  type: ocpp\n  charge_point_id: a/b\n  listen: 127.0.0.1:0\n",
                  14, 20, "no '/'"},
        ErrorCase{"switch_ocpp_cert_without_key",
                  std::string(k_valid) +
                      "switch:\n  type: ocpp\n  charge_point_id: CP01\n  listen: "
                      "127.0.0.1:0\n  tls_cert: go.yaml\n",
                  16, 13, "'tls_cert' needs 'tls_key'"},
        ErrorCase{"min_soc_above_target",
                  replace(k_valid, "  target_soc: 80", "  target_soc: 80\n  min_soc: 90"), 10, 12,
                  "min_soc must not be above target_soc"}));

TEST(Config, OcppSwitchParsesWithDefaultsAndTheCredential) {
  TempDir dir;
  dir.write("pw", "s3cret\n");
  auto r = load(dir, std::string(k_valid) +
                         "switch:\n  type: ocpp\n  listen: 0.0.0.0:8887\n  charge_point_id: "
                         "CP01\n  password_file: pw\n  phases: 3\n  max_current_a: 16.04\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors.front().to_string());
  const auto& o = std::get<OcppSwitch>(r.config->switch_config);
  EXPECT_EQ(o.listen_host, "0.0.0.0");
  EXPECT_EQ(o.listen_port, 8887);
  EXPECT_EQ(o.charge_point_id, "CP01");
  EXPECT_EQ(o.password.reveal(), "s3cret");
  EXPECT_EQ(o.connector, 1);
  EXPECT_EQ(r.config->current.phases, PhaseMode::three);
  EXPECT_DOUBLE_EQ(*r.config->current.max_current_a, 16.0);  // a multiple of 0.1
  EXPECT_TRUE(r.config->current.modulating);
  // The systemd credential ocpp-password when no password_file is given.
  dir.write("creds/ocpp-password", "from-credential\n");
  Environment env = test_env(dir);
  env.credentials_directory = dir.path() / "creds";
  dir.write("go.yaml", k_go);
  auto c = load_config(dir.write("offpeak.yaml", std::string(k_valid) +
                                                     "switch: { type: ocpp, charge_point_id: CP01 "
                                                     "}\n"),
                       env);
  ASSERT_TRUE(c.config) << (c.errors.empty() ? "" : c.errors.front().to_string());
  const auto& o2 = std::get<OcppSwitch>(c.config->switch_config);
  EXPECT_EQ(o2.password.reveal(), "from-credential");
  EXPECT_FALSE(c.config->current.max_current_a);
  // A wrong password file names the file, never a secret.
  auto bad = load(dir, std::string(k_valid) +
                           "switch: { type: ocpp, charge_point_id: CP01, password_file: nope }\n");
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_NE(bad.errors.front().message.find("nope"), std::string::npos)
      << bad.errors.front().to_string();
  EXPECT_NE(bad.errors.front().message.find("cannot read the OCPP password file"),
            std::string::npos);
}

TEST(Config, CollectsEveryErrorInFileOrder) {
  TempDir dir;
  std::string main = replace(replace(k_valid, "37.9", "-1"), "target_soc: 80", "target_soc: x");
  auto r = load(dir, main);
  ASSERT_EQ(r.errors.size(), 2U);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[1].line, 9);
}

struct TariffErrorCase {
  const char* name;
  std::string tariff;
  int line;
  int column;
  const char* message_part;
  std::size_t count = 0;  // when not 0: exactly this many errors
};
void PrintTo(const TariffErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class TariffErrors : public ::testing::TestWithParam<TariffErrorCase> {};

TEST_P(TariffErrors, ReportsTheTariffFileLineAndColumn) {
  const TariffErrorCase& c = GetParam();
  TempDir dir;
  auto r = load(dir, k_valid, c.tariff);
  EXPECT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const ConfigError& e = r.errors.front();
  EXPECT_EQ(e.file, (dir.path() / "go.yaml").lexically_normal().string());
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.column, c.column) << e.to_string();
  EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.to_string();
  if (c.count != 0) {
    EXPECT_EQ(r.errors.size(), c.count) << r.errors.back().to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(
    TariffFile, TariffErrors,
    ::testing::Values(
        TariffErrorCase{"bad_weekday",
                        "default: 20\nperiods:\n  - { days: [sat, sunday], start: \"13:00\", end: "
                        "\"16:00\", price: 15 }\n",
                        3, 19,
                        "expected a weekday (mon, tue, wed, thu, fri, sat, sun), got 'sunday'"},
        TariffErrorCase{"bad_month",
                        "default: 20\nperiods:\n  - { months: [dec, janu], start: \"16:00\", end: "
                        "\"19:00\", price: 35 }\n",
                        3, 21, "expected a month (jan .. dec), got 'janu'"},
        TariffErrorCase{
            "end_25h",
            "default: 20\nperiods:\n  - { start: \"00:30\", end: \"25:00\", price: 8 }\n", 3, 28,
            "expected a time HH:MM (00:00-24:00), got '25:00'"},
        TariffErrorCase{
            "start_24h",
            "default: 20\nperiods:\n  - { start: \"24:00\", end: \"05:00\", price: 8 }\n", 3, 14,
            "expected a time HH:MM (00:00-23:59)"},
        TariffErrorCase{
            "price_text",
            "default: 20\nperiods:\n  - { start: \"00:30\", end: \"05:30\", price: cheap }\n", 3,
            44, "expected a price in p/kWh (a number), got 'cheap'"},
        TariffErrorCase{"missing_price",
                        "default: 20\nperiods:\n  - { start: \"00:30\", end: \"05:30\" }\n", 3, 5,
                        "missing required key 'price' in 'period'"},
        TariffErrorCase{
            "unknown_key",
            "default: 20\nperiod:\n  - { start: \"00:30\", end: \"05:30\", price: 8 }\n", 2, 1,
            "unknown key 'period' in 'tariff' (did you mean 'periods'?)"},
        TariffErrorCase{
            "no_default_and_gap", "periods:\n  - { start: \"00:30\", end: \"05:30\", price: 8 }\n",
            1, 1, "no 'default' price, and the periods leave Mon in Jan at 00:00 without a price"},
        TariffErrorCase{
            "misspelt_default_hides_the_gap",
            "defualt: 20\nperiods:\n  - { start: \"00:30\", end: \"05:30\", price: 8 }\n", 1, 1,
            "unknown key 'defualt' in 'tariff' (did you mean 'default'?)", 1},
        TariffErrorCase{"misspelt_periods_hides_the_gap",
                        "name: Go\nperiod:\n  - { start: \"00:30\", end: \"05:30\", price: 8 }\n",
                        2, 1, "unknown key 'period' in 'tariff' (did you mean 'periods'?)", 1},
        TariffErrorCase{"agile_missing_region",
                        "name: A\ntype: octopus-agile\nproduct: AGILE-24-10-01\n", 1, 1,
                        "missing required key 'region' in 'tariff'", 1},
        TariffErrorCase{"agile_misspelt_region",
                        "type: octopus-agile\nproduct: AGILE-24-10-01\nregoin: C\n", 3, 1,
                        "unknown key 'regoin' in 'tariff' (did you mean 'region'?)", 1},
        TariffErrorCase{"unknown_type", "type: agile\n", 1, 7,
                        "unknown tariff type 'agile'; expected one of: static, octopus-agile, csv"},
        TariffErrorCase{"agile_bad_region",
                        "type: octopus-agile\nproduct: AGILE-24-10-01\nregion: Z\n", 3, 9,
                        "expected a GSP region letter A..P"}));

TEST(Config, WholeWeekPeriodsNeedNoDefault) {
  TempDir dir;
  auto r = load(dir, k_valid,
                "periods:\n  - { start: \"05:30\", end: \"00:30\", price: 25 }\n"
                "  - { start: \"00:30\", end: \"05:30\", price: 8 }\n");
  EXPECT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
}

TEST(Config, InlineTariffAndCsvTariffResolveRelativeToTheirFile) {
  TempDir dir;
  dir.write("prices/agile.csv",
            "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat\n"
            "2026-01-01T00:30:00Z,2026-01-01T01:00:00Z,10.5\n"
            "2026-01-01T00:00:00Z,2026-01-01T00:30:00Z,-2.25\n");
  dir.write("prices/t.yaml", "type: csv\nfile: agile.csv\n");
  auto r = load_config(
      dir.write("offpeak.yaml", replace(k_valid, "tariff: go.yaml", "tariff: prices/t.yaml")),
      test_env(dir));
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const auto& csv = std::get<CsvTariff>(r.config->tariff.kind);
  ASSERT_EQ(csv.prices.slots().size(), 2U);  // sorted on load
  EXPECT_DOUBLE_EQ(csv.prices.slots()[0].price_p_per_kwh, -2.25);

  auto inline_r = load(dir, replace(k_valid, "tariff: go.yaml",
                                    "tariff:\n  name: Inline\n  default: 20\n  periods:\n"
                                    "    - { start: \"23:30\", end: \"05:30\", price: 7 }\n"));
  ASSERT_TRUE(inline_r.config);
  EXPECT_EQ(inline_r.config->tariff.name, "Inline");
  EXPECT_FALSE(inline_r.config->tariff.file);
}

TEST(Config, CsvErrorsPointAtRowAndField) {
  TempDir dir;
  dir.write("p.csv",
            "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat\n"
            "2026-01-01T00:00:00Z,2026-01-01T00:30:00Z,10\n"
            "2026-01-01T00:30:00Z,2026-01-01T01:00:00Z,ten\n");
  auto r = load(dir, replace(k_valid, "tariff: go.yaml", "tariff: { type: csv, file: p.csv }"));
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].file, (dir.path() / "p.csv").string());
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].column, 43);
  EXPECT_NE(r.errors[0].message.find("expected a price in p/kWh, got 'ten'"), std::string::npos);
}

TEST(Config, ConnectSecretsComeFromFileOrCredentialsAndAreNeverEchoed) {
  TempDir dir;
  std::string connect =
      replace(k_valid, "    type: simulator\n    initial_soc: 35\n",
              "    type: connect\n    email: me@example.com\n    password_file: pw\n");
  dir.write("pw", "hunter2-secret\n");
  auto r = load(dir, connect);
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const auto& src = std::get<ConnectSource>(r.config->vehicle.source);
  EXPECT_EQ(src.password.reveal(), "hunter2-secret");
  EXPECT_EQ(src.base_url, "https://www.connect.orangepower.co.uk");

  // No password in the file: the systemd credential is used.
  TempDir creds;
  creds.write("connect-password", "from-credentials\n");
  dir.write("go.yaml", k_go);
  Environment env = test_env(dir);
  env.credentials_directory = creds.path();
  auto r2 =
      load_config(dir.write("offpeak.yaml", replace(connect, "    password_file: pw\n", "")), env);
  ASSERT_TRUE(r2.config);
  EXPECT_EQ(std::get<ConnectSource>(r2.config->vehicle.source).password.reveal(),
            "from-credentials");

  // With both, the credential wins: the service gets the file `offpeak setup` writes (and
  // names in 'password_file') as its credential, since it cannot read the file itself.
  auto both = load_config(dir.write("offpeak.yaml", connect), env);
  ASSERT_TRUE(both.config) << both.errors.front().to_string();
  EXPECT_EQ(std::get<ConnectSource>(both.config->vehicle.source).password.reveal(),
            "from-credentials");

  // The unit's fallback when /etc/offpeak/connect-password is absent (SetCredential=ID:\n):
  // a lone newline is "no credential", so 'password_file' or 'password' decide, and without
  // them the error is the missing password, not an empty credential.
  TempDir placeholder;
  placeholder.write("connect-password", "\n");
  env.credentials_directory = placeholder.path();
  auto with_file = load_config(dir.write("offpeak.yaml", connect), env);
  ASSERT_TRUE(with_file.config) << with_file.errors.front().to_string();
  EXPECT_EQ(std::get<ConnectSource>(with_file.config->vehicle.source).password.reveal(),
            "hunter2-secret");
  auto inline_pw = load_config(dir.write("offpeak.yaml", replace(connect, "    password_file: pw\n",
                                                                 "    password: inline\n")),
                               env);
  ASSERT_TRUE(inline_pw.config) << inline_pw.errors.front().to_string();
  EXPECT_EQ(std::get<ConnectSource>(inline_pw.config->vehicle.source).password.reveal(), "inline");
  auto neither =
      load_config(dir.write("offpeak.yaml", replace(connect, "    password_file: pw\n", "")), env);
  ASSERT_EQ(neither.errors.size(), 1U);
  EXPECT_NE(neither.errors[0].message.find("no password for the Connect account"),
            std::string::npos)
      << neither.errors[0].to_string();
  EXPECT_NE(neither.errors[0].message.find("no password for the Connect account"),
            std::string::npos);
  // A simulator source does not need it at all.
  auto sim = load_config(dir.write("offpeak.yaml", k_valid), env);
  EXPECT_TRUE(sim.config);

  // A bad inline password is reported without its value.
  auto r3 =
      load(dir, replace(connect, "    password_file: pw\n", "    password: [hunter3-secret]\n"));
  ASSERT_FALSE(r3.errors.empty());
  for (const auto& e : r3.errors)
    EXPECT_EQ(e.to_string().find("hunter3"), std::string::npos);

  // Neither: a clear error.
  auto r4 = load(dir, replace(connect, "    password_file: pw\n", ""));
  ASSERT_FALSE(r4.errors.empty());
  EXPECT_NE(r4.errors[0].message.find("no password for the Connect account"), std::string::npos);
}

TEST(Config, MissingFileIsAClearError) {
  auto r = load_config("/nonexistent/offpeak.yaml", Environment{});
  ASSERT_EQ(r.errors.size(), 1U);
  EXPECT_EQ(r.errors[0].to_string().rfind("/nonexistent/offpeak.yaml: cannot read the file", 0),
            0U);
}

TEST(Config, ShippedExampleAndPresetsAreValid) {
  const std::filesystem::path root = OFFPEAK_SOURCE_DIR;
  for (const char* preset : {"octopus-go.yaml", "intelligent-octopus-go.yaml", "economy-7.yaml",
                             "octopus-cosy.yaml", "flat.yaml", "octopus-agile.yaml"}) {
    auto t = load_tariff_file(root / "config" / "tariffs" / preset);
    EXPECT_TRUE(t.tariff) << preset << ": " << (t.errors.empty() ? "" : t.errors[0].to_string());
  }
  TempDir dir;
  std::filesystem::copy(root / "config", dir.path() / "config",
                        std::filesystem::copy_options::recursive);
  dir.write("config/connect-password", "pw\n");
  auto r = load_config(dir.path() / "config" / "offpeak.example.yaml", test_env(dir));
  EXPECT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  auto demo = load_config(dir.path() / "config" / "demo.yaml", test_env(dir));
  EXPECT_TRUE(demo.config) << (demo.errors.empty() ? "" : demo.errors[0].to_string());
}

}  // namespace
}  // namespace offpeak::config
