// The vehicle source registry: one line per `type:` (the factories live in one file each:
// sources.cpp for connect and simulator, source_mqtt.cpp, source_homeassistant.cpp,
// source_http.cpp, source_pushed.cpp for charger and none).

#include "sources.hpp"

#include <array>

namespace offpeak::daemon {

namespace {

using Factory = std::unique_ptr<VehicleSource> (*)(const SourceDeps&);

const std::array<Factory, 7> k_factories{
    make_connect_source, make_simulator_source, make_mqtt_source, make_homeassistant_source,
    make_http_source,    make_charger_source,   make_none_source,
};

// The config's type names, in the order of the config variant's alternatives.
constexpr std::array<const char*, 7> k_type_names{"connect", "simulator", "mqtt", "homeassistant",
                                                  "http",    "charger",   "none"};
static_assert(std::variant_size_v<decltype(config::VehicleConfig::source)> == k_type_names.size());

}  // namespace

std::unique_ptr<VehicleSource> make_source(const SourceDeps& deps) {
  for (Factory f : k_factories) {
    if (auto s = f(deps)) return s;
  }
  throw std::logic_error("no factory for vehicle source type " + source_type(deps.cfg));
}

bool same_source(const config::Config& a, const config::Config& b) {
  const auto* ca = std::get_if<config::ConnectSource>(&a.vehicle.source);
  const auto* cb = std::get_if<config::ConnectSource>(&b.vehicle.source);
  if (ca && cb) {
    return ca->base_url == cb->base_url && ca->email == cb->email && ca->password == cb->password &&
           ca->device_id == cb->device_id && ca->ca_file == cb->ca_file;
  }
  const auto* sa = std::get_if<config::SimulatorSource>(&a.vehicle.source);
  const auto* sb = std::get_if<config::SimulatorSource>(&b.vehicle.source);
  if (sa || sb) return sa && sb && sa->device_id == sb->device_id;
  if (ca || cb) return false;
  // The other types compare whole; an mqtt source also needs the same connection.
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, config::ConnectSource> ||
                      std::is_same_v<T, config::SimulatorSource>) {
          return false;
        } else {
          const auto* y = std::get_if<T>(&b.vehicle.source);
          return y && x == *y && a.mqtt == b.mqtt && a.vehicle.name == b.vehicle.name;
        }
      },
      a.vehicle.source);
}

std::string source_device_id(const config::Config& cfg) {
  if (const auto* s = std::get_if<config::SimulatorSource>(&cfg.vehicle.source))
    return s->device_id;
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg.vehicle.source))
    return c->device_id.value_or(c->email);
  return cfg.vehicle.name;  // the other sources know no device id: the car's name
}

std::string source_type(const config::Config& cfg) {
  return k_type_names.at(cfg.vehicle.source.index());
}

}  // namespace offpeak::daemon
