// The Prometheus text of /metrics (text format 0.0.4): the daemon's state, the charger, the
// switch, MQTT, the notifications and the home's meters, each family with HELP and TYPE.
#include <offpeak/api/api.hpp>
#include <offpeak/api/site_api.hpp>

#include <offpeak/version.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>

namespace offpeak::api {
namespace {

// --- metrics text ----------------------------------------------------------------------------

std::string number_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class MetricsWriter {
 public:
  MetricsWriter() { out_.reserve(6 * 1024); }
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, double v, std::string_view labels = {}) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += number_text(v);
    out_ += '\n';
  }
  void optional_sample(std::string_view name, std::optional<double> v) {
    if (v) sample(name, *v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

double seconds_of(Instant t) {
  return static_cast<double>(t.time_since_epoch().count());
}

}  // namespace

std::string metrics_text(const StatusSnapshot& s) {
  MetricsWriter w;
  const auto& obs = s.observation;
  w.family("offpeak_build_info", "gauge", "Build information; the value is always 1.");
  w.sample("offpeak_build_info", 1, "version=\"" + label_value(k_version) + "\"");
  w.family("offpeak_soc_percent", "gauge", "Last observed state of charge in percent.");
  w.optional_sample("offpeak_soc_percent", obs ? obs->soc_percent : std::nullopt);
  w.family("offpeak_soc_estimate_percent", "gauge",
           "State of charge now: the last reading, or estimated from it since (charger on "
           "stretches along the charge curve, or metered energy).");
  w.optional_sample(
      "offpeak_soc_estimate_percent",
      s.soc_estimate ? std::optional<double>(s.soc_estimate->soc_percent) : std::nullopt);
  w.family("offpeak_plugged_in", "gauge", "1 when the car was last seen plugged in, else 0.");
  if (obs && obs->plugged_in) w.sample("offpeak_plugged_in", *obs->plugged_in ? 1 : 0);
  w.family("offpeak_charging", "gauge", "1 when the car was last seen charging, else 0.");
  if (obs) w.sample("offpeak_charging", obs->charging_state == ChargingState::charging ? 1 : 0);
  w.family("offpeak_last_observation_timestamp_seconds", "gauge",
           "Unix time of the last observation of the car.");
  if (obs) w.sample("offpeak_last_observation_timestamp_seconds", seconds_of(obs->observed_at));
  w.family("offpeak_observation_stale", "gauge",
           "1 when the last observation is too old to act on.");
  w.sample("offpeak_observation_stale", s.stale ? 1 : 0);
  // Money in the configured currency's minor unit, the currency as a label; the older names
  // (pence in theirs) keep the same values for the dashboards that use them.
  const std::string currency = "currency=\"" + s.currency + "\"";
  w.family("offpeak_price_minor_units_per_kwh", "gauge",
           "Current electricity price per kWh in the currency's minor unit (p, ct, ore, ...).");
  if (s.price_now) w.sample("offpeak_price_minor_units_per_kwh", *s.price_now, currency);
  w.family("offpeak_price_p_per_kwh", "gauge",
           "Deprecated: offpeak_price_minor_units_per_kwh without the currency label.");
  w.optional_sample("offpeak_price_p_per_kwh", s.price_now);
  w.family("offpeak_prices_known_until_timestamp_seconds", "gauge",
           "Unix time up to which prices are known.");
  if (s.prices_known_until) {
    w.sample("offpeak_prices_known_until_timestamp_seconds", seconds_of(*s.prices_known_until));
  }
  w.family("offpeak_plan_cost_minor_units", "gauge",
           "Estimated cost of the adopted plan in the currency's minor unit.");
  if (s.plan) w.sample("offpeak_plan_cost_minor_units", s.plan->total_cost_p, currency);
  w.family("offpeak_plan_cost_pence", "gauge",
           "Deprecated: offpeak_plan_cost_minor_units without the currency label.");
  if (s.plan) w.sample("offpeak_plan_cost_pence", s.plan->total_cost_p);
  w.family("offpeak_plan_energy_kwh", "gauge", "Grid energy of the adopted plan in kWh.");
  if (s.plan) w.sample("offpeak_plan_energy_kwh", s.plan->total_energy_kwh);
  w.family("offpeak_plan_feasible", "gauge", "1 when the adopted plan reaches the target in time.");
  if (s.plan) w.sample("offpeak_plan_feasible", s.plan->feasible ? 1 : 0);
  w.family("offpeak_target_soc_percent", "gauge", "Target state of charge in percent.");
  w.sample("offpeak_target_soc_percent", s.deadline.target_soc);
  w.family("offpeak_ready_by_timestamp_seconds", "gauge", "Unix time of the next ready-by.");
  w.sample("offpeak_ready_by_timestamp_seconds", seconds_of(s.deadline.ready_by));
  w.family("offpeak_next_action_timestamp_seconds", "gauge",
           "Unix time of the next planned start or stop.");
  if (s.next_action) {
    w.sample("offpeak_next_action_timestamp_seconds", seconds_of(s.next_action->second),
             "action=\"" + std::string(to_string(s.next_action->first)) + "\"");
  }
  w.family("offpeak_mode", "gauge", "1 for the current charging mode, 0 for the others.");
  for (Mode m : {Mode::smart, Mode::now, Mode::off, Mode::solar}) {
    w.sample("offpeak_mode", s.mode == m ? 1 : 0, "mode=\"" + std::string(to_string(m)) + "\"");
  }
  w.family("offpeak_switch_on", "gauge", "1 when the switch is believed on, 0 off.");
  if (s.switch_on) w.sample("offpeak_switch_on", *s.switch_on ? 1 : 0);
  w.family("offpeak_switch_failing", "gauge", "1 when the switch failed to carry out commands.");
  w.sample("offpeak_switch_failing", s.switch_failing ? 1 : 0);
  w.family("offpeak_charge_current_amps", "gauge",
           "The current per phase the switch carries (modulating switches).");
  if (s.current.current_a) w.sample("offpeak_charge_current_amps", *s.current.current_a);
  if (s.surplus_w) {
    w.family("offpeak_surplus_watts", "gauge", "The surplus the car could take, W.");
    w.sample("offpeak_surplus_watts", *s.surplus_w);
  }
  if (s.charger) {
    const ChargerSnapshot& c = *s.charger;
    w.family("offpeak_charger_connected", "gauge",
             "1 when the OCPP charger is connected to offpeak, 0 when not.");
    w.sample("offpeak_charger_connected", c.connected ? 1 : 0);
    w.family("offpeak_charger_power_watts", "gauge", "The power the charger meters now.");
    if (c.power_w) w.sample("offpeak_charger_power_watts", *c.power_w);
    w.family("offpeak_charger_energy_wh", "gauge", "The charger's energy import register (Wh).");
    if (c.energy_wh) w.sample("offpeak_charger_energy_wh", *c.energy_wh);
  }
  w.family("offpeak_commands_total", "counter", "Start and stop commands sent since start.");
  for (const char* action : {"start", "stop"}) {
    for (const char* result : {"ok", "failed"}) {
      auto it = s.commands.find({action, result});
      w.sample("offpeak_commands_total",
               static_cast<double>(it == s.commands.end() ? 0 : it->second),
               std::string("action=\"") + action + "\",result=\"" + result + "\"");
    }
  }
  w.family("offpeak_polls_total", "counter", "Polls of the vehicle service since start.");
  w.sample("offpeak_polls_total", static_cast<double>(s.polls_total));
  w.family("offpeak_polls_today", "gauge", "Polls of the vehicle service in the current UTC day.");
  w.sample("offpeak_polls_today", static_cast<double>(s.polls_today));
  w.family("offpeak_poll_requests_today", "gauge",
           "Requests to the vehicle service (token and device calls, retries included) in the "
           "current UTC day.");
  w.sample("offpeak_poll_requests_today", static_cast<double>(s.requests_today));
  w.family("offpeak_poll_requests_max_per_day", "gauge",
           "The daily request budget (vehicle.poll.max_per_day).");
  w.sample("offpeak_poll_requests_max_per_day", static_cast<double>(s.max_requests_per_day));
  w.family("offpeak_poll_errors_total", "counter", "Failed polls since start, by kind.");
  for (const auto& [kind, n] : s.poll_errors) {
    w.sample("offpeak_poll_errors_total", static_cast<double>(n),
             "kind=\"" + label_value(kind) + "\"");
  }
  w.family("offpeak_api_connections", "gauge", "Open connections to the API.");
  w.sample("offpeak_api_connections", static_cast<double>(s.api_connections));
  if (const auto& m = s.mqtt) {
    w.family("offpeak_mqtt_connected", "gauge", "1 while connected to the MQTT broker, else 0.");
    w.sample("offpeak_mqtt_connected", m->connected ? 1 : 0);
    w.family("offpeak_mqtt_connects_total", "counter",
             "Connections to the MQTT broker accepted since start.");
    w.sample("offpeak_mqtt_connects_total", static_cast<double>(m->connects));
    w.family("offpeak_mqtt_connection_losses_total", "counter",
             "Connections to the MQTT broker lost, refused or failed since start.");
    w.sample("offpeak_mqtt_connection_losses_total", static_cast<double>(m->connection_losses));
    w.family("offpeak_mqtt_messages_published_total", "counter",
             "Messages published to the MQTT broker since start.");
    w.sample("offpeak_mqtt_messages_published_total", static_cast<double>(m->published));
    w.family("offpeak_mqtt_messages_received_total", "counter",
             "Messages received from the MQTT broker since start.");
    w.sample("offpeak_mqtt_messages_received_total", static_cast<double>(m->received));
  }
  return w.take() + (s.notify ? notify_metrics_text(*s.notify) : std::string()) +
         (s.site ? site_metrics_text(*s.site) : std::string());
}

}  // namespace offpeak::api
