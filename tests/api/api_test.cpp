// The local API against the real offpeakd: a simulated car on a virtual clock
// (--speed 60), the API on 127.0.0.1:0 (the port is read from the daemon's log line), a
// temporary database. Also `offpeak status`, promtool and a headless Chromium run when those
// programs are installed (skipped otherwise).

#include <gtest/gtest.h>
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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_token = "test-token-0123456789";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path make_temp_dir(const char* tag) {
  std::string templ =
      (fs::temp_directory_path() / (std::string("offpeak-") + tag + "-XXXXXX")).string();
  char* made = ::mkdtemp(templ.data());
  if (!made) throw std::runtime_error("mkdtemp failed");
  return made;
}

// Runs argv with stdout/stderr to files; returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    std::FILE* o = std::freopen(out.c_str(), "w", stdout);
    std::FILE* e = std::freopen(err.c_str(), "w", stderr);
    if (!o || !e) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Waits for a child; its exit status, or -1 (signal) / -2 (timeout, then killed).
int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -2;
    }
    std::this_thread::sleep_for(20ms);
  }
}

struct Reply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  json::value json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    return ec ? json::value(nullptr) : v;
  }
  std::string header(const std::string& name) const {
    std::regex re("\r\n" + name + ": ([^\r]*)", std::regex::icase);
    std::smatch m;
    return std::regex_search(head, m, re) ? m[1].str() : "";
  }
};

// One HTTP/1.1 exchange on a fresh connection (Connection: close), read to EOF.
Reply http(unsigned short port, const std::string& method, const std::string& target,
           const std::string& body = "", const std::string& extra_headers = "") {
  Reply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return reply;
  }
  std::string req = method + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  std::size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer 413 and close before reading everything
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return reply;
  reply.head = raw.substr(0, split + 2);
  reply.body = raw.substr(split + 4);
  reply.status = std::atoi(raw.substr(9, 3).c_str());
  return reply;
}

std::string auth() {
  return std::string("Authorization: Bearer ") + k_token + "\r\n";
}

// A running offpeakd on a temporary config and database.
class Daemon {
 public:
  explicit Daemon(fs::path dir) : dir_(std::move(dir)) {
    if (!fs::exists(dir_ / "offpeak.yaml")) write_config();
  }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the daemon and waits for "API listening on 127.0.0.1:PORT". False on failure.
  bool start() {
    log_ = dir_ / ("offpeakd-" + std::to_string(++runs_) + ".log");
    fs::remove(log_);  // an earlier Daemon on this directory may have left one
    pid_ = spawn({OFFPEAKD_BIN, "--config", (dir_ / "offpeak.yaml").string(), "--speed", "60",
                  "--start", "2026-01-10T17:00:00Z"},
                 dir_ / "stdout.txt", log_);
    const std::regex re(R"(API listening on 127\.0\.0\.1:(\d+))");
    const auto end = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < end) {
      std::smatch m;
      const std::string text = read_file(log_);
      if (std::regex_search(text, m, re)) {
        port_ = static_cast<unsigned short>(std::stoi(m[1].str()));
        return true;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // SIGTERM; the exit status (expected 0 within 5 s).
  int stop() {
    ::kill(pid_, SIGTERM);
    const int rc = wait_exit(pid_, 5s);
    pid_ = -1;
    return rc;
  }

  void signal(int sig) const { ::kill(pid_, sig); }
  unsigned short port() const { return port_; }
  std::string log() const { return read_file(log_); }
  const fs::path& dir() const { return dir_; }

 private:
  void write_config() {
    std::ofstream(dir_ / "api-token") << k_token << "\n";
    fs::permissions(dir_ / "api-token", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(dir_ / "offpeak.yaml") << "timezone: Europe/London\n"
                                            "vehicle:\n"
                                            "  name: test i3s\n"
                                            "  battery_kwh: 37.9\n"
                                            "  max_charge_kw: 7.4\n"
                                            "  source:\n"
                                            "    type: simulator\n"
                                            "    initial_soc: 35\n"
                                            "    plugged_in: true\n"
                                            "charging:\n"
                                            "  target_soc: 80\n"
                                            "  ready_by: \"07:30\"\n"
                                            "tariff: " OFFPEAK_SOURCE_DIR
                                            "/config/tariffs/octopus-go.yaml\n"
                                            "site:\n"
                                            "  export_tariff: { default: 4.1, periods: [ { "
                                            "start: \"16:00\", end: \"19:00\", price: 15 } ] }\n"
                                            "switch:\n"
                                            "  type: log\n"
                                            "storage:\n"
                                            "  database: offpeak.db\n"
                                            "api:\n"
                                            "  listen: 127.0.0.1:0\n"
                                            "  token_file: api-token\n"
                                            "log:\n"
                                            "  level: info\n";
  }

  fs::path dir_;
  fs::path log_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  int runs_ = 0;
};

// Polls `f` until it returns true or the timeout passes.
template <typename F>
bool eventually(F f, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return f();
}

std::optional<fs::path> find_program(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) return fs::path(c);
  }
  return std::nullopt;
}

bool is_error_body(const Reply& r) {
  json::value v = r.json();
  return v.is_object() && v.as_object().contains("error") && v.as_object().at("error").is_string();
}

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(make_temp_dir("api"));
    daemon_ = new Daemon(*dir_);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    // Wait for the first observation and plan.
    ASSERT_TRUE(eventually([] { return http(port(), "GET", "/api/v1/plan").status == 200; }))
        << daemon_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
    delete daemon_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static unsigned short port() { return daemon_->port(); }

  static fs::path* dir_;
  static Daemon* daemon_;
};
fs::path* ApiTest::dir_ = nullptr;
Daemon* ApiTest::daemon_ = nullptr;

TEST_F(ApiTest, Healthz) {
  Reply r = http(port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("status").as_string(), "ok");
  EXPECT_NE(r.header("Content-Type").find("application/json"), std::string::npos);
}

TEST_F(ApiTest, StatusHasTheDocumentedFields) {
  Reply r = http(port(), "GET", "/api/v1/status");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.json();
  const auto& s = doc.as_object();
  for (const char* key :
       {"soc", "charging_state", "plugged_in", "observed_at", "mode", "target_soc", "ready_by",
        "next_action", "plan", "switch", "prices", "now", "timezone"}) {
    EXPECT_TRUE(s.contains(key)) << key << " missing in " << r.body;
  }
  EXPECT_DOUBLE_EQ(s.at("soc").to_number<double>(), 35.0);
  EXPECT_EQ(s.at("plugged_in").as_bool(), true);
  EXPECT_EQ(s.at("mode").as_string(), "smart");
  EXPECT_EQ(s.at("ready_by").as_string(), "2026-01-11T07:30:00Z");
  const std::string observed(s.at("observed_at").as_string());
  EXPECT_EQ(observed.back(), 'Z');
  ASSERT_TRUE(s.at("next_action").is_object());
  EXPECT_EQ(s.at("next_action").at("action").as_string(), "start");
  EXPECT_EQ(s.at("next_action").at("at").as_string(), "2026-01-11T00:30:00Z");
  EXPECT_TRUE(s.at("plan").at("feasible").as_bool());
  EXPECT_FALSE(s.at("switch").at("failing").as_bool());
  EXPECT_TRUE(s.at("prices").at("covers_ready_by").as_bool());
  // The token never appears anywhere.
  EXPECT_EQ(r.body.find(k_token), std::string::npos);
  EXPECT_EQ(daemon_->log().find(k_token), std::string::npos);
}

TEST_F(ApiTest, PlanIsThePlanCommandJson) {
  Reply r = http(port(), "GET", "/api/v1/plan");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.json();
  const auto& p = doc.as_object();
  for (const char* key : {"now", "ready_by", "soc", "target_soc", "energy_needed_kwh", "feasible",
                          "slots", "total_energy_kwh", "total_cost_p", "explanation"}) {
    EXPECT_TRUE(p.contains(key)) << key;
  }
  ASSERT_FALSE(p.at("slots").as_array().empty());
  EXPECT_EQ(p.at("slots").as_array()[0].at("start").as_string(), "2026-01-11T00:30:00Z");
  EXPECT_DOUBLE_EQ(p.at("slots").as_array()[0].at("price_p_per_kwh").to_number<double>(), 8.5);
}

TEST_F(ApiTest, PricesInARange) {
  Reply r = http(port(), "GET", "/api/v1/prices?from=2026-01-11T00:00:00Z&to=2026-01-11T06:00:00Z");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.json();
  const auto& slots = doc.at("slots").as_array();
  ASSERT_EQ(slots.size(), 3u) << r.body;
  EXPECT_EQ(slots[0].at("start").as_string(), "2026-01-11T00:00:00Z");
  EXPECT_EQ(slots[1].at("start").as_string(), "2026-01-11T00:30:00Z");
  EXPECT_EQ(slots[1].at("end").as_string(), "2026-01-11T05:30:00Z");
  EXPECT_EQ(slots[2].at("end").as_string(), "2026-01-11T06:00:00Z");
  // Beside them, what exporting earns (site.export_tariff: 4.1p, 15p from 16:00 to 19:00).
  const auto& night = doc.at("export").at("slots").as_array();
  ASSERT_EQ(night.size(), 1u) << r.body;
  EXPECT_EQ(night[0].at("price_p_per_kwh").to_number<double>(), 4.1);
  Reply eve =
      http(port(), "GET", "/api/v1/prices?from=2026-01-11T12:00:00Z&to=2026-01-11T20:00:00Z");
  ASSERT_EQ(eve.status, 200) << eve.body;
  const json::value eve_doc = eve.json();
  const auto& ex = eve_doc.at("export").at("slots").as_array();
  ASSERT_EQ(ex.size(), 3u) << eve.body;
  EXPECT_EQ(ex[1].at("start").as_string(), "2026-01-11T16:00:00Z");
  EXPECT_EQ(ex[1].at("price_p_per_kwh").to_number<double>(), 15.0);
  EXPECT_EQ(http(port(), "GET", "/api/v1/prices?from=yesterday").status, 400);
  EXPECT_EQ(http(port(), "GET", "/api/v1/prices?from=2026-01-12T00:00:00Z&to=2026-01-11T00:00:00Z")
                .status,
            400);
}

TEST_F(ApiTest, HistorySessionsCommands) {
  Reply h = http(port(), "GET", "/api/v1/history");
  ASSERT_EQ(h.status, 200) << h.body;
  ASSERT_FALSE(h.json().at("samples").as_array().empty()) << h.body;
  EXPECT_DOUBLE_EQ(h.json().at("samples").as_array()[0].at("soc").to_number<double>(), 35.0);
  Reply h2 =
      http(port(), "GET", "/api/v1/history?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z");
  ASSERT_EQ(h2.status, 200);
  EXPECT_TRUE(h2.json().at("samples").as_array().empty());
  EXPECT_EQ(http(port(), "GET", "/api/v1/history?limit=0").status, 400);

  Reply s = http(port(), "GET", "/api/v1/sessions");
  ASSERT_EQ(s.status, 200) << s.body;
  ASSERT_EQ(s.json().at("sessions").as_array().size(), 1u) << s.body;
  EXPECT_TRUE(s.json().at("sessions").as_array()[0].at("ended_at").is_null());
  {
    // Each session carries its cost at once from plug-in at full power and the saving.
    const json::value doc = s.json();
    const auto& open = doc.at("sessions").as_array()[0];
    ASSERT_TRUE(open.at("cost_at_once_p").is_number()) << s.body;
    EXPECT_NEAR(
        open.at("saving_p").to_number<double>(),
        open.at("cost_at_once_p").to_number<double>() - open.at("cost_p").to_number<double>(),
        0.002);
    EXPECT_DOUBLE_EQ(doc.at("full_power_kw").to_number<double>(), 7.4) << s.body;
  }
  Reply m = http(port(), "GET", "/api/v1/savings?months=2");
  ASSERT_EQ(m.status, 200) << m.body;
  ASSERT_EQ(m.json().at("months").as_array().size(), 2u) << m.body;
  EXPECT_EQ(m.json().at("months").as_array()[1].at("sessions").as_int64(), 1) << m.body;
  EXPECT_EQ(http(port(), "GET", "/api/v1/savings?months=x").status, 400);

  Reply c = http(port(), "GET", "/api/v1/commands");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_TRUE(c.json().at("commands").is_array());
}

TEST_F(ApiTest, WritesNeedTheToken) {
  Reply none = http(port(), "POST", "/api/v1/mode", R"({"mode":"off"})");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(is_error_body(none));
  EXPECT_NE(none.header("WWW-Authenticate").find("Bearer"), std::string::npos);
  Reply wrong = http(port(), "POST", "/api/v1/mode", R"({"mode":"off"})",
                     "Authorization: Bearer test-token-0123456788\r\n");
  EXPECT_EQ(wrong.status, 401);
  Reply shorter = http(port(), "PUT", "/api/v1/charging", R"({"target_soc":90})",
                       "Authorization: Bearer test\r\n");
  EXPECT_EQ(shorter.status, 401);
  EXPECT_EQ(http(port(), "GET", "/api/v1/status").json().at("mode").as_string(), "smart");
}

TEST_F(ApiTest, BadRequests) {
  Reply big = http(port(), "POST", "/api/v1/mode", std::string(70 * 1024, ' '), auth());
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(is_error_body(big));

  Reply malformed = http(port(), "POST", "/api/v1/mode", R"({"mode": )", auth());
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(is_error_body(malformed)) << malformed.body;

  Reply unknown = http(port(), "POST", "/api/v1/mode", R"({"mode":"off","colour":"red"})", auth());
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour"), std::string::npos) << unknown.body;

  Reply bad_mode = http(port(), "POST", "/api/v1/mode", R"({"mode":"turbo"})", auth());
  EXPECT_EQ(bad_mode.status, 400);
  // Mode solar needs a grid meter (site.grid): refused with the reason, the mode unchanged.
  const std::string mode_before =
      std::string(http(port(), "GET", "/api/v1/status").json().at("mode").as_string());
  Reply solar = http(port(), "POST", "/api/v1/mode", R"({"mode":"solar"})", auth());
  EXPECT_EQ(solar.status, 409);
  EXPECT_TRUE(is_error_body(solar)) << solar.body;
  EXPECT_NE(solar.body.find("needs a grid meter"), std::string::npos) << solar.body;
  EXPECT_EQ(http(port(), "GET", "/api/v1/status").json().at("mode").as_string(), mode_before);
  // No meters: the site is null; the current per phase is unknown for the simulator's log switch.
  auto st = http(port(), "GET", "/api/v1/status").json();
  EXPECT_TRUE(st.at("site").is_null());
  EXPECT_TRUE(st.at("charging").at("current_a").is_null());
  EXPECT_FALSE(st.at("charging").at("for_surplus").as_bool());
  Reply not_object = http(port(), "PUT", "/api/v1/charging", R"([80])", auth());
  EXPECT_EQ(not_object.status, 400);
  Reply bad_soc = http(port(), "PUT", "/api/v1/charging", R"({"target_soc":180})", auth());
  EXPECT_EQ(bad_soc.status, 400);

  Reply missing = http(port(), "GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(is_error_body(missing));

  Reply wrong_method = http(port(), "DELETE", "/api/v1/status");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("Allow"), "GET");
  EXPECT_TRUE(is_error_body(wrong_method));
  EXPECT_EQ(http(port(), "GET", "/api/v1/mode").status, 200);
  EXPECT_EQ(http(port(), "PATCH", "/api/v1/mode", "{}", auth()).header("Allow"), "GET, POST");
}

TEST_F(ApiTest, ChargeNowSendsACommandWithinSeconds) {
  Reply r = http(port(), "POST", "/api/v1/mode", R"({"mode":"now"})", auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("mode").as_string(), "now");
  bool started = eventually(
      [] {
        const json::value doc = http(port(), "GET", "/api/v1/commands").json();
        if (!doc.is_object()) return false;
        for (const auto& row : doc.at("commands").as_array()) {
          if (row.at("action").as_string() == "start" && row.at("result").as_string() == "ok")
            return true;
        }
        return false;
      },
      5s);
  EXPECT_TRUE(started) << daemon_->log();
  Reply m = http(port(), "GET", "/metrics");
  EXPECT_NE(m.body.find("offpeak_commands_total{action=\"start\",result=\"ok\"} 1"),
            std::string::npos)
      << m.body;
  Reply back = http(port(), "POST", "/api/v1/mode", R"({"mode":"smart"})", auth());
  EXPECT_EQ(back.status, 200);
  EXPECT_TRUE(eventually(
      [] {
        const json::value doc = http(port(), "GET", "/api/v1/status").json();
        const auto* sw = doc.is_object() ? doc.as_object().if_contains("switch") : nullptr;
        return sw && sw->is_object() && sw->as_object().contains("on") &&
               sw->as_object().at("on") == json::value(false);
      },
      5s));
}

// `offpeak status` against the daemon; its stdout.
std::string status_text(unsigned short port, const fs::path& dir) {
  const fs::path out = dir / "status.txt";
  pid_t pid = spawn({OFFPEAK_BIN, "status", "--url", "http://127.0.0.1:" + std::to_string(port)},
                    out, dir / "status.err");
  if (wait_exit(pid, 15s) != 0) return "offpeak status failed: " + read_file(dir / "status.err");
  return read_file(out);
}

// Every mode shows what will really happen, in the status JSON and in `offpeak status`: mode
// now the charge from now to the target with its SoC projection and cost, mode off no
// charging and why.
TEST_F(ApiTest, StatusShowsWhatEachModeWillDo) {
  ASSERT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"now"})", auth()).status, 200);
  json::value st;
  auto mode_is = [&](const char* mode) {
    return eventually(
        [&] {
          st = http(port(), "GET", "/api/v1/status").json();
          return st.is_object() && st.at("mode").as_string() == mode && st.at("plan").is_object() &&
                 st.at("reason").as_string().find("mode") == 0;
        },
        5s);
  };
  ASSERT_TRUE(mode_is("now")) << st << daemon_->log();
  {
    const auto& s = st.as_object();
    const auto& plan = s.at("plan").as_object();
    const auto& runs = plan.at("runs").as_array();
    ASSERT_EQ(runs.size(), 1u) << st;
    // Charging from the moment of the plan (not the smart plan's 00:30 run).
    EXPECT_EQ(runs[0].at("start").as_string(), plan.at("made_at").as_string()) << st;
    EXPECT_NE(runs[0].at("start").as_string(), "2026-01-11T00:30:00Z");
    ASSERT_TRUE(s.at("next_action").is_object()) << st;
    EXPECT_EQ(s.at("next_action").at("action").as_string(), "stop");
    EXPECT_EQ(s.at("next_action").at("at").as_string(), runs[0].at("end").as_string());
    EXPECT_NEAR(plan.at("expected_soc").to_number<double>(), 80.0, 0.01) << st;
    EXPECT_GT(plan.at("total_cost_p").to_number<double>(), 0.0);
    const auto& proj = plan.at("projected_soc").as_array();
    ASSERT_FALSE(proj.empty());
    EXPECT_NEAR(proj.back().at("soc").to_number<double>(), 80.0, 0.01) << st;
    EXPECT_EQ(proj.back().at("at").as_string(), runs[0].at("end").as_string());
    EXPECT_EQ(
        std::string(plan.at("explanation").as_string()).rfind("mode now: charging at once", 0), 0u)
        << st;
    EXPECT_EQ(s.at("reason").as_string(), "mode now: charging at once to 80%") << st;
    const std::string text = status_text(port(), *dir_);
    EXPECT_NE(text.find("next:         stop at"), std::string::npos) << text;
    EXPECT_NE(text.find("mode now: charging at once"), std::string::npos) << text;
  }

  ASSERT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"off"})", auth()).status, 200);
  ASSERT_TRUE(mode_is("off")) << st << daemon_->log();
  {
    const auto& s = st.as_object();
    EXPECT_TRUE(s.at("next_action").is_null()) << st;
    EXPECT_EQ(s.at("reason").as_string(),
              "mode is off: no charging until the mode is smart or now");
    const auto& plan = s.at("plan").as_object();
    EXPECT_TRUE(plan.at("runs").as_array().empty()) << st;
    EXPECT_FALSE(plan.at("feasible").as_bool());
    EXPECT_DOUBLE_EQ(plan.at("total_cost_p").to_number<double>(), 0.0);
    const std::string text = status_text(port(), *dir_);
    EXPECT_NE(text.find("next:         none (mode is off: no charging"), std::string::npos) << text;
  }

  ASSERT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"smart"})", auth()).status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        st = http(port(), "GET", "/api/v1/status").json();
        return st.is_object() && st.at("mode").as_string() == "smart" &&
               st.at("next_action").is_object() &&
               st.at("next_action").at("at").as_string() == "2026-01-11T00:30:00Z";
      },
      5s))
      << st;
}

TEST_F(ApiTest, OneOffOverride) {
  Reply r =
      http(port(), "PUT", "/api/v1/charging", R"({"target_soc":90,"ready_by":"06:00"})", auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("ready_by").as_string(), "2026-01-11T06:00:00Z");
  Reply s = http(port(), "GET", "/api/v1/status");
  EXPECT_DOUBLE_EQ(s.json().at("target_soc").to_number<double>(), 90.0);
  EXPECT_TRUE(s.json().at("override").is_object());
  Reply cleared = http(port(), "DELETE", "/api/v1/charging", "", auth());
  EXPECT_EQ(cleared.status, 200);
  EXPECT_DOUBLE_EQ(cleared.json().at("target_soc").to_number<double>(), 80.0);
}

TEST_F(ApiTest, MetricsText) {
  Reply r = http(port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string::npos);
  for (const char* name :
       {"offpeak_soc_percent ", "offpeak_plugged_in 1", "offpeak_charging ",
        "offpeak_price_p_per_kwh ", "offpeak_plan_cost_pence ",
        "offpeak_price_minor_units_per_kwh{currency=\"GBP\"} ",
        "offpeak_plan_cost_minor_units{currency=\"GBP\"} ", "offpeak_commands_total{",
        "# TYPE offpeak_poll_errors_total counter", "offpeak_last_observation_timestamp_seconds ",
        "offpeak_build_info{version="}) {
    EXPECT_NE(r.body.find(name), std::string::npos) << name << "\n" << r.body;
  }
  auto promtool = find_program({"/usr/bin/promtool", "/usr/local/bin/promtool"});
  if (!promtool) GTEST_SKIP() << "promtool is not installed";
  const fs::path file = *dir_ / "metrics.txt";
  std::ofstream(file) << r.body;
  const std::string cmd = promtool->string() + " check metrics < " + file.string() + " > " +
                          (*dir_ / "promtool.txt").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << read_file(*dir_ / "promtool.txt");
}

TEST_F(ApiTest, StatusCommand) {
  const fs::path out = *dir_ / "status.json";
  pid_t pid = spawn(
      {OFFPEAK_BIN, "status", "--url", "http://127.0.0.1:" + std::to_string(port()), "--json"}, out,
      *dir_ / "status.err");
  ASSERT_EQ(wait_exit(pid, 15s), 0) << read_file(*dir_ / "status.err");
  boost::system::error_code ec;
  json::value v = json::parse(read_file(out), ec);
  ASSERT_FALSE(ec) << read_file(out);
  EXPECT_TRUE(v.as_object().contains("soc"));

  pid = spawn({OFFPEAK_BIN, "status", "--url", "http://127.0.0.1:" + std::to_string(port())}, out,
              *dir_ / "status.err");
  ASSERT_EQ(wait_exit(pid, 15s), 0);
  EXPECT_NE(read_file(out).find("mode:"), std::string::npos) << read_file(out);

  // Nothing listens on port 1.
  pid = spawn({OFFPEAK_BIN, "status", "--url", "http://127.0.0.1:1"}, out, *dir_ / "status.err");
  EXPECT_EQ(wait_exit(pid, 15s), 69) << read_file(*dir_ / "status.err");
}

TEST_F(ApiTest, DashboardRendersInHeadlessChromium) {
  Reply page = http(port(), "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("<svg id=\"chart\""), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), page.body.find("http://www.w3.org/2000/svg"))
      << "the page must not load external assets";

  auto chromium = find_program({"/usr/bin/chromium", "/usr/bin/chromium-browser"});
  if (!chromium) GTEST_SKIP() << "chromium is not installed";
  const fs::path profile = *dir_ / "chromium-profile";
  const fs::path shot = *dir_ / "dashboard.png";
  const std::string url = "http://127.0.0.1:" + std::to_string(port()) + "/";
  const std::vector<std::string> common = {chromium->string(),
                                           "--headless",
                                           "--no-sandbox",
                                           "--disable-gpu",
                                           "--disable-quic",
                                           "--no-first-run",
                                           "--disable-background-networking",
                                           "--disable-component-update",
                                           "--disable-sync",
                                           "--disable-dev-shm-usage",
                                           "--user-data-dir=" + profile.string(),
                                           "--window-size=800,1000",
                                           "--virtual-time-budget=5000"};
  std::vector<std::string> screenshot = common;
  screenshot.push_back("--screenshot=" + shot.string());
  screenshot.push_back(url);
  pid_t pid = spawn(screenshot, *dir_ / "chromium.out", *dir_ / "chromium.err");
  ASSERT_EQ(wait_exit(pid, 40s), 0) << read_file(*dir_ / "chromium.err");
  ASSERT_TRUE(fs::exists(shot)) << read_file(*dir_ / "chromium.err");
  EXPECT_GT(fs::file_size(shot), 10000u);
  const std::string png = read_file(shot);
  EXPECT_EQ(png.substr(1, 3), "PNG");

  // The page after its scripts ran (empty when Chromium failed).
  auto dump_dom = [&] {
    std::vector<std::string> dump = common;
    dump.push_back("--dump-dom");
    dump.push_back(url);
    pid_t p = spawn(dump, *dir_ / "dom.html", *dir_ / "chromium.err");
    if (wait_exit(p, 40s) != 0) return std::string();
    return read_file(*dir_ / "dom.html");
  };
  // The text of the element with this id.
  auto text_of = [](const std::string& html, const std::string& id) {
    std::smatch m;
    const std::regex re("id=\"" + id + "\"[^>]*>([^<]*)<");
    return std::regex_search(html, m, re) ? m[1].str() : "(no #" + id + ")";
  };
  const std::string dom = dump_dom();
  ASSERT_FALSE(dom.empty()) << read_file(*dir_ / "chromium.err");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(dom, m, std::regex(R"re(<svg id="chart"[^>]*data-rendered="(\d+)")re")))
      << dom.substr(0, 4000);
  EXPECT_GT(std::stoi(m[1].str()), 0);
  EXPECT_NE(dom.find("class=\"run\""), std::string::npos) << "planned runs are highlighted";
  EXPECT_NE(dom.find("class=\"soc-history\""), std::string::npos) << "SoC history is drawn";
  EXPECT_NE(dom.find("class=\"soc-projected\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"ready-by\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"export-price\""), std::string::npos) << "the export price is drawn";
  EXPECT_EQ(text_of(dom, "next").rfind("start at ", 0), 0u) << text_of(dom, "next");
  // Price axis at round steps: Go's 24.50p peak (x 1.1 headroom) gives 0p to 25p by 5p.
  std::string ticks;
  const std::regex tick(R"re(class="price-tick"[^>]*>([^<]*)<)re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), tick), end; it != end; ++it)
    ticks += (ticks.empty() ? "" : " ") + (*it)[1].str();
  EXPECT_EQ(ticks, "0p 5p 10p 15p 20p 25p");
  // Monthly savings: twelve months drawn; the recent sessions table has the open session.
  EXPECT_TRUE(std::regex_search(dom, std::regex(R"re(<svg id="savings"[^>]*data-rendered="12")re")))
      << dom.substr(0, 4000);
  EXPECT_NE(dom.find("<td>plugged in</td>"), std::string::npos) << "the open session is listed";

  // Mode now: the next action is the stop at the target, and the chart shows the run from now.
  ASSERT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"now"})", auth()).status, 200);
  ASSERT_TRUE(eventually([] {
    const json::value st = http(port(), "GET", "/api/v1/status").json();
    return st.is_object() && st.at("reason").as_string().rfind("mode now", 0) == 0;
  }));
  const std::string now_dom = dump_dom();
  ASSERT_FALSE(now_dom.empty()) << read_file(*dir_ / "chromium.err");
  EXPECT_TRUE(std::regex_search(text_of(now_dom, "next"), std::regex(R"(^stop at .* · 80%$)")))
      << text_of(now_dom, "next");
  EXPECT_NE(now_dom.find("class=\"run\""), std::string::npos);
  EXPECT_NE(now_dom.find("mode now: charging at once to 80%"), std::string::npos)
      << now_dom.substr(0, 4000);

  // Mode off: no charging, and why.
  ASSERT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"off"})", auth()).status, 200);
  ASSERT_TRUE(eventually([] {
    const json::value st = http(port(), "GET", "/api/v1/status").json();
    return st.is_object() && st.at("reason").as_string().rfind("mode is off", 0) == 0;
  }));
  const std::string off_dom = dump_dom();
  ASSERT_FALSE(off_dom.empty()) << read_file(*dir_ / "chromium.err");
  EXPECT_EQ(text_of(off_dom, "next"), "mode is off: no charging until the mode is smart or now");
  EXPECT_EQ(off_dom.find("class=\"run\""), std::string::npos) << "no charging is drawn";
  EXPECT_EQ(off_dom.find("class=\"soc-projected\""), std::string::npos) << "no projection";
  EXPECT_EQ(http(port(), "POST", "/api/v1/mode", R"({"mode":"smart"})", auth()).status, 200);
}

TEST(ApiRestart, ModeAndOverridePersist) {
  const fs::path dir = make_temp_dir("api-restart");
  {
    Daemon d(dir);
    ASSERT_TRUE(d.start()) << d.log();
    EXPECT_EQ(http(d.port(), "POST", "/api/v1/mode", R"({"mode":"off"})", auth()).status, 200);
    EXPECT_EQ(http(d.port(), "PUT", "/api/v1/charging", R"({"target_soc":95})", auth()).status,
              200);
    EXPECT_EQ(d.stop(), 0) << d.log();
  }
  {
    Daemon d(dir);
    ASSERT_TRUE(d.start()) << d.log();
    Reply s = http(d.port(), "GET", "/api/v1/status");
    ASSERT_EQ(s.status, 200);
    EXPECT_EQ(s.json().at("mode").as_string(), "off") << s.body;
    EXPECT_DOUBLE_EQ(s.json().at("target_soc").to_number<double>(), 95.0) << s.body;
    EXPECT_EQ(d.stop(), 0) << d.log();
  }
  fs::remove_all(dir);
}

TEST(ApiReload, SighupAdoptsANewToken) {
  const fs::path dir = make_temp_dir("api-reload");
  Daemon d(dir);
  ASSERT_TRUE(d.start()) << d.log();
  const std::string fresh = "Authorization: Bearer rotated-token-42\r\n";
  std::ofstream(dir / "api-token") << "rotated-token-42\n";
  d.signal(SIGHUP);
  EXPECT_TRUE(eventually(
      [&] {
        return http(d.port(), "POST", "/api/v1/mode", R"({"mode":"off"})", fresh).status == 200;
      },
      5s))
      << d.log();
  EXPECT_EQ(http(d.port(), "POST", "/api/v1/mode", R"({"mode":"smart"})", auth()).status, 401);
  EXPECT_EQ(d.log().find("rotated-token-42"), std::string::npos);
  EXPECT_EQ(d.stop(), 0) << d.log();
  fs::remove_all(dir);
}

}  // namespace
