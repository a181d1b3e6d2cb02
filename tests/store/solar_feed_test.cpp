// The solar forecast feed end to end: the project's HTTP server on loopback serving the real
// forecast.solar, Open-Meteo and Solcast answers, fetched by the daemon's code, cached in a
// real SQLite file, kept after a failed refresh and after a restart, within each quota.

#include <offpeak/net/http_server.hpp>
#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/store/store.hpp>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace offpeak::solar {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono;

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/solar/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Upstream {
  std::mutex m;
  std::vector<std::string> targets;
  std::vector<std::string> authorizations;
  int status = 200;
  std::string error_body;
  std::string forecast_solar, open_meteo, solcast;
};
Upstream* g_upstream = nullptr;

asio::awaitable<net::ServerResponse> serve(net::ServerRequest req) {
  std::lock_guard lock(g_upstream->m);
  g_upstream->targets.push_back(req.target);
  g_upstream->authorizations.push_back(std::string(req.header("Authorization").value_or("")));
  if (g_upstream->status != 200)
    co_return net::make_response(g_upstream->status, g_upstream->error_body);
  if (req.path.find("/estimate/") != std::string::npos)
    co_return net::make_response(200, g_upstream->forecast_solar);
  if (req.path == "/v1/forecast") co_return net::make_response(200, g_upstream->open_meteo);
  if (req.path.rfind("/rooftop_sites/", 0) == 0) {
    if (req.header("Authorization") != "Bearer s0lcast")
      co_return net::make_response(401, R"({"response_status":{"error_code":"Unauthorized",)"
                                        R"("message":"bad key"}})");
    co_return net::make_response(200, g_upstream->solcast);
  }
  co_return net::make_response(404, "{}");
}

class SolarFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.forecast_solar = read_data("forecast_solar_estimate_2022-10-24_reserialized.json");
    upstream_.open_meteo =
        read_data("openmeteo_forecast_minutely15_irradiance_2025-02-24_lat45.84_lon6.86.json");
    upstream_.solcast = read_data("solcast_rooftop_forecasts_24h_2022-10-24.json");
    g_upstream = &upstream_;
    server_ = std::make_unique<net::HttpServer>(io_, net::ServerOptions{}, serve);
    ASSERT_TRUE(server_->listen());
    thread_ = std::thread([this] { io_.run(); });
    std::string tmpl = (fs::temp_directory_path() / "offpeak-solar-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->stop(); });
    thread_.join();
    server_.reset();
    g_upstream = nullptr;
    fs::remove_all(dir_);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::size_t calls() {
    std::lock_guard lock(upstream_.m);
    return upstream_.targets.size();
  }
  config::SolarForecastConfig forecast_solar_cfg() const {
    config::SolarForecastConfig c;
    c.type = config::SolarForecastType::forecast_solar;
    c.latitude = 45.43;
    c.longitude = 5.57;
    c.arrays = {{4.2, 35, 180}, {2.0, 20, 90}};
    c.base_url = base();
    return c;
  }

  Upstream upstream_;
  asio::io_context io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  fs::path dir_;
};

const Instant t0 = sys_days{year{2022} / 10 / 24} + hours{5};

TEST_F(SolarFeed, ForecastSolarArraysSummedCachedAndKeptOverARestart) {
  const auto cfg = forecast_solar_cfg();
  PvForecast first;
  {
    store::Store db(dir_ / "offpeak.db");
    const PvStep s = refresh_pv_if_due(cfg, Zone::utc(), db, t0);
    ASSERT_FALSE(s.error) << *s.error;
    EXPECT_TRUE(s.fetched);
    EXPECT_EQ(s.requests, 2);
    // Both faces got the same real answer: twice its 10.234 + 20.957 kWh.
    EXPECT_NEAR(s.forecast.energy_kwh(t0 - days{1}, t0 + days{3}), 2 * 31.191, 0.1);
    EXPECT_EQ(s.next, t0 + hours{1});
    first = s.forecast;
    std::lock_guard lock(upstream_.m);
    ASSERT_EQ(upstream_.targets.size(), 2u);
    EXPECT_EQ(upstream_.targets[0], "/estimate/45.43/5.57/35/0/4.2");
    EXPECT_EQ(upstream_.targets[1], "/estimate/45.43/5.57/20/-90/2");
  }
  // A restart half an hour later: the forecast comes from the database, no call is sent.
  store::Store db(dir_ / "offpeak.db");
  const PvStep again = refresh_pv_if_due(cfg, Zone::utc(), db, t0 + minutes{30});
  EXPECT_FALSE(again.fetched);
  EXPECT_EQ(again.forecast.intervals, first.intervals);
  EXPECT_EQ(again.next, t0 + hours{1});
  EXPECT_EQ(calls(), 2u);
}

TEST_F(SolarFeed, AFailedRefreshKeepsTheLastForecastAndBacksOff) {
  const auto cfg = forecast_solar_cfg();
  store::Store db(dir_ / "offpeak.db");
  const PvStep ok = refresh_pv_if_due(cfg, Zone::utc(), db, t0);
  ASSERT_FALSE(ok.error);
  {
    std::lock_guard lock(upstream_.m);
    upstream_.status = 429;
    upstream_.error_body =
        R"({"result":null,"message":{"code":429,"type":"error","text":"Rate limit for API calls reached."}})";
  }
  const PvStep failed = refresh_pv_if_due(cfg, Zone::utc(), db, t0 + hours{1});
  ASSERT_TRUE(failed.fetched);
  ASSERT_TRUE(failed.error);
  EXPECT_NE(failed.error->find("HTTP 429"), std::string::npos) << *failed.error;
  EXPECT_EQ(failed.forecast.intervals, ok.forecast.intervals);
  EXPECT_EQ(failed.requests, 1);  // the first face failed: the second is not asked
  EXPECT_EQ(failed.next, t0 + hours{1} + minutes{2});
  // A garbled answer is a failure too, never part of a forecast.
  {
    std::lock_guard lock(upstream_.m);
    upstream_.status = 200;
    upstream_.forecast_solar = R"({"result":{"watts":{"2022-10-24 09:00:00":-1}}})";
  }
  const PvStep garbled = refresh_pv_if_due(cfg, Zone::utc(), db, t0 + hours{1} + minutes{2});
  ASSERT_TRUE(garbled.error);
  EXPECT_EQ(garbled.forecast.intervals, ok.forecast.intervals);
  EXPECT_EQ(garbled.next, t0 + hours{1} + minutes{6});
}

TEST_F(SolarFeed, OpenMeteoIrradianceBecomesPower) {
  config::SolarForecastConfig c;
  c.type = config::SolarForecastType::open_meteo;
  c.latitude = 45.84;
  c.longitude = 6.86;
  c.arrays = {{4.0, 35, 180}};
  c.base_url = base();
  store::Store db(dir_ / "offpeak.db");
  const Instant at = sys_days{year{2025} / 2 / 24};
  const PvStep s = refresh_pv_if_due(c, Zone::utc(), db, at);
  ASSERT_FALSE(s.error) << *s.error;
  EXPECT_GT(s.forecast.energy_kwh(at + days{2}, at + days{3}), 8.0);
  std::lock_guard lock(upstream_.m);
  ASSERT_EQ(upstream_.targets.size(), 1u);
  EXPECT_EQ(upstream_.targets[0].rfind("/v1/forecast?latitude=45.84&longitude=6.86&", 0), 0u);
}

TEST_F(SolarFeed, SolcastSendsItsKeyAndStaysWithinTenCallsADay) {
  config::SolarForecastConfig c;
  c.type = config::SolarForecastType::solcast;
  c.site_ids = {"ab12-cd34"};
  c.api_key = config::Secret("s0lcast");
  c.base_url = base();
  store::Store db(dir_ / "offpeak.db");
  // The daemon's loop over two days: call whenever the step says.
  Instant now = t0;
  int fetches = 0;
  while (now < t0 + days{2}) {
    const PvStep s = refresh_pv_if_due(c, Zone::utc(), db, now);
    if (s.fetched) {
      ASSERT_FALSE(s.error) << *s.error;
      EXPECT_EQ(s.forecast.intervals.size(), 49u);
      ++fetches;
    }
    ASSERT_GT(s.next, now);
    now = s.next;
  }
  EXPECT_EQ(fetches, 16);  // every 3 h: 8 a day
  {
    std::lock_guard lock(upstream_.m);
    for (const auto& a : upstream_.authorizations)
      EXPECT_EQ(a, "Bearer s0lcast");
  }
  // A wrong key: refused, and the key is never in the error.
  c.api_key = config::Secret("wrong");
  c.site_ids = {"other-site"};
  const PvStep bad = refresh_pv_if_due(c, Zone::utc(), db, now);
  ASSERT_TRUE(bad.error);
  EXPECT_NE(bad.error->find("HTTP 401"), std::string::npos) << *bad.error;
  EXPECT_EQ(bad.error->find("wrong"), std::string::npos);
}

}  // namespace
}  // namespace offpeak::solar
