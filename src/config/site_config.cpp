// The `site:` section of the main file: the grid and PV meters and the export price
// (spec solar.md). Meter types form an explicit registry: k_meter_types below.

#include "yaml_reader.hpp"

#include <charconv>
#include <string_view>

namespace offpeak::config::detail {

namespace {

constexpr std::string_view k_meter_types = "mqtt, http, sunspec";

bool valid_topic(const std::string& t) {
  return !t.empty() && t.find_first_of("+#") == std::string::npos &&
         t.find('\0') == std::string::npos && t.size() <= 512;
}

// A dotted path into JSON: names and array indexes (`emeters.0.power`), `*` for the sum over
// an array's elements, `a[0]` written as `a.0`. Empty segments are refused.
bool valid_field(std::string_view f) {
  if (f.empty() || f.size() > 256) return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = f.find('.', start);
    std::string_view seg = f.substr(start, dot == std::string_view::npos ? f.npos : dot - start);
    if (seg.empty()) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "host:port" or "host" (port 502); IPv6 literals in brackets.
bool parse_address(const std::string& s, SunspecMeter& out) {
  if (s.empty()) return false;
  std::string host = s;
  std::string port;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close == 1) return false;
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return false;
      port = s.substr(close + 2);
    }
  } else if (auto colon = s.rfind(':'); colon != std::string::npos) {
    if (s.find(':') != colon) return false;  // a bare IPv6 literal needs brackets
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" /?#@") != std::string::npos) return false;
  if (!port.empty() || s.back() == ':') {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) return false;
    out.port = static_cast<unsigned short>(v);
  }
  out.host = host;
  return true;
}

std::optional<std::chrono::milliseconds> timeout(const YAML::Node& n, Reader& r) {
  auto d = r.duration(n);
  if (!d) return std::nullopt;
  if (*d < Seconds{1} || *d > Seconds{60}) {
    r.error_at(n, "expected a timeout between 1s and 60s, got " + quoted(n));
    return std::nullopt;
  }
  return std::chrono::milliseconds(*d);
}

std::optional<Seconds> interval(const YAML::Node& n, Reader& r) {
  auto d = r.duration(n);
  if (!d) return std::nullopt;
  if (*d < Seconds{1} || *d > Seconds{3600}) {
    r.error_at(n, "expected a poll interval between 1s and 1h, got " + quoted(n));
    return std::nullopt;
  }
  return d;
}

std::optional<MeterConfig> parse_meter(const YAML::Node& node, Reader& r, const std::string& what,
                                       bool have_mqtt) {
  if (!node.IsMap()) {
    r.error_at(
        node, "expected a mapping for '" + what + "' (a meter with a 'type'), got " + quoted(node));
    return std::nullopt;
  }
  auto type_node = r.required(node, "type", what);
  if (!type_node) return std::nullopt;
  auto type = r.string(*type_node, "a meter type (" + std::string(k_meter_types) + ")");
  if (!type) return std::nullopt;
  MeterConfig m;
  const std::string label = what + " (type: " + *type + ")";
  if (*type == "mqtt") {
    r.check_map(node, label, {"type", "field", "unit", "sign", "max_age", "topic"});
    MqttMeter k;
    if (auto n = r.required(node, "topic", label)) {
      if (auto s = r.string(*n, "an MQTT topic")) {
        if (valid_topic(*s))
          k.topic = *s;
        else
          r.error_at(*n, "expected an MQTT topic without wildcards (+, #), got " + quoted(*n));
      }
    }
    if (!have_mqtt)
      r.error_at(*type_node, "meter type 'mqtt' needs an 'mqtt:' section with the broker");
    m.kind = k;
  } else if (*type == "http") {
    r.check_map(node, label,
                {"type", "field", "unit", "sign", "max_age", "url", "interval", "timeout"});
    HttpMeter k;
    if (auto n = r.required(node, "url", label)) {
      auto s = r.string(*n, "a URL");
      const bool http = s && s->rfind("http://", 0) == 0 && s->size() > 7;
      const bool https = s && s->rfind("https://", 0) == 0 && s->size() > 8;
      const auto authority_end =
          s ? s->find_first_of("/?#", s->find("://") + 3) : std::string::npos;
      const bool user_info = s && s->substr(0, authority_end).find('@') != std::string::npos;
      if ((http || https) && user_info)
        r.error_at(*n,
                   "a user name or password in the URL is not supported (it would show in "
                   "logs); put the device's credentials in its query string");
      else if (http || https)
        k.url = *s;
      else if (s)
        r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
    }
    if (auto n = Reader::child(node, "interval"))
      if (auto d = interval(*n, r)) k.interval = *d;
    if (auto n = Reader::child(node, "timeout"))
      if (auto d = timeout(*n, r)) k.timeout = *d;
    m.kind = k;
  } else if (*type == "sunspec") {
    r.check_map(node, label,
                {"type", "sign", "max_age", "address", "unit_id", "device", "interval", "timeout"});
    SunspecMeter k;
    if (auto n = r.required(node, "address", label)) {
      if (auto s = r.string(*n, "a Modbus TCP address HOST[:PORT]")) {
        if (!parse_address(*s, k))
          r.error_at(*n,
                     "expected a Modbus TCP address such as 192.168.1.60:502, got " + quoted(*n));
      }
    }
    if (auto n = Reader::child(node, "unit_id")) {
      auto v = r.number_in(*n, "a Modbus unit id (0-255)", 0, 255);
      if (v && *v != static_cast<int>(*v))
        r.error_at(*n, "expected a whole Modbus unit id (0-255), got " + quoted(*n));
      else if (v)
        k.unit_id = static_cast<int>(*v);
    }
    if (auto n = Reader::child(node, "device")) {
      auto s = r.string(*n, "meter or inverter");
      if (s && *s == "meter")
        k.device = SunspecMeter::Device::meter;
      else if (s && *s == "inverter")
        k.device = SunspecMeter::Device::inverter;
      else if (s)
        r.error_at(*n,
                   "expected 'meter' (SunSpec models 201-204) or 'inverter' (models "
                   "101-103), got " +
                       quoted(*n));
    }
    if (auto n = Reader::child(node, "interval"))
      if (auto d = interval(*n, r)) k.interval = *d;
    if (auto n = Reader::child(node, "timeout"))
      if (auto d = timeout(*n, r)) k.timeout = *d;
    m.kind = k;
  } else {
    r.error_at(*type_node, "unknown meter type " + quoted(*type_node) +
                               "; expected one of: " + std::string(k_meter_types));
    return std::nullopt;
  }
  if (auto n = Reader::child(node, "field")) {
    if (auto s = r.string(*n, "a dotted JSON field path such as total_act_power")) {
      if (valid_field(*s))
        m.field = *s;
      else
        r.error_at(*n,
                   "expected a dotted JSON field path such as ENERGY.Power or "
                   "emeters.0.power, got " +
                       quoted(*n));
    }
  }
  if (auto n = Reader::child(node, "unit")) {
    auto s = r.string(*n, "W or kW");
    if (s && (*s == "W" || *s == "w"))
      m.unit = PowerUnit::w;
    else if (s && (*s == "kW" || *s == "kw"))
      m.unit = PowerUnit::kw;
    else if (s)
      r.error_at(*n, "expected a power unit W or kW, got " + quoted(*n));
  }
  if (auto n = Reader::child(node, "sign")) {
    auto s = r.string(*n, "import or export");
    if (s && *s == "import")
      m.sign = MeterSign::import;
    else if (s && *s == "export")
      m.sign = MeterSign::export_;
    else if (s)
      r.error_at(*n,
                 "expected 'import' (positive = drawing from the grid) or 'export' "
                 "(positive = feeding the grid), got " +
                     quoted(*n));
  }
  if (auto n = Reader::child(node, "max_age")) {
    if (auto d = r.duration(*n)) {
      if (*d < Seconds{1} || *d > Seconds{86400}) {
        r.error_at(*n, "expected a max_age between 1s and 24h, got " + quoted(*n));
      } else {
        m.max_age = *d;
        Seconds poll{0};
        if (const auto* h = std::get_if<HttpMeter>(&m.kind)) poll = h->interval;
        if (const auto* s = std::get_if<SunspecMeter>(&m.kind)) poll = s->interval;
        if (*d < poll) {
          r.error_at(*n, "max_age " + format_duration(*d) + " is shorter than the poll interval " +
                             format_duration(poll) + ": every reading would be stale");
        }
      }
    }
  }
  return m;
}

}  // namespace

void parse_site(const YAML::Node& node, Reader& r, bool have_mqtt, SiteConfig& out) {
  if (node.IsNull()) return;
  if (!r.check_map(node, "site", {"grid", "pv", "export_price", "export_tariff"})) return;
  if (auto n = Reader::child(node, "grid")) out.grid = parse_meter(*n, r, "site.grid", have_mqtt);
  if (auto n = Reader::child(node, "pv")) out.pv = parse_meter(*n, r, "site.pv", have_mqtt);
  if (auto n = Reader::child(node, "export_price")) {
    if (auto v = r.number_in(*n, "an export price per kWh", -1000, 1000)) out.export_price = *v;
  }
}

}  // namespace offpeak::config::detail
