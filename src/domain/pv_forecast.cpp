#include <offpeak/domain/pv_forecast.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>

namespace offpeak {

using namespace std::chrono;

std::optional<double> PvForecast::watts_at(Instant t) const {
  auto it = std::upper_bound(intervals.begin(), intervals.end(), t,
                             [](Instant x, const PvInterval& i) { return x < i.start; });
  if (it == intervals.begin()) return std::nullopt;
  --it;
  if (t >= it->end) return std::nullopt;
  return it->watts;
}

double PvForecast::energy_kwh(Instant from, Instant to) const {
  double wh = 0;
  for (const auto& i : intervals) {
    const Instant a = std::max(from, i.start);
    const Instant b = std::min(to, i.end);
    if (a < b) wh += i.watts * static_cast<double>((b - a).count()) / 3600.0;
  }
  return wh / 1000.0;
}

bool PvForecast::valid() const {
  for (std::size_t k = 0; k < intervals.size(); ++k) {
    const auto& i = intervals[k];
    if (!(i.start < i.end) || !std::isfinite(i.watts) || i.watts < 0) return false;
    if (k > 0 && i.start < intervals[k - 1].end) return false;
  }
  return true;
}

PvForecast sum_forecasts(std::span<const PvForecast> arrays) {
  PvForecast out;
  if (arrays.empty()) return out;
  std::vector<Instant> cuts;
  for (const auto& f : arrays)
    for (const auto& i : f.intervals) {
      cuts.push_back(i.start);
      cuts.push_back(i.end);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    double total = 0;
    bool known = true;
    for (const auto& f : arrays) {
      const auto w = f.watts_at(cuts[k]);
      if (!w) {
        known = false;
        break;
      }
      total += *w;
    }
    if (known) out.intervals.push_back({cuts[k], cuts[k + 1], total});
  }
  return out;
}

double cell_temperature_c(const PanelModel& m, double air_c, double poa_w_m2) {
  return air_c + std::max(0.0, poa_w_m2) * (m.noct_c - 20.0) / 800.0;
}

double panel_power_w(const PanelModel& m, double poa_w_m2, double air_c) {
  if (!(poa_w_m2 > 0)) return 0;
  const double cell = cell_temperature_c(m, air_c, poa_w_m2);
  const double derate = 1.0 + m.temp_coeff_per_k * (cell - 25.0);
  const double w = m.kwp * poa_w_m2 * std::max(0.0, derate) * m.system_efficiency;
  return std::isfinite(w) && w > 0 ? w : 0.0;
}

namespace {

constexpr double k_deg = std::numbers::pi / 180.0;

double wrap360(double deg) {
  double d = std::fmod(deg, 360.0);
  return d < 0 ? d + 360.0 : d;
}

}  // namespace

SunPosition sun_position(Instant t, double latitude, double longitude) {
  const Instant j2000 = sys_days{year{2000} / 1 / 1} + hours{12};
  const double n = static_cast<double>((t - j2000).count()) / 86400.0;
  const double L = wrap360(280.460 + 0.9856474 * n);
  const double g = wrap360(357.528 + 0.9856003 * n) * k_deg;
  const double lambda = (L + 1.915 * std::sin(g) + 0.020 * std::sin(2 * g)) * k_deg;
  const double eps = (23.439 - 0.0000004 * n) * k_deg;
  const double ra = std::atan2(std::cos(eps) * std::sin(lambda), std::cos(lambda));
  const double dec = std::asin(std::sin(eps) * std::sin(lambda));
  const double gmst = wrap360((18.697374558 + 24.06570982441908 * n) * 15.0);
  const double h = (wrap360(gmst + longitude) * k_deg) - ra;
  const double lat = latitude * k_deg;
  const double sin_el = std::sin(lat) * std::sin(dec) + std::cos(lat) * std::cos(dec) * std::cos(h);
  const double el = std::asin(std::clamp(sin_el, -1.0, 1.0));
  const double az =
      std::atan2(-std::sin(h), std::tan(dec) * std::cos(lat) - std::sin(lat) * std::cos(h));
  return {el / k_deg, wrap360(az / k_deg)};
}

double plane_of_array_irradiance(Instant t, const PanelOrientation& o, double ghi, double dhi,
                                 double dni) {
  const SunPosition sun = sun_position(t, o.latitude, o.longitude);
  const double tilt = o.tilt * k_deg;
  double beam = 0;
  if (sun.elevation > 0) {
    const double el = sun.elevation * k_deg;
    const double cos_aoi =
        std::sin(el) * std::cos(tilt) +
        std::cos(el) * std::sin(tilt) * std::cos((sun.azimuth - o.azimuth) * k_deg);
    beam = std::max(0.0, dni) * std::max(0.0, cos_aoi);
  }
  const double sky = std::max(0.0, dhi) * (1.0 + std::cos(tilt)) / 2.0;
  const double ground = 0.2 * std::max(0.0, ghi) * (1.0 - std::cos(tilt)) / 2.0;
  const double poa = beam + sky + ground;
  return std::isfinite(poa) ? poa : 0.0;
}

}  // namespace offpeak
