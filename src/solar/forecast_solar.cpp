// forecast.solar: one array's estimate. Answer: {"result": {"watts": {"2022-10-24 09:00:00":
// 696, ...}, ...}, "message": {"type": "success", "info": {"timezone": "Europe/Paris"}}};
// instant power in W at local wall-clock times. Errors: {"result": null, "message":
// {"type": "error", "text": "..."}}.
#include <offpeak/solar/forecast_sources.hpp>

#include "forecast_json.hpp"

#include <algorithm>
#include <cstdio>

namespace offpeak::solar {

namespace json = boost::json;
using namespace detail;

namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

ForecastRequest forecast_solar_request(std::string_view base_url, const ArrayQuery& a,
                                       std::string_view api_key) {
  // forecast.solar's azimuth: 0 = south, -90 = east, 90 = west.
  double az = a.orientation.azimuth - 180.0;
  if (az < -180) az += 360;
  const std::string path = "/estimate/" + number_text(a.orientation.latitude) + "/" +
                           number_text(a.orientation.longitude) + "/" +
                           number_text(a.orientation.tilt) + "/" + number_text(az) + "/" +
                           number_text(a.panel.kwp);
  ForecastRequest r;
  const std::string base(base_url);
  r.url = api_key.empty() ? base + path : base + "/" + std::string(api_key) + path;
  r.loggable_url = api_key.empty() ? r.url : base + "/***" + path;
  r.headers.emplace_back("Accept", "application/json");
  return r;
}

ForecastParse parse_forecast_solar(std::string_view body, const Zone& site_zone) {
  ForecastParse out;
  auto doc = parse_document(body, out.error);
  if (!doc) return out;
  const json::value* message = member(&*doc, "message");
  if (auto type = string_of(member(message, "type")); type && *type == "error") {
    const auto text = string_of(member(message, "text"));
    out.error = "forecast.solar refused: " + printable(text.value_or("no reason given"));
    return out;
  }
  Zone zone = site_zone;
  if (auto name = string_of(member(member(message, "info"), "timezone"))) {
    auto z = Zone::locate(*name);
    if (!z) {
      out.error = "unknown time zone " + printable(*name);
      return out;
    }
    zone = *z;
  }
  const json::value* watts = member(member(&*doc, "result"), "watts");
  if (watts == nullptr || !watts->is_object()) {
    out.error = "no result.watts object";
    return out;
  }
  const auto& obj = watts->get_object();
  if (obj.size() > k_max_points) {
    out.error = "too many points (" + std::to_string(obj.size()) + ")";
    return out;
  }
  std::vector<std::pair<Instant, double>> points;
  for (const auto& kv : obj) {
    const std::string_view key(kv.key().data(), kv.key().size());
    const auto wall = parse_wall_clock(key);
    if (!wall) {
      out.error = "result.watts: not a local time: \"" + printable(key) + "\"";
      return out;
    }
    const auto w = number_in(&kv.value(), 0, k_max_watts);
    if (!w) {
      out.error =
          "result.watts \"" + printable(key) + "\": not a power in W: " + shown(&kv.value());
      return out;
    }
    const Instant t = zone.at(wall->date, wall->seconds / 60) + Seconds{wall->seconds % 60};
    points.emplace_back(t, *w);
  }
  std::sort(points.begin(), points.end());
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (points[i].first == points[i - 1].first) {
      out.error = "result.watts: two points at the same instant";
      return out;
    }
  }
  if (points.size() < 2) {
    out.error = "result.watts: fewer than two points";
    return out;
  }
  for (std::size_t i = 1; i < points.size(); ++i)
    out.forecast.intervals.push_back(
        {points[i - 1].first, points[i].first, (points[i - 1].second + points[i].second) / 2});
  return out;
}

}  // namespace offpeak::solar
