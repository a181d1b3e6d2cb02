#include <offpeak/api/site_api.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>

namespace offpeak::api {

namespace json = boost::json;

namespace {

json::value watts_or_null(const std::optional<double>& w) {
  if (!w) return nullptr;
  return std::round(*w * 10) / 10;  // 0.1 W
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

json::value site_status_json(const SiteStatus& s) {
  json::array meters;
  for (const auto& m : s.meters) {
    meters.push_back(json::object{
        {"role", m.role},
        {"type", m.type},
        {"source", m.source},
        {"watts", watts_or_null(m.watts)},
        {"read_at", m.read_at ? json::value(format_rfc3339(*m.read_at)) : nullptr},
        {"stale", m.stale},
        {"readings", m.readings},
        {"faults", m.faults},
        {"last_error", m.last_error.empty() ? json::value(nullptr) : json::value(m.last_error)}});
  }
  const bool ever = s.state.updated_at != Instant{};
  return json::object{
      {"grid_w", watts_or_null(s.state.grid_w)},
      {"pv_w", watts_or_null(s.state.pv_w)},
      {"stale", s.state.stale},
      {"updated_at", ever ? json::value(format_rfc3339(s.state.updated_at)) : nullptr},
      {"meters", std::move(meters)}};
}

std::string site_metrics_text(const SiteStatus& s) {
  std::string out;
  if (s.state.grid_w) {
    family(out, "offpeak_grid_power_watts", "gauge",
           "Power at the grid connection, W (import positive, export negative).");
    out += "offpeak_grid_power_watts " + number(*s.state.grid_w) + "\n";
  }
  if (s.state.pv_w) {
    family(out, "offpeak_pv_power_watts", "gauge", "The panels' production, W.");
    out += "offpeak_pv_power_watts " + number(*s.state.pv_w) + "\n";
  }
  family(out, "offpeak_meter_stale", "gauge",
         "1 while a meter has no reading within its max_age, else 0.");
  for (const auto& m : s.meters)
    out += "offpeak_meter_stale{meter=\"" + m.role + "\"} " + (m.stale ? "1" : "0") + "\n";
  family(out, "offpeak_meter_readings_total", "counter", "Good meter readings since start.");
  for (const auto& m : s.meters)
    out += "offpeak_meter_readings_total{meter=\"" + m.role + "\"} " +
           number(static_cast<double>(m.readings)) + "\n";
  family(out, "offpeak_meter_faults_total", "counter",
         "Unreadable meter payloads and failed meter polls since start.");
  for (const auto& m : s.meters)
    out += "offpeak_meter_faults_total{meter=\"" + m.role + "\"} " +
           number(static_cast<double>(m.faults)) + "\n";
  return out;
}

}  // namespace offpeak::api
