#pragma once
// `offpeak vehicle`: log in to the Connect API and fetch the car's state once; with --model,
// print what was learned about the car from its recorded history.

#include <offpeak/config/config.hpp>

namespace offpeak::cli {

// Prints the car's state (human, or one JSON document with `json`). Returns 0, 69 when the
// service stays unreachable, 77 when the credentials are refused, 1 otherwise. Retries
// transient failures and gives up within 60 s.
int cmd_vehicle(const config::Config& cfg, bool json);

// The same for the sources other than `connect` (vehicle_sources.cpp): Home Assistant and JSON
// APIs are asked once; pushed sources (mqtt, charger, none) and the simulator live in the
// daemon, which is asked through its API (api.listen).
int cmd_vehicle_other_source(const config::Config& cfg, bool json);

// `offpeak vehicle --model`: what the daemon learned from the recorded history (the charging
// model it plans with and the usual plug-in times), read from storage.database without
// creating it and without asking the car's cloud. Returns 0, or 1 when the database cannot
// be read (a missing database is reported as "nothing recorded yet", exit 0).
int cmd_vehicle_model(const config::Config& cfg, bool json);

}  // namespace offpeak::cli
