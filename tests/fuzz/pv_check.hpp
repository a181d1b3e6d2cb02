#pragma once
// What every solar forecast parser must do with any body: an error with no forecast, or a
// valid forecast (sorted, not overlapping, finite watts >= 0). Aborts (a fuzzer crash) otherwise.

#include <offpeak/solar/forecast_sources.hpp>

#include <cstdlib>

namespace offpeak::fuzz {

inline int check_pv_parse(const solar::ForecastParse& p) {
  if (!p.ok() && !p.forecast.empty()) std::abort();
  if (!p.forecast.valid()) std::abort();
  for (const auto& i : p.forecast.intervals)
    if (i.watts > 2.0e6) std::abort();
  return 0;
}

}  // namespace offpeak::fuzz
