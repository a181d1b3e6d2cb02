// Each day-ahead price source through the real offpeakd (and `offpeak tariff show`) against a
// loopback server (spot_server.py) that serves the real answers in tests/data/spot and checks
// paths, parameters, headers and the token; the SQLite price cache; a failing source keeps
// the cache; the token never reaches the log.
#include "../unit/test_files.hpp"
#include "process.hpp"

#include <offpeak/domain/time.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <regex>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

const std::string k_token = "e2e-secret-token-5b1d";

struct Server {
  explicit Server(const TempDir& dir, const std::string& token = k_token,
                  const std::string& env = "")
      : proc({"/usr/bin/python3", std::string(OFFPEAK_SOURCE_DIR) + "/tests/e2e/spot_server.py",
              std::string(OFFPEAK_SOURCE_DIR) + "/tests/data/spot", token},
             (dir.path() / ("server-" + token + ".log")).string(),
             env.empty() ? std::vector<std::string>{"PYTHONUNBUFFERED=1"}
                         : std::vector<std::string>{"PYTHONUNBUFFERED=1", env}) {
    if (proc.wait_for("port ", 10s)) {
      std::string l = proc.log();
      port = std::stoi(l.substr(l.find("port ") + 5));
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  // The JSON lines of the requests seen.
  std::vector<json::object> requests() {
    std::vector<json::object> out;
    std::stringstream ss(proc.log());
    for (std::string line; std::getline(ss, line);) {
      if (line.empty() || line[0] != '{') continue;
      out.push_back(json::parse(line).as_object());
    }
    return out;
  }
  Process proc;
  int port = 0;
};

unsigned short api_port(Process& d) {
  std::smatch m;
  std::string log = d.log();
  static const std::regex re(R"(API listening on 127\.0\.0\.1:(\d+))");
  if (!std::regex_search(log, m, re)) return 0;
  return static_cast<unsigned short>(std::stoi(m[1].str()));
}

std::string http_get(unsigned short port, const std::string& path) {
  return run_command("/usr/bin/curl -s -m 5 'http://127.0.0.1:" + std::to_string(port) + path + "'")
      .out;
}

std::string config(const TempDir& dir, const std::string& tariff,
                   const std::string& extra = "currency: EUR\n") {
  return "timezone: Europe/Berlin\n" + extra +
         "vehicle: { battery_kwh: 60, max_charge_kw: 11, efficiency: 1.0, source: { type: "
         "simulator, initial_soc: 30 } }\n"
         "tariff: " +
         tariff +
         "\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n";
}

int cached_rows(const TempDir& dir, const std::string& key) {
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT count(*) FROM prices WHERE tariff_code = ?");
  q.bind(1, key);
  q.executeStep();
  return q.getColumn(0).getInt();
}

// Starts offpeakd at `start` (virtual clock, real speed) and waits for `line` in its log.
std::unique_ptr<Process> start_daemon(const TempDir& dir, const std::string& start,
                                      const std::string& line, const std::string& name,
                                      std::vector<std::string> env = {}) {
  auto d = std::make_unique<Process>(
      std::vector<std::string>{OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(),
                               "--log-level", "debug", "--start", start},
      (dir.path() / (name + ".log")).string(), std::move(env));
  EXPECT_TRUE(d->wait_for(line, 20s)) << d->log();
  EXPECT_TRUE(d->wait_for("API listening on", 10s)) << d->log();
  return d;
}

json::array price_slots(unsigned short port, const std::string& from, const std::string& to) {
  std::string body = http_get(port, "/api/v1/prices?from=" + from + "&to=" + to);
  return json::parse(body).at("slots").as_array();
}

TEST(SpotSources, EntsoeThroughTheDaemonWithFormulaCacheAndFailure) {
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("entsoe-token", k_token + "\n");
  dir.write("offpeak.yaml",
            config(dir, "{ type: entsoe, zone: DE-LU, token_file: entsoe-token, base_url: \"" +
                            server.url() + "\", price: { adder: 18.5, vat_percent: 19 } }"));
  auto d = start_daemon(dir, "2025-10-31T10:00:00Z",
                        "ENTSO-E DE-LU prices: 192 fetched in 1 request(s)", "d1");
  // The request: path, parameters (today and tomorrow in CET), the token checked by the server.
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].at("path").as_string(), "/api");
  EXPECT_TRUE(reqs[0].at("ok").as_bool()) << json::serialize(reqs[0]);
  EXPECT_EQ(reqs[0].at("query").at("periodStart").as_string(), "202510302300");
  EXPECT_EQ(reqs[0].at("query").at("periodEnd").as_string(), "202511012300");
  EXPECT_NE(std::string(reqs[0].at("user_agent").as_string()).find("offpeak"), std::string::npos);
  EXPECT_EQ(cached_rows(dir, "entsoe:10Y1001A1001A82H"), 192);
  // The API shows final prices: (10.281 + 18.5) x 1.19 ct/kWh, in 15-minute slots.
  unsigned short port = api_port(*d);
  json::array slots = price_slots(port, "2025-10-31T10:00:00Z", "2025-10-31T11:00:00Z");
  ASSERT_EQ(slots.size(), 4u);
  for (const auto& s : slots) {
    auto a = *parse_rfc3339(std::string(s.at("start").as_string()));
    auto b = *parse_rfc3339(std::string(s.at("end").as_string()));
    EXPECT_EQ(b - a, 15min);
  }
  // The cache holds the spot price; the API the final price of the same quarter-hour.
  {
    SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT price_p_per_kwh FROM prices WHERE tariff_code = ? AND "
                        "valid_from IN ('2025-10-30T23:00:00Z', '2025-10-31T10:00:00Z') "
                        "ORDER BY valid_from");
    q.bind(1, "entsoe:10Y1001A1001A82H");
    ASSERT_TRUE(q.executeStep());
    EXPECT_NEAR(q.getColumn(0).getDouble(), 10.281, 1e-9);  // sequence 1, position 1
    ASSERT_TRUE(q.executeStep());
    const double spot10 = q.getColumn(0).getDouble();
    EXPECT_NEAR(slots[0].at("price_p_per_kwh").to_number<double>(), (spot10 + 18.5) * 1.19, 1e-9);
  }
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
  EXPECT_EQ(d->log().find(k_token), std::string::npos) << "the token must never be logged";

  // A wrong token: the source refuses, the daemon says so, keeps the cache and plans on it.
  dir.write("entsoe-token", "wrong-token\n");
  auto d2 = start_daemon(dir, "2025-10-31T10:05:00Z", "fetching ENTSO-E DE-LU prices failed", "d2");
  EXPECT_NE(d2->log().find("using what is cached"), std::string::npos) << d2->log();
  EXPECT_EQ(cached_rows(dir, "entsoe:10Y1001A1001A82H"), 192);
  port = api_port(*d2);
  EXPECT_EQ(price_slots(port, "2025-10-31T10:00:00Z", "2025-10-31T11:00:00Z").size(), 4u);
  d2->signal(SIGTERM);
  ASSERT_EQ(d2->wait(10s), 0) << d2->log();
  EXPECT_EQ(d2->log().find("wrong-token"), std::string::npos);
  EXPECT_FALSE(server.requests().back().at("ok").as_bool());
}

TEST(SpotSources, TibberWithTheCredentialToken) {
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("creds/tibber-token", k_token + "\n");
  dir.write("offpeak.yaml", config(dir, "{ type: tibber, base_url: \"" + server.url() + "\" }"));
  auto d = start_daemon(dir, "2025-05-18T10:00:00Z", "Tibber prices: 48 fetched in 1 request(s)",
                        "d", {"CREDENTIALS_DIRECTORY=" + (dir.path() / "creds").string()});
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].at("method").as_string(), "POST");
  EXPECT_EQ(reqs[0].at("path").as_string(), "/v1-beta/gql");
  EXPECT_TRUE(reqs[0].at("ok").as_bool()) << json::serialize(reqs[0]);
  EXPECT_EQ(cached_rows(dir, "tibber:"), 48);
  json::array slots = price_slots(api_port(*d), "2025-05-18T10:00:00Z", "2025-05-18T11:00:00Z");
  ASSERT_EQ(slots.size(), 1u);  // hourly, as Tibber answered
  EXPECT_NEAR(slots[0].at("price_p_per_kwh").to_number<double>(), 18.42, 1e-9);  // 12:00+02:00
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
  EXPECT_EQ(d->log().find(k_token), std::string::npos);
}

TEST(SpotSources, NordPoolAsksForTodayAndTomorrow) {
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("offpeak.yaml",
            config(dir, "{ type: nordpool, area: SE3, base_url: \"" + server.url() + "\" }"));
  auto d = start_daemon(dir, "2024-11-05T10:00:00Z",
                        "Nord Pool SE3 prices: 24 fetched in 2 request(s)", "d");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].at("query").at("date").as_string(), "2024-11-05");
  EXPECT_EQ(reqs[1].at("query").at("date").as_string(), "2024-11-06");  // 204: not yet
  EXPECT_EQ(reqs[1].at("why").as_string(), "no content");
  EXPECT_EQ(cached_rows(dir, "nordpool:SE3:EUR"), 24);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
}

TEST(SpotSources, AwattarAndTariffShow) {
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("offpeak.yaml", config(dir, "{ type: awattar, country: de, base_url: \"" +
                                            server.url() + "\", price: { vat_percent: 19 } }"));
  auto d = start_daemon(dir, "2025-11-01T00:30:00Z", "aWATTar DE prices: 2 fetched in 1 request(s)",
                        "d");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].at("path").as_string(), "/v1/marketdata");
  EXPECT_EQ(reqs[0].at("query").at("start").as_string(), "1761951600000");
  EXPECT_EQ(cached_rows(dir, "awattar:de"), 2);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
  // `offpeak tariff show --json` on the same source, with the formula applied.
  CommandResult r = run_command(std::string(OFFPEAK_BIN) + " tariff show --json --config " +
                                (dir.path() / "offpeak.yaml").string() +
                                " --from 2025-10-31T23:00:00Z --hours 2 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  json::array shown = json::parse(r.out).at("slots").as_array();
  ASSERT_EQ(shown.size(), 2u) << r.out;
  EXPECT_NEAR(shown[0].at("price_p_per_kwh").to_number<double>(), 9.35 * 1.19, 1e-9);
  EXPECT_NEAR(shown[1].at("price_p_per_kwh").to_number<double>(), -0.31 * 1.19, 1e-9);
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// The database records its currency; a change is refused on SIGHUP (the previous
// configuration stays) and at start-up (exit 78, nothing converted).
TEST(Currency, ChangeIsRefusedOnSighupAndAtStartUp) {
  TempDir dir;
  dir.write("offpeak.yaml", config(dir, "{ default: 25 }", "currency: EUR\n"));
  auto d = start_daemon(dir, "2025-11-01T10:00:00Z", "plan (first plan)", "d1");
  dir.write("offpeak.yaml", config(dir, "{ default: 25 }", "currency: SEK\n"));
  d->signal(SIGHUP);
  ASSERT_TRUE(d->wait_for("currency changed from EUR to SEK: refused", 10s)) << d->log();
  EXPECT_TRUE(d->running());
  // A valid reload that keeps the currency still works afterwards.
  dir.write("offpeak.yaml", config(dir, "{ default: 30 }", "currency: EUR\nlocale: de_DE\n"));
  d->signal(SIGHUP);
  ASSERT_TRUE(d->wait_for("configuration reloaded", 10s)) << d->log();
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
  {
    SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT value FROM kv WHERE key = 'currency'").getString(), "EUR");
  }
  // The month report speaks euros with the locale's decimal comma.
  const std::string cfg_path = (dir.path() / "offpeak.yaml").string();
  CommandResult rep =
      run_command(std::string(OFFPEAK_BIN) + " report --month 2025-11 --config " + cfg_path);
  ASSERT_EQ(rep.status, 0) << rep.out;
  EXPECT_NE(rep.out.find("€0,00"), std::string::npos) << rep.out;
  EXPECT_EQ(rep.out.find("£"), std::string::npos) << rep.out;
  rep =
      run_command(std::string(OFFPEAK_BIN) + " report --json --month 2025-11 --config " + cfg_path);
  ASSERT_EQ(rep.status, 0) << rep.out;
  EXPECT_EQ(json::parse(rep.out).at("currency").as_string(), "EUR");
  dir.write("offpeak.yaml", config(dir, "{ default: 25 }", "currency: SEK\n"));
  Process again({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--start",
                 "2025-11-01T11:00:00Z"},
                (dir.path() / "d2.log").string());
  EXPECT_EQ(again.wait(10s), 78) << again.log();
  EXPECT_NE(again.log().find("the database holds prices and costs in EUR but currency is SEK"),
            std::string::npos)
      << again.log();
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// The dashboard in headless Chromium on 15-minute ENTSO-E prices in EUR with `locale: de_DE`:
// quarter-hour price bars, euros with decimal commas in the plan, ct on the price axis.
TEST(SpotDashboard, ShowsEurosAndQuarterHourBarsInHeadlessChromium) {
  const std::string chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "chromium is not installed";
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("entsoe-token", k_token + "\n");
  dir.write("offpeak.yaml",
            config(dir,
                   "{ type: entsoe, zone: DE-LU, token_file: entsoe-token, base_url: \"" +
                       server.url() + "\", price: { adder: 18.5, vat_percent: 19 } }",
                   "currency: EUR\nlocale: de_DE\n"));
  auto d = start_daemon(dir, "2025-10-31T16:00:00Z",
                        "ENTSO-E DE-LU prices: 192 fetched in 1 request(s)", "d");
  ASSERT_TRUE(d->wait_for("plan (", 20s)) << d->log();
  const unsigned short port = api_port(*d);
  json::value status = json::parse(http_get(port, "/api/v1/status"));
  EXPECT_EQ(status.at("currency").as_string(), "EUR");
  EXPECT_EQ(status.at("decimal_mark").as_string(), ",");
  // Prometheus: currency-neutral names with the currency as a label.
  const std::string metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("offpeak_price_minor_units_per_kwh{currency=\"EUR\"} "), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("offpeak_plan_cost_minor_units{currency=\"EUR\"} "), std::string::npos);
  // `offpeak status`: euros and ct/kWh with decimal commas.
  CommandResult st = run_command(std::string(OFFPEAK_BIN) + " status --url http://127.0.0.1:" +
                                 std::to_string(port) + " 2>&1");
  ASSERT_EQ(st.status, 0) << st.out;
  EXPECT_TRUE(std::regex_search(st.out, std::regex("price now: +\\d+,\\d\\d ct/kWh"))) << st.out;
  EXPECT_TRUE(std::regex_search(st.out, std::regex("€\\d+,\\d\\d"))) << st.out;
  json::value plan = json::parse(http_get(port, "/api/v1/plan"));
  EXPECT_EQ(plan.at("currency").as_string(), "EUR");
  EXPECT_NE(std::string(plan.at("explanation").as_string()).find("est. cost €"), std::string::npos)
      << plan.at("explanation").as_string();
  EXPECT_NE(std::string(plan.at("explanation").as_string()).find(" ct ("), std::string::npos)
      << plan.at("explanation").as_string();
  const fs::path profile = dir.path() / "chromium-profile";
  const std::string cmd = chromium +
                          " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                          "--disable-background-networking --disable-component-update "
                          "--disable-sync --disable-dev-shm-usage --user-data-dir=" +
                          profile.string() +
                          " --window-size=800,1000 --virtual-time-budget=5000 --dump-dom "
                          "http://127.0.0.1:" +
                          std::to_string(port) + "/ 2>/dev/null";
  const std::string dom = run_command(cmd).out;
  ASSERT_FALSE(dom.empty());
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(dom, m, std::regex(R"re(<svg id="chart"[^>]*data-rendered="(\d+)")re")))
      << dom.substr(0, 4000);
  // The chart spans 08:00-12:00 around now: hourly bars would be at most 21.
  int bars = 0;
  for (std::size_t p = dom.find("class=\"price\""); p != std::string::npos;
       p = dom.find("class=\"price\"", p + 1))
    ++bars;
  EXPECT_GT(bars, 40) << "15-minute bars";
  EXPECT_NE(dom.find("est. €"), std::string::npos) << "the plan's cost in euros";
  // de_DE: decimal commas in what people read ("€1,23", "33,18 ct/kWh", "20,00 kWh").
  EXPECT_TRUE(std::regex_search(dom, std::regex("est\\. €\\d+,\\d\\d"))) << dom.substr(0, 4000);
  EXPECT_TRUE(std::regex_search(dom, std::regex("\\d+,\\d\\d ct/kWh"))) << dom.substr(0, 4000);
  const std::string shown = std::regex_replace(dom, std::regex("<script[^]*?</script>"), "");
  EXPECT_EQ(shown.find("£"), std::string::npos) << "no pounds outside the page's script";
  EXPECT_NE(shown.find("€"), std::string::npos);
  EXPECT_NE(dom.find(" ct</text>"), std::string::npos) << "the price axis in ct";
  EXPECT_NE(dom.find("ct/kWh"), std::string::npos);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// `offpeak backtest --prices` with 15-minute and hourly CSVs, in euros: on quarter-hours where
// only the quarter past each hour is cheap, the controller finds exactly those.
TEST(SpotBacktest, QuarterHourAndHourlyPriceCsvs) {
  TempDir dir;
  std::string q = "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat\n";
  std::string h = q;
  const Instant t0 = *parse_rfc3339("2025-11-03T00:00:00Z");
  for (int i = 0; i < 6 * 96; ++i) {
    const Instant a = t0 + i * std::chrono::minutes{15};
    q += format_rfc3339(a) + "," + format_rfc3339(a + std::chrono::minutes{15}) + "," +
         (i % 4 == 1 ? "2" : "30") + "\n";
    if (i % 4 == 0)
      h += format_rfc3339(a) + "," + format_rfc3339(a + std::chrono::hours{1}) + ",23\n";
  }
  dir.write("q.csv", q);
  dir.write("h.csv", h);
  dir.write("offpeak.yaml",
            "timezone: Europe/Berlin\ncurrency: EUR\n"
            "vehicle: { battery_kwh: 100, max_charge_kw: 11, efficiency: 1.0, source: { type: "
            "simulator } }\n"
            "tariff: { default: 30 }\n"
            "storage: { database: " +
                (dir.path() / "offpeak.db").string() + " }\n");
  auto run = [&](const std::string& csv) {
    return run_command(std::string(OFFPEAK_BIN) + " backtest --json --config " +
                       (dir.path() / "offpeak.yaml").string() + " --prices " +
                       (dir.path() / csv).string() +
                       " --from 2025-11-03 --to 2025-11-03 --arrive 18:00 --depart 07:00 "
                       "--arrive-soc 30 --target 50 2>&1");
  };
  CommandResult rq = run("q.csv");
  ASSERT_EQ(rq.status, 0) << rq.out;
  json::object jq = json::parse(rq.out).as_object();
  // 20 kWh in the cheap quarter-hours at 2 ct: 40 ct, as the optimum.
  EXPECT_NEAR(jq.at("optimal_cost_p").to_number<double>(), 40.0, 1e-6) << rq.out;
  // (the simulated stop lands within seconds: a few Wh more)
  EXPECT_NEAR(jq.at("smart_cost_p").to_number<double>(), 40.0, 0.05) << rq.out;
  EXPECT_EQ(jq.at("per_night").as_array()[0].at("starts").to_number<int>(), 8) << rq.out;
  CommandResult rh = run("h.csv");
  ASSERT_EQ(rh.status, 0) << rh.out;
  EXPECT_NEAR(json::parse(rh.out).at("smart_cost_p").to_number<double>(), 20.0 * 23.0, 0.1)
      << rh.out;
  CommandResult human = run_command(
      std::string(OFFPEAK_BIN) + " backtest --config " + (dir.path() / "offpeak.yaml").string() +
      " --prices " + (dir.path() / "q.csv").string() +
      " --from 2025-11-03 --to 2025-11-03 --arrive 18:00 --depart 07:00 --arrive-soc 30 "
      "--target 50 2>&1");
  ASSERT_EQ(human.status, 0) << human.out;
  EXPECT_NE(human.out.find("€0.40"), std::string::npos) << human.out;

  // The field replay on the same quarter-hours: euros, ct/kWh, and offpeak's loop (polls within
  // the budget, a car that draws 6 kW and lags) charging only in the cheap quarter-hours.
  const std::string field = std::string(OFFPEAK_BIN) + " backtest --field --config " +
                            (dir.path() / "offpeak.yaml").string() + " --prices " +
                            (dir.path() / "q.csv").string() +
                            " --from 2025-11-03 --to 2025-11-05 --seed 3 --target 40";
  CommandResult fj = run_command(field + " --json 2>&1");
  ASSERT_EQ(fj.status, 0) << fj.out;
  json::object doc = json::parse(fj.out).as_object();
  EXPECT_EQ(doc.at("currency").as_string(), "EUR");
  const json::array& strategies = doc.at("strategies").as_array();
  ASSERT_EQ(strategies.size(), 3u);
  const json::object& smart = strategies[0].as_object();
  const json::object& at_plug_in = strategies[2].as_object();
  ASSERT_GT(smart.at("energy_kwh").to_number<double>(), 1.0) << fj.out;
  const double smart_ct =
      smart.at("cost_p").to_number<double>() / smart.at("energy_kwh").to_number<double>();
  const double plug_in_ct =
      at_plug_in.at("cost_p").to_number<double>() / at_plug_in.at("energy_kwh").to_number<double>();
  // 20 kWh fit in the 2 ct quarter-hours of the night at the real car's 6 kW.
  EXPECT_NEAR(smart_ct, 2.0, 0.05) << "only the 2 ct quarter-hours\n" << fj.out;
  EXPECT_EQ(smart.at("above_cheapest_kwh").to_number<double>(), 0.0) << fj.out;
  EXPECT_GT(plug_in_ct, smart_ct + 1.0) << fj.out;
  CommandResult fh = run_command(field + " 2>&1");
  ASSERT_EQ(fh.status, 0) << fh.out;
  EXPECT_NE(fh.out.find("ct/kWh"), std::string::npos) << fh.out;
  EXPECT_NE(fh.out.find("€"), std::string::npos) << fh.out;
  EXPECT_EQ(fh.out.find("£"), std::string::npos) << fh.out;
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// Tomorrow's prices after publication, end to end at 300x: at 11:00 CET the answer holds today
// only, so offpeakd waits for 13:00 CET (no request in between), asks again (published late:
// still today only), again 15 minutes later, and then has tomorrow's quarter-hours.
TEST(SpotRefresh, TomorrowIsFetchedAfterPublicationAndRetriedWhileAbsent) {
  TempDir dir;
  Server server(dir, k_token, "SPOT_ENTSOE_TODAY_ONLY=2");
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("entsoe-token", k_token + "\n");
  dir.write("offpeak.yaml", config(dir,
                                   "{ type: entsoe, zone: DE-LU, token_file: entsoe-token, "
                                   "base_url: \"" +
                                       server.url() + "\" }"));
  const auto t0 = std::chrono::steady_clock::now();
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "300", "--start", "2025-10-31T10:00:00Z"},
            (dir.path() / "d.log").string());
  ASSERT_TRUE(d.wait_for("ENTSO-E DE-LU prices: 96 fetched in 1 request(s)", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("API listening on", 10s)) << d.log();
  const unsigned short port = api_port(d);
  EXPECT_EQ(price_slots(port, "2025-11-01T10:00:00Z", "2025-11-01T11:00:00Z").size(), 0u)
      << "tomorrow is not published yet";
  EXPECT_EQ(price_slots(port, "2025-10-31T20:00:00Z", "2025-10-31T21:00:00Z").size(), 4u);
  // 12:15 UTC (13:15 CET) is 2 h 15 min after the start: 27 s at 300x.
  ASSERT_TRUE(d.wait_for("ENTSO-E DE-LU prices: 192 fetched in 1 request(s)", 90s)) << d.log();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 25s) << "not before 13:15 CET";
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u) << server.proc.log();
  EXPECT_EQ(reqs[0].at("why").as_string(), "today only");
  EXPECT_EQ(reqs[1].at("why").as_string(), "today only");
  EXPECT_EQ(reqs[2].at("why").as_string(), "");
  for (const auto& r : reqs) {
    EXPECT_EQ(r.at("query").at("periodStart").as_string(), "202510302300");
    EXPECT_EQ(r.at("query").at("periodEnd").as_string(), "202511012300");
  }
  EXPECT_EQ(price_slots(port, "2025-11-01T10:00:00Z", "2025-11-01T11:00:00Z").size(), 4u);
  EXPECT_EQ(cached_rows(dir, "entsoe:10Y1001A1001A82H"), 192);
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(10s), 0) << d.log();
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// aWATTar through offpeakd on real DE-LU prices of 28-30 Oct 2023 in aWATTar's shape: one
// request for today and tomorrow (local midnights in ms, Accept: application/json), the
// 25-hour autumn day complete (the 02:00 hour twice), the price formula on every hour.
TEST(SpotSources, AwattarOnRealPricesAcrossThe25HourDay) {
  TempDir dir;
  Server server(dir);
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("offpeak.yaml", config(dir, "{ type: awattar, country: de, base_url: \"" +
                                            server.url() + "\", price: { vat_percent: 19 } }"));
  auto d = start_daemon(dir, "2023-10-29T10:00:00Z",
                        "aWATTar DE prices: 49 fetched in 1 request(s)", "d");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].at("ok").as_bool()) << json::serialize(reqs[0]);
  EXPECT_EQ(reqs[0].at("why").as_string(), "2023 prices");
  // 29 Oct 00:00 CEST = 28 Oct 22:00 UTC; 31 Oct 00:00 CET = 30 Oct 23:00 UTC.
  EXPECT_EQ(reqs[0].at("query").at("start").as_string(), "1698530400000");
  EXPECT_EQ(reqs[0].at("query").at("end").as_string(), "1698706800000");
  EXPECT_EQ(cached_rows(dir, "awattar:de"), 49);
  // Every hour from the API against the file's prices (EUR/MWh / 10 x 1.19 = ct/kWh).
  std::ifstream in(std::string(OFFPEAK_SOURCE_DIR) +
                   "/tests/data/spot/DE-LU_2023-10-28_30_hourly_energycharts.csv");
  std::map<Instant, double> expected;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    // "2023-10-29T02:00+01:00,0.02": the local time and its offset.
    const std::string when = line.substr(0, line.find(','));
    const int sign = when[16] == '-' ? -1 : 1;
    const auto offset = sign * (std::chrono::hours{std::stoi(when.substr(17, 2))} +
                                std::chrono::minutes{std::stoi(when.substr(20, 2))});
    const Instant local = *parse_rfc3339(when.substr(0, 16) + ":00Z");
    expected[local - offset] = std::stod(line.substr(line.find(',') + 1)) / 10.0 * 1.19;
  }
  ASSERT_EQ(expected.size(), 73u);
  // The daemon plans from an hour ago: 14 hours of today and 24 of tomorrow.
  EXPECT_EQ(price_slots(api_port(*d), "2023-10-28T22:00:00Z", "2023-10-30T23:00:00Z").size(), 38u);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
  // `offpeak tariff show` (fetching as the daemon does): both whole days.
  CommandResult r = run_command(std::string(OFFPEAK_BIN) + " tariff show --json --config " +
                                (dir.path() / "offpeak.yaml").string() +
                                " --from 2023-10-28T22:00:00Z --hours 49 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  json::array slots = json::parse(r.out).at("slots").as_array();
  ASSERT_EQ(slots.size(), 49u) << r.out;
  int day29 = 0;
  for (const auto& sl : slots) {
    const Instant a = *parse_rfc3339(std::string(sl.at("start").as_string()));
    ASSERT_TRUE(expected.count(a)) << format_rfc3339(a);
    EXPECT_NEAR(sl.at("price_p_per_kwh").to_number<double>(), expected.at(a), 1e-9)
        << format_rfc3339(a);
    if (a < *parse_rfc3339("2023-10-29T23:00:00Z")) ++day29;
  }
  EXPECT_EQ(day29, 25) << "the 25-hour day";
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// `fallback:` with a day-ahead source: before tomorrow is published the static tariff covers
// it (its prices as they are: no spot formula), today stays the source's with the formula.
TEST(SpotSources, FallbackCoversWhatIsNotYetPublished) {
  TempDir dir;
  Server server(dir, k_token, "SPOT_ENTSOE_TODAY_ONLY=1");
  ASSERT_GT(server.port, 0) << server.proc.log();
  dir.write("entsoe-token", k_token + "\n");
  dir.write("flat.yaml", "name: flat\ndefault: 31.5\n");
  dir.write("offpeak.yaml",
            config(dir, "{ type: entsoe, zone: DE-LU, token_file: entsoe-token, base_url: \"" +
                            server.url() +
                            "\", price: { adder: 10, vat_percent: 0 }, fallback: flat.yaml }"));
  auto d = start_daemon(dir, "2025-10-31T10:00:00Z",
                        "ENTSO-E DE-LU prices: 96 fetched in 1 request(s)", "d");
  ASSERT_TRUE(d->wait_for("the fallback tariff covers the rest", 10s)) << d->log();
  const unsigned short port = api_port(*d);
  json::array today = price_slots(port, "2025-10-31T10:00:00Z", "2025-10-31T10:15:00Z");
  ASSERT_EQ(today.size(), 1u);
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  const double spot =
      db.execAndGet("SELECT price_p_per_kwh FROM prices WHERE valid_from = '2025-10-31T10:00:00Z'")
          .getDouble();
  EXPECT_NEAR(today[0].at("price_p_per_kwh").to_number<double>(), spot + 10.0, 1e-9);
  json::array tomorrow = price_slots(port, "2025-11-01T10:00:00Z", "2025-11-01T11:00:00Z");
  ASSERT_FALSE(tomorrow.empty());
  for (const auto& sl : tomorrow)
    EXPECT_NEAR(sl.at("price_p_per_kwh").to_number<double>(), 31.5, 1e-9) << json::serialize(sl);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0) << d->log();
}

}  // namespace
}  // namespace offpeak::testing
