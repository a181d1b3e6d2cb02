// The controller's side of energy targets (`target_kwh`): the count of delivered energy
// (EnergyCounter), when it starts again, the wish to charge towards it, topping up a count
// short of it after the plan's runs, and the passed ready-by.

#include <offpeak/domain/controller.hpp>

#include "controller_detail.hpp"

#include <cstdio>

namespace offpeak {
using namespace controller_detail;

std::optional<EnergyProgress> Controller::energy_progress(Instant now) const {
  const Deadline d = deadline(now);
  std::optional<double> target = d.target_kwh;
  if (overdue_ && overdue_->target_kwh) target = overdue_->target_kwh;
  if (!target) return std::nullopt;
  return EnergyProgress{energy_.delivered_kwh(now), *target, energy_.metered(), energy_.since()};
}

void Controller::plug_seen(Instant at, bool plugged) {
  energy_.plugged(at, plugged);
}

void Controller::count_for(Instant now, const Deadline& d) {
  // Charging on after the ready-by (after_ready_by: continue) ends at the target.
  if (overdue_ && overdue_->target_kwh &&
      energy_.delivered_kwh(now) >= *overdue_->target_kwh - k_shortfall_kwh) {
    if (switch_on_ == true)
      ready_by_note_ = "energy target " + kwh_text(*overdue_->target_kwh) +
                       " delivered after the ready-by (after_ready_by: continue)";
    overdue_.reset();
  }
  // The ready-by the count was for has passed and nothing goes on to it: the next deadline
  // counts from 0 (and its plan is made on that).
  if (counted_for_ && now >= *counted_for_ && !(overdue_ && overdue_->target_kwh)) {
    energy_.restart(now);
    // A plan for this deadline made on the old count (while charging on after the previous
    // ready-by) is remade; otherwise the new deadline remakes it anyway.
    if (plan_ && plan_->target_kwh && plan_->ready_by == d.ready_by) dirty_ = true;
  }
  if (!(overdue_ && overdue_->target_kwh)) counted_for_ = d.ready_by;
}

void Controller::energy_at_ready_by(Instant now) {
  const double target = *plan_->target_kwh;
  const double got = energy_.delivered_kwh(now);
  const EnergyProgress p{got, target, energy_.metered(), energy_.since()};
  if (got < target - k_shortfall_kwh) {
    if (settings_.policy.continue_after_ready_by) {
      overdue_ = Deadline{plan_->ready_by, plan_->target_soc, target};
    } else if (switch_on_ != false) {
      ready_by_note_ = "ready-by " + zone_.format(plan_->ready_by) + " passed with " +
                       format_progress(p) + " delivered; not charging on (after_ready_by: stop)";
    }
  } else if (switch_on_ != false) {
    ready_by_note_ = "energy target " + kwh_text(target) + " delivered by the ready-by";
  }
}

std::optional<std::string> Controller::energy_shortfall(Instant now) const {
  if (!plan_ || !plan_->target_kwh || plan_->runs.empty() || mode_ != Mode::smart ||
      switch_on_ == true || pending_ || !plan_->feasible || now >= plan_->ready_by ||
      plan_->runs.back().end > now || (last_obs_ && last_obs_->plugged_in == false))
    return std::nullopt;
  const double got = energy_.delivered_kwh(now);
  if (got >= *plan_->target_kwh - k_shortfall_kwh) return std::nullopt;
  return "short of the energy target after the planned charging (" +
         format_progress({got, *plan_->target_kwh, energy_.metered(), energy_.since()}) +
         "): topping up";
}

bool Controller::want_on_energy(Instant now, const Deadline& d, std::string& why) const {
  if (const auto est = soc_estimate(now); est && est->soc_percent >= 100.0) {
    why = "battery full";
    return false;
  }
  const double got = energy_.delivered_kwh(now);
  auto progress = [&](double target) {
    return format_progress({got, target, energy_.metered(), energy_.since()});
  };
  auto reached = [&](double target) {
    return "energy target " + kwh_text(target) + " delivered (" + progress(target) + ")";
  };
  const double target = *d.target_kwh;
  if (mode_ == Mode::now) {
    if (got >= target - k_shortfall_kwh) {
      why = reached(target) + " (mode now)";
      return false;
    }
    why = "mode now: charging at once to the energy target (" + progress(target) + ")";
    return true;
  }
  if (overdue_ && overdue_->target_kwh && settings_.policy.continue_after_ready_by &&
      got < *overdue_->target_kwh - k_shortfall_kwh) {
    why = "ready-by " + zone_.format(overdue_->ready_by) + " passed with " +
          progress(*overdue_->target_kwh) +
          " delivered; charging on to the target at any price (after_ready_by: continue)";
    return true;
  }
  const ChargeRun* run = plan_ ? run_at(*plan_, now) : nullptr;
  if (run == nullptr && !ready_by_note_.empty()) {
    why = ready_by_note_;
    return false;
  }
  if (run == nullptr) {
    if (const ChargeRun* next =
            switch_on_ == true && plan_ ? next_run_within(*plan_, now, k_bridge) : nullptr) {
      why = "bridging to the planned run " + zone_.format_hhmm(next->start) + "-" +
            zone_.format_hhmm(next->end) + " (it starts in under " +
            std::to_string(k_bridge.count() / 60) + " min)";
      return true;
    }
    why = idle_reason(now);
    return false;
  }
  if (got >= target - k_shortfall_kwh) {
    why = reached(target);
    return false;
  }
  why =
      "inside the planned run " + zone_.format_hhmm(run->start) + "-" + zone_.format_hhmm(run->end);
  if (const auto price = prices_.price_at(now)) why += " at " + settings_.money.short_rate(*price);
  why += " (" + progress(target) + ")";
  return true;
}

}  // namespace offpeak
