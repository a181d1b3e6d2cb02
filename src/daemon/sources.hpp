#pragma once
// Vehicle sources: where observations of the car come from (spec vehicles.md). Polled ones
// (the Connect API, Home Assistant's REST API, any JSON API, the in-process simulated car) are
// asked by the poll loop within the day's request budget; pushed ones (MQTT topics, the
// charger's SoC, none: told or assumed) keep their latest values and cost no requests. Each
// `type:` is a factory in the registry of source_registry.cpp.

#include <offpeak/config/config.hpp>
#include <offpeak/connect/client.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/simulated_car.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::daemon {

struct PollResult {
  std::optional<VehicleState> state;
  std::string error_kind;  // for metrics and back-off: "unreachable", "rate_limited", ...
  std::string error;       // for logs; never contains secrets
  std::optional<Seconds> retry_after;
  bool credentials_refused = false;
  bool waiting = false;    // a pushed source without any value yet: not a failure
  bool soc_stale = false;  // the source's SoC is older than its max_age (left out of `state`)
};

class VehicleSource {
 public:
  virtual ~VehicleSource() = default;
  virtual boost::asio::awaitable<PollResult> poll() = 0;
  // Called after the switch accepted a command (the simulated car is its own charger).
  virtual void switched(Action) {}
  // A modulating switch now offers the car `power_w` (the simulator charges at that power).
  virtual void current_set(double /*power_w*/) {}
  virtual std::string describe() const = 0;
  // Requests sent to the car's cloud since start (token and device calls, retries included).
  virtual std::int64_t requests_sent() const = 0;
  // At most `n` more requests may be sent (the day's budget); nullopt: no limit.
  virtual void set_request_allowance(std::optional<int> n) = 0;
  // The most requests one poll may need.
  virtual int requests_per_poll() const = 0;

  // Pushed sources (mqtt, charger, none): values arrive by themselves; poll() sends nothing
  // and answers what is known now (`waiting` before the first value).
  virtual bool pushed() const { return false; }
  // A SoC the owner told (API, MQTT, CLI): pushed sources keep it as their latest value.
  virtual void told_soc(double /*percent*/, Instant /*at*/) {}
  // The charger's reports (OCPP): plug changes and the SoC measurand of MeterValues.
  virtual void charger_plug(Instant /*at*/, bool /*plugged*/) {}
  virtual void charger_soc(Instant /*at*/, double /*percent*/) {}
  // A SoC older than this is stale (never planned on); nullopt: the controller's own rule.
  virtual std::optional<Seconds> max_age() const { return std::nullopt; }
  // Called by a pushed source when a new value arrived.
  void set_on_update(std::function<void()> f) { on_update_ = std::move(f); }

 protected:
  void updated() const {
    if (on_update_) on_update_();
  }

 private:
  std::function<void()> on_update_;
};

// Where pushed sources subscribe: the daemon's MQTT connection (MqttBridge).
class TopicFeed {
 public:
  // `retained`: the broker's stored copy delivered at subscription (its age is unknown).
  using Handler =
      std::function<void(const std::string& topic, const std::string& payload, bool retained)>;
  virtual ~TopicFeed() = default;
  // Subscribes to `topics` now and after every reconnect; `handler` gets their messages
  // (retained ones included, flagged). A later call replaces the earlier one.
  virtual void listen(std::vector<std::string> topics, Handler handler) = 0;
};

// What a source factory may use.
struct SourceDeps {
  const config::Config& cfg;
  const Clock& clock;
  std::optional<connect::CachedToken> cached_token;  // connect: from the database
  TopicFeed* topics = nullptr;                       // nullptr without an mqtt: section
};

// The source for `cfg.vehicle.source` (source_registry.cpp).
std::unique_ptr<VehicleSource> make_source(const SourceDeps& deps);
// True when both configurations describe the same source (a reload keeps it).
bool same_source(const config::Config& a, const config::Config& b);
// The device id the database files this car's rows under.
std::string source_device_id(const config::Config& cfg);
// The type name of the configured source ("connect", "mqtt", ...).
std::string source_type(const config::Config& cfg);

// The factories, one per type (nullptr when `deps.cfg` holds another type).
std::unique_ptr<VehicleSource> make_connect_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_simulator_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_mqtt_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_homeassistant_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_http_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_charger_source(const SourceDeps& deps);
std::unique_ptr<VehicleSource> make_none_source(const SourceDeps& deps);

class SimulatorSource final : public VehicleSource {
 public:
  SimulatorSource(const config::Config& cfg, const Clock& clock);
  boost::asio::awaitable<PollResult> poll() override;
  void switched(Action action) override;
  void current_set(double power_w) override;
  std::string describe() const override { return "simulated car " + car_.params().device_id; }
  std::int64_t requests_sent() const override { return polls_; }
  void set_request_allowance(std::optional<int> n) override { allowance_ = n; }
  int requests_per_poll() const override { return 1; }

 private:
  // Advances the car to now; at each plug-in after a trip, takes off the trip's use.
  VehicleState advance();

  const Clock& clock_;
  SimulatedCar car_;
  double daily_use_soc_;
  bool was_plugged_;
  bool ever_plugged_;
  std::int64_t polls_ = 0;
  std::optional<int> allowance_;
};

class ConnectSource final : public VehicleSource {
 public:
  ConnectSource(const config::ConnectSource& cfg, const Clock& clock,
                std::optional<connect::CachedToken> cached);
  boost::asio::awaitable<PollResult> poll() override;
  std::string describe() const override;
  std::int64_t requests_sent() const override { return client_.requests_sent(); }
  void set_request_allowance(std::optional<int> n) override { client_.set_request_allowance(n); }
  int requests_per_poll() const override { return 2; }
  const connect::ConnectClient& client() const { return client_; }

 private:
  std::string base_url_;
  connect::ConnectClient client_;
};

}  // namespace offpeak::daemon
