#pragma once
// A simulated house for demos and tests (meter type `simulator`, docs/solar.md): a day's PV
// production and household load as a trace over the local time of day, read from a CSV
// (`time,pv_kw,load_kw`, one row per step, e.g. half-hourly), interpolated linearly between
// rows and around midnight. The house's grid power with the car drawing `car_w` is
// load + car - PV (import positive), as a grid meter at the connection would read it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak {

struct HousePoint {
  int second_of_day = 0;  // local time of day, 0..86399
  double pv_w = 0;
  double load_w = 0;
  friend bool operator==(const HousePoint&, const HousePoint&) = default;
};

struct HouseTrace {
  std::vector<HousePoint> points;  // ascending second_of_day, at least one
  // Interpolated at a local time of day (seconds since local midnight).
  double pv_w(int second_of_day) const;
  double load_w(int second_of_day) const;
  // Import positive: what the grid meter reads with the car drawing car_w.
  double grid_w(int second_of_day, double car_w) const {
    return load_w(second_of_day) + car_w - pv_w(second_of_day);
  }
  friend bool operator==(const HouseTrace&, const HouseTrace&) = default;
};

struct HouseTraceError {
  int line = 0;    // 1-based; 0: the file as a whole
  int column = 0;  // 1-based
  std::string message;
};

struct HouseTraceParse {
  std::optional<HouseTrace> trace;
  std::vector<HouseTraceError> errors;  // empty when trace is set
};

// The header `time,pv_kw,load_kw`, then rows `HH:MM,<kW>,<kW>` with times strictly ascending
// within one day; blank lines and lines starting with `#` are skipped. Powers are kW, not
// negative, at most 1000.
HouseTraceParse parse_house_trace(std::string_view csv);

}  // namespace offpeak
