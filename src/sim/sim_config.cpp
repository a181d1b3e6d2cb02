#include <offpeak/domain/spelling.hpp>
#include <offpeak/sim/connect_sim.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <sstream>
#include <string_view>

namespace offpeak::sim {
namespace {

// Problems are thrown as YAML::Exception (mark + message), like yaml-cpp's own syntax
// errors, and formatted once in load_sim_config(). The messages follow the daemon config's
// style (src/config); the sim library does not link the config module, so the few helpers
// it needs live here (the did-you-mean distance is the domain's, shared with it).
[[noreturn]] void fail(const YAML::Node& n, std::string message) {
  throw YAML::Exception(n.Mark(), std::move(message));
}

// The value as the user wrote it, shortened, for messages.
std::string quoted(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return "'" + s + "'";
}

// The known key `k` probably stands for: the closest within two edits, else one it begins
// (a shortened key such as "taper_above"); empty when none is close.
std::string_view closest(std::string_view k, std::initializer_list<std::string_view> allowed) {
  const std::string_view best = closest_name(k, allowed);
  if (!best.empty() || k.size() < 3) return best;
  for (const auto a : allowed) {
    if (a.substr(0, k.size()) == k) return a;
  }
  return {};
}

// Rejects the first key of `map` that is not in `allowed`, at the key, naming the closest
// known key when there is one and listing the known keys otherwise.
void check_keys(const YAML::Node& map, std::string_view where,
                std::initializer_list<std::string_view> allowed) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
    const std::string k = key.IsScalar() ? key.Scalar() : std::string();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string msg = "unknown key '" + k + "' " + std::string(where);
    if (const auto best = closest(k, allowed); !best.empty()) {
      msg += " (did you mean '" + std::string(best) + "'?)";
    } else {
      msg += "; expected one of:";
      for (const auto a : allowed)
        msg += " " + std::string(a);
    }
    fail(key, msg);
  }
}

std::string text(const YAML::Node& n, std::string_view key) {
  if (!n.IsScalar()) fail(n, "expected " + std::string(key) + " (text), got " + quoted(n));
  return n.Scalar();
}

double number(const YAML::Node& n, std::string_view key) {
  if (n.IsScalar()) {
    try {
      const double v = n.as<double>();
      if (std::isfinite(v)) return v;
    } catch (const YAML::BadConversion&) {
    }
  }
  fail(n, "expected " + std::string(key) + " (a number), got " + quoted(n));
}

// A number in the interval from lo to hi; `lo_open`/`hi_open` exclude the bounds. `hi_text`
// names the upper bound when it comes from another key.
double number_in(const YAML::Node& n, std::string_view key, double lo, double hi, bool lo_open,
                 bool hi_open, const std::string& hi_text = "") {
  const double v = number(n, key);
  if (v < lo || v > hi || (lo_open && v == lo) || (hi_open && v == hi)) {
    std::ostringstream os;
    os << "expected " << key << " in " << (lo_open ? "(" : "[") << lo << ", ";
    if (hi_text.empty()) {
      os << hi;
    } else {
      os << hi_text << " " << hi;
    }
    os << (hi_open ? ")" : "]") << ", got " << quoted(n);
    fail(n, os.str());
  }
  return v;
}

double positive(const YAML::Node& n, std::string_view key) {
  const double v = number(n, key);
  if (v <= 0) fail(n, "expected " + std::string(key) + " > 0, got " + quoted(n));
  return v;
}

std::int64_t integer(const YAML::Node& n, std::string_view key) {
  if (n.IsScalar()) {
    try {
      return n.as<std::int64_t>();
    } catch (const YAML::BadConversion&) {
    }
  }
  fail(n, "expected " + std::string(key) + " (a whole number), got " + quoted(n));
}

bool boolean(const YAML::Node& n, std::string_view key) {
  if (n.IsScalar()) {
    try {
      return n.as<bool>();
    } catch (const YAML::BadConversion&) {
    }
  }
  fail(n, "expected " + std::string(key) + " (true or false), got " + quoted(n));
}

TimeOfDay time_of(const YAML::Node& n, std::string_view key) {
  if (n.IsScalar()) {
    if (const auto t = parse_time_of_day(n.Scalar(), false)) return *t;
  }
  fail(n, "expected " + std::string(key) + " (a time HH:MM, 00:00-23:59), got " + quoted(n));
}

Seconds duration(const YAML::Node& n, std::string_view key) {
  if (n.IsScalar()) {
    if (const auto d = parse_duration(n.Scalar())) return *d;
  }
  fail(n, "expected " + std::string(key) + " (a duration such as 30s, 15m, 2h or 1h30m), got " +
              quoted(n));
}

const YAML::Node& sequence(const YAML::Node& n, std::string_view key) {
  if (!n.IsSequence()) fail(n, "expected " + std::string(key) + " (a list), got " + quoted(n));
  return n;
}

SimCar read_car(const YAML::Node& n, const Zone& zone) {
  if (!n.IsMap()) fail(n, "a car must be a mapping, got " + quoted(n));
  check_keys(n, "in a car",
             {"device_id", "brand", "model", "year", "battery_kwh", "max_charge_kw", "efficiency",
              "full_range_km", "soc", "plugged_in", "plug_in_at", "unplug_at", "switched_on",
              "range_units", "_id", "id", "taper_above_soc", "taper_end_kw", "soc_update_every"});
  SimCar car;
  auto& p = car.params;
  if (!n["device_id"]) fail(n, "a car needs a device_id");
  p.device_id = text(n["device_id"], "device_id");
  if (p.device_id.empty()) fail(n["device_id"], "device_id must not be empty");
  if (n["brand"]) p.brand = text(n["brand"], "brand");
  if (n["model"]) p.model = text(n["model"], "model");
  if (n["year"]) p.year = static_cast<int>(integer(n["year"], "year"));
  if (n["battery_kwh"]) {
    p.spec.battery_kwh = positive(n["battery_kwh"], "battery_kwh");
  }
  if (n["max_charge_kw"]) {
    p.spec.max_charge_kw = positive(n["max_charge_kw"], "max_charge_kw");
  }
  if (n["efficiency"]) {
    p.spec.efficiency = number_in(n["efficiency"], "efficiency", 0, 1, true, false);
  }
  if (n["full_range_km"]) {
    p.full_range_km = number(n["full_range_km"], "full_range_km");
    if (p.full_range_km < 0) {
      fail(n["full_range_km"], "expected full_range_km >= 0, got " + quoted(n["full_range_km"]));
    }
  }
  if (n["soc"]) p.soc_percent = number_in(n["soc"], "soc", 0, 100, false, false);
  if (n["plugged_in"]) p.plugged_in = boolean(n["plugged_in"], "plugged_in");
  if (n["switched_on"]) p.switched_on = boolean(n["switched_on"], "switched_on");
  if (n["plug_in_at"] || n["unplug_at"]) {
    if (!n["plug_in_at"] || !n["unplug_at"]) fail(n, "plug_in_at and unplug_at go together");
    p.pattern = PlugPattern{time_of(n["plug_in_at"], "plug_in_at"),
                            time_of(n["unplug_at"], "unplug_at"), zone};
  }
  if (n["taper_above_soc"] || n["taper_end_kw"]) {
    if (!n["taper_above_soc"] || !n["taper_end_kw"]) {
      fail(n, "taper_above_soc and taper_end_kw go together");
    }
    p.spec.taper_above_soc = number_in(n["taper_above_soc"], "taper_above_soc", 0, 100, true, true);
    p.spec.taper_end_kw = number_in(n["taper_end_kw"], "taper_end_kw", 0, p.spec.max_charge_kw,
                                    true, false, "max_charge_kw");
  }
  if (n["soc_update_every"]) {
    car.soc_update_every = duration(n["soc_update_every"], "soc_update_every");
  }
  if (n["_id"]) car.record_id = text(n["_id"], "_id");
  if (n["id"]) car.id = text(n["id"], "id");
  if (n["range_units"]) {
    car.range_units = text(n["range_units"], "range_units");
    if (car.range_units != "KILOMETERS" && car.range_units != "MILES") {
      fail(n["range_units"],
           "expected range_units KILOMETERS or MILES, got " + quoted(n["range_units"]));
    }
  }
  return car;
}

SimAccount read_account(const YAML::Node& n, const std::vector<SimCar>& cars) {
  if (!n.IsMap()) fail(n, "an account must be a mapping, got " + quoted(n));
  check_keys(n, "in an account", {"email", "password", "user_id", "devices", "static_tokens"});
  if (!n["email"] || !n["password"]) fail(n, "an account needs email and password");
  SimAccount a;
  a.email = text(n["email"], "email");
  a.password = text(n["password"], "password");
  if (n["user_id"]) a.user_id = text(n["user_id"], "user_id");
  if (n["devices"]) {
    for (const auto& d : sequence(n["devices"], "devices")) {
      const auto id = text(d, "a device_id");
      const bool known = std::any_of(cars.begin(), cars.end(),
                                     [&id](const SimCar& c) { return c.params.device_id == id; });
      if (!known) fail(d, "unknown car '" + id + "'");
      a.devices.push_back(id);
    }
  } else {
    for (const auto& c : cars)
      a.devices.push_back(c.params.device_id);
  }
  if (n["static_tokens"]) {
    for (const auto& t : sequence(n["static_tokens"], "static_tokens"))
      a.static_tokens.push_back(text(t, "a token"));
  }
  return a;
}

}  // namespace

SimConfigResult load_sim_config(const std::filesystem::path& file) {
  SimConfigResult out;
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    if (!root.IsMap()) fail(root, "the file must be a mapping");
    check_keys(root, "at the top level", {"expires_in", "timezone", "cars", "accounts"});
    SimConfig cfg;
    if (root["expires_in"]) {
      cfg.expires_in = integer(root["expires_in"], "expires_in");
      if (cfg.expires_in <= 0) {
        fail(root["expires_in"],
             "expected expires_in (seconds) > 0, got " + quoted(root["expires_in"]));
      }
    }
    if (root["timezone"]) {
      const auto z = Zone::locate(text(root["timezone"], "timezone"));
      if (!z) fail(root["timezone"], "unknown time zone " + quoted(root["timezone"]));
      cfg.zone = *z;
    }
    if (!root["cars"] || !root["cars"].IsSequence() || root["cars"].size() == 0) {
      fail(root, "cars: needs at least one car");
    }
    for (const auto& c : root["cars"]) {
      SimCar car = read_car(c, cfg.zone);
      for (const auto& other : cfg.cars) {
        if (other.params.device_id == car.params.device_id) {
          fail(c["device_id"], "duplicate device_id '" + car.params.device_id + "'");
        }
      }
      cfg.cars.push_back(std::move(car));
    }
    if (!root["accounts"] || !root["accounts"].IsSequence() || root["accounts"].size() == 0) {
      fail(root, "accounts: needs at least one account");
    }
    for (const auto& a : root["accounts"])
      cfg.accounts.push_back(read_account(a, cfg.cars));
    out.config = std::move(cfg);
  } catch (const YAML::Exception& e) {
    out.error = file.string();
    if (!e.mark.is_null()) {
      out.error += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    out.error += ": " + e.msg;
  }
  return out;
}

}  // namespace offpeak::sim
