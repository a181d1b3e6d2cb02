#pragma once
// The home as the plan sees it, learned from the database: the household's expected load
// (from the grid and PV meters' history, the car's own charging taken out), the PV forecast's
// scale against the PV meter, and the cached forecast. `offpeak site --model` prints it;
// offpeakd turns it into the expected surplus the planner counts on.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/household.hpp>
#include <offpeak/domain/pv_forecast.hpp>
#include <offpeak/store/store.hpp>

#include <cstddef>

namespace offpeak::solar {

// How far back the history goes: eight weeks of each weekday.
inline constexpr int k_home_history_days = 56;

struct HomeModel {
  LoadProfile load;
  PvScale scale;
  PvForecast forecast;       // the cached forecast (empty without solar_forecast: or a fetch yet)
  std::size_t rows = 0;      // meter rows learned from
  std::size_t car_rows = 0;  // of them, while the car charged (its power taken out)
};

// The meter rows of the last k_home_history_days before `now`; while the car's latest sample
// says it is charging, its power (vehicle.max_charge_kw) is taken out of the load. Blocking
// (database reads).
HomeModel learn_home(const config::Config& cfg, const store::Store& db, Instant now);

}  // namespace offpeak::solar
