// 15-minute prices over MQTT: the real offpeakd on ENTSO-E quarter-hours (spot_server.py
// serving the real DE-LU answer) publishing to a private Mosquitto (anonymous, free loopback
// port): `price_now` changes at each quarter-hour boundary, and Home Assistant's discovery
// shows the money sensors in euros. Skipped when Mosquitto is not installed.

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <offpeak/domain/time.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

const std::string k_token = "mqtt-spot-token-31c";

unsigned short free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

const char* mosquitto_bin() {
  return fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "/usr/bin/mosquitto";
}

// The spot price (ct/kWh) cached for each quarter-hour start.
std::map<Instant, double> cached_prices(const TempDir& dir) {
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT valid_from, price_p_per_kwh FROM prices WHERE tariff_code = ?");
  q.bind(1, "entsoe:10Y1001A1001A82H");
  std::map<Instant, double> out;
  while (q.executeStep())
    out[*parse_rfc3339(q.getColumn(0).getString())] = q.getColumn(1).getDouble();
  return out;
}

std::string two_decimals(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

TEST(SpotMqtt, PriceNowChangesAtEachQuarterHourAndHomeAssistantSeesEuros) {
  if (!fs::exists("/usr/bin/mosquitto_sub") || !fs::exists(mosquitto_bin()))
    GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed (scripts/install-deps)";
  TempDir dir;
  const unsigned short port = free_port();
  dir.write("broker.conf", "listener " + std::to_string(port) +
                               " 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n");
  Process broker({mosquitto_bin(), "-c", (dir.path() / "broker.conf").string()},
                 (dir.path() / "broker.log").string());
  Process server({"/usr/bin/python3", std::string(OFFPEAK_SOURCE_DIR) + "/tests/e2e/spot_server.py",
                  std::string(OFFPEAK_SOURCE_DIR) + "/tests/data/spot", k_token},
                 (dir.path() / "server.log").string(), {"PYTHONUNBUFFERED=1"});
  ASSERT_TRUE(server.wait_for("port ", 10s)) << server.log();
  const std::string slog = server.log();
  const int server_port = std::stoi(slog.substr(slog.find("port ") + 5));
  dir.write("entsoe-token", k_token + "\n");
  dir.write("offpeak.yaml",
            "timezone: Europe/Berlin\ncurrency: EUR\n"
            "vehicle: { name: i3s, battery_kwh: 60, max_charge_kw: 11, efficiency: 1.0, source: "
            "{ type: simulator, initial_soc: 30 } }\n"
            "tariff: { type: entsoe, zone: DE-LU, token_file: entsoe-token, base_url: "
            "\"http://127.0.0.1:" +
                std::to_string(server_port) +
                "\" }\n"
                "storage: { database: " +
                (dir.path() / "offpeak.db").string() +
                " }\n"
                "mqtt: { broker: \"mqtt://127.0.0.1:" +
                std::to_string(port) + "\", client_id: offpeak-spot }\n");
  // 10:07 UTC at 60x: the quarter-hours from 10:15 follow each other every 15 s.
  const Instant start = *parse_rfc3339("2025-10-31T10:07:00Z");
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "60",
             "--start", format_rfc3339(start), "--log-level", "debug"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("ENTSO-E DE-LU prices: 192 fetched", 20s)) << d.log();
  // Every price_now published over about 50 virtual minutes (the first one retained).
  Process sub(
      {"/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t",
       "offpeak/price_now", "-t", "homeassistant/sensor/offpeak/+/config", "-v", "-W", "50"},
      (dir.path() / "sub.log").string());
  sub.wait(60s);  // ends when -W times out
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(10s), 0) << d.log();

  std::vector<std::string> seen;
  std::map<std::string, json::object> configs;
  std::stringstream ss(sub.log());
  for (std::string line; std::getline(ss, line);) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string topic = line.substr(0, sp);
    if (topic == "offpeak/price_now") {
      // (a "None" retained from before the first fetch may still be the first message)
      if (!(seen.empty() && line.substr(sp + 1) == "None")) seen.push_back(line.substr(sp + 1));
    } else if (topic.find("/config") != std::string::npos && sp + 1 < line.size()) {
      configs[topic] = json::parse(line.substr(sp + 1)).as_object();
    }
  }
  // The quarter-hours' prices from 10:00, each change once, in order: at least the 10:15,
  // 10:30, 10:45 and 11:00 boundaries passed within the 50 minutes.
  const auto prices = cached_prices(dir);
  std::vector<std::string> expected;
  for (Instant t = *parse_rfc3339("2025-10-31T10:00:00Z"); t < start + 55min; t += 15min) {
    const std::string v = two_decimals(prices.at(t));
    if (expected.empty() || expected.back() != v) expected.push_back(v);
  }
  ASSERT_GE(expected.size(), 4u) << "the fixture's quarter-hours around 10:00 differ";
  ASSERT_GE(seen.size(), 4u) << sub.log();
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], expected.at(i)) << "message " << i << "\n" << sub.log();
  for (std::size_t i = 1; i < seen.size(); ++i)
    EXPECT_NE(seen[i], seen[i - 1]) << "only changes are published";

  const json::object& price = configs.at("homeassistant/sensor/offpeak/price_now/config");
  EXPECT_EQ(price.at("unit_of_measurement").as_string(), "EUR/kWh");
  const json::object& cost = configs.at("homeassistant/sensor/offpeak/planned_cost/config");
  EXPECT_EQ(cost.at("unit_of_measurement").as_string(), "EUR");
  EXPECT_EQ(cost.at("device_class").as_string(), "monetary");
}

}  // namespace
}  // namespace offpeak::testing
