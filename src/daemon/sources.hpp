#pragma once
// Vehicle sources: where observations of the car come from (the Connect API, or an in-process
// simulated car with the same physics as offpeak-connect-sim).

#include <offpeak/config/config.hpp>
#include <offpeak/connect/client.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/simulated_car.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
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
  // Requests sent to the car's cloud since start (token and device calls, retries included).
  virtual std::int64_t requests_sent() const = 0;
  // At most `n` more requests may be sent (the day's budget); nullopt: no limit.
  virtual void set_request_allowance(std::optional<int> n) = 0;
  // The most requests one poll may need.
  virtual int requests_per_poll() const = 0;
};

class SimulatorSource final : public VehicleSource {
 public:
  SimulatorSource(const config::Config& cfg, const Clock& clock);
  boost::asio::awaitable<PollResult> poll() override;
  void switched(Action action) override;
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
