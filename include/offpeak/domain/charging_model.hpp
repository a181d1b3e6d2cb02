#pragma once
// The charging model learned from history: what the car really draws from the wall (phase,
// cable and the car's own limits make it less than the data sheet) and where it tapers.
// Pure: a function of recorded observations.
//
// Method: every pair of consecutive observations that both show the car CHARGING, 10 min to
// 4 h apart, with the SoC risen, gives a rate; its wall power is rate x battery / efficiency.
// The plateau power is the time-weighted median of the pairs below 78 % (robust to outliers
// such as a lagging cloud SoC), never above the configured max_charge_kw. The taper start is
// the SoC (70-95 %, step 1) whose linear fall-off best explains the pairs above it, adopted
// only when at least 3 pairs lie above it and it explains them clearly better than flat
// power. Nothing is learned from fewer than 3 plateau pairs over at least 1 h in total.

#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace offpeak {

struct ChargeObservation {
  Instant at;
  double soc_percent = 0.0;
  bool charging = false;   // the car reported CHARGING
  bool plugged_in = true;  // false: the car was away (a session ended before)
};

struct LearnedChargingModel {
  std::optional<double> power_kw;         // plateau wall power; nullopt: not enough data
  std::optional<double> taper_above_soc;  // percent
  double taper_end_kw = 0.0;
  int sessions = 0;  // plug-in sessions that contributed (unplugged readings part them)
  int pairs = 0;     // observation pairs used
  friend bool operator==(const LearnedChargingModel&, const LearnedChargingModel&) = default;
};

// Learns from observations sorted by time (any device mix is the caller's concern).
LearnedChargingModel learn_charging_model(const std::vector<ChargeObservation>& observations,
                                          const VehicleSpec& configured);

// The spec to plan with: the configured one with the learned power (capped at
// max_charge_kw) and taper applied where learned.
VehicleSpec effective_spec(const VehicleSpec& configured, const LearnedChargingModel& model);

// "6.0 kW learned from 5 sessions, tapering above 80 % to 2.1 kW", or
// "7.4 kW configured (nothing learned yet)".
std::string describe(const LearnedChargingModel& model, const VehicleSpec& configured);

}  // namespace offpeak
