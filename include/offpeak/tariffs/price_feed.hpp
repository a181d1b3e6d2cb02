#pragma once
// A dynamic tariff's prices over the network, cached in the database: one interface for
// Octopus Agile and the day-ahead spot sources (tibber, entsoe, nordpool, awattar), used by
// the daemon's price refresh and by `offpeak tariff show` / `offpeak plan`.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/store/store.hpp>
#include <offpeak/tariffs/agile.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace offpeak::tariffs {

struct FeedRefresh {
  PriceCurve known;                  // cached and freshly fetched final prices in [from, to)
  int requests = 0;                  // HTTP requests sent
  std::size_t fetched = 0;           // prices fetched
  std::optional<std::string> error;  // the fetch failed (what is cached is still used)
  std::string note;                  // e.g. "not yet published: ..." (not an error)
};

class PriceFeed {
 public:
  virtual ~PriceFeed() = default;
  // For people and logs: "Agile", "ENTSO-E DE-LU".
  virtual std::string label() const = 0;
  // The cache key in the database's price cache.
  virtual std::string cache_key() const = 0;
  // What the daemon refreshes at `now`.
  virtual std::pair<Instant, Instant> refresh_window(Instant now) const = 0;
  // Fetches [from, to), merges into the cache of `store` (when given) and returns what is
  // known, as final prices. Blocking (30 s deadline per request): call it off the event loop.
  // Never invents prices; a failure leaves the cache as it was.
  virtual FeedRefresh refresh(store::Store* store, Instant now, Instant from, Instant to) const = 0;
  // The cached prices only (no network), as final prices.
  virtual PriceCurve cached(const store::Store& store, Instant from, Instant to) const = 0;
  // When to refresh next.
  virtual Instant next_refresh(Instant now, const RefreshState& state,
                               const PriceCurve& known) const = 0;
  // The resolution the source publishes at, for the price forecast beyond publication.
  virtual Seconds resolution() const = 0;
};

// The feed of the configured tariff, or nullptr for static and CSV tariffs.
std::unique_ptr<PriceFeed> make_price_feed(const config::Config& cfg);

}  // namespace offpeak::tariffs
