#pragma once
// A forecast of the panels' production: the power expected over ranges of instants, as the
// solar forecast sources give it (spec solar.md, "The sun in the plan"), and the panel model
// that turns irradiance into power (docs/solar-forecast.md).

#include <offpeak/domain/time.hpp>

#include <optional>
#include <span>
#include <vector>

namespace offpeak {

// The mean power expected over [start, end).
struct PvInterval {
  Instant start;
  Instant end;
  double watts = 0;

  bool operator==(const PvInterval&) const = default;
};

// A PV power forecast: intervals sorted by start, not overlapping, start < end, watts finite
// and >= 0. A gap between intervals is unknown, never 0.
struct PvForecast {
  std::vector<PvInterval> intervals;

  bool empty() const { return intervals.empty(); }
  // The power over the interval holding `t`, or nullopt in a gap or outside.
  std::optional<double> watts_at(Instant t) const;
  // The energy forecast over [from, to) in kWh, counting only the known parts.
  double energy_kwh(Instant from, Instant to) const;
  // Whether the intervals satisfy the invariants above.
  bool valid() const;
};

// Several arrays' forecasts summed: the total is known only where every array's forecast is.
// Adjacent intervals of equal power stay separate (boundaries of every input are kept).
PvForecast sum_forecasts(std::span<const PvForecast> arrays);

// --- The panel model -------------------------------------------------------------------------
//
// P = kwp x poa / 1000 x (1 + temp_coeff x (cell - 25)) x system_efficiency, with the cell
// temperature from the air temperature and the irradiance on the panel (the NOCT model):
// cell = air + poa x (noct - 20) / 800. Never below 0.
struct PanelModel {
  double kwp = 0;                    // peak power at standard test conditions
  double temp_coeff_per_k = -0.004;  // relative power change per kelvin above 25 degC
  double system_efficiency = 0.86;   // inverter, wiring, soiling, mismatch
  double noct_c = 45;                // nominal operating cell temperature
};

double cell_temperature_c(const PanelModel& m, double air_c, double poa_w_m2);
double panel_power_w(const PanelModel& m, double poa_w_m2, double air_c);

// The roof face: degrees; azimuth from north, clockwise (180 = south).
struct PanelOrientation {
  double latitude = 0;
  double longitude = 0;
  double tilt = 0;
  double azimuth = 180;
};

// The sun's position at `t`: elevation and azimuth (from north, clockwise) in degrees
// (NOAA's approximate formulas; within about 0.5 degree).
struct SunPosition {
  double elevation = 0;
  double azimuth = 0;
};
SunPosition sun_position(Instant t, double latitude, double longitude);

// The irradiance on the panel's plane (W/m2) from the global horizontal, diffuse horizontal
// and direct normal irradiance at `t`: beam x cos(incidence) + diffuse x (1 + cos tilt) / 2
// + ground reflection (albedo 0.2) x global x (1 - cos tilt) / 2 (isotropic sky).
double plane_of_array_irradiance(Instant t, const PanelOrientation& o, double ghi, double dhi,
                                 double dni);

}  // namespace offpeak
