#pragma once
// The planner: a pure function that chooses when to charge. Same code in the daemon, the CLI
// dry run, the demo and the backtest.
//
// Rules, in order:
//  1. min_soc: below it, charge at once at full power (any price, even unknown) up to it.
//  2. Energy goal: grid-side energy to reach target_soc by ready_by; with charge_below, also
//     every known slot priced at or below it, up to 100 %.
//  3. cheapest: fill the cheapest known time first (ties: earlier first); the last piece is
//     partial, placed next to an adjacent chosen piece when there is one, else at the start of
//     its slot. continuous: the cheapest single block of the needed length (ties: earliest);
//     when no stretch of known prices is long enough, falls back to cheapest.
//  4. Only known prices are planned on (a missing price is never 0). Pieces shorter than a
//     minute are not used; a remainder shorter than a minute is rounded up to one minute.
//  5. Infeasible (not enough known time before ready_by): every usable slot is used and the
//     explanation says by how much the target is missed.
//  7. Carbon: with `carbon_g_per_kwh` every planned slot carries the grid's carbon intensity
//     and the plan its estimated kg CO2 (energy x intensity; energy at an unknown intensity is
//     counted apart, never as zero). With `carbon_weight_p_per_kg` > 0 the objective is
//     cost + weight x kg CO2: rules 3-5 run on price + weight x intensity / 1000 per kWh, where
//     an unknown intensity counts as the time-weighted mean of the known intensities in
//     [now, ready_by) (neither favoured nor avoided). Weighted, known time is cut where the
//     intensity changes and rule 4 applies to the cut pieces. Weight 0: cost only, as before.
//  8. Forecast prices: `forecast_prices` fills the gaps of `prices` in [now, ready_by) for
//     planning only. Energy placed in forecast time is in `slots` (forecast = true), marked in
//     the explanation, and never in `runs`: the controller never starts on a forecast; it waits
//     for the published prices (the plan is remade when they come). min_soc (rule 1) and mode
//     now (rule 6) never use the forecast.
//  9. Energy target (`target_kwh`, for a car whose SoC nobody knows): the goal is
//     target_kwh - delivered_kwh at the vehicle's full power (a flat curve: no SoC, no taper),
//     whatever `soc` says; min_soc does not apply and charge_below fills no more than the goal.
//     The explanation speaks in kWh ("add 20.0 kWh by ..."). Rules 3-8 apply as they are.
//  6. at_once (mode now): charge from now to the target at full power whatever the price
//     (unknown too), not limited by ready_by but ending at charge_until when that comes first;
//     min_soc, charge_below and the strategy do not apply.
// 10. The sun: with `surplus_kw` (not in mode now), a slot's energy up to the counted-on
//     surplus (expected surplus x `surplus_confidence`) costs the export price, energy above
//     it the import price; the carbon weight adds to both. A modulating switch (`min_power_kw`
//     set) may draw any power in [min, max] in a slot, so the plan can follow the surplus; an
//     on/off switch draws full power. The plan minimises the total (slots may share their
//     time between two powers); rules 1, 2, 4, 5, 7 and 8 hold as above; the strategy
//     `continuous` is not applied (following the sun cuts blocks). Slots carry `solar_kwh` and
//     `grid_kwh`; `cost_p` is the grid part at the import price and `export_forgone_p` the
//     solar part at the export price; `charge_now_cost_p` counts both. Solar slots are runs
//     like any other (the controller starts them; with a modulating switch the surplus loop
//     sets the current). Without `surplus_kw` the planner never looks at the sun.

#include <offpeak/domain/money.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace offpeak {

struct PlanRequest {
  Instant now;
  double soc = 0.0;         // percent, current
  double target_soc = 0.0;  // percent
  Instant ready_by;
  VehicleSpec vehicle;
  Strategy strategy = Strategy::cheapest;
  std::optional<double> min_soc;
  std::optional<double> charge_below_p_per_kwh;
  // Where the vehicle's power comes from, for the explanation ("6.0 kW learned from 5
  // sessions"); empty: not mentioned.
  std::string power_note;
  // How the explanation writes money (the configured currency; GBP by default).
  Money money;
  // Charge at once to the target (rule 6), stopping at charge_until if set.
  bool at_once = false;
  std::optional<Instant> charge_until;
  // Grid carbon intensity in gCO2/kWh, as a curve of values (the PriceSlot value read as
  // g/kWh); gaps are unknown.
  std::optional<PriceCurve> carbon_g_per_kwh;
  double carbon_weight_p_per_kg = 0.0;  // p per kg CO2 added to the objective (rule 7)
  // Estimated prices for the gaps of the published prices (rule 8).
  std::optional<PriceCurve> forecast_prices;
  // An energy target (rule 9): kWh to add by ready_by, of which delivered_kwh already are.
  std::optional<double> target_kwh;
  double delivered_kwh = 0.0;
  bool soc_known = true;  // false: `soc` is a placeholder (the explanation does not cite it)
  // The sun (rule 10). Expected solar surplus per slot in kW (the PriceSlot value read as kW;
  // gaps: no surplus). Unset: the planner buys everything from the grid, as without the sun.
  std::optional<PriceCurve> surplus_kw;
  // Export price per slot (p/kWh): what a kWh of surplus would earn if not put in the car.
  // Gaps count as export_flat_p_per_kwh.
  std::optional<PriceCurve> export_p_per_kwh;
  double export_flat_p_per_kwh = 0.0;
  // The share of the expected surplus the plan counts on (0..1).
  double surplus_confidence = 0.7;
  // Set: a modulating switch (a slot may take any power between this and the vehicle's max,
  // so the plan can follow the surplus). Unset: on/off, full power.
  std::optional<double> min_power_kw;
};

// A stretch of charging at one price.
struct PlannedSlot {
  Instant start;
  Instant end;
  double power_kw = 0.0;                  // average wall power along the charge curve
  double energy_kwh = 0.0;                // grid-side energy drawn in this slot
  std::optional<double> price_p_per_kwh;  // nullopt only for min_soc charging at unknown price
  double cost_p = 0.0;                    // energy_kwh x price (0 when the price is unknown)
  bool immediate = false;                 // part of the min_soc "charge at once" phase
  bool forecast = false;  // the price is a forecast: waits for the published prices (no run)
  std::optional<double> carbon_g_per_kwh;  // grid intensity, when known
  double co2_kg = 0.0;                     // energy_kwh x intensity (0 when unknown)
  // With surplus_kw: the part of energy_kwh expected from the solar surplus (priced at the
  // export price) and the part from the grid (at the import price).
  double solar_kwh = 0.0;
  double grid_kwh = 0.0;
};

// Adjacent slots merged: one start and one stop command each.
struct ChargeRun {
  Instant start;
  Instant end;
  double energy_kwh = 0.0;
  double cost_p = 0.0;
};

struct Plan {
  Instant now;
  Instant ready_by;
  double soc = 0.0;
  double target_soc = 0.0;
  double energy_needed_kwh = 0.0;  // grid-side, to reach target_soc
  bool feasible = true;
  std::vector<PlannedSlot> slots;  // sorted, non-overlapping, within [now, ready_by]
                                   // (at_once: from now, possibly past ready_by)
  std::vector<ChargeRun> runs;     // slots merged where they touch (forecast slots excluded)
  double total_energy_kwh = 0.0;
  double total_cost_p = 0.0;
  double shortfall_kwh = 0.0;               // > 0 when infeasible
  double expected_soc = 0.0;                // SoC at the end of the last run (capped at 100)
  double unknown_price_kwh = 0.0;           // energy planned at unknown price (min_soc only)
  std::optional<double> charge_now_cost_p;  // the same energy charged at once from now
  // Carbon (only with carbon_g_per_kwh): estimated kg CO2 of the energy at a known
  // intensity, the energy at an unknown intensity, and the same energy charged at once from
  // now (nullopt when any of that time's intensity is unknown).
  std::optional<double> total_co2_kg;
  double unknown_carbon_kwh = 0.0;
  std::optional<double> charge_now_co2_kg;
  double forecast_kwh = 0.0;  // energy planned at forecast prices (waiting for publication)
  // An energy target (rule 9): its kWh and what was delivered when the plan was made;
  // energy_needed_kwh is then the rest. soc_known false: soc and expected_soc mean nothing.
  std::optional<double> target_kwh;
  double delivered_kwh = 0.0;
  bool soc_known = true;
  // With surplus_kw: the energy expected from the sun and from the grid, and the export
  // earnings given up by putting the solar energy in the car (solar_kwh x export price).
  double total_solar_kwh = 0.0;
  double total_grid_kwh = 0.0;
  double export_forgone_p = 0.0;
  std::string explanation;  // plain words for installers, local times
};

// Chooses the charging slots. `prices` should cover [now, ready_by); gaps are unknown.
// `zone` only affects the wording of the explanation.
Plan make_plan(const PlanRequest& request, const PriceCurve& prices, const Zone& zone);

// The run containing t (start <= t < end), if any.
const ChargeRun* run_at(const Plan& plan, Instant t);

}  // namespace offpeak
