#pragma once
// Prices for the CLI's commands, from the configured tariff, the way the daemon gets them.

#include <offpeak/config/config.hpp>

#include <optional>
#include <string>

namespace offpeak::cli {

// Prices within [from, to). Static and CSV tariffs directly. Octopus Agile: with `fetch`, the
// published prices are fetched and cached in the configured database exactly as the daemon
// does; without it only the cache is read (no network); gaps are filled from the `fallback:`
// tariff when there is one. nullopt (with the reason printed on stderr) when nothing can be
// known.
std::optional<PriceCurve> prices_for(const config::Config& cfg, Instant now, Instant from, Instant to,
                                     bool fetch);

}  // namespace offpeak::cli
