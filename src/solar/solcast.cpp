// Solcast rooftop sites: {"forecasts": [{"pv_estimate": 1.2, "pv_estimate10": ...,
// "pv_estimate90": ..., "period_end": "2022-10-24T21:00:00.0000000Z", "period": "PT30M"}]};
// pv_estimate is the mean power over the period in kW. Errors: {"response_status":
// {"error_code": "...", "message": "..."}}.
#include <offpeak/solar/forecast_sources.hpp>

#include "forecast_json.hpp"

#include <algorithm>
#include <cctype>

namespace offpeak::solar {

namespace json = boost::json;
using namespace detail;

namespace {

// "PT30M", "PT1H", "PT5M": 1 minute to 1 hour; nullopt otherwise.
std::optional<Seconds> parse_period(std::string_view s) {
  if (s.size() < 4 || s.size() > 6 || s.substr(0, 2) != "PT") return std::nullopt;
  const char unit = s.back();
  int n = 0;
  for (char c : s.substr(2, s.size() - 3)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  Seconds p{0};
  if (unit == 'M')
    p = Seconds{n * 60};
  else if (unit == 'H')
    p = Seconds{n * 3600};
  else
    return std::nullopt;
  if (p < Seconds{60} || p > Seconds{3600}) return std::nullopt;
  return p;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

ForecastRequest solcast_request(std::string_view base_url, std::string_view site_id,
                                std::string_view api_key) {
  ForecastRequest r;
  std::string id;
  for (char c : site_id)  // site ids are hex with dashes: keep the URL's path intact
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') id += c;
  r.url = std::string(base_url) + "/rooftop_sites/" + id + "/forecasts?format=json&hours=72";
  r.loggable_url = r.url;
  r.headers.emplace_back("Accept", "application/json");
  r.headers.emplace_back("Authorization", "Bearer " + std::string(api_key));
  return r;
}

ForecastParse parse_solcast(std::string_view body) {
  ForecastParse out;
  auto doc = parse_document(body, out.error);
  if (!doc) return out;
  if (const json::value* status = member(&*doc, "response_status")) {
    const auto code = string_of(member(status, "error_code")).value_or("");
    const auto msg = string_of(member(status, "message")).value_or("no reason given");
    if (!code.empty() || member(&*doc, "forecasts") == nullptr) {
      out.error =
          "solcast refused: " + printable(code) + (code.empty() ? "" : ": ") + printable(msg);
      return out;
    }
  }
  const json::value* list = member(&*doc, "forecasts");
  if (list == nullptr || !list->is_array()) {
    out.error = "no forecasts array";
    return out;
  }
  const auto& arr = list->get_array();
  if (arr.empty()) {
    out.error = "forecasts: empty";
    return out;
  }
  if (arr.size() > k_max_points) {
    out.error = "too many points (" + std::to_string(arr.size()) + ")";
    return out;
  }
  std::vector<PvInterval> intervals;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json::value& e = arr[i];
    const std::string where = "forecasts[" + std::to_string(i) + "]";
    const auto end_text = string_of(member(&e, "period_end"));
    const auto end = end_text ? parse_rfc3339(*end_text) : std::nullopt;
    if (!end) {
      out.error = where + ".period_end: not an instant: " + shown(member(&e, "period_end"));
      return out;
    }
    if (*end < Instant{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}} ||
        *end >= Instant{std::chrono::sys_days{std::chrono::year{2100} / 1 / 1}}) {
      out.error = where + ".period_end: not between 2000 and 2100";
      return out;
    }
    const auto period_text = string_of(member(&e, "period"));
    const auto period = period_text ? parse_period(*period_text) : std::nullopt;
    if (!period) {
      out.error = where + ".period: not PT1M..PT60M: " + shown(member(&e, "period"));
      return out;
    }
    const auto kw = number_in(member(&e, "pv_estimate"), 0, k_max_watts / 1000);
    if (!kw) {
      out.error = where + ".pv_estimate: not a power in kW: " + shown(member(&e, "pv_estimate"));
      return out;
    }
    intervals.push_back({*end - *period, *end, *kw * 1000});
  }
  std::sort(intervals.begin(), intervals.end(),
            [](const PvInterval& a, const PvInterval& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < intervals.size(); ++i) {
    if (intervals[i].start < intervals[i - 1].end) {
      out.error = "forecasts: two periods overlap";
      return out;
    }
  }
  out.forecast.intervals = std::move(intervals);
  return out;
}

}  // namespace offpeak::solar
