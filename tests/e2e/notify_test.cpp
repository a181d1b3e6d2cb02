// Notifications end to end: the real offpeakd (simulated car, virtual clock) and the real
// `offpeak notify test` against a loopback HTTP server standing in for ntfy, Pushover,
// Telegram and a webhook, which records the exact requests; channel outages, kill -9 between
// storing and sending, and secrets that never reach a log line, the API or the database.

#include "../unit/test_files.hpp"
#include "process.hpp"

#include <offpeak/net/http_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

namespace offpeak::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_telegram_token = "424242:AAH-telegram-SECRET-token";
constexpr const char* k_ntfy_token = "tk_ntfysecret0123456789";
constexpr const char* k_pushover_token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
constexpr const char* k_pushover_user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

// A loopback HTTP server that records every request it answers with 200. While `down` it
// resets connections (an unreachable service); while `hang` it never answers.
class Receiver {
 public:
  enum class Mode { up, down, hang };
  Receiver() {
    net::ServerOptions o;
    o.io_timeout = 120s;
    server_ = std::make_unique<net::HttpServer>(
        io_, o, [this](net::ServerRequest r) { return handle(std::move(r)); });
    auto ok = server_->listen();
    if (!ok) throw std::runtime_error(ok.error());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Receiver() {
    boost::asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void set_mode(Mode m) { mode_ = m; }
  int attempts() const { return attempts_; }
  std::vector<net::ServerRequest> taken() const {
    std::lock_guard lock(mu_);
    return taken_;
  }
  std::vector<net::ServerRequest> taken_on(const std::string& path) const {
    std::vector<net::ServerRequest> out;
    for (auto& r : taken())
      if (r.path == path) out.push_back(r);
    return out;
  }
  bool wait_taken(const std::string& path, std::size_t n, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (taken_on(path).size() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

 private:
  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest r) {
    ++attempts_;
    net::ServerResponse resp = net::make_response(200, "{\"ok\":true,\"status\":1}");
    if (mode_ == Mode::down) {
      resp.disposition = net::Disposition::reset;
    } else if (mode_ == Mode::hang) {
      resp.disposition = net::Disposition::hang;
    } else {
      std::lock_guard lock(mu_);
      taken_.push_back(std::move(r));
    }
    co_return resp;
  }
  boost::asio::io_context io_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<net::ServerRequest> taken_;
  std::atomic<Mode> mode_{Mode::up};
  std::atomic<int> attempts_{0};
};

// Four HTTP channels on the receiver.
std::string channels(const TempDir& dir, const Receiver& rx,
                     const std::string& webhook_events = "") {
  dir.write("telegram-token", std::string(k_telegram_token) + "\n");
  dir.write("ntfy-token", std::string(k_ntfy_token) + "\n");
  dir.write("pushover-token", std::string(k_pushover_token) + "\n");
  dir.write("pushover-user", std::string(k_pushover_user) + "\n");
  const std::string d = dir.path().string() + "/";
  return "notify:\n"
         "  - type: webhook\n"
         "    url: " +
         rx.url() + "/hook\n" + webhook_events +
         "  - type: ntfy\n"
         "    url: " +
         rx.url() +
         "/my-offpeak-topic\n"
         "    token_file: " +
         d +
         "ntfy-token\n"
         "  - type: pushover\n"
         "    base_url: " +
         rx.url() +
         "\n"
         "    token_file: " +
         d +
         "pushover-token\n"
         "    user_key_file: " +
         d +
         "pushover-user\n"
         "  - type: telegram\n"
         "    base_url: " +
         rx.url() +
         "\n"
         "    token_file: " +
         d +
         "telegram-token\n"
         "    chat_id: \"987654\"\n";
}

// A simulated car that cannot reach its target: 5% at 18:00, 80% of 60 kWh by 07:30 at
// 2.3 kW. Plugged in from 18:00 to 07:45. January: local = UTC.
std::string config(const TempDir& dir, const Receiver& rx) {
  return "timezone: Europe/London\n"
         "vehicle:\n"
         "  name: testcar\n"
         "  battery_kwh: 60\n"
         "  max_charge_kw: 2.3\n"
         "  efficiency: 0.9\n"
         "  learn: false\n"
         "  source: { type: simulator, initial_soc: 5, daily_use: 0, plug_in_at: \"18:00\", "
         "unplug_at: \"07:45\" }\n"
         "  poll: { charging: 5m, plugged: 15m, away: 60m, max_per_day: 1000 }\n"
         "charging:\n"
         "  target_soc: 80\n"
         "  ready_by: \"07:30\"\n"
         "tariff: { name: Go, default: 24.5, periods: [ { start: \"00:30\", end: \"05:30\", "
         "price: 8.5 } ] }\n"
         "switch: { type: log }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n" +
         channels(dir, rx);
}

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void expect_no_secret(const std::string& text, const std::string& where) {
  for (const char* s : {k_telegram_token, k_ntfy_token, k_pushover_token, k_pushover_user})
    EXPECT_EQ(text.find(s), std::string::npos) << where << " shows a secret";
}

int api_port(const Process& d) {
  const std::string l = d.log();
  const std::string marker = "API listening on 127.0.0.1:";
  auto pos = l.find(marker);
  if (pos == std::string::npos) return 0;
  return std::stoi(l.substr(pos + marker.size()));
}

std::vector<std::string> events_of(const std::vector<net::ServerRequest>& reqs) {
  std::vector<std::string> out;
  for (const auto& r : reqs)
    out.push_back(std::string(boost::json::parse(r.body).at("event").as_string()));
  return out;
}

TEST(Notify, NotifyTestSendsTheExactRequestsOfEveryChannel) {
  TempDir dir;
  Receiver rx;
  dir.write("offpeak.yaml", config(dir, rx));
  auto r = run_command(std::string(OFFPEAK_BIN) + " notify test --config " +
                       (dir.path() / "offpeak.yaml").string() + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("webhook: ok\nntfy: ok\npushover: ok\ntelegram: ok\n"), std::string::npos)
      << r.out;
  // webhook: the contract's JSON.
  auto hook = rx.taken_on("/hook");
  ASSERT_EQ(hook.size(), 1u);
  EXPECT_EQ(hook[0].method, "POST");
  EXPECT_EQ(hook[0].header("Content-Type"), "application/json");
  auto j = boost::json::parse(hook[0].body).as_object();
  EXPECT_EQ(j.at("event"), "test");
  EXPECT_EQ(j.at("vehicle"), "testcar");
  EXPECT_EQ(j.at("urgent"), true);
  EXPECT_TRUE(j.contains("at") && j.contains("title") && j.contains("message") &&
              j.contains("data"));
  // ntfy: JSON to the server root with the topic, Bearer token.
  auto ntfy = rx.taken_on("/");
  ASSERT_EQ(ntfy.size(), 1u);
  EXPECT_EQ(ntfy[0].header("Authorization"), "Bearer " + std::string(k_ntfy_token));
  auto n = boost::json::parse(ntfy[0].body).as_object();
  EXPECT_EQ(n.at("topic"), "my-offpeak-topic");
  EXPECT_EQ(n.at("title"), "offpeak test notification");
  EXPECT_EQ(n.at("priority"), 4);
  // Pushover: form fields on /1/messages.json.
  auto po = rx.taken_on("/1/messages.json");
  ASSERT_EQ(po.size(), 1u);
  EXPECT_EQ(po[0].header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(po[0].body.rfind("token=" + std::string(k_pushover_token) +
                                 "&user=" + std::string(k_pushover_user) +
                                 "&title=offpeak+test+notification&message=This+is+a+test",
                             0),
            0u)
      << po[0].body;
  EXPECT_NE(po[0].body.find("&priority=1&timestamp="), std::string::npos);
  // Telegram: sendMessage with the bot token in the path.
  auto tg = rx.taken_on("/bot" + std::string(k_telegram_token) + "/sendMessage");
  ASSERT_EQ(tg.size(), 1u);
  auto t = boost::json::parse(tg[0].body).as_object();
  EXPECT_EQ(t.at("chat_id"), "987654");
  EXPECT_EQ(t.at("text").as_string().starts_with("offpeak test notification\n"), true);

  // Down: exit 1, each channel's cause, no secret.
  rx.set_mode(Receiver::Mode::down);
  auto down = run_command(std::string(OFFPEAK_BIN) + " notify test --config " +
                          (dir.path() / "offpeak.yaml").string() + " 2>&1");
  EXPECT_EQ(down.status, 1) << down.out;
  EXPECT_NE(down.out.find("telegram: failed: unreachable"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("4 of 4 notification channel(s) failed"), std::string::npos) << down.out;
  expect_no_secret(down.out, "offpeak notify test");

  // `offpeak check` lists the channels, without secrets.
  auto check = run_command(std::string(OFFPEAK_BIN) + " check --config " +
                           (dir.path() / "offpeak.yaml").string() + " 2>&1");
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("notify     telegram " + rx.url() + " (all events)"), std::string::npos)
      << check.out;
  expect_no_secret(check.out, "offpeak check");
}

// The target cannot be reached: one target_at_risk at plug-in across every re-plan; at the
// unplug, session_done and target_missed. The channels are down from the start for more than
// an hour of the virtual clock, then back: every event arrives once, in order, on each
// channel; the failure is logged once per channel and shown in the status and metrics.
TEST(Notify, ChannelDownThenBackDeliversEveryEventOnceInOrder) {
  TempDir dir;
  Receiver rx;
  rx.set_mode(Receiver::Mode::down);
  dir.write("offpeak.yaml", config(dir, rx));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--log-level",
             "debug", "--speed", "1800", "--start", "2026-01-13T17:30:00Z"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("notify target_at_risk", 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("notify session_done", 60s)) << d.log();
  ASSERT_TRUE(d.wait_for("notify target_missed", 10s)) << d.log();
  // The outage is logged once per channel, however many retries.
  ASSERT_TRUE(d.wait_for("notification channel webhook failing", 10s)) << d.log();
  std::this_thread::sleep_for(1s);
  const std::string log_down = d.log();
  int failing_lines = 0;
  for (auto p = log_down.find("notification channel webhook failing"); p != std::string::npos;
       p = log_down.find("notification channel webhook failing", p + 1))
    ++failing_lines;
  EXPECT_EQ(failing_lines, 1);
  EXPECT_GT(rx.attempts(), 8);  // retried
  const int port = api_port(d);
  ASSERT_GT(port, 0);
  auto status = run_command("curl -s http://127.0.0.1:" + std::to_string(port) + "/api/v1/status");
  auto st = boost::json::parse(status.out).as_object();
  auto chans = st.at("notify").at("channels").as_array();
  ASSERT_EQ(chans.size(), 4u);
  EXPECT_EQ(chans[0].at("name"), "webhook");
  EXPECT_EQ(chans[0].at("failing"), true);
  EXPECT_GT(chans[0].at("failed").as_int64(), 0);
  auto metrics = run_command("curl -s http://127.0.0.1:" + std::to_string(port) + "/metrics");
  EXPECT_NE(metrics.out.find(
                "offpeak_notifications_failed_total{channel=\"telegram\",type=\"telegram\"}"),
            std::string::npos)
      << metrics.out;
  expect_no_secret(status.out + metrics.out, "the API");

  rx.set_mode(Receiver::Mode::up);
  ASSERT_TRUE(rx.wait_taken("/hook", 3, 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("notification channel telegram works again", 30s)) << d.log();
  std::this_thread::sleep_for(2s);  // anything sent twice would arrive now
  EXPECT_EQ(events_of(rx.taken_on("/hook")),
            (std::vector<std::string>{"target_at_risk", "session_done", "target_missed"}));
  EXPECT_EQ(rx.taken_on("/1/messages.json").size(), 3u);
  EXPECT_EQ(rx.taken_on("/").size(), 3u);
  EXPECT_EQ(rx.taken_on("/bot" + std::string(k_telegram_token) + "/sendMessage").size(), 3u);
  // Ntfy in order too.
  std::vector<std::string> ntfy_tags;
  for (const auto& r : rx.taken_on("/"))
    ntfy_tags.push_back(
        std::string(boost::json::parse(r.body).at("tags").as_array().at(0).as_string()));
  EXPECT_EQ(ntfy_tags,
            (std::vector<std::string>{"target_at_risk", "session_done", "target_missed"}));
  // The session's figures are in its event.
  auto done = boost::json::parse(rx.taken_on("/hook")[1].body).as_object();
  EXPECT_GT(done.at("data").at("energy_kwh").as_double(), 1.0);
  EXPECT_GE(done.at("data").at("cost_p").as_double(), 0.0);
  // The saving against charging at once from plug-in: none here, the car charged all night
  // because the target was out of reach.
  ASSERT_TRUE(done.at("data").as_object().contains("saving_p")) << done;
  EXPECT_NEAR(done.at("data").at("saving_p").as_double(), 0.0,
              1.0 + 0.05 * done.at("data").at("cost_p").as_double())
      << done;
  // The dashboard's list.
  auto list = run_command("curl -s 'http://127.0.0.1:" + std::to_string(port) +
                          "/api/v1/notifications?limit=5'");
  auto entries = boost::json::parse(list.out).at("notifications").as_array();
  ASSERT_GE(entries.size(), 3u);
  EXPECT_EQ(entries[0].at("deliveries").as_array().size(), 4u);
  EXPECT_EQ(entries[0].at("deliveries").at(0).at("state"), "sent");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(20s), 0);
  expect_no_secret(d.log(), "the daemon's log");
  expect_no_secret(
      file_bytes(dir.path() / "offpeak.db") + file_bytes(dir.path() / "offpeak.db-wal"),
      "the database");
}

// kill -9 after the event was stored, while its delivery hangs: the restarted daemon delivers
// it, once.
TEST(Notify, KillBetweenStoreAndSendDeliversAfterRestart) {
  TempDir dir;
  Receiver rx;
  rx.set_mode(Receiver::Mode::hang);
  dir.write("offpeak.yaml", config(dir, rx));
  const std::string cfg = (dir.path() / "offpeak.yaml").string();
  {
    Process d({OFFPEAKD_BIN, "--config", cfg, "--speed", "600", "--start", "2026-01-13T17:55:00Z"},
              (dir.path() / "offpeakd-1.log").string());
    ASSERT_TRUE(d.wait_for("notify target_at_risk", 30s)) << d.log();
    for (int i = 0; i < 200 && rx.attempts() < 4; ++i)
      std::this_thread::sleep_for(20ms);
    ASSERT_GE(rx.attempts(), 4);  // every channel's request is hanging
    d.signal(SIGKILL);
    EXPECT_EQ(d.wait(10s), 128 + SIGKILL);
  }
  EXPECT_TRUE(rx.taken().empty());
  rx.set_mode(Receiver::Mode::up);
  Process again(
      {OFFPEAKD_BIN, "--config", cfg, "--speed", "600", "--start", "2026-01-13T18:30:00Z"},
      (dir.path() / "offpeakd-2.log").string());
  ASSERT_TRUE(rx.wait_taken("/hook", 1, 30s)) << again.log();
  ASSERT_TRUE(rx.wait_taken("/bot" + std::string(k_telegram_token) + "/sendMessage", 1, 30s));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(events_of(rx.taken_on("/hook")), std::vector<std::string>{"target_at_risk"});
  EXPECT_EQ(rx.taken_on("/").size(), 1u);
  EXPECT_EQ(rx.taken_on("/1/messages.json").size(), 1u);
  // The restarted daemon's re-plans did not notify the same risk again.
  EXPECT_EQ(again.log().find("notify target_at_risk"), std::string::npos) << again.log();
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(20s), 0);
}

// The plug reminder at 21:00, the car with 30 % of 40 kWh and 80 % needed by 07:30.
std::string reminder_config(const TempDir& dir, const Receiver& rx, const char* plug_in_at) {
  return "timezone: Europe/London\n"
         "vehicle:\n"
         "  name: testcar\n"
         "  battery_kwh: 40\n"
         "  max_charge_kw: 7.4\n"
         "  efficiency: 0.9\n"
         "  learn: false\n"
         "  source: { type: simulator, initial_soc: 30, daily_use: 0, plug_in_at: \"" +
         std::string(plug_in_at) +
         "\", unplug_at: \"07:45\" }\n"
         "  poll: { max_per_day: 1000 }\n"
         "charging: { target_soc: 80, ready_by: \"07:30\" }\n"
         "tariff: { default: 24.5 }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n"
         "plug_reminder: \"21:00\"\n"
         "notify:\n"
         "  - type: webhook\n"
         "    url: " +
         rx.url() +
         "/hook\n"
         "    events: [not_plugged_in]\n";
}

// Home at 22:00: one not_plugged_in at the reminder time saying how much the morning needs.
TEST(Notify, NotPluggedInAtTheReminderTime) {
  TempDir dir;
  Receiver rx;
  dir.write("offpeak.yaml", reminder_config(dir, rx, "22:00"));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "1800",
             "--start", "2026-01-13T19:00:00Z"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(rx.wait_taken("/hook", 1, 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("plugged in at", 30s)) << d.log();  // 22:00: home at last
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(rx.taken_on("/hook").size(), 1u);
  auto j = boost::json::parse(rx.taken_on("/hook")[0].body).as_object();
  EXPECT_EQ(j.at("event"), "not_plugged_in");
  EXPECT_EQ(j.at("urgent"), true);
  // In the first minutes after 21:00 (the daemon looks every minute of its clock).
  const std::string at(j.at("at").as_string());  // RFC 3339 UTC: text order is time order
  EXPECT_GE(at, "2026-01-13T21:00:00Z");
  EXPECT_LE(at, "2026-01-13T21:02:00Z");
  // 50 % of 40 kWh at 90 %: 22.2 kWh, 3h1m at 7.4 kW.
  EXPECT_NEAR(j.at("data").at("energy_needed_kwh").as_double(), 22.2, 0.1);
  EXPECT_NE(std::string(j.at("message").as_string()).find("22.2 kWh, about 3h1m of charging"),
            std::string::npos)
      << j.at("message");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(20s), 0);
}

// Home at 18:00: plugged in by 21:00, no reminder.
TEST(Notify, NoReminderWhenPluggedIn) {
  TempDir dir;
  Receiver rx;
  dir.write("offpeak.yaml", reminder_config(dir, rx, "18:00"));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "1800",
             "--start", "2026-01-13T19:00:00Z"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("plugged in at", 30s)) << d.log();
  std::this_thread::sleep_for(6s);  // past 22:00 on the daemon's clock
  EXPECT_TRUE(rx.taken().empty()) << d.log();
  EXPECT_EQ(d.log().find("notify not_plugged_in"), std::string::npos) << d.log();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(20s), 0);
}

// offpeak-connect-sim on a free port.
class ConnectSim {
 public:
  explicit ConnectSim(const TempDir& dir)
      : p_({CONNECT_SIM_BIN, "--listen", "127.0.0.1:0"}, (dir.path() / "sim.log").string()) {
    if (p_.wait_for("listening on 127.0.0.1:", 10s)) {
      const std::string l = p_.log();
      port_ = std::stoi(l.substr(l.find("listening on 127.0.0.1:") + 23));
    }
  }
  ~ConnectSim() {
    p_.signal(SIGTERM);
    p_.wait(5s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  Process p_;
  int port_ = 0;
};

std::string connect_config(const TempDir& dir, const ConnectSim& sim, const Receiver& rx,
                           const std::string& password, int max_per_day) {
  dir.write("pw", password + "\n");
  return "vehicle:\n"
         "  battery_kwh: 27.2\n"
         "  max_charge_kw: 7.4\n"
         "  source: { type: connect, base_url: \"" +
         sim.url() + "\", email: demo@outlook.com, password_file: " + (dir.path() / "pw").string() +
         " }\n"
         "  poll: { charging: 1s, plugged: 1s, away: 1s, max_per_day: " +
         std::to_string(max_per_day) +
         " }\n"
         "tariff: { name: Flat, default: 20 }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "api: { listen: \"127.0.0.1:0\" }\n"
         "notify:\n"
         "  - type: webhook\n"
         "    url: " +
         rx.url() + "/hook\n";
}

// The Connect simulator refuses the password: one account_problem (urgent), not one per try.
TEST(Notify, AccountProblemOnA401FromTheConnectSimulatorOncePerDay) {
  TempDir dir;
  ConnectSim sim(dir);
  Receiver rx;
  dir.write("offpeak.yaml", connect_config(dir, sim, rx, "wrong-password", 40));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string()},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(rx.wait_taken("/hook", 1, 30s)) << d.log();
  ASSERT_TRUE(d.wait_for("refused the credentials", 30s, 2)) << d.log();  // tried again
  std::this_thread::sleep_for(1s);
  auto hooks = rx.taken_on("/hook");
  ASSERT_EQ(hooks.size(), 1u) << d.log();
  auto j = boost::json::parse(hooks[0].body).as_object();
  EXPECT_EQ(j.at("event"), "account_problem");
  EXPECT_EQ(j.at("urgent"), true);
  EXPECT_EQ(j.at("data").at("reason"), "credentials");
  EXPECT_EQ(d.log().find("wrong-password"), std::string::npos);
  EXPECT_EQ(hooks[0].body.find("wrong-password"), std::string::npos);
}

// A day's request budget of two requests is spent by the first poll (login and vehicle): one
// account_problem for the budget (the daemon's clock at 60x, so its minute checks come fast).
TEST(Notify, AccountProblemWhenTheDaysBudgetIsSpent) {
  TempDir dir;
  ConnectSim sim(dir);
  Receiver rx;
  dir.write("offpeak.yaml", connect_config(dir, sim, rx, "demopass", 2));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed", "60"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(rx.wait_taken("/hook", 1, 30s)) << d.log();
  std::this_thread::sleep_for(2s);
  auto hooks = rx.taken_on("/hook");
  ASSERT_EQ(hooks.size(), 1u) << d.log();
  auto j = boost::json::parse(hooks[0].body).as_object();
  EXPECT_EQ(j.at("event"), "account_problem");
  EXPECT_EQ(j.at("data").at("reason"), "budget");
  EXPECT_EQ(j.at("data").at("allowed").as_double(), 2.0);
}

// A real SMTP server (aiosmtpd) on loopback with STARTTLS on a test CA and AUTH.
class SmtpServer {
 public:
  explicit SmtpServer(const TempDir& dir) : dir_(dir) {
    const std::string d = dir.path().string();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    const std::string script =
        "cd '" + d + "' && openssl req -x509" + ec +
        "-keyout ca.key -out ca.pem -days 2 -subj '/CN=offpeak test CA' && openssl req -x509" + ec +
        "-keyout other.key -out other.pem -days 2 -subj '/CN=other CA' && openssl req" + ec +
        "-keyout smtp.key -out smtp.csr -subj '/CN=localhost' && printf "
        "'subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf && "
        "openssl x509 -req -in smtp.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out smtp.pem "
        "-days 2 -extfile ext.cnf";
    ok_ = std::system((script + " >/dev/null 2>&1").c_str()) == 0 &&
          run_command("/usr/bin/python3 -c 'import aiosmtpd' 2>&1").status == 0;
    if (!ok_) return;
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", SMTP_SERVER_PY, d + "/smtp.pem",
                                 d + "/smtp.key", "offpeak@example.com", k_smtp_password,
                                 d + "/mail.jsonl"},
        d + "/smtp.log");
    if (proc_->wait_for("listening on 127.0.0.1:", 20s)) {
      const std::string l = proc_->log();
      port_ = std::stoi(l.substr(l.find("127.0.0.1:") + 10));
    }
  }
  bool ok() const { return ok_ && port_ > 0; }
  int port() const { return port_; }
  std::vector<boost::json::object> mails() const {
    std::vector<boost::json::object> out;
    std::ifstream in(dir_.path() / "mail.jsonl");
    for (std::string line; std::getline(in, line);)
      out.push_back(boost::json::parse(line).as_object());
    return out;
  }
  static constexpr const char* k_smtp_password = "smtp-S3cret-pw";

 private:
  const TempDir& dir_;
  bool ok_ = false;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

std::string email_config(const TempDir& dir, const SmtpServer& smtp, const std::string& ca,
                         const std::string& password) {
  dir.write("smtp-password", password + "\n");
  return "vehicle: { name: testcar, battery_kwh: 60, max_charge_kw: 7.4, source: { type: "
         "simulator } }\n"
         "tariff: { default: 24.5 }\n"
         "storage: { database: " +
         (dir.path() / "offpeak.db").string() +
         " }\n"
         "notify:\n"
         "  - type: email\n"
         "    smtp: smtp://localhost:" +
         std::to_string(smtp.port()) +
         "\n"
         "    username: offpeak@example.com\n"
         "    password_file: " +
         (dir.path() / "smtp-password").string() +
         "\n"
         "    ca_file: " +
         (dir.path() / ca).string() +
         "\n"
         "    from: offpeak <offpeak@example.com>\n"
         "    to: [Owner <owner@example.com>]\n";
}

TEST(NotifyEmail, StartTlsVerifiedWithAuthAgainstAiosmtpd) {
  TempDir dir;
  SmtpServer smtp(dir);
  if (!smtp.ok()) GTEST_SKIP() << "needs openssl and python3-aiosmtpd (scripts/install-deps)";
  dir.write("offpeak.yaml", email_config(dir, smtp, "ca.pem", SmtpServer::k_smtp_password));
  auto r = run_command(std::string(OFFPEAK_BIN) + " notify test --config " +
                       (dir.path() / "offpeak.yaml").string() + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("email: ok"), std::string::npos) << r.out;
  auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].at("mail_from"), "offpeak@example.com");
  EXPECT_EQ(mails[0].at("rcpt_tos").as_array().at(0), "owner@example.com");
  const std::string data(mails[0].at("data").as_string());
  EXPECT_NE(data.find("Subject: [offpeak] offpeak test notification"), std::string::npos) << data;
  EXPECT_NE(data.find("From: offpeak <offpeak@example.com>"), std::string::npos) << data;
  EXPECT_NE(data.find("To: Owner <owner@example.com>"), std::string::npos) << data;
}

TEST(NotifyEmail, RefusedOnAWrongCaAndAWrongPassword) {
  TempDir dir;
  SmtpServer smtp(dir);
  if (!smtp.ok()) GTEST_SKIP() << "needs openssl and python3-aiosmtpd (scripts/install-deps)";
  dir.write("offpeak.yaml", email_config(dir, smtp, "other.pem", SmtpServer::k_smtp_password));
  auto wrong_ca = run_command(std::string(OFFPEAK_BIN) + " notify test --config " +
                              (dir.path() / "offpeak.yaml").string() + " 2>&1");
  EXPECT_EQ(wrong_ca.status, 1) << wrong_ca.out;
  EXPECT_NE(wrong_ca.out.find("email: failed: "), std::string::npos) << wrong_ca.out;
  EXPECT_NE(wrong_ca.out.find("certificate"), std::string::npos) << wrong_ca.out;
  dir.write("offpeak.yaml", email_config(dir, smtp, "ca.pem", "not-the-password"));
  auto wrong_pw = run_command(std::string(OFFPEAK_BIN) + " notify test --config " +
                              (dir.path() / "offpeak.yaml").string() + " 2>&1");
  EXPECT_EQ(wrong_pw.status, 1) << wrong_pw.out;
  EXPECT_NE(wrong_pw.out.find("email: failed: Login denied"), std::string::npos) << wrong_pw.out;
  EXPECT_EQ(wrong_pw.out.find("not-the-password"), std::string::npos) << wrong_pw.out;
  EXPECT_TRUE(smtp.mails().empty());
}

}  // namespace
}  // namespace offpeak::testing
