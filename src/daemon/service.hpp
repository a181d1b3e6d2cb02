#pragma once
// The daemon's event loop: one io_context on one thread, C++20 coroutines for the vehicle
// poller, the controller, the price refresh and the watchdog; SQLite on a worker thread.

#include "api_backend.hpp"
#include "loadpoint.hpp"
#include "ocpp_bridge.hpp"
#include "runtime.hpp"
#include "site.hpp"
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

  // A reading of the home's meters (service_site.cpp). The site's meters (SiteMeters) call it
  // on the event loop for every grid or PV reading and when a meter goes stale; tests may call
  // it the same way. Feeds each loadpoint's surplus loop, which decides (with the controller's
  // mode and cost rule) whether the car charges from the surplus and at which current; the
  // switch carries it out. Every decision is logged in plain words.
  void on_site(const SiteState& site);

 private:
  boost::asio::awaitable<void> price_loop();
  boost::asio::awaitable<void> watchdog_loop();
  boost::asio::awaitable<void> signal_loop();
  boost::asio::awaitable<void> housekeeping_loop();

  friend class ServiceApi;    // api_backend.cpp
  friend class ApiRuntime;    // api_backend.cpp
  friend class MqttBridge;    // mqtt_bridge.cpp
  friend class NotifyBridge;  // notify_bridge.cpp
  friend class OcppBridge;    // ocpp_bridge.cpp
  friend class Loadpoint;     // loadpoint*.cpp

  void refresh_prices();
  // Every loadpoint's controller runs a step now (new prices, carbon, forecast).
  void kick_controller();
  void reload();
  void stop();
  void update_status();
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
  std::unique_ptr<Tariff> tariff_;

  boost::asio::steady_timer price_timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer housekeeping_timer_;
  boost::asio::signal_set signals_;
  bool stopping_ = false;
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
  // The export tariff's prices ahead to the controller's live surplus decision (on each
  // refresh, and hourly with the import prices).
  void export_to_controller();
  std::shared_ptr<const tariffs::PriceFeed> export_feed_;
  std::unique_ptr<Tariff> export_static_;
  PriceCurve export_known_;
  tariffs::RefreshState export_refresh_;
  bool export_running_ = false;
  boost::asio::steady_timer export_timer_{io_};

  // State, commands and discovery over MQTT, and the mqtt switch's connection.
  std::unique_ptr<MqttBridge> mqtt_;
  // The site: the home's meters and its export price (site:); after mqtt_, whose topics the
  // meters use (service_site.cpp).
  std::unique_ptr<Site> site_;
  void setup_site();
  // Notifications: the notifier, the outbox and the channels' senders.
  std::unique_ptr<NotifyBridge> notify_;
  // The loadpoints (one charger and the car on it each): one today. After the bridges, which
  // their sources and switches use.
  std::vector<std::unique_ptr<Loadpoint>> loadpoints_;
  Loadpoint& lp() { return *loadpoints_.front(); }
  const Loadpoint& lp() const { return *loadpoints_.front(); }
  // Declared last: destroyed first, while everything it reads still exists.
  std::unique_ptr<ApiRuntime> api_;
};

}  // namespace offpeak::daemon
