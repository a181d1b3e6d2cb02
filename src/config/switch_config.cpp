// The `switch:` section: log, http, exec, mqtt and ocpp switches (their current control is
// current_config.cpp), and the listen addresses the OCPP central system and the API share.

#include "yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include <unistd.h>

namespace offpeak::config::detail {

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

}  // namespace offpeak::config::detail
