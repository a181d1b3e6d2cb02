#pragma once
// What the controller's files share (controller.cpp, controller_plan.cpp,
// controller_energy.cpp): thresholds and the wording of reasons.

#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/time.hpp>

#include <cstdio>
#include <string>

namespace offpeak::controller_detail {

// With the charger off, a SoC less than this under the target has reached it. A car that
// reports whole percent: rounding only (its reading x means [x, x + 1), and an estimate kept in
// there is a guess). One that reports tenths: half a point, as then it reads as the target in
// whole percent (as the dashboard and the reasons show it) and is settling just under it.
// A charge that is on goes on to the target itself. Every check against a SoC target (the
// stop, a run's extension, the ready-by, a confirmed shortfall) asks target_reached with the
// same tolerance, so a value one of them accepts never makes another start a top-up.
inline constexpr double k_shortfall_pct = 0.1;
inline constexpr double k_shortfall_tenths_pct = 0.5;
inline bool target_reached(double soc, double target, bool charging, double tolerance) {
  return soc >= (charging ? target : target - tolerance);
}

// An energy count this far below its target is short of it (a meter's rounding is less).
inline constexpr double k_shortfall_kwh = 0.05;
// A charger that is on stays on through a gap this short before the next planned run.
inline constexpr Seconds k_bridge{2 * 60};
inline constexpr const char* k_off_reason =
    "mode is off: no charging until the mode is smart or now";

inline const ChargeRun* next_run_within(const Plan& plan, Instant now, Seconds gap) {
  for (const auto& run : plan.runs)
    if (run.start > now) return run.start - now <= gap ? &run : nullptr;
  return nullptr;
}

inline std::string pct(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", v);
  return buf;
}

inline std::string kwh_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f kWh", v);
  return buf;
}

}  // namespace offpeak::controller_detail
