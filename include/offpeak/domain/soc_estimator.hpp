#pragma once
// The state of charge between polls. A car's cloud is asked rarely (a daily request budget),
// so between two readings the SoC is estimated: from the last reading, the stretches the
// charger was on since then, and the charge curve (the learned power and efficiency); or,
// where the charger meters energy (an OCPP wallbox), from the metered energy. Pure and
// clock-injected: every input carries its instant.
//
// An estimate is only an estimate: it says so (`estimated`), and how old its base reading is.
// The controller stops at the estimated target and a poll confirms it.

#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace offpeak {

struct SocEstimate {
  double soc_percent = 0.0;
  bool estimated = false;  // false: the reading itself (nothing charged since)
  Instant reading_at{};    // the reading the estimate starts from
  bool metered = false;    // from metered energy rather than the charge curve
};

class SocEstimator {
 public:
  static constexpr Seconds k_cloud_lag{15 * 60};

  explicit SocEstimator(VehicleSpec spec = {}) : spec_(spec) {}

  // The charge curve to estimate with (the learned one where learned).
  void set_spec(const VehicleSpec& spec) { spec_ = spec; }
  const VehicleSpec& spec() const { return spec_; }

  // A reading of the car. One without a SoC only updates the plug state. A reading that
  // shows CHARGING proves the charger on from then on; NOT_CHARGING while plugged in proves
  // it drew nothing (a stop took effect, the car is at its own limit); except within
  // k_cloud_lag after a switch change, when the switch's state counts (the cloud lags).
  void observe(const VehicleState& state);
  // The charger was switched (a command the switch accepted, or a charger's own report).
  void switched(Instant at, bool on);
  // The charger's energy register (Wh since any origin; only differences count).
  void metered(Instant at, double energy_wh);
  // The power the charger offers from `at` on (kW: the current it was set to x voltage x
  // phases; nullopt: the car's own, the full current). The curve's estimate charges at the
  // lower of the car's power and this.
  void offered(Instant at, std::optional<double> kw);

  // The SoC at `now` (>= the last reading); nullopt before the first reading with a SoC.
  std::optional<SocEstimate> estimate(Instant now) const;
  // The stretches the charger was believed on (and the car plugged in) within [from, to].
  std::vector<std::pair<Instant, Instant>> on_stretches(Instant from, Instant to) const;

 private:
  VehicleSpec spec_;
  std::optional<double> soc_;  // the last reading's SoC
  Instant reading_at_{};
  bool plugged_ = false;
  std::optional<bool> charging_at_reading_;  // CHARGING at the reading (nullopt: unknown)
  // Switch changes, oldest first (kept from a little before the last reading).
  std::vector<std::pair<Instant, bool>> switches_;
  // Offered power changes, oldest first (the last before the reading and all after it).
  std::vector<std::pair<Instant, std::optional<double>>> offered_;
  std::optional<std::pair<Instant, double>> meter_at_reading_;  // last register at/before it
  std::optional<std::pair<Instant, double>> meter_now_;         // latest register
};

}  // namespace offpeak
