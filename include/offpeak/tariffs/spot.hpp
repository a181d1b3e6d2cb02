#pragma once
// Day-ahead (spot) price sources, the pure parts: one file per source (spot_tibber.cpp,
// spot_entsoe.cpp, spot_nordpool.cpp, spot_awattar.cpp) with the requests it sends and the
// parser of what comes back, and an explicit registry (spot_sources.cpp) that names them by
// their `type:`. No network code: the feed (spot_feed.hpp) sends the requests.
//
// Units: parsers return prices in the currency's minor unit per kWh (EUR/MWh / 10 = ct/kWh).
// Spot prices are wholesale (before the `price:` formula); Tibber's are final.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offpeak::tariffs {

// What a source needs to build its requests and read the answers. Filled from the tariff
// configuration; `token` is the secret itself (sent, never logged).
struct SpotQuery {
  std::string base_url;          // without a trailing '/'
  std::string area;              // entsoe: EIC code; nordpool: delivery area; awattar: de|at;
                                 // tibber: home id (empty: the account's only home)
  std::string currency = "EUR";  // ISO 4217 code the prices must be in
  Seconds resolution{15 * 60};   // tibber: what to ask for (15 min or 1 h)
  std::string token;
};

// One HTTP request of a refresh.
struct SpotRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The URL as it may be logged: secrets in the query replaced by "***".
  std::string loggable_url;
};

// A parsed answer.
struct SpotParse {
  std::vector<PriceSlot> slots;  // sorted, non-overlapping; minor units per kWh
  std::string currency;          // as the document states it ("EUR"); empty when it does not
  bool not_published = false;    // a valid answer without prices yet (not an error)
  std::string note;              // with not_published: the source's words
  std::string error;             // set when the answer could not be read (slots then empty)
  bool ok() const { return error.empty(); }
};

// A registered source.
struct SpotSource {
  std::string_view type;   // the `type:` of the tariff
  std::string_view label;  // for people: "ENTSO-E"
  bool final_prices;       // true: prices already include fees and VAT (no `price:` formula)
  // The requests that fetch the prices for [from, to) (at least one).
  std::vector<SpotRequest> (*requests)(const SpotQuery& query, Instant from, Instant to);
  // Reads one answer body. Never throws; never invents prices.
  SpotParse (*parse)(std::string_view body, const SpotQuery& query);
};

// Every registered source, in registration order.
std::span<const SpotSource* const> spot_sources();
// The source of a `type:`, or nullptr.
const SpotSource* find_spot_source(std::string_view type);

// --- The sources (each defined in its own file) -------------------------------------------

extern const SpotSource k_tibber_source;
extern const SpotSource k_entsoe_source;
extern const SpotSource k_nordpool_source;
extern const SpotSource k_awattar_source;

SpotParse parse_tibber(std::string_view body, const SpotQuery& query);
SpotParse parse_entsoe(std::string_view body, const SpotQuery& query);
SpotParse parse_nordpool(std::string_view body, const SpotQuery& query);
SpotParse parse_awattar(std::string_view body, const SpotQuery& query);

// --- Shared helpers -------------------------------------------------------------------------

// Slots sorted by start; where two overlap the earlier one in `slots` order wins (the later is
// cut or dropped). Never throws.
std::vector<PriceSlot> normalise_slots(std::vector<PriceSlot> slots);

// "2025-10-30T23:00Z" (minutes, as ENTSO-E writes it) or any RFC 3339 instant.
std::optional<Instant> parse_spot_time(std::string_view text);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view text);

// --- Refresh policy -----------------------------------------------------------------------

struct SpotRefreshState {
  std::optional<Instant> last_attempt;
  std::optional<Instant> last_success;
  int consecutive_failures = 0;
};

// When to fetch next. Day-ahead prices for day D+1 are published at about 13:00 CET on day D.
//  - never tried: now;
//  - after a failure: last_attempt + 2 min doubling per consecutive failure, at most 1 h;
//  - known prices reach the end of tomorrow (local): tomorrow at `publication` (one request a
//    day);
//  - from `publication` today while tomorrow is incomplete: every 15 min after the last
//    success (hourly from three hours after `publication`), not before `publication`;
//  - before `publication` with today complete: today at `publication`;
//  - otherwise (today incomplete): hourly after the last success.
// `zone` is the market's time zone (Europe/Berlin for CET). Never before last_attempt.
Instant spot_next_refresh(Instant now, const SpotRefreshState& state, const PriceCurve& known,
                          const Zone& zone, TimeOfDay publication = TimeOfDay{13 * 60});

}  // namespace offpeak::tariffs
