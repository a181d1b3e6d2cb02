// The controller's inputs, its wish and the step; the plan in controller_plan.cpp, energy
// targets in controller_energy.cpp, the surplus in controller_surplus.cpp.

#include <offpeak/domain/controller.hpp>

#include "controller_detail.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace offpeak {
namespace {

constexpr Seconds k_retry_base{30};
constexpr Seconds k_startup_grace{5 * 60};

}  // namespace
using namespace controller_detail;

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "smart") return Mode::smart;
  if (text == "now") return Mode::now;
  if (text == "off") return Mode::off;
  if (text == "solar") return Mode::solar;
  return std::nullopt;
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::smart:
      return "smart";
    case Mode::now:
      return "now";
    case Mode::off:
      return "off";
    case Mode::solar:
      return "solar";
  }
  return "smart";
}

std::string_view to_string(Action a) {
  return a == Action::start ? "start" : "stop";
}

ControllerSettings polled_car_settings(VehicleSpec plan_with, std::string power_note,
                                       ChargingPolicy policy, Seconds poll_plugged,
                                       Seconds poll_charging, bool confirmable) {
  ControllerSettings s;
  s.vehicle = plan_with;
  s.power_note = std::move(power_note);
  s.policy = std::move(policy);
  s.stale_after = std::max(Seconds{2 * 3600}, 3 * std::max(poll_plugged, poll_charging));
  s.confirmable = confirmable;
  s.confirm_after = Seconds{20 * 60};
  return s;
}

Controller::Controller(ControllerSettings settings, Zone zone)
    : settings_(std::move(settings)),
      zone_(std::move(zone)),
      energy_(settings_.vehicle.max_charge_kw),
      estimator_(settings_.vehicle) {}

void Controller::observe(const VehicleState& state) {
  last_obs_ = state;
  estimator_.observe(state);
  if (state.plugged_in) plug_seen(state.observed_at, *state.plugged_in);
  bool charging = state.charging_state == ChargingState::charging;
  // A charging car proves the switch on (after start-up, or someone else switched it). A car
  // that is not charging proves nothing: it may be unplugged, full or at its own limit while
  // the charger stays on, so the switch state stays as believed (unknown after start-up:
  // the controller then sends a stop unless a run wants power).
  if (charging && !pending_ &&
      (!switch_on_ || (settings_.confirmable && !confirm_by_ && !retry_at_)))
    switch_on_ = true;
  if (state.plugged_in == false) overdue_.reset();
  confirmed_by(state.observed_at, charging, state.plugged_in);
}

void Controller::confirmed_by(Instant at, bool charging, std::optional<bool> plugged_in) {
  if (confirm_by_ && last_sent_ && at >= last_sent_at_) {
    bool agrees = (*last_sent_ == Action::start) == charging;
    // A car that cannot charge (unplugged, full) never agrees with a start; that is not a
    // switch failure, and the controller stops wanting it anyway.
    if (agrees || (*last_sent_ == Action::start && plugged_in == false)) {
      confirm_by_.reset();
      retries_ = 0;
      retry_at_.reset();
      failing_ = false;
      problem_.clear();
    }
  }
}

void Controller::charger_report(Instant at, std::optional<bool> plugged_in,
                                std::optional<bool> offering) {
  if (plugged_in) {
    VehicleState plug;  // no SoC: the estimator only takes the plug state
    plug.plugged_in = plugged_in;
    plug.observed_at = at;
    estimator_.observe(plug);
    plug_seen(at, *plugged_in);
    if (last_obs_) {
      last_obs_->plugged_in = plugged_in;
    } else {
      VehicleState none;  // no reading yet: stale, no SoC, but the plug is known
      none.plugged_in = plugged_in;
      last_obs_ = none;
    }
    if (*plugged_in == false) overdue_.reset();
  }
  charger_offering_ = offering;
  if (!offering) return;
  // With a car plugged in, the charger's word on offering current settles the believed state
  // when no command is on its way (a charger that boots held while a car reading said
  // CHARGING, or one that left Charging by itself). Unplugged it says nothing of its limit.
  if (plugged_in == true && !pending_ && !confirm_by_ && !retry_at_ && switch_on_ != *offering) {
    switch_on_ = *offering;
    switched(at, *offering);
  }
  confirmed_by(at, *offering, plugged_in);
}

void Controller::set_prices(PriceCurve prices) {
  prices_ = std::move(prices);
}

void Controller::set_carbon(std::optional<PriceCurve> carbon) {
  carbon_ = std::move(carbon);
}

void Controller::set_forecast(std::optional<PriceCurve> forecast) {
  forecast_ = std::move(forecast);
}

void Controller::set_settings(ControllerSettings settings) {
  settings_ = std::move(settings);
  estimator_.set_spec(settings_.vehicle);
  energy_.set_power(settings_.vehicle.max_charge_kw);
  dirty_ = true;
}

void Controller::set_mode(Mode mode, std::optional<Instant> until) {
  mode_ = mode;
  mode_until_ = mode == Mode::now ? until : std::nullopt;
  dirty_ = true;
}

void Controller::set_override(std::optional<DeadlineOverride> o) {
  override_ = std::move(o);
  override_deadline_.reset();
  dirty_ = true;
}

void Controller::command_result(Instant at, bool ok, const std::string& detail) {
  if (!pending_) return;
  Action action = *pending_;
  pending_.reset();
  last_sent_ = action;
  last_sent_at_ = at;
  if (ok) {
    switch_on_ = action == Action::start;
    switched(at, *switch_on_);
    retry_at_.reset();
    // A stop while the car is seen not charging has nothing to show: it is confirmed already
    // (and needs no poll).
    const bool nothing_to_show = action == Action::stop && last_obs_ &&
                                 last_obs_->charging_state != ChargingState::charging &&
                                 charger_offering_ != true;
    // A charger that reports offering current has shown a start already: its report can come
    // before the switch's answer (an OCPP charger starts while its profile is acknowledged),
    // and without a car reading nothing else would confirm it.
    const bool shown_already = action == Action::start && charger_offering_ == true;
    if (settings_.confirmable && !nothing_to_show && !shown_already) {
      confirm_by_ = at + settings_.confirm_after * (1 << std::min(retries_, 4));
    } else {
      retries_ = 0;
      failing_ = false;
      problem_.clear();
    }
    return;
  }
  ++retries_;
  problem_ = std::string(to_string(action)) + " failed: " + detail;
  if (retries_ > settings_.max_retries) {
    failing_ = true;
    retry_at_.reset();
    problem_ = std::string(to_string(action)) + " failed " + std::to_string(retries_) +
               " times, giving up until the next change: " + detail;
  } else {
    retry_at_ = at + k_retry_base * (1 << (retries_ - 1));
  }
}

bool Controller::stale(Instant now) const {
  return !last_obs_ || now - last_obs_->observed_at > settings_.stale_after;
}

std::string Controller::idle_reason(Instant now) const {
  if (plan_ && plan_->runs.empty() && plan_->forecast_kwh > 0) {
    return "waiting for the published prices (the plan's charging is at forecast prices)";
  }
  if (!plan_ || plan_->runs.empty()) return "no charging planned";
  const ChargeRun* ended = nullptr;
  for (const auto& run : plan_->runs) {
    if (run.end <= now) ended = &run;
    if (run.start > now) {
      return "waiting for the planned run " + zone_.format_hhmm(run.start) + "-" +
             zone_.format_hhmm(run.end);
    }
  }
  if (ended != nullptr) {
    return "the planned run " + zone_.format_hhmm(ended->start) + "-" +
           zone_.format_hhmm(ended->end) + " has ended";
  }
  return "no charging planned";
}

bool Controller::want_on(Instant now, std::string& why) const {
  if (!last_obs_) {
    why = "no observation of the car yet";
    return false;
  }
  if (last_obs_->plugged_in == false) {
    why = "car is unplugged";
    return false;
  }
  if (mode_ == Mode::off) {
    why = k_off_reason;
    return false;
  }
  if (const Deadline d = deadline(now); d.target_kwh) return want_on_energy(now, d, why);
  const auto est = soc_estimate(now);
  if (!est) {
    why = "state of charge unknown";
    return false;
  }
  const double soc = est->soc_percent;
  const bool on = switch_on_ == true;
  // "target 80% reached" or, between readings, "... (estimated 80%; a poll confirms)".
  auto reached = [&](double target) {
    std::string r = "target " + pct(target) + " reached";
    if (est->estimated) r += " (estimated " + pct(soc) + "; a poll confirms)";
    return r;
  };
  if (soc >= 100.0) {
    why = "battery full";
    return false;
  }
  Deadline d = deadline(now);
  bool want = false;
  if (mode_ == Mode::now) {
    if (target_reached(soc, d.target_soc, on, shortfall_tolerance())) {
      why = reached(d.target_soc) + " (mode now)";
    } else {
      why = "mode now: charging at once to " + pct(d.target_soc);
      want = true;
    }
  } else if (overdue_ && settings_.policy.continue_after_ready_by &&
             !target_reached(soc, overdue_->target_soc, on, shortfall_tolerance())) {
    why = "ready-by " + zone_.format(overdue_->ready_by) + " passed with the car at " + pct(soc) +
          ", below its target " + pct(overdue_->target_soc) +
          "; charging on to the target at any price (after_ready_by: continue)";
    want = true;
  } else {
    const ChargeRun* run = plan_ ? run_at(*plan_, now) : nullptr;
    if (run == nullptr && overdue_ && settings_.policy.continue_after_ready_by) {
      why = reached(overdue_->target_soc) + " after the ready-by (after_ready_by: continue)";
    } else if (run == nullptr && !ready_by_note_.empty()) {
      why = ready_by_note_;
    } else if (run == nullptr && extends_run(now, soc, d, why)) {
      want = true;
    } else if (const ChargeRun* next = run == nullptr && switch_on_ == true && plan_
                                           ? next_run_within(*plan_, now, k_bridge)
                                           : nullptr) {
      // A gap of a minute or two between runs (a re-plan moved the next run's start): one
      // stretch, not a stop and a start a moment apart.
      why = "bridging to the planned run " + zone_.format_hhmm(next->start) + "-" +
            zone_.format_hhmm(next->end) + " (it starts in under " +
            std::to_string(k_bridge.count() / 60) + " min)";
      want = true;
    } else if (run == nullptr) {
      why = idle_reason(now);
      // The end of a run that went on past its planned end to the target.
      if (on && target_reached(soc, d.target_soc, on, shortfall_tolerance()) && plan_ &&
          d.ready_by == plan_->ready_by)
        for (const auto& r : plan_->runs)
          if (r.end < now && now - r.end <= settings_.cloud_lag) why = reached(d.target_soc);
    } else {
      auto price = prices_.price_at(now);
      bool cheap = settings_.policy.charge_below_p_per_kwh && price &&
                   *price <= *settings_.policy.charge_below_p_per_kwh;
      if (target_reached(soc, d.target_soc, on, shortfall_tolerance()) && !cheap) {
        why = reached(d.target_soc);
      } else {
        char buf[96];
        std::snprintf(buf, sizeof buf, "inside the planned run %s-%s",
                      zone_.format_hhmm(run->start).c_str(), zone_.format_hhmm(run->end).c_str());
        why = buf;
        if (price) why += " at " + settings_.money.short_rate(*price);
        if (cheap && target_reached(soc, d.target_soc, on, shortfall_tolerance()))
          why += " (at or below charge_below)";
        want = true;
      }
    }
  }
  if (want && switch_on_ != true && stale(now)) {
    why = "car observations are stale (last " + format_rfc3339(last_obs_->observed_at) +
          "); not starting on old data";
    return false;
  }
  return want;
}

double Controller::shortfall_tolerance() const {
  const std::optional<double> read = last_obs_ ? last_obs_->soc_percent : std::nullopt;
  return read && *read != std::floor(*read) ? k_shortfall_tenths_pct : k_shortfall_pct;
}

bool Controller::extends_run(Instant now, double soc, const Deadline& d, std::string& why) const {
  if (!plan_ || switch_on_ != true || !settings_.estimate_between_readings ||
      mode_ != Mode::smart || d.ready_by != plan_->ready_by ||
      target_reached(soc, d.target_soc, false, shortfall_tolerance()))
    return false;
  const ChargeRun* ended = nullptr;
  for (const auto& run : plan_->runs)
    if (run.end <= now) ended = &run;
  if (ended == nullptr || now - ended->end > settings_.cloud_lag) return false;
  // The rest takes no longer than a top-up would wait for its confirming reading, ends before
  // the ready-by, and costs no more here than in the cheapest time still ahead.
  const auto more = Seconds{static_cast<long long>(
      std::ceil(charge_hours(settings_.vehicle, soc, d.target_soc) * 3600.0))};
  // Past the ready-by only where charging goes on after it anyway (after_ready_by: continue).
  if (more > settings_.cloud_lag ||
      (now + more > d.ready_by && !settings_.policy.continue_after_ready_by))
    return false;
  const auto price = prices_.price_at(now);
  if (!price) return false;
  const PriceCurve ahead = prices_.slice(now, d.ready_by);
  for (const auto& slot : ahead.slots())
    if (slot.price_p_per_kwh < *price - 1e-9) return false;
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "extending the run %s-%s by about %lld min at %s to the target %s (estimated "
                "%.1f%%) rather than stopping and topping up",
                zone_.format_hhmm(ended->start).c_str(), zone_.format_hhmm(ended->end).c_str(),
                static_cast<long long>((more.count() + 59) / 60),
                settings_.money.short_rate(*price).c_str(), pct(d.target_soc).c_str(), soc);
  why = buf;
  return true;
}

Controller::Step Controller::step(Instant now) {
  Step out;
  if (mode_ == Mode::now && mode_until_ && now >= *mode_until_) set_mode(Mode::smart);
  if (override_) {
    if (!override_deadline_) override_deadline_ = deadline(now).ready_by;
    if (now >= *override_deadline_) {
      override_.reset();
      override_deadline_.reset();
      dirty_ = true;
    }
  }
  // A deadline that passed with the target unmet while plugged in (after_ready_by).
  // Only a plan made while plugged in can be overdue: a car that left and came back is a new
  // stay, whatever the plan made while it was away said.
  // Decided once, at the boundary (the plan for the next deadline is made in this same step):
  // continue to the target, or stop and say so.
  if (plan_ && plan_plugged_ == true && now >= plan_->ready_by && last_obs_ &&
      last_obs_->plugged_in == true && mode_ == Mode::smart && !overdue_ && plan_->target_kwh) {
    energy_at_ready_by(now);
  } else if (plan_ && plan_plugged_ == true && now >= plan_->ready_by && last_obs_ &&
             last_obs_->plugged_in == true && mode_ == Mode::smart && !overdue_) {
    // The same SoC (the estimate) decides here as in want_on, so a continuation logged here is
    // never undone by it in the same instant.
    const auto est = soc_estimate(now);
    if (est && !target_reached(est->soc_percent, plan_->target_soc, switch_on_ == true,
                               shortfall_tolerance())) {
      if (settings_.policy.continue_after_ready_by) {
        overdue_ = Deadline{plan_->ready_by, plan_->target_soc};
      } else if (switch_on_ != false) {
        ready_by_note_ = "ready-by " + zone_.format(plan_->ready_by) + " passed with the car at " +
                         pct(est->soc_percent) + ", below its target " + pct(plan_->target_soc) +
                         "; not charging on (after_ready_by: stop)";
      }
    } else if (est && switch_on_ != false) {
      ready_by_note_ = "target " + pct(plan_->target_soc) + " reached by the ready-by" +
                       (est->estimated ? " (estimated " + pct(est->soc_percent) + ")" : "");
    }
  }
  if (overdue_ && !overdue_->target_kwh && last_obs_ && last_obs_->soc_percent &&
      target_reached(*last_obs_->soc_percent, overdue_->target_soc, switch_on_ == true,
                     shortfall_tolerance())) {
    if (switch_on_ == true)
      ready_by_note_ = "target " + pct(overdue_->target_soc) +
                       " reached after the ready-by (after_ready_by: continue)";
    overdue_.reset();
  }
  if (!first_step_) first_step_ = now;
  Deadline d = deadline(now);
  count_for(now, d);
  if (auto why_replan = needs_replan(now, d)) {
    replan_reason_ = *why_replan;
    replan(now, d);
    out.replanned = plan_.has_value();
  }
  std::string why;
  bool want = want_on(now, why);
  for_surplus_ = false;
  if (!want && surplus_on_ && takes_surplus(now, why)) want = for_surplus_ = true;
  reason_ = why;
  Action wanted = want ? Action::start : Action::stop;
  // A switch given up on is tried again once the wish has changed (the car was unplugged, a
  // run ended), also when the switch already is in the new wished state and nothing is sent.
  if (last_wish_ && *last_wish_ != wanted && failing_ && !pending_) {
    failing_ = false;
    retries_ = 0;
    retry_at_.reset();
    problem_.clear();
  }
  last_wish_ = wanted;

  if (!pending_) {
    if (confirm_by_ && now >= *confirm_by_) {
      // The car never showed the commanded state.
      confirm_by_.reset();
      ++retries_;
      std::string what = *last_sent_ == Action::start ? "the car did not start charging"
                                                      : "the car did not stop charging";
      if (retries_ > settings_.max_retries) {
        failing_ = true;
        problem_ = what + " after " + std::to_string(retries_) + " commands";
      } else if (switch_on_ == (wanted == Action::start)) {
        problem_ = what + "; retrying";
        out.command =
            Command{wanted, "retry " + std::to_string(retries_) + ": " + what + " (" + why + ")"};
      }
    }
    // A new edge (also right after an unconfirmed command when the wish has changed since).
    // Standing off: after start-up the charger's state is unknown; it counts as the opposite
    // of the wish, so a stop is sent once unless a run wants power (as soon as the car has been
    // seen, or after a grace period without an observation) and a car plugged in later waits
    // for the plan.
    const bool unknown = !switch_on_;
    const bool may_act = !unknown || last_obs_ || now >= *first_step_ + k_startup_grace;
    if (!out.command && may_act && switch_on_.value_or(!want) != want) {
      bool new_edge = last_sent_ != wanted;
      if (new_edge && (!retry_at_ || failing_)) {
        retries_ = 0;
        retry_at_.reset();
        failing_ = false;
      }
      bool gave_up = failing_ && !new_edge;
      bool waiting = retry_at_ && now < *retry_at_;
      if (!gave_up && !waiting) {
        out.command = Command{
            wanted,
            unknown && !want ? "standing off: " + why + " (the charger's state is unknown)" : why};
      }
    }
    if (out.command) pending_ = out.command->action;
  }
  if (!out.command && switch_on_ == false) ready_by_note_.clear();

  auto earliest = [&](std::optional<Instant> t) {
    if (t && *t > now && (!out.wake_at || *t < *out.wake_at)) out.wake_at = t;
  };
  if (auto next = next_action(now)) earliest(next->second);
  earliest(confirm_by_);
  earliest(retry_at_);
  earliest(mode_until_);
  earliest(d.ready_by);
  // While charging, the instant the estimated SoC reaches the target (mode now, after ready-by
  // and runs that began above their projection end there, not at a planned instant).
  if (switch_on_ == true && d.target_kwh) {
    earliest(energy_.reaches_at(now, *d.target_kwh));
  } else if (switch_on_ == true) {
    if (auto est = soc_estimate(now);
        settings_.estimate_between_readings && est && est->soc_percent < d.target_soc) {
      const double h = charge_hours(settings_.vehicle, est->soc_percent, d.target_soc);
      earliest(now + Seconds{static_cast<long long>(std::ceil(h * 3600.0))});
    }
  }
  if (!switch_on_ && first_step_) earliest(*first_step_ + k_startup_grace);
  return out;
}

}  // namespace offpeak
