// The `site:` section of the main file: the grid and PV meters and the export price
// (spec solar.md). Meter types form an explicit registry: meter_types() below.

#include "yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace offpeak::config::detail {

namespace {

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

// The simulated house's trace: the CSV read now, its errors as TRACE:LINE:COL.
void read_trace(const YAML::Node& n, Reader& r, const std::filesystem::path& dir,
                SimulatorMeter& k) {
  auto p = r.path(n, dir);
  if (!p) return;
  std::ifstream in(*p, std::ios::binary);
  if (!in) {
    r.error_at(n, "cannot read the house trace " + p->string());
    return;
  }
  std::ostringstream body;
  body << in.rdbuf();
  HouseTraceParse parsed = parse_house_trace(body.str());
  for (const auto& e : parsed.errors)
    r.errors().push_back({p->string(), e.line, e.column, e.message});
  if (parsed.trace) {
    k.trace_file = *p;
    k.trace = std::move(*parsed.trace);
  }
}

// What every meter type reads besides its own keys; a type whose readings are payloads (a
// number or JSON) also reads `field` and `unit`.
constexpr std::string_view k_common_keys[] = {"type", "sign", "max_age"};
constexpr std::string_view k_payload_keys[] = {"field", "unit"};

using MeterKind = decltype(MeterConfig::kind);

// The arguments a meter type's reader gets: the meter's mapping, its label for errors
// ("site.grid (type: http)"), the `type:` node and whether an `mqtt:` section exists.
struct MeterContext {
  const YAML::Node& node;
  Reader& r;
  const std::string& label;
  const YAML::Node& type_node;
  bool have_mqtt;
  const std::filesystem::path& dir;  // the config file's directory (relative paths)
};

MeterKind read_mqtt_meter(const MeterContext& c) {
  MqttMeter k;
  if (auto n = c.r.required(c.node, "topic", c.label)) {
    if (auto s = c.r.string(*n, "an MQTT topic")) {
      if (valid_topic(*s))
        k.topic = *s;
      else
        c.r.error_at(*n, "expected an MQTT topic without wildcards (+, #), got " + quoted(*n));
    }
  }
  if (!c.have_mqtt)
    c.r.error_at(c.type_node, "meter type 'mqtt' needs an 'mqtt:' section with the broker");
  return k;
}

MeterKind read_http_meter(const MeterContext& c) {
  HttpMeter k;
  if (auto n = c.r.required(c.node, "url", c.label)) {
    auto s = c.r.string(*n, "a URL");
    const bool http = s && s->rfind("http://", 0) == 0 && s->size() > 7;
    const bool https = s && s->rfind("https://", 0) == 0 && s->size() > 8;
    const auto authority_end = s ? s->find_first_of("/?#", s->find("://") + 3) : std::string::npos;
    const bool user_info = s && s->substr(0, authority_end).find('@') != std::string::npos;
    if ((http || https) && user_info)
      c.r.error_at(*n,
                   "a user name or password in the URL is not supported (it would show in "
                   "logs); put the device's credentials in its query string");
    else if (http || https)
      k.url = *s;
    else if (s)
      c.r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
  }
  if (auto n = Reader::child(c.node, "interval"))
    if (auto d = interval(*n, c.r)) k.interval = *d;
  if (auto n = Reader::child(c.node, "timeout"))
    if (auto d = timeout(*n, c.r)) k.timeout = *d;
  return k;
}

MeterKind read_sunspec_meter(const MeterContext& c) {
  SunspecMeter k;
  if (auto n = c.r.required(c.node, "address", c.label)) {
    if (auto s = c.r.string(*n, "a Modbus TCP address HOST[:PORT]")) {
      if (!parse_address(*s, k))
        c.r.error_at(*n,
                     "expected a Modbus TCP address such as 192.168.1.60:502, got " + quoted(*n));
    }
  }
  if (auto n = Reader::child(c.node, "unit_id")) {
    auto v = c.r.number_in(*n, "a Modbus unit id (0-255)", 0, 255);
    if (v && *v != static_cast<int>(*v))
      c.r.error_at(*n, "expected a whole Modbus unit id (0-255), got " + quoted(*n));
    else if (v)
      k.unit_id = static_cast<int>(*v);
  }
  if (auto n = Reader::child(c.node, "device")) {
    auto s = c.r.string(*n, "meter or inverter");
    if (s && *s == "meter")
      k.device = SunspecMeter::Device::meter;
    else if (s && *s == "inverter")
      k.device = SunspecMeter::Device::inverter;
    else if (s)
      c.r.error_at(*n,
                   "expected 'meter' (SunSpec models 201-204) or 'inverter' (models "
                   "101-103), got " +
                       quoted(*n));
  }
  if (auto n = Reader::child(c.node, "interval"))
    if (auto d = interval(*n, c.r)) k.interval = *d;
  if (auto n = Reader::child(c.node, "timeout"))
    if (auto d = timeout(*n, c.r)) k.timeout = *d;
  return k;
}

MeterKind read_simulator_meter(const MeterContext& c) {
  SimulatorMeter k;
  if (auto n = c.r.required(c.node, "trace", c.label)) read_trace(*n, c.r, c.dir, k);
  if (auto n = Reader::child(c.node, "scale")) {
    if (auto v = c.r.number_in(*n, "a PV scale factor", 0, 1000)) k.scale = *v;
  }
  if (auto n = Reader::child(c.node, "interval"))
    if (auto d = interval(*n, c.r)) k.interval = *d;
  return k;
}

// The meter types: a name, the keys it reads besides the common ones, and its reader.
// Adding a type is a struct in site_config.hpp, a reader here and a line in this table
// (and its adapter in daemon/site_meters.cpp).
struct MeterType {
  std::string_view name;
  bool payload;  // readings are a number or JSON (field, unit); else registers in watts
  std::vector<std::string_view> keys;
  MeterKind (*read)(const MeterContext&);
};

const std::vector<MeterType>& meter_types() {
  static const std::vector<MeterType> types = {
      {"mqtt", true, {"topic"}, read_mqtt_meter},
      {"http", true, {"url", "interval", "timeout"}, read_http_meter},
      {"sunspec",
       false,
       {"address", "unit_id", "device", "interval", "timeout"},
       read_sunspec_meter},
      {"simulator", false, {"trace", "scale", "interval"}, read_simulator_meter},
  };
  return types;
}

std::string meter_type_list() {
  std::string out;
  for (const auto& t : meter_types())
    out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

std::optional<MeterConfig> parse_meter(const YAML::Node& node, Reader& r, const std::string& what,
                                       bool have_mqtt, const std::filesystem::path& dir) {
  if (!node.IsMap()) {
    r.error_at(
        node, "expected a mapping for '" + what + "' (a meter with a 'type'), got " + quoted(node));
    return std::nullopt;
  }
  auto type_node = r.required(node, "type", what);
  if (!type_node) return std::nullopt;
  auto type = r.string(*type_node, "a meter type (" + meter_type_list() + ")");
  if (!type) return std::nullopt;
  const auto& types = meter_types();
  auto it =
      std::find_if(types.begin(), types.end(), [&](const MeterType& t) { return t.name == *type; });
  if (it == types.end()) {
    r.error_at(*type_node, "unknown meter type " + quoted(*type_node) +
                               "; expected one of: " + meter_type_list());
    return std::nullopt;
  }
  const std::string label = what + " (type: " + *type + ")";
  std::vector<std::string_view> allowed(std::begin(k_common_keys), std::end(k_common_keys));
  allowed.insert(allowed.end(), it->keys.begin(), it->keys.end());
  if (it->payload)
    allowed.insert(allowed.end(), std::begin(k_payload_keys), std::end(k_payload_keys));
  r.check_map(node, label, allowed);
  MeterConfig m;
  m.kind = it->read(MeterContext{node, r, label, *type_node, have_mqtt, dir});
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
        if (const auto* s = std::get_if<SimulatorMeter>(&m.kind)) poll = s->interval;
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

void parse_site(const YAML::Node& node, Reader& r, bool have_mqtt, SiteConfig& out,
                const std::filesystem::path& dir) {
  if (node.IsNull()) return;
  if (!r.check_map(node, "site", {"grid", "pv", "export_price", "export_tariff"})) return;
  if (auto n = Reader::child(node, "grid"))
    out.grid = parse_meter(*n, r, "site.grid", have_mqtt, dir);
  if (auto n = Reader::child(node, "pv")) out.pv = parse_meter(*n, r, "site.pv", have_mqtt, dir);
  if (auto n = Reader::child(node, "export_price")) {
    if (auto v = r.number_in(*n, "an export price per kWh", -1000, 1000)) out.export_price = *v;
  }
}

}  // namespace offpeak::config::detail
