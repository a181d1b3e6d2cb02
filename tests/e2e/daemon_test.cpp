// End-to-end tests of the real offpeakd (and offpeak-connect-sim) over loopback, with real
// SQLite files and real signals.

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <regex>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;

// A simulated car plugged in from 18:00 to 07:45, the Go tariff (00:30-05:30 at 8.5p), the
// log switch. Times are GMT in January, so local = UTC.
std::string sim_config(const TempDir& dir, const std::string& extra_charging = "") {
  return "timezone: Europe/London\n"
         "vehicle:\n"
         "  battery_kwh: 37.9\n"
         "  max_charge_kw: 7.4\n"
         "  efficiency: 0.9\n"
         "  source: { type: simulator, initial_soc: 35, plug_in_at: \"18:00\", unplug_at: "
         "\"07:45\" }\n"
         "  poll: { charging: 5m, plugged: 15m, away: 60m }\n"
         "charging:\n"
         "  target_soc: 80\n"
         "  ready_by: \"07:30\"\n" +
         extra_charging +
         "tariff:\n"
         "  name: Go\n"
         "  default: 24.5\n"
         "  periods: [ { start: \"00:30\", end: \"05:30\", price: 8.5 } ]\n"
         "switch: { type: log }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n";
}

struct CommandRow {
  std::string ts, action, reason, result;
};

std::vector<CommandRow> commands(const std::filesystem::path& db) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT ts, action, reason, result FROM commands ORDER BY id");
  std::vector<CommandRow> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getString()});
  }
  return out;
}

std::string integrity(const std::filesystem::path& db) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet("PRAGMA integrity_check").getString();
}

Process start_daemon(const TempDir& dir, const std::string& speed, const std::string& start,
                     std::vector<std::string> env = {}) {
  return Process({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed",
                  speed, "--start", start, "--log-level", "debug"},
                 (dir.path() / "offpeakd.log").string(), std::move(env));
}

TEST(Offpeakd, RefusesABadConfigurationWithExit78) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir) + "colour: red\n");
  Process p({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string()},
            (dir.path() / "log").string());
  EXPECT_EQ(p.wait(10s), 78);
  EXPECT_NE(p.log().find("offpeak.yaml:18:1: unknown key 'colour'"), std::string::npos) << p.log();
}

// A real car lives in real time: --speed is refused unless the car is simulated (in-process,
// or offpeak-connect-sim on a loopback address).
TEST(Offpeakd, SpeedNeedsTheSimulator) {
  TempDir dir;
  dir.write("pw", "x\n");
  std::string cfg = std::regex_replace(
      sim_config(dir), std::regex("source: \\{[^}]*\\}"),
      "source: { type: connect, base_url: \"https://www.connect.orangepower.co.uk\", "
      "email: a@b.c, password_file: pw }");
  dir.write("offpeak.yaml", cfg);
  Process p({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "10"},
            (dir.path() / "log").string());
  EXPECT_EQ(p.wait(10s), 2);
}

// A whole night at 3600x: the charger is switched off at start-up while its state is unknown,
// so the car plugged in at 18:00 waits (nothing at the peak price); start at 00:30, stop at the
// target, clean SIGTERM.
TEST(Offpeakd, SimulatedNightChargesInTheCheapWindowAndStopsAtTheTarget) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir));
  Process d = start_daemon(dir, "3600", "2026-01-10T17:00:00Z");
  // The second stop ends the cheap run (the run is sized to reach 80 %).
  ASSERT_TRUE(d.wait_for("stop charging:", 60s, 2)) << d.log();
  // ...and a later poll records where the car ended (07:30: the next deadline is planned).
  ASSERT_TRUE(d.wait_for("plan (new deadline)", 60s)) << d.log();
  d.signal(SIGTERM);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(d.wait(5s), 0) << d.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  auto cmds = commands(dir.path() / "offpeak.db");
  ASSERT_GE(cmds.size(), 3U);
  // 1: standing off at start-up (17:00), before the car is plugged in.
  EXPECT_EQ(cmds[0].action, "stop");
  EXPECT_EQ(cmds[0].ts.substr(0, 13), "2026-01-10T17");
  EXPECT_NE(cmds[0].reason.find("standing off"), std::string::npos) << cmds[0].reason;
  // 2: started at the beginning of the cheap window, from an exact timer.
  EXPECT_EQ(cmds[1].action, "start");
  EXPECT_EQ(cmds[1].ts.substr(0, 16), "2026-01-11T00:30");
  EXPECT_NE(cmds[1].reason.find("inside the planned run 00:30-"), std::string::npos)
      << cmds[1].reason;
  // 3: stopped at the target, before the end of the cheap window.
  EXPECT_EQ(cmds[2].action, "stop");
  EXPECT_LT(cmds[2].ts, "2026-01-11T05:30:00Z");
  for (const auto& c : cmds)
    EXPECT_EQ(c.result, "ok");
  EXPECT_EQ(integrity(dir.path() / "offpeak.db"), "ok");
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  EXPECT_GE(db.execAndGet("SELECT count(*) FROM samples").getInt(), 5);
  EXPECT_GE(db.execAndGet("SELECT count(*) FROM plans").getInt(), 1);
  // Nothing was drawn at the peak price: the SoC stood still until the run.
  EXPECT_EQ(db.execAndGet("SELECT max(soc) FROM samples WHERE ts < '2026-01-11T00:30'").getDouble(),
            35.0);
  // The run is sized to the exact energy; timer jitter at 3600x is a few virtual seconds.
  EXPECT_NEAR(
      db.execAndGet("SELECT max(soc) FROM samples WHERE ts < '2026-01-11T07:30'").getDouble(), 80.0,
      0.5);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sessions").getInt(), 1);
  EXPECT_NE(d.log().find("plan (first plan): need"), std::string::npos);
}

TEST(Offpeakd, SighupReloadsAValidConfigAndKeepsTheOldOneOnErrors) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir));
  Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z");
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  // Invalid: reported, the daemon keeps running on the old configuration.
  dir.write("offpeak.yaml", sim_config(dir) + "colour: red\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for("keeping the previous one", 10s)) << d.log();
  EXPECT_NE(d.log().find("unknown key 'colour'"), std::string::npos);
  EXPECT_TRUE(d.running());
  // Valid: a new target is applied and re-planned.
  dir.write("offpeak.yaml",
            std::regex_replace(sim_config(dir), std::regex("target_soc: 80"), "target_soc: 90"));
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for("configuration reloaded", 10s)) << d.log();
  ASSERT_TRUE(d.wait_for("-> 90% of 37.9 kWh", 10s)) << d.log();
  d.signal(SIGINT);
  EXPECT_EQ(d.wait(5s), 0);
}

// Receives sd_notify datagrams like systemd does.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); }
  // Everything received so far, messages separated by '|'.
  std::string drain() {
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      all_ += std::string(buf, static_cast<std::size_t>(n)) + "|";
    }
    return all_;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::string all_;
};

TEST(Offpeakd, TalksToSystemdThroughNotifySocket) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir));
  NotifySocket sock(dir.path() / "notify.sock");
  Process d = start_daemon(
      dir, "60", "2026-01-10T17:00:00Z",
      {"NOTIFY_SOCKET=" + (dir.path() / "notify.sock").string(), "WATCHDOG_USEC=400000"});
  std::string got;
  for (int i = 0; i < 100 && got.find("WATCHDOG=1") == std::string::npos; ++i)
    got = sock.drain();
  EXPECT_NE(got.find("READY=1"), std::string::npos) << got;
  EXPECT_NE(got.find("STATUS="), std::string::npos) << got;
  EXPECT_NE(got.find("WATCHDOG=1"), std::string::npos) << got;
  d.signal(SIGHUP);
  for (int i = 0; i < 50 && got.find("RELOADING=1") == std::string::npos; ++i)
    got = sock.drain();
  EXPECT_NE(got.find("RELOADING=1"), std::string::npos) << got;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(5s), 0);
  got = sock.drain();
  EXPECT_NE(got.find("STOPPING=1"), std::string::npos) << got;
}

// kill -9 while charging, then a restart: no second start (the car is already charging), and
// the database is intact.
TEST(Offpeakd, KillDuringChargingThenRestartSendsNoDuplicateStart) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir));
  {
    Process d = start_daemon(dir, "600", "2026-01-11T00:20:00Z");
    ASSERT_TRUE(d.wait_for("start charging:", 30s)) << d.log();
    std::this_thread::sleep_for(300ms);
    d.signal(SIGKILL);
    EXPECT_EQ(d.wait(5s), 128 + SIGKILL);
  }
  EXPECT_EQ(integrity(dir.path() / "offpeak.db"), "ok");
  auto before = commands(dir.path() / "offpeak.db");
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(before.back().action, "start");
  // The in-process simulated car restarts with the daemon: it starts plugged in (inside the
  // 18:00-07:45 pattern) and, like a real car on a charger that is switched on, charging.
  Process d = start_daemon(dir, "600", "2026-01-11T00:40:00Z");
  ASSERT_TRUE(d.wait_for("plan (first plan)", 20s)) << d.log();
  std::this_thread::sleep_for(1s);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(5s), 0);
  auto after = commands(dir.path() / "offpeak.db");
  int starts = 0;
  for (const auto& c : after)
    starts += c.action == "start" ? 1 : 0;
  EXPECT_EQ(starts, 1) << d.log();
  EXPECT_EQ(integrity(dir.path() / "offpeak.db"), "ok");
}

TEST(Offpeakd, RefusesADatabaseFromANewerVersionUntouched) {
  TempDir dir;
  dir.write("offpeak.yaml", sim_config(dir));
  {
    SQLite::Database db((dir.path() / "offpeak.db").string(),
                        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  auto before = std::filesystem::last_write_time(dir.path() / "offpeak.db");
  Process d = start_daemon(dir, "60", "2026-01-10T17:00:00Z");
  EXPECT_EQ(d.wait(10s), 78) << d.log();
  EXPECT_NE(d.log().find("newer"), std::string::npos) << d.log();
  EXPECT_EQ(std::filesystem::last_write_time(dir.path() / "offpeak.db"), before);
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// offpeak-connect-sim on a free port; the port is read from its "listening on" line.
class Sim {
 public:
  // `args`: more options, such as {"--speed", "120"}.
  explicit Sim(const TempDir& dir, std::vector<std::string> args = {})
      : p_(with_args({CONNECT_SIM_BIN, "--listen", "127.0.0.1:0"}, std::move(args)),
           (dir.path() / "sim.log").string()) {
    if (p_.wait_for("listening on 127.0.0.1:", 10s)) {
      std::string l = p_.log();
      auto pos = l.find("listening on 127.0.0.1:") + std::strlen("listening on 127.0.0.1:");
      port_ = std::stoi(l.substr(pos));
    }
  }
  ~Sim() {
    p_.signal(SIGTERM);
    p_.wait(5s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // curl against the simulator; returns the body.
  std::string curl(const std::string& method, const std::string& path,
                   const std::string& body = "") const {
    return run_command("curl -s -X " + method + " -H 'Content-Type: application/json' " +
                       (body.empty() ? "" : "-d '" + body + "' ") + url() + path)
        .out;
  }
  int port() const { return port_; }

 private:
  static std::vector<std::string> with_args(std::vector<std::string> a,
                                            std::vector<std::string> more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  Process p_;
  int port_ = 0;
};

std::string connect_config(const TempDir& dir, const Sim& sim, const std::string& password_file) {
  return "vehicle:\n"
         "  battery_kwh: 27.2\n"
         "  max_charge_kw: 7.4\n"
         "  source: { type: connect, base_url: \"" +
         sim.url() + "\", email: demo@outlook.com, password_file: " + password_file +
         " }\n"
         "  poll: { charging: 1s, plugged: 1s, away: 1s }\n"
         "charging: { target_soc: 80 }\n"
         "tariff: { name: Flat, default: 20 }\n"
         "switch:\n"
         "  type: http\n"
         "  start: { method: POST, url: \"" +
         sim.url() +
         "/sim/vehicles/{device_id}/charging\", body: '{\"action\":\"{action}\"}' }\n"
         "  stop: { method: POST, url: \"" +
         sim.url() +
         "/sim/vehicles/{device_id}/charging\", body: '{\"action\":\"{action}\"}' }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n";
}

std::string run_cli(const std::string& args, int& status) {
  CommandResult r = run_command(std::string(OFFPEAK_BIN) + " " + args + " 2>&1");
  status = r.status;
  return r.out;
}

TEST(OffpeakVehicle, FetchesTheSimulatedCarAndMapsFailuresToExitCodes) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_GT(sim.port(), 0);
  dir.write("pw", "demopass\n");
  dir.write("bad", "wrong\n");
  dir.write("ok.yaml", connect_config(dir, sim, "pw"));
  dir.write("refused.yaml", connect_config(dir, sim, "bad"));
  int st = -1;
  std::string out = run_cli("vehicle --json --config " + (dir.path() / "ok.yaml").string(), st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("\"device_id\":\"WBY7ZddD802daf16\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"soc\":82"), std::string::npos) << out;
  EXPECT_NE(out.find("\"charging_state\":\"NOT_CHARGING\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"plugged_in\":false"), std::string::npos) << out;
  out = run_cli("vehicle --config " + (dir.path() / "refused.yaml").string(), st);
  EXPECT_EQ(st, 77) << out;
  EXPECT_EQ(out.find("wrong"), std::string::npos) << "the password leaked: " << out;
  std::string down = connect_config(dir, sim, "pw");
  down.replace(down.find(sim.url()), sim.url().size(), "http://127.0.0.1:9");
  dir.write("down.yaml", down);
  out = run_cli("vehicle --config " + (dir.path() / "down.yaml").string(), st);
  EXPECT_EQ(st, 69) << out;
}

// The daemon against the simulator, both on a virtual clock at 120x (a loopback Connect
// source may run fast): a flat tariff makes "now" the cheapest time, so a start goes through
// the http switch to the simulator's remote switch; an expired token mid-run is renewed with
// one new login.
TEST(Offpeakd, ConnectSourceAndHttpSwitchAgainstTheSimulator) {
  TempDir dir;
  Sim sim(dir, {"--speed", "120"});
  ASSERT_GT(sim.port(), 0);
  dir.write("pw", "demopass\n");
  dir.write("offpeak.yaml", connect_config(dir, sim, "pw"));
  sim.curl("PUT", "/sim/vehicles/WBY7ZddD802daf16", "{\"soc\":40,\"plugged_in\":true}");
  // The charger is off, so the daemon must start it.
  sim.curl("POST", "/sim/vehicles/WBY7ZddD802daf16/charging", "{\"action\":\"stop\"}");
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "120"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("start charging:", 20s)) << d.log();
  std::string state;
  for (int i = 0; i < 100; ++i) {
    state = sim.curl("GET", "/sim/state");
    if (state.find("CHARGING") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(state.find("\"start\""), std::string::npos) << state;
  sim.curl("POST", "/sim/faults", "{\"mode\":\"expire_tokens\",\"count\":1}");
  // A poll confirms the start 5 virtual minutes later (2.5 s at 120x), with a new login.
  ASSERT_TRUE(d.wait_for("observed WBY7ZddD802daf16", 30s, 2)) << d.log();
  std::string requests = sim.curl("GET", "/sim/requests");
  int logins = 0;
  for (auto pos = requests.find("/api/bmw/oauth-token"); pos != std::string::npos;
       pos = requests.find("/api/bmw/oauth-token", pos + 1)) {
    ++logins;
  }
  EXPECT_EQ(logins, 2) << requests;
  EXPECT_EQ(requests.find("demopass"), std::string::npos) << "a secret reached the request log";
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(5s), 0) << d.log();
  EXPECT_EQ(d.log().find("demopass"), std::string::npos) << "the password leaked into the log";
  auto cmds = commands(dir.path() / "offpeak.db");
  ASSERT_FALSE(cmds.empty());
  EXPECT_EQ(cmds[0].action, "start");
  EXPECT_EQ(cmds[0].result, "ok");
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM token_cache").getInt(), 1);
  // A restart uses the cached token: no third login.
  Process again({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
                 "debug", "--speed", "120"},
                (dir.path() / "offpeakd2.log").string());
  ASSERT_TRUE(again.wait_for("observed WBY7ZddD802daf16", 30s)) << again.log();
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(5s), 0);
  std::string after = sim.curl("GET", "/sim/requests");
  int logins_after = 0;
  for (auto pos = after.find("/api/bmw/oauth-token"); pos != std::string::npos;
       pos = after.find("/api/bmw/oauth-token", pos + 1)) {
    ++logins_after;
  }
  EXPECT_EQ(logins_after, 2) << again.log();
}

// vehicle.poll.max_per_day is never exceeded, retries included: a day of 503s, then 429s
// with Retry-After, against offpeak-connect-sim; the daemon and the simulator share one
// virtual clock at 3600x (20 s real = 20 h of one UTC day).
TEST(Offpeakd, PollBudgetHoldsThroughADayOf503sAnd429s) {
  TempDir dir;
  Sim sim(dir, {"--speed", "3600", "--start", "2026-01-10T00:05:00Z"});
  ASSERT_GT(sim.port(), 0);
  dir.write("pw", "demopass\n");
  std::string cfg = connect_config(dir, sim, "pw");
  cfg.replace(cfg.find("  poll: { charging: 1s, plugged: 1s, away: 1s }\n"),
              std::strlen("  poll: { charging: 1s, plugged: 1s, away: 1s }\n"),
              "  poll: { max_per_day: 16 }\n");
  dir.write("offpeak.yaml", cfg);
  sim.curl("PUT", "/sim/vehicles/WBY7ZddD802daf16", "{\"soc\":40,\"plugged_in\":true}");
  sim.curl("POST", "/sim/faults", "{\"mode\":\"http503\",\"count\":100000}");
  // The daemon's clock starts where the simulator's is now.
  std::smatch m;
  std::string state = sim.curl("GET", "/sim/state");
  ASSERT_TRUE(std::regex_search(state, m, std::regex("\"now\":\"([^\"]+)\""))) << state;
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "3600", "--start", m[1].str()},
            (dir.path() / "offpeakd.log").string());
  std::this_thread::sleep_for(8s);
  sim.curl("POST", "/sim/faults", "{\"mode\":\"http429\",\"count\":100000,\"retry_after\":60}");
  std::this_thread::sleep_for(12s);
  std::string status = sim.curl("GET", "/sim/state");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(5s), 0) << d.log();
  ASSERT_NE(status.find("\"now\":\"2026-01-10T"), std::string::npos) << status;  // one UTC day
  const std::string requests = sim.curl("GET", "/sim/requests");
  int api_requests = 0;
  for (auto pos = requests.find("\"/api/"); pos != std::string::npos;
       pos = requests.find("\"/api/", pos + 1))
    ++api_requests;
  EXPECT_LE(api_requests, 16) << requests;
  // The budget, not the back-off, was what held it: it was spent.
  EXPECT_GE(api_requests, 14) << d.log();
  EXPECT_NE(d.log().find("budget of 16 requests is spent"), std::string::npos) << d.log();
  EXPECT_NE(d.log().find("http_status"), std::string::npos);
}

// The simulator's clock "now", to start the daemon's virtual clock where the simulator's is.
std::string sim_now(const Sim& sim) {
  std::smatch m;
  const std::string state = sim.curl("GET", "/sim/state");
  if (!std::regex_search(state, m, std::regex("\"now\":\"([^\"]+)\""))) return "";
  return m[1].str();
}

std::string replace_line(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// Standing off through an exec switch (curl to the simulator's remote switch) against
// offpeak-connect-sim, both at 3600x: the charger is on when offpeakd starts at the evening
// peak (stop once), the night's run starts in the cheap window, the car unplugged during the
// run gets a stop at once, and plugged in again the next evening it waits for the next run:
// every stretch of charging the simulator logged after start-up lies in the cheap window.
TEST(Offpeakd, StandingOffThroughAnExecSwitchAtStartUpAndAtUnplug) {
  TempDir dir;
  Sim sim(dir, {"--speed", "3600", "--start", "2026-01-12T16:50:00Z"});
  ASSERT_GT(sim.port(), 0);
  const std::string car = "/sim/vehicles/WBY7ZddD802daf16";
  sim.curl("PUT", car, "{\"soc\":30,\"plugged_in\":true}");
  sim.curl("POST", car + "/charging", "{\"action\":\"start\"}");  // the charger is on
  dir.write("pw", "demopass\n");
  std::string cfg = connect_config(dir, sim, "pw");
  cfg = replace_line(cfg, "  poll: { charging: 1s, plugged: 1s, away: 1s }\n", "");
  cfg = replace_line(cfg, "tariff: { name: Flat, default: 20 }\n",
                     "tariff: { name: Go, default: 24.5, periods: [ { start: \"00:30\", end: "
                     "\"05:30\", price: 8.5 } ] }\n");
  const std::string program =
      "[\"/usr/bin/curl\", \"-sf\", \"-X\", \"POST\", \"-H\", "
      "\"Content-Type: application/json\", \"-d\", "
      "'{\"action\":\"{action}\"}', \"" +
      sim.url() + "/sim/vehicles/{device_id}/charging\"]";
  const auto sw = cfg.find("switch:\n");
  const auto st = cfg.find("storage:");
  cfg.replace(sw, st - sw,
              "switch:\n  type: exec\n  start: " + program + "\n  stop: " + program + "\n");
  dir.write("offpeak.yaml", cfg);
  const std::string now = sim_now(sim);
  ASSERT_FALSE(now.empty());
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "3600", "--start", now},
            (dir.path() / "offpeakd.log").string());
  // At start-up the charger's state is unknown: one stop, at the peak price.
  ASSERT_TRUE(d.wait_for("stop charging:", 20s)) << d.log();
  // 00:30 is 7.7 virtual hours (7.7 s) away: the run starts in the cheap window.
  ASSERT_TRUE(d.wait_for("start charging:", 20s)) << d.log();
  std::this_thread::sleep_for(1500ms);  // about 01:45: charging
  std::string state = sim.curl("GET", "/sim/state");
  ASSERT_NE(state.find("\"switched_on\":true"), std::string::npos) << state;
  sim.curl("PUT", car, "{\"plugged_in\":false}");
  // The next poll sees the car unplugged (the cloud refreshes at once here): a stop, so the
  // charger does not stand on for the next plug-in.
  ASSERT_TRUE(d.wait_for("stop charging:", 20s, 2)) << d.log();
  state = sim.curl("GET", "/sim/state");
  EXPECT_NE(state.find("\"switched_on\":false"), std::string::npos) << state;
  // Plugged in again the next evening at 18:00 (peak) with 40 %: it waits for 00:30.
  for (int i = 0; i < 400; ++i) {
    if (sim_now(sim) >= "2026-01-13T18:00:00Z") break;
    std::this_thread::sleep_for(100ms);
  }
  sim.curl("PUT", car, "{\"soc\":40,\"plugged_in\":true}");
  for (int i = 0; i < 200; ++i) {
    if (sim_now(sim) >= "2026-01-14T00:10:00Z") break;
    std::this_thread::sleep_for(100ms);
  }
  state = sim.curl("GET", "/sim/state");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(5s), 0) << d.log();
  // What really happened, from the simulator's own record.
  std::smatch m;
  std::string rest = state;
  int stretches = 0;
  const std::regex stretch("\\{\"from\":\"([^\"]+)\",\"to\":\"([^\"]+)\",\"kwh\":([0-9.eE+-]+)");
  while (std::regex_search(rest, m, stretch)) {
    const std::string from = m[1].str();
    const std::string to = m[2].str();
    const double kwh = std::stod(m[3].str());
    if (from < now) {
      // The charger was on when offpeakd started: stopped at start-up (a 3600x clock gives a
      // loaded machine's process start-up an hour of slack).
      EXPECT_LT(to, "2026-01-12T18:00:00Z") << from << " " << kwh;
    } else {
      // Everything else inside 00:30-05:30 (GMT: local = UTC).
      const std::string hhmm = from.substr(11, 5);
      EXPECT_TRUE(hhmm >= "00:30" && hhmm < "05:30") << from << " " << kwh;
      ++stretches;
    }
    rest = m.suffix();
  }
  EXPECT_GE(stretches, 1) << state;
  // Plugged in at 18:00, the car drew nothing before 00:10.
  ASSERT_TRUE(std::regex_search(state, m, std::regex("\"soc\":([0-9.eE+-]+)"))) << state;
  EXPECT_DOUBLE_EQ(std::stod(m[1].str()), 40.0) << state;
  auto cmds = commands(dir.path() / "offpeak.db");
  ASSERT_GE(cmds.size(), 3u);
  EXPECT_EQ(cmds[0].action, "stop");  // the charger was seen charging at the peak
  EXPECT_EQ(cmds[1].action, "start");
  EXPECT_EQ(cmds[2].action, "stop");
  EXPECT_NE(cmds[2].reason.find("unplugged"), std::string::npos) << cmds[2].reason;
  for (const auto& c : cmds)
    EXPECT_EQ(c.result, "ok") << c.action << " " << c.reason;
}

// A restart keeps what the daemon learned and counted: the charging model comes from the
// recorded history (a car that draws 6 kW of a configured 7.4), and the day's request count
// from the database, so vehicle.poll.max_per_day holds across restarts within a UTC day.
TEST(Offpeakd, ARestartKeepsTheLearnedModelAndTheDaysRequestCount) {
  TempDir dir;
  Sim sim(dir, {"--speed", "600", "--start", "2026-01-10T08:00:00Z"});
  ASSERT_GT(sim.port(), 0);
  dir.write("pw", "demopass\n");
  std::string cfg = connect_config(dir, sim, "pw");
  cfg = replace_line(cfg, "  poll: { charging: 1s, plugged: 1s, away: 1s }\n",
                     "  poll: { max_per_day: 10 }\n");
  dir.write("offpeak.yaml", cfg);
  const auto db_path = dir.path() / "offpeak.db";
  // The history of three earlier nights: CHARGING samples 20 min apart, rising at 6 kW
  // (6 x 0.9 / 27.2 = 19.85 % an hour).
  {
    Process create(
        {OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level", "debug"},
        (dir.path() / "create.log").string());
    ASSERT_TRUE(create.wait_for("API listening on", 20s)) << create.log();
    create.signal(SIGTERM);
    ASSERT_EQ(create.wait(10s), 0) << create.log();
    SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM samples; DELETE FROM sessions; DELETE FROM kv WHERE key = 'poll_day'");
    SQLite::Statement ins(db,
                          "INSERT INTO samples (ts, device_id, soc, charging_state, plugged_in) "
                          "VALUES (?, 'WBY7ZddD802daf16', ?, 'CHARGING', 1)");
    for (int night = 7; night <= 9; ++night) {
      SQLite::Statement ses(db,
                            "INSERT INTO sessions (started_at, ended_at, device_id, start_soc, "
                            "end_soc, energy_kwh) VALUES (?, ?, 'WBY7ZddD802daf16', 30, 70, 12)");
      char started[32], ended[32];
      std::snprintf(started, sizeof started, "2026-01-%02dT18:00:00Z", night);
      std::snprintf(ended, sizeof ended, "2026-01-%02dT07:00:00Z", night + 1);
      ses.bind(1, started);
      ses.bind(2, ended);
      ses.exec();
      for (int i = 0; i <= 6; ++i) {
        char ts[32];
        std::snprintf(ts, sizeof ts, "2026-01-%02dT%02d:%02d:00Z", night + 1, 1 + i / 3,
                      (i % 3) * 20);
        ins.bind(1, ts);
        ins.bind(2, 30.0 + 19.85 * i / 3.0);
        ins.exec();
        ins.reset();
      }
    }
  }
  auto api_requests = [&] {
    const std::string requests = sim.curl("GET", "/sim/requests");
    int n = 0;
    for (auto pos = requests.find("\"/api/"); pos != std::string::npos;
         pos = requests.find("\"/api/", pos + 1))
      ++n;
    return n;
  };
  const int before = api_requests();  // what the daemon that created the database asked
  // Spend the day's budget: every request fails with 503 and is retried.
  sim.curl("POST", "/sim/faults", "{\"mode\":\"http503\",\"count\":100000}");
  std::string now = sim_now(sim);
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "600", "--start", now},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("charging model: 6.0 kW learned from", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("budget of 10 requests is spent", 30s)) << d.log();
  d.signal(SIGTERM);
  ASSERT_EQ(d.wait(10s), 0) << d.log();
  const int spent = api_requests() - before;
  EXPECT_GE(spent, 9);
  EXPECT_LE(spent, 10);
  {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT value FROM kv WHERE key = 'poll_day'").getString(),
              "2026-01-10 " + std::to_string(spent));
  }
  // The car's cloud answers again; a restart the same UTC day must not ask it.
  sim.curl("POST", "/sim/faults", "{\"mode\":\"none\"}");
  now = sim_now(sim);
  ASSERT_LT(now, "2026-01-10T20:00:00Z");
  Process again({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
                 "debug", "--speed", "600", "--start", now},
                (dir.path() / "offpeakd2.log").string());
  ASSERT_TRUE(again.wait_for("charging model: 6.0 kW learned from", 20s)) << again.log();
  ASSERT_TRUE(again.wait_for("API listening on", 20s)) << again.log();
  std::this_thread::sleep_for(4s);  // 40 virtual minutes
  again.signal(SIGTERM);
  ASSERT_EQ(again.wait(10s), 0) << again.log();
  EXPECT_EQ(api_requests() - before, spent) << again.log();
  EXPECT_NE(again.log().find("budget of 10 requests is spent"), std::string::npos) << again.log();
}

}  // namespace
}  // namespace offpeak::testing

namespace offpeak::testing {
namespace {

// `offpeak tariff show` on an Agile tariff fetches from the API (here a static HTTP server on
// loopback serving a real API response with negative prices), caches the prices in SQLite, and
// `offpeak plan` then plans offline on the cache: a price-feed outage is never price 0.
TEST(AgileTariff, TariffShowFetchesAndCachesAndPlanUsesTheCache) {
  if (std::system("python3 -c 'import http.server' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no python3";
  TempDir dir;
  std::filesystem::path page = dir.path() /
                               "www/v1/products/AGILE-TEST/electricity-tariffs/"
                               "E-1R-AGILE-TEST-C/standard-unit-rates/index.html";
  std::filesystem::create_directories(page.parent_path());
  std::filesystem::copy_file(
      std::filesystem::path(OFFPEAK_TEST_DATA) / "teslamateagile_plunge_test.json", page);
  Process server({"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "0",
                  "--directory", (dir.path() / "www").string()},
                 (dir.path() / "http.log").string(), {"PYTHONUNBUFFERED=1"});
  ASSERT_TRUE(server.wait_for("port ", 10s)) << server.log();
  std::string l = server.log();
  int port = std::stoi(l.substr(l.find("port ") + 5));
  dir.write("offpeak.yaml",
            "vehicle: { battery_kwh: 40, max_charge_kw: 7, efficiency: 1.0, source: { type: "
            "simulator } }\n"
            "tariff: { type: octopus-agile, product: AGILE-TEST, region: C, base_url: "
            "\"http://127.0.0.1:" +
                std::to_string(port) +
                "\" }\n"
                "storage: { database: " +
                (dir.path() / "offpeak.db").string() +
                " }\n"
                "api: { listen: \"127.0.0.1:0\" }\n");
  std::string cfg = (dir.path() / "offpeak.yaml").string();
  int st = -1;
  std::string out =
      run_cli("tariff show --json --config " + cfg + " --from 2020-05-23T00:00:00Z --hours 6", st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("\"price_p_per_kwh\":-8.6205"), std::string::npos) << out;
  EXPECT_NE(out.find("\"end\":\"2020-05-23T05:30:00Z\""), std::string::npos) << out;
  {
    SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM prices").getInt(), 11);
  }
  server.signal(SIGTERM);
  server.wait(5s);
  // Offline, on the cache: 10 kWh at 7 kW in the cheapest (most negative) half hours, and
  // nothing after 05:30 where no price is known.
  out = run_cli(
      "plan --json --config " + cfg +
          " --soc 50 --target 75 --now 2020-05-23T00:00:00Z --ready-by 2020-05-23T07:00:00Z",
      st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("\"feasible\":true"), std::string::npos) << out;
  EXPECT_EQ(out.find("T05:30:00Z\",\"end\":\"2020-05-23T06"), std::string::npos) << out;
  EXPECT_NE(out.find("\"total_cost_p\":-"), std::string::npos) << "negative prices pay: " << out;
}

}  // namespace
}  // namespace offpeak::testing
