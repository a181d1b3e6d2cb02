#pragma once
// `offpeak vehicle`: log in to the Connect API and fetch the car's state once.

#include <offpeak/config/config.hpp>

namespace offpeak::cli {

// Prints the car's state (human, or one JSON document with `json`). Returns 0, 69 when the
// service stays unreachable, 77 when the credentials are refused, 78 when the configured source
// is not `connect`, 1 otherwise. Retries transient failures and gives up within 60 s.
int cmd_vehicle(const config::Config& cfg, bool json);

}  // namespace offpeak::cli
