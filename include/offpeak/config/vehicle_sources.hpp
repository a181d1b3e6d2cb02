#pragma once
// Vehicle source types beyond the Orange Power Connect API and the simulator (spec
// vehicles.md): where the car's state of charge comes from. Parsed in
// src/config/vehicle_source_config.cpp, one entry per `type:` in its registry.

#include <offpeak/config/secret.hpp>
#include <offpeak/domain/time.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace offpeak::config {

// One pushed value: a topic, an optional dotted path into a JSON payload, and for yes/no values
// the words that mean yes and no (empty: the defaults of offpeak::vehicles).
struct MqttValue {
  std::string topic;
  std::string field;
  std::vector<std::string> on;
  std::vector<std::string> off;
  friend bool operator==(const MqttValue&, const MqttValue&) = default;
};

// `type: mqtt`: values pushed on topics of the `mqtt:` connection; costs no requests.
struct MqttVehicleSource {
  MqttValue soc;
  std::optional<MqttValue> plugged;
  std::optional<MqttValue> charging;
  std::optional<MqttValue> range;  // km
  Seconds max_age{6 * 3600};       // a SoC older than this is stale
  friend bool operator==(const MqttVehicleSource&, const MqttVehicleSource&) = default;
};

// `type: homeassistant`: GET <url>/api/states/<entity> with a long-lived access token; polled.
struct HomeAssistantSource {
  std::string url;  // without a trailing slash
  Secret token;
  std::string soc_entity;
  std::optional<std::string> plugged_entity;
  std::optional<std::string> charging_entity;
  std::optional<std::string> range_entity;
  std::vector<std::string> plugged_on;  // empty: the defaults (on, true, home, ...)
  std::vector<std::string> plugged_off;
  Seconds max_age{6 * 3600};
  Seconds timeout{30};
  std::optional<std::filesystem::path> ca_file;
  friend bool operator==(const HomeAssistantSource&, const HomeAssistantSource&) = default;
};

// `type: http`: any JSON API, values at dotted field paths; polled.
struct HttpVehicleSource {
  std::string url;
  // Header templates; "{secret}" in a value is replaced by `secret` when sent.
  std::vector<std::pair<std::string, std::string>> headers;
  Secret secret;  // from secret_file or the credential `vehicle-secret`; may be empty
  std::string soc_field;
  std::string plugged_field;
  std::string charging_field;
  std::string range_field;
  std::vector<std::string> plugged_on;
  std::vector<std::string> plugged_off;
  Seconds max_age{6 * 3600};
  Seconds timeout{30};
  std::optional<std::filesystem::path> ca_file;
  friend bool operator==(const HttpVehicleSource&, const HttpVehicleSource&) = default;
};

// `type: charger`: the SoC the OCPP charger reports (MeterValues measurand SoC).
struct ChargerVehicleSource {
  Seconds max_age{6 * 3600};
  friend bool operator==(const ChargerVehicleSource&, const ChargerVehicleSource&) = default;
};

// `type: none`: nobody reports the SoC; it is told (API, MQTT, CLI) or assumed at plug-in.
struct NoVehicleSource {
  std::optional<double> arrival_soc;  // percent, assumed at each plug-in until told otherwise
  friend bool operator==(const NoVehicleSource&, const NoVehicleSource&) = default;
};

}  // namespace offpeak::config
