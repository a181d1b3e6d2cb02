// The planner's explanation in plain words, local times (planner_explain.hpp).

#include "planner_explain.hpp"

#include <cstdio>

namespace offpeak::planner_detail {
namespace {

constexpr double k_eps_kwh = 1e-9;

std::string num(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "00:30-02:46 GMT", or "00:30 GMT-03:46 BST" when the clocks change in between.
std::string local_span(const Zone& zone, Instant a, Instant b) {
  std::string from = zone.format(a, false);
  std::string to = zone.format(b, false);
  auto abbrev = [](const std::string& s) { return s.substr(s.find(' ')); };
  if (abbrev(from) == abbrev(to)) return zone.format_hhmm(a) + "-" + to;
  return from + "-" + to;
}

// "need 18.95 kWh from the grid (35% -> 80% of 37.9 kWh at 90% efficiency)"; for an energy
// target "add 7.7 kWh (12.3 of 20.0 kWh delivered)".
std::string need_text(const Plan& plan, const PlanRequest& r) {
  if (r.target_kwh) {
    std::string s = "add " + num(plan.energy_needed_kwh, 1) + " kWh";
    if (r.delivered_kwh > k_eps_kwh)
      s += " (" + num(r.delivered_kwh, 1) + " of " + num(*r.target_kwh, 1) + " kWh delivered)";
    return s;
  }
  return "need " + num(plan.energy_needed_kwh, 2) + " kWh from the grid (" + num(r.soc, 0) +
         "% -> " + num(r.target_soc, 0) + "% of " + num(r.vehicle.battery_kwh, 1) + " kWh at " +
         num(r.vehicle.efficiency * 100, 0) + "% efficiency)";
}

// "; charging 00:30-03:03 GMT at 8.50p (18.95 kWh); est. cost £1.61[ plus ... at unknown
// price]"; `mark_immediate` notes the slots charged at once below min_soc.
std::string charging_text(const Plan& plan, const Money& money, const Zone& zone,
                          bool mark_immediate) {
  std::string s = "; charging";
  bool first = true;
  for (const auto& slot : plan.slots) {
    s += first ? " " : ", ";
    first = false;
    s += local_span(zone, slot.start, slot.end) + " at ";
    s += slot.price_p_per_kwh ? money.short_rate(*slot.price_p_per_kwh) : "unknown price";
    if (slot.forecast) s += " (forecast)";
    if (mark_immediate && slot.immediate) s += " (at once, below min_soc)";
  }
  s += " (" + num(plan.total_energy_kwh, 2) + " kWh)";
  s += "; est. cost " + money.amount(plan.total_cost_p);
  if (plan.unknown_price_kwh > k_eps_kwh) {
    s += " plus " + num(plan.unknown_price_kwh, 2) + " kWh at unknown price";
  }
  return s;
}

// "; est. 2.31 kg CO2 (vs 3.02 kg charging now), carbon weighted at 10.00p/kg".
std::string carbon_text(const Plan& plan, const PlanRequest& r) {
  if (!plan.total_co2_kg) return {};
  std::string s = "; est. " + num(*plan.total_co2_kg, 2) + " kg CO2";
  if (plan.unknown_carbon_kwh > k_eps_kwh) {
    s += " plus " + num(plan.unknown_carbon_kwh, 2) + " kWh at unknown carbon intensity";
  }
  if (plan.charge_now_co2_kg) s += " (vs " + num(*plan.charge_now_co2_kg, 2) + " kg charging now)";
  if (r.carbon_weight_p_per_kg != 0.0) {
    s += ", carbon weighted at " + num(r.carbon_weight_p_per_kg, 2) +
         std::string(r.money.minor_unit()) + "/kg";
  }
  return s;
}

}  // namespace

std::string explain(const Plan& plan, const PlanRequest& r, const Zone& zone, bool fell_back) {
  std::string s;
  std::string by = zone.format(plan.ready_by);
  if (!(r.now < r.ready_by)) {
    return "ready-by " + by + " is not after now (" + zone.format(r.now) + "): nothing to plan";
  }
  if (plan.energy_needed_kwh <= k_eps_kwh && r.target_kwh) {
    s = "energy target " + num(*r.target_kwh, 1) + " kWh by " + by + " delivered (" +
        num(r.delivered_kwh, 1) + " kWh): nothing needed";
  } else if (plan.energy_needed_kwh <= k_eps_kwh) {
    s = "already at " + num(r.soc, 0) + "% (target " + num(r.target_soc, 0) + "% by " + by +
        "): nothing needed";
  } else {
    s = need_text(plan, r) + " by " + by;
  }
  s += "; window " + zone.format(r.now) + " - " + by;
  if (plan.slots.empty()) {
    s += "; no charging planned";
  } else {
    s += charging_text(plan, r.money, zone, true);
    if (plan.charge_now_cost_p)
      s += " vs " + r.money.amount(*plan.charge_now_cost_p) + " charging now";
    s += carbon_text(plan, r);
    if (plan.forecast_kwh > k_eps_kwh) {
      s += "; " + num(plan.forecast_kwh, 2) +
           " kWh planned at forecast prices waits for the published prices";
    }
  }
  if (!r.power_note.empty()) s += "; planned at " + r.power_note;
  if (fell_back) s += "; no uninterrupted block was long enough, so the cheapest slots are used";
  if (!plan.feasible && r.target_kwh) {
    s += "; cannot add " + num(plan.energy_needed_kwh, 1) + " kWh by " +
         zone.format_hhmm(plan.ready_by) + ": " + num(plan.shortfall_kwh, 2) + " kWh short";
  } else if (!plan.feasible) {
    s += "; cannot reach " + num(r.target_soc, 0) + "% by " + zone.format_hhmm(plan.ready_by) +
         ": " + num(plan.shortfall_kwh, 2) + " kWh short (reaches about " +
         num(plan.expected_soc, 0) + "%)";
  }
  return s;
}

std::string explain_at_once(const Plan& plan, const PlanRequest& r, const Zone& zone) {
  if (r.target_kwh) {
    if (plan.energy_needed_kwh <= k_eps_kwh)
      return "mode now: energy target " + num(*r.target_kwh, 1) +
             " kWh delivered: nothing to charge";
    std::string s = "mode now: charging at once whatever the price; " + need_text(plan, r);
    if (plan.runs.empty()) return s + "; no charging possible (no charging power)";
    s += charging_text(plan, r.money, zone, false);
    s += carbon_text(plan, r);
    if (!r.power_note.empty()) s += "; planned at " + r.power_note;
    return s;
  }
  if (plan.energy_needed_kwh <= k_eps_kwh) {
    return "mode now: already at " + num(r.soc, 0) + "% (target " + num(r.target_soc, 0) +
           "%): nothing to charge";
  }
  std::string s = "mode now: charging at once to " + num(r.target_soc, 0) +
                  "% whatever the price; " + need_text(plan, r);
  if (plan.runs.empty()) return s + "; no charging possible (no charging power)";
  s += charging_text(plan, r.money, zone, false);
  s += carbon_text(plan, r);
  if (!r.power_note.empty()) s += "; planned at " + r.power_note;
  if (!plan.feasible && r.charge_until) {
    s += "; mode now ends at " + zone.format(*r.charge_until) + " with the car at about " +
         num(plan.expected_soc, 0) + "%, then smart charging plans the rest";
  }
  return s;
}

}  // namespace offpeak::planner_detail
