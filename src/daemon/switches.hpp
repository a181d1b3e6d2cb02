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

// A current to charge at (spec solar.md "Current control").
struct CurrentSetting {
  double current_a = 0.0;  // per phase; 0 = no current
  int phases = 1;          // 1 or 3
  double power_w = 0.0;    // current_a x voltage x phases
};
// The setting for `current_a` on `phases` at the configured voltage.
CurrentSetting current_setting(const config::CurrentControl& cc, double current_a, int phases);
// The full current of the configuration: max current on the most phases, within the car's
// max_charge_kw (what a planned run charges at).
CurrentSetting full_current(const config::Config& cfg);
// {current_a} ("16", "10.5"), {power_w} (whole watts) and {phases} replaced in `text`.
std::string substitute_current(std::string text, const CurrentSetting& c);

class Switch {
 public:
  virtual ~Switch() = default;
  // Sends one command. Never throws; failures are values. A modulating switch's start also
  // sets the full current (max_current_a): without surplus logic it behaves as an on/off one.
  virtual boost::asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) = 0;
  // True when set_current() sets a current (ocpp; http, mqtt, exec with a current template).
  virtual bool modulating() const { return false; }
  // Starts charging at `c` (modulating switches: the start command with that current instead
  // of the full one); on/off switches start.
  virtual boost::asio::awaitable<SwitchOutcome> start_at(CurrentSetting c, std::string device_id);
  // Sets the charging current. On/off switches start (current > 0) or stop.
  virtual boost::asio::awaitable<SwitchOutcome> set_current(CurrentSetting c,
                                                            std::string device_id);
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
  virtual std::unique_ptr<Switch> make_mqtt_switch(const config::MqttSwitch& config,
                                                   CurrentSetting full) = 0;
};

// Builds the switch of the configuration. `exec_pool` runs exec switch programs; `mqtt` builds
// MQTT switches (without it an MQTT switch cannot be built and the log switch stands in).
std::unique_ptr<Switch> make_switch(const config::Config& config,
                                    boost::asio::thread_pool& exec_pool,
                                    MqttSwitchFactory* mqtt = nullptr);

// Runs argv (no shell) with a deadline; returns exit status 0 as ok, with the trimmed output.
// Blocking: call it on a worker thread.
SwitchOutcome run_program(const std::vector<std::string>& argv, Seconds timeout);

}  // namespace offpeak::daemon
