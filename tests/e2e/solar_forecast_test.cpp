// The solar forecast end to end: the real offpeakd fetching a forecast.solar answer (the real
// one in tests/data/solar) from python3's http.server on loopback, caching it in its SQLite
// file, and after a restart using the cache without calling the source again.

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

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

bool port_open(unsigned short port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/solar/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
    ++n;
  return n;
}

TEST(SolarForecast, DaemonFetchesCachesAndReusesAfterARestart) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "python3 is not installed";
  TempDir dir;
  // http.server maps the forecast.solar path of the configured roof to this file.
  dir.write("www/estimate/45.43/5.57/35/0/4.2",
            fixture("forecast_solar_estimate_2022-10-24_reserialized.json"));
  const unsigned short web = free_port();
  const std::string http_log = (dir.path() / "http.log").string();
  auto server = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/python3", "-m", "http.server", std::to_string(web),
                               "--bind", "127.0.0.1", "--directory", (dir.path() / "www").string()},
      http_log);
  for (int i = 0; i < 250 && !port_open(web); ++i)
    std::this_thread::sleep_for(20ms);
  const std::string db = (dir.path() / "offpeak.db").string();
  dir.write("offpeak.yaml",
            "timezone: Europe/Paris\n"
            "vehicle:\n"
            "  battery_kwh: 37.9\n"
            "  max_charge_kw: 7.4\n"
            "  source: { type: simulator, initial_soc: 35 }\n"
            "tariff: { default: 24.5 }\n"
            "api: { listen: \"127.0.0.1:0\" }\n"
            "storage: { database: " +
                db +
                " }\n"
                "solar_forecast:\n"
                "  type: forecast.solar\n"
                "  latitude: 45.43\n"
                "  longitude: 5.57\n"
                "  arrays: [{ kwp: 4.2, tilt: 35, azimuth: 180 }]\n"
                "  base_url: http://127.0.0.1:" +
                std::to_string(web) + "\n");
  const std::vector<std::string> argv = {OFFPEAKD_BIN, "--config",
                                         (dir.path() / "offpeak.yaml").string()};
  {
    Process d(argv, (dir.path() / "offpeakd-1.log").string());
    ASSERT_TRUE(d.wait_for("solar forecast (forecast.solar):", 20s)) << d.log();
    EXPECT_NE(d.log().find("in 1 request(s)"), std::string::npos) << d.log();
    d.signal(SIGTERM);
    d.wait(10s);
  }
  {
    std::ifstream in(http_log);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(count(ss.str(), "GET /estimate/45.43/5.57/35/0/4.2"), 1) << ss.str();
  }
  {
    SQLite::Database sql(db);
    SQLite::Statement q(sql, "SELECT value FROM kv WHERE key LIKE 'pv_forecast:%:curve'");
    ASSERT_TRUE(q.executeStep());
    // 23 intervals of the real answer (24 points).
    EXPECT_EQ(count(q.getColumn(0).getString(), "],["), 22);
  }
  // The source is gone; a restart within the hour uses the cache and calls nobody.
  server.reset();
  Process d(argv, (dir.path() / "offpeakd-2.log").string());
  ASSERT_TRUE(d.wait_for("solar forecast (forecast.solar): ", 20s)) << d.log();
  EXPECT_TRUE(d.wait_for("ahead from the cache", 5s)) << d.log();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(d.log().find("refresh failed"), std::string::npos) << d.log();
  d.signal(SIGTERM);
  d.wait(10s);
}

}  // namespace
}  // namespace offpeak::testing
