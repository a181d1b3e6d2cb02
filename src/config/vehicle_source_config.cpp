// `vehicle.source`: where the car's state comes from. One parser per `type:` in the registry
// below (spec config.md for connect and simulator, vehicles.md for the others); a new type is
// a parser here and one line in k_source_types.

#include "yaml_reader.hpp"

#include <offpeak/domain/spelling.hpp>

#include <algorithm>
#include <array>

namespace offpeak::config::detail {

namespace {

struct SourceContext {
  const std::filesystem::path& dir;
  const Environment& env;
};

void parse_connect(const YAML::Node& node, Reader& r, const SourceContext& ctx, VehicleConfig& vc) {
  const auto& dir = ctx.dir;
  const auto& env = ctx.env;
  ConnectSource src;
  if (auto n = Reader::child(node, "base_url")) {
    if (auto u = url(*n, r)) {
      src.base_url = *u;
      while (!src.base_url.empty() && src.base_url.back() == '/')
        src.base_url.pop_back();
    }
  }
  if (auto n = r.required(node, "email", "vehicle.source")) {
    auto s = r.string(*n, "an e-mail address");
    if (s && s->find('@') == std::string::npos) {
      r.error_at(*n, "expected an e-mail address, got " + quoted(*n));
    } else if (s) {
      src.email = *s;
    }
  }
  auto pw = Reader::child(node, "password");
  auto pw_file = Reader::child(node, "password_file");
  if (pw && pw_file) {
    r.error_at(*pw_file, "give either 'password' or 'password_file', not both");
  } else if (pw) {
    if (!pw->IsScalar() || pw->Scalar().empty()) {
      r.error_at(*pw, "expected the account password as a string");  // never echo it
    } else {
      src.password = Secret(pw->Scalar());
    }
  } else if (credential_given(env, "connect-password")) {
    // The service's credential (systemd loads it from /etc/offpeak/connect-password) comes
    // before 'password_file': the same file, which the service user itself cannot read.
    if (auto s = read_secret_file(*env.credentials_directory / "connect-password", nullptr, r,
                                  "credential connect-password")) {
      src.password = std::move(*s);
    }
    if (pw_file) r.path(*pw_file, dir);  // still checked for form
  } else if (pw_file) {
    if (auto p = r.path(*pw_file, dir)) {
      if (auto s = read_secret_file(*p, &*pw_file, r, "password")) src.password = std::move(*s);
    }
  } else if (!r.misspelt(node, "password") && !r.misspelt(node, "password_file")) {
    r.error_at_parent(
        node,
        "no password for the Connect account: set 'password_file' (or 'password'), or "
        "provide the systemd credential 'connect-password'");
  }
  if (auto n = Reader::child(node, "device_id")) {
    if (auto s = r.string(*n, "a device id (VIN)")) src.device_id = *s;
  }
  if (auto n = Reader::child(node, "ca_file")) {
    if (auto p = r.path(*n, dir)) {
      if (!std::filesystem::is_regular_file(*p)) {
        r.error_at(*n, "the CA file " + p->string() + " does not exist");
      } else {
        src.ca_file = *p;
      }
    }
  }
  if (auto n = Reader::child(node, "timeout")) {
    if (auto d = r.duration(*n)) src.timeout = *d;
  }
  vc.source = std::move(src);
}

void parse_simulator(const YAML::Node& node, Reader& r, const SourceContext&, VehicleConfig& vc) {
  SimulatorSource src;
  if (auto n = Reader::child(node, "initial_soc")) {
    if (auto v = r.number_in(*n, "a SoC percentage", 0, 100)) src.initial_soc = *v;
  }
  if (auto n = Reader::child(node, "daily_use")) {
    if (auto v = r.number_in(*n, "a SoC percentage used per trip", 0, 100)) src.daily_use_soc = *v;
  }
  if (auto n = Reader::child(node, "plugged_in")) {
    if (auto v = r.boolean(*n, "plugged_in")) src.plugged_in = *v;
  }
  auto in = Reader::child(node, "plug_in_at");
  auto out = Reader::child(node, "unplug_at");
  if (in) src.plug_in_at = r.time_of_day(*in, false);
  if (out) src.unplug_at = r.time_of_day(*out, false);
  if (static_cast<bool>(in) != static_cast<bool>(out)) {
    r.error_at(in ? *in : *out, "a daily pattern needs both 'plug_in_at' and 'unplug_at'");
  }
  if (auto n = Reader::child(node, "device_id")) {
    if (auto s = r.string(*n, "a device id")) src.device_id = *s;
  }
  vc.source = std::move(src);
}

// An MQTT topic to subscribe to exactly: non-empty, no wildcards, no NUL.
std::optional<std::string> exact_topic(const YAML::Node& n, Reader& r) {
  auto s = r.string(n, "an MQTT topic");
  if (!s) return std::nullopt;
  if (s->empty() || s->find_first_of("+#") != std::string::npos ||
      s->find('\0') != std::string::npos || s->size() > 1024) {
    r.error_at(n,
               "expected an MQTT topic without wildcards (+, #), such as "
               "teslamate/cars/1/battery_level, got " +
                   quoted(n));
    return std::nullopt;
  }
  return s;
}

// A dotted path into a JSON document ("data.status.battery_level", "cars.0.soc").
std::optional<std::string> field_path(const YAML::Node& n, Reader& r) {
  auto s = r.string(n, "a dotted JSON field path");
  if (!s) return std::nullopt;
  if (s->size() > 256 || s->front() == '.' || s->back() == '.' ||
      s->find("..") != std::string::npos || s->find_first_of(" \t\n") != std::string::npos) {
    r.error_at(n, "expected a dotted JSON field path such as data.battery.level, got " + quoted(n));
    return std::nullopt;
  }
  return s;
}

// A list of payload words (`plugged_on: ["true", "on", "1"]`).
std::vector<std::string> words(const YAML::Node& n, Reader& r) {
  std::vector<std::string> out;
  if (!n.IsSequence() || n.size() == 0) {
    r.error_at(n,
               "expected a list of payloads such as [\"true\", \"on\", \"1\"], got " + quoted(n));
    return out;
  }
  for (const auto& w : n) {
    if (!w.IsScalar() || w.Scalar().empty()) {
      r.error_at(w, "expected a payload word, got " + quoted(w));
      continue;
    }
    out.push_back(w.Scalar());
  }
  return out;
}

void max_age(const YAML::Node& node, Reader& r, Seconds& out) {
  if (auto n = Reader::child(node, "max_age")) {
    if (auto d = r.duration(*n)) {
      if (*d < Seconds{60}) {
        r.error_at(*n, "expected a max_age of at least 1m, got " + quoted(*n));
      } else {
        out = *d;
      }
    }
  }
}

// A Home Assistant entity id: domain.object_id in lower case, digits and '_'.
std::optional<std::string> entity(const YAML::Node& n, Reader& r) {
  auto s = r.string(n, "a Home Assistant entity id");
  if (!s) return std::nullopt;
  const auto dot = s->find('.');
  const bool ok = dot != std::string::npos && dot > 0 && dot + 1 < s->size() &&
                  s->find('.', dot + 1) == std::string::npos && s->size() <= 255 &&
                  std::all_of(s->begin(), s->end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
                  });
  if (!ok) {
    r.error_at(n, "expected a Home Assistant entity id such as sensor.ioniq_5_battery_level, got " +
                      quoted(n));
    return std::nullopt;
  }
  return s;
}

// A secret from `<key>` (a file), else the systemd credential `credential`.
std::optional<Secret> secret(const YAML::Node& node, Reader& r, const SourceContext& ctx,
                             std::string_view key, std::string_view credential,
                             std::string_view what) {
  if (credential_given(ctx.env, credential)) {
    if (auto n = Reader::child(node, key)) r.path(*n, ctx.dir);  // still checked for form
    return read_secret_file(*ctx.env.credentials_directory / std::string(credential), nullptr, r,
                            "credential " + std::string(credential));
  }
  if (auto n = Reader::child(node, key)) {
    if (auto p = r.path(*n, ctx.dir)) return read_secret_file(*p, &*n, r, what);
  }
  return std::nullopt;
}

void https_options(const YAML::Node& node, Reader& r, const SourceContext& ctx, Seconds& timeout,
                   std::optional<std::filesystem::path>& ca_file) {
  if (auto n = Reader::child(node, "timeout")) {
    if (auto d = r.duration(*n)) timeout = *d;
  }
  if (auto n = Reader::child(node, "ca_file")) {
    if (auto p = r.path(*n, ctx.dir)) {
      if (!std::filesystem::is_regular_file(*p)) {
        r.error_at(*n, "the CA file " + p->string() + " does not exist");
      } else {
        ca_file = *p;
      }
    }
  }
}

void parse_mqtt_source(const YAML::Node& node, Reader& r, const SourceContext&, VehicleConfig& vc) {
  MqttVehicleSource src;
  auto value = [&](std::string_view name, bool yes_no) -> std::optional<MqttValue> {
    auto t = Reader::child(node, std::string(name) + "_topic");
    if (!t) return std::nullopt;
    MqttValue v;
    if (auto s = exact_topic(*t, r)) v.topic = *s;
    if (auto f = Reader::child(node, std::string(name) + "_field")) {
      if (auto p = field_path(*f, r)) v.field = *p;
    }
    if (yes_no) {
      if (auto w = Reader::child(node, std::string(name) + "_on")) v.on = words(*w, r);
      if (auto w = Reader::child(node, std::string(name) + "_off")) v.off = words(*w, r);
    }
    return v;
  };
  if (r.required(node, "soc_topic", "vehicle.source")) {
    if (auto v = value("soc", false)) src.soc = std::move(*v);
  }
  src.plugged = value("plugged", true);
  src.charging = value("charging", true);
  src.range = value("range", false);
  for (const char* key : {"soc_field", "plugged_field", "plugged_on", "plugged_off",
                          "charging_field", "charging_on", "charging_off", "range_field"}) {
    const std::string k(key);
    const std::string topic_key = k.substr(0, k.rfind('_')) + "_topic";
    if (auto n = Reader::child(node, k); n && !Reader::child(node, topic_key)) {
      r.error_at(*n, "'" + k + "' needs '" + topic_key + "'");
    }
  }
  max_age(node, r, src.max_age);
  vc.source = std::move(src);
}

void parse_homeassistant(const YAML::Node& node, Reader& r, const SourceContext& ctx,
                         VehicleConfig& vc) {
  HomeAssistantSource src;
  if (auto n = r.required(node, "url", "vehicle.source")) {
    if (auto u = url(*n, r)) {
      src.url = *u;
      while (!src.url.empty() && src.url.back() == '/')
        src.url.pop_back();
    }
  }
  if (auto n = r.required(node, "soc_entity", "vehicle.source")) {
    if (auto e = entity(*n, r)) src.soc_entity = *e;
  }
  if (auto n = Reader::child(node, "plugged_entity")) src.plugged_entity = entity(*n, r);
  if (auto n = Reader::child(node, "charging_entity")) src.charging_entity = entity(*n, r);
  if (auto n = Reader::child(node, "range_entity")) src.range_entity = entity(*n, r);
  if (auto n = Reader::child(node, "plugged_on")) src.plugged_on = words(*n, r);
  if (auto n = Reader::child(node, "plugged_off")) src.plugged_off = words(*n, r);
  if (auto s = secret(node, r, ctx, "token_file", "ha-token", "Home Assistant token")) {
    src.token = std::move(*s);
  } else if (!Reader::child(node, "token_file") && !r.misspelt(node, "token_file")) {
    r.error_at_parent(node,
                      "no Home Assistant token: set 'token_file' to a file holding a long-lived "
                      "access token (your profile in Home Assistant), or provide the systemd "
                      "credential 'ha-token'");
  }
  https_options(node, r, ctx, src.timeout, src.ca_file);
  max_age(node, r, src.max_age);
  vc.source = std::move(src);
}

void parse_http_source(const YAML::Node& node, Reader& r, const SourceContext& ctx,
                       VehicleConfig& vc) {
  HttpVehicleSource src;
  if (auto n = r.required(node, "url", "vehicle.source")) {
    if (auto u = url(*n, r)) src.url = *u;
  }
  if (auto n = r.required(node, "soc_field", "vehicle.source")) {
    if (auto p = field_path(*n, r)) src.soc_field = *p;
  }
  for (auto [key, out] : {std::pair{"plugged_field", &src.plugged_field},
                          std::pair{"charging_field", &src.charging_field},
                          std::pair{"range_field", &src.range_field}}) {
    if (auto n = Reader::child(node, key)) {
      if (auto p = field_path(*n, r)) *out = *p;
    }
  }
  if (auto n = Reader::child(node, "plugged_on")) src.plugged_on = words(*n, r);
  if (auto n = Reader::child(node, "plugged_off")) src.plugged_off = words(*n, r);
  bool wants_secret = false;
  if (auto n = Reader::child(node, "headers")) {
    if (!n->IsMap()) {
      r.error_at(*n,
                 "expected a mapping of header names to values, such as "
                 "{ Authorization: \"Bearer {secret}\" }, got " +
                     quoted(*n));
    } else {
      for (auto it = n->begin(); it != n->end(); ++it) {
        const std::string name = it->first.Scalar();
        if (!it->second.IsScalar() || name.empty() ||
            name.find_first_of(" :\r\n") != std::string::npos ||
            it->second.Scalar().find_first_of("\r\n") != std::string::npos) {
          r.error_at(it->first,
                     "expected a header 'Name: value' on one line, got " + quoted(it->first));
          continue;
        }
        wants_secret = wants_secret || it->second.Scalar().find("{secret}") != std::string::npos;
        src.headers.emplace_back(name, it->second.Scalar());
      }
    }
  }
  if (auto s = secret(node, r, ctx, "secret_file", "vehicle-secret", "secret")) {
    src.secret = std::move(*s);
  } else if (wants_secret && !Reader::child(node, "secret_file") &&
             !r.misspelt(node, "secret_file")) {
    r.error_at(*Reader::child(node, "headers"),
               "a header uses {secret} but there is no 'secret_file' (or the systemd credential "
               "'vehicle-secret')");
  }
  https_options(node, r, ctx, src.timeout, src.ca_file);
  max_age(node, r, src.max_age);
  vc.source = std::move(src);
}

void parse_charger_source(const YAML::Node& node, Reader& r, const SourceContext&,
                          VehicleConfig& vc) {
  ChargerVehicleSource src;
  max_age(node, r, src.max_age);
  vc.source = src;
}

void parse_none_source(const YAML::Node& node, Reader& r, const SourceContext&, VehicleConfig& vc) {
  NoVehicleSource src;
  if (auto n = Reader::child(node, "arrival_soc")) {
    src.arrival_soc = r.number_in(*n, "a SoC percentage assumed at plug-in", 0, 100);
  }
  vc.source = src;
}

using SourceParser = void (*)(const YAML::Node&, Reader&, const SourceContext&, VehicleConfig&);

struct SourceType {
  std::string_view name;
  std::initializer_list<std::string_view> keys;  // besides `type`
  SourceParser parse;
};

// The registry: one line per `type:`.
const std::array<SourceType, 7> k_source_types{{
    {"connect",
     {"base_url", "email", "password", "password_file", "device_id", "ca_file", "timeout"},
     parse_connect},
    {"simulator",
     {"initial_soc", "plugged_in", "plug_in_at", "unplug_at", "device_id", "daily_use"},
     parse_simulator},
    {"mqtt",
     {"soc_topic", "soc_field", "plugged_topic", "plugged_field", "plugged_on", "plugged_off",
      "charging_topic", "charging_field", "charging_on", "charging_off", "range_topic",
      "range_field", "max_age"},
     parse_mqtt_source},
    {"homeassistant",
     {"url", "token_file", "soc_entity", "plugged_entity", "charging_entity", "range_entity",
      "plugged_on", "plugged_off", "max_age", "timeout", "ca_file"},
     parse_homeassistant},
    {"http",
     {"url", "headers", "secret_file", "soc_field", "plugged_field", "charging_field",
      "range_field", "plugged_on", "plugged_off", "max_age", "timeout", "ca_file"},
     parse_http_source},
    {"charger", {"max_age"}, parse_charger_source},
    {"none", {"arrival_soc"}, parse_none_source},
}};

}  // namespace

bool Reader::check_map(const YAML::Node& map, std::string_view what,
                       const std::vector<std::string_view>& allowed) {
  if (!map.IsMap()) {
    error_at(map, "expected a mapping for '" + std::string(what) + "', got " + quoted(map));
    return false;
  }
  std::string all;
  for (auto a : allowed)
    all += (all.empty() ? "" : ", ") + std::string(a);
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    const std::string k = key.IsScalar() ? key.Scalar() : std::string();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string msg = "unknown key '" + k + "' in '" + std::string(what) + "'";
    std::string_view best;
    std::size_t best_d = 3;
    for (auto a : allowed) {
      const std::size_t d = edit_distance(k, a);
      if (d < best_d) best = a, best_d = d;
    }
    if (!best.empty()) {
      msg += " (did you mean '" + std::string(best) + "'?)";
      hints_.push_back({map, std::string(best)});
    }
    error_at(key, msg + "; expected one of: " + all);
  }
  return true;
}

void parse_source(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, VehicleConfig& vc) {
  if (!node.IsMap()) {
    r.error_at(node, "expected a mapping for 'vehicle.source', got " + quoted(node));
    return;
  }
  if (!Reader::child(node, "type")) {  // a misspelt 'type' is reported as such
    std::vector<std::string_view> all{"type"};
    for (const auto& t : k_source_types) {
      for (auto k : t.keys)
        if (std::find(all.begin(), all.end(), k) == all.end()) all.push_back(k);
    }
    r.check_map(node, "vehicle.source", all);
  }
  auto type_node = r.required(node, "type", "vehicle.source");
  if (!type_node) return;
  auto type = r.string(*type_node, "a source type");
  if (!type) return;
  for (const auto& t : k_source_types) {
    if (t.name != *type) continue;
    std::vector<std::string_view> allowed{"type"};
    allowed.insert(allowed.end(), t.keys.begin(), t.keys.end());
    r.check_map(node, "vehicle.source (type: " + std::string(t.name) + ")", allowed);
    t.parse(node, r, SourceContext{dir, env}, vc);
    return;
  }
  std::string names;
  for (const auto& t : k_source_types)
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  r.error_at(*type_node, "unknown source type '" + *type + "'; expected one of: " + names);
}

void check_source_needs(const Config& cfg, Reader& r, const YAML::Node& root) {
  const auto vehicle = Reader::child(root, "vehicle");
  const auto source = vehicle ? Reader::child(*vehicle, "source") : std::nullopt;
  const auto type = source && source->IsMap() ? Reader::child(*source, "type") : std::nullopt;
  if (!type) return;
  if (std::holds_alternative<MqttVehicleSource>(cfg.vehicle.source) && !cfg.mqtt &&
      !Reader::child(root, "mqtt")) {
    r.error_at(*type, "source type 'mqtt' needs an 'mqtt:' section with the broker");
  }
  if (std::holds_alternative<ChargerVehicleSource>(cfg.vehicle.source) &&
      !std::holds_alternative<OcppSwitch>(cfg.switch_config)) {
    r.error_at(*type,
               "source type 'charger' reads the SoC from an OCPP charger: it needs 'switch: "
               "type: ocpp'");
  }
}

}  // namespace offpeak::config::detail

namespace offpeak::config {

std::string plug_state_warning(const Config& cfg) {
  if (std::holds_alternative<OcppSwitch>(cfg.switch_config)) return {};
  const auto& s = cfg.vehicle.source;
  if (std::holds_alternative<ConnectSource>(s) || std::holds_alternative<SimulatorSource>(s))
    return {};
  if (const auto* m = std::get_if<MqttVehicleSource>(&s); m && m->plugged) return {};
  if (const auto* h = std::get_if<HomeAssistantSource>(&s); h && h->plugged_entity) return {};
  if (const auto* j = std::get_if<HttpVehicleSource>(&s); j && !j->plugged_field.empty()) return {};
  if (std::holds_alternative<NoVehicleSource>(s)) {
    return "nothing tells offpeak when the car is plugged in (source 'none' without an OCPP "
           "charger): plans assume it is; use 'switch: type: ocpp' or a source with plug state";
  }
  return "the source reports no plug state and the switch is not an OCPP charger: offpeak only "
         "infers a plug-in from a rising SoC; add plugged_topic / plugged_entity / plugged_field";
}

}  // namespace offpeak::config
