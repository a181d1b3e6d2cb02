#pragma once
// The solar backtest (`offpeak backtest --house`, docs/backtest.md): a real home's load and PV
// trace, a car at home for some stays, import and export prices, and four ways of charging the
// same car through the same stays:
//  - offpeak: offpeakd's own Controller in mode smart (the planner with the sun: the surplus
//    forecast counted at `confidence`, the export price; the price forecast; edge-triggered
//    commands) on the prices visible at the time, with the live surplus loop
//    (domain/surplus.hpp) composed as offpeakd composes them (domain/slot_current.hpp inside
//    a planned slot counting on the sun);
//  - grid_only: the same Controller without the sun and without a grid meter (today's smart
//    plan); whatever the car draws while the roof has a surplus still comes from the roof and
//    is counted as solar;
//  - pv_mode: the usual rule of thumb: the live surplus loop's wish always taken, plus the
//    Controller's full-power grid plan that ignores the sun for what the sun has not delivered;
//  - optimal: perfect knowledge (every price, the real surplus), a linear program per stay
//    solved exactly (`optimal_stay`).
// Energy is accounted per tick: the car's draw is taken from the roof's surplus first
// (solar_kwh, worth the export price it did not earn), the rest from the grid (grid_kwh at
// the import price). cost_p = grid cost + export_forgone_p. Pure: no I/O, no clock.

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/backtest/field.hpp>  // Stay
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/surplus.hpp>
#include <offpeak/domain/time.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::backtest {

// One step of a home's trace: the mean powers over [start, start + step).
struct HouseSample {
  Instant start;
  double load_kw = 0.0;  // the household's consumption (without the car)
  double pv_kw = 0.0;    // the panels' production
};

struct HouseTrace {
  std::vector<HouseSample> samples;  // regular steps, in time order
  Seconds step{1800};
  std::optional<double> kwp;  // the roof the trace was measured on (`# kwp: K` in the file)

  // The sample covering t, if the trace covers it.
  const HouseSample* at(Instant t) const;
  Instant begin() const;
  Instant end() const;
  // Every PV value multiplied by `factor` (a bigger or smaller roof).
  void scale_pv(double factor);
};

struct HouseParse {
  std::optional<HouseTrace> trace;
  std::string error;  // "LINE: cause" when the text is not a house trace
};

// `time_utc,load_kw,pv_kw` (RFC 3339 UTC instants, kW >= 0), any regular step from 1 minute to
// 1 hour; lines starting with '#' are comments, `# kwp: K` gives the roof. Socket-free: fuzzed.
HouseParse parse_house_csv(std::string_view text);

// --- the perfect-knowledge optimum -----------------------------------------------------

// One slot of a stay for the linear program.
struct LpSlot {
  double cap_kwh = 0.0;      // the most the car can draw in the slot (grid-side)
  double surplus_kwh = 0.0;  // the roof's surplus in the slot
  double import_p = 0.0;     // p/kWh
  double export_p = 0.0;     // p/kWh
};

struct LpResult {
  std::vector<double> solar_kwh;  // per slot
  std::vector<double> grid_kwh;   // per slot
  double cost_p = 0.0;            // grid x import + solar x export
  double energy_kwh = 0.0;        // drawn (less than the need when infeasible)
  bool feasible = true;
};

// min sum(export_p x solar + import_p x grid) subject to solar <= surplus, solar + grid <=
// cap per slot and sum(solar + grid) = need_kwh (as much as the caps allow when less).
// Exact: with one coupling constraint the cheapest pieces fill the need first; a slot whose
// export price is above its import price offers its whole cap at the import price (the solar
// variable is dominated there), so the program is a lower bound on what a car that takes the
// roof's surplus first can do in such slots.
LpResult optimal_stay(const std::vector<LpSlot>& slots, double need_kwh);

// --- the replay ---------------------------------------------------------------------------

enum class PvForecastKind {
  noisy,        // the actual PV x a seeded factor per local day, 1 +- noise
  persistence,  // yesterday's actual PV at the same time
};

struct HouseOptions {
  double target_soc = 80.0;
  PublicationRule publication = PublicationRule::agile();
  Seconds replan_every{30 * 60};      // the sun handed to the controller again (and re-planned)
  Seconds price_history{28 * 86400};  // the price history the price forecast may use
  Seconds tick{60};                   // the live loop's and the accounting's step
  double export_flat_p = 0.0;         // p/kWh when `export_prices` has no value
  std::optional<PriceCurve> export_prices;  // p/kWh per slot
  PvForecastKind forecast = PvForecastKind::noisy;
  double forecast_noise = 0.3;  // noisy: the day's factor is uniform in [1 - noise, 1 + noise]
  std::uint32_t seed = 1;
  double confidence = 0.7;              // the share of the forecast surplus the plan counts on
  Seconds forecast_horizon{48 * 3600};  // how far ahead the PV forecast reaches
  SurplusSettings surplus;              // the live loop (max_power_w from the vehicle)
  std::function<void(int, int)> progress;
};

struct StrategyTotals {
  double cost_p = 0.0;  // grid_kwh x import + solar_kwh x export
  double grid_kwh = 0.0;
  double solar_kwh = 0.0;
  double export_forgone_p = 0.0;  // solar_kwh x export price: what exporting would have earned
  int targets_met = 0;
  int stays = 0;
  // optimal only: the optimum's draw per slot costed as a car takes it, the roof's surplus
  // first (above cost_p only where export pays more than import): a feasible plan, so the
  // real optimum with a surplus-first meter lies between cost_p and this.
  double surplus_first_cost_p = 0.0;
};

struct HouseStayResult {
  Stay stay;
  bool replayed = true;  // false: the trace or an import price is missing in the stay
  double need_kwh = 0.0;
  StrategyTotals offpeak, grid_only, pv_mode, optimal;
  StrategyTotals optimal_no_sun;  // the optimum from the grid alone (what the sun is worth)
};

struct HouseSummary {
  StrategyTotals offpeak, grid_only, pv_mode, optimal, optimal_no_sun;
  int skipped = 0;
  std::vector<HouseStayResult> per_stay;
};

// The PV forecast the planner sees at `now` for the instant t (kW).
double forecast_pv_kw(const HouseTrace& trace, const HouseOptions& options, const Zone& zone,
                      Instant t);

HouseStayResult run_house_stay(const Setup& setup, const HouseOptions& options,
                               const HouseTrace& trace, const Stay& stay,
                               const PriceCurve& import_prices);
HouseSummary run_house(const Setup& setup, const HouseOptions& options, const HouseTrace& trace,
                       const std::vector<Stay>& stays, const PriceCurve& import_prices);

// The default stays: the car sleeps at home every night and stays home through weekends and
// two work-from-home weekdays a week (chosen at random per week, seeded); on the other
// weekdays it leaves at `leave` and comes back at `arrive` (local). A stay runs from an
// arrival to the next departure; it arrives with a SoC uniform in [soc_from, soc_to].
struct HomePattern {
  std::uint32_t seed = 1;
  int home_weekdays = 2;
  TimeOfDay leave{8 * 60};
  TimeOfDay arrive{18 * 60};
  double soc_from = 30.0;
  double soc_to = 60.0;
};
std::vector<Stay> home_stays(const Zone& zone, LocalDate from, LocalDate to,
                             const HomePattern& pattern);

}  // namespace offpeak::backtest
