#pragma once
// The charging controller: a pure state machine that turns observations, prices, settings and
// the clock into start/stop commands. The daemon, the simulator demo and the backtest drive the
// same class; none of it does I/O or reads a clock (every call takes `now`).
//
// Rules:
//  - Edge-triggered: a command is emitted only when the wanted switch state differs from the
//    believed one; never two commands for one edge.
//  - Never start a car known to be unplugged; stop at the target (unless the price is at or
//    below charge_below); stop at 100 %.
//  - Observations older than `stale_after` start nothing new (a running charge may go on to the
//    end of its run).
//  - Standing off: whenever no run wants power the charger is off. After a restart the switch
//    state is unknown: an observation showing CHARGING proves it on; otherwise a stop is sent
//    once (or a start when a run wants power), so a car plugged in later waits for the plan.
//  - after_ready_by, decided once at the boundary on the same (estimated) SoC the switch is
//    driven by: continue keeps a car below its target charging to it at any price, and the plan
//    made for the next deadline in the same step does not stop it; stop stops once and says so.
//  - A confirmed shortfall (a reading after the plan's charging, below the target, taken a
//    cloud lag after the last switch change, with the car not charging) re-plans at once,
//    whatever its size: the top-up goes into the cheapest time left before the ready-by. A run
//    that ends with the rest shorter than the cloud lag, at no dearer price than what is left,
//    goes on to the target instead (one stop, not a stop, a poll and a start); a charger that
//    is on stays on through a gap of up to 2 min before the next run.
//  - Mode now plans charging at once to the target, whatever the price and past ready_by if
//    need be (until `until` when given); mode off plans nothing and says so.
//  - Reached: a charge that is on stops at the target; with the charger off, a SoC just under
//    it has reached it (within rounding, or half a point for a car that reports tenths):
//    nothing starts for it, no shortfall; one check for all.
//  - Between readings the SoC is estimated (SocEstimator: the switch's stretches along the
//    charge curve at the power offered (set_charge_power_kw), or metered energy); the
//    controller stops at the estimated target, and the stop's confirmation poll reads the
//    real SoC.
//  - Confirmable switches: after a command the next observation must agree (CHARGING after
//    start, not CHARGING after stop) within `confirm_after`; otherwise the command is retried
//    with doubling back-off up to `max_retries`, then the switch is reported as failing.
//  - Surplus (spec solar.md; the composition rule in ARCHITECTURE.md): the surplus loop's wish
//    (set_surplus) turns the switch on only where no planned run does, and only when the mode
//    and prices take it (surplus_worth_taking): mode solar always (up to solar_max_soc), mode
//    smart when exporting earns less than the grid energy the surplus displaces; never in now
//    or off. The plan keeps owning runs, deadlines, min_soc and after_ready_by; mode solar
//    plans only min_soc.
//  - Energy targets (`target_kwh`, for a car whose SoC nobody knows): the plan adds the kWh
//    still missing, progress counts the charger's metered energy or the switch's on-time x
//    power (EnergyCounter, from plug-in or the passed ready-by), and the charger stops when the
//    energy is delivered; after the plan's runs a count short of the target is topped up.
//  - Re-plans when the deadline, prices, settings, mode or plug state change, when the
//    observed SoC leaves the plan's projection by more than `replan_soc_drift`, or on a
//    confirmed shortfall; otherwise the adopted plan is kept.

#include <offpeak/domain/energy_target.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/soc_estimator.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offpeak {

enum class Mode { smart, now, off, solar };
std::optional<Mode> parse_mode(std::string_view text);
std::string_view to_string(Mode m);

enum class Action { start, stop };
std::string_view to_string(Action a);

struct Command {
  Action action;
  std::string reason;  // plain words for logs and the database
};

struct ControllerSettings {
  VehicleSpec vehicle;
  ChargingPolicy policy;
  Seconds stale_after{45 * 60};   // typically 3 poll intervals
  bool confirmable = true;        // false for the log switch (it switches nothing)
  Seconds confirm_after{3 * 60};  // how long a command may take to show in observations
  int max_retries = 3;
  double replan_soc_drift = 2.0;  // percentage points
  // How long the car's cloud may take to show a change (learned: CloudLag). A reading sooner
  // than this after a switch change may still show the state before it, so it confirms no
  // shortfall; and a run that ends below the target goes on to it when the rest takes at most
  // this long (a top-up after a stop would wait at least this long for its reading).
  Seconds cloud_lag{15 * 60};
  std::string power_note;  // where vehicle.max_charge_kw comes from, for explanations
  Money money;             // the configured currency, for explanations
  // false: act on readings only, as pollers without estimation do (the backtest's baselines);
  // the SoC between readings is then the last reading's.
  bool estimate_between_readings = true;
  // With a grid meter: what exported energy earns (minor units per kWh, `site.export_price`);
  // nullopt: no grid meter, the surplus is never taken.
  std::optional<double> export_price;
  double solar_max_soc = 100.0;  // percent: surplus above the target is taken up to this
};

// The settings offpeakd runs the controller with for a car polled at these intervals: polls are
// few (a daily budget), so a reading is fresh enough to start on for 2 h (or three poll
// intervals), and a command may take 20 min to show in a reading (the car's cloud lags).
ControllerSettings polled_car_settings(VehicleSpec plan_with, std::string power_note,
                                       ChargingPolicy policy, Seconds poll_plugged,
                                       Seconds poll_charging, bool confirmable);

// The sun for the plan (planner rule 10), in mode smart: the expected surplus per slot in kW
// (forecast PV x learned scale - expected household load), what exported energy earns, the
// share of the surplus the plan counts on and, for a modulating switch, its lowest power.
struct SunPlanInputs {
  PriceCurve surplus_kw;
  std::optional<PriceCurve> export_p_per_kwh;  // per slot; gaps: export_flat_p_per_kwh
  double export_flat_p_per_kwh = 0.0;
  double confidence = 0.7;
  std::optional<double> min_power_kw;  // set: modulating
  friend bool operator==(const SunPlanInputs&, const SunPlanInputs&) = default;
};

// A one-off override of the next deadline (from the API), cleared once that deadline passes.
struct DeadlineOverride {
  std::optional<double> target_soc;
  std::optional<Instant> ready_by;
};

class Controller {
 public:
  Controller(ControllerSettings settings, Zone zone);

  // --- inputs ---
  void observe(const VehicleState& state);
  // New price knowledge. `prices` should cover at least the next 48 h where known.
  void set_prices(PriceCurve prices);
  // Grid carbon intensity (gCO2/kWh as a curve of values; gaps unknown), or nullopt: none.
  void set_carbon(std::optional<PriceCurve> carbon);
  // Estimated prices for the times not yet published (planner rule 8), or nullopt: none.
  void set_forecast(std::optional<PriceCurve> forecast);
  void set_settings(ControllerSettings settings);
  // The car cloud's learned lag (ControllerSettings::cloud_lag); keeps the plan.
  void set_cloud_lag(Seconds lag) { settings_.cloud_lag = lag; }
  // `until`: for Mode::now, revert to smart at that instant (nullopt: until the target).
  void set_mode(Mode mode, std::optional<Instant> until = std::nullopt);
  void set_override(std::optional<DeadlineOverride> o);
  // The outcome of the last emitted command (ok = the switch accepted it).
  void command_result(Instant at, bool ok, const std::string& detail);
  // The charger's energy register (Wh; only differences count), where it meters.
  void metered(Instant at, double energy_wh) {
    estimator_.metered(at, energy_wh);
    energy_.metered(at, energy_wh);
  }
  // The power the charger offers from `at` on (kW; nullopt: the car's full power), where the
  // current is set below the car's (a modulating switch following the surplus): the estimate
  // between readings charges at the lower of the two.
  void set_charge_power_kw(Instant at, std::optional<double> kw) { estimator_.offered(at, kw); }
  // The charger's own report (an OCPP wallbox): whether a car is plugged in and whether the
  // charger offers current (nullopt: unknown). A plug change acts at once (re-plan), without
  // waiting for the car's cloud; the SoC and its age stay the last reading's. `offering`
  // confirms a command the way a car observation does.
  void charger_report(Instant at, std::optional<bool> plugged_in, std::optional<bool> offering);
  // The surplus loop's wish (SurplusLoop): `on` when the roof's surplus carries the car now.
  // Whether it is taken is the mode's and the prices' decision (surplus_worth_taking).
  void set_surplus(bool on) { surplus_on_ = on; }
  // The sun for the plan, or nullopt: plans buy everything from the grid (controller_sun.cpp).
  // A change of the surplus still ahead re-plans.
  void set_sun(std::optional<SunPlanInputs> sun);
  const std::optional<SunPlanInputs>& sun() const { return sun_; }
  // What exporting earns per slot (site.export_tariff), or nullopt: the flat
  // ControllerSettings::export_price. Where known at `now` it is the export price the live
  // surplus decision weighs (surplus_worth_taking).
  void set_export_prices(std::optional<PriceCurve> prices) { export_prices_ = std::move(prices); }
  // True inside a planned slot counting on the sun: with a modulating switch the surplus
  // loop sets the current there.
  bool planned_solar_at(Instant now) const;

  // --- the step: call on every input and at `wake_at` ---
  struct Step {
    std::optional<Command> command;  // send this, then report with command_result()
    bool replanned = false;          // a new plan was adopted (log it, store it)
    std::optional<Instant> wake_at;  // call step() again no later than this
  };
  Step step(Instant now);

  // --- state for logs, API and metrics ---
  const std::optional<Plan>& plan() const { return plan_; }
  const std::optional<VehicleState>& last_observation() const { return last_obs_; }
  Mode mode() const { return mode_; }
  std::optional<Instant> mode_until() const { return mode_until_; }
  const std::optional<DeadlineOverride>& override_deadline() const { return override_; }
  // nullopt: unknown (before the first observation after start-up).
  std::optional<bool> switch_on() const { return switch_on_; }
  bool switch_failing() const { return failing_; }
  // A command awaits confirmation by an observation until then (nullopt: none).
  std::optional<Instant> confirm_by() const { return confirm_by_; }
  // When the last command was accepted or refused (nullopt: none since start-up).
  std::optional<Instant> last_command_at() const {
    return last_sent_ ? std::optional<Instant>(last_sent_at_) : std::nullopt;
  }
  const std::string& switch_problem() const { return problem_; }
  // True when the switch is wanted on for the surplus alone (no planned run wants it): the
  // surplus's current applies; otherwise the plan's (the full current).
  bool charging_for_surplus() const { return for_surplus_; }
  // Whether the mode and prices take the surplus at `now`, and why in plain words: mode solar
  // up to solar_max_soc; mode smart below the target when export_price is below the dearest
  // price the plan would pay, above it (up to solar_max_soc) when export_price is below the
  // cheapest import price of the next 24 h (export_price: the export tariff's price at `now`
  // when set_export_prices knows it). False without export_price (no grid meter).
  bool surplus_worth_taking(Instant now, std::string& why) const;
  // Why the switch is in its wanted state, in plain words ("inside the planned run
  // 00:30-02:46 at 8.50p", "car unplugged", ...).
  const std::string& reason() const { return reason_; }
  // Why the current plan was made ("first plan", "prices changed", ...).
  const std::string& replan_reason() const { return replan_reason_; }
  // When a reading would confirm that the plan's charging reached its target: a cloud lag after
  // the stop that ended the last run, while nothing more is planned before the ready-by and no
  // reading that late has come yet (nullopt: none is wanted). A shortfall it shows is topped up
  // in the time left.
  std::optional<Instant> shortfall_check_at(Instant now) const;
  // The next planned start or stop after `now`, if any.
  std::optional<std::pair<Action, Instant>> next_action(Instant now) const;
  const ControllerSettings& settings() const { return settings_; }
  const PriceCurve& prices() const { return prices_; }
  // The deadline the controller plans for at `now` (override applied).
  Deadline deadline(Instant now) const;
  // True when the last observation is older than stale_after at `now` (or there is none).
  bool stale(Instant now) const;
  // The SoC at `now`: the last reading, or an estimate from it (marked as one).
  std::optional<SocEstimate> soc_estimate(Instant now) const;
  // The energy target's progress at `now` (nullopt: the deadline is a SoC target).
  std::optional<EnergyProgress> energy_progress(Instant now) const;
  // When the charger was believed on within [from, to] since the last reading.
  std::vector<std::pair<Instant, Instant>> on_stretches(Instant from, Instant to) const {
    return estimator_.on_stretches(from, to);
  }

 private:
  bool want_on(Instant now, std::string& why) const;
  // How far under a SoC target the car may read and have reached it with the charger off: the
  // precision of the last reading (controller_detail.hpp, target_reached).
  double shortfall_tolerance() const;
  // A run that has just ended below the target goes on to it when the rest is short (within
  // cloud_lag) and no cheaper time is left before the ready-by: one stop instead of a stop,
  // a confirming poll and a top-up start.
  bool extends_run(Instant now, double soc, const Deadline& d, std::string& why) const;
  // Why nothing is charging in smart mode at `now` (waiting for a run, a run ended, ...).
  std::string idle_reason(Instant now) const;
  // Why a new plan is needed, or nullopt to keep the adopted one.
  std::optional<std::string> needs_replan(Instant now, const Deadline& d) const;
  // A reading after the plan's charging below the target, with time left before the ready-by:
  // why the plan is remade to top up (nullopt: none).
  std::optional<std::string> confirmed_shortfall(Instant now) const;
  void replan(Instant now, const Deadline& d);
  double projected_soc(Instant now) const;
  // An observation agreeing with (or not) the last command: clears the confirmation.
  void confirmed_by(Instant at, bool charging, std::optional<bool> plugged_in);

  // The surplus wish taken at `now` (want_on said no): plugged in, SoC known, observations
  // fresh enough to start on, and surplus_worth_taking (controller_surplus.cpp).
  bool takes_surplus(Instant now, std::string& why) const;

  // --- energy targets (controller_energy.cpp) ---
  // want_on for a deadline with an energy target.
  bool want_on_energy(Instant now, const Deadline& d, std::string& why) const;
  // After the plan's runs, a count short of the target with time left: why to top up.
  std::optional<std::string> energy_shortfall(Instant now) const;
  // At the boundary of a passed ready-by: below an energy target, continue or stop.
  void energy_at_ready_by(Instant now);
  // A new count at 0 once the deadline it was for has passed (and nothing goes on to it).
  void count_for(Instant now, const Deadline& d);
  // The switch changed (accepted command or the charger's word): both counts follow.
  void switched(Instant at, bool on) {
    estimator_.switched(at, on);
    energy_.switched(at, on);
  }
  void plug_seen(Instant at, bool plugged);

  ControllerSettings settings_;
  Zone zone_;
  EnergyCounter energy_;
  std::optional<Instant> counted_for_;  // the ready-by the energy count is for
  bool surplus_on_ = false;
  bool for_surplus_ = false;
  SocEstimator estimator_;
  PriceCurve prices_;
  std::optional<VehicleState> last_obs_;
  std::optional<Plan> plan_;
  PriceCurve plan_prices_;  // the prices the adopted plan was made on
  std::optional<PriceCurve> carbon_, plan_carbon_;
  std::optional<PriceCurve> forecast_, plan_forecast_;
  std::optional<SunPlanInputs> sun_, plan_sun_;
  std::optional<PriceCurve> export_prices_;
  // The sun's part of a plan request in mode smart (controller_sun.cpp).
  void add_sun(PlanRequest& req, Instant now, const Deadline& d) const;
  bool dirty_ = true;  // settings, prices or mode changed since the last plan
  std::optional<bool> plan_plugged_;
  Mode mode_ = Mode::smart;
  std::optional<Instant> mode_until_;
  std::optional<DeadlineOverride> override_;
  std::optional<Instant> override_deadline_;  // the deadline the override applies to

  std::optional<Deadline> overdue_;  // a passed deadline whose target was not reached
  std::string ready_by_note_;  // why charging stops at a passed ready-by (after_ready_by: stop)
  std::optional<Instant> first_step_;
  std::optional<bool> switch_on_;
  std::optional<bool> charger_offering_;  // the charger's last word (charger_report)
  std::optional<Action> pending_;         // emitted, no command_result yet
  std::optional<Action> last_sent_;
  std::optional<Action> last_wish_;  // the wish of the previous step
  Instant last_sent_at_{};
  std::optional<Instant> confirm_by_;  // confirmable commands awaiting an agreeing observation
  int retries_ = 0;
  std::optional<Instant> retry_at_;
  bool failing_ = false;
  std::string problem_;
  std::string reason_;
  std::string replan_reason_;
};

}  // namespace offpeak
