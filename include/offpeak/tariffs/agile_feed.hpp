#pragma once
// Octopus Agile prices over the network, cached in the database: the one implementation used by
// the daemon and by `offpeak tariff show` / `offpeak plan`.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/store/store.hpp>

#include <optional>
#include <string>

namespace offpeak::tariffs {

struct AgileRefresh {
  PriceCurve known;           // cached and freshly fetched prices within [from, to)
  int pages = 0;              // pages fetched
  std::size_t fetched = 0;    // rates fetched
  std::optional<std::string> error;  // the fetch failed or stopped early (cache still used)
};

// Fetches the published prices for [from, to) (every page), merges them into the cache of
// `store` (keyed by the tariff code) when a store is given, and returns what is known. Never
// invents prices: a failed fetch leaves the cache as it was and reports the error. Blocking
// (network with a 30 s deadline per page): call it off the event loop.
AgileRefresh refresh_agile(const config::OctopusAgileTariff& tariff, store::Store* store,
                           Instant now, Instant from, Instant to);

// The cached prices only (no network).
PriceCurve cached_agile(const config::OctopusAgileTariff& tariff, const store::Store& store,
                        Instant from, Instant to);

}  // namespace offpeak::tariffs
