#include <offpeak/connect/wire.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace offpeak::connect {
namespace {

namespace json = boost::json;

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// A finite number from a JSON number or a numeric string ("82", " 82.5 ").
std::optional<double> as_number(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  double d = 0;
  if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else if (v->is_double()) {
    d = v->get_double();
  } else if (v->is_string()) {
    const auto s = trim(std::string_view(v->get_string()));
    if (s.empty() || s.size() > 64) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

// A string from a JSON string, or the text of a number; nullopt otherwise.
std::optional<std::string> as_text(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

std::optional<bool> as_bool(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  if (v->is_int64()) {
    if (v->get_int64() == 0) return false;
    if (v->get_int64() == 1) return true;
    return std::nullopt;
  }
  if (v->is_string()) {
    const auto s = upper(trim(std::string_view(v->get_string())));
    if (s == "TRUE") return true;
    if (s == "FALSE") return false;
  }
  return std::nullopt;
}

const json::value* member(const json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const auto& obj = v->get_object();
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->value();
}

template <class T>
Parsed<T> failure(std::string message) {
  Parsed<T> p;
  p.error = std::move(message);
  return p;
}

// Parses JSON with limits on size and depth. Returns null value and sets `error` on failure.
std::optional<json::value> parse_json(std::string_view body, std::string& error) {
  if (body.size() > k_max_body_bytes) {
    error = "answer larger than " + std::to_string(k_max_body_bytes) + " bytes";
    return std::nullopt;
  }
  json::parse_options opts;
  opts.max_depth = k_max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, json::storage_ptr(), opts);
  if (ec) {
    error = "answer is not valid JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  return v;
}

std::optional<DeviceWire> parse_device(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  DeviceWire d;
  const auto id = as_text(member(&v, "device_id"));
  if (!id || trim(*id).empty()) return std::nullopt;
  d.device_id = std::string(trim(*id));
  d.brand = as_text(member(&v, "brand")).value_or("");
  d.model = as_text(member(&v, "model")).value_or("");
  d.device_type = as_text(member(&v, "device_type")).value_or("");
  if (const auto y = as_number(member(&v, "year"))) {
    if (*y >= 1900 && *y <= 2200 && std::floor(*y) == *y) d.year = static_cast<int>(*y);
  }
  const json::value* cs = member(&v, "charging_state");
  if (const auto soc = as_number(member(cs, "charge_percentage"))) {
    if (*soc >= 0 && *soc <= 100) d.charge_percentage = *soc;
  }
  if (const auto* st = member(cs, "state"); st != nullptr && st->is_string()) {
    d.state = std::string(st->get_string());
  }
  if (const auto* t = member(cs, "type"); t != nullptr && t->is_string()) {
    d.charging_type = std::string(t->get_string());
  }
  d.is_charger_connected = as_bool(member(cs, "is_charger_connected"));
  const json::value* dist = member(member(&v, "electric_range"), "distance");
  if (const auto r = as_number(member(dist, "value"))) {
    if (*r >= 0 && *r < 1e6) d.range_value = *r;
  }
  if (const auto* u = member(dist, "units"); u != nullptr && u->is_string()) {
    d.range_units = std::string(u->get_string());
  }
  return d;
}

}  // namespace

Parsed<TokenWire> parse_token_response(std::string_view body) {
  std::string error;
  const auto v = parse_json(body, error);
  if (!v) return failure<TokenWire>("token " + error);
  if (!v->is_object()) return failure<TokenWire>("token answer is not a JSON object");
  const json::value* at = member(&*v, "access_token");
  if (at == nullptr || !at->is_string() || at->get_string().empty()) {
    return failure<TokenWire>("token answer has no access_token string");
  }
  TokenWire t;
  t.access_token = config::Secret(std::string(at->get_string()));
  if (const auto* tt = member(&*v, "token_type"); tt != nullptr && tt->is_string()) {
    t.token_type = std::string(tt->get_string());
  }
  if (const auto e = as_number(member(&*v, "expires_in"))) {
    if (*e > 0 && *e < 10.0 * 365 * 86400) t.expires_in = static_cast<std::int64_t>(*e);
  }
  if (const auto* rt = member(&*v, "refresh_token"); rt != nullptr && rt->is_string()) {
    t.refresh_token = config::Secret(std::string(rt->get_string()));
  }
  if (const auto* sc = member(&*v, "scope"); sc != nullptr && sc->is_string()) {
    t.scope = std::string(sc->get_string());
  }
  Parsed<TokenWire> out;
  out.value = std::move(t);
  return out;
}

Parsed<std::vector<DeviceWire>> parse_devices_response(std::string_view body) {
  using Result = std::vector<DeviceWire>;
  std::string error;
  const auto v = parse_json(body, error);
  if (!v) return failure<Result>("devices " + error);
  Result devices;
  std::size_t elements = 0;
  if (v->is_array()) {
    for (const auto& e : v->get_array()) {
      ++elements;
      if (auto d = parse_device(e)) devices.push_back(std::move(*d));
    }
    if (elements == 0) return failure<Result>("the account has no devices (empty list)");
  } else if (v->is_object()) {
    elements = 1;
    if (auto d = parse_device(*v)) devices.push_back(std::move(*d));
  } else {
    return failure<Result>("devices answer is neither a JSON array nor an object");
  }
  if (devices.empty()) {
    return failure<Result>("devices answer has no device with a device_id (" +
                           std::to_string(elements) + " element(s))");
  }
  Parsed<Result> out;
  out.value = std::move(devices);
  return out;
}

VehicleState to_vehicle_state(const DeviceWire& device, Instant observed_at) {
  VehicleState s;
  s.device_id = device.device_id;
  s.brand = device.brand;
  s.model = device.model;
  s.year = device.year;
  s.soc_percent = device.charge_percentage;
  s.charging_state =
      device.state ? parse_charging_state(upper(trim(*device.state))) : ChargingState::unknown;
  s.plugged_in = device.is_charger_connected;
  if (device.range_value) {
    const std::string units = device.range_units ? upper(trim(*device.range_units)) : "";
    if (units.empty() || units == "KILOMETERS" || units == "KM") {
      s.range_km = *device.range_value;
    } else if (units == "MILES" || units == "MI") {
      s.range_km = *device.range_value * 1.609344;
    }
  }
  s.observed_at = observed_at;
  return s;
}

std::string describe_device(const DeviceWire& device) {
  std::string out = device.device_id;
  std::string what = device.brand;
  if (!device.model.empty()) what += (what.empty() ? "" : " ") + device.model;
  if (device.year) what += (what.empty() ? "" : " ") + std::to_string(*device.year);
  if (!what.empty()) out += " (" + what + ")";
  return out;
}

}  // namespace offpeak::connect
