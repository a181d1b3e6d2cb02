// A sunny day end to end: the real offpeakd at 60x (--speed, --start) in mode solar, a private
// Mosquitto carrying the home's grid and PV meters, published by this test from a real PV/load
// trace (tests/data/pv_household_3days.csv, Ausgrid customer 12 on 2012-01-12, the PV scaled to a
// 7.3 kWp roof), and the independent ocpp-rpc charge point in strict mode
// (tests/ocpp/wallbox_peer.js) receiving the current limits and drawing what they allow.
//
// The house is closed-loop: grid = load - PV + what the wallbox draws at its latest limit. One
// daemon run shows: the car follows the surplus; a cloud pauses it after disable_delay; the sun
// back resumes it; a stale meter (the publisher stops) stops it within max_age + disable_delay;
// a broker restart resumes it; and the session's solar/grid split (the database) within 5 % of
// this test's own integration of the published readings. Then an MQTT plug (on/off) on the
// surplus with the delays, and smart mode with a ready-by buying what the sun did not bring in
// the cheap night.

#include "../unit/test_files.hpp"
#include "broker.hpp"
#include "ports.hpp"
#include "process.hpp"

#include <offpeak/domain/time.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace offpeak::testing {
namespace {

namespace json = boost::json;

constexpr double k_speed = 60;      // virtual seconds per wall second
constexpr double k_pv_scale = 7.0;  // the data's 1.04 kWp to a 7.3 kWp roof
constexpr double k_voltage = 230;
constexpr double k_min_current = 6;
constexpr double k_max_age_s = 60;   // site.grid.max_age
constexpr double k_enable_s = 60;    // charging.solar.enable_delay
constexpr double k_disable_s = 180;  // charging.solar.disable_delay
constexpr const char* k_start = "2026-06-20T10:00:00Z";

struct HalfHour {
  double load_kw = 0;
  double pv_kw = 0;
};

// The 48 half-hours of one day of the trace.
std::vector<HalfHour> trace_day(const std::string& date) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/pv_household_3days.csv");
  std::vector<HalfHour> day;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.rfind(date, 0) != 0) continue;
    std::stringstream ss(line);
    std::string ts, gc, gg;
    std::getline(ss, ts, ',');
    std::getline(ss, gc, ',');
    std::getline(ss, gg, ',');
    day.push_back({std::stod(gc), std::stod(gg)});
  }
  return day;
}

// Linear between the half-hours' midpoints; `s` seconds after midnight.
HalfHour at_second(const std::vector<HalfHour>& day, double s) {
  const double x = s / 1800.0 - 0.5;
  const int i = std::clamp(static_cast<int>(std::floor(x)), 0, 46);
  const double f = std::clamp(x - i, 0.0, 1.0);
  return {day[i].load_kw + (day[i + 1].load_kw - day[i].load_kw) * f,
          day[i].pv_kw + (day[i + 1].pv_kw - day[i].pv_kw) * f};
}

using Clock = std::chrono::steady_clock;

// The wallbox peer's output (JSON lines): its latest limit and status, every limit it got.
class Wallbox {
 public:
  explicit Wallbox(std::string log) : log_(std::move(log)) {}
  struct Limit {
    Clock::time_point at;
    double limit_a = 0;
    int phases = 1;
  };
  // Reads what the peer wrote since the last call.
  void poll() {
    std::ifstream in(log_);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line still being written
      offset_ += line.size() + 1;
      json::value v;
      try {
        v = json::parse(line);
      } catch (...) {
        other_.push_back(line);
        continue;
      }
      const auto& o = v.as_object();
      const std::string ev(o.at("ev").as_string());
      if (ev == "connected") {
        connected_ = true;
      } else if (ev == "limit") {
        limit_a_ = o.at("limit").to_number<double>();
        phases_ = static_cast<int>(o.at("phases").to_number<double>());
        limits_.push_back({Clock::now(), limit_a_, phases_});
      } else if (ev == "status") {
        status_ = std::string(o.at("status").as_string());
      } else {
        other_.push_back(line);  // "invalid", "error"
      }
    }
  }
  bool connected() const { return connected_; }
  bool charging() const { return status_ == "Charging" && limit_a_ > 0; }
  // What the car draws now (W).
  double power_w() const { return charging() ? limit_a_ * k_voltage * phases_ : 0.0; }
  double limit_a() const { return limit_a_; }
  const std::vector<Limit>& limits() const { return limits_; }
  const std::vector<std::string>& other() const { return other_; }

 private:
  std::string log_;
  std::size_t offset_ = 0;
  bool connected_ = false;
  double limit_a_ = 0;
  int phases_ = 1;
  std::string status_ = "Available";
  std::vector<Limit> limits_;
  std::vector<std::string> other_;
};

// One meter's readings into the broker: a mosquitto_pub -l that publishes each line written.
class MeterPublisher {
 public:
  MeterPublisher(const Broker& b, std::string topic) : broker_(b), topic_(std::move(topic)) {}
  ~MeterPublisher() { close(); }
  void open() {
    close();
    std::string cmd;
    for (const auto& a : broker_.client_args("/usr/bin/mosquitto_pub"))
      cmd += a + " ";
    cmd += "-t " + topic_ + " -l -q 0 >/dev/null 2>&1";
    pipe_ = ::popen(cmd.c_str(), "w");
  }
  void close() {
    if (pipe_) ::pclose(pipe_);
    pipe_ = nullptr;
  }
  void publish(double watts) {
    if (!pipe_) return;
    std::fprintf(pipe_, "%.0f\n", watts);
    std::fflush(pipe_);
  }

 private:
  const Broker& broker_;
  std::string topic_;
  FILE* pipe_ = nullptr;
};

std::string curl(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> args{"/usr/bin/curl", "-s", "-m", "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run(dir, args, 10s);
}

// offpeakd's configuration for a day at home: a simulated car that stays plugged in, a night
// tariff (8.5p 00:30-05:30, else 24.5p), the grid and PV meters on the test's broker, a switch.
struct Home {
  double car_kw = 7.4;
  std::string switch_yaml;
  double battery_kwh = 77;
  double initial_soc = 20;
  std::string plug_in_at = "06:00", unplug_at = "23:00";
  std::string solar = "interval: 10s, enable_delay: 1m, disable_delay: 3m, min_change_a: 1";
  std::string max_age = "60s";
  double export_price = 15;
  std::string source;  // vehicle.source; empty: the simulated car
};

std::string solar_config(const TempDir& dir, const Broker& broker, const Home& h) {
  dir.write("mqtt-password", std::string(k_password) + "\n");
  dir.write("api-token", "solar-day-token\n");
  std::ostringstream y;
  y << "timezone: UTC\n"
    << "vehicle:\n"
    << "  battery_kwh: " << h.battery_kwh << "\n"
    << "  max_charge_kw: " << h.car_kw << "\n"
    << "  efficiency: 0.9\n"
    << "  source: "
    << (h.source.empty()
            ? "{ type: simulator, initial_soc: " + std::to_string(h.initial_soc) +
                  ", plug_in_at: \"" + h.plug_in_at + "\", unplug_at: \"" + h.unplug_at + "\" }"
            : h.source)
    << "\n"
    << "  poll: { charging: 5m, plugged: 15m, away: 60m }\n"
    << "charging:\n"
    << "  target_soc: 80\n"
    << "  ready_by: \"07:30\"\n"
    << "  solar: { " << h.solar << " }\n"
    << "tariff:\n"
    << "  default: 24.5\n"
    << "  periods: [ { start: \"00:30\", end: \"05:30\", price: 8.5 } ]\n"
    << h.switch_yaml << "mqtt:\n  broker: mqtt://127.0.0.1:" << broker.port()
    << "\n  username: " << k_user
    << "\n  password_file: mqtt-password\n  client_id: offpeak-solar-day\n  keepalive: 10s\n"
    << "site:\n"
    << "  grid: { type: mqtt, topic: home/grid/power, max_age: " << h.max_age << " }\n"
    << "  pv: { type: mqtt, topic: home/pv/power, max_age: " << h.max_age << " }\n"
    << "  export_price: " << h.export_price << "\n"
    << "storage: { database: " << (dir.path() / "offpeak.db").string() << " }\n"
    << "api: { listen: \"127.0.0.1:0\", token_file: api-token }\n";
  return y.str();
}

// The daemon's API base URL from its log ("" when not listening yet).
std::string api_url(const std::string& log) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex(R"(API listening on 127\.0\.0\.1:(\d+))"))) return {};
  return "http://127.0.0.1:" + m[1].str();
}

// Sets the mode through the API (the token solar_config writes); the answer.
std::string set_mode(const TempDir& dir, const std::string& api, const std::string& mode) {
  return curl(dir, {"-H", "Authorization: Bearer solar-day-token", "-X", "POST",
                    api + "/api/v1/mode", "-d", "{\"mode\":\"" + mode + "\"}"});
}

bool have_node_peer() {
  return fs::exists("/usr/bin/node") &&
         fs::exists(std::string(OFFPEAK_SOURCE_DIR) + "/tests/ocpp/node_modules/ocpp-rpc");
}

// The daemon's log without the per-reading debug lines, for failure messages.
std::string digest(const std::string& log) {
  std::stringstream in(log);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.find("[debug]") != std::string::npos || line.find("[trace]") != std::string::npos)
      continue;
    if (line.find("not a topic offpeakd reads") != std::string::npos) continue;
    out += line + "\n";
  }
  return out.size() > 20000 ? out.substr(0, 10000) + "\n...\n" + out.substr(out.size() - 10000)
                            : out;
}

// A log line's count.
int count(const std::string& log, const std::string& text) {
  int n = 0;
  for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1))
    ++n;
  return n;
}

TEST(SolarDay, FollowsTheSurplusPausesForACloudAndAStaleMeterResumesAfterABrokerRestart) {
  if (!have("/usr/bin/mosquitto_pub") ||
      (!have("/usr/sbin/mosquitto") && !have("/usr/bin/mosquitto")))
    GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed";
  if (!have_node_peer()) GTEST_SKIP() << "node or tests/ocpp/node_modules (npm ci) missing";
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<HalfHour> day = trace_day("2012-01-12");  // the sunniest day
  ASSERT_EQ(day.size(), 48u);

  TempDir dir;
  Broker broker(dir);
  ASSERT_TRUE(port_open(broker.port()));
  dir.write("ocpp-password", "correct horse battery staple\n");
  dir.write("offpeak.yaml", solar_config(dir, broker,
                                         Home{7.4,
                                              "switch:\n"
                                              "  type: ocpp\n"
                                              "  listen: 127.0.0.1:0\n"
                                              "  charge_point_id: CP01\n"
                                              "  password_file: ocpp-password\n"
                                              "  phases: 1\n"
                                              "  min_current_a: 6\n"
                                              "  max_current_a: 32\n"
                                              "  voltage: 230\n"}));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed",
             std::to_string(static_cast<int>(k_speed)), "--start", k_start, "--log-level", "debug"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("OCPP listening on", 20s)) << d.log();
  std::smatch m;
  std::string log = d.log();
  const std::string api = api_url(log);
  ASSERT_FALSE(api.empty()) << log;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(OCPP listening on 127\.0\.0\.1:(\d+))")));
  const std::string ocpp_url = "ws://127.0.0.1:" + m[1].str() + "/ocpp";
  ASSERT_TRUE(d.wait_for("MQTT: connected", 20s)) << d.log();

  const std::string peer_log = (dir.path() / "wallbox.log").string();
  Process peer(
      {"/usr/bin/node", std::string(OFFPEAK_SOURCE_DIR) + "/tests/ocpp/wallbox_peer.js"}, peer_log,
      {"OCPP_URL=" + ocpp_url, "OCPP_ID=CP01", "OCPP_PASSWORD=correct horse battery staple",
       "SPEED=" + std::to_string(static_cast<int>(k_speed))});
  Wallbox box(peer_log);
  for (int i = 0; i < 200 && !box.connected(); ++i) {
    std::this_thread::sleep_for(50ms);
    box.poll();
  }
  ASSERT_TRUE(box.connected()) << peer.log() << d.log();
  const std::string mode = set_mode(dir, api, "solar");
  ASSERT_NE(mode.find("solar"), std::string::npos) << mode;

  // The daemon's virtual now, to map the wall clock onto the trace.
  const json::value status0 = json::parse(curl(dir, {api + "/api/v1/status"}));
  const Instant v0 = *parse_rfc3339(std::string(status0.at("now").as_string()));
  const auto r0 = Clock::now();
  auto vsec = [&](Clock::time_point t) {
    return std::chrono::duration<double>(t - r0).count() * k_speed;  // virtual s since v0
  };
  const double v0_of_day =
      static_cast<double>((v0 - std::chrono::floor<std::chrono::days>(v0)).count());

  MeterPublisher grid(broker, "home/grid/power");
  MeterPublisher pv(broker, "home/pv/power");
  grid.open();
  pv.open();

  // The scenario, in virtual minutes since v0.
  constexpr double k_cloud_from = 60 * 60, k_cloud_to = 75 * 60;
  constexpr double k_stale_from = 100 * 60, k_broker_restart = 115 * 60, k_end = 145 * 60;

  // The test's own integration of the published readings: a reading holds until the next,
  // at most max_age (then stale: the car's power counts as grid).
  double solar_wh = 0, grid_wh = 0;
  std::optional<double> last_grid;
  double last_reading_v = -1e9;
  double prev_v = 0;
  double prev_car_w = 0;
  // Following: the limit against floor(surplus / 230) while charging in the sun.
  int follow_samples = 0, follow_close = 0;
  double worst_follow = 0;
  bool restarted = false;
  bool publishing = true;

  for (;;) {
    const auto now = Clock::now();
    const double v = vsec(now);
    if (v > k_end) break;
    box.poll();
    const double car_w = box.power_w();
    // Integrate [prev_v, v] with the previous car power and the reading that held then.
    if (v > prev_v) {
      const double hours = (v - prev_v) / 3600.0;
      const bool fresh = last_grid && prev_v - last_reading_v <= k_max_age_s;
      const double from_grid = fresh ? std::clamp(*last_grid, 0.0, prev_car_w) : prev_car_w;
      grid_wh += from_grid * hours;
      solar_wh += (prev_car_w - from_grid) * hours;
    }
    prev_v = v;
    prev_car_w = car_w;

    if (v >= k_stale_from && v < k_broker_restart && publishing) {
      grid.close();  // the publisher stops: the meter goes stale
      pv.close();
      publishing = false;
    }
    if (v >= k_broker_restart && !restarted) {
      broker.kill9();
      broker.start();
      grid.open();
      pv.open();
      publishing = true;
      restarted = true;
    }
    const HalfHour h = at_second(day, std::fmod(v0_of_day + v, 86400.0));
    const bool cloud = v >= k_cloud_from && v < k_cloud_to;
    const double pv_w = h.pv_kw * k_pv_scale * 1000.0 * (cloud ? 0.1 : 1.0);
    const double load_w = h.load_kw * 1000.0;
    const double grid_w = load_w + car_w - pv_w;
    if (publishing) {
      grid.publish(grid_w);
      pv.publish(pv_w);
      last_grid = grid_w;
      last_reading_v = v;
    }
    // Following the surplus: 15 min into each sunny stretch, charging.
    const bool settled = (v > 15 * 60 && v < k_cloud_from) ||
                         (v > k_cloud_to + 15 * 60 && v < k_stale_from) ||
                         (v > k_broker_restart + 20 * 60);
    if (settled && box.charging()) {
      const double want = std::clamp(std::floor((pv_w - load_w) / k_voltage), k_min_current, 32.0);
      const double off = std::fabs(box.limit_a() - want);
      ++follow_samples;
      if (off <= 2.0) ++follow_close;
      worst_follow = std::max(worst_follow, off);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(10'000 / k_speed)));
  }
  // The wallbox leaves: no energy after the scenario's end (the test's integration ends here).
  peer.signal(SIGTERM);
  peer.wait(5s);
  box.poll();
  const std::string dlog = d.log();
  EXPECT_TRUE(box.other().empty()) << "the strict charge point saw: " << box.other().front();
  // Meter readings are readings, not unknown commands.
  EXPECT_EQ(count(dlog, "not a topic offpeakd reads"), 0);

  // When the wallbox went on (a limit > 0) and off (a limit of 0), in virtual seconds since v0.
  std::vector<std::pair<double, bool>> edges;
  bool on = false;
  for (const auto& l : box.limits()) {
    const bool now_on = l.limit_a > 0;
    if (now_on != on) edges.emplace_back(vsec(l.at), now_on);
    on = now_on;
  }
  auto first_edge = [&](bool want_on, double after) -> std::optional<double> {
    for (const auto& [v, is_on] : edges)
      if (is_on == want_on && v >= after) return v;
    return std::nullopt;
  };
  std::string edge_text;
  for (const auto& [v, is_on] : edges)
    edge_text += (is_on ? " on@" : " off@") + std::to_string(static_cast<int>(v / 60)) + "m";

  // 1. The sun: the car starts after enable_delay and follows the surplus.
  const auto started = first_edge(true, 0);
  ASSERT_TRUE(started) << edge_text << "\n" << digest(dlog);
  EXPECT_GE(*started, k_enable_s - 15) << edge_text;
  EXPECT_LE(*started, k_enable_s + 120) << edge_text;
  ASSERT_GT(follow_samples, 50);
  std::printf(
      "followed the surplus within 2 A in %d of %d samples (worst %.1f A); %zu limits "
      "sent in %.0f min\n",
      follow_close, follow_samples, worst_follow, box.limits().size(), k_end / 60);
  EXPECT_GE(follow_close, follow_samples * 8 / 10);

  // 2. A cloud pauses it after disable_delay; the sun back resumes it.
  const auto paused = first_edge(false, k_cloud_from);
  ASSERT_TRUE(paused) << edge_text;
  const double pause_delay = *paused - k_cloud_from;
  std::printf("cloud: paused after %.0f s (disable_delay %.0f s)\n", pause_delay, k_disable_s);
  EXPECT_GE(pause_delay, k_disable_s - 20) << edge_text;
  EXPECT_LE(pause_delay, k_disable_s + 90) << edge_text;
  EXPECT_NE(dlog.find("pausing"), std::string::npos);
  const auto resumed = first_edge(true, *paused);
  ASSERT_TRUE(resumed) << edge_text;
  EXPECT_GE(*resumed, k_cloud_to + k_enable_s - 20) << edge_text;
  EXPECT_LE(*resumed, k_cloud_to + k_enable_s + 150) << edge_text;

  // 3. A stale meter stops solar charging within max_age + disable_delay.
  const auto stale_stop = first_edge(false, k_stale_from);
  ASSERT_TRUE(stale_stop) << edge_text;
  const double stale_delay = *stale_stop - k_stale_from;
  std::printf("stale meter: stopped after %.0f s (max_age + disable_delay = %.0f s)\n", stale_delay,
              k_max_age_s + k_disable_s);
  EXPECT_LE(stale_delay, k_max_age_s + k_disable_s + 60) << edge_text;
  EXPECT_LT(*stale_stop, k_broker_restart) << edge_text;
  EXPECT_NE(dlog.find("stale"), std::string::npos);

  // 4. A broker restart: the meter is back and charging resumes.
  const auto after_restart = first_edge(true, k_broker_restart);
  ASSERT_TRUE(after_restart) << edge_text << "\n" << digest(dlog);
  std::printf("broker restart: charging again after %.0f s\n", *after_restart - k_broker_restart);
  EXPECT_GE(count(dlog, "MQTT: connected"), 2);

  // 5. The session's split against this test's integration, within 5 % of its energy.
  std::this_thread::sleep_for(1s);  // the last meter values and the database write
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT energy_kwh, solar_kwh, grid_kwh, cost_p FROM sessions "
                      "ORDER BY id DESC LIMIT 1");
  ASSERT_TRUE(q.executeStep());
  const double energy = q.getColumn(0).getDouble();
  const double solar = q.getColumn(1).getDouble();
  const double grid_part = q.getColumn(2).getDouble();
  const double cost = q.getColumn(3).getDouble();
  const double test_energy = (solar_wh + grid_wh) / 1000.0;
  std::printf(
      "session: %.2f kWh (%.2f solar, %.2f grid), cost %.1fp; the test: %.2f kWh (%.2f "
      "solar, %.2f grid)\n",
      energy, solar, grid_part, cost, test_energy, solar_wh / 1000.0, grid_wh / 1000.0);
  ASSERT_GT(test_energy, 3.0);
  EXPECT_NEAR(solar + grid_part, energy, 1e-6);
  EXPECT_NEAR(energy, test_energy, 0.05 * test_energy);
  EXPECT_NEAR(solar, solar_wh / 1000.0, 0.05 * test_energy);
  EXPECT_NEAR(grid_part, grid_wh / 1000.0, 0.05 * test_energy);
  EXPECT_GT(solar, grid_part) << "a sunny day's charge is mostly solar";
  // Solar at the 15p export price, the grid part at 24.5p.
  EXPECT_NEAR(cost, solar * 15.0 + grid_part * 24.5, 0.02 * cost + 1.0);

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(15s), 0) << d.log();
}

// An on/off switch (an MQTT plug, Tasmota-style topics) with a 2.3 kW car: on when the surplus
// covers the car's power for enable_delay, off when importing for disable_delay (a cloud), on
// again when the sun is back. The test is the plug: it answers each command with its state.
TEST(SolarDay, AnMqttPlugStartsAndStopsOnTheSurplusWithTheDelays) {
  if (!have("/usr/bin/mosquitto_pub") || !have("/usr/bin/mosquitto_sub") ||
      (!have("/usr/sbin/mosquitto") && !have("/usr/bin/mosquitto")))
    GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed";
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<HalfHour> day = trace_day("2012-01-12");
  ASSERT_EQ(day.size(), 48u);
  TempDir dir;
  Broker broker(dir);
  dir.write("offpeak.yaml", solar_config(dir, broker,
                                         Home{2.3,
                                              "switch:\n"
                                              "  type: mqtt\n"
                                              "  command_topic: cmnd/plug/POWER\n"
                                              "  state_topic: stat/plug/POWER\n"
                                              "  timeout: 5m\n"}));
  // The plug hears its commands.
  auto sub_args = broker.client_args("/usr/bin/mosquitto_sub");
  sub_args.insert(sub_args.end(), {"-t", "cmnd/plug/POWER", "-F", "%p"});
  const std::string plug_log = (dir.path() / "plug.log").string();
  Process plug(sub_args, plug_log);
  broker.pub("stat/plug/POWER", "OFF", true);
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed",
             std::to_string(static_cast<int>(k_speed)), "--start", k_start, "--log-level", "debug"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("MQTT: connected", 20s)) << d.log();
  const std::string api = api_url(d.log());
  const std::string mode = set_mode(dir, api, "solar");
  ASSERT_NE(mode.find("solar"), std::string::npos) << mode;
  const json::value status0 = json::parse(curl(dir, {api + "/api/v1/status"}));
  const Instant v0 = *parse_rfc3339(std::string(status0.at("now").as_string()));
  const auto r0 = Clock::now();
  auto vsec = [&](Clock::time_point t) {
    return std::chrono::duration<double>(t - r0).count() * k_speed;
  };
  const double v0_of_day =
      static_cast<double>((v0 - std::chrono::floor<std::chrono::days>(v0)).count());

  MeterPublisher grid(broker, "home/grid/power");
  MeterPublisher pv(broker, "home/pv/power");
  grid.open();
  pv.open();
  constexpr double k_cloud_from = 20 * 60, k_cloud_to = 35 * 60, k_end = 50 * 60;
  bool on = false;
  std::size_t seen = 0;
  std::vector<std::pair<double, bool>> edges;  // virtual s since v0, on
  for (;;) {
    const double v = vsec(Clock::now());
    if (v > k_end) break;
    // Commands the plug received since the last look: it switches and reports its state.
    std::stringstream cmds(plug.log());
    std::string line;
    std::size_t n = 0;
    while (std::getline(cmds, line)) {
      if (++n <= seen) continue;
      seen = n;
      const bool want = line == "ON";
      if (line != "ON" && line != "OFF") continue;
      if (want != on) edges.emplace_back(v, want);
      on = want;
      broker.pub("stat/plug/POWER", line, true);
    }
    const HalfHour h = at_second(day, std::fmod(v0_of_day + v, 86400.0));
    const bool cloud = v >= k_cloud_from && v < k_cloud_to;
    const double pv_w = h.pv_kw * k_pv_scale * 1000.0 * (cloud ? 0.1 : 1.0);
    grid.publish(h.load_kw * 1000.0 + (on ? 2300.0 : 0.0) - pv_w);
    pv.publish(pv_w);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(10'000 / k_speed)));
  }
  std::string edge_text;
  for (const auto& [v, is_on] : edges)
    edge_text += (is_on ? " on@" : " off@") + std::to_string(static_cast<int>(v)) + "s";
  const std::string dlog = d.log();
  ASSERT_EQ(edges.size(), 3u) << edge_text << "\n" << digest(dlog);
  std::printf("plug: on after %.0f s, off %.0f s into the cloud, on %.0f s after it\n",
              edges[0].first, edges[1].first - k_cloud_from, edges[2].first - k_cloud_to);
  EXPECT_TRUE(edges[0].second);
  EXPECT_GE(edges[0].first, k_enable_s - 15) << edge_text;
  EXPECT_LE(edges[0].first, k_enable_s + 120) << edge_text;
  EXPECT_FALSE(edges[1].second);
  EXPECT_GE(edges[1].first - k_cloud_from, k_disable_s - 20) << edge_text;
  EXPECT_LE(edges[1].first - k_cloud_from, k_disable_s + 90) << edge_text;
  EXPECT_TRUE(edges[2].second);
  EXPECT_GE(edges[2].first - k_cloud_to, k_enable_s - 20) << edge_text;
  EXPECT_LE(edges[2].first - k_cloud_to, k_enable_s + 150) << edge_text;
  EXPECT_EQ(count(dlog, "not a topic offpeakd reads"), 0);
  // The session (energy from the car's SoC rise, no charger meter) is split by the readings
  // too: the plug ran on the sun but for the disable_delay in the cloud.
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(15s), 0) << d.log();
  SQLite::Database db((dir.path() / "offpeak.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT energy_kwh, solar_kwh, grid_kwh FROM sessions");
  ASSERT_TRUE(q.executeStep());
  const double energy = q.getColumn(0).getDouble();
  const double solar = q.getColumn(1).getDouble();
  std::printf("plug session: %.2f kWh, %.2f from the sun\n", energy, solar);
  EXPECT_GT(energy, 0.5);
  EXPECT_GT(solar, 0.6 * energy);
  EXPECT_NEAR(solar + q.getColumn(2).getDouble(), energy, 1e-6);
}

// Smart mode with a ready-by when the sun is not enough: a 5p export is worth less than the
// 8.5p night, so the afternoon's surplus is taken; the rest of the need comes from the grid in
// the cheap night, and the car (its SoC reported by the charger) reaches the target by 07:30.
TEST(SolarDay, SmartTakesTheAfternoonSunAndBuysTheRestInTheCheapNight) {
  if (!have("/usr/bin/mosquitto_pub") ||
      (!have("/usr/sbin/mosquitto") && !have("/usr/bin/mosquitto")))
    GTEST_SKIP() << "mosquitto and mosquitto-clients are not installed";
  if (!have_node_peer()) GTEST_SKIP() << "node or tests/ocpp/node_modules (npm ci) missing";
  std::signal(SIGPIPE, SIG_IGN);
  constexpr double k_fast = 600;  // 16.5 h in about 100 s
  const std::vector<HalfHour> day = trace_day("2012-01-12");
  ASSERT_EQ(day.size(), 48u);
  TempDir dir;
  Broker broker(dir);
  dir.write("ocpp-password", "correct horse battery staple\n");
  Home home;
  home.switch_yaml =
      "switch:\n  type: ocpp\n  listen: 127.0.0.1:0\n  charge_point_id: CP01\n"
      "  password_file: ocpp-password\n  phases: 1\n  min_current_a: 6\n  max_current_a: 32\n";
  home.battery_kwh = 40;
  home.source = "{ type: charger }";
  home.solar = "interval: 1m, enable_delay: 1m, disable_delay: 3m, min_change_a: 1";
  home.max_age = "10m";
  home.export_price = 5;
  dir.write("offpeak.yaml", solar_config(dir, broker, home));
  Process d({OFFPEAKD_BIN, "--config", (dir.path() / "offpeak.yaml").string(), "--speed",
             std::to_string(static_cast<int>(k_fast)), "--start", "2026-06-20T15:00:00Z",
             "--log-level", "debug"},
            (dir.path() / "offpeakd.log").string());
  ASSERT_TRUE(d.wait_for("API listening on", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("OCPP listening on", 20s)) << d.log();
  ASSERT_TRUE(d.wait_for("MQTT: connected", 20s)) << d.log();
  const std::string log = d.log();
  const std::string api = api_url(log);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(OCPP listening on 127\.0\.0\.1:(\d+))")));
  const std::string peer_log = (dir.path() / "wallbox.log").string();
  Process peer(
      {"/usr/bin/node", std::string(OFFPEAK_SOURCE_DIR) + "/tests/ocpp/wallbox_peer.js"}, peer_log,
      {"OCPP_URL=ws://127.0.0.1:" + m[1].str() + "/ocpp", "OCPP_ID=CP01",
       "OCPP_PASSWORD=correct horse battery staple",
       "SPEED=" + std::to_string(static_cast<int>(k_fast)), "BATTERY_KWH=40", "INITIAL_SOC=30"});
  Wallbox box(peer_log);
  for (int i = 0; i < 200 && !box.connected(); ++i) {
    std::this_thread::sleep_for(50ms);
    box.poll();
  }
  ASSERT_TRUE(box.connected()) << peer.log() << d.log();
  const json::value status0 = json::parse(curl(dir, {api + "/api/v1/status"}));
  const Instant v0 = *parse_rfc3339(std::string(status0.at("now").as_string()));
  const auto r0 = Clock::now();
  auto vsec = [&](Clock::time_point t) {
    return std::chrono::duration<double>(t - r0).count() * k_fast;
  };
  const double v0_of_day =
      static_cast<double>((v0 - std::chrono::floor<std::chrono::days>(v0)).count());
  MeterPublisher grid(broker, "home/grid/power");
  MeterPublisher pv(broker, "home/pv/power");
  grid.open();
  pv.open();
  // Until 07:30 the next day; the cheap night is 00:30-05:30.
  const double k_end = 86400 + 7.5 * 3600 - v0_of_day;
  // Grid energy at the dear price before the night's cheap window ends, and after it (the
  // top-ups of a car that reads just under its target).
  double solar_wh = 0, grid_cheap_wh = 0, grid_dear_wh = 0, grid_after_wh = 0;
  const double cheap_end = 86400 + 5.5 * 3600 - v0_of_day;
  double prev_v = 0, prev_car_w = 0, prev_grid_w = 0;
  for (;;) {
    const double v = vsec(Clock::now());
    if (v > k_end) break;
    box.poll();
    const double car_w = box.power_w();
    if (v > prev_v) {
      const double hours = (v - prev_v) / 3600.0;
      const double from_grid = std::clamp(prev_grid_w, 0.0, prev_car_w);
      const double tod = std::fmod(v0_of_day + prev_v, 86400.0);
      const bool cheap = tod >= 0.5 * 3600 && tod < 5.5 * 3600;
      (cheap                 ? grid_cheap_wh
       : prev_v >= cheap_end ? grid_after_wh
                             : grid_dear_wh) += from_grid * hours;
      solar_wh += (prev_car_w - from_grid) * hours;
    }
    const HalfHour h = at_second(day, std::fmod(v0_of_day + v, 86400.0));
    const double pv_w = h.pv_kw * k_pv_scale * 1000.0;
    const double grid_w = h.load_kw * 1000.0 + car_w - pv_w;
    grid.publish(grid_w);
    pv.publish(pv_w);
    prev_v = v;
    prev_car_w = car_w;
    prev_grid_w = grid_w;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(60'000 / k_fast)));
  }
  box.poll();
  const json::value st = json::parse(curl(dir, {api + "/api/v1/status"}));
  const std::string dlog = d.log();
  EXPECT_TRUE(box.other().empty()) << "the strict charge point saw: " << box.other().front();
  std::printf(
      "smart: %.2f kWh from the sun, %.2f kWh from the grid in the cheap night, %.2f "
      "kWh from the grid at dear prices before it ended, %.2f kWh after it; SoC %s at 07:30\n",
      solar_wh / 1000, grid_cheap_wh / 1000, grid_dear_wh / 1000, grid_after_wh / 1000,
      json::serialize(st.at("soc")).c_str());
  EXPECT_GT(solar_wh / 1000, 3.0) << digest(dlog);       // the afternoon's surplus taken
  EXPECT_GT(grid_cheap_wh / 1000, 5.0) << digest(dlog);  // the rest in the cheap night
  EXPECT_LT(grid_dear_wh / 1000, 0.5) << digest(dlog);   // hardly any dear grid energy
  // A car that reads a few tenths under its target is not topped up at the peak price.
  EXPECT_LT(grid_after_wh / 1000, 0.1) << digest(dlog);
  ASSERT_TRUE(st.at("soc").is_number()) << json::serialize(st);
  EXPECT_GE(st.at("soc").to_number<double>(), 79.0) << digest(dlog);
  // Some limit below the full current: the afternoon followed the surplus.
  EXPECT_TRUE(std::any_of(box.limits().begin(), box.limits().end(),
                          [](const auto& l) { return l.limit_a > 0 && l.limit_a < 32; }));
  peer.signal(SIGTERM);
  peer.wait(5s);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(15s), 0) << d.log();
}

}  // namespace
}  // namespace offpeak::testing
