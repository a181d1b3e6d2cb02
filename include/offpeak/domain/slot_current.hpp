#pragma once
// The current inside a planned slot counting on the sun (spec solar.md): pure policy, shared by
// offpeakd's loadpoint and the solar backtest's replay of it.
//
// Rule (modulating switches): the car draws at least the slot's planned power (its grid-side
// energy over its time: the plan buys what the sun does not give there), more when the live
// surplus offers more, and never less than the charger's minimum. The surplus's own setting is
// kept when it carries the planned power; otherwise the planned power is rounded up to whole
// amperes on the surplus's phases (one phase when it is off; three when one phase cannot carry
// the planned power and the charger has three), within the charger's currents and the car's
// maximum power.

#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/surplus.hpp>
#include <offpeak/domain/time.hpp>

namespace offpeak {

// The power a plan draws at `now`: its slot's energy over the slot's time (kW); 0 outside its
// slots.
double planned_power_kw(const Plan& plan, Instant now);

struct SlotCurrent {
  double current_a = 0.0;  // per phase
  int phases = 1;
  double power_w = 0.0;  // current_a x voltage x phases
};

// The setting inside a planned solar slot planning `planned_kw`, with the surplus loop's
// settings `s` and its wish now.
SlotCurrent planned_slot_current(const SurplusSettings& s, const SurplusWish& wish,
                                 double planned_kw);

}  // namespace offpeak
