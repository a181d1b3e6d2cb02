// The sun in the plan end to end: the real offpeakd on a virtual clock, a real forecast.solar
// answer (tests/data/solar, its two days shifted to a Friday and a Saturday) served by
// python3's http.server on loopback, three weeks of the home's meter history in its real
// SQLite file, and a Saturday stay planned partly from the sun, seen in /api/v1/plan.

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <offpeak/store/meter_samples.hpp>
#include <offpeak/store/store.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

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

std::string http_get(const TempDir& dir, unsigned short port, const std::string& path) {
  static int n = 0;
  const std::string log = (dir.path() / ("curl-" + std::to_string(++n) + ".out")).string();
  Process p({"/usr/bin/curl", "-s", "-m", "5", "http://127.0.0.1:" + std::to_string(port) + path},
            log);
  p.wait(10s);
  return p.log();
}

double number(const json::value& v) {
  return v.is_double() ? v.as_double() : v.to_number<double>();
}

TEST(SolarPlan, DaemonPlansASaturdayStayPartlyFromTheSun) {
  if (!fs::exists("/usr/bin/python3") || !fs::exists("/usr/bin/curl")) {
    GTEST_SKIP() << "python3 and curl are needed";
  }
  TempDir dir;
  // The real answer's two days (Mon 24 and Tue 25 Oct 2022, local time in Paris) become
  // Friday 11 and Saturday 12 Dec 2026.
  const std::string answer = std::regex_replace(
      std::regex_replace(fixture("forecast_solar_estimate_2022-10-24_reserialized.json"),
                         std::regex("2022-10-24"), "2026-12-11"),
      std::regex("2022-10-25"), "2026-12-12");
  dir.write("www/estimate/45.43/5.57/35/0/4.2", answer);
  const unsigned short web = free_port();
  Process server({"/usr/bin/python3", "-m", "http.server", std::to_string(web), "--bind",
                  "127.0.0.1", "--directory", (dir.path() / "www").string()},
                 (dir.path() / "http.log").string());
  for (int i = 0; i < 250 && !port_open(web); ++i)
    std::this_thread::sleep_for(20ms);

  // Friday 22:00 in Paris. Three weeks of the home drawing 300 W (grid meter, no PV meter).
  const std::string start = "2026-12-11T21:00:00Z";
  const fs::path db = dir.path() / "offpeak.db";
  {
    store::Store s(db);
    const Instant now = *parse_rfc3339(start);
    for (Instant t = now - std::chrono::days{21}; t < now; t += std::chrono::minutes{30})
      store::add_meter_sample(s, {t, 300.0, std::nullopt});
  }
  dir.write("offpeak.yaml",
            "timezone: Europe/Paris\n"
            "vehicle:\n"
            "  battery_kwh: 60\n"
            "  max_charge_kw: 7\n"
            "  efficiency: 0.9\n"
            "  learn: false\n"
            "  source: { type: simulator, initial_soc: 30 }\n"
            "charging:\n"
            "  target_soc: 80\n"
            "  ready_by: \"07:30\"\n"
            "  days: { sat: { ready_by: \"17:00\" } }\n"
            "tariff: { default: 24.5 }\n"
            "site: { export_price: 5.0 }\n"
            "switch: { type: log }\n"
            "api: { listen: \"127.0.0.1:0\" }\n"
            "storage: { database: " +
                db.string() +
                " }\n"
                "solar_forecast:\n"
                "  type: forecast.solar\n"
                "  latitude: 45.43\n"
                "  longitude: 5.57\n"
                "  arrays: [{ kwp: 4.2, tilt: 35, azimuth: 180 }]\n"
                "  base_url: http://127.0.0.1:" +
                std::to_string(web) + "\n");
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "1",
             "--start", start, "--log-level", "debug"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  std::smatch m;
  const std::string log = d.log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(API listening on 127\.0\.0\.1:(\d+))")));
  const auto api = static_cast<unsigned short>(std::stoi(m[1].str()));
  ASSERT_TRUE(d.wait_for("kWh of surplus expected", 30s)) << d.log();

  json::object plan;
  for (int i = 0; i < 100; ++i) {
    const std::string body = http_get(dir, api, "/api/v1/plan");
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object() && v.as_object().contains("total_solar_kwh") &&
        number(v.at("total_solar_kwh")) > 0) {
      plan = v.as_object();
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(plan.empty()) << http_get(dir, api, "/api/v1/plan") << "\n" << d.log();
  EXPECT_EQ(plan.at("ready_by").as_string(), "2026-12-12T16:00:00Z");  // Saturday 17:00
  EXPECT_TRUE(plan.at("feasible").as_bool());
  const double need = number(plan.at("energy_needed_kwh"));
  EXPECT_NEAR(need, 60 * 0.5 / 0.9, 0.01);
  double solar = 0, grid = 0, energy = 0;
  for (const auto& sv : plan.at("slots").as_array()) {
    const auto& s = sv.as_object();
    const double sun = number(s.at("solar_kwh"));
    solar += sun;
    grid += number(s.at("grid_kwh"));
    energy += number(s.at("energy_kwh"));
    if (sun > 0) {  // Saturday daytime, when the forecast has sun
      EXPECT_GE(std::string(s.at("start").as_string()), "2026-12-12T08:00:00Z");
      EXPECT_LE(std::string(s.at("end").as_string()), "2026-12-12T16:00:00Z");
    }
  }
  // The sun pays for part of it (export 5p against 24.5p from the grid), the grid the rest.
  EXPECT_GT(solar, 3.0);
  EXPECT_GT(grid, 0.0);
  EXPECT_NEAR(solar, number(plan.at("total_solar_kwh")), 0.01);
  EXPECT_NEAR(solar + grid, energy, 0.01);
  EXPECT_NEAR(number(plan.at("export_forgone_p")), solar * 5.0, 0.05);
  const std::string why(plan.at("explanation").as_string());
  EXPECT_NE(why.find("kWh from the sun"), std::string::npos) << why;
  EXPECT_NE(why.find("counting on 70 %"), std::string::npos) << why;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(10s), 0) << d.log();
}

// Agile Outgoing through the Agile feed: the export product's prices fetched by offpeakd from
// a loopback server (the real Agile answer of 23 May 2020 served at the export product's
// path), served beside the import prices by /api/v1/prices.
TEST(SolarPlan, AgileOutgoingExportPricesThroughTheAgileFeed) {
  if (!fs::exists("/usr/bin/python3") || !fs::exists("/usr/bin/curl")) {
    GTEST_SKIP() << "python3 and curl are needed";
  }
  TempDir dir;
  const fs::path page = dir.path() /
                        "www/v1/products/AGILE-OUTGOING-19-05-13/electricity-tariffs/"
                        "E-1R-AGILE-OUTGOING-19-05-13-C/standard-unit-rates/index.html";
  fs::create_directories(page.parent_path());
  fs::copy_file(fs::path(OFFPEAK_TEST_DATA) / "teslamateagile_plunge_test.json", page);
  const unsigned short web = free_port();
  Process server({"/usr/bin/python3", "-m", "http.server", std::to_string(web), "--bind",
                  "127.0.0.1", "--directory", (dir.path() / "www").string()},
                 (dir.path() / "http.log").string());
  for (int i = 0; i < 250 && !port_open(web); ++i)
    std::this_thread::sleep_for(20ms);
  dir.write("offpeak.yaml",
            "timezone: Europe/London\n"
            "vehicle: { battery_kwh: 40, max_charge_kw: 7, source: { type: simulator } }\n"
            "tariff: { default: 24.5 }\n"
            "site:\n"
            "  export_tariff: { type: octopus-agile, product: AGILE-OUTGOING-19-05-13, region: C, "
            "base_url: \"http://127.0.0.1:" +
                std::to_string(web) +
                "\" }\n"
                "switch: { type: log }\n"
                "api: { listen: \"127.0.0.1:0\" }\n"
                "storage: { database: " +
                (dir.path() / "offpeak.db").string() + " }\n");
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "1",
             "--start", "2020-05-23T00:00:00Z"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  std::smatch m;
  const std::string log = d.log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(API listening on 127\.0\.0\.1:(\d+))")));
  const auto api = static_cast<unsigned short>(std::stoi(m[1].str()));
  ASSERT_TRUE(d.wait_for("export prices: 11 fetched", 20s)) << d.log();
  const std::string body =
      http_get(dir, api, "/api/v1/prices?from=2020-05-23T00:00:00Z&to=2020-05-23T05:30:00Z");
  json::value v = json::parse(body);
  EXPECT_EQ(v.at("slots").as_array().at(0).at("price_p_per_kwh").to_number<double>(), 24.5);
  const auto& ex = v.at("export").at("slots").as_array();
  ASSERT_EQ(ex.size(), 10u) << body;  // 03:00-04:00 at one price, merged
  EXPECT_EQ(ex[8].at("start").as_string(), "2020-05-23T04:30:00Z");
  EXPECT_DOUBLE_EQ(ex[8].at("price_p_per_kwh").to_number<double>(), -8.6205);
  std::ifstream in(dir.path() / "http.log");
  std::stringstream http_log;
  http_log << in.rdbuf();
  EXPECT_NE(http_log.str().find("GET /v1/products/AGILE-OUTGOING-19-05-13/electricity-tariffs/"
                                "E-1R-AGILE-OUTGOING-19-05-13-C/standard-unit-rates/"),
            std::string::npos)
      << http_log.str();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(10s), 0) << d.log();
}

}  // namespace
}  // namespace offpeak::testing
