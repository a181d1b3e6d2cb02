#pragma once
// `site:` (spec solar.md): the home's meters and the price exported energy earns.

#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>
#include <variant>

namespace offpeak::config {

enum class PowerUnit { w, kw };
// import: positive = drawing from the grid (the default); export: positive = feeding the grid.
enum class MeterSign { import, export_ };

// A number (or JSON with `field`) published on the `mqtt:` connection.
struct MqttMeter {
  std::string topic;
};
// Polled JSON (Shelly Gen1/Gen2, Tasmota, inverters' JSON APIs).
struct HttpMeter {
  std::string url;
  Seconds interval{10};
};
// Modbus TCP with SunSpec models: meters 201-204 (total W), inverters 101-103 (AC W).
struct SunspecMeter {
  enum class Device { meter, inverter };
  std::string host;
  unsigned short port = 502;
  int unit_id = 1;
  Device device = Device::meter;
  Seconds interval{10};
};

struct MeterConfig {
  std::variant<MqttMeter, HttpMeter, SunspecMeter> kind;
  std::optional<std::string> field;  // dotted path into a JSON payload (arrays by index: a.0.b)
  PowerUnit unit = PowerUnit::w;
  MeterSign sign = MeterSign::import;
  Seconds max_age{60};
};

struct SiteConfig {
  std::optional<MeterConfig> grid;  // required for solar charging
  std::optional<MeterConfig> pv;
  double export_price = 0.0;  // minor units per kWh earned by exported energy
};

}  // namespace offpeak::config
