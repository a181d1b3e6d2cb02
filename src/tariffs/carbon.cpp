#include <offpeak/tariffs/carbon.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace offpeak::tariffs {
namespace {

using namespace std::chrono;
namespace json = boost::json;

constexpr double k_max_intensity = 5000.0;  // g/kWh; the dirtiest coal plant is about 1000

// "2023-03-14T12:00Z" (the API's form) or any RFC 3339 instant.
std::optional<Instant> parse_time(std::string_view s) {
  if (s.size() == 17 && (s[16] == 'Z' || s[16] == 'z') && s[13] == ':') {
    std::string full(s.substr(0, 16));
    full += ":00Z";
    return parse_rfc3339(full);
  }
  return parse_rfc3339(s);
}

std::string minute_iso(Instant t) {
  std::string s = format_rfc3339(floor<minutes>(t));  // "2023-03-14T12:01:00Z"
  return s.substr(0, 16) + "Z";
}

// A finite number, or nullopt (null or absent counts as "not there": `present` false).
std::optional<double> number_of(const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  boost::system::error_code ec;
  double d = v.to_number<double>(ec);
  if (ec || !std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace

std::string CarbonArea::key() const {
  if (region) return "region " + std::to_string(*region);
  if (postcode) return "postcode " + *postcode;
  return "national";
}

std::string carbon_url(std::string_view base_url, const CarbonArea& area, Instant from) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  const std::string t = minute_iso(from);
  if (area.region) {
    return base + "/regional/intensity/" + t + "/fw48h/regionid/" + std::to_string(*area.region);
  }
  if (area.postcode) return base + "/regional/intensity/" + t + "/fw48h/postcode/" + *area.postcode;
  return base + "/intensity/" + t + "/fw48h";
}

CarbonParse parse_carbon_response(std::string_view body) {
  CarbonParse out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.error = "the carbon intensity response is not JSON: " + ec.message();
    return out;
  }
  const json::object* root = doc.if_object();
  if (root == nullptr) {
    out.error = "the carbon intensity response is not a JSON object";
    return out;
  }
  if (const json::value* e = root->if_contains("error"); e && e->is_object()) {
    const json::value* msg = e->as_object().if_contains("message");
    out.error = "the carbon intensity API answered with an error";
    if (msg && msg->is_string()) out.error += ": " + std::string(msg->as_string().c_str());
    return out;
  }
  const json::value* data = root->if_contains("data");
  if (data == nullptr) {
    out.error = "the carbon intensity response has no 'data'";
    return out;
  }
  // Regional: {"data": {"regionid", ..., "data": [...]}} or the same in a one-element array.
  const json::array* entries = nullptr;
  const json::object* region = data->if_object();
  if (region == nullptr && data->is_array() && data->as_array().size() == 1 &&
      data->as_array()[0].is_object() && data->as_array()[0].as_object().contains("data")) {
    region = &data->as_array()[0].as_object();
  }
  if (region != nullptr) {
    const json::value* inner = region->if_contains("data");
    if (inner == nullptr || !inner->is_array()) {
      out.error = "the regional carbon intensity response has no 'data' list";
      return out;
    }
    entries = &inner->as_array();
    if (const json::value* n = region->if_contains("shortname"); n && n->is_string()) {
      out.region_name = std::string(n->as_string().c_str());
    }
  } else if (data->is_array()) {
    entries = &data->as_array();
  } else {
    out.error = "the carbon intensity response's 'data' is neither a list nor an object";
    return out;
  }
  std::vector<PriceSlot> slots;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = "carbon intensity entry " + std::to_string(i);
    const json::object* e = (*entries)[i].if_object();
    if (e == nullptr) {
      out.error = where + " is not an object";
      return out;
    }
    const json::value* from = e->if_contains("from");
    const json::value* to = e->if_contains("to");
    std::optional<Instant> a, b;
    if (from && from->is_string()) a = parse_time(from->as_string());
    if (to && to->is_string()) b = parse_time(to->as_string());
    if (!a || !b) {
      out.error = where + " has a missing or unreadable 'from' or 'to'";
      return out;
    }
    if (!(*a < *b)) {
      out.error = where + " ends ('to') before it starts ('from')";
      return out;
    }
    const json::value* in = e->if_contains("intensity");
    if (in == nullptr || in->is_null()) {
      ++out.unknown;
      continue;
    }
    if (!in->is_object()) {
      out.error = where + " has an 'intensity' that is not an object";
      return out;
    }
    std::optional<double> value;
    for (const char* field : {"actual", "forecast"}) {
      const json::value* v = in->as_object().if_contains(field);
      if (v == nullptr || v->is_null()) continue;
      auto d = number_of(*v);
      if (!d || *d < 0 || *d > k_max_intensity) {
        out.error = where + " has an intensity '" + field +
                    "' that is not a number of gCO2/kWh between 0 and 5000";
        return out;
      }
      if (!value) value = d;
    }
    if (!value) {
      ++out.unknown;
      continue;
    }
    slots.push_back({*a, *b, *value});
  }
  std::stable_sort(slots.begin(), slots.end(),
                   [](const PriceSlot& x, const PriceSlot& y) { return x.start < y.start; });
  for (std::size_t i = 1; i < slots.size(); ++i) {
    if (slots[i].start < slots[i - 1].end) {
      out.error = "carbon intensity entries overlap at " + format_rfc3339(slots[i].start);
      return out;
    }
  }
  out.curve = PriceCurve(std::move(slots));
  return out;
}

Instant next_carbon_refresh(const CarbonRefreshState& state, Instant now) {
  if (!state.last_attempt) return now;
  if (state.consecutive_failures > 0) {
    const int n = std::min(state.consecutive_failures - 1, 5);
    const Seconds backoff = std::min(Seconds{60} * (1 << n), Seconds{30 * 60});
    return *state.last_attempt + backoff;
  }
  const Instant base = state.last_success ? *state.last_success : *state.last_attempt;
  return std::max(*state.last_attempt, base + Seconds{30 * 60});
}

}  // namespace offpeak::tariffs
