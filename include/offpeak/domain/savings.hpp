#pragma once
// What smart charging saved: a session's cost against charging at once. Pure: the prices, the
// plug-in instant, the energy and the charger's full power are given.
//
// "At once" is what a plain charger does: it starts at plug-in and draws full power until the
// session's energy is in. Its cost is that energy priced along the tariff from plug-in on;
// the saving is that cost minus what the session really cost. A session's real cost counts
// both parts of its energy: the grid's at the import price and the roof's at the export
// price (what exporting it would have earned), so the saving includes what the sun saved.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <optional>
#include <vector>

namespace offpeak {

// The cost, in pence, of drawing `energy_kwh` at `full_power_kw` from `plugged_in` on, priced
// along `prices`. 0 for no energy; nullopt when a price inside that stretch is unknown (a gap
// is never free) or the power is not positive.
std::optional<double> cost_at_once_p(const PriceCurve& prices, Instant plugged_in,
                                     double energy_kwh, double full_power_kw);

struct SessionSaving {
  std::optional<double> cost_at_once_p;  // nullopt when it cannot be priced
  std::optional<double> saving_p;        // cost_at_once_p - cost_p
};

SessionSaving session_saving(const PriceCurve& prices, Instant plugged_in, double energy_kwh,
                             double cost_p, double full_power_kw);

// One session's figures, as the month summary needs them.
struct SessionFigures {
  double energy_kwh = 0;
  double cost_p = 0;
  std::optional<double> cost_at_once_p;
  double solar_kwh = 0;  // the part of energy_kwh from the roof's surplus
};

struct MonthSummary {
  int sessions = 0;
  double energy_kwh = 0;
  double solar_kwh = 0;  // of energy_kwh, from the roof's surplus
  double grid_kwh = 0;   // of energy_kwh, from the grid
  double cost_p = 0;
  double cost_at_once_p = 0;  // over the sessions that could be priced at once
  double saving_p = 0;        // the same sessions: cost at once minus their cost
  int unpriced = 0;           // sessions whose cost at once is unknown (not in the saving)
  std::optional<double> average_p_per_kwh;  // cost / energy; nullopt without energy
  std::optional<double> peak_p_per_kwh;     // the tariff's highest price in the month
};

// Sums a month's sessions; `month_prices` are the tariff's prices over the month.
MonthSummary summarize_month(const std::vector<SessionFigures>& sessions,
                             const PriceCurve& month_prices);

}  // namespace offpeak
