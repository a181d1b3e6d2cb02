// The home's meters end to end: the real offpeakd reading a grid and a PV meter of each type
// against real servers on loopback: an http meter polling python3's http.server that serves
// Shelly Gen2 and Tasmota bodies (tests/data/meters), mqtt meters fed through a private
// Mosquitto with mosquitto_pub, and sunspec meters against a Modbus TCP server built on
// libmodbus's server API (tests/support/sunspec_server.cpp). Each meter is seen in
// /api/v1/status, /metrics and the meter_samples table, and goes stale (logged, shown, never a
// number) when its source stops.

#include "../unit/test_files.hpp"
#include "ports.hpp"
#include "process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/meters/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string run(const TempDir& dir, std::vector<std::string> argv) {
  static int n = 0;
  const std::string log = (dir.path() / ("run-" + std::to_string(++n) + ".out")).string();
  Process p(std::move(argv), log);
  p.wait(20s);
  return p.log();
}

// The simulated car (real time: max_age is measured on the wall clock here).
std::string config(const TempDir& dir, const std::string& tail) {
  return "timezone: Europe/London\n"
         "vehicle:\n"
         "  battery_kwh: 37.9\n"
         "  max_charge_kw: 7.4\n"
         "  source: { type: simulator, initial_soc: 35 }\n"
         "tariff: { default: 24.5 }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n" +
         tail;
}

Process start_daemon(const TempDir& dir) {
  return Process(
      {OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level", "debug"},
      (dir.path() / "offpeakd.log").string());
}

unsigned short api_port(Process& d) {
  d.wait_for("API listening on", 15s);
  std::smatch m;
  std::string log = d.log();
  static const std::regex re(R"(API listening on 127\.0\.0\.1:(\d+))");
  if (!std::regex_search(log, m, re)) return 0;
  return static_cast<unsigned short>(std::stoi(m[1].str()));
}

std::string http_get(const TempDir& dir, unsigned short port, const std::string& path) {
  return run(dir,
             {"/usr/bin/curl", "-s", "-m", "5", "http://127.0.0.1:" + std::to_string(port) + path});
}

json::object site(const TempDir& dir, unsigned short port) {
  json::value v = json::parse(http_get(dir, port, "/api/v1/status"));
  const json::value& s = v.at("site");
  return s.is_object() ? s.as_object() : json::object{};
}

// Waits until the API's site block satisfies `ok`.
template <typename F>
bool wait_site(const TempDir& dir, unsigned short port, F ok, std::chrono::seconds timeout = 15s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    json::object s = site(dir, port);
    if (!s.empty() && ok(s)) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

double number(const json::value& v) {
  return v.is_double() ? v.as_double() : v.to_number<double>();
}

std::vector<std::pair<std::optional<double>, std::optional<double>>> meter_rows(
    const fs::path& db) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT grid_w, pv_w FROM meter_samples ORDER BY id");
  std::vector<std::pair<std::optional<double>, std::optional<double>>> out;
  while (q.executeStep()) {
    std::optional<double> g, p;
    if (!q.getColumn(0).isNull()) g = q.getColumn(0).getDouble();
    if (!q.getColumn(1).isNull()) p = q.getColumn(1).getDouble();
    out.emplace_back(g, p);
  }
  return out;
}

TEST(Meters, HttpShellyAndTasmotaThenStaleAndBack) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "python3 is not installed";
  TempDir dir;
  // http.server maps /rpc/EM.GetStatus?id=0 to the file rpc/EM.GetStatus (the query ignored).
  dir.write("www/rpc/EM.GetStatus", fixture("shelly_gen2_pro3em_em_getstatus.json"));
  dir.write("www/cm", fixture("tasmota_status8.json"));
  const unsigned short web = free_port();
  Process server({"/usr/bin/python3", "-m", "http.server", std::to_string(web), "--bind",
                  "127.0.0.1", "--directory", (dir.path() / "www").string()},
                 (dir.path() / "http.log").string());
  wait_port(web);
  const std::string base = "http://127.0.0.1:" + std::to_string(web);
  dir.write("offpeak.yaml", config(dir,
                                   "site:\n"
                                   "  grid:\n"
                                   "    type: http\n"
                                   "    url: " +
                                       base +
                                       "/rpc/EM.GetStatus?id=0\n"
                                       "    field: total_act_power\n"
                                       "    interval: 1s\n"
                                       "    max_age: 3s\n"
                                       "  pv:\n"
                                       "    type: http\n"
                                       "    url: " +
                                       base +
                                       "/cm?cmnd=Status%208\n"
                                       "    field: StatusSNS.ENERGY.Power\n"
                                       "    interval: 1s\n"
                                       "    max_age: 3s\n"));
  Process d = start_daemon(dir);
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0) << d.log();
  ASSERT_TRUE(wait_site(dir, port, [](const json::object& s) {
    return !s.at("stale").as_bool() && s.at("pv_w").is_number();
  })) << d.log();
  json::object s = site(dir, port);
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), 715.5);
  EXPECT_DOUBLE_EQ(number(s.at("pv_w")), 2315);
  EXPECT_TRUE(s.at("updated_at").is_string());
  const json::array& meters = s.at("meters").as_array();
  ASSERT_EQ(meters.size(), 2u);
  EXPECT_EQ(meters[0].at("role").as_string(), "grid");
  EXPECT_EQ(meters[0].at("type").as_string(), "http");
  EXPECT_EQ(meters[1].at("role").as_string(), "pv");
  std::string metrics = http_get(dir, port, "/metrics");
  EXPECT_NE(metrics.find("offpeak_grid_power_watts 715.5\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("offpeak_pv_power_watts 2315\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("offpeak_meter_stale{meter=\"grid\"} 0"), std::string::npos) << metrics;
  if (fs::exists("/usr/bin/promtool")) {
    dir.write("metrics.txt", metrics);
    const std::string check =
        run(dir, {"/bin/sh", "-c",
                  "/usr/bin/promtool check metrics < " + (dir.path() / "metrics.txt").string() +
                      " && echo PROMTOOL-OK"});
    EXPECT_NE(check.find("PROMTOOL-OK"), std::string::npos) << check;
  }

  // The Shelly stops answering (404): the grid meter turns stale after max_age, said in words,
  // and its power is unknown (null), never 0 or the last value.
  fs::remove(dir.path() / "www/rpc/EM.GetStatus");
  ASSERT_TRUE(d.wait_for("grid meter stale for", 15s)) << d.log();
  EXPECT_NE(d.log().find("grid meter: no reading: http_status 404"), std::string::npos) << d.log();
  s = site(dir, port);
  EXPECT_TRUE(s.at("stale").as_bool());
  EXPECT_TRUE(s.at("grid_w").is_null());
  EXPECT_DOUBLE_EQ(number(s.at("pv_w")), 2315);  // the PV meter still reports
  metrics = http_get(dir, port, "/metrics");
  EXPECT_EQ(metrics.find("offpeak_grid_power_watts"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("offpeak_meter_stale{meter=\"grid\"} 1"), std::string::npos) << metrics;
  const std::string status_cli =
      run(dir, {OFFPEAK_BIN, "status", "--url", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_NE(status_cli.find("grid"), std::string::npos) << status_cli;
  EXPECT_NE(status_cli.find("stale"), std::string::npos) << status_cli;

  // Back: a new body (exporting 2 kW) is read, and the recovery is logged.
  dir.write("www/rpc/EM.GetStatus", "{\"id\":0,\"total_act_power\":-2000.0}");
  ASSERT_TRUE(d.wait_for("grid meter reports again: -2.00 kW", 15s)) << d.log();
  s = site(dir, port);
  EXPECT_FALSE(s.at("stale").as_bool());
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), -2000);

  // SIGHUP without the PV meter: it is gone at once; the unchanged grid meter keeps running
  // with its reading.
  const std::string yaml = config(dir,
                                  "site:\n"
                                  "  grid:\n"
                                  "    type: http\n"
                                  "    url: " +
                                      base +
                                      "/rpc/EM.GetStatus?id=0\n"
                                      "    field: total_act_power\n"
                                      "    interval: 1s\n"
                                      "    max_age: 3s\n");
  dir.write("offpeak.yaml", yaml);
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for("configuration reloaded", 10s)) << d.log();
  s = site(dir, port);
  ASSERT_EQ(s.at("meters").as_array().size(), 1u);
  EXPECT_TRUE(s.at("pv_w").is_null());
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), -2000);
  EXPECT_GE(s.at("meters").as_array()[0].at("readings").as_int64(), 2);

  // The first fresh reading was sampled into the database, then nothing more within a minute.
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(10s), 0) << d.log();
  auto rows = meter_rows(dir.path() / "offpeak.db");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].first == 715.5 || rows[0].second == 2315.0)
      << rows[0].first.value_or(-1) << " " << rows[0].second.value_or(-1);
}

#define REQUIRE_MOSQUITTO()                                                     \
  if (!fs::exists("/usr/bin/mosquitto_pub") ||                                  \
      !(fs::exists("/usr/sbin/mosquitto") || fs::exists("/usr/bin/mosquitto"))) \
  GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed (scripts/install-deps)"

TEST(Meters, MqttTasmotaAndPlainKilowattsThroughMosquitto) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  const unsigned short broker_port = free_port();
  dir.write("broker.conf", "listener " + std::to_string(broker_port) +
                               " 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n");
  Process broker({fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "/usr/bin/mosquitto",
                  "-c", (dir.path() / "broker.conf").string()},
                 (dir.path() / "broker.log").string());
  wait_port(broker_port);
  auto pub = [&](const std::string& topic, const std::string& payload, bool retain = false) {
    std::vector<std::string> args{"/usr/bin/mosquitto_pub",
                                  "-h",
                                  "127.0.0.1",
                                  "-p",
                                  std::to_string(broker_port),
                                  "-t",
                                  topic,
                                  "-m",
                                  payload,
                                  "-q",
                                  "1"};
    if (retain) args.push_back("-r");
    run(dir, args);
  };
  pub("tele/meter/SENSOR", "{\"ENERGY\":{\"Power\":4321}}", true);  // hours old, maybe
  dir.write("offpeak.yaml",
            config(dir, "mqtt: { broker: \"mqtt://127.0.0.1:" + std::to_string(broker_port) +
                            "\", client_id: offpeak-meters }\n"
                            "site:\n"
                            "  grid: { type: mqtt, topic: tele/meter/SENSOR, field: ENERGY.Power, "
                            "max_age: 3s }\n"
                            "  pv: { type: mqtt, topic: solar/power, unit: kW, sign: export, "
                            "max_age: 3s }\n"));
  Process d = start_daemon(dir);
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0) << d.log();
  ASSERT_TRUE(d.wait_for("MQTT: connected", 15s)) << d.log();
  std::this_thread::sleep_for(300ms);  // the subscriptions follow the CONNACK
  // A retained value of unknown age (published before offpeakd subscribed) is not a reading.
  ASSERT_TRUE(d.wait_for("retained meter value ignored", 10s)) << d.log();
  EXPECT_TRUE(site(dir, port).at("grid_w").is_null());
  pub("tele/meter/SENSOR", fixture("tasmota_tele_sensor.json"));
  pub("solar/power", "-3.25");  // an inverter that reports production negative, in kW
  ASSERT_TRUE(wait_site(dir, port, [](const json::object& s) {
    return s.at("grid_w").is_number() && s.at("pv_w").is_number();
  })) << d.log();
  json::object s = site(dir, port);
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), 2298);
  EXPECT_DOUBLE_EQ(number(s.at("pv_w")), 3250);
  EXPECT_FALSE(s.at("stale").as_bool());

  // Published back as retained state, with Home Assistant power sensors for both meters.
  auto retained = [&](const std::string& topic) {
    return run(dir, {"/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker_port),
                     "-t", topic, "-C", "1", "-W", "3"});
  };
  auto wait_retained = [&](const std::string& topic, const std::string& want) {
    for (int i = 0; i < 50; ++i) {
      if (retained(topic) == want + "\n") return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  EXPECT_TRUE(wait_retained("offpeak/grid_power", "2298")) << retained("offpeak/grid_power");
  EXPECT_TRUE(wait_retained("offpeak/pv_power", "3250")) << retained("offpeak/pv_power");
  for (const char* object : {"grid_power", "pv_power"}) {
    const std::string doc =
        retained(std::string("homeassistant/sensor/offpeak/") + object + "/config");
    ASSERT_FALSE(doc.empty()) << object;
    json::object o = json::parse(doc).as_object();
    EXPECT_EQ(o.at("device_class").as_string(), "power");
    EXPECT_EQ(o.at("unit_of_measurement").as_string(), "W");
    EXPECT_EQ(o.at("state_topic").as_string(), std::string("offpeak/") + object);
    EXPECT_EQ(o.at("unique_id").as_string(), std::string("offpeak_") + object);
  }

  // Hostile and broken payloads are counted and logged once per kind, never read as power.
  pub("tele/meter/SENSOR", "{\"ENERGY\":{\"Power\":\"lots\"}}");
  pub("tele/meter/SENSOR", "{\"ENERGY\":{\"Power\":\"lots\"}}");
  pub("tele/meter/SENSOR", std::string(200, '['));
  ASSERT_TRUE(d.wait_for("grid meter: no reading: the payload is not JSON", 10s)) << d.log();
  const std::string log = d.log();
  auto count = [&](const std::string& t) {
    int n = 0;
    for (auto p = log.find(t); p != std::string::npos; p = log.find(t, p + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("(ignored; logged once)"), 2) << log;
  s = site(dir, port);
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), 2298);  // the last good reading, still fresh
  EXPECT_GE(s.at("meters").as_array()[0].at("faults").as_int64(), 3);

  // The publisher stops: stale within max_age (+ the 1 s check), then back on the next message.
  ASSERT_TRUE(d.wait_for("grid meter stale for", 10s)) << d.log();
  EXPECT_TRUE(site(dir, port).at("grid_w").is_null());
  EXPECT_TRUE(wait_retained("offpeak/grid_power", "None"));  // Home Assistant: unknown
  pub("tele/meter/SENSOR", "{\"ENERGY\":{\"Power\":-512}}");
  ASSERT_TRUE(d.wait_for("grid meter reports again: -512 W", 10s)) << d.log();

  // The broker restarts (forgetting everything): offpeakd reconnects, subscribes again, and
  // the meter's next message is read.
  broker.signal(SIGKILL);
  broker.wait(5s);
  Process broker2({fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "/usr/bin/mosquitto",
                   "-c", (dir.path() / "broker.conf").string()},
                  (dir.path() / "broker2.log").string());
  wait_port(broker_port);
  ASSERT_TRUE(d.wait_for("MQTT: connected", 30s, 2)) << d.log();
  std::this_thread::sleep_for(300ms);
  pub("tele/meter/SENSOR", "{\"ENERGY\":{\"Power\":777}}");
  EXPECT_TRUE(wait_site(dir, port, [](const json::object& st) {
    return st.at("grid_w").is_number() && st.at("grid_w").to_number<double>() == 777;
  })) << d.log();
}

TEST(Meters, SunspecMeterAndInverterOverModbusTcp) {
  TempDir dir;
  const unsigned short modbus_port = free_port();
  auto server = std::make_unique<Process>(
      std::vector<std::string>{SUNSPEC_SERVER_BIN, std::to_string(modbus_port)},
      (dir.path() / "modbus.log").string());
  ASSERT_TRUE(server->wait_for("listening on", 10s)) << server->log();
  const std::string address = "\"127.0.0.1:" + std::to_string(modbus_port) + "\"";
  dir.write("offpeak.yaml",
            config(dir,
                   "site:\n"
                   "  grid: { type: sunspec, address: " +
                       address +
                       ", interval: 1s, max_age: 3s, timeout: 1s }\n"
                       "  pv: { type: sunspec, address: " +
                       address + ", device: inverter, interval: 1s, max_age: 3s }\n"));
  Process d = start_daemon(dir);
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0) << d.log();
  ASSERT_TRUE(wait_site(dir, port, [](const json::object& s) {
    return s.at("grid_w").is_number() && s.at("pv_w").is_number();
  })) << d.log();
  json::object s = site(dir, port);
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), -1234);  // meter 203: -12340 x 10^-1, exporting
  EXPECT_DOUBLE_EQ(number(s.at("pv_w")), 3000);     // inverter 103: 30000 x 10^-1
  EXPECT_FALSE(s.at("stale").as_bool());

  // The device goes away: both meters stale, logged; the loop keeps serving the API meanwhile.
  server->signal(SIGKILL);
  server->wait(5s);
  ASSERT_TRUE(d.wait_for("grid meter stale for", 15s)) << d.log();
  ASSERT_TRUE(d.wait_for("pv meter stale for", 15s)) << d.log();
  s = site(dir, port);
  EXPECT_TRUE(s.at("stale").as_bool());
  EXPECT_TRUE(s.at("grid_w").is_null());
  EXPECT_TRUE(s.at("pv_w").is_null());
  EXPECT_NE(d.log().find("cannot connect to Modbus TCP 127.0.0.1:"), std::string::npos) << d.log();

  // It comes back with the meter's W "not implemented" (0x8000): the inverter reads again, the
  // grid stays unknown (never 0) and says why.
  server = std::make_unique<Process>(
      std::vector<std::string>{SUNSPEC_SERVER_BIN, std::to_string(modbus_port),
                               "--meter-w-not-implemented"},
      (dir.path() / "modbus2.log").string());
  ASSERT_TRUE(server->wait_for("listening on", 10s)) << server->log();
  ASSERT_TRUE(d.wait_for("pv meter reports again: 3.00 kW", 15s)) << d.log();
  ASSERT_TRUE(d.wait_for("power not implemented (0x8000)", 15s)) << d.log();
  s = site(dir, port);
  EXPECT_TRUE(s.at("grid_w").is_null());
  EXPECT_TRUE(s.at("stale").as_bool());
  EXPECT_DOUBLE_EQ(number(s.at("pv_w")), 3000);

  // A device with its SunSpec block at 50000: the reads at 40000 and 0 get Modbus exceptions
  // (illegal data address) from the server, then the chain is found and read.
  server->signal(SIGKILL);
  server->wait(5s);
  server = std::make_unique<Process>(
      std::vector<std::string>{SUNSPEC_SERVER_BIN, std::to_string(modbus_port), "--base", "50000"},
      (dir.path() / "modbus3.log").string());
  ASSERT_TRUE(server->wait_for("listening on", 10s)) << server->log();
  ASSERT_TRUE(d.wait_for("grid meter reports again: -1.23 kW", 20s)) << d.log();
  s = site(dir, port);
  EXPECT_DOUBLE_EQ(number(s.at("grid_w")), -1234);
  EXPECT_FALSE(s.at("stale").as_bool());
  EXPECT_TRUE(d.running());
}

}  // namespace
}  // namespace offpeak::testing
