#pragma once
// MQTT and Home Assistant, the socket-free part (contract: docs/mqtt.md): the topics offpeakd
// publishes, which of them are retained, the payloads of its state and of Home Assistant
// discovery, and the parsing of everything that arrives (commands, Home Assistant's birth
// message, a relay's state). No broker, no sockets: the daemon's adapter publishes the
// Messages built here and hands inbound messages to parse_inbound(); tests and the fuzz target
// call the same functions.

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/time.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace offpeak::mqtt {

// One message to publish.
struct Message {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
  friend bool operator==(const Message&, const Message&) = default;
};

// Where things go: `<prefix>/...` for our state and commands, `<discovery_prefix>/...` for
// Home Assistant. node_id() names this instance in discovery topics and unique_ids; it comes
// from the prefix (not the client id or the host name) so that it stays stable.
struct Names {
  std::string prefix = "offpeak";
  std::string discovery_prefix = "homeassistant";

  std::string status_topic() const { return prefix + "/status"; }
  std::string topic(std::string_view object) const { return prefix + "/" + std::string(object); }
  std::string command_topic(std::string_view object) const {
    return prefix + "/" + std::string(object) + "/set";
  }
  // Subscription filter for every command topic: <prefix>/+/set.
  std::string command_filter() const { return prefix + "/+/set"; }
  // Home Assistant's birth and last-will topic.
  std::string ha_status_topic() const { return discovery_prefix + "/status"; }
  std::string node_id() const;
};

inline constexpr std::string_view k_online = "online";
inline constexpr std::string_view k_offline = "offline";

// The will and the clean-stop message: `<prefix>/status` = offline, retained.
Message offline_message(const Names& names);
Message online_message(const Names& names);

// What offpeakd publishes about itself, taken from the daemon's status at one instant.
struct State {
  std::optional<double> soc;       // percent: the reading or the estimate from it
  std::optional<bool> plugged_in;  // nullopt: unknown
  bool charging = false;           // the car reports charging
  Mode mode = Mode::smart;
  double target_soc = 0.0;  // the deadline planned for now (override applied)
  std::optional<Instant> ready_by;
  std::optional<Instant> next_start;     // the next planned start, if any
  std::optional<Instant> next_stop;      // the end of the current or next run, if any
  std::optional<double> planned_cost_p;  // the adopted plan's cost in pence
  std::optional<double> price_now;       // p/kWh, nullopt when unknown
  std::optional<bool> switch_on;         // what the switch was last told; nullopt: unknown
  bool switch_failing = false;
  std::string reason;     // why the switch is in its wanted state
  std::string plan_json;  // the plan as GET /api/v1/plan answers; "" before one
  // The home's meters (site:): `grid_power` and `pv_power` are published only when the meter
  // is configured; the power is nullopt while the meter is stale.
  bool grid_meter = false;
  std::optional<double> grid_w;  // import positive
  bool pv_meter = false;
  std::optional<double> pv_w;
  std::optional<double> surplus_w;  // nullopt while the grid meter is stale (or none)
  std::optional<double> current_a;  // per phase, what the switch carries
  // Energy targets (charging.target_kwh): `energy_delivered` and `energy_target` (kWh) are
  // published only when the policy has one; nullopt ("None") while the deadline is a SoC.
  bool energy_targets = false;
  std::optional<double> energy_delivered_kwh;
  std::optional<double> energy_target_kwh;
};

// Every state topic suffix (under <prefix>/) and its payload. Unknown values are "None" (Home
// Assistant shows them as unknown). Numbers are rounded so that the estimate's small steps do
// not flood the broker (SoC in whole percent, prices to 0.01 p).
std::vector<std::pair<std::string, std::string>> state_values(const State& state);

// Remembers what was published and returns the messages for what changed (retained, QoS 1).
// reset() after a (re)connect or Home Assistant's birth message makes the next call publish
// everything again.
class StatePublisher {
 public:
  std::vector<Message> changes(const Names& names, const State& state);
  void reset() { last_.clear(); }
  std::size_t known() const { return last_.size(); }

 private:
  std::map<std::string, std::string> last_;
};

// Home Assistant discovery.
struct DeviceInfo {
  std::string name;        // "offpeak i3s"
  std::string model;       // "offpeak"
  std::string sw_version;  // the daemon's version
  // The configured currency's code ("GBP", "EUR"): Home Assistant shows planned_cost in it
  // (device class monetary) and price_now per kWh, converted from the minor units the state
  // topics carry.
  std::string currency = "GBP";
  // Sensors for the home's meters (grid_power, pv_power: device_class power, W) are announced
  // only when the meter is configured.
  bool grid_meter = false;
  bool pv_meter = false;
  // Sensors for an energy target (energy_delivered, energy_target: kWh) when the policy has one.
  bool energy_targets = false;
};

// The retained config messages, one per entity, in a fixed order. With enabled=false the same
// topics with empty payloads (Home Assistant then removes the entities).
std::vector<Message> discovery_messages(const Names& names, const DeviceInfo& device, bool enabled);

// --- inbound ------------------------------------------------------------------------------

struct ModeCommand {
  Mode mode;
};
struct TargetSocCommand {
  double target_soc;  // 1..100
};
// <prefix>/soc/set: the SoC the owner tells.
struct SocCommand {
  double soc;  // 0..100
};
struct ReadyByCommand {
  std::variant<Instant, TimeOfDay> when;  // an instant, or the next occurrence of a local time
};
// Home Assistant (re)started: announce again, then publish the state.
struct HomeAssistantOnline {};
// Not for us, or not acceptable; `why` says so for the log (empty: silently ignored).
struct Ignored {
  std::string why;
};
using Inbound = std::variant<Ignored, ModeCommand, TargetSocCommand, ReadyByCommand,
                             HomeAssistantOnline, SocCommand>;

// Classifies a message from the broker. Retained commands are ignored (a stale retained
// command must not switch anything after a restart); payloads are trimmed of surrounding white
// space; anything malformed becomes Ignored with the reason, its payload quoted shortened and
// with control characters escaped.
Inbound parse_inbound(const Names& names, std::string_view topic, std::string_view payload,
                      bool retained);

// A relay's reported state: `on`/`off` compared with the payload as it is (trimmed), or with
// the string, number or boolean in `field` of a JSON object payload (zigbee2mqtt "state",
// Shelly Gen2 "output"). nullopt when it is neither.
std::optional<bool> parse_switch_state(std::string_view payload, std::string_view on,
                                       std::string_view off,
                                       const std::optional<std::string>& field);

// `text` for a log line: at most `max` characters, control characters as \xNN.
std::string printable(std::string_view text, std::size_t max = 64);

}  // namespace offpeak::mqtt
