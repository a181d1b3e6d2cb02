// `site:` in the main file: the meters of every type, defaults, and FILE:LINE:COL errors.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-11; a test appends from line 12.
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

TEST(SiteConfig, NoSiteNoMeters) {
  TempDir dir;
  auto r = load(dir, "");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  EXPECT_FALSE(r.config->site.grid);
  EXPECT_FALSE(r.config->site.pv);
  EXPECT_EQ(r.config->site.export_price, 0.0);
}

TEST(SiteConfig, EveryMeterType) {
  TempDir dir;
  auto r = load(dir, R"(mqtt: { broker: "mqtt://127.0.0.1:1883" }
site:
  grid:
    type: mqtt
    topic: tele/meter/SENSOR
    field: ENERGY.Power
    unit: kW
    sign: export
    max_age: 2m
  pv:
    type: http
    url: http://192.168.1.50/rpc/Switch.GetStatus?id=0
    field: apower
    interval: 5s
    timeout: 2s
  export_price: 15.0
)");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  const SiteConfig& s = r.config->site;
  ASSERT_TRUE(s.grid);
  const auto& g = std::get<MqttMeter>(s.grid->kind);
  EXPECT_EQ(g.topic, "tele/meter/SENSOR");
  EXPECT_EQ(s.grid->field, "ENERGY.Power");
  EXPECT_EQ(s.grid->unit, PowerUnit::kw);
  EXPECT_EQ(s.grid->sign, MeterSign::export_);
  EXPECT_EQ(s.grid->max_age, Seconds{120});
  ASSERT_TRUE(s.pv);
  const auto& p = std::get<HttpMeter>(s.pv->kind);
  EXPECT_EQ(p.url, "http://192.168.1.50/rpc/Switch.GetStatus?id=0");
  EXPECT_EQ(p.interval, Seconds{5});
  EXPECT_EQ(p.timeout, std::chrono::milliseconds{2000});
  EXPECT_EQ(s.pv->field, "apower");
  EXPECT_EQ(s.pv->unit, PowerUnit::w);
  EXPECT_EQ(s.pv->sign, MeterSign::import);
  EXPECT_EQ(s.pv->max_age, Seconds{60});
  EXPECT_EQ(s.export_price, 15.0);

  auto sun = load(dir, R"(site:
  grid: { type: sunspec, address: "192.168.1.60", unit_id: 240 }
  pv: { type: sunspec, address: "inverter.lan:1502", device: inverter, interval: 30s, max_age: 90s }
)");
  ASSERT_TRUE(sun.config) << sun.errors.at(0).to_string();
  const auto& sg = std::get<SunspecMeter>(sun.config->site.grid->kind);
  EXPECT_EQ(sg.host, "192.168.1.60");
  EXPECT_EQ(sg.port, 502);
  EXPECT_EQ(sg.unit_id, 240);
  EXPECT_EQ(sg.device, SunspecMeter::Device::meter);
  EXPECT_EQ(sg.interval, Seconds{10});
  EXPECT_EQ(sg.timeout, std::chrono::milliseconds{3000});
  const auto& sp = std::get<SunspecMeter>(sun.config->site.pv->kind);
  EXPECT_EQ(sp.host, "inverter.lan");
  EXPECT_EQ(sp.port, 1502);
  EXPECT_EQ(sp.device, SunspecMeter::Device::inverter);
  EXPECT_EQ(sp.interval, Seconds{30});
  EXPECT_EQ(sun.config->site.pv->max_age, Seconds{90});
}

// The simulated house: its trace read at load time, relative to the config file.
TEST(SiteConfig, SimulatorMeterReadsItsTrace) {
  TempDir dir;
  dir.write("house.csv", "time,pv_kw,load_kw\n06:00,0,0.4\n12:00,3.6,0.8\n");
  auto r = load(dir, R"(site:
  grid: { type: simulator, trace: house.csv, interval: 20s, max_age: 1m }
  pv: { type: simulator, trace: house.csv, scale: 1.5 }
)");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  const auto& g = std::get<SimulatorMeter>(r.config->site.grid->kind);
  EXPECT_EQ(g.trace_file, dir.path() / "house.csv");
  ASSERT_EQ(g.trace.points.size(), 2u);
  EXPECT_DOUBLE_EQ(g.trace.pv_w(12 * 3600), 3600.0);
  EXPECT_EQ(g.interval, Seconds{20});
  EXPECT_EQ(std::get<SimulatorMeter>(r.config->site.pv->kind).scale, 1.5);
  EXPECT_STREQ(meter_type_name(*r.config->site.pv), "simulator");

  // The trace's own errors name the trace file, its line and column.
  dir.write("house.csv", "time,pv_kw,load_kw\n06:00,0,0.4\n12:00,x,0.8\n");
  auto bad = load(dir, "site: { grid: { type: simulator, trace: house.csv } }\n");
  ASSERT_FALSE(bad.config);
  EXPECT_EQ(bad.errors.at(0).to_string(),
            (dir.path() / "house.csv").string() + ":3:7: expected a PV power in kW (0-1000)");
  auto missing = load(dir, "site: { grid: { type: simulator, trace: nowhere.csv } }\n");
  ASSERT_FALSE(missing.config);
  EXPECT_NE(missing.errors.at(0).message.find("cannot read the house trace"), std::string::npos);
}

struct Bad {
  const char* tail;
  int line;
  int column;
  const char* says;
};

TEST(SiteConfig, ErrorsPointAtTheValue) {
  const Bad cases[] = {
      {"site: { grid: { type: modbus } }\n", 12, 23, "unknown meter type 'modbus'"},
      {"site: { grid: { topic: a/b } }\n", 12, 9, "missing required key 'type'"},
      {"site: { grid: { type: mqtt, topic: a/b } }\n", 12, 23, "needs an 'mqtt:' section"},
      {"site: { grid: { type: http, url: ftp://x } }\n", 12, 34, "http:// or https:// URL"},
      {"site: { grid: { type: http, url: http://x, unit: MW } }\n", 12, 50, "W or kW"},
      {"site: { grid: { type: http, url: http://x, sign: plus } }\n", 12, 50, "'import'"},
      {"site: { grid: { type: http, url: http://x, max_age: 5s } }\n", 12, 53,
       "shorter than the poll interval 10s"},
      {"site: { grid: { type: http, url: http://x, interval: 2h } }\n", 12, 54,
       "between 1s and 1h"},
      {"site: { grid: { type: http, url: http://x, field: a..b } }\n", 12, 51,
       "dotted JSON field path"},
      {"site: { grid: { type: http, url: http://x, feild: a } }\n", 12, 44, "did you mean 'field'"},
      {"site: { grid: { type: sunspec, address: \"a:b:c\" } }\n", 12, 41, "Modbus TCP address"},
      {"site: { grid: { type: sunspec, address: h, unit_id: 300 } }\n", 12, 53, "unit id"},
      {"site: { grid: { type: sunspec, address: h, device: battery } }\n", 12, 52, "'meter'"},
      {"site: { grid: { type: sunspec, address: h, field: W } }\n", 12, 44, "unknown key"},
      {"site: { grid: { type: sunspec, address: h, timeout: 2m } }\n", 12, 53,
       "between 1s and 60s"},
      {"site: { export_price: cheap }\n", 12, 23, "export price"},
      {"site: { grid: { type: http, url: \"http://admin:pw@x/status\" } }\n", 12, 34,
       "password in the URL is not supported"},
      {"site: { meter: {} }\n", 12, 9, "unknown key"},
      {"site: 5\n", 12, 7, "expected a mapping for 'site'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tail);
    TempDir dir;
    auto r = load(dir, c.tail);
    EXPECT_FALSE(r.config);
    ASSERT_FALSE(r.errors.empty());
    const ConfigError& e = r.errors.front();
    EXPECT_EQ(e.line, c.line) << e.to_string();
    EXPECT_EQ(e.column, c.column) << e.to_string();
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.to_string();
  }
}

}  // namespace
}  // namespace offpeak::config

namespace offpeak::config {
namespace {

// The commented `site:` block of config/offpeak.example.yaml, uncommented, is a valid config.
TEST(SiteConfig, TheExampleBlockLoads) {
  std::ifstream in(std::string(OFFPEAK_SOURCE_DIR) + "/config/offpeak.example.yaml");
  std::string line;
  std::string block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("# site:", 0) == 0) inside = true;
    if (!inside) continue;
    if (line.empty()) break;
    block += line.substr(2) + "\n";
  }
  ASSERT_FALSE(block.empty());
  TempDir dir;
  auto r = load(dir, block);
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string() << "\n" << block;
  const SiteConfig& s = r.config->site;
  ASSERT_TRUE(s.grid);
  EXPECT_EQ(std::get<HttpMeter>(s.grid->kind).url, "http://192.168.1.50/rpc/EM.GetStatus?id=0");
  EXPECT_EQ(s.grid->field, "total_act_power");
  ASSERT_TRUE(s.pv);
  EXPECT_EQ(std::get<SunspecMeter>(s.pv->kind).device, SunspecMeter::Device::inverter);
  EXPECT_EQ(s.export_price, 15.0);
}

}  // namespace
}  // namespace offpeak::config
