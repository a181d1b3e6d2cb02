#include "service.hpp"

#include "mqtt_bridge.hpp"
#include "notify_bridge.hpp"

#include <offpeak/daemon/logging.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/store/history.hpp>
#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/agile_feed.hpp>
#include <offpeak/tariffs/price_feed.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <cmath>
#include <random>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// "3600", "0.5": the speed without trailing zeros.
std::string speed_text(double speed) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", speed);
  return buf;
}

}  // namespace

Service::Service(config::Config cfg, ServiceOptions options)
    : cfg_(std::move(cfg)),
      options_(std::move(options)),
      clock_(options_.speed || options_.start
                 ? DaemonClock(options_.speed.value_or(1.0),
                               options_.start.value_or(SystemClock{}.now()))
                 : DaemonClock()),
      store_(cfg_.storage.database),
      price_timer_(io_),
      watchdog_timer_(io_),
      housekeeping_timer_(io_),
      signals_(io_, SIGTERM, SIGINT, SIGHUP) {
  check_database_currency(store_, cfg_.money, clock_.now());
  mqtt_ = std::make_unique<MqttBridge>(*this);
  setup_site();
  tariff_ = config::make_static_tariff(cfg_.tariff, cfg_.zone);
  // One loadpoint today: the configured car on the configured charger.
  loadpoints_.push_back(std::make_unique<Loadpoint>(*this));
  feed_ = tariffs::make_price_feed(cfg_);
  if (feed_) {
    Instant now = clock_.now();
    agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
  }
  notify_ = std::make_unique<NotifyBridge>(*this);
}

Service::~Service() {
  db_pool_.join();
  exec_pool_.join();
}

template <typename F>
void Service::db_write(F f) {
  asio::post(db_pool_, [this, f = std::move(f)]() mutable {
    try {
      f(store_);
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
}

int Service::run() {
  spdlog::info("offpeakd starting: {} ({}), tariff {}, switch {}, database {}{}", cfg_.vehicle.name,
               lp().source_->describe(), cfg_.tariff.name, lp().switch_->name(),
               cfg_.storage.database.string(),
               clock_.is_virtual() ? ", virtual clock x" + speed_text(clock_.speed()) + " from " +
                                         format_rfc3339(clock_.now())
                                   : "");
  refresh_prices();
  for (auto& lp : loadpoints_)
    lp->start();
  asio::co_spawn(io_, signal_loop(), asio::detached);
  asio::co_spawn(io_, price_loop(), asio::detached);
  carbon_configured();
  forecast_configured();
  asio::co_spawn(io_, watchdog_loop(), asio::detached);
  asio::co_spawn(io_, housekeeping_loop(), asio::detached);
  for (auto& lp : loadpoints_) {
    if (auto listening = lp->listen(); !listening) {
      spdlog::error("cannot start the OCPP server: {}", listening.error());
      return 1;
    }
  }
  // The API is up before READY=1.
  api_ = std::make_unique<ApiRuntime>(*this);
  if (auto listening = api_->start(); !listening) {
    spdlog::error("cannot start the API: {}", listening.error());
    return 1;
  }
  site_->configure(cfg_.site, cfg_.zone);
  mqtt_->start();
  notify_->start();
  notifier_.ready();
  update_status();
  io_.run();
  // Finish queued writes, then leave a clean database behind.
  db_pool_.join();
  try {
    store_.checkpoint();
  } catch (const std::exception& e) {
    spdlog::warn("checkpoint at exit failed: {}", e.what());
  }
  spdlog::info("offpeakd stopped");
  return 0;
}

void Service::stop() {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("stopping");
  notifier_.stopping();
  signals_.cancel();
  price_timer_.cancel();
  carbon_timer_.cancel();
  forecast_timer_.cancel();
  watchdog_timer_.cancel();
  housekeeping_timer_.cancel();
  if (api_) api_->stop();
  if (site_) site_->stop();
  if (mqtt_) mqtt_->stop();  // publishes offline
  if (notify_) notify_->stop();
  for (auto& lp : loadpoints_)
    lp->stop();
  io_.stop();  // in-flight requests are abandoned; nothing half-written is left behind
}

asio::awaitable<void> Service::signal_loop() {
  while (!stopping_) {
    auto [ec, sig] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (sig == SIGHUP) {
      reload();
    } else {
      stop();
    }
  }
}

void Service::reload() {
  notifier_.reloading();
  spdlog::info("SIGHUP: reloading {}", cfg_.file.string());
  auto result = config::load_config(cfg_.file, config::Environment::from_process());
  if (!result.config) {
    for (const auto& e : result.errors)
      spdlog::error("{}", e.to_string());
    spdlog::error("the new configuration has {} error(s); keeping the previous one",
                  result.errors.size());
    notifier_.ready();
    update_status();
    return;
  }
  config::Config next = std::move(*result.config);
  if (currency_change_refused(cfg_, next)) {
    notifier_.ready();
    update_status();
    return;
  }
  if (next.storage.database != cfg_.storage.database) {
    spdlog::warn("storage.database changed; the new path takes effect at the next restart");
    next.storage.database = cfg_.storage.database;
  }
  bool rebuild_source = !same_source(cfg_, next);
  cfg_ = std::move(next);
  if (rebuild_source) {
    for (auto& lp : loadpoints_)
      lp->reload_source();
  }
  if (mqtt_) mqtt_->reload();
  site_->configure(cfg_.site, cfg_.zone);
  if (notify_) notify_->reload();
  tariff_ = config::make_static_tariff(cfg_.tariff, cfg_.zone);
  if (auto feed = tariffs::make_price_feed(cfg_); !feed || !feed_ ||
                                                  feed->cache_key() != feed_->cache_key() ||
                                                  feed->label() != feed_->label()) {
    // Another dynamic tariff (or none): start over from its cache.
    feed_ = std::move(feed);
    agile_refresh_ = {};
    agile_known_ = {};
    if (feed_) {
      Instant now = clock_.now();
      agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
    }
    price_timer_.cancel();
  } else {
    feed_ = std::move(feed);  // same prices, new settings (formula, token)
    Instant now = clock_.now();
    agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
  }
  for (auto& lp : loadpoints_)
    lp->reconfigure();
  if (api_) api_->reload();  // a new API token at once
  if (!options_.log_level_override) set_log_level(config::to_string(cfg_.log_level));
  refresh_prices();
  carbon_configured();
  forecast_configured();
  asio::co_spawn(io_, update_price_forecast(), asio::detached);
  spdlog::info("configuration reloaded: tariff {}, switch {}, target {}% by {}", cfg_.tariff.name,
               lp().switch_->name(), cfg_.charging.target_soc,
               format_time_of_day(cfg_.charging.ready_by));
  for (auto& lp : loadpoints_)
    lp->kick();
  notifier_.ready();
  update_status();
}

asio::awaitable<void> Service::watchdog_loop() {
  auto interval = notifier_.watchdog_interval();
  if (!interval) co_return;
  while (!stopping_) {
    notifier_.watchdog();  // from the event loop: a stuck loop stops the pings
    watchdog_timer_.expires_after(*interval / 2);
    auto [ec] = co_await watchdog_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

asio::awaitable<void> Service::housekeeping_loop() {
  while (!stopping_) {
    Instant now = clock_.now();
    Seconds retention = cfg_.storage.sample_retention;
    db_write([now, retention](store::Store& s) {
      auto n = s.prune_samples(now, retention);
      if (n > 0) spdlog::info("retention: deleted {} old samples", n);
    });
    if (!co_await sleep_until(housekeeping_timer_, clock_, now + hours{24})) continue;
  }
}

void Service::kick_controller() {
  for (auto& lp : loadpoints_)
    lp->kick_controller();
}

void Service::update_status() {
  notifier_.status(lp().status_line());
}

}  // namespace offpeak::daemon
