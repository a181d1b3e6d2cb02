#include <offpeak/api/api.hpp>
#include <offpeak/api/requests.hpp>
#include <offpeak/api/site_api.hpp>
#include <offpeak/report/report.hpp>

#include <boost/json.hpp>

#include <algorithm>
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

net::ServerResponse json_reply(int status, const json::value& v) {
  net::ServerResponse r = net::make_response(status, report::to_json(v));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

boost::asio::awaitable<std::vector<store::MeterSampleRow>> ApiBackend::site_samples(
    store::TimeRange) {
  co_return std::vector<store::MeterSampleRow>{};
}

json::value site_history_json(const std::vector<store::MeterSampleRow>& rows, Instant from,
                              Instant to) {
  json::array samples;
  for (const auto& r : rows) {
    samples.push_back(json::object{{"ts", format_rfc3339(r.ts)},
                                   {"grid_w", watts_or_null(r.grid_w)},
                                   {"pv_w", watts_or_null(r.pv_w)},
                                   {"car_w", watts_or_null(r.car_w)},
                                   {"current_a", watts_or_null(r.current_a)}});
  }
  return json::object{
      {"from", format_rfc3339(from)}, {"to", format_rfc3339(to)}, {"samples", std::move(samples)}};
}

boost::asio::awaitable<net::ServerResponse> get_site_history(ApiBackend* backend,
                                                             net::ServerRequest req) {
  const StatusSnapshot s = backend->snapshot();
  if (!s.site) {
    co_return json_reply(404, json::object{{"error",
                                            "no site meters are configured (site.grid, "
                                            "site.pv): there is no power history"}});
  }
  // Today: from local midnight; a day has at most 1440 rows (one a minute).
  const Zone& zone = backend->zone();
  const Instant midnight = zone.start_of_day(zone.local_date(s.now));
  RangeResult r = parse_range_query(req.query, midnight, s.now + Seconds{1}, 2000);
  if (!r.error.empty()) co_return json_reply(400, json::object{{"error", r.error}});
  std::vector<store::MeterSampleRow> rows = co_await backend->site_samples(r.range);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  co_return json_reply(200, site_history_json(rows, r.range.from, r.range.to));
}

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
