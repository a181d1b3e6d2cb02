// The sun in the plan: the expected surplus per half-hour (forecast PV x learned scale -
// expected household load, domain/household.hpp) and what exporting it would earn, handed to
// the controller, which plans with them in mode smart (planner rule 10).

#include "service.hpp"

#include <offpeak/solar/home_model.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>

namespace offpeak::daemon {

using namespace std::chrono;

namespace {

constexpr Seconds k_slot{1800};
constexpr hours k_ahead{48};

}  // namespace

void Service::sun_update() {
  const Instant now = clock_.now();
  const Instant from = now - now.time_since_epoch() % k_slot;
  std::optional<PriceCurve> exports;
  if (cfg_.export_tariff) exports = export_prices(from, from + k_ahead);
  auto sun = solar::sun_for_plan(cfg_, pv_forecast_, home_load_, home_scale_, std::move(exports),
                                 lp().switch_ && lp().switch_->modulating(), from, from + k_ahead);
  if (lp().controller_.sun() == sun) return;
  if (sun) {
    double kwh = 0.0;
    for (const auto& s : sun->surplus_kw.slots())
      kwh += s.price_p_per_kwh * duration<double>(s.end - s.start).count() / 3600.0;
    char total[32];
    std::snprintf(total, sizeof total, "%.1f", kwh);
    spdlog::info(
        "solar forecast: {} kWh of surplus expected in the next {} h ({} half-hours with "
        "a load expectation), counting on {:.0f} %",
        total, k_ahead.count(), sun->surplus_kw.slots().size(), sun->confidence * 100);
  }
  lp().controller_.set_sun(std::move(sun));
  lp().kick_controller();
}

}  // namespace offpeak::daemon
