#pragma once
// Following the surplus (spec solar.md "Following the surplus"): a pure, clock-injected state
// machine that turns the home's grid readings and the car's present draw into the current the
// car should take from the roof. Nothing here does I/O or reads a clock (every call takes
// `now`); the daemon and tests drive it alike.
//
// Rules:
//  - surplus = the car's charging power now - grid power (import positive). It is unknown
//    (never counted as surplus) when the grid meter is stale: no reading within `max_age`, or
//    the meter says so.
//  - Off -> on: surplus >= the car's minimum power (min_current_a x voltage x phases; on/off
//    switches: the car's power) without a break for `enable_delay`.
//  - On -> off: the surplus (plus `max_import_w` tolerated) below the minimum power without a
//    break for `disable_delay`; a stale meter counts as no surplus from the moment it is stale,
//    so solar charging stops within max_age + disable_delay of the last reading.
//  - While on (modulating switches): wanted current = floor(available / (voltage x phases)) in
//    1 A steps, within [min_current_a, max_current_a] and the car's maximum power; a change
//    smaller than `min_change_a` is not made. While the surplus cannot carry the minimum, the
//    minimum (the least the grid can give).
//  - phases auto: start on 3 phases when the surplus carries 3 phases at the minimum; switch
//    1 -> 3 when it has for `enable_delay`, 3 -> 1 when it has not for `disable_delay`; the
//    phases are kept for `phase_switch_interval` (5 min) after a start or a change.
//  - Every decision (start, change, phase change, pause, stale meter) comes with plain words
//    for the log: "solar: surplus 2.9 kW for 1m, starting at 12 A (2.8 kW)".

#include <offpeak/domain/site.hpp>
#include <offpeak/domain/time.hpp>

#include <optional>
#include <string>

namespace offpeak {

struct SurplusSettings {
  Seconds enable_delay{60};
  Seconds disable_delay{180};
  double max_import_w = 0.0;  // import tolerated while charging from surplus
  double min_change_a = 1.0;  // smaller changes of the wanted current are not made
  Seconds phase_switch_interval{300};
  Seconds max_age{60};  // a grid reading older than this is stale
  // The charger (a modulating switch sets currents; an on/off switch only starts and stops).
  bool modulating = true;
  double min_current_a = 6.0;  // per phase
  double max_current_a = 32.0;
  double voltage = 230.0;
  int phases = 1;               // 1 or 3: fixed phases, or the most with auto_phases
  bool auto_phases = false;     // 1 or 3 chosen by surplus
  double max_power_w = 7400.0;  // the car's maximum (vehicle.max_charge_kw or the learned power)
  double onoff_power_w = 0.0;   // on/off switches: the car's (learned) power; 0: max_power_w
};

// What the surplus wants now.
struct SurplusWish {
  bool on = false;
  double current_a = 0.0;  // per phase; 0 when off
  int phases = 1;
  double power_w = 0.0;  // current_a x voltage x phases
  std::string reason;    // why, in plain words (for the status)
};

class SurplusLoop {
 public:
  explicit SurplusLoop(SurplusSettings settings);

  // A reading of the home's meters, and what the car draws at `now` (W, >= 0: the charger's
  // meter, else the power of the wish being applied).
  void observe(const SiteState& site, double charging_w, Instant now);

  struct Step {
    SurplusWish wish;
    // The wish changed in a way to send (start, stop, current or phases): plain words for the
    // log. nullopt: nothing new to send.
    std::optional<std::string> decision;
    // A note for the log that sends nothing (the meter went stale or came back).
    std::optional<std::string> note;
    std::optional<Instant> wake_at;  // call step() again no later than this
  };
  // Evaluates the timers at `now`. Call on every reading and at wake_at.
  Step step(Instant now);

  // Back to off with no timers running (unplugged, mode changed, the surplus not wanted):
  // the next start waits a full enable_delay again.
  void reset(Instant now);

  const SurplusWish& wish() const { return wish_; }
  // The surplus at the last reading (W); nullopt when unknown or stale at `now`.
  std::optional<double> surplus_w(Instant now) const;
  bool stale(Instant now) const;
  const SurplusSettings& settings() const { return s_; }
  void set_settings(SurplusSettings s) { s_ = s; }

 private:
  double min_power_w(int phases) const;
  // The current per phase the surplus `available_w` carries on `phases`, in whole amperes,
  // within the limits (the minimum when it carries less).
  double current_for(double available_w, int phases) const;
  SurplusWish make_wish(double current_a, int phases, std::string reason) const;
  // Adds to `wake` the instant the present reading goes stale.
  void step_wake_and_stale(Instant now, std::optional<Instant>& wake) const;

  SurplusSettings s_;
  std::optional<SiteState> site_;
  double charging_w_ = 0.0;
  SurplusWish wish_;
  std::optional<Instant> above_since_;      // surplus >= the minimum (start) since
  std::optional<Instant> below_since_;      // surplus < the minimum (stop) since
  std::optional<Instant> three_since_;      // surplus carries 3 phases since
  std::optional<Instant> not_three_since_;  // surplus no longer carries 3 phases since
  std::optional<Instant> last_phase_change_;
  bool stale_noted_ = false;
};

// "2.9 kW" (one decimal), for the plain-words log lines.
std::string format_kw(double watts);

}  // namespace offpeak
