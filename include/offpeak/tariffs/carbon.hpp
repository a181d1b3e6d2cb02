#pragma once
// Grid carbon intensity from the National Grid ESO Carbon Intensity API, the pure parts: URL
// building, parsing a forecast response into a curve of gCO2/kWh, and the refresh policy. No
// network code here: the daemon's fetch lives in carbon_feed.
//
// API (public, no key), half-hourly, 48 h ahead from `from` (ISO 8601, "2023-03-14T12:01Z"):
//   national  GET {base}/intensity/{from}/fw48h
//             {"data": [{"from", "to", "intensity": {"forecast", "actual", "index"}}]}
//   region    GET {base}/regional/intensity/{from}/fw48h/regionid/{id}      (id 1-17)
//   postcode  GET {base}/regional/intensity/{from}/fw48h/postcode/{outward}
//             {"data": {"regionid", "dnoregion", "shortname", ["postcode",]
//                       "data": [{"from", "to", "intensity": {"forecast", "index"},
//                                 "generationmix": [...]}]}}
//             (also accepted: that object inside a one-element array)
// Times are UTC, "2023-03-14T12:00Z". The value used is `actual` when the API has one, else
// `forecast`; a slot with neither (null or absent) stays unknown: never zero.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace offpeak::tariffs {

// Where the forecast comes from: a region id, an outward postcode, or neither (national).
struct CarbonArea {
  std::optional<int> region;
  std::optional<std::string> postcode;
  // "national", "region 13", "postcode SW1A": the cache key and the wording in logs.
  std::string key() const;
};

// "{base}/intensity/2023-03-14T12:00Z/fw48h" and the regional forms. `from` is written to the
// minute; a trailing '/' on base_url is ignored.
std::string carbon_url(std::string_view base_url, const CarbonArea& area, Instant from);

struct CarbonParse {
  // gCO2/kWh as a curve of values (PriceSlot::price_p_per_kwh holds g/kWh); unknown slots are
  // gaps. Set when the response was readable.
  std::optional<PriceCurve> curve;
  int unknown = 0;          // entries with neither forecast nor actual
  std::string region_name;  // "London" (regional responses), else empty
  std::string error;        // set when curve is nullopt: what was wrong, in plain words
};

// Parses one response. Never throws: malformed JSON, a missing `data`, wrong types, bad
// instants, `to` <= `from`, overlapping entries, non-finite, negative or absurd (> 5000)
// intensities give an error naming the problem and the index of the offending entry.
// Extra fields are ignored.
CarbonParse parse_carbon_response(std::string_view body);

// When to fetch next: never tried, now; after a failure, 1 min doubling per consecutive
// failure up to 30 min after the last attempt; otherwise 30 min after the last success (the
// API updates its forecast every half hour).
struct CarbonRefreshState {
  std::optional<Instant> last_attempt;
  std::optional<Instant> last_success;
  int consecutive_failures = 0;
};
Instant next_carbon_refresh(const CarbonRefreshState& state, Instant now);

}  // namespace offpeak::tariffs
