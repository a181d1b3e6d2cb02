#pragma once
// What offpeak knows about the home around the car: the power at the grid connection and the
// panels' production, as the home's meters last reported them (spec solar.md).

#include <offpeak/domain/time.hpp>

#include <optional>

namespace offpeak {

// The site's meters at one instant. Powers are in watts; every value nobody reported (or that
// is older than its meter's max_age) is nullopt, never 0.
struct SiteState {
  std::optional<double> grid_w;  // import positive, export negative
  std::optional<double> pv_w;    // production, >= 0
  Instant updated_at{};          // when the grid meter last reported; epoch when never
  bool stale = true;             // no grid reading within the grid meter's max_age

  bool operator==(const SiteState&) const = default;
};

// One meter's latest good reading.
struct MeterReading {
  double watts = 0;  // import positive (grid), production positive (PV)
  Instant at{};      // when it was read
};

// Whether a reading taken at `at` is too old at `now` (older than `max_age`; a reading from
// the future, after the clock was set back, is not stale).
inline bool reading_stale(Instant at, Seconds max_age, Instant now) {
  return now - at > max_age;
}

// The site at `now` from the meters' latest readings: a stale or missing reading is nullopt;
// `stale` is about the grid meter alone (no grid meter: always stale, so never "surplus").
// PV below 0 (an inverter's night-time draw) reads as 0.
inline SiteState site_state(const std::optional<MeterReading>& grid, Seconds grid_max_age,
                            const std::optional<MeterReading>& pv, Seconds pv_max_age,
                            Instant now) {
  SiteState s;
  if (grid) {
    s.updated_at = grid->at;
    s.stale = reading_stale(grid->at, grid_max_age, now);
    if (!s.stale) s.grid_w = grid->watts;
  }
  if (pv && !reading_stale(pv->at, pv_max_age, now)) s.pv_w = pv->watts < 0 ? 0.0 : pv->watts;
  return s;
}

}  // namespace offpeak
