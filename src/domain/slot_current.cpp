// The current inside a planned solar slot: at least the plan's power, more with more surplus.

#include <offpeak/domain/slot_current.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak {

double planned_power_kw(const Plan& plan, Instant now) {
  for (const PlannedSlot& sl : plan.slots) {
    if (!(sl.start <= now && now < sl.end)) continue;
    const double h = std::chrono::duration<double>(sl.end - sl.start).count() / 3600.0;
    return h > 0 ? sl.energy_kwh / h : 0.0;
  }
  return 0.0;
}

SlotCurrent planned_slot_current(const SurplusSettings& s, const SurplusWish& wish,
                                 double planned_kw) {
  const double planned_w = std::min(std::max(planned_kw, 0.0) * 1000.0, s.max_power_w);
  if (wish.on && wish.power_w >= planned_w) return {wish.current_a, wish.phases, wish.power_w};
  int phases = wish.on ? wish.phases : 1;
  if (phases == 1 && s.phases == 3 && planned_w > s.max_current_a * s.voltage) phases = 3;
  const double per_a = s.voltage * phases;
  // Whole amperes up to carry the planned power; the car's power caps it to a tenth of an
  // ampere, as full power is set.
  double a = std::ceil(planned_w / per_a - 1e-9);
  a = std::min({a, s.max_current_a, std::floor(s.max_power_w / per_a * 10.0 + 1e-9) / 10.0});
  a = std::max(a, s.min_current_a);
  if (wish.on && wish.phases == phases) a = std::max(a, wish.current_a);
  return {a, phases, a * per_a};
}

}  // namespace offpeak
