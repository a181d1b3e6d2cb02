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
};

}  // namespace offpeak
