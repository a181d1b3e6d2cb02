#include <offpeak/api/requests.hpp>

#include <offpeak/domain/schedule.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace offpeak::api {
namespace {

namespace json = boost::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

BodyResult parse_body(const std::string& body, std::initializer_list<std::string_view> allowed) {
  BodyResult r;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    r.error = "malformed JSON: " + ec.message();
    return r;
  }
  if (!v.is_object()) {
    r.error = "expected a JSON object";
    return r;
  }
  for (const auto& kv : v.as_object()) {
    const std::string_view key = kv.key();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      r.error = "unknown field '" + std::string(key) + "'";
      return r;
    }
  }
  r.object = std::move(v.as_object());
  return r;
}

ModeRequest parse_mode_request(const std::string& body, Instant now) {
  ModeRequest out;
  BodyResult b = parse_body(body, {"mode", "until"});
  if (!b.error.empty()) {
    out.error = b.error;
    return out;
  }
  const char* expected_mode = "mode: expected \"smart\", \"now\", \"off\" or \"solar\"";
  const json::value* m = b.object.if_contains("mode");
  const auto mode =
      m && m->is_string() ? parse_mode(std::string_view(m->as_string())) : std::optional<Mode>{};
  if (!mode) {
    out.error = expected_mode;
    return out;
  }
  out.mode = *mode;
  if (const json::value* u = b.object.if_contains("until"); u && !u->is_null()) {
    if (u->is_string()) out.until = parse_rfc3339(std::string_view(u->as_string()));
    if (!out.until) {
      out.error = "until: expected an RFC 3339 instant";
    } else if (*mode != Mode::now) {
      out.error = "until applies to mode \"now\" only";
    } else if (*out.until <= now) {
      out.error = "until is in the past";
    }
  }
  return out;
}

SocRequest parse_soc_request(const std::string& body) {
  SocRequest out;
  BodyResult b = parse_body(body, {"soc"});
  if (!b.error.empty()) {
    out.error = b.error;
    return out;
  }
  const json::value* v = b.object.if_contains("soc");
  std::optional<double> soc;
  if (v && v->is_double()) soc = v->as_double();
  if (v && v->is_int64()) soc = static_cast<double>(v->as_int64());
  if (v && v->is_uint64()) soc = static_cast<double>(v->as_uint64());
  if (!soc || !std::isfinite(*soc) || *soc < 0 || *soc > 100) {
    out.error = "soc: expected a number 0..100 (percent)";
    return out;
  }
  out.soc_percent = *soc;
  return out;
}

ChargingRequest parse_charging_request(const std::string& body, Instant now, const Zone& zone) {
  ChargingRequest out;
  BodyResult b = parse_body(body, {"target_soc", "ready_by"});
  if (!b.error.empty()) {
    out.error = b.error;
    return out;
  }
  DeadlineOverride& o = out.override_deadline;
  if (const json::value* t = b.object.if_contains("target_soc"); t && !t->is_null()) {
    boost::system::error_code ec;
    const double v = t->is_number() ? t->to_number<double>(ec) : 0.0;
    if (!t->is_number() || ec || !(v >= 1 && v <= 100)) {
      out.error = "target_soc: expected a percentage 1..100";
      return out;
    }
    o.target_soc = v;
  }
  if (const json::value* r = b.object.if_contains("ready_by"); r && !r->is_null()) {
    const char* expected = "ready_by: expected an RFC 3339 instant or a local time HH:MM";
    if (!r->is_string()) {
      out.error = expected;
      return out;
    }
    const std::string_view text = r->as_string();
    if (auto at = parse_rfc3339(text)) {
      if (*at <= now) {
        out.error = "ready_by is in the past";
        return out;
      }
      o.ready_by = *at;
    } else if (auto tod = parse_time_of_day(text, false)) {
      ChargingPolicy p;
      p.ready_by = *tod;
      o.ready_by = next_deadline(now, p, zone).ready_by;
    } else {
      out.error = expected;
      return out;
    }
  }
  if (!o.target_soc && !o.ready_by) {
    out.error = "give target_soc, ready_by or both (DELETE clears the override)";
  }
  return out;
}

RangeResult parse_range_query(std::string_view query, Instant default_from, Instant default_to,
                              int default_limit) {
  RangeResult r;
  r.range.from = default_from;
  r.range.to = default_to;
  r.range.limit = default_limit;
  if (auto f = query_param(query, "from")) {
    auto t = parse_rfc3339(*f);
    if (!t) {
      r.error = "from: expected an RFC 3339 instant, got '" + *f + "'";
      return r;
    }
    r.range.from = *t;
  }
  if (auto t = query_param(query, "to")) {
    auto v = parse_rfc3339(*t);
    if (!v) {
      r.error = "to: expected an RFC 3339 instant, got '" + *t + "'";
      return r;
    }
    r.range.to = *v;
  }
  if (auto l = query_param(query, "limit")) {
    const auto n = parse_bounded_int(*l, 1, 10000);
    if (!n) {
      r.error = "limit: expected an integer 1..10000, got '" + *l + "'";
      return r;
    }
    r.range.limit = *n;
  }
  if (!(r.range.from < r.range.to)) r.error = "from must be before to";
  // Newest first so that the limit keeps the most recent rows; answers are re-sorted.
  r.range.newest_first = true;
  return r;
}

std::optional<int> parse_bounded_int(std::string_view text, int lo, int hi) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < lo || n > hi ||
      std::to_string(n) != text) {
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = part.find('=');
    const std::string key = percent_decode(part.substr(0, eq));
    if (key != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace offpeak::api
