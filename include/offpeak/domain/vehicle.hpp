#pragma once
// What offpeak knows about a car: its fixed specification and its observed state.

#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace offpeak {

// Fixed properties used for planning.
struct VehicleSpec {
  double battery_kwh = 0.0;    // usable capacity, > 0
  double max_charge_kw = 0.0;  // power drawn from the wall while charging, > 0
  double efficiency = 0.9;     // energy into the battery / energy from the grid, (0, 1]
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
};

// Grid-side energy (kWh) needed to take the battery from `from_soc` to `to_soc` percent;
// 0 when to_soc <= from_soc.
double grid_energy_kwh(const VehicleSpec& v, double from_soc, double to_soc);

// SoC (percent, capped at 100) after drawing `grid_kwh` from the grid starting at `soc`.
double soc_after(const VehicleSpec& v, double soc, double grid_kwh);

}  // namespace offpeak
