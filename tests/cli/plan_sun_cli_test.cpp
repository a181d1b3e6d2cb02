// `offpeak plan` with the sun: the real binary on a real SQLite file holding three weeks of the
// home's meter rows and a forecast cached by the real refresh (a forecast.solar answer from
// tests/data/solar, its days shifted, served by python3's http.server on loopback).

#include "../unit/test_files.hpp"

#include <offpeak/config/config.hpp>
#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/store/meter_samples.hpp>
#include <offpeak/store/store.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace {

using offpeak::testing::CommandResult;
using offpeak::testing::TempDir;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono;

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

TEST(PlanSunCli, PlansASaturdayPartlyFromTheCachedForecast) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "python3 is needed";
  TempDir dir;
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) +
                       "/solar/forecast_solar_estimate_2022-10-24_reserialized.json",
                   std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  dir.write(
      "www/estimate/45.43/5.57/35/0/4.2",
      std::regex_replace(std::regex_replace(body.str(), std::regex("2022-10-24"), "2026-12-11"),
                         std::regex("2022-10-25"), "2026-12-12"));
  const unsigned short web = free_port();
  const pid_t server = fork();
  if (server == 0) {
    const std::string port = std::to_string(web), www = (dir.path() / "www").string();
    std::freopen("/dev/null", "w", stderr);
    execl("/usr/bin/python3", "python3", "-m", "http.server", port.c_str(), "--bind", "127.0.0.1",
          "--directory", www.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 250 && !port_open(web); ++i)
    std::this_thread::sleep_for(20ms);
  const std::string config = dir.write("offpeak.yaml",
                                       "timezone: Europe/Paris\n"
                                       "vehicle:\n"
                                       "  battery_kwh: 60\n"
                                       "  max_charge_kw: 7\n"
                                       "  efficiency: 0.9\n"
                                       "  source: { type: simulator }\n"
                                       "tariff: { default: 24.5 }\n"
                                       "site:\n"
                                       "  export_tariff: { default: 5.0 }\n"
                                       "storage: { database: offpeak.db }\n"
                                       "solar_forecast:\n"
                                       "  type: forecast.solar\n"
                                       "  latitude: 45.43\n"
                                       "  longitude: 5.57\n"
                                       "  arrays: [{ kwp: 4.2, tilt: 35, azimuth: 180 }]\n"
                                       "  base_url: http://127.0.0.1:" +
                                           std::to_string(web) + "\n")
                                 .string();
  offpeak::config::Environment env;
  env.working_directory = dir.path();
  const auto loaded = offpeak::config::load_config(config, env);
  ASSERT_TRUE(loaded.config) << loaded.errors.at(0).to_string();
  const offpeak::Instant now = *offpeak::parse_rfc3339("2026-12-11T21:00:00Z");
  {
    offpeak::store::Store db(dir.path() / "offpeak.db");
    for (offpeak::Instant t = now - days{21}; t < now; t += minutes{30})
      offpeak::store::add_meter_sample(db, {t, 300.0, std::nullopt});
    const auto step = offpeak::solar::refresh_pv_if_due(*loaded.config->solar_forecast,
                                                        loaded.config->zone, db, now);
    ASSERT_FALSE(step.error) << *step.error;
    ASSERT_FALSE(step.forecast.empty());
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);

  const CommandResult r = offpeak::testing::run_command(
      std::string(OFFPEAK_BIN) + " plan --json --config " + config +
      " --soc 30 --target 80 --now 2026-12-11T21:00:00Z --ready-by 2026-12-12T16:00:00Z 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const json::object plan = json::parse(r.out).as_object();
  ASSERT_TRUE(plan.contains("total_solar_kwh")) << r.out;
  const double solar = plan.at("total_solar_kwh").to_number<double>();
  EXPECT_GT(solar, 3.0) << r.out;
  EXPECT_GT(plan.at("total_grid_kwh").to_number<double>(), 0.0) << r.out;
  EXPECT_NEAR(plan.at("export_forgone_p").to_number<double>(), solar * 5.0, 0.05);
  EXPECT_TRUE(plan.at("feasible").as_bool());
  const std::string why(plan.at("explanation").as_string());
  EXPECT_NE(why.find("kWh from the sun"), std::string::npos) << why;
  // The table says the same: the sun's share per slot and the export forgone.
  const CommandResult t = offpeak::testing::run_command(
      std::string(OFFPEAK_BIN) + " plan --config " + config +
      " --soc 30 --target 80 --now 2026-12-11T21:00:00Z --ready-by 2026-12-12T16:00:00Z 2>&1");
  ASSERT_EQ(t.status, 0) << t.out;
  EXPECT_NE(t.out.find("kWh, about "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(" kWh from the sun)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(" of export forgone"), std::string::npos) << t.out;
}

}  // namespace
