#include <offpeak/mqtt/protocol.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace offpeak::mqtt {
namespace {

namespace json = boost::json;

// Inbound payloads longer than this are not read (commands are a few bytes).
constexpr std::size_t k_max_payload = 4096;

constexpr std::string_view k_none = "None";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A finite decimal number and nothing else ("80", "80.5", "-1"); no "nan", "inf", "80%".
std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" || s == "-0.0" || s == "-0.00") s.erase(0, 1);
  return s;
}

std::string on_off(bool v) {
  return v ? "ON" : "OFF";
}

template <typename T, typename F>
std::string or_none(const std::optional<T>& v, F f) {
  return v ? f(*v) : std::string(k_none);
}

}  // namespace

std::string Names::node_id() const {
  std::string id;
  for (char c : prefix) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    id += ok ? c : '_';
  }
  return id.empty() ? "offpeak" : id;
}

Message offline_message(const Names& names) {
  return Message{names.status_topic(), std::string(k_offline), 1, true};
}

Message online_message(const Names& names) {
  return Message{names.status_topic(), std::string(k_online), 1, true};
}

std::vector<std::pair<std::string, std::string>> state_values(const State& s) {
  auto instant = [](Instant t) { return format_rfc3339(t); };
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("soc", or_none(s.soc, [](double x) { return fixed(std::round(x), 0); }));
  v.emplace_back("plugged_in", or_none(s.plugged_in, on_off));
  v.emplace_back("charging", on_off(s.charging));
  v.emplace_back("mode", std::string(to_string(s.mode)));
  v.emplace_back("target_soc", fixed(s.target_soc, 0));
  v.emplace_back("ready_by", or_none(s.ready_by, instant));
  v.emplace_back("next_start", or_none(s.next_start, instant));
  v.emplace_back("next_stop", or_none(s.next_stop, instant));
  v.emplace_back("planned_cost", or_none(s.planned_cost_p, [](double x) { return fixed(x, 1); }));
  v.emplace_back("price_now", or_none(s.price_now, [](double x) { return fixed(x, 2); }));
  v.emplace_back("switch", or_none(s.switch_on, on_off));
  v.emplace_back("switch_failing", on_off(s.switch_failing));
  v.emplace_back("reason", s.reason.empty() ? std::string(k_none) : s.reason);
  v.emplace_back("plan", s.plan_json.empty() ? std::string("null") : s.plan_json);
  auto watts = [](double x) { return fixed(std::round(x) + 0.0, 0); };
  if (s.grid_meter) v.emplace_back("grid_power", or_none(s.grid_w, watts));
  if (s.pv_meter) v.emplace_back("pv_power", or_none(s.pv_w, watts));
  if (s.grid_meter) v.emplace_back("surplus", or_none(s.surplus_w, watts));
  v.emplace_back("charge_current", or_none(s.current_a, [](double x) { return fixed(x, 1); }));
  if (s.energy_targets) {
    auto kwh = [](double x) { return fixed(x, 1); };
    v.emplace_back("energy_delivered", or_none(s.energy_delivered_kwh, kwh));
    v.emplace_back("energy_target", or_none(s.energy_target_kwh, kwh));
  }
  return v;
}

std::vector<Message> StatePublisher::changes(const Names& names, const State& state) {
  std::vector<Message> out;
  for (auto& [object, payload] : state_values(state)) {
    auto it = last_.find(object);
    if (it != last_.end() && it->second == payload) continue;
    out.push_back(Message{names.topic(object), payload, 1, true});
    last_[object] = std::move(payload);
  }
  return out;
}

namespace {

// A Home Assistant template turning minor units ("24.50") into major units (0.245).
std::string major_units_template(int decimals) {
  return "{{ (value | float / 100) | round(" + std::to_string(decimals) +
         ") if value | is_number else None }}";
}

}  // namespace

std::vector<Message> discovery_messages(const Names& names, const DeviceInfo& device,
                                        bool enabled) {
  const std::string node = names.node_id();
  struct Entity {
    const char* component;
    const char* object;
    const char* name;
    json::object extra;
  };
  std::vector<Entity> entities;
  entities.push_back({"sensor",
                      "soc",
                      "State of charge",
                      {{"device_class", "battery"},
                       {"unit_of_measurement", "%"},
                       {"state_class", "measurement"}}});
  entities.push_back({"binary_sensor", "plugged_in", "Plugged in", {{"device_class", "plug"}}});
  entities.push_back(
      {"binary_sensor", "charging", "Charging", {{"device_class", "battery_charging"}}});
  entities.push_back({"select",
                      "mode",
                      "Mode",
                      {{"options", json::array{"smart", "now", "off", "solar"}},
                       {"command_topic", names.command_topic("mode")},
                       {"icon", "mdi:ev-station"}}});
  entities.push_back({"number",
                      "target_soc",
                      "Target SoC",
                      {{"command_topic", names.command_topic("target_soc")},
                       {"min", 1},
                       {"max", 100},
                       {"step", 1},
                       {"mode", "slider"},
                       {"unit_of_measurement", "%"}}});
  // The SoC the owner tells (cars whose SoC nobody reports): shows the SoC, sets it.
  entities.push_back({"number",
                      "tell_soc",
                      "Tell SoC",
                      {{"command_topic", names.command_topic("soc")},
                       {"state_topic", names.topic("soc")},
                       {"min", 0},
                       {"max", 100},
                       {"step", 1},
                       {"mode", "box"},
                       {"unit_of_measurement", "%"},
                       {"icon", "mdi:battery-edit"}}});
  entities.push_back({"sensor", "ready_by", "Ready by", {{"device_class", "timestamp"}}});
  entities.push_back({"sensor", "next_start", "Next start", {{"device_class", "timestamp"}}});
  // Money: the state topics carry minor units (as the API does); Home Assistant shows major
  // units with the currency code, the unit its monetary device class and energy dashboard
  // expect. An unknown value ("None") renders as None: unknown.
  entities.push_back({"sensor",
                      "planned_cost",
                      "Planned cost",
                      {{"device_class", "monetary"},
                       {"unit_of_measurement", device.currency},
                       {"value_template", major_units_template(2)},
                       {"suggested_display_precision", 2}}});
  entities.push_back({"sensor",
                      "price_now",
                      "Price now",
                      {{"unit_of_measurement", device.currency + "/kWh"},
                       {"value_template", major_units_template(4)},
                       {"suggested_display_precision", 4},
                       {"state_class", "measurement"},
                       {"icon", "mdi:cash"}}});
  entities.push_back(
      {"binary_sensor", "switch", "Charger switched on", {{"device_class", "power"}}});
  entities.push_back(
      {"binary_sensor", "switch_failing", "Switch failing", {{"device_class", "problem"}}});
  const json::object power{
      {"device_class", "power"}, {"unit_of_measurement", "W"}, {"state_class", "measurement"}};
  if (device.grid_meter) entities.push_back({"sensor", "grid_power", "Grid power", power});
  if (device.pv_meter) entities.push_back({"sensor", "pv_power", "PV power", power});
  if (device.grid_meter) entities.push_back({"sensor", "surplus", "Surplus", power});
  entities.push_back({"sensor",
                      "charge_current",
                      "Charge current",
                      {{"device_class", "current"},
                       {"unit_of_measurement", "A"},
                       {"state_class", "measurement"}}});

  if (device.energy_targets) {
    // Delivered towards the energy target: starts at 0 at each plug-in (total_increasing
    // takes the reset as a new cycle).
    entities.push_back({"sensor",
                        "energy_delivered",
                        "Energy delivered",
                        {{"device_class", "energy"},
                         {"unit_of_measurement", "kWh"},
                         {"state_class", "total_increasing"},
                         {"suggested_display_precision", 1}}});
    entities.push_back({"sensor",
                        "energy_target",
                        "Energy target",
                        {{"device_class", "energy"},
                         {"unit_of_measurement", "kWh"},
                         {"suggested_display_precision", 1},
                         {"icon", "mdi:battery-charging-high"}}});
  }

  const json::object device_block{{"identifiers", json::array{node}},
                                  {"name", device.name},
                                  {"manufacturer", "offpeak"},
                                  {"model", device.model},
                                  {"sw_version", device.sw_version}};
  std::vector<Message> out;
  for (auto& e : entities) {
    Message m;
    m.topic = names.discovery_prefix + "/" + e.component + "/" + node + "/" + e.object + "/config";
    m.qos = 1;
    m.retain = true;
    if (enabled) {
      json::object o;
      o["name"] = e.name;
      o["unique_id"] = node + "_" + e.object;
      o["object_id"] = node + "_" + e.object;
      o["state_topic"] = names.topic(e.object);
      o["availability"] = json::array{json::object{{"topic", names.status_topic()},
                                                   {"payload_available", k_online},
                                                   {"payload_not_available", k_offline}}};
      o["device"] = device_block;
      for (auto& kv : e.extra)
        o[kv.key()] = kv.value();
      m.payload = json::serialize(o);
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Inbound parse_inbound(const Names& names, std::string_view topic, std::string_view payload,
                      bool retained) {
  if (topic == names.ha_status_topic()) {
    if (trim(payload) == k_online) return HomeAssistantOnline{};
    return Ignored{};
  }
  const std::string head = names.prefix + "/";
  if (topic.size() <= head.size() + 4 || topic.substr(0, head.size()) != head ||
      topic.substr(topic.size() - 4) != "/set") {
    return Ignored{"not a topic offpeakd reads: '" + printable(topic) + "'"};
  }
  const std::string_view object = topic.substr(head.size(), topic.size() - head.size() - 4);
  if (object != "mode" && object != "target_soc" && object != "ready_by" && object != "soc") {
    return Ignored{"unknown command topic '" + printable(topic) +
                   "'; expected mode/set, target_soc/set, ready_by/set or soc/set"};
  }
  const std::string where = printable(topic);
  if (retained) {
    return Ignored{"retained command on " + where +
                   " ignored (commands must not be retained: a stale one would act after every "
                   "restart)"};
  }
  if (payload.size() > k_max_payload) {
    return Ignored{"payload of " + std::to_string(payload.size()) + " bytes on " + where +
                   " ignored (too long)"};
  }
  const std::string_view text = trim(payload);
  const std::string shown = "'" + printable(text) + "'";
  if (object == "mode") {
    auto mode = parse_mode(lower(text));
    if (!mode) return Ignored{where + ": expected smart, now, off or solar, got " + shown};
    return ModeCommand{*mode};
  }
  if (object == "target_soc") {
    auto v = parse_number(text);
    if (!v || *v < 1 || *v > 100)
      return Ignored{where + ": expected a target SoC percentage 1..100, got " + shown};
    return TargetSocCommand{*v};
  }
  if (object == "soc") {
    auto v = parse_number(text);
    if (!v || *v < 0 || *v > 100)
      return Ignored{where + ": expected the car's SoC percentage 0..100, got " + shown};
    return SocCommand{*v};
  }
  if (auto at = parse_rfc3339(text)) return ReadyByCommand{*at};
  if (auto tod = parse_time_of_day(text, false)) return ReadyByCommand{*tod};
  return Ignored{where + ": expected a local time HH:MM or an RFC 3339 instant, got " + shown};
}

std::optional<bool> parse_switch_state(std::string_view payload, std::string_view on,
                                       std::string_view off,
                                       const std::optional<std::string>& field) {
  if (payload.size() > k_max_payload) return std::nullopt;
  std::string value;
  if (field) {
    boost::system::error_code ec;
    json::value doc = json::parse(payload, ec);
    if (ec || !doc.is_object()) return std::nullopt;
    const json::value* f = doc.as_object().if_contains(*field);
    if (!f) return std::nullopt;
    if (f->is_string()) {
      value = std::string(f->as_string());
    } else if (f->is_bool()) {
      value = f->as_bool() ? "true" : "false";
    } else if (f->is_int64() || f->is_uint64()) {
      value = json::serialize(*f);
    } else {
      return std::nullopt;
    }
  } else {
    value = std::string(trim(payload));
  }
  if (value == trim(on)) return true;
  if (value == trim(off)) return false;
  return std::nullopt;
}

}  // namespace offpeak::mqtt
