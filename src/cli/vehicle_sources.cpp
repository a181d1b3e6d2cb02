// `offpeak vehicle` for the sources other than the Connect API: one read of Home Assistant's
// REST API or of a JSON API with the same readers the daemon uses (offpeak::vehicles), or the
// running daemon's last observation for pushed sources.

#include "vehicle_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/connect/client.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/vehicles/readings.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>
#include <thread>

namespace offpeak::cli {

namespace {

namespace json = boost::json;

// One GET with a couple of retries on transient failures, within about 60 s.
net::HttpResult get(const std::string& url, net::Headers headers, Seconds timeout,
                    const std::optional<std::filesystem::path>& ca_file) {
  net::ClientRequest req;
  req.url = url;
  req.headers = std::move(headers);
  req.headers.emplace_back("Accept", "application/json");
  net::ClientOptions opts;
  opts.timeout = std::min(std::chrono::milliseconds(timeout), std::chrono::milliseconds(20000));
  opts.ca_file = ca_file;
  net::HttpResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(2 * attempt));
    r = net::fetch_blocking(req, opts);
    if (r.ok()) return r;
    const bool transient =
        r.error.kind == net::HttpErrorKind::unreachable ||
        r.error.kind == net::HttpErrorKind::timeout ||
        (r.error.kind == net::HttpErrorKind::http_status && r.error.status >= 500);
    if (!transient) return r;
  }
  return r;
}

int failure(const std::string& what, const net::HttpError& e) {
  std::cerr << "offpeak: " << what << ": " << e.message << "\n";
  if (e.kind == net::HttpErrorKind::http_status && (e.status == 401 || e.status == 403))
    return k_exit_noperm;
  if (e.kind == net::HttpErrorKind::unreachable || e.kind == net::HttpErrorKind::timeout ||
      (e.kind == net::HttpErrorKind::http_status && e.status >= 500))
    return k_exit_unavailable;
  return k_exit_failure;
}

int print(const config::Config& cfg, const VehicleState& v, bool stale, bool json_out) {
  if (json_out) {
    std::string text = connect::render_vehicle_json(v);
    std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
    return k_exit_ok;
  }
  char soc[48] = "unknown";
  if (v.soc_percent) std::snprintf(soc, sizeof soc, "%.0f%%", *v.soc_percent);
  if (stale) std::snprintf(soc, sizeof soc, "stale (older than max_age)");
  char range[32] = "unknown";
  if (v.range_km) std::snprintf(range, sizeof range, "%.0f km", *v.range_km);
  std::cout << cfg.vehicle.name << "\n"
            << "  state of charge  " << soc << "\n"
            << "  charging state   " << to_string(v.charging_state) << "\n"
            << "  plugged in       "
            << (v.plugged_in ? (*v.plugged_in ? "yes" : "no") : std::string("unknown")) << "\n"
            << "  range            " << range << "\n"
            << "  observed at      " << cfg.zone.format(v.observed_at) << "\n";
  return k_exit_ok;
}

Instant now_utc() {
  return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

int home_assistant(const config::Config& cfg, const config::HomeAssistantSource& s, bool json_out) {
  vehicles::PushedReadings readings;
  const Instant now = now_utc();
  struct Entity {
    std::string id;
    int kind;
  };
  std::vector<Entity> entities{{s.soc_entity, 0}};
  if (s.plugged_entity) entities.push_back({*s.plugged_entity, 1});
  if (s.charging_entity) entities.push_back({*s.charging_entity, 2});
  if (s.range_entity) entities.push_back({*s.range_entity, 3});
  for (const auto& e : entities) {
    net::HttpResult r =
        get(s.url + "/api/states/" + e.id, {{"Authorization", "Bearer " + s.token.reveal()}},
            s.timeout, s.ca_file);
    if (!r.ok()) {
      if (r.error.kind == net::HttpErrorKind::http_status && r.error.status == 401) {
        std::cerr << "offpeak: Home Assistant at " << s.url
                  << " refused the token (401): create a long-lived access token in your "
                     "profile and put it in the token file\n";
        return k_exit_noperm;
      }
      if (r.error.kind == net::HttpErrorKind::http_status && r.error.status == 404) {
        std::cerr << "offpeak: Home Assistant at " << s.url << " has no entity " << e.id
                  << " (404)\n";
        return k_exit_failure;
      }
      return failure("Home Assistant at " + s.url, r.error);
    }
    std::string problem;
    auto st = vehicles::parse_ha_state(r.response->body, problem);
    if (!st) {
      std::cerr << "offpeak: " << e.id << ": " << problem << "\n";
      return k_exit_failure;
    }
    const Instant at = std::min(now, st->updated_at.value_or(now));
    if (e.kind == 0) {
      auto v = vehicles::read_percent(st->state, "");
      if (v.value) readings.soc(*v.value, at);
      if (!v.problem.empty()) std::cerr << "offpeak: " << e.id << ": " << v.problem << "\n";
    } else if (e.kind == 3) {
      if (auto v = vehicles::read_number(st->state, "", 0, 10000); v.value)
        readings.range_km(*v.value, at);
    } else {
      auto v = vehicles::read_flag(st->state, "", s.plugged_on, s.plugged_off);
      if (v.value && e.kind == 1) readings.plugged(*v.value, at);
      if (v.value && e.kind == 2) readings.charging(*v.value, at);
    }
  }
  bool stale = false;
  VehicleState v = readings.state(cfg.vehicle.name, now, s.max_age, &stale);
  v.device_id = cfg.vehicle.name;
  return print(cfg, v, stale, json_out);
}

int json_api(const config::Config& cfg, const config::HttpVehicleSource& s, bool json_out) {
  net::Headers headers;
  for (const auto& [name, value] : s.headers)
    headers.emplace_back(name, vehicles::fill_secret(value, s.secret.reveal()));
  net::HttpResult r = get(s.url, std::move(headers), s.timeout, s.ca_file);
  if (!r.ok()) return failure(s.url, r.error);
  vehicles::HttpFields f{s.soc_field,   s.plugged_field, s.charging_field,
                         s.range_field, s.plugged_on,    s.plugged_off};
  vehicles::HttpReadings h = vehicles::read_http_document(r.response->body, f);
  if (!h.problem.empty()) {
    std::cerr << "offpeak: " << s.url << ": " << h.problem << "\n";
    return k_exit_failure;
  }
  if (!h.soc.problem.empty()) std::cerr << "offpeak: soc_field: " << h.soc.problem << "\n";
  const Instant now = now_utc();
  vehicles::PushedReadings readings;
  if (h.soc.value) readings.soc(*h.soc.value, now);
  if (h.plugged.value) readings.plugged(*h.plugged.value, now);
  if (h.charging.value) readings.charging(*h.charging.value, now);
  if (h.range_km.value) readings.range_km(*h.range_km.value, now);
  return print(cfg, readings.state(cfg.vehicle.name, now, s.max_age), false, json_out);
}

// Pushed sources and the simulator: the running daemon's last observation.
int from_daemon(const config::Config& cfg, bool json_out) {
  const std::string host = cfg.api.listen_host == "0.0.0.0" ? "127.0.0.1" : cfg.api.listen_host;
  const std::string url = "http://" +
                          (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(cfg.api.listen_port);
  net::ClientRequest req;
  req.url = url + "/api/v1/status";
  net::ClientOptions opts;
  opts.timeout = std::chrono::seconds{10};
  net::HttpResult r = net::fetch_blocking(req, opts);
  if (!r.ok()) {
    std::cerr << "offpeak: this source's values reach the running daemon (offpeakd), which did "
                 "not answer at "
              << url << ": " << r.error.message << "\n";
    return k_exit_unavailable;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(r.response->body, ec);
  if (ec || !doc.is_object()) {
    std::cerr << "offpeak: " << url << " did not answer with a status document\n";
    return k_exit_failure;
  }
  const json::object& o = doc.as_object();
  VehicleState v;
  v.device_id = cfg.vehicle.name;
  if (const auto* x = o.if_contains("soc"); x && x->is_number())
    v.soc_percent = x->to_number<double>();
  if (const auto* x = o.if_contains("plugged_in"); x && x->is_bool()) v.plugged_in = x->as_bool();
  if (const auto* x = o.if_contains("charging_state"); x && x->is_string())
    v.charging_state = parse_charging_state(std::string_view(x->as_string()));
  if (const auto* x = o.if_contains("observed_at"); x && x->is_string()) {
    if (auto t = parse_rfc3339(std::string_view(x->as_string()))) v.observed_at = *t;
  }
  const auto* st = o.if_contains("stale");
  return print(cfg, v, st && st->is_bool() && st->as_bool() && !v.soc_percent, json_out);
}

}  // namespace

int cmd_vehicle_other_source(const config::Config& cfg, bool json_out) {
  if (const auto* h = std::get_if<config::HomeAssistantSource>(&cfg.vehicle.source))
    return home_assistant(cfg, *h, json_out);
  if (const auto* j = std::get_if<config::HttpVehicleSource>(&cfg.vehicle.source))
    return json_api(cfg, *j, json_out);
  return from_daemon(cfg, json_out);
}

}  // namespace offpeak::cli
