#pragma once
// Vehicle sources: where observations of the car come from (the Connect API, or an in-process
// simulated car with the same physics as offpeak-connect-sim).

#include <offpeak/config/config.hpp>
#include <offpeak/connect/client.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/simulated_car.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace offpeak::daemon {

struct PollResult {
  std::optional<VehicleState> state;
  std::string error_kind;  // for metrics and back-off: "unreachable", "rate_limited", ...
  std::string error;       // for logs; never contains secrets
  std::optional<Seconds> retry_after;
  bool credentials_refused = false;
};

class VehicleSource {
 public:
  virtual ~VehicleSource() = default;
  virtual boost::asio::awaitable<PollResult> poll() = 0;
  // Called after the switch accepted a command (the simulated car is its own charger).
  virtual void switched(Action) {}
  virtual std::string describe() const = 0;
};

class SimulatorSource final : public VehicleSource {
 public:
  SimulatorSource(const config::Config& cfg, const Clock& clock);
  boost::asio::awaitable<PollResult> poll() override;
  void switched(Action action) override;
  std::string describe() const override { return "simulated car " + car_.params().device_id; }

 private:
  // Advances the car to now; at each plug-in after a trip, takes off the trip's use.
  VehicleState advance();

  const Clock& clock_;
  SimulatedCar car_;
  double daily_use_soc_;
  bool was_plugged_;
  bool ever_plugged_;
};

class ConnectSource final : public VehicleSource {
 public:
  ConnectSource(const config::ConnectSource& cfg, const Clock& clock,
                std::optional<connect::CachedToken> cached);
  boost::asio::awaitable<PollResult> poll() override;
  std::string describe() const override;
  const connect::ConnectClient& client() const { return client_; }

 private:
  std::string base_url_;
  connect::ConnectClient client_;
};

}  // namespace offpeak::daemon
