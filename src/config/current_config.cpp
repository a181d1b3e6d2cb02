// The switch's current control (spec solar.md "Current control"): `phases`, `min_current_a`,
// `max_current_a`, `voltage` for every switch type, and whether the switch is modulating.

#include "yaml_reader.hpp"

#include <algorithm>
#include <cmath>

namespace offpeak::config {

std::string_view to_string(PhaseMode p) {
  switch (p) {
    case PhaseMode::one:
      return "1";
    case PhaseMode::three:
      return "3";
    case PhaseMode::automatic:
      return "auto";
  }
  return "1";
}

double CurrentControl::max_current(double max_charge_kw) const {
  if (max_current_a) return *max_current_a;
  double a = max_charge_kw * 1000.0 / (voltage * max_phases());
  a = std::floor(a * 10.0 + 1e-9) / 10.0;
  return std::clamp(a, min_current_a, 80.0);
}

namespace detail {
namespace {

bool has_placeholder(const std::string& s) {
  return s.find("{current_a}") != std::string::npos || s.find("{power_w}") != std::string::npos;
}

// The current template of the switch (if any) names the current or the power somewhere.
bool template_names_current(const SwitchConfig& sc) {
  if (const auto* h = std::get_if<HttpSwitch>(&sc)) {
    if (!h->set_current) return true;
    bool any = has_placeholder(h->set_current->url) || has_placeholder(h->set_current->body);
    for (const auto& [k, v] : h->set_current->headers)
      any = any || has_placeholder(v);
    return any;
  }
  if (const auto* e = std::get_if<ExecSwitch>(&sc)) {
    return e->set_current.empty() ||
           std::any_of(e->set_current.begin(), e->set_current.end(), has_placeholder);
  }
  if (const auto* m = std::get_if<MqttSwitch>(&sc)) {
    return !m->current_topic || has_placeholder(m->current_payload);
  }
  return true;
}

bool is_modulating(const SwitchConfig& sc) {
  if (std::holds_alternative<OcppSwitch>(sc)) return true;
  if (const auto* h = std::get_if<HttpSwitch>(&sc)) return h->set_current.has_value();
  if (const auto* e = std::get_if<ExecSwitch>(&sc)) return !e->set_current.empty();
  if (const auto* m = std::get_if<MqttSwitch>(&sc)) return m->current_topic.has_value();
  return false;
}

}  // namespace

void parse_current_control(const YAML::Node& node, Reader& r, Config& cfg) {
  if (!node.IsMap()) return;  // parse_switch has reported it
  CurrentControl& c = cfg.current;
  c = CurrentControl{};
  c.modulating = is_modulating(cfg.switch_config);
  const bool ocpp = std::holds_alternative<OcppSwitch>(cfg.switch_config);
  if (auto n = Reader::child(node, "phases")) {
    if (n->IsScalar() && n->Scalar() == "auto") {
      if (ocpp) {
        c.phases = PhaseMode::automatic;
      } else {
        r.error_at(*n,
                   "'phases: auto' needs a charger that switches phases itself (switch type "
                   "ocpp); expected 1 or 3 for this switch");
      }
    } else {
      auto v = r.number(*n, "the number of phases (1, 3 or auto)");
      if (v && (*v == 1 || *v == 3)) {
        c.phases = *v == 1 ? PhaseMode::one : PhaseMode::three;
      } else if (v) {
        r.error_at(*n, "expected 1 or 3 phases (or auto with an OCPP charger), got " + quoted(*n));
      }
    }
  }
  if (auto n = Reader::child(node, "voltage")) {
    if (auto v = r.number_in(*n, "a voltage per phase in volts", 100, 400)) c.voltage = *v;
  }
  if (auto n = Reader::child(node, "min_current_a")) {
    if (auto v = r.number_in(*n, "a current in amperes", 1, 80)) {
      c.min_current_a = std::round(*v * 10) / 10;  // OCPP limits are multiples of 0.1
    }
  }
  if (auto n = Reader::child(node, "max_current_a")) {
    if (auto v = r.number_in(*n, "a current in amperes", 6, 80)) {
      c.max_current_a = std::round(*v * 10) / 10;
      if (*c.max_current_a < c.min_current_a) {
        r.error_at(*n, "max_current_a (" + quoted(*n) + ") is below min_current_a (" +
                           std::to_string(static_cast<int>(c.min_current_a)) + " A)");
      }
    }
  }
  if (!template_names_current(cfg.switch_config)) {
    const char* key =
        std::holds_alternative<MqttSwitch>(cfg.switch_config) ? "current_payload" : "set_current";
    auto n = Reader::child(node, key);
    if (!n) n = Reader::child(node, "current_topic");
    r.error_at(n ? *n : node, std::string("'") + key +
                                  "' must contain {current_a} or {power_w}: the switch would "
                                  "not know which current to set");
  }
}

}  // namespace detail
}  // namespace offpeak::config
