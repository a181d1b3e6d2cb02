// The `mqtt:` section (the broker connection, topics and Home Assistant discovery) and the
// topic checks the MQTT switch and meters share.

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

}  // namespace offpeak::config::detail
