// Open-Meteo: irradiance every 15 min, turned into one array's power by the panel model.
// Answer: {"utc_offset_seconds": 3600, "minutely_15": {"time": ["2025-02-24T00:00", ...],
// "temperature_2m": [...], "global_tilted_irradiance_instant": [...]}} or, without the tilted
// irradiance, "shortwave_radiation_instant", "diffuse_radiation_instant" and
// "direct_normal_irradiance_instant" (W/m2); null where the model has no value.
// Errors: {"error": true, "reason": "..."}.
#include <offpeak/solar/forecast_sources.hpp>

#include "forecast_json.hpp"

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

constexpr double k_max_irradiance = 2000;  // W/m2; the solar constant is 1361
constexpr Seconds k_max_step{3600};        // samples further apart make no interval

// One column of minutely_15: nullptr when absent; an error when not an array of the length.
const json::array* column(const json::value* block, std::string_view name, std::size_t n,
                          std::string& error) {
  const json::value* v = member(block, name);
  if (v == nullptr) return nullptr;
  if (!v->is_array() || v->get_array().size() != n) {
    error =
        "minutely_15." + std::string(name) + ": not an array of " + std::to_string(n) + " values";
    return nullptr;
  }
  return &v->get_array();
}

}  // namespace

ForecastRequest open_meteo_request(std::string_view base_url, const ArrayQuery& a) {
  // Open-Meteo's azimuth: 0 = south, -90 = east, 90 = west.
  double az = a.orientation.azimuth - 180.0;
  if (az < -180) az += 360;
  ForecastRequest r;
  r.url = std::string(base_url) + "/v1/forecast?latitude=" + number_text(a.orientation.latitude) +
          "&longitude=" + number_text(a.orientation.longitude) +
          "&minutely_15=temperature_2m,global_tilted_irradiance_instant&tilt=" +
          number_text(a.orientation.tilt) + "&azimuth=" + number_text(az) +
          "&timezone=GMT&forecast_days=3";
  r.loggable_url = r.url;
  r.headers.emplace_back("Accept", "application/json");
  return r;
}

ForecastParse parse_open_meteo(std::string_view body, const ArrayQuery& array) {
  ForecastParse out;
  auto doc = parse_document(body, out.error);
  if (!doc) return out;
  if (const json::value* e = member(&*doc, "error"); e && e->is_bool() && e->get_bool()) {
    const auto reason = string_of(member(&*doc, "reason")).value_or("no reason given");
    out.error = "open-meteo refused: " + std::string(reason.substr(0, 80));
    for (char& c : out.error)
      if (c < 0x20 || c > 0x7e) c = '?';
    return out;
  }
  const auto offset = number_in(member(&*doc, "utc_offset_seconds"), -18 * 3600, 18 * 3600);
  if (!offset) {
    out.error = "no utc_offset_seconds";
    return out;
  }
  const json::value* block = member(&*doc, "minutely_15");
  const json::value* times_v = member(block, "time");
  if (times_v == nullptr || !times_v->is_array()) {
    out.error = "no minutely_15.time array";
    return out;
  }
  const auto& times = times_v->get_array();
  const std::size_t n = times.size();
  if (n > k_max_points) {
    out.error = "too many points (" + std::to_string(n) + ")";
    return out;
  }
  const json::array* gti = column(block, "global_tilted_irradiance_instant", n, out.error);
  if (gti == nullptr && out.error.empty())
    gti = column(block, "global_tilted_irradiance", n, out.error);
  const json::array* ghi = column(block, "shortwave_radiation_instant", n, out.error);
  const json::array* dhi = column(block, "diffuse_radiation_instant", n, out.error);
  const json::array* dni = column(block, "direct_normal_irradiance_instant", n, out.error);
  const json::array* temp = column(block, "temperature_2m", n, out.error);
  if (!out.error.empty()) return out;
  if (gti == nullptr && (ghi == nullptr || dhi == nullptr || dni == nullptr)) {
    out.error =
        "minutely_15 has no global_tilted_irradiance_instant nor shortwave, diffuse and "
        "direct normal irradiance";
    return out;
  }
  // The power at each sample; nullopt where a value is null.
  std::vector<std::pair<Instant, std::optional<double>>> samples;
  samples.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto text = string_of(&times[i]);
    const auto wall = text ? parse_wall_clock(*text) : std::nullopt;
    if (!wall) {
      out.error = "minutely_15.time[" + std::to_string(i) + "]: not a time: " + shown(&times[i]);
      return out;
    }
    const Instant t = Instant{std::chrono::sys_days{wall->date}} + Seconds{wall->seconds} -
                      Seconds{static_cast<long long>(*offset)};
    if (!samples.empty() && t <= samples.back().first) {
      out.error = "minutely_15.time[" + std::to_string(i) + "]: not after the one before";
      return out;
    }
    auto value = [&](const json::array* col, double lo, double hi,
                     std::string_view name) -> std::optional<std::optional<double>> {
      const json::value& v = (*col)[i];
      if (v.is_null()) return std::optional<double>{};
      auto d = number_in(&v, lo, hi);
      if (!d) {
        out.error = "minutely_15." + std::string(name) + "[" + std::to_string(i) +
                    "]: out of range: " + shown(&v);
        return std::nullopt;
      }
      return d;
    };
    std::optional<double> poa;
    if (gti != nullptr) {
      auto g = value(gti, 0, k_max_irradiance, "global_tilted_irradiance_instant");
      if (!g) return ForecastParse{{}, out.error};
      poa = *g;
    } else {
      auto g = value(ghi, 0, k_max_irradiance, "shortwave_radiation_instant");
      if (!g) return ForecastParse{{}, out.error};
      auto d = value(dhi, 0, k_max_irradiance, "diffuse_radiation_instant");
      if (!d) return ForecastParse{{}, out.error};
      auto b = value(dni, 0, k_max_irradiance, "direct_normal_irradiance_instant");
      if (!b) return ForecastParse{{}, out.error};
      if (*g && *d && *b) poa = plane_of_array_irradiance(t, array.orientation, **g, **d, **b);
    }
    double air = 25.0;  // no temperature: no derating
    if (temp != nullptr) {
      auto a = value(temp, -90, 70, "temperature_2m");
      if (!a) return ForecastParse{{}, out.error};
      if (!*a)
        poa.reset();
      else
        air = **a;
    }
    samples.emplace_back(t,
                         poa ? std::optional(panel_power_w(array.panel, *poa, air)) : std::nullopt);
  }
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const auto& [t0, p0] = samples[i - 1];
    const auto& [t1, p1] = samples[i];
    if (p0 && p1 && t1 - t0 <= k_max_step)
      out.forecast.intervals.push_back({t0, t1, (*p0 + *p1) / 2});
  }
  if (out.forecast.intervals.empty()) out.error = "minutely_15: no two consecutive values";
  return out;
}

}  // namespace offpeak::solar
