// The controller's plan: the deadline it plans for, when a new plan is needed (deadline,
// plug, prices, drift, a confirmed shortfall) and the request it makes to the planner.

#include <offpeak/domain/controller.hpp>

#include "controller_detail.hpp"

#include <algorithm>
#include <cmath>

namespace offpeak {
using namespace controller_detail;

Deadline Controller::deadline(Instant now) const {
  Deadline d = next_deadline(now, settings_.policy, zone_);
  if (override_) {
    if (override_->ready_by && *override_->ready_by > now) d.ready_by = *override_->ready_by;
    if (override_->target_soc) d.target_soc = *override_->target_soc;
  }
  return d;
}

double Controller::projected_soc(Instant now) const {
  if (!plan_) return 0.0;
  double kwh = 0.0;
  for (const auto& s : plan_->slots) {
    if (s.start >= now) break;
    Instant end = std::min(s.end, now);
    auto total = (s.end - s.start).count();
    if (total > 0)
      kwh +=
          s.energy_kwh * static_cast<double>((end - s.start).count()) / static_cast<double>(total);
  }
  return soc_after(settings_.vehicle, plan_->soc, kwh);
}

std::optional<std::string> Controller::confirmed_shortfall(Instant now) const {
  if (!plan_ || !last_obs_ || !last_obs_->soc_percent || mode_ == Mode::off) return std::nullopt;
  const VehicleState& r = *last_obs_;
  // A reading newer than the plan, of a plugged-in car that is not charging while the charger
  // is off: what it says is what the car has (a reading that still shows CHARGING after a stop
  // lags behind the car and confirms nothing).
  if (r.observed_at <= plan_->now || r.plugged_in != true ||
      r.charging_state == ChargingState::charging || switch_on_ != false || pending_ ||
      now >= plan_->ready_by)
    return std::nullopt;
  // ... and one taken long enough after the last switch change to show the car after it.
  if (last_sent_ && r.observed_at < last_sent_at_ + settings_.cloud_lag) return std::nullopt;
  // What the plan still has in store after the reading.
  double kwh_left = 0.0;
  for (const auto& slot : plan_->slots) {
    if (slot.end <= r.observed_at) continue;
    const Instant from = std::max(slot.start, r.observed_at);
    const auto total = (slot.end - slot.start).count();
    if (total > 0)
      kwh_left += slot.energy_kwh * static_cast<double>((slot.end - from).count()) /
                  static_cast<double>(total);
  }
  const double target = plan_->target_soc;
  // The estimator's value at the reading: the reading, or the estimate where the whole-percent
  // reading agrees with it (a car at 89.7 % reads 89).
  const auto at_reading = estimator_.estimate(r.observed_at);
  const double soc = at_reading ? at_reading->soc_percent : *r.soc_percent;
  // The charger is off: the same check as the one that would start it (want_on).
  if (target_reached(soc_after(settings_.vehicle, soc, kwh_left), target, false,
                     shortfall_tolerance()))
    return std::nullopt;
  return "short of the target after the planned charging (" + pct(*r.soc_percent) + " read at " +
         zone_.format_hhmm(r.observed_at) + ", target " + pct(target) + "): topping up";
}

std::optional<std::string> Controller::needs_replan(Instant now, const Deadline& d) const {
  const bool energy = d.target_kwh.has_value();
  if (energy && !last_obs_) return std::nullopt;  // nothing known of the car yet
  if (!energy && (!last_obs_ || !last_obs_->soc_percent)) {
    if (plan_) return std::string("state of charge unknown");  // drop a plan we cannot keep
    return std::nullopt;
  }
  if (!plan_) return std::string("first plan");
  if (dirty_) return std::string("settings or mode changed");
  if (plan_->ready_by != d.ready_by || plan_->target_soc != d.target_soc ||
      plan_->target_kwh.has_value() != energy ||
      (energy && mode_ != Mode::solar && *plan_->target_kwh != *d.target_kwh)) {
    return std::string("new deadline");
  }
  if (plan_plugged_ != last_obs_->plugged_in) {
    return std::string(last_obs_->plugged_in == true ? "plugged in" : "plug state changed");
  }
  if (energy) {
    if (auto s = energy_shortfall(now)) return s;
  } else {
    if (auto s = confirmed_shortfall(now)) return s;
    // Compare the observation with what the plan projected for the moment it was observed.
    Instant seen = std::max(last_obs_->observed_at, plan_->now);
    if (std::abs(*last_obs_->soc_percent - projected_soc(seen)) > settings_.replan_soc_drift) {
      return std::string("state of charge differs from the plan");
    }
  }
  // Prices the plan relied on have changed (new publication, outage filled, ...).
  // Only the part still ahead matters: the curve is refreshed as time moves on.
  Instant from = std::max(now, plan_->now);
  if (!(prices_.slice(from, plan_->ready_by) == plan_prices_.slice(from, plan_->ready_by))) {
    return std::string("prices changed");
  }
  auto ahead = [&](const std::optional<PriceCurve>& c) -> std::optional<PriceCurve> {
    if (!c) return std::nullopt;
    return c->slice(from, plan_->ready_by);
  };
  if (ahead(carbon_) != ahead(plan_carbon_)) return std::string("carbon intensity changed");
  if (ahead(forecast_) != ahead(plan_forecast_)) return std::string("price forecast changed");
  if (sun_.has_value() != plan_sun_.has_value() ||
      (sun_ && (ahead(sun_->surplus_kw) != ahead(plan_sun_->surplus_kw) ||
                ahead(sun_->export_p_per_kwh) != ahead(plan_sun_->export_p_per_kwh) ||
                sun_->export_flat_p_per_kwh != plan_sun_->export_flat_p_per_kwh ||
                sun_->confidence != plan_sun_->confidence ||
                sun_->min_power_kw != plan_sun_->min_power_kw))) {
    return std::string("solar forecast changed");
  }
  return std::nullopt;
}

void Controller::replan(Instant now, const Deadline& d) {
  dirty_ = false;
  const bool energy = d.target_kwh.has_value();
  if (!last_obs_ || (!energy && !last_obs_->soc_percent)) {
    plan_.reset();
    return;
  }
  PlanRequest req;
  req.now = now;
  req.soc = last_obs_->soc_percent.value_or(0.0);
  req.soc_known = last_obs_->soc_percent.has_value();
  if (energy) {
    // Mode solar: the grid pays for min_soc only, and an energy target has none.
    req.target_kwh = mode_ == Mode::solar ? 0.0 : *d.target_kwh;
    req.delivered_kwh = energy_.delivered_kwh(now);
  }
  req.target_soc = d.target_soc;
  req.ready_by = d.ready_by;
  req.vehicle = settings_.vehicle;
  req.strategy = settings_.policy.strategy;
  req.min_soc = settings_.policy.min_soc;
  // Mode solar: the grid pays for min_soc only; the rest comes from the surplus.
  if (mode_ == Mode::solar) req.target_soc = std::min(d.target_soc, req.min_soc.value_or(0.0));
  req.charge_below_p_per_kwh = settings_.policy.charge_below_p_per_kwh;
  req.power_note = settings_.power_note;
  req.money = settings_.money;
  plan_prices_ = prices_.slice(now, d.ready_by);
  plan_carbon_ = carbon_;
  plan_forecast_ = forecast_;
  plan_sun_ = sun_;
  if (carbon_) req.carbon_g_per_kwh = carbon_->slice(now, std::max(now, d.ready_by));
  req.carbon_weight_p_per_kg = settings_.policy.carbon_weight_p_per_kg;
  if (mode_ == Mode::now) {  // what will happen: at once to the target, past ready_by if need be
    req.at_once = true;
    req.charge_until = mode_until_;
    plan_ = make_plan(req, prices_, zone_);
  } else {
    if (forecast_) req.forecast_prices = forecast_->slice(now, std::max(now, d.ready_by));
    if (mode_ == Mode::smart) add_sun(req, now, d);
    plan_ = make_plan(req, plan_prices_, zone_);
  }
  if (mode_ == Mode::off) {  // nothing will be charged: no slots, and the reason says so
    plan_->slots.clear();
    plan_->runs.clear();
    plan_->total_energy_kwh = plan_->total_cost_p = 0;
    plan_->expected_soc = req.soc;
    plan_->shortfall_kwh = plan_->energy_needed_kwh;
    plan_->feasible = plan_->energy_needed_kwh <= 1e-6;  // the target is not reached
    plan_->charge_now_cost_p.reset();
    plan_->total_co2_kg.reset();
    plan_->charge_now_co2_kg.reset();
    plan_->unknown_carbon_kwh = plan_->forecast_kwh = 0;
    plan_->total_solar_kwh = plan_->total_grid_kwh = plan_->export_forgone_p = 0;
    plan_->explanation = k_off_reason;
  }
  plan_plugged_ = last_obs_->plugged_in;
}

std::optional<Instant> Controller::shortfall_check_at(Instant now) const {
  if (!plan_ || plan_->target_kwh || plan_->runs.empty() || mode_ == Mode::off ||
      switch_on_ != false || pending_ || last_sent_ != Action::stop || now >= plan_->ready_by)
    return std::nullopt;
  for (const auto& run : plan_->runs)
    if (run.start > now) return std::nullopt;  // more charging ahead: its readings tell
  if (last_sent_at_ < plan_->runs.back().start) return std::nullopt;  // not the stop of a run
  const Instant at = last_sent_at_ + settings_.cloud_lag;
  if (at >= plan_->ready_by) return std::nullopt;
  if (last_obs_ && last_obs_->observed_at >= at) return std::nullopt;
  return at;
}

std::optional<std::pair<Action, Instant>> Controller::next_action(Instant now) const {
  if (!plan_ || mode_ == Mode::off) return std::nullopt;
  for (const auto& run : plan_->runs) {
    if (run.start <= now && now < run.end) return std::pair{Action::stop, run.end};
    if (run.start > now) return std::pair{Action::start, run.start};
  }
  return std::nullopt;
}

std::optional<SocEstimate> Controller::soc_estimate(Instant now) const {
  if (settings_.estimate_between_readings) return estimator_.estimate(now);
  if (!last_obs_ || !last_obs_->soc_percent) return std::nullopt;
  return SocEstimate{*last_obs_->soc_percent, false, last_obs_->observed_at, false};
}

}  // namespace offpeak
