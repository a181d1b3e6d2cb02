#include <offpeak/api/api.hpp>
#include <offpeak/api/site_api.hpp>

#include <offpeak/domain/savings.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/version.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>

namespace offpeak::api {
namespace {

namespace json = boost::json;
using net::ServerRequest;
using net::ServerResponse;

// --- responses ---------------------------------------------------------------------------

ServerResponse json_response(int status, const json::value& v) {
  ServerResponse r = net::make_response(status, report::to_json(v));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

ServerResponse error_response(int status, std::string message) {
  return json_response(status, json::object{{"error", std::move(message)}});
}

ServerResponse method_not_allowed(std::string allow) {
  ServerResponse r = error_response(405, "method not allowed; use " + allow);
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

json::value instant_or_null(std::optional<Instant> t) {
  if (!t) return nullptr;
  return json::value(format_rfc3339(*t));
}

json::value number_or_null(std::optional<double> v, int decimals = 3) {
  if (!v) return nullptr;
  return json::value(report::round_to(*v, decimals));
}

// --- requests ----------------------------------------------------------------------------

// [from, to) and limit from the request's query (requests.cpp).
RangeResult parse_range(const ServerRequest& req, Instant default_from, Instant default_to,
                        int default_limit) {
  return parse_range_query(req.query, default_from, default_to, default_limit);
}

// --- rows ----------------------------------------------------------------------------------

json::value samples_json(std::vector<store::SampleRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  json::array out;
  for (const auto& s : rows) {
    out.push_back(json::object{
        {"ts", format_rfc3339(s.ts)},
        {"device_id", s.device_id},
        {"soc", number_or_null(s.soc_percent, 2)},
        {"charging_state", std::string(to_string(s.charging_state))},
        {"plugged_in", s.plugged_in ? json::value(*s.plugged_in) : json::value(nullptr)},
        {"range_km", number_or_null(s.range_km, 1)},
        {"told", s.told},
    });
  }
  return json::object{{"samples", std::move(out)}};
}

// The prices every session's stretch at full power needs (from its plug-in on).
PriceCurve prices_for_sessions(const ApiBackend& backend,
                               const std::vector<store::SessionRow>& rows, double full_power_kw) {
  if (rows.empty() || !(full_power_kw > 0)) return {};
  Instant from = rows.front().started_at;
  Instant to = from;
  for (const auto& s : rows) {
    from = std::min(from, s.started_at);
    const auto seconds = static_cast<long long>(s.energy_kwh / full_power_kw * 3600) + 3600;
    to = std::max(to, s.started_at + Seconds{seconds});
  }
  return backend.prices(from, to);
}

json::value sessions_json(std::vector<store::SessionRow> rows, const PriceCurve& prices,
                          double full_power_kw) {
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.started_at < b.started_at; });
  json::array out;
  for (const auto& s : rows) {
    const SessionSaving saving =
        session_saving(prices, s.started_at, s.energy_kwh, s.cost_p, full_power_kw);
    out.push_back(json::object{
        {"id", s.id},
        {"started_at", format_rfc3339(s.started_at)},
        {"ended_at", instant_or_null(s.ended_at)},
        {"device_id", s.device_id},
        {"start_soc", number_or_null(s.start_soc, 2)},
        {"end_soc", number_or_null(s.end_soc, 2)},
        {"energy_kwh", report::round_to(s.energy_kwh, 4)},
        {"cost_p", report::round_to(s.cost_p, 3)},
        {"cost_at_once_p", number_or_null(saving.cost_at_once_p, 3)},
        {"saving_p", number_or_null(saving.saving_p, 3)},
    });
  }
  return json::object{{"sessions", std::move(out)}, {"full_power_kw", full_power_kw}};
}

// Sessions by the local month of their plug-in, oldest first, every month of [from, now]
// present (empty months as zeros).
json::value savings_json(const std::vector<store::SessionRow>& rows, const PriceCurve& prices,
                         double full_power_kw, const Zone& zone, LocalDate first_month,
                         int months) {
  struct Month {
    std::vector<SessionFigures> figures;
  };
  std::vector<Month> by_month(static_cast<std::size_t>(months));
  const auto first = std::chrono::year_month{first_month.year(), first_month.month()};
  for (const auto& s : rows) {
    const LocalDate d = zone.local_date(s.started_at);
    const int index =
        static_cast<int>((std::chrono::year_month{d.year(), d.month()} - first).count());
    if (index < 0 || index >= months) continue;
    const SessionSaving saving =
        session_saving(prices, s.started_at, s.energy_kwh, s.cost_p, full_power_kw);
    by_month[static_cast<std::size_t>(index)].figures.push_back(
        {s.energy_kwh, s.cost_p, saving.cost_at_once_p});
  }
  json::array out;
  for (int i = 0; i < months; ++i) {
    const auto ym = first + std::chrono::months{i};
    const MonthSummary m = summarize_month(by_month[static_cast<std::size_t>(i)].figures, {});
    char label[16];
    std::snprintf(label, sizeof label, "%04d-%02u", static_cast<int>(ym.year()),
                  static_cast<unsigned>(ym.month()));
    out.push_back(json::object{
        {"month", label},
        {"sessions", m.sessions},
        {"energy_kwh", report::round_to(m.energy_kwh, 4)},
        {"cost_p", report::round_to(m.cost_p, 3)},
        {"cost_at_once_p", report::round_to(m.cost_at_once_p, 3)},
        {"saving_p", report::round_to(m.saving_p, 3)},
        {"unpriced_sessions", m.unpriced},
    });
  }
  return json::object{{"months", std::move(out)}};
}

json::value commands_json(std::vector<store::CommandRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  json::array out;
  for (const auto& c : rows) {
    out.push_back(json::object{
        {"id", c.id},
        {"ts", format_rfc3339(c.ts)},
        {"device_id", c.device_id},
        {"action", std::string(store::to_string(c.action))},
        {"reason", c.reason},
        {"result", c.result},
    });
  }
  return json::object{{"commands", std::move(out)}};
}

// --- mode and override -----------------------------------------------------------------------

json::value mode_json(const StatusSnapshot& s) {
  return json::object{{"mode", std::string(to_string(s.mode))},
                      {"until", instant_or_null(s.mode_until)}};
}

json::value override_json(const std::optional<DeadlineOverride>& o) {
  if (!o) return nullptr;
  return json::object{{"target_soc", number_or_null(o->target_soc, 2)},
                      {"ready_by", instant_or_null(o->ready_by)}};
}

json::value charging_json(const StatusSnapshot& s) {
  return json::object{{"override", override_json(s.override_deadline)},
                      {"target_soc", report::round_to(s.deadline.target_soc, 2)},
                      {"ready_by", format_rfc3339(s.deadline.ready_by)}};
}

ServerResponse post_mode(ApiBackend& backend, const ServerRequest& req) {
  const ModeRequest m = parse_mode_request(req.body, backend.snapshot().now);
  if (!m.error.empty()) return error_response(400, m.error);
  if (auto refused = backend.mode_refused(m.mode)) return error_response(409, *refused);
  backend.set_mode(m.mode, m.until);
  return json_response(200, mode_json(backend.snapshot()));
}

ServerResponse put_charging(ApiBackend& backend, const ServerRequest& req) {
  const ChargingRequest c =
      parse_charging_request(req.body, backend.snapshot().now, backend.zone());
  if (!c.error.empty()) return error_response(400, c.error);
  backend.set_override(c.override_deadline);
  return json_response(200, charging_json(backend.snapshot()));
}

// --- asynchronous routes (coroutines: parameters by value) ---------------------------------

boost::asio::awaitable<ServerResponse> get_history(ApiBackend* backend, ServerRequest req) {
  const Instant now = backend->snapshot().now;
  RangeResult r = parse_range(req, now - std::chrono::hours{24}, now + Seconds{1}, 2000);
  if (!r.error.empty()) co_return error_response(400, r.error);
  std::vector<store::SampleRow> rows = co_await backend->samples(r.range);
  co_return json_response(200, samples_json(std::move(rows)));
}

boost::asio::awaitable<ServerResponse> get_sessions(ApiBackend* backend, ServerRequest req) {
  const Instant now = backend->snapshot().now;
  RangeResult r = parse_range(req, now - std::chrono::days{30}, now + Seconds{1}, 500);
  if (!r.error.empty()) co_return error_response(400, r.error);
  std::vector<store::SessionRow> rows = co_await backend->sessions(r.range);
  const double kw = backend->snapshot().vehicle.max_charge_kw;
  const PriceCurve prices = prices_for_sessions(*backend, rows, kw);
  co_return json_response(200, sessions_json(std::move(rows), prices, kw));
}

// GET /api/v1/savings?months=N: the last N local months (default 12, at most 60).
boost::asio::awaitable<ServerResponse> get_savings(ApiBackend* backend, ServerRequest req) {
  const StatusSnapshot s = backend->snapshot();
  int months = 12;
  if (auto m = query_param(req.query, "months")) {
    const auto n = parse_bounded_int(*m, 1, 60);
    if (!n) co_return error_response(400, "months: expected an integer 1..60, got '" + *m + "'");
    months = *n;
  }
  const Zone& zone = backend->zone();
  const LocalDate today = zone.local_date(s.now);
  const auto this_month = std::chrono::year_month{today.year(), today.month()};
  const auto first = this_month - std::chrono::months{months - 1};
  const LocalDate first_day{first / std::chrono::day{1}};
  store::TimeRange range{zone.start_of_day(first_day), s.now + Seconds{1}, 10000, false};
  std::vector<store::SessionRow> rows = co_await backend->sessions(range);
  const double kw = s.vehicle.max_charge_kw;
  const PriceCurve prices = prices_for_sessions(*backend, rows, kw);
  co_return json_response(200, savings_json(rows, prices, kw, zone, first_day, months));
}

boost::asio::awaitable<ServerResponse> get_commands(ApiBackend* backend, ServerRequest req) {
  const Instant now = backend->snapshot().now;
  RangeResult r = parse_range(req, now - std::chrono::days{7}, now + Seconds{1}, 500);
  if (!r.error.empty()) co_return error_response(400, r.error);
  std::vector<store::CommandRow> rows = co_await backend->commands(r.range);
  co_return json_response(200, commands_json(std::move(rows)));
}

ServerResponse get_prices(ApiBackend& backend, const ServerRequest& req) {
  const Instant now = backend.snapshot().now;
  RangeResult r = parse_range(req, now, now + std::chrono::hours{48}, 1);
  if (!r.error.empty()) return error_response(400, r.error);
  return json_response(
      200, report::with_currency(report::prices_json(backend.prices(r.range.from, r.range.to)),
                                 Money(backend.snapshot().currency, '.')));
}

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

std::vector<json::value> projection(const StatusSnapshot& s) {
  std::vector<json::value> points;
  if (!s.plan) return points;
  const Plan& p = *s.plan;
  double soc = p.soc;
  points.push_back(json::object{{"at", format_rfc3339(p.now)}, {"soc", report::round_to(soc, 2)}});
  for (const auto& slot : p.slots) {
    points.push_back(
        json::object{{"at", format_rfc3339(slot.start)}, {"soc", report::round_to(soc, 2)}});
    soc = soc_after(s.vehicle, soc, slot.energy_kwh);
    points.push_back(
        json::object{{"at", format_rfc3339(slot.end)}, {"soc", report::round_to(soc, 2)}});
  }
  return points;
}

}  // namespace

// --- public pieces ---------------------------------------------------------------------------

bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token) {
  if (!authorization || token.empty()) return false;
  std::string_view h = *authorization;
  constexpr std::string_view scheme = "bearer ";
  if (h.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) return false;
  }
  h.remove_prefix(scheme.size());
  while (!h.empty() && h.front() == ' ')
    h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ')
    h.remove_suffix(1);
  // Constant time in the position of the first difference: every byte of the longer string
  // is looked at.
  unsigned diff = h.size() == token.size() ? 0U : 1U;
  const std::size_t n = std::max(h.size(), token.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<unsigned char>(i < h.size() ? h[i] : 0);
    const auto b = static_cast<unsigned char>(i < token.size() ? token[i] : 0);
    diff |= static_cast<unsigned>(a ^ b);
  }
  return diff == 0;
}

std::string override_setting(const DeadlineOverride& o) {
  return report::to_json(override_json(o));
}

std::optional<DeadlineOverride> parse_override_setting(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  DeadlineOverride o;
  const auto& obj = v.as_object();
  if (const auto* t = obj.if_contains("target_soc"); t && t->is_number()) {
    o.target_soc = t->to_number<double>();
  }
  if (const auto* r = obj.if_contains("ready_by"); r && r->is_string()) {
    o.ready_by = parse_rfc3339(std::string_view(r->as_string()));
  }
  if (!o.target_soc && !o.ready_by) return std::nullopt;
  return o;
}

json::value status_json(const StatusSnapshot& s) {
  json::object o;
  o["now"] = format_rfc3339(s.now);
  o["version"] = k_version;
  o["vehicle"] = s.vehicle_name;
  o["timezone"] = s.timezone;
  o["currency"] = s.currency;
  o["decimal_mark"] = std::string(1, s.decimal_mark);
  const auto& obs = s.observation;
  o["device_id"] = obs ? json::value(obs->device_id) : json::value(nullptr);
  o["soc"] = obs ? number_or_null(obs->soc_percent, 2) : json::value(nullptr);
  o["soc_told"] = obs && obs->told;  // the owner told this SoC (API, MQTT, CLI)
  o["charging_state"] = std::string(obs ? to_string(obs->charging_state) : "UNKNOWN");
  o["plugged_in"] = obs && obs->plugged_in ? json::value(*obs->plugged_in) : json::value(nullptr);
  o["range_km"] = obs ? number_or_null(obs->range_km, 1) : json::value(nullptr);
  o["observed_at"] = obs ? instant_or_null(obs->observed_at) : json::value(nullptr);
  if (const auto& e = s.soc_estimate) {
    o["soc_now"] = json::object{{"soc", report::round_to(e->soc_percent, 2)},
                                {"estimated", e->estimated},
                                {"metered", e->metered},
                                {"reading_at", format_rfc3339(e->reading_at)}};
  } else {
    o["soc_now"] = nullptr;
  }
  o["stale"] = s.stale;
  o["mode"] = std::string(to_string(s.mode));
  o["mode_until"] = instant_or_null(s.mode_until);
  o["target_soc"] = report::round_to(s.deadline.target_soc, 2);
  o["ready_by"] = format_rfc3339(s.deadline.ready_by);
  o["override"] = override_json(s.override_deadline);
  if (s.next_action) {
    o["next_action"] = json::object{{"action", std::string(to_string(s.next_action->first))},
                                    {"at", format_rfc3339(s.next_action->second)}};
  } else {
    o["next_action"] = nullptr;
  }
  o["reason"] = s.reason;
  if (s.plan) {
    const Plan& p = *s.plan;
    json::array runs;
    for (const auto& r : p.runs) {
      runs.push_back(json::object{{"start", format_rfc3339(r.start)},
                                  {"end", format_rfc3339(r.end)},
                                  {"energy_kwh", report::round_to(r.energy_kwh, 4)},
                                  {"cost_p", report::round_to(r.cost_p, 3)}});
    }
    json::array proj;
    for (auto& pt : projection(s))
      proj.push_back(std::move(pt));
    o["plan"] = json::object{{"made_at", format_rfc3339(p.now)},
                             {"ready_by", format_rfc3339(p.ready_by)},
                             {"soc", report::round_to(p.soc, 2)},
                             {"target_soc", report::round_to(p.target_soc, 2)},
                             {"feasible", p.feasible},
                             {"energy_needed_kwh", report::round_to(p.energy_needed_kwh, 4)},
                             {"total_energy_kwh", report::round_to(p.total_energy_kwh, 4)},
                             {"total_cost_p", report::round_to(p.total_cost_p, 3)},
                             {"expected_soc", report::round_to(p.expected_soc, 2)},
                             {"runs", std::move(runs)},
                             {"projected_soc", std::move(proj)},
                             {"explanation", p.explanation}};
    json::object& po = o["plan"].as_object();
    po["charge_now_cost_p"] = number_or_null(p.charge_now_cost_p, 3);
    if (p.total_co2_kg) {  // with carbon intensity data (`carbon:`)
      po["total_co2_kg"] = report::round_to(*p.total_co2_kg, 4);
      po["charge_now_co2_kg"] = number_or_null(p.charge_now_co2_kg, 4);
    }
    if (p.forecast_kwh > 0) po["forecast_kwh"] = report::round_to(p.forecast_kwh, 4);
  } else {
    o["plan"] = nullptr;
  }
  o["charging"] = json::object{
      {"current_a", number_or_null(s.current.current_a, 1)},
      {"phases", s.current.phases ? json::value(*s.current.phases) : json::value(nullptr)},
      {"for_surplus", s.current.for_surplus},
      {"surplus", s.current.surplus}};
  o["switch"] = json::object{
      {"name", s.switch_name},
      {"on", s.switch_on ? json::value(*s.switch_on) : json::value(nullptr)},
      {"failing", s.switch_failing},
      {"problem", s.switch_failing ? json::value(s.switch_problem) : json::value(nullptr)}};
  if (s.charger) {
    const ChargerSnapshot& c = *s.charger;
    auto text_or_null = [](const std::string& t) {
      return t.empty() ? json::value(nullptr) : json::value(t);
    };
    o["charger"] = json::object{
        {"id", c.id},
        {"connected", c.connected},
        {"address", text_or_null(c.address)},
        {"vendor", text_or_null(c.vendor)},
        {"model", text_or_null(c.model)},
        {"firmware", text_or_null(c.firmware)},
        {"status", c.status},
        {"plugged_in", c.plugged_in ? json::value(*c.plugged_in) : json::value(nullptr)},
        {"power_w", number_or_null(c.power_w, 1)},
        {"energy_wh", number_or_null(c.energy_wh, 1)},
        {"limit_a", number_or_null(c.limit_a, 1)},
        {"error_code", text_or_null(c.error_code)},
        {"last_error", text_or_null(c.last_error)},
        {"connected_since", instant_or_null(c.connected_since)}};
  } else {
    o["charger"] = nullptr;
  }
  const bool fresh = s.prices_known_until && *s.prices_known_until >= s.deadline.ready_by;
  json::object prices{{"current_p_per_kwh", number_or_null(s.price_now, 3)},
                      {"known_until", instant_or_null(s.prices_known_until)},
                      {"covers_ready_by", fresh}};
  if (s.prices_known_until) {
    prices["hours_ahead"] = report::round_to(
        std::chrono::duration<double>(*s.prices_known_until - s.now).count() / 3600.0, 2);
  } else {
    prices["hours_ahead"] = nullptr;
  }
  o["prices"] = std::move(prices);
  json::object errors;
  for (const auto& [kind, n] : s.poll_errors)
    errors[kind] = n;
  o["polls"] = json::object{
      {"total", s.polls_total},
      {"today", s.polls_today},
      {"requests_today", s.requests_today},
      {"max_requests_per_day", s.max_requests_per_day},
      {"next_at", s.next_poll_at ? json::value(format_rfc3339(*s.next_poll_at)) : nullptr},
      {"next_reason", s.next_poll_reason},
      {"consecutive_failures", s.consecutive_poll_failures},
      {"errors", std::move(errors)}};
  o["charging_model"] = s.charging_model;
  if (const auto& m = s.mqtt) {
    o["mqtt"] = json::object{
        {"broker", m->broker},
        {"client_id", m->client_id},
        {"connected", m->connected},
        {"state", m->state},
        {"connected_for_s", number_or_null(m->connected_for_s, 0)},
        {"connects", m->connects},
        {"connection_losses", m->connection_losses},
        {"published", m->published},
        {"received", m->received},
        {"last_error", m->last_error.empty() ? json::value(nullptr) : json::value(m->last_error)}};
  } else {
    o["mqtt"] = nullptr;
  }
  o["notify"] = s.notify ? notify_status_json(*s.notify) : json::value(nullptr);
  o["site"] = s.site ? site_status_json(*s.site) : json::value(nullptr);
  if (s.site) o["site"].as_object()["surplus_w"] = number_or_null(s.surplus_w, 0);
  return o;
}

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

bool ApiBackend::tell_soc(double, std::string& why) {
  why = "this daemon takes no told SoC";
  return false;
}

boost::asio::awaitable<std::vector<store::OutboxEntry>> ApiBackend::notifications(int) {
  co_return std::vector<store::OutboxEntry>{};
}

// --- the router --------------------------------------------------------------------------------

Router::Router(ApiBackend& backend, std::string token)
    : backend_(backend), token_(std::move(token)) {}

boost::asio::awaitable<ServerResponse> Router::handle(ServerRequest req) {
  const std::string& path = req.path;
  const std::string& method = req.method;
  const bool get = method == "GET";

  if (path == "/" || path == "/index.html") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r =
        net::make_response(200, std::string(dashboard_html()), "text/html; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; script-src 'unsafe-inline'; "
                           "style-src 'unsafe-inline'; img-src data:");
    co_return r;
  }
  if (path == "/healthz") {
    if (!get) co_return method_not_allowed("GET");
    co_return json_response(200, json::object{{"status", "ok"}});
  }
  if (path == "/metrics") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = net::make_response(200, metrics_text(backend_.snapshot()),
                                          "text/plain; version=0.0.4; charset=utf-8");
    co_return r;
  }
  if (path == "/api/v1/status") {
    if (!get) co_return method_not_allowed("GET");
    co_return json_response(200, status_json(backend_.snapshot()));
  }
  if (path == "/api/v1/plan") {
    if (!get) co_return method_not_allowed("GET");
    StatusSnapshot s = backend_.snapshot();
    if (!s.plan) {
      ServerResponse r = error_response(503, "no plan yet: waiting for the first observation");
      r.headers.emplace_back("Retry-After", "5");
      co_return r;
    }
    co_return json_response(
        200, report::with_currency(report::plan_json(*s.plan), Money(s.currency, '.')));
  }
  if (path == "/api/v1/prices") {
    if (!get) co_return method_not_allowed("GET");
    co_return get_prices(backend_, req);
  }
  if (path == "/api/v1/history") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = co_await get_history(&backend_, std::move(req));
    co_return r;
  }
  if (path == "/api/v1/sessions") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = co_await get_sessions(&backend_, std::move(req));
    co_return r;
  }
  if (path == "/api/v1/savings") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = co_await get_savings(&backend_, std::move(req));
    co_return r;
  }
  if (path == "/api/v1/notifications") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = co_await get_notifications(&backend_, std::move(req));
    co_return r;
  }
  if (path == "/api/v1/commands") {
    if (!get) co_return method_not_allowed("GET");
    ServerResponse r = co_await get_commands(&backend_, std::move(req));
    co_return r;
  }
  const bool is_mode = path == "/api/v1/mode";
  const bool is_charging = path == "/api/v1/charging";
  const bool is_soc = path == "/api/v1/soc";
  if (is_soc && method != "POST") co_return method_not_allowed("POST");
  if (!is_mode && !is_charging && !is_soc)
    co_return error_response(404, "no such resource: " + path);
  if (get) {
    StatusSnapshot s = backend_.snapshot();
    co_return json_response(200, is_mode ? mode_json(s) : charging_json(s));
  }
  const bool allowed =
      is_mode || is_soc ? method == "POST" : (method == "PUT" || method == "DELETE");
  if (!allowed) co_return method_not_allowed(is_mode ? "GET, POST" : "GET, PUT, DELETE");
  if (!token_.empty() && !bearer_matches(req.header("Authorization"), token_)) {
    ServerResponse r = error_response(401, "a valid 'Authorization: Bearer <token>' is required");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"offpeak\"");
    co_return r;
  }
  if (is_mode) co_return post_mode(backend_, req);
  if (is_soc) {
    const SocRequest t = parse_soc_request(req.body);
    if (!t.error.empty()) co_return error_response(400, t.error);
    std::string why;
    if (!backend_.tell_soc(t.soc_percent, why)) co_return error_response(409, why);
    co_return json_response(200, status_json(backend_.snapshot()));
  }
  if (method == "DELETE") {
    backend_.set_override(std::nullopt);
    co_return json_response(200, charging_json(backend_.snapshot()));
  }
  co_return put_charging(backend_, req);
}

}  // namespace offpeak::api
