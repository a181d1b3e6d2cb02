#pragma once
// `site:` (spec solar.md): the home's meters and the price exported energy earns.

#include <offpeak/domain/house_trace.hpp>
#include <offpeak/domain/time.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace offpeak::config {

enum class PowerUnit { w, kw };
// import: positive = drawing from the grid (the default); export: positive = feeding the grid.
// For the PV meter, `export` flips a production reported as negative.
enum class MeterSign { import, export_ };

// A number (or JSON with `field`) published on the `mqtt:` connection.
struct MqttMeter {
  std::string topic;
  bool operator==(const MqttMeter&) const = default;
};
// Polled JSON (Shelly Gen1/Gen2, Tasmota, inverters' JSON APIs). The body is read like an
// MQTT payload: a number, or JSON with `field`.
struct HttpMeter {
  std::string url;
  Seconds interval{10};                     // between polls. Default 10s
  std::chrono::milliseconds timeout{5000};  // per request. Default 5s
  bool operator==(const HttpMeter&) const = default;
};
// Modbus TCP with SunSpec models: meters 201-204 (total W), inverters 101-103 (AC W).
struct SunspecMeter {
  enum class Device { meter, inverter };
  std::string host;
  unsigned short port = 502;
  int unit_id = 1;
  Device device = Device::meter;
  Seconds interval{10};                     // between reads. Default 10s
  std::chrono::milliseconds timeout{3000};  // connect and each response. Default 3s
  bool operator==(const SunspecMeter&) const = default;
};

// The simulated house (demos, tests): the meter reads a PV and load trace over the local time
// of day (domain/house_trace.hpp); a grid meter adds the loadpoints' charging power.
struct SimulatorMeter {
  std::filesystem::path trace_file;  // the CSV, resolved against the config file's folder
  HouseTrace trace;                  // read at load time
  double scale = 1.0;                // PV power x scale (a bigger or smaller roof)
  Seconds interval{10};              // between readings on the daemon's clock. Default 10s
  bool operator==(const SimulatorMeter&) const = default;
};

struct MeterConfig {
  std::variant<MqttMeter, HttpMeter, SunspecMeter, SimulatorMeter> kind;
  std::optional<std::string> field;  // dotted path into a JSON payload (arrays by index: a.0.b)
  PowerUnit unit = PowerUnit::w;
  MeterSign sign = MeterSign::import;
  Seconds max_age{60};  // older readings are stale. Default 60s
  bool operator==(const MeterConfig&) const = default;
};

struct SiteConfig {
  std::optional<MeterConfig> grid;  // required for solar charging
  std::optional<MeterConfig> pv;
  double export_price = 0.0;  // minor units per kWh earned by exported energy
  bool operator==(const SiteConfig&) const = default;
};

// The meter's type as written in the config ("mqtt", "http", "sunspec").
inline const char* meter_type_name(const MeterConfig& m) {
  if (std::holds_alternative<MqttMeter>(m.kind)) return "mqtt";
  if (std::holds_alternative<HttpMeter>(m.kind)) return "http";
  if (std::holds_alternative<SimulatorMeter>(m.kind)) return "simulator";
  return "sunspec";
}

}  // namespace offpeak::config
