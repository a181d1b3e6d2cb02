#pragma once
// What the home itself uses and how far the PV forecast is off, learned from the meters'
// history (spec solar.md, "The sun in the plan"), and the surplus both let a plan expect.
//
//  - Load = grid + pv - car: the grid meter's power (import positive) plus the panels'
//    production, less the car's own charging. Learned per local weekday and half-hour with a
//    trimmed mean (the lowest and highest `trim` of the samples dropped), so a kettle, an
//    oven left on or a meter glitch does not move the profile.
//  - The forecast's bias: the median of actual / forecast over daylight periods (forecast at
//    least `min_forecast_w`), clamped to [0.2, 2].
//  - Expected surplus per slot = forecast PV x scale - expected load, never below 0.

#include <offpeak/domain/pv_forecast.hpp>
#include <offpeak/domain/time.hpp>

#include <array>
#include <optional>
#include <span>
#include <vector>

namespace offpeak {

// Mean powers over [start, start + duration), in W. pv_w and car_w 0 when there is no such
// meter or the car was not charging.
struct HouseSample {
  Instant start;
  Seconds duration{1800};
  double grid_w = 0;  // import positive
  double pv_w = 0;
  double car_w = 0;
};

// The home's own load from one sample: grid + pv - car, never below 0.
double house_load_w(const HouseSample& s);

struct LoadProfileOptions {
  double trim = 0.2;    // the fraction dropped at each end of a cell's samples
  int min_samples = 3;  // a cell with fewer falls back to its half-hour on every weekday
};

// Expected load per local weekday (Monday = 0) and half-hour of the day (0..47), in W.
class LoadProfile {
 public:
  static constexpr int k_slots = 48;

  // nullopt when there was no history at all for that half-hour.
  std::optional<double> watts(int weekday, int half_hour) const;
  // At an instant, in `zone`.
  std::optional<double> watts_at(Instant t, const Zone& zone) const;
  // The samples behind a cell (after the fallback, the weekday-independent cell's).
  int samples(int weekday, int half_hour) const;
  bool empty() const;

 private:
  friend LoadProfile learn_load_profile(std::span<const HouseSample>, const Zone&,
                                        const LoadProfileOptions&);
  std::array<std::array<std::optional<double>, k_slots>, 7> cells_{};
  std::array<std::array<int, k_slots>, 7> counts_{};
};

// Samples longer than an hour or with a non-finite power are ignored; a sample is filed under
// the local weekday and half-hour of its start.
LoadProfile learn_load_profile(std::span<const HouseSample> history, const Zone& zone,
                               const LoadProfileOptions& options = {});

// The mean of the middle of `values` (trim at each end); nullopt when empty.
std::optional<double> trimmed_mean(std::vector<double> values, double trim);

// One period's forecast and the PV meter's actual mean power, in W.
struct PvActual {
  double forecast_w = 0;
  double actual_w = 0;
};

struct PvScale {
  double factor = 1.0;  // multiply the forecast by this
  int periods = 0;      // daylight periods it was learned from; 0: no history, factor 1
};

// The robust scale factor: the median of actual / forecast over periods whose forecast is at
// least `min_forecast_w`; 1 with fewer than `min_periods` such periods.
PvScale learn_pv_scale(std::span<const PvActual> history, double min_forecast_w = 100,
                       int min_periods = 10);

struct SurplusSlot {
  Instant start;
  Instant end;
  double pv_w = 0;       // forecast x scale, mean over the slot
  double load_w = 0;     // expected
  double surplus_w = 0;  // max(0, pv - load)
};

// The expected surplus in slots of `step` over [from, to). A slot without a forecast (a gap)
// or without a load expectation is left out: unknown is never surplus.
std::vector<SurplusSlot> expected_surplus(const PvForecast& forecast, const PvScale& scale,
                                          const LoadProfile& load, const Zone& zone, Instant from,
                                          Instant to, Seconds step = Seconds{1800});

}  // namespace offpeak
