#include <offpeak/domain/surplus.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace offpeak {

std::string format_kw(double watts) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f kW", watts / 1000.0);
  return buf;
}

namespace {

std::string amps(double a) {
  char buf[32];
  if (std::fabs(a - std::round(a)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f A", a);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f A", a);
  }
  return buf;
}

std::string phase_words(int phases) {
  return phases == 3 ? "3 phases" : "1 phase";
}

void earliest(std::optional<Instant>& at, std::optional<Instant> t) {
  if (t && (!at || *t < *at)) at = t;
}

}  // namespace

SurplusLoop::SurplusLoop(SurplusSettings settings) : s_(settings) {
  wish_.phases = s_.auto_phases ? 1 : s_.phases;
  wish_.reason = "no grid reading yet";
}

void SurplusLoop::observe(const SiteState& site, double charging_w, Instant now) {
  (void)now;
  // The car's power pairs with the grid reading it was taken with: a PV reading or a staleness
  // change keeps the grid reading, and a newer car power with an older grid reading would
  // count the car's change twice (a current just raised looks like more surplus).
  const bool new_grid_reading =
      !site_ || site_->updated_at != site.updated_at || site_->grid_w != site.grid_w;
  site_ = site;
  if (new_grid_reading) charging_w_ = std::isfinite(charging_w) ? std::max(0.0, charging_w) : 0.0;
}

bool SurplusLoop::stale(Instant now) const {
  if (!site_ || site_->stale || !site_->grid_w || !std::isfinite(*site_->grid_w)) return true;
  return now - site_->updated_at > s_.max_age;
}

std::optional<double> SurplusLoop::surplus_w(Instant now) const {
  if (stale(now)) return std::nullopt;
  return charging_w_ - *site_->grid_w;
}

double SurplusLoop::min_power_w(int phases) const {
  if (!s_.modulating) return s_.onoff_power_w > 0 ? s_.onoff_power_w : s_.max_power_w;
  return s_.min_current_a * s_.voltage * phases;
}

double SurplusLoop::current_for(double available_w, int phases) const {
  const double per_amp = s_.voltage * phases;
  double a = std::floor(available_w / per_amp + 1e-9);
  const double car_max = std::floor(s_.max_power_w / per_amp * 10.0 + 1e-9) / 10.0;
  a = std::min({a, s_.max_current_a, car_max});
  return std::max(a, s_.min_current_a);
}

SurplusWish SurplusLoop::make_wish(double current_a, int phases, std::string reason) const {
  SurplusWish w;
  w.on = true;
  w.phases = phases;
  if (s_.modulating) {
    w.current_a = current_a;
    w.power_w = current_a * s_.voltage * phases;
  } else {
    w.current_a = s_.max_current_a;
    w.power_w = min_power_w(phases);
  }
  w.reason = std::move(reason);
  return w;
}

void SurplusLoop::reset(Instant now) {
  (void)now;
  wish_ = SurplusWish{};
  wish_.phases = s_.auto_phases ? 1 : s_.phases;
  wish_.reason = "not charging from surplus";
  above_since_.reset();
  below_since_.reset();
  three_since_.reset();
  not_three_since_.reset();
}

void SurplusLoop::step_wake_and_stale(Instant now, std::optional<Instant>& wake) const {
  // A fresh reading becomes stale at updated_at + max_age: look again then.
  if (!stale(now)) earliest(wake, site_->updated_at + s_.max_age + Seconds{1});
}

SurplusLoop::Step SurplusLoop::step(Instant now) {
  Step out;
  const std::optional<double> sur = surplus_w(now);
  const bool is_stale = !sur;
  if (is_stale && site_ && !stale_noted_) {
    stale_noted_ = true;
    const auto age = std::chrono::duration_cast<Seconds>(now - site_->updated_at);
    out.note =
        site_->updated_at == Instant{}
            ? std::string("grid meter has no reading: no surplus assumed")
            : "grid meter stale for " + std::to_string(age.count()) + " s: no surplus assumed";
  } else if (!is_stale && stale_noted_) {
    stale_noted_ = false;
    out.note = "grid meter reading again: surplus " + format_kw(*sur);
  }
  const double available = sur ? *sur + s_.max_import_w : -std::numeric_limits<double>::infinity();
  std::optional<Instant> wake;
  // The 3-phase timers (auto phases): whether the surplus carries 3 phases at the minimum.
  if (s_.auto_phases && s_.modulating) {
    if (sur && *sur >= min_power_w(3)) {
      if (!three_since_) three_since_ = now;
      not_three_since_.reset();
    } else {
      three_since_.reset();
      if (!not_three_since_) not_three_since_ = now;
    }
  }

  if (!wish_.on) {
    below_since_.reset();
    const int start_phases = s_.auto_phases ? 1 : s_.phases;
    if (sur && *sur >= min_power_w(start_phases)) {
      if (!above_since_) above_since_ = now;
    } else {
      above_since_.reset();
    }
    if (above_since_ && now - *above_since_ >= s_.enable_delay) {
      int phases = start_phases;
      if (s_.auto_phases && three_since_ && now - *three_since_ >= s_.enable_delay) phases = 3;
      const double a = current_for(available, phases);
      const std::string held =
          format_duration(std::chrono::duration_cast<Seconds>(now - *above_since_));
      wish_ = make_wish(a, phases, "charging from surplus");
      if (s_.auto_phases) last_phase_change_ = now;  // phases held for the interval after a start
      std::string what = s_.modulating
                             ? amps(a) +
                                   (s_.auto_phases ? " on " + phase_words(phases) : std::string()) +
                                   " (" + format_kw(wish_.power_w) + ")"
                             : format_kw(wish_.power_w);
      out.decision = "solar: surplus " + format_kw(*sur) + " for " + held + ", starting at " + what;
      above_since_.reset();
    } else {
      if (above_since_) earliest(wake, *above_since_ + s_.enable_delay);
      wish_.reason =
          is_stale ? "grid meter stale: no surplus assumed"
          : above_since_
              ? "surplus " + format_kw(*sur) + " since " +
                    format_duration(std::chrono::duration_cast<Seconds>(now - *above_since_)) +
                    "; starting after " + format_duration(s_.enable_delay)
              : "surplus " + format_kw(*sur) + " below the car's minimum " +
                    format_kw(min_power_w(start_phases));
    }
  } else {
    above_since_.reset();
    int phases = wish_.phases;
    // Stop: the surplus cannot carry the least the car takes (on one phase with auto phases).
    const int least_phases = s_.auto_phases ? 1 : phases;
    if (available < min_power_w(least_phases)) {
      if (!below_since_) below_since_ = now;
    } else {
      below_since_.reset();
    }
    if (below_since_ && now - *below_since_ >= s_.disable_delay) {
      const std::string held =
          format_duration(std::chrono::duration_cast<Seconds>(now - *below_since_));
      if (is_stale) {
        out.decision = "solar: grid meter stale for " + held + ", pausing";
      } else {
        // While charging, the grid reading is what the car takes beyond the surplus.
        out.decision = "solar: importing " + format_kw(std::max(0.0, *site_->grid_w)) + " for " +
                       held + ", pausing";
      }
      wish_ = SurplusWish{};
      wish_.phases = phases;
      wish_.reason = is_stale ? "grid meter stale: paused" : "surplus gone: paused";
      below_since_.reset();
      step_wake_and_stale(now, wake);
      out.wish = wish_;
      out.wake_at = wake;
      return out;
    }
    if (below_since_) earliest(wake, *below_since_ + s_.disable_delay);
    // Phases (auto): up after enable_delay with 3-phase surplus, down after disable_delay
    // without; at most one change per phase_switch_interval.
    std::optional<std::string> phase_note;
    if (s_.auto_phases && s_.modulating) {
      if (phases == 1 && three_since_) {
        const Instant due =
            std::max(*three_since_ + s_.enable_delay,
                     last_phase_change_.value_or(Instant{}) + s_.phase_switch_interval);
        if (now >= due) {
          phases = 3;
          phase_note = "surplus " + format_kw(*sur) + " carries 3 phases";
        } else {
          earliest(wake, due);
        }
      } else if (phases == 3 && not_three_since_) {
        const Instant due =
            std::max(*not_three_since_ + s_.disable_delay,
                     last_phase_change_.value_or(Instant{}) + s_.phase_switch_interval);
        if (now >= due) {
          phases = 1;
          phase_note = sur ? "surplus " + format_kw(*sur) + " no longer carries 3 phases"
                           : std::string("grid meter stale");
        } else {
          earliest(wake, due);
        }
      }
    }
    if (s_.modulating) {
      const double a = current_for(available, phases);
      if (phase_note) {
        const SurplusWish before = wish_;
        wish_ = make_wish(a, phases, "charging from surplus");
        last_phase_change_ = now;
        out.decision = "solar: " + phase_words(before.phases) + " -> " + phase_words(phases) +
                       " at " + amps(a) + " (" + *phase_note + ")";
      } else if (std::fabs(a - wish_.current_a) >= s_.min_change_a - 1e-9) {
        const double before = wish_.current_a;
        wish_ = make_wish(a, phases,
                          available < min_power_w(phases)
                              ? "surplus below the minimum: at the minimum current"
                              : "charging from surplus");
        out.decision = "solar: " + amps(before) + " -> " + amps(a) + " (surplus " +
                       (sur ? format_kw(*sur) : std::string("unknown")) + ")";
      }
    }
    if (is_stale) {
      wish_.reason = "grid meter stale: no surplus assumed; pausing after " +
                     format_duration(s_.disable_delay);
    } else if (below_since_) {
      wish_.reason = "importing " + format_kw(std::max(0.0, *site_->grid_w)) + "; pausing after " +
                     format_duration(s_.disable_delay);
    } else {
      wish_.reason = "charging from surplus " + format_kw(*sur);
    }
  }
  step_wake_and_stale(now, wake);
  out.wish = wish_;
  out.wake_at = wake;
  return out;
}

}  // namespace offpeak
