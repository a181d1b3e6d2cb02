#include <offpeak/domain/controller.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace offpeak {
namespace {

constexpr Seconds k_retry_base{30};
constexpr Seconds k_startup_grace{5 * 60};
// A reading this far below the target, after the plan's charging, is a shortfall to top up
// (readings are whole percent; anything less is rounding).
constexpr double k_shortfall_pct = 0.1;
// A charger that is on stays on through a gap this short before the next planned run.
constexpr Seconds k_bridge{2 * 60};

const ChargeRun* next_run_within(const Plan& plan, Instant now, Seconds gap) {
  for (const auto& run : plan.runs)
    if (run.start > now) return run.start - now <= gap ? &run : nullptr;
  return nullptr;
}
constexpr const char* k_off_reason = "mode is off: no charging until the mode is smart or now";

std::string pct(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", v);
  return buf;
}

}  // namespace

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
    : settings_(std::move(settings)), zone_(std::move(zone)), estimator_(settings_.vehicle) {}

void Controller::observe(const VehicleState& state) {
  last_obs_ = state;
  estimator_.observe(state);
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
    estimator_.switched(at, *offering);
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
    estimator_.switched(at, *switch_on_);
    retry_at_.reset();
    // A stop while the car is seen not charging has nothing to show: it is confirmed already
    // (and needs no poll).
    const bool nothing_to_show = action == Action::stop && last_obs_ &&
                                 last_obs_->charging_state != ChargingState::charging &&
                                 charger_offering_ != true;
    if (settings_.confirmable && !nothing_to_show) {
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
  if (soc_after(settings_.vehicle, soc, kwh_left) >= target - k_shortfall_pct) return std::nullopt;
  return "short of the target after the planned charging (" + pct(*r.soc_percent) + " read at " +
         zone_.format_hhmm(r.observed_at) + ", target " + pct(target) + "): topping up";
}

std::optional<std::string> Controller::needs_replan(Instant now, const Deadline& d) const {
  if (!last_obs_ || !last_obs_->soc_percent) {
    if (plan_) return std::string("state of charge unknown");  // drop a plan we cannot keep
    return std::nullopt;
  }
  if (!plan_) return std::string("first plan");
  if (dirty_) return std::string("settings or mode changed");
  if (plan_->ready_by != d.ready_by || plan_->target_soc != d.target_soc) {
    return std::string("new deadline");
  }
  if (plan_plugged_ != last_obs_->plugged_in) {
    return std::string(last_obs_->plugged_in == true ? "plugged in" : "plug state changed");
  }
  if (auto s = confirmed_shortfall(now)) return s;
  // Compare the observation with what the plan projected for the moment it was observed.
  Instant seen = std::max(last_obs_->observed_at, plan_->now);
  if (std::abs(*last_obs_->soc_percent - projected_soc(seen)) > settings_.replan_soc_drift) {
    return std::string("state of charge differs from the plan");
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
                sun_->export_p_per_kwh != plan_sun_->export_p_per_kwh ||
                sun_->export_flat_p_per_kwh != plan_sun_->export_flat_p_per_kwh ||
                sun_->confidence != plan_sun_->confidence ||
                sun_->min_power_kw != plan_sun_->min_power_kw))) {
    return std::string("solar forecast changed");
  }
  return std::nullopt;
}

void Controller::replan(Instant now, const Deadline& d) {
  dirty_ = false;
  if (!last_obs_ || !last_obs_->soc_percent) {
    plan_.reset();
    return;
  }
  PlanRequest req;
  req.now = now;
  req.soc = *last_obs_->soc_percent;
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
  const auto est = soc_estimate(now);
  if (!est) {
    why = "state of charge unknown";
    return false;
  }
  const double soc = est->soc_percent;
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
    if (soc >= d.target_soc) {
      why = reached(d.target_soc) + " (mode now)";
    } else {
      why = "mode now: charging at once to " + pct(d.target_soc);
      want = true;
    }
  } else if (overdue_ && settings_.policy.continue_after_ready_by && soc < overdue_->target_soc) {
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
      if (switch_on_ == true && soc >= d.target_soc && plan_ && d.ready_by == plan_->ready_by)
        for (const auto& r : plan_->runs)
          if (r.end < now && now - r.end <= settings_.cloud_lag) why = reached(d.target_soc);
    } else {
      auto price = prices_.price_at(now);
      bool cheap = settings_.policy.charge_below_p_per_kwh && price &&
                   *price <= *settings_.policy.charge_below_p_per_kwh;
      if (soc >= d.target_soc && !cheap) {
        why = reached(d.target_soc);
      } else {
        char buf[96];
        std::snprintf(buf, sizeof buf, "inside the planned run %s-%s",
                      zone_.format_hhmm(run->start).c_str(), zone_.format_hhmm(run->end).c_str());
        why = buf;
        if (price) why += " at " + settings_.money.short_rate(*price);
        if (cheap && soc >= d.target_soc) why += " (at or below charge_below)";
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

bool Controller::extends_run(Instant now, double soc, const Deadline& d, std::string& why) const {
  if (!plan_ || switch_on_ != true || !settings_.estimate_between_readings ||
      mode_ != Mode::smart || d.ready_by != plan_->ready_by ||
      soc >= d.target_soc - k_shortfall_pct)
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

std::optional<Instant> Controller::shortfall_check_at(Instant now) const {
  if (!plan_ || plan_->runs.empty() || mode_ == Mode::off || switch_on_ != false || pending_ ||
      last_sent_ != Action::stop || now >= plan_->ready_by)
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
      last_obs_->plugged_in == true && mode_ == Mode::smart && !overdue_) {
    // The same SoC (the estimate) decides here as in want_on, so a continuation logged here is
    // never undone by it in the same instant.
    const auto est = soc_estimate(now);
    if (est && est->soc_percent < plan_->target_soc - k_shortfall_pct) {
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
  if (overdue_ && last_obs_ && last_obs_->soc_percent &&
      *last_obs_->soc_percent >= overdue_->target_soc) {
    if (switch_on_ == true)
      ready_by_note_ = "target " + pct(overdue_->target_soc) +
                       " reached after the ready-by (after_ready_by: continue)";
    overdue_.reset();
  }
  if (!first_step_) first_step_ = now;
  Deadline d = deadline(now);
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
  if (switch_on_ == true) {
    if (auto est = soc_estimate(now);
        settings_.estimate_between_readings && est && est->soc_percent < d.target_soc) {
      const double h = charge_hours(settings_.vehicle, est->soc_percent, d.target_soc);
      earliest(now + Seconds{static_cast<long long>(std::ceil(h * 3600.0))});
    }
  }
  if (!switch_on_ && first_step_) earliest(*first_step_ + k_startup_grace);
  return out;
}

std::optional<SocEstimate> Controller::soc_estimate(Instant now) const {
  if (settings_.estimate_between_readings) return estimator_.estimate(now);
  if (!last_obs_ || !last_obs_->soc_percent) return std::nullopt;
  return SocEstimate{*last_obs_->soc_percent, false, last_obs_->observed_at, false};
}

}  // namespace offpeak
