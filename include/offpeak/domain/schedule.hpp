#pragma once
// The user's charging wishes (target, ready-by, per-weekday overrides) and how they turn into
// the next concrete deadline.

#include <offpeak/domain/time.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace offpeak {

enum class Strategy {
  cheapest,    // the cheapest slots, wherever they are
  continuous,  // the cheapest single uninterrupted block
};
std::optional<Strategy> parse_strategy(std::string_view text);
std::string_view to_string(Strategy s);

// A day's target_soc or target_kwh replaces the policy's target of either kind that day.
struct DayOverride {
  std::optional<TimeOfDay> ready_by;
  std::optional<double> target_soc;
  std::optional<double> target_kwh;
};

struct ChargingPolicy {
  double target_soc = 80.0;  // percent to reach by ready_by
  // Energy to add by ready_by whatever the SoC (kWh, grid side); when set it replaces
  // target_soc (an energy target: domain/energy_target.hpp).
  std::optional<double> target_kwh;
  TimeOfDay ready_by{7 * 60 + 30};               // local time
  std::optional<double> min_soc;                 // charge at once, at any price, up to this percent
  std::optional<double> charge_below_p_per_kwh;  // always charge at or below this price
  Strategy strategy = Strategy::cheapest;
  // p per kg CO2 added to the planner's objective (cost + weight x emissions); 0: cost only.
  double carbon_weight_p_per_kg = 0.0;
  // Target not reached at ready_by and still plugged in: keep charging to the target at any
  // price (true, `continue`), or stop at ready_by (false, `stop`).
  bool continue_after_ready_by = true;
  std::array<DayOverride, 7> days{};  // by weekday (Weekday index) of the ready-by day
};

struct Deadline {
  Instant ready_by;
  double target_soc = 0.0;
  std::optional<double> target_kwh;  // an energy target (target_soc then does not apply)
};

// The first ready-by instant strictly after `now`, honouring per-weekday overrides (looked up
// by the local weekday of the ready-by day). A ready-by that falls into a skipped DST hour is
// the instant of the change.
Deadline next_deadline(Instant now, const ChargingPolicy& policy, const Zone& zone);

}  // namespace offpeak
