#include <offpeak/vehicles/readings.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace offpeak::vehicles {
namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The payload for a message: printable, at most 40 characters, quoted.
std::string shown(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 40) out += "...";
  return out + "'";
}

// Words that mean "the sender does not know" (Home Assistant, zigbee2mqtt, JSON).
bool unknown_word(std::string_view s) {
  const std::string w = lower(trim(s));
  return w.empty() || w == "unavailable" || w == "unknown" || w == "none" || w == "null" ||
         w == "n/a" || w == "nan";
}

// A number written as text: "45", "45.0", "45 %", "45%". nullopt otherwise.
std::optional<double> number_text(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.back() == '%') s = trim(s.substr(0, s.size() - 1));
  if (s.empty() || s.size() > 32) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The value at a dotted path; array elements by their index ("cars.0.soc"). nullptr when any
// step is missing. An empty path is the document itself.
const json::value* at_path(const json::value& doc, std::string_view path) {
  const json::value* v = &doc;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (const auto* o = v->if_object()) {
      v = o->if_contains(key);
      if (!v) return nullptr;
    } else if (const auto* a = v->if_array()) {
      std::size_t i = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
      if (ec != std::errc() || end != key.data() + key.size() || i >= a->size()) return nullptr;
      v = &(*a)[i];
    } else {
      return nullptr;
    }
  }
  return v;
}

Read<double> number_value(const json::value& v, double lo, double hi) {
  Read<double> r;
  std::optional<double> n;
  if (v.is_null()) return r;
  if (v.is_double()) {
    n = v.as_double();
  } else if (v.is_int64()) {
    n = static_cast<double>(v.as_int64());
  } else if (v.is_uint64()) {
    n = static_cast<double>(v.as_uint64());
  } else if (v.is_string()) {
    const std::string_view s = v.as_string();
    if (unknown_word(s)) return r;
    n = number_text(s);
    if (!n) {
      r.problem = "expected a number, got " + shown(s);
      return r;
    }
  } else {
    r.problem = std::string("expected a number, got a JSON ") + (v.is_bool()     ? "boolean"
                                                                 : v.is_object() ? "object"
                                                                                 : "array");
    return r;
  }
  if (!std::isfinite(*n) || *n < lo || *n > hi) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%g is outside %g..%g", *n, lo, hi);
    r.problem = buf;
    return r;
  }
  r.value = n;
  return r;
}

bool in(const std::vector<std::string>& words, const std::string& w) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& x) { return lower(trim(x)) == w; });
}

Read<bool> flag_text(std::string_view s, const std::vector<std::string>& on,
                     const std::vector<std::string>& off) {
  Read<bool> r;
  const std::string w = lower(trim(s));
  const auto& on_words = on.empty() ? default_on_words() : on;
  const auto& off_words = off.empty() ? default_off_words() : off;
  if (in(on_words, w)) {
    r.value = true;
  } else if (in(off_words, w)) {
    r.value = false;
  } else if (!unknown_word(s)) {
    r.problem = "expected one of the plugged-in or not words, got " + shown(s);
  }
  return r;
}

Read<bool> flag_value(const json::value& v, const std::vector<std::string>& on,
                      const std::vector<std::string>& off) {
  if (v.is_bool()) return Read<bool>{v.as_bool(), {}};
  if (v.is_null()) return {};
  if (v.is_string()) return flag_text(v.as_string(), on, off);
  if (v.is_int64() || v.is_uint64() || v.is_double()) return flag_text(json::serialize(v), on, off);
  return Read<bool>{std::nullopt, "expected a yes/no value, got a JSON structure"};
}

// Parses `payload` as JSON when it is an object or array (or a field is asked for).
std::optional<json::value> parse_json(std::string_view payload, std::string* problem) {
  boost::system::error_code ec;
  json::value doc = json::parse(payload, ec);
  if (ec) {
    if (problem) *problem = "expected a JSON document, got " + shown(payload);
    return std::nullopt;
  }
  return doc;
}

template <typename T, typename F>
Read<T> read_at(std::string_view payload, std::string_view field, F&& value_reader) {
  Read<T> r;
  if (payload.size() > k_max_document) {
    r.problem = "the payload is larger than 256 KiB";
    return r;
  }
  std::string problem;
  auto doc = parse_json(payload, &problem);
  if (!doc) {
    r.problem = problem;
    return r;
  }
  const json::value* v = at_path(*doc, field);
  if (!v) {
    r.problem = "no field '" + std::string(field.substr(0, 64)) + "' in the document";
    return r;
  }
  return value_reader(*v);
}

std::string string_at(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return {};
}

HaState ha_state_of(const json::object& o) {
  HaState s;
  s.entity_id = string_at(o, "entity_id");
  if (const auto* st = o.if_contains("state")) {
    s.state = st->is_string() ? std::string(st->as_string()) : json::serialize(*st);
  }
  if (const auto* a = o.if_contains("attributes"); a && a->is_object()) {
    s.unit = string_at(a->as_object(), "unit_of_measurement");
    s.device_class = string_at(a->as_object(), "device_class");
  }
  for (const char* key : {"last_reported", "last_updated", "last_changed"}) {
    if (auto t = parse_rfc3339(string_at(o, key))) {
      s.updated_at = t;
      break;
    }
  }
  return s;
}

}  // namespace

const std::vector<std::string>& default_on_words() {
  static const std::vector<std::string> w{"true",       "on",        "1",        "yes", "plugged",
                                          "plugged_in", "connected", "charging", "home"};
  return w;
}

const std::vector<std::string>& default_off_words() {
  static const std::vector<std::string> w{
      "false", "off", "0", "no", "unplugged", "disconnected", "not_home", "not_charging", "away"};
  return w;
}

Read<double> read_number(std::string_view payload, std::string_view field, double lo, double hi) {
  if (field.empty()) {
    Read<double> r;
    if (payload.size() > k_max_document) {
      r.problem = "the payload is larger than 256 KiB";
      return r;
    }
    if (unknown_word(payload)) return r;
    if (auto n = number_text(payload)) return number_value(json::value(*n), lo, hi);
    // A JSON string or number ("\"45\"") is read as such; anything else is a problem.
    const std::string_view t = trim(payload);
    if (!t.empty() && (t.front() == '"')) {
      if (auto doc = parse_json(payload, nullptr)) return number_value(*doc, lo, hi);
    }
    r.problem = "expected a number, got " + shown(payload);
    return r;
  }
  return read_at<double>(payload, field,
                         [&](const json::value& v) { return number_value(v, lo, hi); });
}

Read<bool> read_flag(std::string_view payload, std::string_view field,
                     const std::vector<std::string>& on, const std::vector<std::string>& off) {
  if (field.empty()) {
    if (payload.size() > k_max_document)
      return Read<bool>{std::nullopt, "the payload is larger than 256 KiB"};
    std::string_view t = trim(payload);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    return flag_text(t, on, off);
  }
  return read_at<bool>(payload, field,
                       [&](const json::value& v) { return flag_value(v, on, off); });
}

std::optional<HaState> parse_ha_state(std::string_view body, std::string& problem) {
  if (body.size() > k_max_document) {
    problem = "the answer is larger than 256 KiB";
    return std::nullopt;
  }
  auto doc = parse_json(body, &problem);
  if (!doc) return std::nullopt;
  if (!doc->is_object() || !doc->as_object().contains("state")) {
    problem = "expected a Home Assistant state object with 'state', got " + shown(body);
    return std::nullopt;
  }
  return ha_state_of(doc->as_object());
}

std::vector<HaState> ha_entities(std::string_view body, std::string_view device_class) {
  std::vector<HaState> out;
  if (body.size() > 16 * k_max_document) return out;
  auto doc = parse_json(body, nullptr);
  if (!doc || !doc->is_array()) return out;
  for (const auto& e : doc->as_array()) {
    if (!e.is_object()) continue;
    HaState s = ha_state_of(e.as_object());
    if (s.device_class == device_class && !s.entity_id.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::string fill_secret(std::string value, std::string_view secret) {
  for (auto at = value.find("{secret}"); at != std::string::npos;
       at = value.find("{secret}", at + secret.size())) {
    value.replace(at, 8, secret);
  }
  return value;
}

HttpReadings read_http_document(std::string_view body, const HttpFields& fields) {
  HttpReadings r;
  if (body.size() > k_max_document) {
    r.problem = "the answer is larger than 256 KiB";
    return r;
  }
  auto doc = parse_json(body, &r.problem);
  if (!doc) return r;
  auto number = [&](const std::string& path, double lo, double hi) {
    Read<double> out;
    if (path.empty()) return out;
    const json::value* v = at_path(*doc, path);
    if (!v) {
      out.problem = "no field '" + path + "' in the answer";
      return out;
    }
    return number_value(*v, lo, hi);
  };
  auto flag = [&](const std::string& path) {
    Read<bool> out;
    if (path.empty()) return out;
    const json::value* v = at_path(*doc, path);
    if (!v) {
      out.problem = "no field '" + path + "' in the answer";
      return out;
    }
    return flag_value(*v, fields.on_words, fields.off_words);
  };
  r.soc = number(fields.soc, 0, 100);
  r.range_km = number(fields.range, 0, 10000);
  r.plugged = flag(fields.plugged);
  r.charging = flag(fields.charging);
  return r;
}

void PushedReadings::soc_of_unknown_age(double percent, Instant arrived_at) {
  soc_ = percent;
  soc_at_ = arrived_at;
  soc_age_unknown_ = true;
  prev_soc_.reset();
  prev_soc_at_.reset();
  last_at_ = std::max(last_at_.value_or(arrived_at), arrived_at);
}

void PushedReadings::soc(double percent, Instant at) {
  if (soc_age_unknown_) {  // a value of unknown age is no base for "SoC rising"
    soc_.reset();
    soc_age_unknown_ = false;
  }
  if (soc_ && soc_at_ && *soc_at_ < at && *soc_ != percent) {
    prev_soc_ = soc_;
    prev_soc_at_ = soc_at_;
  }
  soc_ = percent;
  soc_at_ = at;
  last_at_ = std::max(last_at_.value_or(at), at);
}

void PushedReadings::plugged(bool yes, Instant at) {
  plugged_ = yes;
  last_at_ = std::max(last_at_.value_or(at), at);
}

void PushedReadings::charging(bool yes, Instant at) {
  charging_ = yes;
  last_at_ = std::max(last_at_.value_or(at), at);
}

void PushedReadings::range_km(double km, Instant at) {
  range_ = km;
  last_at_ = std::max(last_at_.value_or(at), at);
}

void PushedReadings::forget_soc(Instant at) {
  soc_age_unknown_ = false;
  soc_.reset();
  soc_at_.reset();
  prev_soc_.reset();
  prev_soc_at_.reset();
  last_at_ = std::max(last_at_.value_or(at), at);
}

void PushedReadings::forget_plugged(Instant at) {
  plugged_.reset();
  last_at_ = std::max(last_at_.value_or(at), at);
}

VehicleState PushedReadings::state(const std::string& device_id, Instant now, Seconds max_age,
                                   bool* stale) const {
  VehicleState s;
  s.device_id = device_id;
  s.observed_at = last_at_.value_or(now);
  const bool old = soc_ && (soc_age_unknown_ || (soc_at_ && now - *soc_at_ > max_age));
  if (stale) *stale = old;
  if (soc_ && !old) s.soc_percent = soc_;
  s.range_km = range_;
  s.plugged_in = plugged_;
  std::optional<bool> charging = charging_;
  // Without a plug value: a SoC that rose within the last hours means plugged in and charging.
  if (!plugged_ && !old && soc_ && prev_soc_ && *soc_ > *prev_soc_ && soc_at_ &&
      *soc_at_ - *prev_soc_at_ <= Seconds{3 * 3600} && now - *soc_at_ <= Seconds{3600}) {
    s.plugged_in = true;
    if (!charging) charging = true;
  }
  if (charging == true) {
    s.charging_state = ChargingState::charging;
  } else if (charging == false) {
    s.charging_state = ChargingState::not_charging;
  }
  return s;
}

}  // namespace offpeak::vehicles
