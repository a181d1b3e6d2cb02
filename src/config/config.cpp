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

std::optional<HttpRequestTemplate> parse_http_action(const YAML::Node& node, Reader& r,
                                                     std::string_view what) {
  if (!r.check_map(node, what, {"method", "url", "headers", "body"})) return std::nullopt;
  HttpRequestTemplate t;
  if (auto n = Reader::child(node, "method")) {
    auto s = r.string(*n, "an HTTP method");
    static constexpr std::string_view k_methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    if (s && std::find(std::begin(k_methods), std::end(k_methods), *s) != std::end(k_methods)) {
      t.method = *s;
    } else if (s) {
      r.error_at(*n, "expected an HTTP method (GET, POST, PUT, PATCH, DELETE), got " + quoted(*n));
    }
  }
  if (auto n = r.required(node, "url", what)) {
    if (auto u = url(*n, r)) t.url = *u;
  }
  if (auto n = Reader::child(node, "headers")) {
    if (n->IsMap()) {
      for (auto it = n->begin(); it != n->end(); ++it) {
        if (!it->first.IsScalar() || !it->second.IsScalar()) {
          r.error_at(it->first, "expected header name: value strings");
          continue;
        }
        t.headers[it->first.Scalar()] = it->second.Scalar();
      }
    } else {
      r.error_at(*n, "expected a mapping of header names to values, got " + quoted(*n));
    }
  }
  if (auto n = Reader::child(node, "body")) {
    if (auto s = r.string(*n, "a request body string")) t.body = *s;
  }
  return t;
}

std::optional<std::vector<std::string>> parse_argv(const YAML::Node& node, Reader& r) {
  if (!node.IsSequence() || node.size() == 0) {
    r.error_at(node,
               "expected a command as a list, e.g. [\"/usr/local/bin/charger\", \"start\"], got " +
                   quoted(node));
    return std::nullopt;
  }
  std::vector<std::string> argv;
  for (const auto& item : node) {
    auto s = r.string(item, "a command-line argument");
    if (!s) return std::nullopt;
    argv.push_back(*s);
  }
  if (argv[0].empty() || argv[0][0] != '/') {
    r.error_at(node[0], "the program must be an absolute path (no shell, no PATH search), got " +
                            quoted(node[0]));
    return std::nullopt;
  }
  return argv;
}

// HOST:PORT ("[::1]:8080" too) into host and port; an error names `example`.
void parse_listen(const YAML::Node& n, Reader& r, std::string_view example, std::string& host_out,
                  unsigned short& port_out) {
  auto s = r.string(n, "HOST:PORT");
  if (!s) return;
  auto colon = s->rfind(':');
  std::string host = colon == std::string::npos ? "" : s->substr(0, colon);
  std::string port = colon == std::string::npos ? "" : s->substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int p = -1;
  if (!port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    p = std::stoi(port);
  }
  if (host.empty() || p < 0 || p > 65535) {
    r.error_at(n, "expected HOST:PORT such as " + std::string(example) + ", got " + quoted(n));
  } else {
    host_out = host;
    port_out = static_cast<unsigned short>(p);
  }
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

void parse_ocpp_switch(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                       const Environment& env, SwitchConfig& sc) {
  r.check_map(node, "switch (type: ocpp)",
              {"type", "listen", "charge_point_id", "password_file", "allow_insecure", "connector",
               "phases", "min_current_a", "max_current_a", "voltage", "tls_cert", "tls_key"});
  OcppSwitch o;
  if (auto n = Reader::child(node, "listen")) {
    parse_listen(*n, r, "0.0.0.0:8887", o.listen_host, o.listen_port);
  }
  if (auto n = r.required(node, "charge_point_id", "switch (type: ocpp)")) {
    if (auto s = r.string(*n, "the charger's identity")) {
      bool ok =
          !s->empty() && s->size() <= 48 && std::all_of(s->begin(), s->end(), [](unsigned char c) {
            return c > 0x20 && c < 0x7f && c != '/' && c != ':' && c != '%';
          });
      if (ok) {
        o.charge_point_id = *s;
      } else {
        r.error_at(*n,
                   "expected the charger's identity (1-48 printable characters, no '/', ':' or "
                   "'%'), got " +
                       quoted(*n));
      }
    }
  }
  if (auto n = Reader::child(node, "allow_insecure")) {
    if (auto v = r.boolean(*n, "allow_insecure")) o.allow_insecure = *v;
  }
  if (auto n = Reader::child(node, "connector")) {
    if (auto v = r.number_in(*n, "a connector id", 1, 99)) {
      if (*v != std::floor(*v)) {
        r.error_at(*n, "expected a whole connector id such as 1, got " + quoted(*n));
      } else {
        o.connector = static_cast<int>(*v);
      }
    }
  }
  if (auto n = Reader::child(node, "password_file")) {
    if (auto p = r.path(*n, dir)) {
      o.password_file = *p;
      if (auto s = read_secret_file(*p, &*n, r, "OCPP password")) o.password = std::move(*s);
    }
  } else if (env.credentials_directory &&
             std::filesystem::exists(*env.credentials_directory / "ocpp-password")) {
    o.password_file = *env.credentials_directory / "ocpp-password";
    if (auto s = read_secret_file(*o.password_file, nullptr, r, "credential ocpp-password")) {
      o.password = std::move(*s);
    }
  }
  auto cert = Reader::child(node, "tls_cert");
  auto key = Reader::child(node, "tls_key");
  if (cert) o.tls_cert = r.path(*cert, dir);
  if (key) o.tls_key = r.path(*key, dir);
  if (cert && !key) r.error_at(*cert, "'tls_cert' needs 'tls_key' (the certificate's private key)");
  if (key && !cert) r.error_at(*key, "'tls_key' needs 'tls_cert'");
  for (const auto& f : {o.tls_cert, o.tls_key}) {
    if (f && !std::filesystem::exists(*f)) {
      r.error_at(f == o.tls_cert ? *cert : *key, "cannot read " + f->string() + ": no such file");
    }
  }
  if (o.password.empty() && !o.password_file && !o.allow_insecure && !is_loopback(o.listen_host)) {
    auto at = Reader::child(node, "listen");
    r.error_at(at ? *at : node,
               "a charger listening on " + o.listen_host +
                   " (not loopback) without 'password_file' would let anyone on the network "
                   "pose as the charger; set 'password_file' (or the credential "
                   "ocpp-password), or 'allow_insecure: true' to accept that");
  }
  sc = std::move(o);
}

// An MQTT topic to publish to or subscribe to exactly: non-empty, no wildcards, no NUL.
std::optional<std::string> topic(const YAML::Node& n, Reader& r, std::string_view what) {
  auto s = r.string(n, what);
  if (!s) return std::nullopt;
  if (s->empty() || s->find_first_of("+#") != std::string::npos ||
      s->find('\0') != std::string::npos || s->size() > 1024) {
    r.error_at(n, "expected " + std::string(what) +
                      " without wildcards (+, #), such as cmnd/garage-plug/POWER, got " +
                      quoted(n));
    return std::nullopt;
  }
  return s;
}

// A prefix for our own topics: a topic without leading or trailing '/'.
std::optional<std::string> topic_prefix(const YAML::Node& n, Reader& r, std::string_view what) {
  auto s = topic(n, r, what);
  if (!s) return std::nullopt;
  if (s->front() == '/' || s->back() == '/' || s->find("//") != std::string::npos) {
    r.error_at(n, "expected " + std::string(what) +
                      " such as 'offpeak' (no leading, trailing or double '/'), got " + quoted(n));
    return std::nullopt;
  }
  return s;
}

void parse_mqtt(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                const Environment& env, std::optional<MqttConfig>& out) {
  if (!r.check_map(node, "mqtt",
                   {"broker", "username", "password_file", "client_id", "topic_prefix", "discovery",
                    "discovery_prefix", "ca_file", "keepalive"})) {
    return;
  }
  MqttConfig m;
  if (auto n = r.required(node, "broker", "mqtt")) {
    auto s = r.string(*n, "a broker URL");
    if (s) {
      const char* expected =
          "expected a broker URL mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got ";
      std::string rest;
      if (s->rfind("mqtt://", 0) == 0) {
        rest = s->substr(7);
      } else if (s->rfind("mqtts://", 0) == 0) {
        m.tls = true;
        m.port = 8883;
        rest = s->substr(8);
      } else {
        r.error_at(*n, expected + quoted(*n));
        s.reset();
      }
      if (s) {
        if (!rest.empty() && rest.back() == '/') rest.pop_back();
        std::string host = rest;
        std::string port;
        if (!rest.empty() && rest.front() == '[') {
          auto close = rest.find(']');
          host = close == std::string::npos ? "" : rest.substr(1, close - 1);
          if (close != std::string::npos && close + 1 < rest.size()) {
            if (rest[close + 1] == ':')
              port = rest.substr(close + 2);
            else
              host.clear();
          }
        } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
          host = rest.substr(0, colon);
          port = rest.substr(colon + 1);
          if (port.empty()) host.clear();
        }
        bool ok = !host.empty() && host.find_first_of("/@ ?#") == std::string::npos;
        if (ok && !port.empty()) {
          ok = port.size() <= 5 &&
               std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
          if (ok) {
            int p = std::stoi(port);
            ok = p >= 1 && p <= 65535;
            m.port = p;
          }
        }
        if (ok)
          m.host = host;
        else
          r.error_at(*n, expected + quoted(*n));
      }
    }
  }
  if (auto n = Reader::child(node, "username")) {
    if (auto s = r.string(*n, "a user name")) m.username = *s;
  }
  if (auto n = Reader::child(node, "password_file")) {
    if (auto p = r.path(*n, dir)) {
      if (auto s = read_secret_file(*p, &*n, r, "MQTT password")) m.password = std::move(*s);
    }
  } else if (credential_given(env, "mqtt-password")) {
    if (auto s = read_secret_file(*env.credentials_directory / "mqtt-password", nullptr, r,
                                  "credential mqtt-password")) {
      m.password = std::move(*s);
    }
  }
  if (!m.password.empty() && !m.username) {
    r.error_at(node, "an MQTT password needs a 'username'");
  }
  if (auto n = Reader::child(node, "ca_file")) {
    if (auto p = r.path(*n, dir)) {
      if (!std::filesystem::is_regular_file(*p))
        r.error_at(*n, "the CA file " + p->string() + " does not exist");
      else if (!m.tls)
        r.error_at(*n, "'ca_file' needs an mqtts:// broker");
      else
        m.ca_file = *p;
    }
  }
  m.client_id = "offpeak-" + env.hostname;
  if (auto n = Reader::child(node, "client_id")) {
    auto s = r.string(*n, "a client id");
    if (s && (s->empty() || s->size() > 256 || std::any_of(s->begin(), s->end(), [](char c) {
                return static_cast<unsigned char>(c) <= ' ' || c == '+' || c == '#' || c == '/';
              }))) {
      r.error_at(*n,
                 "expected a client id of printable characters without spaces, '/', '+', "
                 "'#', got " +
                     quoted(*n));
    } else if (s) {
      m.client_id = *s;
    }
  }
  if (auto n = Reader::child(node, "topic_prefix")) {
    if (auto s = topic_prefix(*n, r, "a topic prefix")) m.topic_prefix = *s;
  }
  if (auto n = Reader::child(node, "discovery")) {
    if (auto b = r.boolean(*n, "mqtt.discovery")) m.discovery = *b;
  }
  if (auto n = Reader::child(node, "discovery_prefix")) {
    if (auto s = topic_prefix(*n, r, "a discovery prefix")) m.discovery_prefix = *s;
  }
  if (auto n = Reader::child(node, "keepalive")) {
    if (auto d = r.duration(*n)) {
      if (d->count() < 5 || d->count() > 65535)
        r.error_at(*n, "expected a keepalive between 5s and 18h, got " + quoted(*n));
      else
        m.keepalive = *d;
    }
  }
  out = std::move(m);
}

void parse_switch(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, SwitchConfig& sc) {
  if (!node.IsMap()) {
    r.error_at(node, "expected a mapping for 'switch', got " + quoted(node));
    return;
  }
  std::string type = "log";
  if (auto n = Reader::child(node, "type")) {
    auto s = r.string(*n, "a switch type");
    if (!s) return;
    type = *s;
  }
  if (type == "log") {
    r.check_map(node, "switch (type: log)",
                {"type", "phases", "min_current_a", "max_current_a", "voltage"});
    sc = LogSwitch{};
  } else if (type == "http") {
    r.check_map(node, "switch (type: http)",
                {"type", "start", "stop", "set_current", "timeout", "phases", "min_current_a",
                 "max_current_a", "voltage"});
    HttpSwitch h;
    auto start = r.required(node, "start", "switch");
    auto stop = r.required(node, "stop", "switch");
    auto a = start ? parse_http_action(*start, r, "switch.start") : std::nullopt;
    auto b = stop ? parse_http_action(*stop, r, "switch.stop") : std::nullopt;
    if (a) h.start = *a;
    if (b) h.stop = *b;
    if (auto n = Reader::child(node, "set_current")) {
      h.set_current = parse_http_action(*n, r, "switch.set_current");
    }
    if (auto n = Reader::child(node, "timeout")) {
      if (auto d = r.duration(*n)) h.timeout = *d;
    }
    sc = h;
  } else if (type == "exec") {
    r.check_map(node, "switch (type: exec)",
                {"type", "start", "stop", "set_current", "timeout", "phases", "min_current_a",
                 "max_current_a", "voltage"});
    ExecSwitch e;
    auto start = r.required(node, "start", "switch");
    auto stop = r.required(node, "stop", "switch");
    if (start) {
      if (auto v = parse_argv(*start, r)) e.start = *v;
    }
    if (stop) {
      if (auto v = parse_argv(*stop, r)) e.stop = *v;
    }
    if (auto n = Reader::child(node, "set_current")) {
      if (auto v = parse_argv(*n, r)) e.set_current = *v;
    }
    if (auto n = Reader::child(node, "timeout")) {
      if (auto d = r.duration(*n)) e.timeout = *d;
    }
    sc = e;
  } else if (type == "ocpp") {
    parse_ocpp_switch(node, r, dir, env, sc);
  } else if (type == "mqtt") {
    r.check_map(node, "switch (type: mqtt)",
                {"type", "command_topic", "payload_on", "payload_off", "state_topic", "state_on",
                 "state_off", "state_field", "timeout", "current_topic", "current_payload",
                 "phases", "min_current_a", "max_current_a", "voltage"});
    MqttSwitch m;
    if (auto n = r.required(node, "command_topic", "switch (type: mqtt)")) {
      if (auto t = topic(*n, r, "a command topic")) m.command_topic = *t;
    }
    if (auto n = Reader::child(node, "payload_on")) {
      if (auto v = r.string(*n, "the payload that switches on")) m.payload_on = *v;
    }
    if (auto n = Reader::child(node, "payload_off")) {
      if (auto v = r.string(*n, "the payload that switches off")) m.payload_off = *v;
    }
    m.state_on = m.payload_on;
    m.state_off = m.payload_off;
    if (auto n = Reader::child(node, "state_topic")) {
      if (auto t = topic(*n, r, "a state topic")) m.state_topic = *t;
    }
    if (auto n = Reader::child(node, "current_topic")) {
      if (auto t = topic(*n, r, "a current topic")) m.current_topic = *t;
    }
    if (auto n = Reader::child(node, "current_payload")) {
      if (auto v = r.string(*n, "the payload that sets the current")) m.current_payload = *v;
    }
    if (auto n = Reader::child(node, "state_on")) {
      if (auto v = r.string(*n, "the state payload meaning on")) m.state_on = *v;
    }
    if (auto n = Reader::child(node, "state_off")) {
      if (auto v = r.string(*n, "the state payload meaning off")) m.state_off = *v;
    }
    if (auto n = Reader::child(node, "state_field")) {
      if (auto v = r.string(*n, "a JSON field name")) {
        if (v->empty())
          r.error_at(*n, "expected a JSON field name such as 'state', got an empty string");
        else
          m.state_field = *v;
      }
    }
    for (const char* key : {"state_on", "state_off", "state_field"}) {
      if (!m.state_topic && Reader::child(node, key)) {
        r.error_at(*Reader::child(node, key),
                   std::string("'") + key + "' needs a 'state_topic' to read the state from");
      }
    }
    if (m.state_on == m.state_off && m.state_topic) {
      r.error_at(node, "the on and off states are the same ('" + m.state_on +
                           "'); set state_on and state_off");
    }
    if (auto n = Reader::child(node, "timeout")) {
      if (auto d = r.duration(*n)) m.timeout = *d;
    }
    sc = m;
  } else {
    r.error_at(*Reader::child(node, "type"),
               "unknown switch type '" + type + "'; expected one of: log, http, exec, mqtt, ocpp");
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
