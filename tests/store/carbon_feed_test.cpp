// The carbon intensity feed end to end: a real HTTP server on loopback (the project's Beast
// server) serving the real national response and a regional one, fetched by the same code as
// the daemon, cached in a real SQLite file, read back after a failed fetch and after a restart.

#include <offpeak/net/http_server.hpp>
#include <offpeak/store/store.hpp>
#include <offpeak/tariffs/carbon_feed.hpp>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace offpeak::tariffs {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What the server answers and what it was asked; shared with the handler (one per process).
struct Upstream {
  std::mutex m;
  std::vector<std::string> targets;
  int status = 200;
  std::string national;
  std::string regional;
};
Upstream* g_upstream = nullptr;

asio::awaitable<net::ServerResponse> serve(net::ServerRequest req) {
  std::lock_guard lock(g_upstream->m);
  g_upstream->targets.push_back(req.target);
  if (g_upstream->status != 200) co_return net::make_response(g_upstream->status, "{}");
  if (req.path.rfind("/regional/", 0) == 0) co_return net::make_response(200, g_upstream->regional);
  co_return net::make_response(200, g_upstream->national);
}

class CarbonFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.national = read_data("carbon_national_fw48h_2023-03-14T1201Z.json");
    upstream_.regional = R"({"data":{"regionid":13,"dnoregion":"UKPN London","shortname":"London",
      "data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":150}},
              {"from":"2023-03-14T12:30Z","to":"2023-03-14T13:00Z","intensity":{"forecast":null}},
              {"from":"2023-03-14T13:00Z","to":"2023-03-14T13:30Z","intensity":{"forecast":140}}]}})";
    g_upstream = &upstream_;
    server_ = std::make_unique<net::HttpServer>(io_, net::ServerOptions{}, serve);
    ASSERT_TRUE(server_->listen());
    thread_ = std::thread([this] { io_.run(); });
    std::string tmpl = (fs::temp_directory_path() / "offpeak-carbon-XXXXXX").string();
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
  config::CarbonConfig cfg() const {
    config::CarbonConfig c;
    c.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    return c;
  }

  Upstream upstream_;
  asio::io_context io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  fs::path dir_;
};

TEST_F(CarbonFeed, FetchesCachesAndKeepsTheCacheWhenTheApiFails) {
  const Instant now = at("2023-03-14T12:01:00Z");
  const Instant from = at("2023-03-14T12:00:00Z"), to = at("2023-03-17T00:00:00Z");
  {
    store::Store db(dir_ / "offpeak.db");
    CarbonRefresh r = refresh_carbon(cfg(), &db, now, from, to);
    ASSERT_FALSE(r.error) << *r.error;
    EXPECT_EQ(r.fetched, 96U);
    ASSERT_EQ(r.known.slots().size(), 96U);
    EXPECT_EQ(r.known.price_at(at("2023-03-14T12:10:00Z")), 93.0);
    EXPECT_EQ(db.carbon_fetched_at("national"), now);
    {
      std::lock_guard lock(upstream_.m);
      ASSERT_EQ(upstream_.targets.size(), 1U);
      EXPECT_EQ(upstream_.targets[0], "/intensity/2023-03-14T12:01Z/fw48h");
      upstream_.status = 503;
    }
    // The API fails: the error is reported, the cache still answers, nothing is invented.
    CarbonRefresh failed = refresh_carbon(cfg(), &db, now + std::chrono::hours{1}, from, to);
    ASSERT_TRUE(failed.error);
    EXPECT_NE(failed.error->find("503"), std::string::npos) << *failed.error;
    EXPECT_EQ(failed.known, r.known);
    EXPECT_EQ(db.carbon_fetched_at("national"), now);
  }
  // After a restart the cache is there without the network.
  store::Store again(dir_ / "offpeak.db");
  const PriceCurve cached = cached_carbon(cfg(), again, from, to);
  EXPECT_EQ(cached.slots().size(), 96U);
  EXPECT_FALSE(cached.price_at(at("2023-03-16T12:00:00Z")));  // past the forecast: unknown
}

TEST_F(CarbonFeed, RegionalForecastKeepsUnknownSlotsUnknown) {
  const Instant now = at("2023-03-14T12:00:00Z");
  store::Store db(dir_ / "offpeak.db");
  config::CarbonConfig c = cfg();
  c.region = 13;
  CarbonRefresh r = refresh_carbon(c, &db, now, now, now + std::chrono::hours{2});
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.region_name, "London");
  EXPECT_EQ(r.unknown, 1);
  EXPECT_EQ(r.known.price_at(at("2023-03-14T12:15:00Z")), 150.0);
  EXPECT_FALSE(r.known.price_at(at("2023-03-14T12:45:00Z")));  // null: a gap, not 0
  EXPECT_EQ(r.known.price_at(at("2023-03-14T13:15:00Z")), 140.0);
  // Cached under the region, not the national key.
  EXPECT_TRUE(db.load_carbon("national", now, now + std::chrono::hours{2}).empty());
  EXPECT_EQ(db.load_carbon("region 13", now, now + std::chrono::hours{2}).slots().size(), 2U);
  {
    std::lock_guard lock(upstream_.m);
    ASSERT_EQ(upstream_.targets.size(), 1U);
    EXPECT_EQ(upstream_.targets[0], "/regional/intensity/2023-03-14T12:00Z/fw48h/regionid/13");
  }
  c.region.reset();
  c.postcode = "SW1A";
  ASSERT_FALSE(refresh_carbon(c, &db, now, now, now + std::chrono::hours{2}).error);
  std::lock_guard lock(upstream_.m);
  EXPECT_EQ(upstream_.targets.back(), "/regional/intensity/2023-03-14T12:00Z/fw48h/postcode/SW1A");
}

TEST_F(CarbonFeed, AnUnreadableResponseChangesNothing) {
  upstream_.national =
      R"({"data":[{"from":"2023-03-14T12:00Z","to":"2023-03-14T12:30Z","intensity":{"forecast":-1}}]})";
  store::Store db(dir_ / "offpeak.db");
  const Instant now = at("2023-03-14T12:00:00Z");
  CarbonRefresh r = refresh_carbon(cfg(), &db, now, now, now + std::chrono::hours{2});
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("between 0 and 5000"), std::string::npos) << *r.error;
  EXPECT_TRUE(r.known.empty());
  EXPECT_FALSE(db.carbon_fetched_at("national"));
}

}  // namespace
}  // namespace offpeak::tariffs
