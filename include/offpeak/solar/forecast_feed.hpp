#pragma once
// The solar forecast over the network with the database as its cache: every roof face's (or
// rooftop site's) forecast fetched and summed, the result and the refresh schedule's state
// kept in the settings table, so a restart neither loses the forecast nor spends quota again
// (docs/solar-forecast.md). The daemon runs `refresh_pv_if_due` off its event loop.

#include <offpeak/config/solar_forecast_config.hpp>
#include <offpeak/domain/pv_forecast.hpp>
#include <offpeak/domain/pv_refresh.hpp>
#include <offpeak/store/store.hpp>

#include <optional>
#include <string>

namespace offpeak::solar {

struct PvFetch {
  PvForecast forecast;               // the arrays summed; empty on error
  int requests = 0;                  // calls sent
  std::optional<std::string> error;  // the first failure: nothing of this fetch is used
};

// Fetches every array (site) with a 30 s deadline each and sums them. Blocking.
PvFetch fetch_pv_forecast(const config::SolarForecastConfig& cfg, const Zone& site_zone);

// The source's refresh policy and the calls one refresh sends.
PvRefreshPolicy pv_refresh_policy(const config::SolarForecastConfig& cfg);
int pv_calls_per_refresh(const config::SolarForecastConfig& cfg);

// What identifies a configuration's forecast in the cache (source, position, faces or sites,
// base URL; never the key): a changed config starts afresh.
std::string pv_cache_key(const config::SolarForecastConfig& cfg);

// The cache: the last good forecast and the refresh state, per cache key.
std::optional<PvForecast> cached_pv_forecast(const store::Store& store, const std::string& key);
PvRefreshState cached_pv_refresh_state(const store::Store& store, const std::string& key);

struct PvStep {
  PvForecast forecast;   // the newest good forecast: fetched now, else cached
  bool fetched = false;  // a refresh ran now
  int requests = 0;
  std::optional<std::string> error;  // the refresh failed (the cached forecast is kept)
  Instant next;                      // when to call again
};

// At `now`: fetches when the schedule says so (recording the calls and the outcome in the
// store), else returns what is cached. Blocking when it fetches.
PvStep refresh_pv_if_due(const config::SolarForecastConfig& cfg, const Zone& site_zone,
                         store::Store& store, Instant now);

}  // namespace offpeak::solar
