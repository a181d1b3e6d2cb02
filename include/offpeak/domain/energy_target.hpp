#pragma once
// Energy targets (`charging.target_kwh`): for a car whose SoC nobody knows, the owner asks for
// an amount of energy by the ready-by instead of a SoC. The count of what has been delivered
// towards it, pure and clock-injected like the SoC estimator beside it: the charger's metered
// energy register where it meters (an OCPP wallbox), otherwise the time the switch was on
// while the car was plugged in (or its plug state unknown: a relay with no SoC source) x the
// charging power (learned, or the nameplate's).
//
// A count starts at 0 at each plug-in (a new session) and when the controller moves on to a
// new deadline (the ready-by the count was for has passed).

#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>

namespace offpeak {

// Progress towards an energy target, as shown by the API, MQTT, the dashboard and the CLI.
struct EnergyProgress {
  double delivered_kwh = 0.0;
  double target_kwh = 0.0;
  bool metered = false;  // counted from the charger's meter (else switch time x power)
  Instant since{};       // when the count started (plug-in, or the previous ready-by)
};

// "12.3 of 20.0 kWh".
std::string format_progress(const EnergyProgress& p);

// True when the policy asks for energy on any day (`target_kwh` in charging: or days:).
bool has_energy_target(const ChargingPolicy& policy);

class EnergyCounter {
 public:
  explicit EnergyCounter(double power_kw = 0.0) : power_kw_(power_kw) {}

  // The wall power the switch's on-time is counted at (kW).
  void set_power(double kw) { power_kw_ = kw; }
  // The car's plug state. A plug-in after unplugged (or unknown) starts a new count at 0.
  void plugged(Instant at, bool in);
  // The charger was switched (a command the switch accepted, or the charger's own report).
  void switched(Instant at, bool on);
  // The charger's energy register (Wh; only increases count, a lower value is a reset).
  void metered(Instant at, double energy_wh);
  // Starts a new count at 0 from `at`.
  void restart(Instant at);

  // Energy delivered since the count started, at `now` (kWh, grid side).
  double delivered_kwh(Instant now) const;
  // True when the count comes from the charger's meter (a reading since it started).
  bool metered() const { return meter_seen_; }
  Instant since() const { return since_; }
  // When the count reaches `target_kwh` at the current power if the switch stays on (nullopt:
  // the switch is off, unplugged, no power, or metered: the meter tells).
  std::optional<Instant> reaches_at(Instant now, double target_kwh) const;

 private:
  bool counting(Instant now) const;  // the switch is on and the car not known to be unplugged
  double power_kw_;
  Instant since_{};
  std::optional<bool> plugged_;
  bool on_ = false;
  Instant on_since_{};  // start of the current on-stretch (when counting)
  double hours_ = 0.0;  // closed on-stretches while plugged in since the count started
  std::optional<double> register_wh_;  // the latest register
  double metered_wh_ = 0.0;            // register increases since the count started
  bool meter_seen_ = false;
};

}  // namespace offpeak
