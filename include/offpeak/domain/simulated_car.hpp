#pragma once
// A simulated electric car: battery physics, plug state (fixed or a daily pattern in local
// time) and a remote charging switch. Pure: time only moves through advance(). Used by the
// `offpeak-connect-sim` server and by the daemon's in-process `simulator` vehicle source.

#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace offpeak {

// A daily plug-in pattern: plugged in from `plug_in_at` until `unplug_at` (local wall-clock
// times in `zone`; the window may cross midnight, e.g. 18:00 -> 07:30).
struct PlugPattern {
  TimeOfDay plug_in_at;
  TimeOfDay unplug_at;
  Zone zone = Zone::utc();
};

// One stretch of charging: from switch-on (or plug-in into a charger that is on) to the
// moment the car stopped drawing power. `to` is the current instant while it goes on.
struct ChargingStretch {
  Instant from;
  Instant to;
  double kwh = 0.0;  // grid-side energy drawn
  double start_soc = 0.0;
  double end_soc = 0.0;
};

struct SimulatedCarParams {
  std::string device_id = "SIM00000000000001";
  std::string brand = "BMW";
  std::string model = "i3s 94 REX";
  std::optional<int> year = 2018;
  VehicleSpec spec{27.2, 7.4, 0.9};  // battery_kwh, max_charge_kw, efficiency
  double full_range_km = 148.0;      // range at 100 % SoC; range scales linearly with SoC
  double soc_percent = 50.0;         // initial SoC, clamped to 0..100
  bool plugged_in = false;           // initial plug state when there is no pattern
  std::optional<PlugPattern> pattern;
  // The charger's remote switch (a relay or a wallbox), not the car's: it keeps its state
  // across unplug and plug-in. A car plugged into a charger that is on charges at once.
  bool switched_on = true;
};

class SimulatedCar {
 public:
  // Starts the simulation at `start`. With a pattern, the plug state at `start` follows it.
  SimulatedCar(SimulatedCarParams params, Instant start);

  // Moves simulated time forward to `to` (earlier instants are ignored) and returns the state.
  // While plugged in and switched on, the car draws its charge curve's power (max_charge_kw,
  // tapering above spec.taper_above_soc) and SoC rises by power * efficiency / battery_kwh
  // * 100 percent per hour, up to 100 %.
  // Pattern transitions inside the interval are applied at their exact instants.
  VehicleState advance(Instant to);

  // The state at the current simulated instant (no time passes).
  VehicleState state() const;

  // Remote switch. start() on an unplugged car is refused (returns false, nothing changes).
  bool start_charging();
  void stop_charging();

  // Direct overrides (simulator control). SoC is clamped to 0..100. Setting the plug state
  // holds until the pattern's next transition, if any. The switch keeps its state.
  void set_soc(double soc_percent);
  void set_plugged_in(bool plugged);
  // The charger's current limit as power (kW): the car draws at most this (its charge curve
  // still applies below it); nullopt: no limit.
  void set_power_limit(std::optional<double> kw) { limit_kw_ = kw; }

  const SimulatedCarParams& params() const { return params_; }
  Instant now() const { return now_; }
  double soc_percent() const { return soc_; }
  bool plugged_in() const { return plugged_; }
  bool switched_on() const { return on_; }
  bool charging() const { return plugged_ && on_ && soc_ < 100.0; }
  // Grid-side energy drawn since the start (kWh).
  double energy_kwh() const { return energy_kwh_; }
  // Every stretch of charging since the start, the one in progress last.
  const std::vector<ChargingStretch>& charging_log() const { return log_; }

  // Whether the pattern says "plugged in" at `t` (params' plugged_in without a pattern).
  bool pattern_plugged_at(Instant t) const;
  // The first pattern transition strictly after `t`; nullopt without a pattern.
  std::optional<Instant> next_transition_after(Instant t) const;

 private:
  void charge_for(Seconds d);
  // Keeps the charging log in step with charging(): opens a stretch at the instant charging
  // begins, ends it when it stops.
  void sync_stretch();

  SimulatedCarParams params_;
  Instant now_;
  double soc_;
  bool plugged_;
  bool on_;
  double energy_kwh_ = 0.0;
  std::vector<ChargingStretch> log_;
  bool stretch_open_ = false;
  std::optional<double> limit_kw_;
};

}  // namespace offpeak
