// Vehicle sources end to end: the real offpeakd with a virtual clock, its car's state from a
// private Mosquitto (type mqtt), from a loopback server that behaves like Home Assistant's REST
// API (type homeassistant, ha_server.py: real response shapes, 401 on a bad token, 404 on an
// unknown entity), and told through the API, MQTT and `offpeak soc`. A night per source (plan
// from the source's SoC, start in the cheap window, stop at the target); a stale SoC never
// planned on; the request budget; payloads as the field sends them.

#include "../unit/test_files.hpp"
#include "broker.hpp"
#include "process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdio>
#include <regex>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

#define REQUIRE_MOSQUITTO()                                         \
  if (!have("/usr/bin/mosquitto_sub") ||                            \
      !(have("/usr/sbin/mosquitto") || have("/usr/bin/mosquitto"))) \
  GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed (scripts/install-deps)"

// The Go tariff (00:30-05:30 at 8.5p), target 80 % by 07:30, a log switch.
std::string config(const TempDir& dir, const std::string& source, const std::string& more = "") {
  return "timezone: Europe/London\n"
         "vehicle:\n"
         "  name: ioniq\n"
         "  battery_kwh: 37.9\n"
         "  max_charge_kw: 7.4\n"
         "  source:\n" +
         source +
         "charging: { target_soc: 80, ready_by: \"07:30\" }\n"
         "tariff:\n"
         "  name: Go\n"
         "  default: 24.5\n"
         "  periods: [ { start: \"00:30\", end: \"05:30\", price: 8.5 } ]\n"
         "switch: { type: log }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n" +
         more;
}

std::string mqtt_section(const TempDir& dir, const Broker& b) {
  dir.write("mqtt-password", std::string(k_password) + "\n");
  return "mqtt:\n  broker: mqtt://127.0.0.1:" + std::to_string(b.port()) +
         "\n  username: " + k_user + "\n  password_file: mqtt-password\n  client_id: offpeak-car\n";
}

Process start_daemon(const TempDir& dir, const std::string& speed = "3600",
                     const std::string& start = "2026-01-10T17:00:00Z",
                     const std::string& log = "offpeakd.log") {
  return Process({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed",
                  speed, "--start", start, "--log-level", "debug"},
                 (dir.path() / log).string());
}

unsigned short api_port(Process& d) {
  for (int i = 0; i < 100; ++i) {
    std::smatch m;
    const std::string log = d.log();
    static const std::regex re(R"(API listening on 127\.0\.0\.1:(\d+))");
    if (std::regex_search(log, m, re)) return static_cast<unsigned short>(std::stoi(m[1].str()));
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

json::object status(const TempDir& dir, unsigned short port) {
  const std::string body =
      run(dir, {"/usr/bin/curl", "-s", "-m", "5",
                "http://127.0.0.1:" + std::to_string(port) + "/api/v1/status"});
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return ec || !v.is_object() ? json::object{} : v.as_object();
}

struct CommandRow {
  std::string ts, action, reason;
};

std::vector<CommandRow> commands(const TempDir& dir) {
  SQLite::Database d((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT ts, action, reason FROM commands ORDER BY id");
  std::vector<CommandRow> out;
  while (q.executeStep()) {
    out.push_back(
        {q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
  }
  return out;
}

// The night's commands: a start at 00:30 (the cheap window) and a stop before 05:30 (the
// target reached by the estimate), after an initial stand-off stop.
void expect_cheap_night(const TempDir& dir, const std::string& log) {
  auto cmds = commands(dir);
  std::vector<CommandRow> starts, stops;
  for (const auto& c : cmds)
    (c.action == "start" ? starts : stops).push_back(c);
  ASSERT_EQ(starts.size(), 1u) << log;
  EXPECT_EQ(starts[0].ts.substr(0, 16), "2026-01-11T00:30") << log;
  bool stopped_at_target = false;
  for (const auto& s : stops) {
    if (s.ts > starts[0].ts && s.ts < "2026-01-11T05:30:00Z") stopped_at_target = true;
  }
  EXPECT_TRUE(stopped_at_target) << log;
}

double num(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : -1;
}

TEST(VehicleSources, MqttNightFromTeslaMateTopics) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  // TeslaMate publishes retained values.
  b.pub("teslamate/cars/1/battery_level", "40", true);
  b.pub("teslamate/cars/1/plugged_in", "true", true);
  dir.write("offpeak.yaml", config(dir,
                                   "    type: mqtt\n"
                                   "    soc_topic: teslamate/cars/1/battery_level\n"
                                   "    plugged_topic: teslamate/cars/1/plugged_in\n"
                                   "    max_age: 24h\n",
                                   mqtt_section(dir, b)));
  Process d = start_daemon(dir);
  // The retained value's age is unknown: nothing is planned on it until TeslaMate publishes
  // again (a live message).
  ASSERT_TRUE(d.wait_for("retained message of unknown age", 20s)) << d.log();
  b.pub("teslamate/cars/1/battery_level", "40", true);
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  EXPECT_NE(d.log().find("SoC 40%"), std::string::npos) << d.log();
  ASSERT_TRUE(d.wait_for("start charging", 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("stop charging: ", 30s, 2)) << d.log();
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
  expect_cheap_night(dir, d.log());
  // Pushed: no requests to anyone's cloud.
  EXPECT_EQ(d.log().find("requests of 40 allowed"), std::string::npos);
}

TEST(VehicleSources, MqttStaleSocIsShownAndNeverPlannedOn) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  b.pub("car/soc", "40", true);
  b.pub("car/plugged", "on", true);
  dir.write("offpeak.yaml", config(dir,
                                   "    type: mqtt\n"
                                   "    soc_topic: car/soc\n"
                                   "    plugged_topic: car/plugged\n"
                                   "    max_age: 1h\n",
                                   mqtt_section(dir, b)));
  Process d = start_daemon(dir);
  ASSERT_TRUE(d.wait_for("stale, not planned on", 20s)) << d.log();
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0);
  json::object s = status(dir, port);
  EXPECT_EQ(s["stale"], json::value(true)) << json::serialize(s);
  EXPECT_TRUE(s["plan"].is_null()) << json::serialize(s);
  // Through the cheap window: nothing starts on a SoC nobody vouches for.
  ASSERT_TRUE(d.wait_for("\"2026-01-11T06", 0ms) || true);
  std::this_thread::sleep_for(9s);  // 17:00 -> past 02:00 at 3600x
  for (const auto& c : commands(dir))
    EXPECT_NE(c.action, "start") << c.ts << " " << c.reason;
  // A fresh value is planned on at once.
  b.pub("car/soc", "41");
  ASSERT_TRUE(d.wait_for("start charging", 20s)) << d.log();
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
}

// A retained SoC (the broker's stored copy, delivered at subscription) may be days old: it is
// shown as stale and never planned on until a live message, retained or not, arrives.
TEST(VehicleSources, MqttRetainedSocIsStaleUntilALiveMessage) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  b.pub("car/soc", "40", true);
  b.pub("car/plugged", "on", true);
  dir.write("offpeak.yaml", config(dir,
                                   "    type: mqtt\n"
                                   "    soc_topic: car/soc\n"
                                   "    plugged_topic: car/plugged\n"
                                   "    max_age: 24h\n",
                                   mqtt_section(dir, b)));
  Process d = start_daemon(dir, "600");
  ASSERT_TRUE(d.wait_for("the SoC 40% on car/soc is a retained message of unknown age", 20s))
      << d.log();
  ASSERT_TRUE(d.wait_for("stale, not planned on", 20s)) << d.log();
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0);
  json::object s = status(dir, port);
  EXPECT_EQ(s["stale"], json::value(true)) << json::serialize(s);
  EXPECT_TRUE(s["plan"].is_null()) << json::serialize(s);
  EXPECT_EQ(d.log().find("plan (first plan)"), std::string::npos) << d.log();
  // A live message (published now, while offpeakd is subscribed) is planned on at once.
  b.pub("car/soc", "42", true);
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  EXPECT_NE(d.log().find("SoC 42%"), std::string::npos) << d.log();
  s = status(dir, port);
  EXPECT_EQ(s["stale"], json::value(false)) << json::serialize(s);
  EXPECT_EQ(num(s, "soc"), 42.0) << json::serialize(s);
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
}

TEST(VehicleSources, MqttPayloadsAsTheFieldSendsThem) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  dir.write("offpeak.yaml", config(dir,
                                   "    type: mqtt\n"
                                   "    soc_topic: car/soc\n"
                                   "    plugged_topic: zigbee2mqtt/garage-plug\n"
                                   "    plugged_field: state\n"
                                   "    plugged_on: [\"ON\"]\n"
                                   "    plugged_off: [\"OFF\"]\n",
                                   mqtt_section(dir, b)));
  Process d = start_daemon(dir, "1");
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(d.wait_for("MQTT: connected", 15s)) << d.log();
  auto soc_after = [&](const std::string& payload) {
    b.pub("car/soc", payload);
    std::this_thread::sleep_for(700ms);
    return status(dir, port);
  };
  EXPECT_EQ(num(soc_after("45"), "soc"), 45);
  EXPECT_EQ(num(soc_after("\"46.0\""), "soc"), 46);
  EXPECT_EQ(num(soc_after("47.0"), "soc"), 47);
  // Junk is logged and ignored: the last value stays.
  EXPECT_EQ(num(soc_after("fourty-eight"), "soc"), 47);
  EXPECT_NE(d.log().find("the SoC on car/soc ignored: expected a number, got 'fourty-eight'"),
            std::string::npos)
      << d.log();
  EXPECT_EQ(num(soc_after("147"), "soc"), 47);
  // unavailable, unknown, null: not known, never 0.
  EXPECT_TRUE(soc_after("unavailable")["soc"].is_null());
  EXPECT_EQ(num(soc_after("50"), "soc"), 50);
  EXPECT_TRUE(soc_after("null")["soc"].is_null());
  EXPECT_EQ(num(soc_after("51"), "soc"), 51);
  EXPECT_TRUE(soc_after("unknown")["soc"].is_null());
  // zigbee2mqtt's plug document.
  b.pub("zigbee2mqtt/garage-plug", R"({"state":"OFF","power":0,"linkquality":98})");
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(status(dir, port)["plugged_in"], json::value(false));
  b.pub("zigbee2mqtt/garage-plug", R"({"state":"ON","power":7210.5,"linkquality":98})");
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(status(dir, port)["plugged_in"], json::value(true));
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
}

TEST(VehicleSources, DelayFromAnMqttSocMessageToANewPlan) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  b.pub("car/plugged", "true", true);
  dir.write("offpeak.yaml", config(dir,
                                   "    type: mqtt\n"
                                   "    soc_topic: car/soc\n"
                                   "    plugged_topic: car/plugged\n",
                                   mqtt_section(dir, b)));
  Process d = start_daemon(dir, "1", "2026-01-10T20:00:00Z");
  ASSERT_TRUE(d.wait_for("MQTT: connected", 15s)) << d.log();
  std::this_thread::sleep_for(300ms);
  const auto sent = std::chrono::steady_clock::now();
  b.pub("car/soc", "30");
  ASSERT_TRUE(d.wait_for("plan (first plan)", 10s)) << d.log();
  const double first_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
  const auto sent2 = std::chrono::steady_clock::now();
  b.pub("car/soc", "60");
  ASSERT_TRUE(d.wait_for("plan (state of charge differs from the plan)", 10s)) << d.log();
  const double second_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent2).count();
  // Both include mosquitto_pub's own start (a process) and this test's polling of the log.
  std::printf("MQTT SoC message to new plan: first %.0f ms, changed SoC %.0f ms\n", first_ms,
              second_ms);
  EXPECT_LT(second_ms, 3000.0);
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
}

TEST(VehicleSources, ToldSocThroughApiMqttAndCli) {
  REQUIRE_MOSQUITTO();
  TempDir dir;
  Broker b(dir);
  dir.write("offpeak.yaml", config(dir, "    type: none\n", mqtt_section(dir, b)));
  Process d = start_daemon(dir, "1");
  const unsigned short port = api_port(d);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(d.wait_for("MQTT: connected", 15s)) << d.log();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  // The API.
  const std::string answer = run(dir, {"/usr/bin/curl", "-s", "-m", "5", "-X", "POST", "-d",
                                       R"({"soc": 42})", base + "/api/v1/soc"});
  json::object s = json::parse(answer).as_object();
  EXPECT_EQ(num(s, "soc"), 42) << answer;
  EXPECT_EQ(s["soc_told"], json::value(true)) << answer;
  ASSERT_TRUE(d.wait_for("plan (first plan)", 10s)) << d.log();
  const std::string bad = run(dir, {"/usr/bin/curl", "-s", "-m", "5", "-X", "POST", "-d",
                                    R"({"soc": 142})", base + "/api/v1/soc"});
  EXPECT_NE(bad.find("soc: expected a number 0..100"), std::string::npos) << bad;
  // MQTT: <prefix>/soc/set (not retained), and the Home Assistant number entity for it.
  b.pub("offpeak/soc/set", "55");
  ASSERT_TRUE(d.wait_for("SoC told through MQTT: 55%", 10s)) << d.log();
  EXPECT_EQ(num(status(dir, port), "soc"), 55);
  const std::string entity = b.retained("homeassistant/number/offpeak/tell_soc/config");
  EXPECT_NE(entity.find("\"command_topic\":\"offpeak/soc/set\""), std::string::npos) << entity;
  b.pub("offpeak/soc/set", "66", true);  // retained: ignored
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(num(status(dir, port), "soc"), 55);
  // The CLI.
  const std::string cli = run(dir, {OFFPEAK_BIN, "soc", "70", "--url", base});
  EXPECT_NE(cli.find("told the daemon: SoC 70%"), std::string::npos) << cli;
  EXPECT_EQ(num(status(dir, port), "soc"), 70);
  // Each told reading is recorded.
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT soc FROM samples WHERE told = 1 ORDER BY id");
  std::vector<double> socs;
  while (q.executeStep())
    socs.push_back(q.getColumn(0).getDouble());
  EXPECT_EQ(socs, (std::vector<double>{42, 55, 70}));
}

// Home Assistant's REST API, stood in for by ha_server.py.
class HomeAssistant {
 public:
  explicit HomeAssistant(const TempDir& dir, std::string token = "ha-long-lived-token")
      : dir_(dir), token_(std::move(token)) {
    set(R"({})");
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", HA_SERVER_PY,
                                 (dir.path() / "ha-states.json").string(), token_},
        (dir.path() / "ha.log").string());
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::smatch m;
      const std::string log = process_->log();
      static const std::regex re(R"(port (\d+))");
      if (std::regex_search(log, m, re)) port_ = static_cast<unsigned short>(std::stoi(m[1]));
      std::this_thread::sleep_for(25ms);
    }
  }
  // Replaces every state (a JSON object: entity_id -> {"state", "attributes", ...}).
  void set(const std::string& states) const {
    dir_.write("ha-states.json.tmp", states);
    fs::rename(dir_.path() / "ha-states.json.tmp", dir_.path() / "ha-states.json");
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  unsigned short port() const { return port_; }
  // Requests answered so far (one JSON line each).
  int requests(const std::string& status = "") const {
    const std::string log = process_->log();
    int n = 0;
    for (std::size_t at = log.find("{\"path\""); at != std::string::npos;
         at = log.find("{\"path\"", at + 1)) {
      const std::string line = log.substr(at, log.find('\n', at) - at);
      if (status.empty() || line.find("\"status\": " + status) != std::string::npos) ++n;
    }
    return n;
  }

 private:
  const TempDir& dir_;
  std::string token_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
};

// The car as Home Assistant last heard of it, at 17:00 on the virtual clock (the car then
// sleeps: the integration reports nothing new all night).
constexpr const char* k_ha_states = R"({
  "sensor.ioniq_5_battery_level": {"state": "40", "attributes": {"unit_of_measurement": "%",
      "device_class": "battery", "state_class": "measurement",
      "friendly_name": "IONIQ 5 Battery level"},
      "last_updated": "2026-01-10T16:58:12.123456+00:00",
      "last_reported": "2026-01-10T17:00:00.000000+00:00"},
  "binary_sensor.ioniq_5_plugged_in": {"state": "on", "attributes": {"device_class": "plug",
      "friendly_name": "IONIQ 5 Plugged in"},
      "last_updated": "2026-01-10T17:00:00+00:00"}
})";

std::string ha_source(const HomeAssistant& ha, const std::string& more = "") {
  return "    type: homeassistant\n"
         "    url: " +
         ha.url() +
         "\n"
         "    token_file: ha-token\n"
         "    soc_entity: sensor.ioniq_5_battery_level\n"
         "    plugged_entity: binary_sensor.ioniq_5_plugged_in\n" +
         more;
}

TEST(VehicleSources, HomeAssistantNightWithinTheBudget) {
  TempDir dir;
  HomeAssistant ha(dir);
  ASSERT_NE(ha.port(), 0);
  ha.set(k_ha_states);
  dir.write("ha-token", "ha-long-lived-token\n");
  dir.write("offpeak.yaml",
            config(dir, ha_source(ha, "    max_age: 24h\n") + "  poll: { max_per_day: 10 }\n"));
  Process d = start_daemon(dir);
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  EXPECT_NE(d.log().find("SoC 40%"), std::string::npos) << d.log();
  ASSERT_TRUE(d.wait_for("start charging", 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("stop charging: ", 30s, 2)) << d.log();
  // Into the next day: the budget starts again at 00:00 UTC.
  std::this_thread::sleep_for(8s);
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
  expect_cheap_night(dir, d.log());
  // Two entities a poll, at most 10 requests a UTC day: at most 20 over the two days touched.
  EXPECT_LE(ha.requests(), 20) << d.log();
  EXPECT_GE(ha.requests("200"), 4);
  const std::string log = d.log();
  static const std::regex day_re(R"(\((\d+) requests of 10 allowed\))");
  for (std::sregex_iterator it(log.begin(), log.end(), day_re), end; it != end; ++it) {
    EXPECT_LE(std::stoi((*it)[1].str()), 10) << log;
  }
  EXPECT_EQ(log.find("ha-long-lived-token"), std::string::npos) << "the token reached the log";
}

// Any JSON API: here ha_server.py's state document read at dotted paths, with the secret in a
// header template.
TEST(VehicleSources, HttpJsonApiNight) {
  TempDir dir;
  HomeAssistant api(dir, "json-api-secret");
  ASSERT_NE(api.port(), 0);
  api.set(k_ha_states);
  dir.write("api-secret", "json-api-secret\n");
  dir.write("offpeak.yaml", config(dir, "    type: http\n    url: " + api.url() +
                                            "/api/states/sensor.ioniq_5_battery_level\n"
                                            "    headers: { Authorization: \"Bearer {secret}\" }\n"
                                            "    secret_file: api-secret\n"
                                            "    soc_field: state\n"
                                            "    range_field: attributes.range_km\n"
                                            "    max_age: 24h\n"));
  Process d = start_daemon(dir);
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  EXPECT_NE(d.log().find("SoC 40%"), std::string::npos) << d.log();
  // The car behind the API: its SoC rises while the switch is on (7.4 kW, 90 % into a 37.9 kWh
  // battery: 3.5 % per 0.2 s of real time at 3600x).
  auto count = [&](const std::string& text) {
    const std::string log = d.log();
    int n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
      ++n;
    return n;
  };
  double soc = 40;
  for (int i = 0; i < 200 && count("stop charging: ") < 2; ++i) {
    if (count("start charging: ") >= count("stop charging: ")) soc = std::min(100.0, soc + 3.51);
    char state[160];
    std::snprintf(state, sizeof state,
                  R"({"sensor.ioniq_5_battery_level": {"state": "%.0f",
                      "attributes": {"range_km": %.0f}}})",
                  soc, soc * 3.2);
    api.set(state);
    std::this_thread::sleep_for(200ms);
  }
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(5s), 0);
  expect_cheap_night(dir, d.log());
  EXPECT_GE(soc, 78.0);
  EXPECT_LE(soc, 90.0);
  EXPECT_GE(api.requests("200"), 3);
  EXPECT_EQ(api.requests("401"), 0);
  EXPECT_EQ(d.log().find("json-api-secret"), std::string::npos) << "the secret reached the log";
}

TEST(VehicleSources, HomeAssistantUnavailableStaleBadTokenAndUnknownEntity) {
  TempDir dir;
  HomeAssistant ha(dir);
  ASSERT_NE(ha.port(), 0);
  // Unavailable: unknown, never 0.
  ha.set(R"({"sensor.ioniq_5_battery_level": {"state": "unavailable", "attributes": {}},
             "binary_sensor.ioniq_5_plugged_in": {"state": "on"}})");
  dir.write("ha-token", "ha-long-lived-token\n");
  dir.write("offpeak.yaml", config(dir, ha_source(ha)));
  {
    Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z", "offpeakd-1.log");
    const unsigned short port = api_port(d);
    ASSERT_NE(port, 0);
    ASSERT_TRUE(d.wait_for("observed ioniq", 15s)) << d.log();
    json::object s = status(dir, port);
    EXPECT_TRUE(s["soc"].is_null()) << json::serialize(s);
    EXPECT_EQ(s["plugged_in"], json::value(true)) << json::serialize(s);
    EXPECT_TRUE(s["plan"].is_null());
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait(5s), 0);
  }
  // A SoC Home Assistant last heard of long ago: stale, not planned on.
  ha.set(R"({"sensor.ioniq_5_battery_level": {"state": "45.0", "attributes": {},
             "last_updated": "2026-01-09T08:00:00+00:00",
             "last_reported": "2026-01-09T08:00:00+00:00"},
             "binary_sensor.ioniq_5_plugged_in": {"state": "on"}})");
  {
    Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z", "offpeakd-2.log");
    const unsigned short port = api_port(d);
    ASSERT_TRUE(d.wait_for("stale", 15s)) << d.log();
    json::object s = status(dir, port);
    EXPECT_EQ(s["stale"], json::value(true)) << json::serialize(s);
    EXPECT_TRUE(s["plan"].is_null()) << json::serialize(s);
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait(5s), 0);
  }
  // A wrong token: 401, said plainly, never echoed.
  ha.set(k_ha_states);
  dir.write("ha-token", "not-the-token\n");
  {
    Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z", "offpeakd-3.log");
    ASSERT_TRUE(d.wait_for("refused the token (401)", 15s)) << d.log();
    EXPECT_EQ(d.log().find("not-the-token"), std::string::npos);
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait(5s), 0);
  }
  // An unknown entity: 404, named.
  dir.write("ha-token", "ha-long-lived-token\n");
  dir.write("offpeak.yaml",
            config(dir, "    type: homeassistant\n    url: " + ha.url() +
                            "\n    token_file: ha-token\n    soc_entity: sensor.kona_battery\n"));
  {
    Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z", "offpeakd-4.log");
    ASSERT_TRUE(d.wait_for("has no entity sensor.kona_battery (404)", 15s)) << d.log();
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait(5s), 0);
  }
  // `offpeak vehicle` reads the same source once (in real time: states reported now).
  ha.set(R"({"sensor.ioniq_5_battery_level": {"state": "40", "attributes": {}},
             "binary_sensor.ioniq_5_plugged_in": {"state": "on"}})");
  dir.write("offpeak.yaml", config(dir, ha_source(ha)));
  const std::string out = run(
      dir, {OFFPEAK_BIN, "vehicle", "--config", (dir.path() / "offpeak.yaml").string(), "--json"});
  json::value v = json::parse(out.substr(out.find('{')));
  EXPECT_EQ(v.at("soc"), json::value(40)) << out;
  EXPECT_EQ(v.at("plugged_in"), json::value(true)) << out;
}

// Runs a program to its end; its exit status and output.
std::pair<int, std::string> run_status(const TempDir& dir, std::vector<std::string> argv) {
  static int n = 0;
  Process p(std::move(argv), (dir.path() / ("cli-" + std::to_string(++n) + ".out")).string());
  const int status = p.wait(60s);
  return {status, p.log()};
}

TEST(VehicleSources, SetupFromHomeAssistantAndCheckWarnings) {
  TempDir dir;
  HomeAssistant ha(dir);
  ASSERT_NE(ha.port(), 0);
  ha.set(R"({
    "sensor.ioniq_5_battery_level": {"state": "40", "attributes": {"unit_of_measurement": "%",
        "device_class": "battery"}},
    "sensor.pixel_battery_level": {"state": "81", "attributes": {"unit_of_measurement": "%",
        "device_class": "battery"}},
    "binary_sensor.ioniq_5_plugged_in": {"state": "on", "attributes": {"device_class": "plug"}},
    "sensor.outdoor_temperature": {"state": "4.5", "attributes": {"device_class": "temperature"}}
  })");
  dir.write("token", "ha-long-lived-token\n");
  const std::string cfg = (dir.path() / "etc" / "offpeak.yaml").string();
  const std::vector<std::string> base{OFFPEAK_BIN,
                                      "setup",
                                      "--non-interactive",
                                      "--config",
                                      cfg,
                                      "--vehicle-source",
                                      "homeassistant",
                                      "--ha-url",
                                      ha.url(),
                                      "--ha-token-file",
                                      (dir.path() / "token").string()};
  // Without --soc-entity: the battery entities to choose from.
  auto [listed, list_out] = run_status(dir, base);
  EXPECT_EQ(listed, 2) << list_out;
  EXPECT_NE(list_out.find("1) sensor.ioniq_5_battery_level (40 %)"), std::string::npos) << list_out;
  EXPECT_NE(list_out.find("2) sensor.pixel_battery_level (81 %)"), std::string::npos) << list_out;
  EXPECT_EQ(list_out.find("outdoor"), std::string::npos) << list_out;
  // An unknown entity, a wrong token.
  auto args = base;
  args.insert(args.end(), {"--soc-entity", "sensor.kona_battery"});
  auto [unknown, unknown_out] = run_status(dir, args);
  EXPECT_EQ(unknown, 1) << unknown_out;
  EXPECT_NE(unknown_out.find("(404)"), std::string::npos) << unknown_out;
  dir.write("bad-token", "nope\n");
  args = base;
  args[args.size() - 1] = (dir.path() / "bad-token").string();
  args.insert(args.end(), {"--soc-entity", "sensor.ioniq_5_battery_level"});
  auto [refused, refused_out] = run_status(dir, args);
  EXPECT_EQ(refused, 77) << refused_out;
  EXPECT_FALSE(fs::exists(cfg));
  // The car's entities: written, read once, checked.
  args = base;
  args.insert(args.end(), {"--soc-entity", "sensor.ioniq_5_battery_level", "--plugged-entity",
                           "binary_sensor.ioniq_5_plugged_in", "--name", "ioniq"});
  auto [ok, ok_out] = run_status(dir, args);
  ASSERT_EQ(ok, 0) << ok_out;
  EXPECT_NE(ok_out.find("Home Assistant: sensor.ioniq_5_battery_level is 40 %"), std::string::npos)
      << ok_out;
  EXPECT_NE(ok_out.find("offpeak check: ok"), std::string::npos) << ok_out;
  const fs::path token = dir.path() / "etc" / "ha-token";
  EXPECT_EQ((fs::status(token).permissions() & fs::perms::all),
            fs::perms::owner_read | fs::perms::owner_write);
  auto [checked, check_out] = run_status(dir, {OFFPEAK_BIN, "check", "--config", cfg});
  EXPECT_EQ(checked, 0) << check_out;
  EXPECT_NE(check_out.find("homeassistant (" + ha.url()), std::string::npos) << check_out;
  EXPECT_EQ(check_out.find("warning"), std::string::npos) << check_out;
  // No source of the SoC and no OCPP charger: nothing can tell when the car is plugged in.
  auto [none, none_out] = run_status(dir, {OFFPEAK_BIN, "setup", "--non-interactive", "--force",
                                           "--config", cfg, "--vehicle-source", "none"});
  ASSERT_EQ(none, 0) << none_out;
  auto [warned, warn_out] = run_status(dir, {OFFPEAK_BIN, "check", "--config", cfg});
  EXPECT_EQ(warned, 0) << warn_out;
  EXPECT_NE(warn_out.find("warning    nothing tells offpeak when the car is plugged in"),
            std::string::npos)
      << warn_out;
}

}  // namespace
}  // namespace offpeak::testing
