#pragma once
// Multi-day stays in the backtest: the car plugged in at one time and needed days later (a
// weekend, a holiday), replayed three ways with the daemon's own Controller and planner, each
// on the prices visible at the time (`visible_until`):
//  - published_only: the published prices only (what offpeak did before price forecasts);
//  - forecast: plus the forecast of the unpublished prices from the history visible at the
//    time (domain/price_forecast.hpp), which only decides what can wait (planner rule 8);
//  - carbon_weighted: as forecast, with the carbon intensity and a carbon weight (rule 7).
// Each is reported as cost (actual prices) and emissions (the carbon data, when given) against
// the perfect-knowledge optimum (every price known: the cheapest way to draw the same energy;
// with a carbon weight also the optimum of cost + weight x emissions). Pure: no I/O.

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/backtest/field.hpp>  // Stay, parse_stays_csv

#include <optional>
#include <vector>

namespace offpeak::backtest {

// A stay for every date in [from, to] (local) whose weekday is `on` (every date when nullopt):
// arriving at `arrive` local time with `arrive_soc`, leaving `after_days` days later at
// `depart`.
std::vector<Stay> regular_stays(const Zone& zone, LocalDate from, LocalDate to, TimeOfDay arrive,
                                TimeOfDay depart, int after_days, double arrive_soc,
                                std::optional<Weekday> on = std::nullopt);

struct StayOptions {
  double target_soc = 80.0;  // percent at departure (each stay has its arrival SoC)
  Seconds replan_every{30 * 60};
  Seconds observe_every{15 * 60};
  PublicationRule publication = PublicationRule::agile();
  double carbon_weight_p_per_kg = 0.0;  // for carbon_weighted
  Seconds history{28 * 86400};          // price history the forecast may use
  std::function<void(int, int)> progress;
};

// One way of charging through a stay.
struct StayRun {
  double energy_kwh = 0.0;
  double cost_p = 0.0;
  double co2_kg = 0.0;              // energy at a known intensity x intensity
  double unknown_carbon_kwh = 0.0;  // energy drawn where the carbon data has no value
  double final_soc = 0.0;
  bool target_met = false;
  int starts = 0;
};

struct StayResult {
  Stay stay;
  bool replayed = true;  // false: a price between arrival and departure is missing
  double need_kwh = 0.0;
  StayRun published_only;
  StayRun forecast;
  std::optional<StayRun> carbon_weighted;         // only with carbon data
  double optimal_cost_p = 0.0;                    // perfect knowledge, cost only
  double optimal_co2_kg = 0.0;                    // ... its emissions (with carbon data)
  std::optional<double> optimal_weighted_cost_p;  // perfect knowledge, cost + weight x CO2
  std::optional<double> optimal_weighted_co2_kg;
};

struct StaySummary {
  int stays = 0;                     // replayed
  int skipped = 0;                   // prices missing
  StayRun published_only, forecast;  // sums (target_met: every stay met it)
  std::optional<StayRun> carbon_weighted;
  int published_only_met = 0, forecast_met = 0, carbon_weighted_met = 0;
  double optimal_cost_p = 0.0, optimal_co2_kg = 0.0;
  std::optional<double> optimal_weighted_cost_p, optimal_weighted_co2_kg;
  std::vector<StayResult> per_stay;
};

// `carbon`: gCO2/kWh as a curve of values (nullopt: no carbon data, no carbon_weighted run).
// The carbon data stands for both the forecast the planner sees and the actual intensity.
StayResult run_stay(const Setup& setup, const StayOptions& options, const Stay& stay,
                    const PriceCurve& prices, const std::optional<PriceCurve>& carbon);
StaySummary run_stays(const Setup& setup, const StayOptions& options,
                      const std::vector<Stay>& stays, const PriceCurve& prices,
                      const std::optional<PriceCurve>& carbon);

}  // namespace offpeak::backtest
