#include <offpeak/net/http_client.hpp>
#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/solar/forecast_sources.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>

namespace offpeak::solar {

namespace json = boost::json;
using namespace std::chrono;
using config::SolarForecastType;

namespace {

ArrayQuery query_of(const config::SolarForecastConfig& cfg, const config::SolarArray& a) {
  ArrayQuery q;
  q.orientation = {cfg.latitude, cfg.longitude, a.tilt, a.azimuth};
  q.panel.kwp = a.kwp;
  q.panel.system_efficiency = cfg.system_efficiency;
  q.panel.temp_coeff_per_k = cfg.temp_coeff;
  return q;
}

std::optional<std::string> fetch_one(const ForecastRequest& req, std::string& body) {
  net::ClientRequest cr;
  cr.url = req.url;
  for (const auto& h : req.headers)
    cr.headers.emplace_back(h.first, h.second);
  net::ClientOptions opts;
  opts.timeout = seconds{30};
  opts.max_response_bytes = 4 * 1024 * 1024;
  net::HttpResult r = net::fetch_blocking(cr, opts);
  if (!r.ok()) {
    // The client keeps no body of a refusal: the status says it (429: quota, 401/403: key).
    if (r.error.kind == net::HttpErrorKind::http_status)
      return "HTTP " + std::to_string(r.error.status) + " from the forecast source";
    return std::string(net::to_string(r.error.kind)) + ": " + r.error.message;
  }
  body = std::move(r.response->body);
  return std::nullopt;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

PvRefreshPolicy pv_refresh_policy(const config::SolarForecastConfig& cfg) {
  switch (cfg.type) {
    case SolarForecastType::forecast_solar:
      return forecast_solar_policy();
    case SolarForecastType::open_meteo:
      return open_meteo_policy();
    case SolarForecastType::solcast:
      return solcast_policy();
  }
  return forecast_solar_policy();
}

int pv_calls_per_refresh(const config::SolarForecastConfig& cfg) {
  return static_cast<int>(cfg.type == SolarForecastType::solcast ? cfg.site_ids.size()
                                                                 : cfg.arrays.size());
}

std::string pv_cache_key(const config::SolarForecastConfig& cfg) {
  std::string k = "pv_forecast:" + std::string(config::solar_forecast_type_name(cfg.type)) + ":" +
                  number(cfg.latitude) + "," + number(cfg.longitude) + ":" + cfg.base_url;
  for (const auto& a : cfg.arrays)
    k += ":" + number(a.kwp) + "/" + number(a.tilt) + "/" + number(a.azimuth);
  for (const auto& s : cfg.site_ids)
    k += ":" + s;
  return k;
}

PvFetch fetch_pv_forecast(const config::SolarForecastConfig& cfg, const Zone& site_zone) {
  PvFetch out;
  std::vector<PvForecast> parts;
  const std::string key = cfg.api_key.reveal();  // sent, never logged
  auto one = [&](const ForecastRequest& req, auto parse) -> bool {
    ++out.requests;
    std::string body;
    if (auto err = fetch_one(req, body)) {
      out.error = *err;
      return false;
    }
    ForecastParse p = parse(body);
    if (!p.ok()) {
      out.error = p.error;
      return false;
    }
    parts.push_back(std::move(p.forecast));
    return true;
  };
  if (cfg.type == SolarForecastType::solcast) {
    for (const auto& site : cfg.site_ids)
      if (!one(solcast_request(cfg.base_url, site, key),
               [](std::string_view b) { return parse_solcast(b); }))
        return out;
  } else {
    for (const auto& a : cfg.arrays) {
      const ArrayQuery q = query_of(cfg, a);
      const bool ok =
          cfg.type == SolarForecastType::forecast_solar
              ? one(forecast_solar_request(cfg.base_url, q, key),
                    [&](std::string_view b) { return parse_forecast_solar(b, site_zone); })
              : one(open_meteo_request(cfg.base_url, q),
                    [&](std::string_view b) { return parse_open_meteo(b, q); });
      if (!ok) return out;
    }
  }
  out.forecast = sum_forecasts(parts);
  if (out.forecast.empty()) out.error = "the arrays' forecasts have no time in common";
  return out;
}

std::optional<PvForecast> cached_pv_forecast(const store::Store& store, const std::string& key) {
  auto text = store.get_setting(key + ":curve");
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  PvForecast f;
  for (const auto& e : v.get_array()) {
    if (!e.is_array() || e.get_array().size() != 3) return std::nullopt;
    const auto& a = e.get_array();
    if (!a[0].is_int64() || !a[1].is_int64() || !a[2].is_number()) return std::nullopt;
    f.intervals.push_back({Instant{Seconds{a[0].get_int64()}}, Instant{Seconds{a[1].get_int64()}},
                           a[2].to_number<double>()});
  }
  if (!f.valid()) return std::nullopt;
  return f;
}

PvRefreshState cached_pv_refresh_state(const store::Store& store, const std::string& key) {
  PvRefreshState s;
  auto text = store.get_setting(key + ":refresh");
  if (!text) return s;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.get_object();
  auto instant = [&](std::string_view k) -> std::optional<Instant> {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_int64()) return std::nullopt;
    return Instant{Seconds{x->get_int64()}};
  };
  s.last_attempt = instant("last_attempt");
  s.last_success = instant("last_success");
  if (const json::value* f = o.if_contains("failures"); f && f->is_int64())
    s.consecutive_failures = static_cast<int>(f->get_int64());
  if (const json::value* c = o.if_contains("calls"); c && c->is_array())
    for (const auto& t : c->get_array())
      if (t.is_int64()) s.calls.push_back(Instant{Seconds{t.get_int64()}});
  return s;
}

namespace {

void save_state(store::Store& store, const std::string& key, const PvRefreshState& s, Instant now) {
  json::object o;
  if (s.last_attempt) o["last_attempt"] = s.last_attempt->time_since_epoch().count();
  if (s.last_success) o["last_success"] = s.last_success->time_since_epoch().count();
  o["failures"] = s.consecutive_failures;
  json::array calls;
  for (Instant t : s.calls)
    calls.push_back(t.time_since_epoch().count());
  o["calls"] = std::move(calls);
  store.set_setting(key + ":refresh", json::serialize(o), now);
}

void save_curve(store::Store& store, const std::string& key, const PvForecast& f, Instant now) {
  json::array a;
  for (const auto& i : f.intervals)
    a.push_back(
        json::array{i.start.time_since_epoch().count(), i.end.time_since_epoch().count(), i.watts});
  store.set_setting(key + ":curve", json::serialize(a), now);
}

}  // namespace

PvStep refresh_pv_if_due(const config::SolarForecastConfig& cfg, const Zone& site_zone,
                         store::Store& store, Instant now) {
  const std::string key = pv_cache_key(cfg);
  const PvRefreshPolicy policy = pv_refresh_policy(cfg);
  const int calls = pv_calls_per_refresh(cfg);
  PvRefreshState state = cached_pv_refresh_state(store, key);
  PvStep step;
  step.forecast = cached_pv_forecast(store, key).value_or(PvForecast{});
  if (pv_next_refresh(now, state, policy, calls) > now) {
    step.next = pv_next_refresh(now, state, policy, calls);
    return step;
  }
  PvFetch f = fetch_pv_forecast(cfg, site_zone);
  step.fetched = true;
  step.requests = f.requests;
  pv_record_refresh(state, now, f.requests, !f.error, policy.quota.window);
  if (f.error) {
    step.error = f.error;
  } else {
    step.forecast = std::move(f.forecast);
    save_curve(store, key, step.forecast, now);
  }
  save_state(store, key, state, now);
  step.next = pv_next_refresh(now, state, policy, calls);
  return step;
}

}  // namespace offpeak::solar
