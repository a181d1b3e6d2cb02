#pragma once
// A loadpoint: one charger (the switch, with its OCPP central system when it is one) and the
// car on it (its vehicle source), with what the daemon keeps per car: the controller, the
// SoC estimator inside it, session tracking, the poll policy and its budget, the learned
// charging model, and the surplus loop that follows the site's meters. The Service owns a
// list of loadpoints (one today) and wires them to the site, the prices and the bridges.

#include "runtime.hpp"
#include "sources.hpp"
#include "switches.hpp"

#include <offpeak/config/config.hpp>
#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/cloud_lag.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/domain/session_tracker.hpp>
#include <offpeak/domain/site.hpp>
#include <offpeak/domain/surplus.hpp>
#include <offpeak/store/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/system/result.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace offpeak::api {
struct StatusSnapshot;
}

namespace offpeak::daemon {

class Service;
class OcppBridge;

class Loadpoint {
 public:
  // Builds the car's source, the charger's switch and the controller from the Service's
  // configuration, and restores what the database keeps per car (mode, override, the day's
  // requests, the open session).
  explicit Loadpoint(Service& service);
  ~Loadpoint();
  Loadpoint(const Loadpoint&) = delete;
  Loadpoint& operator=(const Loadpoint&) = delete;

  // Starts the poll, control and solar loops and the first re-learning of the history.
  void start();
  // The OCPP central system's listening socket, when the switch is one (before READY=1).
  boost::system::result<void, std::string> listen();
  void stop();
  // On SIGHUP, after the Service adopted the new configuration: first the vehicle source
  // (when it changed, before the MQTT bridge reconnects), then the switch and the controller.
  void reload_source();
  void reconfigure();
  // After a reload: ask the poll policy and the controller again.
  void kick();

  // A reading of the site's meters: the surplus loop (loadpoint_solar.cpp).
  void on_site(const SiteState& site);
  // The controller's price curve and what the prices let it plan.
  void set_prices(PriceCurve curve);

  // What the car draws now (W): the charger's meter, else the current applied, else its power.
  double car_power_w() const;
  // The current the switch carries now (A; 0 while off), nullopt for an on/off switch.
  std::optional<double> charge_current_a() const;

  // The car's part of the daemon's status line (systemd STATUS=).
  std::string status_line() const;

  Controller& controller() { return controller_; }
  const Controller& controller() const { return controller_; }
  std::string device_id() const;

 private:
  friend class Service;
  friend class ServiceApi;
  friend class OcppBridge;
  friend class MqttBridge;
  friend class NotifyBridge;

  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> control_loop();
  void update_status();

  // --- solar (loadpoint_solar.cpp) ---
  // Every charging.solar.interval: the surplus loop's timers (a meter that went quiet is stale).
  boost::asio::awaitable<void> solar_loop();
  // Steps the surplus loop, logs its decisions, hands its wish to the controller.
  void surplus_step();
  // A controller command through the switch: a start for the surplus alone starts at the
  // surplus's current, anything else as before.
  boost::asio::awaitable<SwitchOutcome> send_command(Action action);
  // Sets the wanted current while the switch is on (modulating switches), when it differs.
  void apply_current();
  boost::asio::awaitable<void> apply_current_loop();
  // Whether `want` is not what the switch carries (an unknown current while charging for the
  // surplus counts as different).
  bool current_differs(const CurrentSetting& want) const;
  // The current the switch should carry now: the surplus's when charging for it alone, else
  // the full current of a planned run.
  CurrentSetting wanted_current() const;
  SurplusSettings surplus_settings() const;
  // What the solar part of a session's energy is worth: the site's export price (the one
  // place that says where it comes from).
  ExportPrice export_price() const;
  // ", 3.20 kWh from the sun..." for the session's log line; empty without solar energy.
  std::string solar_part(const SessionRecord& rec) const;
  // After a (re)load: the surplus loop's settings; mode solar without a grid meter goes back
  // to smart (said in the log).
  void solar_configured();
  // The site and the current for /api/v1/status, /metrics and MQTT.
  void solar_snapshot(api::StatusSnapshot& snap) const;

  // --- OCPP charger (ocpp_bridge.cpp) ---
  // Creates, reconfigures or drops the OCPP central system per the switch config; with one,
  // switch_ is its switch.
  void setup_ocpp();
  // The charger reports a plug-in or unplug: the session opens or closes at once.
  void charger_plug(Instant at, bool plugged);
  // The charger's energy register: the open session's energy becomes metered.
  void charger_metered(Instant at, double energy_wh);
  // Logs and stores a session change.
  void record_session(const SessionUpdate& u, const std::string& dev);

  void handle_observation(const VehicleState& state);
  // --- vehicle sources (loadpoint_vehicle.cpp) ---
  // Builds the source for cfg_ (the registry) and hooks a pushed one to the poll loop.
  void adopt_source();
  // The poll loop's part for a pushed source: an observation whenever a value arrives and
  // when the SoC turns stale. Returns when a reload chose a polled source.
  boost::asio::awaitable<void> pushed_loop();
  // A SoC the owner told (API, MQTT, CLI): recorded as a reading marked told; the estimator
  // carries it forward. False (and `why` set) when it cannot be taken.
  bool tell_soc(double percent, std::string origin, std::string& why);
  // Records whether the source's SoC is stale; logs the change. True when it changed.
  bool note_soc_stale(bool stale);
  void adopt_plan();
  void record_command(const Command& cmd, const SwitchOutcome& outcome, Instant at);
  // Makes the poll loop ask the poll policy again (after a command, a reload, ...).
  void reschedule_poll();
  void kick_controller();
  ControllerSettings controller_settings(const config::Config& cfg) const;
  // When to poll next, from the poll policy and the failure back-off.
  PollDecision poll_decision() const;
  // Re-learns the charging model and the usual plug-in times from the database (worker
  // thread), then adopts them.
  boost::asio::awaitable<void> relearn();
  // Queues a database write; failures are logged, never fatal.
  template <typename F>
  void db_write(F f);

  Service& service_;
  // The Service's loop, clock, configuration (replaced in place on SIGHUP) and database, which
  // every loadpoint shares; stopping_ is the Service's "stopping" flag, read by the loops.
  boost::asio::io_context& io_;
  DaemonClock& clock_;
  const config::Config& cfg_;
  store::Store& store_;
  boost::asio::thread_pool& db_pool_;
  const bool& stopping_;

  std::unique_ptr<VehicleSource> source_;
  std::unique_ptr<Switch> switch_;
  Controller controller_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer control_timer_;
  boost::asio::steady_timer solar_timer_;

  Instant next_poll_at_{};
  Instant wake_at_{};
  int poll_failures_ = 0;
  bool source_updated_ = false;  // a pushed value arrived since the last observation
  bool last_soc_stale_ = false;  // the source's SoC is older than its max_age
  std::optional<VehicleState> last_state_;
  std::string remembered_device_;  // the car the database last saw (connect without device_id)
  SessionTracker sessions_;
  // Poll accounting (rate limits): polls and requests in the current UTC day.
  RequestBudget budget_;
  CloudLag cloud_lag_;  // how long the car's cloud takes to show a command (learned)
  std::optional<Instant> backoff_until_;  // failures: no poll before then
  PollDecision next_poll_{};
  LearnedChargingModel model_;
  std::array<std::optional<int>, 7> usual_plug_in_{};
  std::map<std::string, std::int64_t> poll_errors_;
  config::Secret persisted_token_;  // the Connect token last written to the cache
  // Commands since start by (action, "ok"/"failed"), for /metrics.
  std::map<std::pair<std::string, std::string>, std::int64_t> command_counts_;
  std::optional<Instant> early_poll_at_;  // a plug-in the charger reported: poll the car then
  std::unique_ptr<OcppBridge> ocpp_;      // switch type ocpp
  // Solar: the surplus loop, the last site reading, the current the switch last accepted.
  SurplusLoop surplus_{SurplusSettings{}};
  std::optional<SiteState> site_reading_;  // the last reading on_site was given
  std::optional<CurrentSetting> applied_current_;
  bool applying_current_ = false;
  std::uint64_t switch_commands_ = 0;  // starts and stops sent (a current change in flight ends)
};

template <typename F>
void Loadpoint::db_write(F f) {
  boost::asio::post(db_pool_, [this, f = std::move(f)]() mutable {
    try {
      f(store_);
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
}

}  // namespace offpeak::daemon
