#pragma once
// The site: the home around the loadpoints. Its grid and PV meters (SiteMeters: one adapter
// per meter type, their latest readings and staleness), what exported energy earns
// (`site.export_price`), and the meters' readings sampled into the database (`meter_samples`,
// at most a row a minute). The Service hands every reading to each loadpoint's surplus loop.

#include "runtime.hpp"
#include "site_meters.hpp"

#include <offpeak/config/site_config.hpp>
#include <offpeak/domain/site.hpp>
#include <offpeak/store/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <optional>

namespace offpeak::daemon {

class Site {
 public:
  // `topics` may be null when there is no mqtt: section (mqtt meters then never report).
  // The meters start at configure(); the export price is `site`'s from the start.
  Site(const config::SiteConfig& site, boost::asio::io_context& io, const DaemonClock& clock,
       MeterTopics* topics, store::Store& store, boost::asio::thread_pool& db_pool);
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  // Starts (or, after SIGHUP, restarts) the meters of `site` and adopts its export price;
  // `zone` is the local time of a simulated house's trace.
  void configure(const config::SiteConfig& site, const Zone& zone);
  void stop();

  // Called on the event loop on every reading and every staleness change, after the reading
  // was sampled for the database.
  void subscribe(SiteMeters::Listener listener) { meters_.subscribe(std::move(listener)); }

  SiteState state() const { return meters_.state(); }
  // For /api/v1/status, `offpeak status` and /metrics; nullopt without meters.
  std::optional<api::SiteStatus> status() const { return meters_.status(); }
  bool has_grid() const { return meters_.has_grid(); }
  // What the loadpoints draw now and the charge current (nullopt: not modulating), read for
  // meter_samples and by a simulated house's grid meter.
  struct Load {
    double car_w = 0;
    std::optional<double> current_a;
  };
  void set_load(std::function<Load()> load);
  // What a kWh exported at `at` earns (minor units per kWh): the site's export price; nullopt
  // without a grid meter (the surplus, and so what it displaces, is unknown).
  std::optional<double> export_price(Instant at) const;

 private:
  void sample(const SiteState& s);

  const DaemonClock& clock_;
  store::Store& store_;
  boost::asio::thread_pool& db_pool_;
  SiteMeters meters_;
  config::SiteConfig config_;
  std::function<Load()> load_;
  Instant last_meter_sample_{};  // the meter_samples table gets at most a row a minute
};

}  // namespace offpeak::daemon
