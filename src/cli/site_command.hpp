#pragma once
// `offpeak site --model`: what offpeak has learned about the home from the database: the
// expected load per weekday and half-hour, the PV forecast's scale factor, and the expected
// surplus over the cached solar forecast (docs/solar-forecast.md). Reads the database, never
// writes.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/planner.hpp>

#include <string>

namespace offpeak::cli {

// The `solar_forecast:` line of `offpeak check`: "  solar      forecast.solar, 2 faces,
// 6.2 kWp at 51.5, -0.12\n"; "" without one.
std::string describe_solar_forecast(const config::Config& cfg);

// Returns 0, 1 when the database cannot be read.
int cmd_site_model(const config::Config& cfg, bool json);

// `offpeak plan` with `solar_forecast:`: the sun for the request (planner rule 9) from the
// database's cached forecast and learned home, and the export prices (site.export_tariff:
// static and csv directly, octopus-agile from the price cache). Nothing when there is no
// forecast or no database. Reads the database, never writes.
void add_sun(const config::Config& cfg, PlanRequest& request);

}  // namespace offpeak::cli
