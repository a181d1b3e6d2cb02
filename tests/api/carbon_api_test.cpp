// Carbon intensity through the real offpeakd: the daemon fetches a regional forecast from a
// loopback HTTP server (the project's Beast server, in this process), caches it in its
// database, and plans with `charging.carbon_weight`; the API and the explanation show the
// estimated kg CO2 beside the cost.

#include <offpeak/net/http_server.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// GET on a fresh connection; the body of a 200, else empty.
std::string get(unsigned short port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  const std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.compare(9, 3, "200") != 0) return {};
  return raw.substr(split + 4);
}

// The regional forecast served: 48 h of half hours from 2026-01-10 17:00Z, 300 g/kWh except
// 02:30-05:30Z on 11 January (60 g/kWh), one half hour (23:00Z) without a value.
std::string regional_forecast() {
  json::array data;
  const std::time_t t0 = 1768064400;  // 2026-01-10T17:00:00Z
  for (int i = 0; i < 96; ++i) {
    auto fmt = [](std::time_t t) {
      char b[32];
      std::strftime(b, sizeof b, "%Y-%m-%dT%H:%MZ", std::gmtime(&t));
      return std::string(b);
    };
    const std::time_t a = t0 + i * 1800;
    const std::time_t since = a - 1768098600;  // 2026-01-11T02:30:00Z
    json::object intensity;
    if (a == 1768086000) {  // 2026-01-10T23:00Z
      intensity["forecast"] = nullptr;
    } else {
      intensity["forecast"] = since >= 0 && since < 3 * 3600 ? 60 : 300;
    }
    intensity["index"] = "moderate";
    data.push_back(json::object{{"from", fmt(a)}, {"to", fmt(a + 1800)}, {"intensity", intensity}});
  }
  json::object region{{"regionid", 13}, {"dnoregion", "UKPN London"}, {"shortname", "London"}};
  region["data"] = std::move(data);
  return json::serialize(json::object{{"data", std::move(region)}});
}

struct Upstream {
  std::mutex m;
  std::vector<std::string> targets;
  std::string body;
};
Upstream* g_upstream = nullptr;

asio::awaitable<offpeak::net::ServerResponse> serve(offpeak::net::ServerRequest req) {
  std::lock_guard lock(g_upstream->m);
  g_upstream->targets.push_back(req.target);
  co_return offpeak::net::make_response(200, g_upstream->body);
}

TEST(CarbonDaemon, PlansOnTheGreenestHoursAndShowsKgCo2) {
  Upstream upstream;
  upstream.body = regional_forecast();
  g_upstream = &upstream;
  asio::io_context io;
  offpeak::net::HttpServer server(io, offpeak::net::ServerOptions{}, serve);
  ASSERT_TRUE(server.listen());
  std::thread thread([&io] { io.run(); });

  std::string templ = (fs::temp_directory_path() / "offpeak-carbon-XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  const fs::path dir = templ;
  // Octopus Go: 8.5p from 00:30 to 05:30, the same price all through: the carbon weight
  // decides, and 02:30-05:30 is the greenest.
  std::ofstream(dir / "offpeak.yaml")
      << "timezone: Europe/London\n"
         "vehicle:\n"
         "  battery_kwh: 37.9\n"
         "  max_charge_kw: 7.4\n"
         "  source: { type: simulator, initial_soc: 35, plugged_in: true }\n"
         "charging:\n"
         "  target_soc: 80\n"
         "  ready_by: \"07:30\"\n"
         "  carbon_weight: 50\n"
         "tariff: " OFFPEAK_SOURCE_DIR
         "/config/tariffs/octopus-go.yaml\n"
         "storage: { database: offpeak.db }\n"
         "api: { listen: 127.0.0.1:0 }\n"
         "carbon:\n"
         "  region: 13\n"
         "  base_url: http://127.0.0.1:"
      << server.port() << "\n";
  const fs::path log = dir / "offpeakd.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!std::freopen((dir / "stdout.txt").c_str(), "w", stdout) ||
        !std::freopen(log.c_str(), "w", stderr)) {
      _exit(126);
    }
    const std::string cfg = (dir / "offpeak.yaml").string();
    ::execl(OFFPEAKD_BIN, OFFPEAKD_BIN, "--config", cfg.c_str(), "--speed", "60", "--start",
            "2026-01-10T17:00:00Z", static_cast<char*>(nullptr));
    _exit(127);
  }
  unsigned short port = 0;
  json::value plan;
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    std::smatch m;
    const std::string text = read_file(log);
    static const std::regex re(R"(API listening on 127\.0\.0\.1:(\d+))");
    if (port == 0 && std::regex_search(text, m, re)) {
      port = static_cast<unsigned short>(std::stoi(m[1].str()));
    }
    if (port != 0) {
      const std::string body = get(port, "/api/v1/plan");
      boost::system::error_code ec;
      if (!body.empty()) plan = json::parse(body, ec);
      if (plan.is_object() && plan.as_object().contains("total_co2_kg")) break;
    }
    std::this_thread::sleep_for(100ms);
  }
  const std::string status_body = port != 0 ? get(port, "/api/v1/status") : std::string();
  // SIGHUP with `carbon:` removed: the plans carry no carbon figures any more.
  {
    std::string cfg = read_file(dir / "offpeak.yaml");
    cfg = cfg.substr(0, cfg.find("carbon:\n"));
    std::ofstream(dir / "offpeak.yaml") << cfg;
  }
  ::kill(pid, SIGHUP);
  bool dropped = false;
  for (int i = 0; i < 100 && port != 0 && !dropped; ++i) {
    std::this_thread::sleep_for(100ms);
    boost::system::error_code ec;
    const json::value after = json::parse(get(port, "/api/v1/plan"), ec);
    dropped = !ec && after.is_object() && !after.as_object().contains("total_co2_kg") &&
              read_file(log).find("configuration reloaded") != std::string::npos;
  }
  ::kill(pid, SIGTERM);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  asio::post(io, [&server] { server.stop(); });
  thread.join();
  const std::string text = read_file(log);
  g_upstream = nullptr;

  ASSERT_TRUE(plan.is_object() && plan.as_object().contains("total_co2_kg")) << text;
  EXPECT_TRUE(dropped) << text;
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << text;
  const auto& p = plan.as_object();
  // 18.95 kWh at 7.4 kW: 2 h 34 min, all of it in the green 02:30-05:30 at the same 8.5p.
  const auto& slots = p.at("slots").as_array();
  ASSERT_FALSE(slots.empty());
  EXPECT_EQ(slots.front().at("start").as_string(), "2026-01-11T02:30:00Z") << p.at("explanation");
  for (const auto& s : slots) {
    EXPECT_DOUBLE_EQ(s.at("price_p_per_kwh").to_number<double>(), 8.5);
    EXPECT_DOUBLE_EQ(s.at("carbon_g_per_kwh").to_number<double>(), 60.0);
  }
  EXPECT_NEAR(p.at("total_co2_kg").to_number<double>(), 18.95 * 0.060, 0.01);
  // Charging at once from about 17:00 ends by 19:40, all of it at 300 g/kWh.
  EXPECT_NEAR(p.at("charge_now_co2_kg").to_number<double>(), 18.95 * 0.300, 0.01);
  const std::string explanation(p.at("explanation").as_string());
  EXPECT_NE(explanation.find(" kg charging now)"), std::string::npos) << explanation;
  EXPECT_NE(explanation.find("carbon weighted at 50.00p/kg"), std::string::npos);
  // The status carries the same figures for the dashboard.
  boost::system::error_code ec;
  json::value status = json::parse(status_body, ec);
  ASSERT_FALSE(ec) << status_body;
  EXPECT_NEAR(status.at("plan").at("total_co2_kg").to_number<double>(), 18.95 * 0.060, 0.01);
  // The regional path of the API, and the log line of the fetch.
  {
    std::lock_guard lock(upstream.m);
    ASSERT_FALSE(upstream.targets.empty());
    EXPECT_TRUE(
        std::regex_match(upstream.targets.front(),
                         std::regex(R"(/regional/intensity/2026-01-10T17:0\dZ/fw48h/regionid/13)")))
        << upstream.targets.front();
  }
  EXPECT_NE(text.find("carbon intensity (region 13, London): 95 half-hours, 1 without a value"),
            std::string::npos)
      << text;
  fs::remove_all(dir);
}

}  // namespace
