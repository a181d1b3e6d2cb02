#pragma once
// Switches: where start/stop commands go (log, http webhook, exec of a program).

#include <offpeak/config/config.hpp>
#include <offpeak/domain/controller.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>

namespace offpeak::daemon {

struct SwitchOutcome {
  bool ok = false;
  std::string detail;  // "ok", "HTTP 200", "exit 0: <output>", or why it failed
};

class Switch {
 public:
  virtual ~Switch() = default;
  // Sends one command. Never throws; failures are values.
  virtual boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) = 0;
  // False when the switch has no physical effect (log): commands are not confirmed.
  virtual bool confirmable() const = 0;
  virtual std::string name() const = 0;
};

// {device_id} and {action} replaced in `text`.
std::string substitute(std::string text, const std::string& device_id, Action action);

// Builds `switch: type: mqtt` on the daemon's MQTT connection (mqtt_bridge.cpp).
class MqttSwitchFactory {
 public:
  virtual ~MqttSwitchFactory() = default;
  virtual std::unique_ptr<Switch> make_mqtt_switch(const config::MqttSwitch& config) = 0;
};

// Builds the switch of the configuration. `exec_pool` runs exec switch programs; `mqtt` builds
// MQTT switches (without it an MQTT switch cannot be built and the log switch stands in).
std::unique_ptr<Switch> make_switch(const config::SwitchConfig& config,
                                    boost::asio::thread_pool& exec_pool,
                                    MqttSwitchFactory* mqtt = nullptr);

// Runs argv (no shell) with a deadline; returns exit status 0 as ok, with the trimmed output.
// Blocking: call it on a worker thread.
SwitchOutcome run_program(const std::vector<std::string>& argv, Seconds timeout);

}  // namespace offpeak::daemon
