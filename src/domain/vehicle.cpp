#include <offpeak/domain/vehicle.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace offpeak {
namespace {
constexpr std::array<std::pair<std::string_view, ChargingState>, 13> k_states = {{
    {"CHARGING", ChargingState::charging},
    {"NOT_CHARGING", ChargingState::not_charging},
    {"COMPLETE", ChargingState::complete},
    {"FULLY_CHARGED", ChargingState::fully_charged},
    {"FINISHED_FULLY_CHARGED", ChargingState::finished_fully_charged},
    {"FINISHED_NOT_FULL", ChargingState::finished_not_full},
    {"PLUGGED_IN", ChargingState::plugged_in},
    {"WAITING_FOR_CHARGING", ChargingState::waiting_for_charging},
    {"TARGET_REACHED", ChargingState::target_reached},
    {"ERROR", ChargingState::error},
    {"INVALID", ChargingState::invalid},
    {"DEFAULT", ChargingState::default_state},
    {"UNKNOWN", ChargingState::unknown},
}};
}  // namespace

ChargingState parse_charging_state(std::string_view text) {
  for (const auto& [name, state] : k_states) {
    if (name == text) return state;
  }
  return ChargingState::unknown;
}

std::string_view to_string(ChargingState s) {
  for (const auto& [name, state] : k_states) {
    if (state == s) return name;
  }
  return "UNKNOWN";
}

double grid_energy_kwh(const VehicleSpec& v, double from_soc, double to_soc) {
  if (to_soc <= from_soc || v.efficiency <= 0) return 0.0;
  return (to_soc - from_soc) / 100.0 * v.battery_kwh / v.efficiency;
}

double soc_after(const VehicleSpec& v, double soc, double grid_kwh) {
  if (v.battery_kwh <= 0) return soc;
  return std::min(100.0, soc + grid_kwh * v.efficiency / v.battery_kwh * 100.0);
}

namespace {

// The taper's start (percent) and slope (kW per percent), or nullopt for constant power.
struct Taper {
  double from_soc;
  double kw_per_pct;
};
std::optional<Taper> taper_of(const VehicleSpec& v) {
  if (!v.taper_above_soc || *v.taper_above_soc >= 100.0 || *v.taper_above_soc < 0.0)
    return std::nullopt;
  double end_kw = std::clamp(v.taper_end_kw, 1e-3, v.max_charge_kw);
  double slope = (v.max_charge_kw - end_kw) / (100.0 - *v.taper_above_soc);
  if (slope <= 0) return std::nullopt;
  return Taper{*v.taper_above_soc, slope};
}

// Percent of SoC per kWh drawn from the wall.
double pct_per_kwh(const VehicleSpec& v) {
  return v.efficiency * 100.0 / v.battery_kwh;
}

// The curve's power at `soc` (defined up to and at 100 %).
double curve_kw(const VehicleSpec& v, double soc) {
  auto t = taper_of(v);
  if (!t || soc <= t->from_soc) return v.max_charge_kw;
  return v.max_charge_kw - t->kw_per_pct * (std::min(soc, 100.0) - t->from_soc);
}

}  // namespace

double charge_power_kw(const VehicleSpec& v, double soc) {
  if (soc >= 100.0) return 0.0;
  return curve_kw(v, soc);
}

// In the taper, P(s) = P0 - c (s - T) and ds/dt = g P(s), so P falls exponentially with time:
// P(t) = P(s1) e^{-c g t}, and the time from s1 to s2 is ln(P(s1) / P(s2)) / (c g).
double charge_hours(const VehicleSpec& v, double from_soc, double to_soc) {
  to_soc = std::min(to_soc, 100.0);
  if (to_soc <= from_soc || v.battery_kwh <= 0 || v.max_charge_kw <= 0 || v.efficiency <= 0)
    return 0.0;
  const double g = pct_per_kwh(v);
  auto t = taper_of(v);
  double flat_to = t ? std::min(to_soc, std::max(from_soc, t->from_soc)) : to_soc;
  double h = (flat_to - from_soc) / (g * v.max_charge_kw);
  if (t && to_soc > flat_to) {
    double p1 = curve_kw(v, flat_to);
    double p2 = curve_kw(v, to_soc);
    h += std::log(p1 / p2) / (t->kw_per_pct * g);
  }
  return std::max(0.0, h);
}

double soc_after_hours(const VehicleSpec& v, double soc, double hours) {
  if (hours <= 0 || soc >= 100.0 || v.battery_kwh <= 0 || v.max_charge_kw <= 0) {
    return std::min(soc, 100.0);
  }
  const double g = pct_per_kwh(v);
  auto t = taper_of(v);
  if (!t || soc + g * v.max_charge_kw * hours <= t->from_soc) {
    return std::min(100.0, soc + g * v.max_charge_kw * hours);
  }
  if (soc < t->from_soc) {
    hours -= (t->from_soc - soc) / (g * v.max_charge_kw);
    soc = t->from_soc;
  }
  double p = curve_kw(v, soc) * std::exp(-t->kw_per_pct * g * hours);
  double s = t->from_soc + (v.max_charge_kw - p) / t->kw_per_pct;
  return std::min(100.0, s);
}

double soc_after_hours(const VehicleSpec& v, double soc, double hours, double max_kw) {
  if (max_kw >= v.max_charge_kw) return soc_after_hours(v, soc, hours);
  if (hours <= 0 || max_kw <= 0 || v.battery_kwh <= 0) return std::min(soc, 100.0);
  VehicleSpec flat = v;
  flat.max_charge_kw = max_kw;
  flat.taper_above_soc.reset();
  const auto t = taper_of(v);
  if (!t) return soc_after_hours(flat, soc, hours);
  // Above the knee the car's own curve draws less than the offered power.
  const double knee = t->from_soc + (v.max_charge_kw - max_kw) / t->kw_per_pct;
  if (soc >= knee) return soc_after_hours(v, soc, hours);
  const double s = soc_after_hours(flat, soc, hours);
  if (s <= knee) return s;
  const double to_knee = (knee - soc) / (pct_per_kwh(v) * max_kw);
  return soc_after_hours(v, knee, hours - to_knee);
}

}  // namespace offpeak
