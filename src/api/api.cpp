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
  json::value v = report::prices_json(backend.prices(r.range.from, r.range.to));
  // Beside the import prices: what exporting earns (site.export_tariff or export_price).
  if (auto x = backend.export_prices(r.range.from, r.range.to)) {
    v.as_object()["export"] = report::prices_json(*x);
  }
  return json_response(
      200, report::with_currency(std::move(v), Money(backend.snapshot().currency, '.')));
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
    if (p.total_solar_kwh > 0 || p.total_grid_kwh > 0) {  // planned with the sun
      po["total_solar_kwh"] = report::round_to(p.total_solar_kwh, 4);
      po["export_forgone_p"] = report::round_to(p.export_forgone_p, 3);
    }
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
