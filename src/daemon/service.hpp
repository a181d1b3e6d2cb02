#pragma once
// The daemon's event loop: one io_context on one thread, C++20 coroutines for the vehicle
// poller, the controller, the price refresh and the watchdog; SQLite on a worker thread.

#include "api_backend.hpp"
#include "ocpp_bridge.hpp"
#include "runtime.hpp"
#include "site_meters.hpp"
#include "sources.hpp"
#include "switches.hpp"

#include <offpeak/config/config.hpp>
#include <offpeak/daemon/systemd.hpp>
#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/cloud_lag.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/household.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/domain/pv_forecast.hpp>
#include <offpeak/domain/session_tracker.hpp>
#include <offpeak/domain/site.hpp>
#include <offpeak/domain/surplus.hpp>
#include <offpeak/store/store.hpp>
#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/carbon.hpp>
#include <offpeak/tariffs/price_feed.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace offpeak::daemon {

class MqttBridge;
class NotifyBridge;

struct ServiceOptions {
  std::optional<double> speed;                    // --speed (simulator only)
  std::optional<Instant> start;                   // --start
  std::optional<std::string> log_level_override;  // --log-level wins over the config
};

// The database's currency against `currency:` (service_money.cpp). Throws store::StoreError
// when they differ (offpeak converts nothing); records the currency in a new database.
inline constexpr std::string_view k_currency_key = "currency";
void check_database_currency(store::Store& store, const config::MoneyConfig& money, Instant now);
// On SIGHUP: true (and logged) when `next` changes the currency, which is refused.
bool currency_change_refused(const config::Config& current, const config::Config& next);

class Service {
 public:
  // Throws store::StoreError when the database cannot be opened (newer schema, ...).
  Service(config::Config cfg, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Runs until SIGTERM/SIGINT. Returns the exit status.
  int run();

  // A reading of the home's meters (service_solar.cpp). The site's meters (SiteMeters) call it
  // on the event loop for every grid or PV reading and when a meter goes stale; tests may call
  // it the same way. Feeds the surplus loop, which decides (with the controller's mode and
  // cost rule) whether the car charges from the surplus and at which current; the switch
  // carries it out. Every decision is logged in plain words.
  void on_site(const SiteState& site);

 private:
  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> control_loop();
  boost::asio::awaitable<void> price_loop();
  boost::asio::awaitable<void> watchdog_loop();
  boost::asio::awaitable<void> signal_loop();
  boost::asio::awaitable<void> housekeeping_loop();

  // --- solar (service_solar.cpp) ---
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
  // The current the switch should carry now: the surplus's when charging for it alone, else
  // the full current of a planned run.
  CurrentSetting wanted_current() const;
  // What the car draws now (W): the charger's meter, else the current applied, else its power.
  double car_power_w() const;
  SurplusSettings surplus_settings() const;
  // After a (re)load: the surplus loop's settings; mode solar without a grid meter goes back
  // to smart (said in the log).
  void solar_configured();
  // The site and the current for /api/v1/status, /metrics and MQTT.
  void solar_snapshot(api::StatusSnapshot& snap) const;

  // --- local API (api_backend.cpp) ---
  friend class ServiceApi;
  friend class ApiRuntime;
  // --- OCPP charger (ocpp_bridge.cpp) ---
  friend class OcppBridge;
  // Creates, reconfigures or drops the OCPP central system per the switch config; with one,
  // switch_ is its switch.
  void setup_ocpp();
  // The charger reports a plug-in or unplug: the session opens or closes at once.
  void charger_plug(Instant at, bool plugged);
  // The charger's energy register: the open session's energy becomes metered.
  void charger_metered(Instant at, double energy_wh);
  // Logs and stores a session change.
  void record_session(const SessionUpdate& u, const std::string& dev);
  friend class MqttBridge;    // mqtt_bridge.cpp
  friend class NotifyBridge;  // notify_bridge.cpp

  void handle_observation(const VehicleState& state);
  // --- vehicle sources (service_vehicle.cpp) ---
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
  bool source_updated_ = false;  // a pushed value arrived since the last observation
  bool last_soc_stale_ = false;  // the source's SoC is older than its max_age
  void adopt_plan();
  void record_command(const Command& cmd, const SwitchOutcome& outcome, Instant at);
  void refresh_prices();
  // Makes the poll loop ask the poll policy again (after a command, a reload, ...).
  void reschedule_poll();
  void kick_controller();
  void reload();
  void stop();
  void update_status();
  ControllerSettings controller_settings(const config::Config& cfg) const;
  // When to poll next, from the poll policy and the failure back-off.
  PollDecision poll_decision() const;
  // Re-learns the charging model and the usual plug-in times from the database (worker
  // thread), then adopts them.
  boost::asio::awaitable<void> relearn();
  std::string device_id() const;
  // Queues a database write; failures are logged, never fatal.
  template <typename F>
  void db_write(F f);

  boost::asio::io_context io_;
  config::Config cfg_;
  ServiceOptions options_;
  DaemonClock clock_;
  Notifier notifier_;
  store::Store store_;
  boost::asio::thread_pool db_pool_{1};
  boost::asio::thread_pool exec_pool_{1};
  std::unique_ptr<VehicleSource> source_;
  std::unique_ptr<Switch> switch_;
  std::unique_ptr<Tariff> tariff_;
  Controller controller_;

  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer control_timer_;
  boost::asio::steady_timer price_timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer housekeeping_timer_;
  boost::asio::signal_set signals_;

  Instant next_poll_at_{};
  Instant wake_at_{};
  bool stopping_ = false;
  int poll_failures_ = 0;
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
  // Dynamic tariff (Octopus Agile): published prices as known (cache + fetches).
  // The dynamic tariff's feed (Agile, day-ahead sources); nullptr for static tariffs. Shared so
  // that a refresh in flight keeps the feed it started with across a SIGHUP.
  std::shared_ptr<const tariffs::PriceFeed> feed_;
  PriceCurve agile_known_;  // the feed's known prices (final prices)
  tariffs::RefreshState agile_refresh_;
  Zone london_ = Zone::locate("Europe/London").value_or(Zone::utc());  // Agile publishes in UK time
  std::string price_note_;
  // Grid carbon intensity (`carbon:`) and the price forecast (service_carbon.cpp).
  boost::asio::awaitable<void> carbon_loop();
  // Starts, restarts or stops the carbon refresh after a (re)load of `carbon:`.
  void carbon_configured();
  bool carbon_running_ = false;
  // Re-reads the price history from the cache (worker thread) and hands the forecast for the
  // unpublished times to the controller; none with a `fallback:` tariff or without history.
  boost::asio::awaitable<void> update_price_forecast();
  boost::asio::steady_timer carbon_timer_{io_};
  config::CarbonConfig carbon_fetch_cfg_;  // read by the worker during a fetch
  PriceCurve carbon_known_;
  tariffs::CarbonRefreshState carbon_refresh_;
  std::optional<PriceCurve> price_forecast_;
  // The solar forecast (`solar_forecast:`), refreshed off the loop (service_forecast.cpp).
  boost::asio::awaitable<void> forecast_loop();
  // Starts, restarts or stops the refresh after a (re)load of `solar_forecast:`.
  void forecast_configured();
  bool solar_running_ = false;
  boost::asio::steady_timer forecast_timer_{io_};
  config::SolarForecastConfig solar_fetch_cfg_;  // read by the worker during a fetch
  Zone solar_zone_ = Zone::utc();                // likewise
  PvForecast pv_forecast_;                       // the newest good forecast; empty: none
  // The sun in the plan (service_sun.cpp): the household's learned load and the forecast's
  // scale (learned on the worker after each forecast refresh), turned with the forecast into
  // the expected surplus the controller plans with in mode smart.
  void sun_update();
  config::Config home_cfg_;  // read by the worker while learning
  LoadProfile home_load_;
  PvScale home_scale_;
  // What exported energy earns (service_export.cpp): site.export_tariff as prices (static and
  // CSV directly, octopus-agile through its feed, refreshed off the loop), else nothing.
  void export_configured();
  boost::asio::awaitable<void> export_loop();
  // The export prices within [from, to): the tariff's, else the flat export_price as one slot
  // when it is not 0; nullopt: neither.
  std::optional<PriceCurve> export_prices(Instant from, Instant to) const;
  std::shared_ptr<const tariffs::PriceFeed> export_feed_;
  std::unique_ptr<Tariff> export_static_;
  PriceCurve export_known_;
  tariffs::RefreshState export_refresh_;
  bool export_running_ = false;
  boost::asio::steady_timer export_timer_{io_};
  config::Secret persisted_token_;  // the Connect token last written to the cache

  // Commands since start by (action, "ok"/"failed"), for /metrics.
  std::map<std::pair<std::string, std::string>, std::int64_t> command_counts_;
  std::optional<Instant> early_poll_at_;  // a plug-in the charger reported: poll the car then
  std::unique_ptr<OcppBridge> ocpp_;      // switch type ocpp
  // State, commands and discovery over MQTT, and the mqtt switch's connection.
  std::unique_ptr<MqttBridge> mqtt_;
  // The home's meters (site:); after mqtt_, whose topics they use (service_site.cpp).
  std::unique_ptr<SiteMeters> site_;
  void setup_site();
  Instant last_meter_sample_{};  // the meter_samples table gets at most a row a minute
  // Notifications: the notifier, the outbox and the channels' senders.
  std::unique_ptr<NotifyBridge> notify_;
  // Solar: the surplus loop, the last site reading, the current the switch last accepted.
  SurplusLoop surplus_{SurplusSettings{}};
  std::optional<SiteState> site_reading_;  // the last reading on_site was given
  std::optional<CurrentSetting> applied_current_;
  bool applying_current_ = false;
  boost::asio::steady_timer solar_timer_{io_};
  // Declared last: destroyed first, while everything it reads still exists.
  std::unique_ptr<ApiRuntime> api_;
};

}  // namespace offpeak::daemon
