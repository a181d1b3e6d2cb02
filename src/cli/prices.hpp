#pragma once
// Prices for the CLI's commands, from the configured tariff, the way the daemon gets them.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/money.hpp>

#include <optional>
#include <string>

namespace offpeak::cli {

// Prices within [from, to). Static and CSV tariffs directly. Octopus Agile and the day-ahead
// sources (tibber, entsoe, nordpool, awattar): with `fetch`, the
// published prices are fetched and cached in the configured database exactly as the daemon
// does; without it only the cache is read (no network); gaps are filled from the `fallback:`
// tariff when there is one. nullopt (with the reason printed on stderr) when nothing can be
// known.
// The configured currency and decimal mark, for what the CLI shows.
inline Money money_of(const config::Config& cfg) {
  return Money(cfg.money.currency, cfg.money.decimal_mark);
}

std::optional<PriceCurve> prices_for(const config::Config& cfg, Instant now, Instant from,
                                     Instant to, bool fetch);

}  // namespace offpeak::cli
