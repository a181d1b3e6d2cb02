// The controller's part of planning with the sun: the expected surplus and export prices
// handed to the planner in mode smart, and where the plan counts on the sun.

#include <offpeak/domain/controller.hpp>

#include <algorithm>

namespace offpeak {

void Controller::set_sun(std::optional<SunPlanInputs> sun) {
  sun_ = std::move(sun);  // needs_replan compares what is still ahead with the plan's
}

void Controller::add_sun(PlanRequest& req, Instant now, const Deadline& d) const {
  if (!sun_) return;
  const Instant to = std::max(now, d.ready_by);
  req.surplus_kw = sun_->surplus_kw.slice(now, to);
  if (sun_->export_p_per_kwh) req.export_p_per_kwh = sun_->export_p_per_kwh->slice(now, to);
  req.export_flat_p_per_kwh = sun_->export_flat_p_per_kwh;
  req.surplus_confidence = sun_->confidence;
  req.min_power_kw = sun_->min_power_kw;
}

bool Controller::planned_solar_at(Instant now) const {
  if (!plan_) return false;
  return std::any_of(plan_->slots.begin(), plan_->slots.end(), [&](const PlannedSlot& s) {
    return s.start <= now && now < s.end && s.solar_kwh > 0.0;
  });
}

}  // namespace offpeak
