#pragma once
// The charging model learned from history: what the car really draws from the wall (phase,
// cable and the car's own limits make it less than the data sheet) and where it tapers.
// Pure: a function of recorded observations.
//
// Method: a span of charging with the SoC risen gives a rate; its wall power is rate x battery
// / efficiency. Two kinds of span:
//  - two consecutive observations that both show the car CHARGING, 10 min to 4 h apart (their
//    SoC equally old);
//  - from a reading of the car at rest (plugged in, NOT_CHARGING) to the next one, over the
//    time the charger was on in between (`charged`, from the switch's own record; 20 min to
//    14 h): a car at rest reports the SoC it has however old the cloud's data is, so these
//    are exact where the pairs near a stop are not (the reading that confirms a stop a cloud
//    lag after it shows the car at rest, and the last CHARGING reading before the stop is
//    long before it). They carry the taper: nothing needs to read the car near the target.
// The plateau power is the time-weighted median of the spans ending below 78 % (robust to
// outliers such as a lagging cloud SoC), never above the configured max_charge_kw. The taper
// (start 70-95 %, step 1; power at 100 % 0.3 kW up to the plateau, step 0.1) is the one whose
// charge curve best predicts the duration of the spans ending above 70 % (squared error
// relative to each span's length), adopted only when at least 3 spans end above its start and
// it explains them clearly better than flat power (error down by more than 30 %). Nothing is
// learned from fewer than 3 plateau spans over at least 1 h in total.

#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace offpeak {

// The model is learned from the readings of this many days (the car's recent behaviour: a
// new cable or a changed charge limit shows within weeks).
inline constexpr int k_learn_days = 60;

struct ChargeObservation {
  Instant at;
  double soc_percent = 0.0;
  bool charging = false;   // the car reported CHARGING
  bool plugged_in = true;  // false: the car was away (a session ended before)
  // How long the charger was on between the previous observation and this one (the switch's
  // record); nullopt: not known (no switch, or before the record starts).
  std::optional<Seconds> charged;
};

struct LearnedChargingModel {
  std::optional<double> power_kw;         // plateau wall power; nullopt: not enough data
  std::optional<double> taper_above_soc;  // percent
  double taper_end_kw = 0.0;
  int sessions = 0;  // plug-in sessions that contributed (unplugged readings part them)
  int pairs = 0;     // charging spans used
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
