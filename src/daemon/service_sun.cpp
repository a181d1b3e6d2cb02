// The sun in the plan: the expected surplus per half-hour (forecast PV x learned scale -
// expected household load, domain/household.hpp) and what exporting it would earn, handed to
// the controller, which plans with them in mode smart (planner rule 9).

#include "service.hpp"

#include <offpeak/domain/household.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>

namespace offpeak::daemon {

using namespace std::chrono;

namespace {

constexpr Seconds k_slot{1800};
constexpr hours k_ahead{48};

}  // namespace

void Service::sun_update() {
  if (!cfg_.solar_forecast || pv_forecast_.empty()) {
    if (controller_.sun()) {
      controller_.set_sun(std::nullopt);
      kick_controller();
    }
    return;
  }
  const Instant now = clock_.now();
  const Instant from = now - now.time_since_epoch() % k_slot;
  const auto slots =
      expected_surplus(pv_forecast_, home_scale_, home_load_, cfg_.zone, from, from + k_ahead);
  std::vector<PriceSlot> kw;
  double kwh = 0.0;
  for (const auto& s : slots) {
    kw.push_back({s.start, s.end, s.surplus_w / 1000.0});
    kwh += s.surplus_w / 1000.0 * duration<double>(s.end - s.start).count() / 3600.0;
  }
  SunPlanInputs sun;
  sun.surplus_kw = PriceCurve(std::move(kw));
  sun.export_flat_p_per_kwh = cfg_.site.export_price;
  if (cfg_.export_tariff) sun.export_p_per_kwh = export_prices(from, from + k_ahead);
  sun.confidence = cfg_.solar_forecast->confidence;
  if (switch_ && switch_->modulating()) {
    const config::CurrentControl& cc = cfg_.current;
    sun.min_power_kw = cc.min_current_a * cc.voltage / 1000.0;  // one phase at the minimum
  }
  if (controller_.sun() == sun) return;
  char total[32];
  std::snprintf(total, sizeof total, "%.1f", kwh);
  spdlog::info(
      "solar forecast: {} kWh of surplus expected in the next {} h ({} half-hours with "
      "a load expectation), counting on {:.0f} %",
      total, k_ahead.count(), slots.size(), sun.confidence * 100);
  controller_.set_sun(std::move(sun));
  kick_controller();
}

}  // namespace offpeak::daemon
