// The daemon's solar forecast (`solar_forecast:`): refreshed on its quota's schedule off the
// event loop (network and database on the worker), the last good forecast kept on failure
// and across restarts (docs/solar-forecast.md).

#include "service.hpp"

#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/solar/home_model.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <cstdio>

namespace offpeak::daemon {

namespace asio = boost::asio;
using namespace std::chrono;

namespace {

std::string kwh(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f kWh", v);
  return buf;
}

}  // namespace

void Service::forecast_configured() {
  export_configured();  // the export prices the plan weighs the sun against
  if (!cfg_.solar_forecast) {
    pv_forecast_ = PvForecast{};
    sun_update();
    forecast_timer_.cancel();  // the loop sees it and ends
    return;
  }
  if (!solar_running_) {
    solar_running_ = true;
    asio::co_spawn(io_, forecast_loop(), asio::detached);
  } else {
    forecast_timer_.cancel();  // a reload: the schedule of the new configuration at once
  }
}

asio::awaitable<void> Service::forecast_loop() {
  bool first = true;
  while (!stopping_ && cfg_.solar_forecast) {
    solar_fetch_cfg_ = *cfg_.solar_forecast;
    solar_zone_ = cfg_.zone;
    const Instant now = clock_.now();
    solar::PvStep step;
    try {
      step = co_await offload<solar::PvStep>(db_pool_, [this, now] {
        return solar::refresh_pv_if_due(solar_fetch_cfg_, solar_zone_, store_, now);
      });
    } catch (const std::exception& e) {
      spdlog::warn("solar forecast: {}", e.what());
      step.next = now + minutes{5};
    }
    if (stopping_) co_return;
    if (!cfg_.solar_forecast) break;  // removed by a reload during the fetch
    const std::string source(config::solar_forecast_type_name(solar_fetch_cfg_.type));
    if (step.fetched && step.error) {
      spdlog::warn("solar forecast ({}): refresh failed ({}); keeping {}; next try {}", source,
                   *step.error, step.forecast.empty() ? "nothing" : "the last forecast",
                   cfg_.zone.format(step.next));
    } else if (step.fetched) {
      const LocalDate today = cfg_.zone.local_date(now);
      const Instant midnight = cfg_.zone.start_of_day(LocalDate{sys_days{today} + days{1}});
      const Instant next_midnight = cfg_.zone.start_of_day(LocalDate{sys_days{today} + days{2}});
      spdlog::info(
          "solar forecast ({}): {} ahead in {} request(s); {} today from now, {} "
          "tomorrow; next refresh {}",
          source, kwh(step.forecast.energy_kwh(now, now + days{4})), step.requests,
          kwh(step.forecast.energy_kwh(now, midnight)),
          kwh(step.forecast.energy_kwh(midnight, next_midnight)), cfg_.zone.format(step.next));
    } else if (first) {
      spdlog::info("solar forecast ({}): {} ahead from the cache; next refresh {}", source,
                   kwh(step.forecast.energy_kwh(now, now + days{4})), cfg_.zone.format(step.next));
    }
    first = false;
    pv_forecast_ = std::move(step.forecast);
    // The home's load and the forecast's scale, learned afresh from the meters' history.
    home_cfg_ = cfg_;
    try {
      const solar::HomeModel home = co_await offload<solar::HomeModel>(
          db_pool_, [this, now] { return solar::learn_home(home_cfg_, store_, now); });
      home_load_ = home.load;
      home_scale_ = home.scale;
    } catch (const std::exception& e) {
      spdlog::warn("solar forecast: learning the household's load failed: {}", e.what());
    }
    if (stopping_) co_return;
    sun_update();
    const bool woke = co_await sleep_until(forecast_timer_, clock_, step.next);
    (void)woke;  // cancelled: a reload or stop; the loop condition decides
  }
  solar_running_ = false;
}

}  // namespace offpeak::daemon
