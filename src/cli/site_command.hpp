#pragma once
// `offpeak site --model`: what offpeak has learned about the home from the database: the
// expected load per weekday and half-hour, the PV forecast's scale factor, and the expected
// surplus over the cached solar forecast (docs/solar-forecast.md). Reads the database, never
// writes.

#include <offpeak/config/config.hpp>

namespace offpeak::cli {

// Returns 0, 1 when the database cannot be read.
int cmd_site_model(const config::Config& cfg, bool json);

}  // namespace offpeak::cli
