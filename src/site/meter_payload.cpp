#include <offpeak/site/meter_payload.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <vector>

namespace offpeak::site {
namespace json = boost::json;

namespace {

// Ten megawatts: far beyond any home; anything larger is a misread.
constexpr double k_max_abs_watts = 10e6;

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A whole string that is a decimal number ("-12.5", "3e2"), else nullopt.
std::optional<double> number_text(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 64) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> number_value(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_string()) return number_text(std::string_view(v.get_string()));
  return std::nullopt;
}

// The path's segments: `a[0].b` is read as `a.0.b`.
std::vector<std::string> segments(std::string_view path) {
  std::string flat;
  flat.reserve(path.size());
  for (char c : path) {
    if (c == '[') {
      flat.push_back('.');
    } else if (c != ']') {
      flat.push_back(c);
    }
  }
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = flat.find('.', start);
    out.push_back(flat.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::optional<std::size_t> index_of(std::string_view s) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  std::size_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return i;
}

// Follows `segs` from `k` on; a `*` over an array sums what follows in every element.
// Sets `fault` when the path leads nowhere or to something else than a number.
std::optional<double> follow(const json::value& v, const std::vector<std::string>& segs,
                             std::size_t k, PayloadFault& fault) {
  if (k == segs.size()) {
    auto n = number_value(v);
    if (!n) fault = PayloadFault::field_not_number;
    return n;
  }
  const std::string& seg = segs[k];
  if (v.is_object()) {
    const json::value* child = v.get_object().if_contains(seg);
    if (!child) {
      fault = PayloadFault::no_field;
      return std::nullopt;
    }
    return follow(*child, segs, k + 1, fault);
  }
  if (v.is_array()) {
    const json::array& a = v.get_array();
    if (seg == "*") {
      if (a.empty()) {
        fault = PayloadFault::no_field;
        return std::nullopt;
      }
      double sum = 0;
      for (const auto& e : a) {
        auto x = follow(e, segs, k + 1, fault);
        if (!x) return std::nullopt;
        sum += *x;
      }
      return sum;
    }
    auto i = index_of(seg);
    if (!i || *i >= a.size()) {
      fault = PayloadFault::no_field;
      return std::nullopt;
    }
    return follow(a[*i], segs, k + 1, fault);
  }
  fault = PayloadFault::no_field;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(PayloadFault fault) {
  switch (fault) {
    case PayloadFault::none:
      return "no fault";
    case PayloadFault::too_large:
      return "the payload is too large";
    case PayloadFault::not_a_number:
      return "the payload is not a number (a JSON payload needs 'field')";
    case PayloadFault::not_json:
      return "the payload is not JSON";
    case PayloadFault::no_field:
      return "the payload has no such field";
    case PayloadFault::field_not_number:
      return "the field does not hold a number";
    case PayloadFault::out_of_range:
      return "the power is not a finite number within 10 MW";
  }
  return "unknown fault";
}

double to_watts(double value, config::PowerUnit unit, config::MeterSign sign) {
  double w = unit == config::PowerUnit::kw ? value * 1000.0 : value;
  if (sign == config::MeterSign::export_) w = -w;
  return w + 0.0;  // no negative zero
}

std::string meter_source(const config::MeterConfig& c) {
  if (const auto* m = std::get_if<config::MqttMeter>(&c.kind)) return m->topic;
  if (const auto* h = std::get_if<config::HttpMeter>(&c.kind)) {
    const auto q = h->url.find('?');
    if (q == std::string::npos) return h->url;
    std::string query = h->url.substr(q);
    for (auto& ch : query)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const char* secret : {"pass", "token", "key", "auth", "secret", "user"})
      if (query.find(secret) != std::string::npos) return h->url.substr(0, q) + "?...";
    return h->url;
  }
  if (const auto* t = std::get_if<config::SimulatorMeter>(&c.kind))
    return "simulated house " + t->trace_file.filename().string();
  const auto& s = std::get<config::SunspecMeter>(c.kind);
  return s.host + ":" + std::to_string(s.port) + " unit " + std::to_string(s.unit_id) +
         (s.device == config::SunspecMeter::Device::inverter ? " (inverter)" : " (meter)");
}

PowerReading parse_power(std::string_view payload, const PayloadFormat& format) {
  PowerReading r;
  if (payload.size() > k_max_payload_bytes) {
    r.fault = PayloadFault::too_large;
    return r;
  }
  std::optional<double> raw;
  if (!format.field) {
    raw = number_text(payload);
    if (!raw) {
      // A JSON number or a JSON string holding one ("\"1234\"") is a number too.
      boost::system::error_code ec;
      json::value doc = json::parse(payload, ec);
      if (!ec) raw = number_value(doc);
    }
    if (!raw) {
      r.fault = PayloadFault::not_a_number;
      return r;
    }
  } else {
    boost::system::error_code ec;
    json::parse_options opt;
    opt.max_depth = 32;
    json::value doc = json::parse(payload, ec, {}, opt);
    if (ec) {
      r.fault = PayloadFault::not_json;
      return r;
    }
    PayloadFault fault = PayloadFault::no_field;
    raw = follow(doc, segments(*format.field), 0, fault);
    if (!raw) {
      r.fault = fault;
      return r;
    }
  }
  const double w = to_watts(*raw, format.unit, format.sign);
  if (!std::isfinite(w) || std::abs(w) > k_max_abs_watts) {
    r.fault = PayloadFault::out_of_range;
    return r;
  }
  r.watts = w;
  return r;
}

}  // namespace offpeak::site
