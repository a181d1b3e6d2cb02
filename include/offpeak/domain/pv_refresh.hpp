#pragma once
// When to fetch a solar forecast again, within the source's quota (docs/solar-forecast.md): a pure
// function of the calls already made, the last success and the failures since.
//
// Quotas: forecast.solar's public tier allows 12 calls an hour per IP, Solcast's hobbyist
// tier 10 a day, Open-Meteo's free tier 10 000 a day. One refresh sends one call per roof face
// (forecast.solar, open-meteo) or per rooftop site (solcast).

#include <offpeak/domain/time.hpp>

#include <optional>
#include <vector>

namespace offpeak {

struct PvQuota {
  int calls = 12;  // at most this many calls in any window
  Seconds window{3600};
  int reserve = 0;  // calls the schedule leaves unused (restarts, the CLI)
};

struct PvRefreshPolicy {
  PvQuota quota;
  Seconds min_interval{3600};  // the source updates no faster than this
  Seconds first_retry{120};    // after a failure; doubling per failure, at most the interval
};

// The policies of the sources for a refresh of `calls_per_refresh` calls. The interval spreads
// the quota evenly: max(min_interval, window x calls_per_refresh / (calls - reserve)).
PvRefreshPolicy forecast_solar_policy();  // 12/h: hourly
PvRefreshPolicy open_meteo_policy();      // 10 000/day: hourly (its models' pace)
PvRefreshPolicy solcast_policy();         // 10/day, 2 kept in reserve: every 3 h per site
Seconds pv_refresh_interval(const PvRefreshPolicy& p, int calls_per_refresh);

struct PvRefreshState {
  std::vector<Instant> calls;  // when calls were sent (at least those within the window)
  std::optional<Instant> last_attempt;
  std::optional<Instant> last_success;
  int consecutive_failures = 0;
};

// The instant of the next refresh, never before `now`:
//  - never tried: now; after a success: last_success + the interval; after failures:
//    last_attempt + first_retry x 2^(failures - 1), at most the interval;
//  - then delayed until the calls within the window leave room for `calls_per_refresh` more
//    (counting every call sent, failed or not: a refused call counts against the quota too);
//  - a refresh that can never fit (more calls than the quota) is scheduled a window after
//    the last call, so it never runs more often than once a window.
Instant pv_next_refresh(Instant now, const PvRefreshState& state, const PvRefreshPolicy& policy,
                        int calls_per_refresh);

// Records a refresh of `calls` calls sent at `at` and its outcome; forgets calls older than
// `window`.
void pv_record_refresh(PvRefreshState& state, Instant at, int calls, bool ok, Seconds window);

}  // namespace offpeak
