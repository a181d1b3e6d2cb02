#pragma once
// The backtest: replays the daemon's own Controller and planner with a virtual clock over a
// price history, night by night, and compares the cost with naive and optimal charging.
// Pure: no I/O, no clock, no network (depends on domain and config only).
//
// Each night the car arrives at `arrive` (local time) with `arrive_soc` and must be ready at the
// next `depart` (local time). A simulated car draws max_charge_kw from the wall while the
// controller has it switched on (SoC rises max_charge_kw * efficiency / battery_kwh * 100 %/h,
// capped at 100 %). The controller sees only the prices that were published at each moment
// (see `visible_until`).

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::backtest {

// When prices become known.
//  - all_known: everything is known in advance (static time-of-use rules).
//  - day_ahead: Octopus Agile's rule. Prices are published once a day at `publish_at` local
//    time in `zone` (16:00 Europe/London); the publication on local day D covers prices up to
//    `covers_until` local time on day D+1 (23:00: Agile's price day runs 23:00 to 23:00 UK
//    time). So the prices of local day D+1 (up to 23:00) become visible at 16:00 on day D.
//    This is also the rule for CSV price histories in GBP. The European day-ahead market
//    (SDAC) publishes at about 13:00 CET the whole next local day: `day_ahead_europe()`.
struct PublicationRule {
  bool all_known = false;
  Zone zone = Zone::utc();
  TimeOfDay publish_at{16 * 60};
  TimeOfDay covers_until{23 * 60};

  // The Agile rule: day-ahead at 16:00 Europe/London, covering up to 23:00 of the next day.
  // Throws std::runtime_error when the OS has no Europe/London zone (a broken installation).
  static PublicationRule agile();
  // SDAC: day-ahead at 13:00 Europe/Berlin, covering the next day to its end (24:00 CET; 92 or
  // 100 quarter-hours on DST days). Throws like agile() without Europe/Berlin.
  static PublicationRule day_ahead_europe();
  static PublicationRule everything_known() { return PublicationRule{true}; }
};

// The end of the prices visible at `now`: a price slot starting before the returned instant
// was published at or before `now`. With day_ahead, before publish_at on local day D this is
// covers_until on D; from publish_at on it is covers_until on D+1. With all_known:
// Instant::max().
Instant visible_until(Instant now, const PublicationRule& rule);

// The first instant after `now` at which more prices become visible (the next publication),
// or nullopt with all_known.
std::optional<Instant> next_publication(Instant now, const PublicationRule& rule);

struct Options {
  LocalDate from;                        // first arrival date (local), inclusive
  LocalDate to;                          // last arrival date (local), inclusive
  TimeOfDay arrive{18 * 60};             // local
  TimeOfDay depart{7 * 60 + 30};         // local; the first occurrence after arrival
  double arrive_soc = 30.0;              // percent
  std::optional<double> target_soc;      // percent; default: the policy's (day overrides too)
  Seconds replan_every{30 * 60};         // forced re-plan interval (a daemon tick)
  std::optional<Seconds> observe_every;  // car observations; default: the poll intervals
  PublicationRule publication = PublicationRule::agile();
  // Called after each night with (nights done, nights in total). May be empty.
  std::function<void(int, int)> progress;
};

// What the backtest needs from the configuration.
struct Setup {
  VehicleSpec vehicle;
  ChargingPolicy policy;  // ready_by is replaced by Options::depart
  Zone zone = Zone::utc();
  Seconds observe_charging{5 * 60};  // poll interval while charging
  Seconds observe_plugged{15 * 60};  // poll interval while plugged in, not charging
};

enum class NightStatus {
  ok,
  missing_prices,  // a price between arrival and departure is unknown: night skipped
};
std::string_view to_string(NightStatus s);

struct Night {
  LocalDate date;  // local arrival date
  Instant arrive;
  Instant depart;
  NightStatus status = NightStatus::ok;
  double arrive_soc = 0.0;      // percent
  double target_soc = 0.0;      // percent
  double final_soc = 0.0;       // percent at departure
  bool target_met = false;      // final_soc within 0.05 points of target_soc, or above
  double energy_kwh = 0.0;      // grid-side energy drawn by the smart (controller) run
  double smart_cost_p = 0.0;    // energy x actual price
  double naive_cost_p = 0.0;    // full power from arrival until the target (or departure)
  double optimal_cost_p = 0.0;  // cheapest way to draw the target's energy, prices known
  double naive_energy_kwh = 0.0;
  bool naive_target_met = false;
  bool optimal_feasible = false;  // the target can be reached by departure at all
  int starts = 0;                 // start commands sent by the controller
  int replans = 0;                // plans adopted by the controller
};

struct Summary {
  int nights = 0;                // nights replayed (status ok)
  int missing_price_nights = 0;  // nights skipped for missing prices
  int target_met_nights = 0;
  double smart_cost_p = 0.0;
  double naive_cost_p = 0.0;
  double optimal_cost_p = 0.0;
  double energy_kwh = 0.0;  // smart, grid-side
  double naive_energy_kwh = 0.0;
  // (naive - smart) / naive x 100 and (naive - optimal) / naive x 100; nullopt when the naive
  // cost is not positive (percentages of a zero or negative cost mean nothing).
  std::optional<double> savings_percent;
  std::optional<double> optimal_savings_percent;
  std::vector<Night> per_night;  // every night, skipped ones included, by date
};

// Replays the nights [options.from, options.to] over `prices` (the full history, UTC).
// Nights whose prices between arrival and departure are not all in `prices` are reported as
// missing_prices and left out of the totals (documented policy: a backtest without the real
// price of every half hour cannot say what charging cost). Never throws for bad data; an empty
// range gives an empty summary.
Summary run(const Setup& setup, const Options& options, const PriceCurve& prices);

// One night on its own (used by run(); exposed for tests). `night_prices` must cover
// [arrive, depart) for a meaningful answer; gaps count as unknown.
Night run_night(const Setup& setup, const Options& options, const PriceCurve& night_prices,
                LocalDate date);

// Cost (p) of drawing power at `kw` over [from, to) at the prices of `prices` (gaps cost 0;
// callers check coverage first).
double cost_between(const PriceCurve& prices, Instant from, Instant to, double kw);

}  // namespace offpeak::backtest
