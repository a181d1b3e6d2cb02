#pragma once
// Grid carbon intensity over the network, cached in the database: the daemon's refresh and
// the cache reads. The pure parts are in carbon.hpp.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/store/store.hpp>
#include <offpeak/tariffs/carbon.hpp>

#include <optional>
#include <string>

namespace offpeak::tariffs {

CarbonArea carbon_area(const config::CarbonConfig& c);

struct CarbonRefresh {
  PriceCurve known;                  // cached and freshly fetched intensities in [from, to)
  std::size_t fetched = 0;           // half-hours with a value in the response
  int unknown = 0;                   // half-hours the response left without a value
  std::string region_name;           // "London" for a regional forecast
  std::optional<std::string> error;  // the fetch failed (the cache is still used)
};

// Fetches the 48 h forecast from `now` (one request, 30 s deadline), merges it into the cache
// of `store` under carbon_area(c).key() when a store is given, and returns what is known in
// [from, to). Never invents values: a failed fetch leaves the cache as it was. Blocking: call
// it off the event loop.
CarbonRefresh refresh_carbon(const config::CarbonConfig& c, store::Store* store, Instant now,
                             Instant from, Instant to);

// The cached intensities only (no network).
PriceCurve cached_carbon(const config::CarbonConfig& c, const store::Store& store, Instant from,
                         Instant to);

}  // namespace offpeak::tariffs
