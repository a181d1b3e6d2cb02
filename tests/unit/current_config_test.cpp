// The switch's current control keys (phases, min/max current, voltage, current templates):
// values, defaults and FILE:LINE:COL errors.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <ostream>

#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-11; a test appends the switch from line 12.
constexpr std::string_view k_base = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: simulator
    initial_soc: 35
charging:
  target_soc: 80
  ready_by: "07:30"
tariff: { default: 24.5 }
)";

LoadResult load(const TempDir& dir, const std::string& tail) {
  Environment env;
  env.working_directory = dir.path();
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + tail), env);
}

std::string first_error(const LoadResult& r) {
  return r.errors.empty() ? std::string("no error") : r.errors.front().to_string();
}

TEST(CurrentConfig, DefaultsAreOnePhaseSixAmpsAndTheCarsPower) {
  TempDir dir;
  auto r = load(dir, "");
  ASSERT_TRUE(r.config) << first_error(r);
  const CurrentControl& c = r.config->current;
  EXPECT_EQ(c.phases, PhaseMode::one);
  EXPECT_DOUBLE_EQ(c.min_current_a, 6.0);
  EXPECT_DOUBLE_EQ(c.voltage, 230.0);
  EXPECT_FALSE(c.max_current_a);
  EXPECT_FALSE(c.modulating);  // the log switch is on/off
  // 7.4 kW / 230 V = 32.17 A, rounded down to a tenth.
  EXPECT_DOUBLE_EQ(c.max_current(7.4), 32.1);
  EXPECT_EQ(to_string(c.phases), "1");
}

TEST(CurrentConfig, OcppAutoPhasesAndExplicitCurrents) {
  TempDir dir;
  auto r = load(dir,
                "switch:\n  type: ocpp\n  listen: 127.0.0.1:0\n  charge_point_id: CP01\n"
                "  phases: auto\n  min_current_a: 6.04\n  max_current_a: 16\n  voltage: 240\n");
  ASSERT_TRUE(r.config) << first_error(r);
  const CurrentControl& c = r.config->current;
  EXPECT_EQ(c.phases, PhaseMode::automatic);
  EXPECT_EQ(c.max_phases(), 3);
  EXPECT_DOUBLE_EQ(c.min_current_a, 6.0);
  EXPECT_DOUBLE_EQ(c.max_current(11.0), 16.0);
  EXPECT_DOUBLE_EQ(c.voltage, 240.0);
  EXPECT_TRUE(c.modulating);
  // Without max_current_a: 11 kW over three phases at 240 V = 15.27 A -> 15.2 A.
  auto d = load(dir,
                "switch:\n  type: ocpp\n  listen: 127.0.0.1:0\n  charge_point_id: CP01\n"
                "  phases: 3\n  voltage: 240\n");
  ASSERT_TRUE(d.config) << first_error(d);
  EXPECT_DOUBLE_EQ(d.config->current.max_current(11.0), 15.2);
}

TEST(CurrentConfig, TemplatesMakeHttpExecAndMqttSwitchesModulating) {
  TempDir dir;
  auto http = load(dir,
                   "switch:\n  type: http\n  start: { url: 'http://127.0.0.1:9/on' }\n"
                   "  stop: { url: 'http://127.0.0.1:9/off' }\n"
                   "  set_current: { method: PUT, url: 'http://127.0.0.1:9/amp?a={current_a}' }\n"
                   "  phases: 3\n");
  ASSERT_TRUE(http.config) << first_error(http);
  EXPECT_TRUE(http.config->current.modulating);
  const auto& h = std::get<HttpSwitch>(http.config->switch_config);
  ASSERT_TRUE(h.set_current);
  EXPECT_EQ(h.set_current->method, "PUT");
  EXPECT_EQ(h.set_current->url, "http://127.0.0.1:9/amp?a={current_a}");

  auto exec = load(dir,
                   "switch:\n  type: exec\n  start: [/bin/true]\n  stop: [/bin/true]\n"
                   "  set_current: [/bin/echo, '{power_w}']\n");
  ASSERT_TRUE(exec.config) << first_error(exec);
  EXPECT_TRUE(exec.config->current.modulating);
  EXPECT_EQ(std::get<ExecSwitch>(exec.config->switch_config).set_current.at(1), "{power_w}");

  auto plain = load(dir, "switch:\n  type: exec\n  start: [/bin/true]\n  stop: [/bin/true]\n");
  ASSERT_TRUE(plain.config) << first_error(plain);
  EXPECT_FALSE(plain.config->current.modulating);

  auto mq = load(dir,
                 "mqtt: { broker: 'mqtt://127.0.0.1:1883' }\nswitch:\n  type: mqtt\n  "
                 "command_topic: plug/set\n"
                 "  current_topic: wallbox/set/current\n");
  ASSERT_TRUE(mq.config) << first_error(mq);
  EXPECT_TRUE(mq.config->current.modulating);
  const auto& m = std::get<MqttSwitch>(mq.config->switch_config);
  EXPECT_EQ(*m.current_topic, "wallbox/set/current");
  EXPECT_EQ(m.current_payload, "{current_a}");
}

// k_base with `charging:` extended by `extra` (lines from 11 on); the tariff then follows.
std::string with_charging(const std::string& extra) {
  std::string base(k_base);
  const std::string anchor = "  ready_by: \"07:30\"\n";
  base.insert(base.find(anchor) + anchor.size(), extra);
  return base;
}

TEST(SolarConfig, DefaultsAndValues) {
  TempDir dir;
  auto d = load(dir, "");
  ASSERT_TRUE(d.config) << first_error(d);
  EXPECT_EQ(d.config->solar.interval, Seconds{10});
  EXPECT_EQ(d.config->solar.enable_delay, Seconds{60});
  EXPECT_EQ(d.config->solar.disable_delay, Seconds{180});
  EXPECT_DOUBLE_EQ(d.config->solar.max_import_w, 0.0);
  EXPECT_DOUBLE_EQ(d.config->solar.min_change_a, 1.0);
  EXPECT_DOUBLE_EQ(d.config->solar.max_soc, 100.0);
  Environment env;
  env.working_directory = dir.path();
  auto r = load_config(
      dir.write("offpeak.yaml",
                with_charging("  solar_max_soc: 90\n  solar:\n    interval: 5s\n    enable_delay: "
                              "2m\n    disable_delay: 5m\n    max_import_w: 200\n    "
                              "min_change_a: 2\n")),
      env);
  ASSERT_TRUE(r.config) << first_error(r);
  EXPECT_EQ(r.config->solar.interval, Seconds{5});
  EXPECT_EQ(r.config->solar.enable_delay, Seconds{120});
  EXPECT_EQ(r.config->solar.disable_delay, Seconds{300});
  EXPECT_DOUBLE_EQ(r.config->solar.max_import_w, 200.0);
  EXPECT_DOUBLE_EQ(r.config->solar.min_change_a, 2.0);
  EXPECT_DOUBLE_EQ(r.config->solar.max_soc, 90.0);
  // Errors at the value, the cause first.
  auto bad = load_config(
      dir.write("offpeak.yaml", with_charging("  solar:\n    enable_delay: 2h\n")), env);
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_EQ(bad.errors.front().line, 12);
  EXPECT_EQ(bad.errors.front().column, 19);
  EXPECT_NE(bad.errors.front().message.find("enable_delay must be between 0s and 1h"),
            std::string::npos)
      << first_error(bad);
  auto typo = load_config(
      dir.write("offpeak.yaml", with_charging("  solar:\n    enable_dealy: 2m\n")), env);
  ASSERT_FALSE(typo.errors.empty());
  EXPECT_EQ(typo.errors.front().line, 12);
  EXPECT_NE(typo.errors.front().message.find("enable_delay"), std::string::npos)
      << first_error(typo);
}

struct ErrorCase {
  const char* name;
  std::string tail;  // from line 12
  int line;
  int column;
  const char* message;
};

// Named in the test list by the case's name.
void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class CurrentConfigError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CurrentConfigError, ReportsCauseAtLineAndColumn) {
  TempDir dir;
  const auto& c = GetParam();
  auto r = load(dir, c.tail);
  ASSERT_FALSE(r.errors.empty()) << c.name;
  const ConfigError& e = r.errors.front();
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.column, c.column) << e.to_string();
  EXPECT_NE(e.message.find(c.message), std::string::npos) << e.to_string();
  EXPECT_FALSE(r.config);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CurrentConfigError,
    ::testing::Values(
        ErrorCase{"two_phases", "switch:\n  type: log\n  phases: 2\n", 14, 11,
                  "expected 1 or 3 phases"},
        ErrorCase{"auto_needs_ocpp", "switch:\n  type: log\n  phases: auto\n", 14, 11,
                  "'phases: auto' needs a charger that switches phases itself"},
        ErrorCase{"min_current_zero", "switch:\n  type: log\n  min_current_a: 0\n", 14, 18,
                  "a current in amperes"},
        ErrorCase{"max_below_min",
                  "switch:\n  type: log\n  min_current_a: 10\n  max_current_a: 8\n", 15, 18,
                  "max_current_a ('8') is below min_current_a (10 A)"},
        ErrorCase{"voltage_out_of_range", "switch:\n  type: log\n  voltage: 12\n", 14, 12,
                  "a voltage per phase"},
        ErrorCase{"http_template_without_current",
                  "switch:\n  type: http\n  start: { url: 'http://h/on' }\n"
                  "  stop: { url: 'http://h/off' }\n  set_current: { url: 'http://h/amp' }\n",
                  16, 16, "'set_current' must contain {current_a} or {power_w}"},
        ErrorCase{"exec_template_not_absolute",
                  "switch:\n  type: exec\n  start: [/bin/true]\n  stop: [/bin/true]\n"
                  "  set_current: [echo, '{current_a}']\n",
                  16, 17, "must be an absolute path"},
        ErrorCase{"mqtt_payload_without_current",
                  "mqtt: { broker: 'mqtt://127.0.0.1:1883' }\nswitch:\n  type: mqtt\n  "
                  "command_topic: p/set\n"
                  "  current_topic: w/set\n  current_payload: 'sixteen'\n",
                  17, 20, "'current_payload' must contain {current_a}"},
        ErrorCase{"misspelt_key", "switch:\n  type: log\n  max_curent_a: 16\n", 14, 3,
                  "max_current_a"}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace offpeak::config
