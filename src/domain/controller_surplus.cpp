// The controller's side of solar charging: whether the surplus loop's wish is taken (the
// composition rule in ARCHITECTURE.md, the cost rule of spec solar.md "Modes").

#include <offpeak/domain/controller.hpp>

#include <algorithm>
#include <cstdio>

namespace offpeak {
namespace {

std::string price_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fp", p);
  return buf;
}

std::string pct_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", v);
  return buf;
}

}  // namespace

bool Controller::surplus_worth_taking(Instant now, std::string& why) const {
  if (!settings_.export_price) {
    why = "no grid meter: the surplus is unknown";
    return false;
  }
  if (mode_ == Mode::now || mode_ == Mode::off) {
    why = "mode " + std::string(to_string(mode_)) + " ignores the surplus";
    return false;
  }
  const auto est = soc_estimate(now);
  if (!est) {
    why = "state of charge unknown";
    return false;
  }
  const double soc = est->soc_percent;
  std::optional<double> tariff_export;
  if (export_prices_) tariff_export = export_prices_->price_at(now);
  const double export_p = tariff_export.value_or(*settings_.export_price);
  const Deadline d = deadline(now);
  // Mode solar charges from the surplus up to solar_max_soc; smart up to the target by the
  // cost rule below, and above it up to solar_max_soc.
  const double limit = mode_ == Mode::solar ? settings_.solar_max_soc
                                            : std::max(d.target_soc, settings_.solar_max_soc);
  if (soc >= std::min(limit, 100.0)) {
    why = "surplus not taken: " + pct_text(soc) + " reached the solar limit " + pct_text(limit);
    return false;
  }
  if (mode_ == Mode::solar) {
    why = "mode solar: charging from the surplus";
    return true;
  }
  // Mode smart: the surplus is worth what exporting it earns; it is taken when that is less
  // than the grid energy it displaces.
  std::optional<double> displaced;
  std::string what;
  if (soc < d.target_soc && plan_) {
    for (const auto& slot : plan_->slots) {
      if (slot.end <= now || slot.energy_kwh <= 0 || !slot.price_p_per_kwh) continue;
      if (!displaced || *slot.price_p_per_kwh > *displaced) displaced = slot.price_p_per_kwh;
    }
    what = "the dearest the plan would pay";
  }
  if (!displaced) {
    // Above the target (or nothing planned): the cheapest import of the next 24 h.
    const PriceCurve day = prices_.slice(now, now + Seconds{24 * 3600});
    for (const auto& slot : day.slots()) {
      if (!displaced || slot.price_p_per_kwh < *displaced) displaced = slot.price_p_per_kwh;
    }
    what = "the cheapest import of the next 24 h";
  }
  if (!displaced) {
    why = "surplus not taken: no import price known to compare the export price with";
    return false;
  }
  if (export_p < *displaced) {
    why = "charging from the surplus: exporting earns " + price_text(export_p) +
          "/kWh, less than " + what + " (" + price_text(*displaced) + ")";
    return true;
  }
  why = "exporting the surplus: it earns " + price_text(export_p) + "/kWh, not less than " + what +
        " (" + price_text(*displaced) + ")";
  return false;
}

bool Controller::takes_surplus(Instant now, std::string& why) const {
  if (!last_obs_ || last_obs_->plugged_in == false) return false;
  std::string because;
  if (!surplus_worth_taking(now, because)) {
    // Say why the surplus is left where nothing else explains the idle charger.
    if (settings_.export_price && mode_ != Mode::now && mode_ != Mode::off) why += "; " + because;
    return false;
  }
  if (switch_on_ != true && stale(now)) {
    why = "car observations are stale (last " + format_rfc3339(last_obs_->observed_at) +
          "); not starting on old data";
    return false;
  }
  why = because;
  return true;
}

}  // namespace offpeak
