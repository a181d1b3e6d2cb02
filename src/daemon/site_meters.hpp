#pragma once
// The home's meters on the daemon's event loop (spec solar.md, docs/solar.md): the grid and PV
// meters of `site:`, each read by a thin adapter for its type (mqtt: a topic on the bridge's
// connection, set up in configure(); http and sunspec: polled by poll_loop()), their latest
// readings, and the site's state with staleness. Payloads and SunSpec registers are read by the
// socket-free offpeak::site module.
//
// Listening (the surplus loop, the API, MQTT): subscribe() once; the callback runs on the
// event loop on every new reading and whenever a meter turns stale or recovers, with the
// SiteState as it is then. state() is always the latest value.

#include "runtime.hpp"

#include <offpeak/api/site_api.hpp>
#include <offpeak/config/site_config.hpp>
#include <offpeak/domain/site.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::daemon {

// The MQTT side a meter needs: subscribe to a topic on the daemon's connection (again after
// every reconnect) and hear its messages. Implemented by MqttBridge.
class MeterTopics {
 public:
  virtual ~MeterTopics() = default;
  // `on_payload` runs on the event loop for every live message on `topic`; the broker's
  // retained copy delivered at subscription is dropped (its age is unknown).
  virtual void listen(const std::string& topic,
                      std::function<void(const std::string&)> on_payload) = 0;
  virtual void unlisten(const std::string& topic) = 0;
};

class SunspecConnection;

class SiteMeters {
 public:
  using Listener = std::function<void(const SiteState&)>;

  // `topics` may be null when there is no mqtt: section (mqtt meters then never report).
  SiteMeters(boost::asio::io_context& io, const DaemonClock& clock, MeterTopics* topics);
  ~SiteMeters();
  SiteMeters(const SiteMeters&) = delete;
  SiteMeters& operator=(const SiteMeters&) = delete;

  // Starts (or, after SIGHUP, restarts) the meters of `site`; unchanged meters keep running
  // and keep their readings.
  void configure(const config::SiteConfig& site);
  void stop();

  // Called on every reading and every staleness change (see the file comment).
  void subscribe(Listener listener);

  SiteState state() const;
  // For /api/v1/status, `offpeak status` and /metrics; nullopt without meters.
  std::optional<api::SiteStatus> status() const;
  bool has_grid() const;
  // What the loadpoints draw now (W), for the simulated house's grid meter.
  void set_car_power(std::function<double()> car_w) { car_w_ = std::move(car_w); }
  // The local time zone of the simulated house's trace (`timezone:`).
  void set_zone(const Zone& zone) { zone_ = zone; }

 private:
  struct Meter;
  void reading(Meter& m, std::optional<double> watts, const std::string& fault);
  void check_stale();
  // A simulator meter's reading now; with `both`, the house's other simulator meter is read at
  // the same instant (without notifying).
  double simulated(Meter& m, bool both);
  void notify();
  boost::asio::awaitable<void> stale_loop();
  // Polls an http or sunspec meter until it is stopped.
  boost::asio::awaitable<void> poll_loop(std::shared_ptr<Meter> m);

  boost::asio::io_context& io_;
  const DaemonClock& clock_;
  MeterTopics* topics_;
  std::shared_ptr<Meter> grid_;
  std::shared_ptr<Meter> pv_;
  std::vector<Listener> listeners_;
  std::function<double()> car_w_;
  Zone zone_ = Zone::utc();
  boost::asio::steady_timer stale_timer_;
  // libmodbus calls (connect, reads) run here, never on the event loop; one connection per
  // Modbus TCP address, shared by the meters there.
  boost::asio::thread_pool modbus_pool_{1};
  std::map<std::string, std::shared_ptr<SunspecConnection>> modbus_links_;
  bool stopped_ = false;
  bool stale_loop_running_ = false;
};

}  // namespace offpeak::daemon
