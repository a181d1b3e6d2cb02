// The main configuration file: YAML -> Config, every problem reported as FILE:LINE:COL.

#include "yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include <unistd.h>

namespace offpeak::config {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "trace") return LogLevel::trace;
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn" || text == "warning") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

Environment Environment::from_process() {
  Environment env;
  if (const char* c = std::getenv("CREDENTIALS_DIRECTORY"); c && *c) env.credentials_directory = c;
  if (const char* s = std::getenv("STATE_DIRECTORY"); s && *s) {
    std::string v(s);
    env.state_directory = v.substr(0, v.find(':'));  // systemd may list several
  }
  std::error_code ec;
  env.working_directory = std::filesystem::current_path(ec);
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') env.hostname = host;
  return env;
}

namespace detail {

// Reads a secret from a file: content with trailing newlines removed. Never echoes content.
std::optional<Secret> read_secret_file(const std::filesystem::path& p, const YAML::Node* at,
                                       Reader& r, std::string_view what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::string msg = "cannot read the " + std::string(what) + " file " + p.string() + ": " +
                      std::strerror(errno);
    if (at)
      r.error_at(*at, msg);
    else
      r.file_error(msg);
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string v = buf.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r'))
    v.pop_back();
  if (v.empty()) {
    std::string msg = "the " + std::string(what) + " file " + p.string() + " is empty";
    if (at)
      r.error_at(*at, msg);
    else
      r.file_error(msg);
    return std::nullopt;
  }
  return Secret(std::move(v));
}

// A systemd credential that was given: the file exists and holds more than newlines. The unit
// sets a lone newline (SetCredential=ID:\n) as the fallback when the credential's file is
// absent, which reads as "not provided".
bool credential_given(const Environment& env, std::string_view id) {
  if (!env.credentials_directory) return false;
  std::ifstream in(*env.credentials_directory / std::string(id), std::ios::binary);
  if (!in) return false;
  char c = 0;
  while (in.get(c)) {
    if (c != '\n' && c != '\r') return true;
  }
  return false;
}

namespace {
bool valid_url(const std::string& s) {
  auto scheme_end = s.find("://");
  if (scheme_end == std::string::npos) return false;
  auto scheme = s.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  auto host = s.substr(scheme_end + 3);
  return !host.empty() && host[0] != '/' && host.find(' ') == std::string::npos;
}
}  // namespace

std::optional<std::string> url(const YAML::Node& n, Reader& r) {
  auto s = r.string(n, "a URL");
  if (!s) return std::nullopt;
  if (!valid_url(*s)) {
    r.error_at(n, "expected an http:// or https:// URL, got " + quoted(n));
    return std::nullopt;
  }
  return s;
}

}  // namespace detail

namespace {

using detail::credential_given;
using detail::is_loopback;
using detail::parse_listen;
using detail::parse_mqtt;
using detail::parse_switch;
using detail::quoted;
using detail::read_secret_file;
using detail::Reader;
using detail::url;

void parse_vehicle(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                   const Environment& env, VehicleConfig& vc) {
  if (!r.check_map(
          node, "vehicle",
          {"name", "battery_kwh", "max_charge_kw", "efficiency", "source", "poll", "learn"})) {
    return;
  }
  if (auto n = Reader::child(node, "name")) {
    if (auto s = r.string(*n, "a name")) vc.name = *s;
  }
  if (auto n = r.required(node, "battery_kwh", "vehicle")) {
    if (auto v = r.number_in(*n, "a usable battery capacity in kWh", 0, 1000, true)) {
      vc.spec.battery_kwh = *v;
    }
  }
  if (auto n = r.required(node, "max_charge_kw", "vehicle")) {
    if (auto v = r.number_in(*n, "a charging power in kW", 0, 400, true))
      vc.spec.max_charge_kw = *v;
  }
  if (auto n = Reader::child(node, "efficiency")) {
    if (auto v = r.number_in(*n, "an efficiency", 0, 1, true)) vc.spec.efficiency = *v;
  }
  if (auto n = r.required(node, "source", "vehicle")) detail::parse_source(*n, r, dir, env, vc);
  if (auto n = Reader::child(node, "poll")) {
    if (r.check_map(*n, "vehicle.poll", {"charging", "plugged", "away", "max_per_day"})) {
      if (auto d = Reader::child(*n, "max_per_day")) {
        if (auto v = r.number_in(*d, "a number of requests per day (1-1000)", 1, 1000)) {
          if (*v != std::floor(*v))
            r.error_at(*d, "expected a whole number of requests per day, got " + quoted(*d));
          else
            vc.poll.max_per_day = static_cast<int>(*v);
        }
      }
      if (auto d = Reader::child(*n, "charging")) {
        if (auto v = r.duration(*d)) vc.poll.charging = *v;
      }
      if (auto d = Reader::child(*n, "plugged")) {
        if (auto v = r.duration(*d)) vc.poll.plugged = *v;
      }
      if (auto d = Reader::child(*n, "away")) {
        if (auto v = r.duration(*d)) vc.poll.away = *v;
      }
    }
  }
  if (auto n = Reader::child(node, "learn")) {
    if (auto b = r.boolean(*n, "vehicle.learn")) vc.learn = *b;
  }
}

void parse_charging(const YAML::Node& node, Reader& r, ChargingPolicy& cp) {
  if (!r.check_map(node, "charging",
                   {"target_soc", "ready_by", "min_soc", "charge_below", "strategy",
                    "after_ready_by", "days", "carbon_weight", "solar", "solar_max_soc"})) {
    return;
  }
  if (auto n = Reader::child(node, "target_soc")) {
    if (auto v = r.number_in(*n, "a target SoC percentage", 0, 100, true)) cp.target_soc = *v;
  }
  if (auto n = Reader::child(node, "ready_by")) {
    if (auto t = r.time_of_day(*n, false)) cp.ready_by = *t;
  }
  if (auto n = Reader::child(node, "min_soc")) {
    if (auto v = r.number_in(*n, "a minimum SoC percentage", 0, 100)) cp.min_soc = *v;
  }
  if (auto n = Reader::child(node, "charge_below")) {
    if (auto v = r.number_in(*n, "a price in p/kWh", -10000, 10000)) cp.charge_below_p_per_kwh = *v;
  }
  if (auto n = Reader::child(node, "carbon_weight")) {
    if (auto v = r.number_in(*n, "a carbon weight in p per kg CO2", 0, 10000))
      cp.carbon_weight_p_per_kg = *v;
  }
  if (auto n = Reader::child(node, "strategy")) {
    auto s = n->IsScalar() ? parse_strategy(n->Scalar()) : std::nullopt;
    if (s)
      cp.strategy = *s;
    else
      r.error_at(*n, "expected a strategy (cheapest or continuous), got " + quoted(*n));
  }
  if (auto n = Reader::child(node, "after_ready_by")) {
    std::string v = n->IsScalar() ? n->Scalar() : std::string();
    if (v == "continue" || v == "stop")
      cp.continue_after_ready_by = v == "continue";
    else
      r.error_at(*n, "expected after_ready_by continue or stop, got " + quoted(*n));
  }
  if (auto n = Reader::child(node, "days")) {
    if (n->IsMap()) {
      for (auto it = n->begin(); it != n->end(); ++it) {
        auto day = it->first.IsScalar() ? parse_weekday(it->first.Scalar()) : std::nullopt;
        if (!day) {
          r.error_at(it->first, "expected a weekday (mon, tue, wed, thu, fri, sat, sun), got " +
                                    quoted(it->first));
          continue;
        }
        const YAML::Node o = it->second;
        if (!r.check_map(o, "charging.days." + it->first.Scalar(), {"ready_by", "target_soc"})) {
          continue;
        }
        DayOverride& d = cp.days[static_cast<std::size_t>(*day)];
        if (auto t = Reader::child(o, "ready_by")) d.ready_by = r.time_of_day(*t, false);
        if (auto t = Reader::child(o, "target_soc")) {
          d.target_soc = r.number_in(*t, "a target SoC percentage", 0, 100, true);
        }
      }
    } else {
      r.error_at(*n, "expected a mapping of weekdays such as 'sat: { ready_by: \"10:00\" }', got " +
                         quoted(*n));
    }
  }
  if (cp.min_soc && *cp.min_soc > cp.target_soc) {
    r.error_at(*Reader::child(node, "min_soc"), "min_soc must not be above target_soc");
  }
}

void parse_api(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
               const Environment& env, ApiConfig& api) {
  if (!r.check_map(node, "api", {"listen", "token_file", "allow_remote"})) return;
  if (auto n = Reader::child(node, "listen")) {
    parse_listen(*n, r, "127.0.0.1:8080", api.listen_host, api.listen_port);
  }
  if (auto n = Reader::child(node, "allow_remote")) {
    if (auto v = r.boolean(*n, "allow_remote")) api.allow_remote = *v;
  }
  if (auto n = Reader::child(node, "token_file")) {
    if (auto p = r.path(*n, dir)) {
      api.token_file = *p;
      if (auto s = read_secret_file(*p, &*n, r, "API token")) api.token = std::move(*s);
    }
  } else if (credential_given(env, "api-token")) {
    api.token_file = *env.credentials_directory / "api-token";
    if (auto s = read_secret_file(*api.token_file, nullptr, r, "credential api-token")) {
      api.token = std::move(*s);
    }
  }
  if (!is_loopback(api.listen_host) && api.token.empty() && !api.allow_remote) {
    r.error_at(*Reader::child(node, "listen"),
               "listening on " + api.listen_host +
                   " (not loopback) without 'token_file' would let anyone on the network control "
                   "charging; set 'token_file', or 'allow_remote: true' to accept that");
  }
}

}  // namespace

LoadResult load_config(const std::filesystem::path& file, const Environment& env) {
  LoadResult result;
  std::string label = file.string();
  auto root = detail::load_yaml_file(file, label, result.errors);
  if (!root) return result;
  Reader r(label, result.errors);
  r.index_parents(*root);
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(file, ec).lexically_normal();
  std::filesystem::path dir = abs.parent_path();
  Config cfg;
  cfg.file = abs;
  if (!r.check_map(*root, "top level",
                   {"timezone", "vehicle", "charging", "tariff", "switch", "storage", "api", "log",
                    "mqtt", "carbon", "notify", "quiet_hours", "plug_reminder", "currency",
                    "locale", "site", "solar_forecast"})) {
    return result;
  }
  // Time zone first: other sections do not depend on it, but errors read better in order.
  std::string tz_name = "Europe/London";
  if (auto n = Reader::child(*root, "timezone")) {
    if (auto s = r.string(*n, "an IANA time zone such as Europe/London")) {
      tz_name = *s;
      if (!Zone::locate(tz_name)) {
        r.error_at(
            *n,
            "unknown time zone " + quoted(*n) +
                "; expected an IANA name such as Europe/London (see timedatectl list-timezones)");
      }
    }
  }
  if (auto z = Zone::locate(tz_name)) cfg.zone = *z;

  if (auto n = r.required(*root, "vehicle", "top level"))
    parse_vehicle(*n, r, dir, env, cfg.vehicle);
  if (auto n = Reader::child(*root, "charging")) parse_charging(*n, r, cfg.charging);
  if (auto n = Reader::child(*root, "charging")) detail::parse_charging_solar(*n, r, cfg.solar);
  if (auto n = r.required(*root, "tariff", "top level")) {
    if (n->IsScalar()) {
      if (auto p = r.path(*n, dir)) {
        auto t = load_tariff_file(*p);
        for (auto& e : t.errors)
          result.errors.push_back(e);
        if (t.tariff) cfg.tariff = std::move(*t.tariff);
      }
    } else if (n->IsMap()) {
      if (auto t = detail::parse_tariff(*n, r, dir, 0)) cfg.tariff = std::move(*t);
    } else {
      r.error_at(*n, "expected a tariff file path or a tariff mapping, got " + quoted(*n));
    }
  }
  if (auto n = Reader::child(*root, "switch")) parse_switch(*n, r, dir, env, cfg.switch_config);
  if (auto n = Reader::child(*root, "switch")) detail::parse_current_control(*n, r, cfg);
  if (auto n = Reader::child(*root, "mqtt")) parse_mqtt(*n, r, dir, env, cfg.mqtt);
  if (std::holds_alternative<MqttSwitch>(cfg.switch_config) && !Reader::child(*root, "mqtt")) {
    r.error_at(*Reader::child(*Reader::child(*root, "switch"), "type"),
               "switch type 'mqtt' needs an 'mqtt:' section with the broker");
  }
  detail::check_source_needs(cfg, r, *root);
  // storage
  bool have_db = false;
  if (auto n = Reader::child(*root, "storage")) {
    if (r.check_map(*n, "storage", {"database", "sample_retention_days"})) {
      if (auto d = Reader::child(*n, "database")) {
        if (auto p = r.path(*d, dir)) {
          cfg.storage.database = *p;
          have_db = true;
        }
      }
      if (auto d = Reader::child(*n, "sample_retention_days")) {
        if (auto v = r.number_in(*d, "a number of days", 1, 36500)) {
          cfg.storage.sample_retention = Seconds{static_cast<long long>(*v * 86400)};
        }
      }
    }
  }
  if (!have_db) {
    cfg.storage.database =
        (env.state_directory ? *env.state_directory : env.working_directory) / "offpeak.db";
  }
  if (auto n = Reader::child(*root, "api")) parse_api(*n, r, dir, env, cfg.api);
  if (auto n = Reader::child(*root, "carbon")) detail::parse_carbon(*n, r, cfg.carbon.emplace());
  if (auto n = Reader::child(*root, "site"))
    detail::parse_site(*n, r, Reader::child(*root, "mqtt").has_value(), cfg.site);
  if (auto n = Reader::child(*root, "site")) detail::parse_export_tariff(*n, r, dir, cfg);
  if (auto n = Reader::child(*root, "solar_forecast"))
    detail::parse_solar_forecast(*n, r, dir, env, cfg.solar_forecast);
  detail::parse_notify(*root, r, dir, env, cfg.notify);
  detail::parse_money(*root, r, cfg.money);
  if (auto n = Reader::child(*root, "tariff")) detail::finish_spot_tariff(cfg, env, r, *n);
  if (auto n = Reader::child(*root, "log")) {
    if (r.check_map(*n, "log", {"level"})) {
      if (auto l = Reader::child(*n, "level")) {
        auto level = l->IsScalar() ? parse_log_level(l->Scalar()) : std::nullopt;
        if (level)
          cfg.log_level = *level;
        else
          r.error_at(*l,
                     "expected a log level (trace, debug, info, warn, error), got " + quoted(*l));
      }
    }
  }
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [&](const ConfigError& a, const ConfigError& b) {
                     if (a.file != b.file) return a.file == label;  // main file first
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

}  // namespace offpeak::config
