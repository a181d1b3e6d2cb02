// The sunny demo through the real binaries: config/demo-solar.yaml passes `offpeak check`, and
// offpeakd on it (the simulated house's 4 kWp roof and load from config/demo-house.csv, the
// in-process simulated car on a charger that takes a current) at 600x from 09:00 charges the
// car from the roof's surplus: the API's status shows the site, the surplus and a current set
// for it; /api/v1/site/history has today's rows with the car's power and current, the grid
// barely importing while the car charges; and the dashboard's power chart draws them
// (headless Chromium, skipped when absent).

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

const fs::path k_config_dir = fs::path(OFFPEAK_SOURCE_DIR) / "config";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

double number(const json::value& v) {
  return v.is_double() ? v.as_double() : v.to_number<double>();
}

std::string run(const TempDir& dir, std::vector<std::string> argv) {
  static int n = 0;
  const std::string log = (dir.path() / ("run-" + std::to_string(++n) + ".out")).string();
  Process p(std::move(argv), log);
  p.wait(40s);
  return p.log();
}

std::string http_get(const TempDir& dir, unsigned short port, const std::string& path) {
  return run(dir,
             {"/usr/bin/curl", "-s", "-m", "5", "http://127.0.0.1:" + std::to_string(port) + path});
}

json::value get_json(const TempDir& dir, unsigned short port, const std::string& path) {
  boost::system::error_code ec;
  json::value v = json::parse(http_get(dir, port, path), ec);
  return ec ? json::value(nullptr) : v;
}

TEST(SolarDemo, TheDemoConfigPassesCheck) {
  TempDir dir;
  Process p({OFFPEAK_BIN, "check", "--config", (k_config_dir / "demo-solar.yaml").string()},
            (dir.path() / "check.out").string());
  EXPECT_EQ(p.wait(30s), 0) << p.log();
}

TEST(SolarDemo, ASunnyMorningChargesFromTheSurplus) {
  TempDir dir;
  // The demo's config as it is, with its database, API port and files in places of the test's.
  std::string yaml = read(k_config_dir / "demo-solar.yaml");
  yaml = replaced(yaml, "database: ../demo-solar.db",
                  "database: " + (dir.path() / "offpeak.db").string());
  yaml = replaced(yaml, "listen: 127.0.0.1:8080", "listen: \"127.0.0.1:0\"");
  yaml = replaced(yaml, "tariff: tariffs/octopus-go.yaml",
                  "tariff: " + (k_config_dir / "tariffs/octopus-go.yaml").string());
  const std::string trace = (k_config_dir / "demo-house.csv").string();
  yaml = replaced(yaml, "trace: demo-house.csv", "trace: " + trace);
  yaml = replaced(yaml, "trace: demo-house.csv", "trace: " + trace);
  dir.write("offpeak.yaml", yaml);

  // Today 09:00 UTC (Europe/London in winter; in summer 10:00 local: still morning sun).
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char start[32];
  std::strftime(start, sizeof start, "%Y-%m-%dT09:00:00Z", &tm);
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "600",
             "--start", start},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  std::smatch m;
  const std::string first = d.log();
  ASSERT_TRUE(std::regex_search(first, m, std::regex(R"(API listening on 127\.0\.0\.1:(\d+))")));
  const auto port = static_cast<unsigned short>(std::stoi(m[1].str()));

  // Within a virtual hour or two the car charges for the surplus at a current set for it.
  json::value st;
  bool charging = false;
  for (auto end = std::chrono::steady_clock::now() + 40s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(250ms)) {
    st = get_json(dir, port, "/api/v1/status");
    if (!st.is_object()) continue;
    const auto& c = st.at("charging");
    if (c.at("for_surplus").as_bool() && c.at("current_a").is_number() &&
        number(c.at("current_a")) >= 6) {
      charging = true;
      break;
    }
  }
  ASSERT_TRUE(charging) << json::serialize(st) << "\n" << d.log();
  const json::object& site = st.at("site").as_object();
  EXPECT_FALSE(site.at("stale").as_bool());
  EXPECT_GT(number(site.at("pv_w")), 1000.0);
  EXPECT_TRUE(st.at("switch").at("on").as_bool());
  ASSERT_TRUE(d.wait_for("current set to", 20s)) << d.log();  // follows the sun's climb
  EXPECT_NE(d.log().find("start charging"), std::string::npos) << d.log();

  // A few more virtual hours of samples (one a virtual minute: 10 a second).
  std::this_thread::sleep_for(6s);
  const json::value hist = get_json(dir, port, "/api/v1/site/history");
  ASSERT_TRUE(hist.is_object()) << d.log();
  const json::array& rows = hist.at("samples").as_array();
  const json::value bad = get_json(dir, port, "/api/v1/site/history?from=yesterday");
  EXPECT_TRUE(bad.is_object() && bad.as_object().contains("error")) << json::serialize(bad);
  ASSERT_GT(rows.size(), 30u);
  int charging_rows = 0, importing = 0;
  double max_car = 0;
  // Rows while charging at a current (the first row may still show the simulated charger on
  // at full power from before offpeakd's first command stood it off).
  for (const auto& r : rows) {
    if (!r.at("current_a").is_number() || number(r.at("current_a")) < 6) continue;
    ++charging_rows;
    const double car = number(r.at("car_w"));
    max_car = std::max(max_car, car);
    EXPECT_NEAR(car, number(r.at("current_a")) * 230.0, 1.0) << json::serialize(r);
    // The car takes the surplus: the grid imports at most a current step's worth
    // (whole amperes: under 230 W), plus the load's rise between two readings.
    if (number(r.at("grid_w")) > 500) ++importing;
    EXPECT_GT(number(r.at("pv_w")), car) << json::serialize(r);
  }
  EXPECT_GT(charging_rows, 10) << json::serialize(hist);
  EXPECT_LE(importing, charging_rows / 10) << json::serialize(hist);
  EXPECT_GT(max_car, 1380.0);
  EXPECT_LT(max_car, 4000.0);  // a 4 kWp roof, never the car's 7.4 kW from the grid

  // The dashboard's power chart, as a browser runs it.
  if (fs::exists("/usr/bin/chromium")) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    const std::string dom = run(
        dir, {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--user-data-dir=" + (dir.path() / "chromium").string(),
              "--window-size=800,1400", "--virtual-time-budget=5000", "--dump-dom", url});
    std::smatch r;
    ASSERT_TRUE(std::regex_search(
        dom, r,
        std::regex(
            R"re(<svg id="power"[^>]*data-rendered="(\d+)"[^>]*data-max-car-w="(\d+)"[^>]*data-max-current-a="([\d.]+)")re")))
        << dom.substr(0, 3000);
    EXPECT_GE(std::stoi(r[1].str()), 30);
    EXPECT_GT(std::stoi(r[2].str()), 1380);
    EXPECT_GE(std::stod(r[3].str()), 6.0);
    for (const char* cls : {"power-pv", "power-grid", "power-car", "power-current"})
      EXPECT_NE(dom.find(std::string("class=\"") + cls + "\""), std::string::npos) << cls;
    EXPECT_EQ(dom.find("id=\"power-card\" hidden"), std::string::npos);
  }
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(15s), 0) << d.log();
}

}  // namespace
}  // namespace offpeak::testing
