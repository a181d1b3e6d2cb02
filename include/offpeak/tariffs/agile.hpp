#pragma once
// Octopus Agile, the pure parts: URL building, parsing one page of the public API, following
// every `next` page through an injected fetch function, merging rates into a PriceCurve, and
// the refresh and planning policies. No network code here: the daemon plugs its HTTP client
// in as a `FetchFunction`.
//
// API: GET {base_url}/v1/products/{product}/electricity-tariffs/E-1R-{product}-{region}/
//      standard-unit-rates/?period_from=...&period_to=...
// Page: {"count", "next", "previous", "results": [{"value_exc_vat", "value_inc_vat",
//        "valid_from", "valid_to", "payment_method"}]}; results newest first; valid_to may be
//        null; offpeak uses value_inc_vat (p/kWh including VAT).

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::tariffs {

// One unit rate as published.
struct AgileRate {
  Instant valid_from;
  std::optional<Instant> valid_to;  // nullopt: open-ended (null in the API)
  double value_inc_vat = 0.0;       // p/kWh including VAT; may be negative
  std::optional<std::string> payment_method;
  friend bool operator==(const AgileRate&, const AgileRate&) = default;
};

struct AgilePage {
  std::optional<std::int64_t> count;
  std::optional<std::string> next;  // URL of the next page; nullopt on the last page
  std::vector<AgileRate> results;   // as in the page (newest first)
};

// A page, or why it could not be read.
struct PageResult {
  std::optional<AgilePage> page;
  std::string error;  // set when page is nullopt: what was wrong, in plain words
};

// "https://api.octopus.energy/v1/products/AGILE-24-10-01/electricity-tariffs/
// E-1R-AGILE-24-10-01-C/standard-unit-rates/?period_from=2024-05-07T00:00:00Z&period_to=..."
// A trailing '/' on base_url is ignored. Product and region are used as given (the config
// loader validates them).
std::string rates_url(std::string_view base_url, std::string_view product, char region,
                      Instant period_from, Instant period_to);

// Parses one page. Never throws: malformed JSON, wrong types, missing fields, non-finite
// numbers, bad instants or valid_to <= valid_from give an error naming the problem (and the
// index of the offending result). Extra fields are ignored.
PageResult parse_rates_page(std::string_view body);

// What the injected fetch returns: the body of a 200 response, or an error (network failure,
// timeout, non-200 status) in plain words.
struct FetchResult {
  std::optional<std::string> body;
  std::string error;  // set when body is nullopt
};
using FetchFunction = std::function<FetchResult(const std::string& url)>;

// Every rate found by following the pages.
struct FetchRatesResult {
  std::vector<AgileRate> rates;      // every rate of every page read, in page order
  int pages = 0;                     // pages read successfully
  std::optional<std::string> error;  // set when paging stopped early: rates are then partial
};

// Fetches `first_url` and follows every `next` link until a page has none. Stops with an
// error (keeping what was read) on a fetch failure, an unreadable page, a `next` link seen
// before (a loop) or more than `max_pages` pages. Never returns invented prices.
FetchRatesResult fetch_all_rates(const FetchFunction& fetch, const std::string& first_url,
                                 int max_pages = 200);

// Rates as a PriceCurve. Rates with a null valid_to end at the next rate's valid_from, or at
// `open_end_limit` when they are the latest (dropped without a limit: an unknown end is not a
// price). Where rates overlap, those with payment_method null or DIRECT_DEBIT are preferred
// over others, then the later valid_from wins (the earlier rate is cut short). Time not
// covered stays unknown.
PriceCurve rates_to_curve(std::vector<AgileRate> rates,
                          std::optional<Instant> open_end_limit = std::nullopt);

// `base` with `update` laid over it: where `update` has a price it wins, elsewhere `base`
// stays; gaps in both stay unknown. Used to merge freshly fetched prices into the cache.
PriceCurve merge_prices(const PriceCurve& base, const PriceCurve& update);

// --- Refresh policy ------------------------------------------------------------------------

struct RefreshState {
  std::optional<Instant> last_attempt;  // the last fetch attempt (success or failure)
  std::optional<Instant> last_success;
  int consecutive_failures = 0;  // since the last success
};

// When to fetch next, given what is known. Rules:
//  - never tried: now (refresh at start);
//  - after a failure: last_attempt + backoff, backoff = 1 min doubling per consecutive
//    failure, at most 30 min;
//  - otherwise hourly (last_success + 1 h); and from 16:00 local on day D, while the known
//    prices end before 23:00 local on day D+1 (the next day's prices are not all there), every
//    15 minutes (last_success + 15 min, but not before 16:00).
// `zone` is the publication zone (Europe/London). The result is never before last_attempt.
Instant next_refresh(Instant now, const RefreshState& state, const PriceCurve& known,
                     const Zone& zone);

// --- Ready-by beyond the known prices ------------------------------------------------------

struct PlanningPrices {
  PriceCurve curve;        // what to give the planner for [now, ready_by)
  bool complete = true;    // every price in [now, ready_by) is published
  bool estimated = false;  // some of `curve` is not published (fallback or placeholder)
  std::string note;        // plain words for logs and status, empty when complete
};

// The prices to plan on when ready_by may lie beyond the known prices. Policy:
//  1. All of [now, ready_by) known: the known prices.
//  2. Otherwise, when the known time before ready_by can deliver `energy_needed_kwh` at
//     `max_charge_kw`: only the known prices (plan within them; the controller re-plans when
//     the next publication adds prices).
//  3. Otherwise (waiting for prices could come too late to reach the target): the gaps are
//     filled from `fallback` when given (the `fallback:` tariff), else with the highest known
//     price in [now, ready_by) (or 0 with nothing known) so that unknown time is used only as a
//     last resort but is used: the plan never waits for prices that may come too late.
PlanningPrices planning_prices(const PriceCurve& known, const PriceCurve* fallback, Instant now,
                               Instant ready_by, double energy_needed_kwh, double max_charge_kw);

}  // namespace offpeak::tariffs
