#include <offpeak/sim/connect_sim.hpp>

#include <yaml-cpp/yaml.h>

namespace offpeak::sim {
namespace {

TimeOfDay time_of(const YAML::Node& n, const char* what) {
  const auto t = parse_time_of_day(n.as<std::string>(), false);
  if (!t) throw YAML::Exception(n.Mark(), std::string(what) + " must be HH:MM");
  return *t;
}

SimCar read_car(const YAML::Node& n, const Zone& zone) {
  if (!n.IsMap()) throw YAML::Exception(n.Mark(), "a car must be a mapping");
  SimCar car;
  auto& p = car.params;
  if (!n["device_id"]) throw YAML::Exception(n.Mark(), "a car needs a device_id");
  p.device_id = n["device_id"].as<std::string>();
  if (n["brand"]) p.brand = n["brand"].as<std::string>();
  if (n["model"]) p.model = n["model"].as<std::string>();
  if (n["year"]) p.year = n["year"].as<int>();
  if (n["battery_kwh"]) p.spec.battery_kwh = n["battery_kwh"].as<double>();
  if (n["max_charge_kw"]) p.spec.max_charge_kw = n["max_charge_kw"].as<double>();
  if (n["efficiency"]) p.spec.efficiency = n["efficiency"].as<double>();
  if (n["full_range_km"]) p.full_range_km = n["full_range_km"].as<double>();
  if (n["soc"]) p.soc_percent = n["soc"].as<double>();
  if (n["plugged_in"]) p.plugged_in = n["plugged_in"].as<bool>();
  if (n["switched_on"]) p.switched_on = n["switched_on"].as<bool>();
  if (n["plug_in_at"] || n["unplug_at"]) {
    if (!n["plug_in_at"] || !n["unplug_at"]) {
      throw YAML::Exception(n.Mark(), "plug_in_at and unplug_at go together");
    }
    p.pattern = PlugPattern{time_of(n["plug_in_at"], "plug_in_at"),
                            time_of(n["unplug_at"], "unplug_at"), zone};
  }
  if (n["_id"]) car.record_id = n["_id"].as<std::string>();
  if (n["id"]) car.id = n["id"].as<std::string>();
  if (n["range_units"]) {
    car.range_units = n["range_units"].as<std::string>();
    if (car.range_units != "KILOMETERS" && car.range_units != "MILES") {
      throw YAML::Exception(n["range_units"].Mark(), "range_units must be KILOMETERS or MILES");
    }
  }
  if (p.spec.battery_kwh <= 0 || p.spec.max_charge_kw <= 0 || p.spec.efficiency <= 0 ||
      p.spec.efficiency > 1 || p.soc_percent < 0 || p.soc_percent > 100) {
    throw YAML::Exception(n.Mark(), "car " + p.device_id +
                                        ": need battery_kwh > 0, max_charge_kw > 0, "
                                        "0 < efficiency <= 1, 0 <= soc <= 100");
  }
  return car;
}

SimAccount read_account(const YAML::Node& n, const std::vector<SimCar>& cars) {
  if (!n.IsMap() || !n["email"] || !n["password"]) {
    throw YAML::Exception(n.Mark(), "an account needs email and password");
  }
  SimAccount a;
  a.email = n["email"].as<std::string>();
  a.password = n["password"].as<std::string>();
  if (n["user_id"]) a.user_id = n["user_id"].as<std::string>();
  if (n["devices"]) {
    for (const auto& d : n["devices"]) {
      const auto id = d.as<std::string>();
      const bool known = std::any_of(cars.begin(), cars.end(),
                                     [&id](const SimCar& c) { return c.params.device_id == id; });
      if (!known) throw YAML::Exception(d.Mark(), "unknown car '" + id + "'");
      a.devices.push_back(id);
    }
  } else {
    for (const auto& c : cars)
      a.devices.push_back(c.params.device_id);
  }
  if (n["static_tokens"]) {
    for (const auto& t : n["static_tokens"])
      a.static_tokens.push_back(t.as<std::string>());
  }
  return a;
}

}  // namespace

SimConfigResult load_sim_config(const std::filesystem::path& file) {
  SimConfigResult out;
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    if (!root.IsMap()) throw YAML::Exception(root.Mark(), "the file must be a mapping");
    SimConfig cfg;
    if (root["expires_in"]) cfg.expires_in = root["expires_in"].as<std::int64_t>();
    if (cfg.expires_in <= 0) throw YAML::Exception(root["expires_in"].Mark(), "expires_in > 0");
    if (root["timezone"]) {
      const auto z = Zone::locate(root["timezone"].as<std::string>());
      if (!z) throw YAML::Exception(root["timezone"].Mark(), "unknown time zone");
      cfg.zone = *z;
    }
    if (!root["cars"] || !root["cars"].IsSequence() || root["cars"].size() == 0) {
      throw YAML::Exception(root.Mark(), "cars: needs at least one car");
    }
    for (const auto& c : root["cars"])
      cfg.cars.push_back(read_car(c, cfg.zone));
    if (!root["accounts"] || !root["accounts"].IsSequence() || root["accounts"].size() == 0) {
      throw YAML::Exception(root.Mark(), "accounts: needs at least one account");
    }
    for (const auto& a : root["accounts"])
      cfg.accounts.push_back(read_account(a, cfg.cars));
    out.config = std::move(cfg);
  } catch (const YAML::Exception& e) {
    out.error = file.string() + ": " + e.what();
  }
  return out;
}

}  // namespace offpeak::sim
