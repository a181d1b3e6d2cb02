#pragma once
// What offpeak knows about a car: its fixed specification and its observed state.

#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace offpeak {

// Fixed properties used for planning.
//
// The charge curve: the car draws `max_charge_kw` from the wall up to `taper_above_soc`; above
// it the power falls linearly with SoC to `taper_end_kw` at 100 % (no taper when unset).
struct VehicleSpec {
  double battery_kwh = 0.0;               // usable capacity, > 0
  double max_charge_kw = 0.0;             // power drawn from the wall while charging, > 0
  double efficiency = 0.9;                // energy into the battery / energy from the grid, (0, 1]
  std::optional<double> taper_above_soc;  // percent, (0, 100); nullopt: constant power
  double taper_end_kw = 0.0;              // wall power at 100 % when tapering, (0, max_charge_kw]
};

// BMW charging states as reported through the Orange Power Connect API. Any string that is
// not one of these maps to `unknown`, never to an error.
enum class ChargingState {
  charging,
  not_charging,
  complete,
  fully_charged,
  finished_fully_charged,
  finished_not_full,
  plugged_in,
  waiting_for_charging,
  target_reached,
  error,
  invalid,
  default_state,
  unknown,
};

// "CHARGING" -> charging, ...; unknown or empty strings -> ChargingState::unknown.
ChargingState parse_charging_state(std::string_view text);
// The service's spelling: "CHARGING", "NOT_CHARGING", ..., "UNKNOWN".
std::string_view to_string(ChargingState s);

// One observation of the car. Every field the service did not report is nullopt (unknown),
// never a default number.
struct VehicleState {
  std::string device_id;
  std::string brand;
  std::string model;
  std::optional<int> year;
  std::optional<double> soc_percent;  // 0..100
  ChargingState charging_state = ChargingState::unknown;
  std::optional<bool> plugged_in;
  std::optional<double> range_km;
  Instant observed_at{};
  bool told = false;  // the SoC was told by the owner (API, MQTT, CLI), not read from the car
};

// Grid-side energy (kWh) needed to take the battery from `from_soc` to `to_soc` percent;
// 0 when to_soc <= from_soc.
double grid_energy_kwh(const VehicleSpec& v, double from_soc, double to_soc);

// SoC (percent, capped at 100) after drawing `grid_kwh` from the grid starting at `soc`.
double soc_after(const VehicleSpec& v, double soc, double grid_kwh);

// Wall power (kW) the car draws at `soc` percent along its charge curve; 0 at 100 %.
double charge_power_kw(const VehicleSpec& v, double soc);

// Hours of charging along the charge curve from `from_soc` to `to_soc` (0 when to <= from).
double charge_hours(const VehicleSpec& v, double from_soc, double to_soc);

// SoC (percent, at most 100) after charging for `hours` along the charge curve from `soc`.
double soc_after_hours(const VehicleSpec& v, double soc, double hours);
// The same with the charger offering at most `max_kw` (a current set below the car's power):
// the car draws the lower of the two along its curve.
double soc_after_hours(const VehicleSpec& v, double soc, double hours, double max_kw);

}  // namespace offpeak
