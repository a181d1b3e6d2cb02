#pragma once
// The field backtest: the daemon's whole loop replayed with a virtual clock against a car that
// is not its data sheet, over months of real prices and irregular stays. The same domain code
// as offpeakd: the poll policy within the day's request budget (next_poll, RequestBudget), SoC
// estimation between readings and the controller (Controller), the charging model learned from
// its own readings after every session (learn_charging_model, effective_spec), session
// accounting (SessionTracker) and the usual plug-in times (usual_plug_in_times).
//
// The car (SimulatedCar) draws less than configured and tapers; its cloud refreshes the
// reported state only every `cloud_refresh`, so a poll reads a state up to that old; the
// charger's switch keeps its state across unplug and plug-in, as a relay does.
//
// Strategies, on the same car, stays and prices:
//  - field: the daemon as it is (standing off, poll budget, estimation, learned model);
//  - fixed: a fixed-interval poller (`poll_charging` while the last reading showed charging,
//    `poll_plugged` while plugged in, `poll_away` otherwise), nameplate planning, acting on
//    readings only; standing off as well;
//  - before: as fixed, with a charger that switches on at plug-in (the old simulator, and
//    plug-and-charge wallboxes): the car charges from plug-in until a poll notices it.
// Pure: no I/O, no clock.

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::backtest {

// One stay at home: plugged in at `arrive` with `arrive_soc`, unplugged at `depart`.
struct Stay {
  Instant arrive;
  Instant depart;
  double arrive_soc = 30.0;
};

// A seeded random pattern of stays: most evenings the car comes home between `arrive_from`
// and `arrive_to` (local) with a SoC between `soc_from` and `soc_to`, and leaves the next
// morning between ready-by and `leave_within` after it; on `away_share` of the evenings it
// does not come home at all.
struct StayPattern {
  std::uint32_t seed = 1;
  double away_share = 0.15;
  TimeOfDay arrive_from{16 * 60 + 30};
  TimeOfDay arrive_to{22 * 60};
  double soc_from = 20.0;
  double soc_to = 60.0;
  Seconds leave_within{60 * 60};
};

// Stays for the evenings from `from` to `to` (local dates, inclusive); departures follow the
// ready-by of `policy` (day overrides included).
std::vector<Stay> random_stays(LocalDate from, LocalDate to, const ChargingPolicy& policy,
                               const Zone& zone, const StayPattern& pattern);

// Stays from CSV text: a header line, then `arrive,depart,arrive_soc` per line (RFC 3339
// instants, percent), sorted by arrival, not overlapping. Throws std::runtime_error naming the
// line and the cause ("line 4: depart 2026-01-05T07:00:00Z is not after arrive ...").
std::vector<Stay> parse_stays_csv(std::string_view text);

// The real car, unlike its data sheet.
struct FieldCar {
  double wall_kw = 6.0;  // what it really draws while charging
  std::optional<double> taper_above_soc = 80.0;
  double taper_end_kw = 1.5;       // at 100 %
  Seconds cloud_refresh{10 * 60};  // the cloud refreshes the reported state this often
  // The cloud reports whole percent, rounded down (BMW's charge_percentage, and
  // offpeak-connect-sim): a car at 79.8 % reads 79.
  bool whole_percent = true;
};

enum class FieldStrategy { field, fixed, before };
std::string_view to_string(FieldStrategy s);

struct FieldOptions {
  FieldStrategy strategy = FieldStrategy::field;
  FieldCar car;
  std::vector<Stay> stays;  // sorted by arrival, not overlapping
  Instant from;             // the simulated span; stays outside it are ignored
  Instant to;
  int max_per_day = 40;  // the request budget (field only; the baselines have none)
  bool learn = true;     // field: plan with the learned model
  Seconds poll_charging{5 * 60};
  Seconds poll_plugged{15 * 60};
  Seconds poll_away{60 * 60};
  PublicationRule publication = PublicationRule::agile();
  // Called after each simulated day with (days done, days in total). May be empty.
  std::function<void(int, int)> progress;
  // Called for every command the controller sends (when, what, why) and every poll (when,
  // the reading: `poll`). May be empty.
  std::function<void(Instant, const Command&)> on_command;
  std::function<void(Instant, const VehicleState&)> on_poll;
};

// Local 16:00-19:00: the evening peak of UK tariffs, where charging at plug-in lands.
bool in_evening_peak(Instant t, const Zone& zone);

struct FieldStay {
  Stay stay;
  Instant ready_by;  // the deadline planned for (before departure when it left early)
  double target_soc = 0.0;
  double soc_at_ready_by = 0.0;
  bool target_met = false;  // within 0.5 points of the target, or above
  // Every price of the stay is known and it ends inside the span (otherwise it is left out
  // of the totals).
  bool priced = true;
  double energy_kwh = 0.0;  // grid side, from arrival to departure
  double cost_p = 0.0;
  double soc_at_departure = 0.0;
  double after_ready_by_kwh = 0.0;  // drawn after ready-by (after_ready_by: continue)
  double after_ready_by_cost_p = 0.0;
  int starts = 0;  // start commands sent during the stay
  // A start and a stop (either order) sent within a minute of each other: a flip.
  int flips = 0;
  std::optional<Instant> first_flip;  // when the first flip happened
  double peak_kwh = 0.0;              // drawn in the evening peak (local 16:00-19:00)
  double above_cheapest_kwh = 0.0;    // drawn at a price above the optimum's dearest slot
  double optimal_cost_p = 0.0;        // perfect knowledge, the real car: arrival SoC to target
  double optimal_energy_kwh = 0.0;
  bool optimal_feasible = false;
};

struct FieldSummary {
  FieldStrategy strategy = FieldStrategy::field;
  int days = 0;  // simulated UTC days
  std::int64_t polls = 0;
  std::int64_t requests = 0;  // polls and token requests (a token lasts 8 h)
  int max_requests_in_a_day = 0;
  int stays = 0;           // counted stays (priced, inside the span)
  int unpriced_stays = 0;  // left out: a price missing, or the stay runs past the span
  int target_met = 0;
  double energy_kwh = 0.0;
  double cost_p = 0.0;
  double optimal_cost_p = 0.0;
  double optimal_energy_kwh = 0.0;
  double peak_kwh = 0.0;
  double above_cheapest_kwh = 0.0;
  double after_ready_by_kwh = 0.0;  // drawn after the ready-by (after_ready_by: continue)
  double after_ready_by_cost_p = 0.0;
  int flip_stays = 0;  // stays with a start and a stop within a minute of each other
  std::string model;   // what the charging model says at the end ("6.0 kW learned from ...")
  // field: why it polled ("confirm the command", "charging", ...) and how often.
  std::map<std::string, std::int64_t> poll_reasons;
  std::vector<FieldStay> per_stay;

  double polls_per_day() const { return days > 0 ? static_cast<double>(polls) / days : 0.0; }
  double requests_per_day() const { return days > 0 ? static_cast<double>(requests) / days : 0.0; }
};

// Replays `options.strategy` over [options.from, options.to). `setup.vehicle` is the
// configuration (what offpeak is told); options.car is the truth. Never throws for bad data.
FieldSummary run_field(const Setup& setup, const FieldOptions& options, const PriceCurve& prices);

}  // namespace offpeak::backtest
