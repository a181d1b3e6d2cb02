#include <offpeak/sim/requests.hpp>

#include <boost/json.hpp>

#include <functional>

namespace offpeak::sim {
namespace {

namespace json = boost::json;

constexpr const char* k_not_object = "body must be a JSON object";

std::optional<json::value> parse_body(const std::string& body) {
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, json::storage_ptr(), opts);
  if (ec) return std::nullopt;
  return v;
}

const json::string* string_member(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  const auto* m = v.get_object().if_contains(key);
  return m != nullptr && m->is_string() ? &m->get_string() : nullptr;
}

// A whole number 0..1000000, else the fallback (int64 only: 1e3 and 5.0 are not counts).
int count_member(const json::value& body, std::string_view key, int fallback) {
  const auto* v = body.get_object().if_contains(key);
  if (v == nullptr || !v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1000000) {
    return fallback;
  }
  return static_cast<int>(v->get_int64());
}

Credentials credentials(const std::string& body, bool with_payload, const char* expected) {
  Credentials out;
  const auto v = parse_body(body);
  if (with_payload && (!v || !v->is_object())) {
    out.error = k_not_object;
    return out;
  }
  const auto* email = v ? string_member(*v, "email") : nullptr;
  const auto* password = v ? string_member(*v, "password") : nullptr;
  const json::value* payload =
      with_payload && v->is_object() ? v->get_object().if_contains("payload") : nullptr;
  if (email == nullptr || password == nullptr ||
      (with_payload && (payload == nullptr || string_member(*payload, "email") == nullptr))) {
    out.error = expected;
    return out;
  }
  out.email = std::string(*email);
  out.password = std::string(*password);
  return out;
}

}  // namespace

Credentials parse_login_request(const std::string& body) {
  return credentials(body, true, "expected {\"email\",\"password\",\"payload\":{\"email\"}}");
}

Credentials parse_devices_request(const std::string& body) {
  return credentials(body, false, "expected {\"email\",\"password\"}");
}

FaultRequest parse_fault_request(const std::string& body) {
  FaultRequest out;
  const auto v = parse_body(body);
  const auto* mode = v ? string_member(*v, "mode") : nullptr;
  static const char* const k_modes[] = {"http500", "http503",       "http429",   "timeout",
                                        "reset",   "malformed",     "truncated", "wrong_types",
                                        "slow",    "expire_tokens", "none"};
  bool known = false;
  for (const char* m : k_modes)
    known = known || (mode != nullptr && *mode == m);
  if (!known) {
    out.error =
        "mode must be one of http500 http503 http429 timeout reset malformed truncated "
        "wrong_types expire_tokens slow none";
    return out;
  }
  out.mode = std::string(*mode);
  out.count = count_member(*v, "count", 1);
  out.retry_after_s = count_member(*v, "retry_after", 1);
  out.delay_ms = count_member(*v, "delay_ms", 10000);
  return out;
}

bool is_json_object(const std::string& body) {
  const auto v = parse_body(body);
  return v && v->is_object();
}

VehicleUpdate parse_vehicle_update(const std::string& body) {
  VehicleUpdate out;
  const auto v = parse_body(body);
  if (!v || !v->is_object()) {
    out.error = k_not_object;
    return out;
  }
  const auto& obj = v->get_object();
  if (const auto* soc = obj.if_contains("soc")) {
    if (!soc->is_number()) {
      out.error = "soc must be a number";
      return out;
    }
    boost::system::error_code ec;
    out.soc = soc->to_number<double>(ec);
    if (ec) {
      out.error = "soc must be a number";
      return out;
    }
  }
  if (const auto* plugged = obj.if_contains("plugged_in")) {
    if (!plugged->is_bool()) {
      out.error = "plugged_in must be a boolean";
      return out;
    }
    out.plugged_in = plugged->get_bool();
  }
  return out;
}

ChargingAction parse_charging_action(const std::string& body) {
  ChargingAction out;
  const auto v = parse_body(body);
  if (!v || !v->is_object()) {
    out.error = k_not_object;
    return out;
  }
  const auto* action = string_member(*v, "action");
  if (action == nullptr || (*action != "start" && *action != "stop")) {
    out.error = "action must be \"start\" or \"stop\"";
    return out;
  }
  out.start = *action == "start";
  return out;
}

std::string redact_body(const std::string& body) {
  auto v = parse_body(body);
  if (!v) {
    return body.find("password") == std::string::npos ? body : std::string("<redacted>");
  }
  std::function<void(json::value&)> walk = [&walk](json::value& x) {
    if (x.is_object()) {
      for (auto& kv : x.get_object()) {
        if (kv.key() == "password" || kv.key() == "access_token" || kv.key() == "refresh_token") {
          kv.value() = "<redacted>";
        } else {
          walk(kv.value());
        }
      }
    } else if (x.is_array()) {
      for (auto& e : x.get_array())
        walk(e);
    }
  };
  walk(*v);
  return json::serialize(*v);
}

}  // namespace offpeak::sim
