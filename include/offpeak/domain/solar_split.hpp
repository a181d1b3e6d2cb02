#pragma once
// How much of the car's charging came from the roof (spec solar.md "What the user sees":
// sessions' solar_kwh and grid_kwh). Pure: the caller passes every meter reading while a
// session is open.
//
// The part of the car's power not drawn from the grid is solar: with the grid importing G W
// while the car draws C W, grid = clamp(G, 0, C) and solar = C - grid. A stale or missing grid
// reading is never surplus: the car's power then counts as grid. Between two readings the
// first one's values hold (a step function); a gap longer than `max_gap` counts nothing
// (unknown), so a daemon that was down adds no energy.

#include <offpeak/domain/time.hpp>

#include <optional>

namespace offpeak {

class SolarSplit {
 public:
  explicit SolarSplit(Seconds max_gap = Seconds{300}) : max_gap_(max_gap) {}

  // A reading at `at`: the car's power (W, >= 0) and the grid's (import positive; nullopt when
  // stale or unknown). Readings out of order are ignored.
  void add(Instant at, double car_w, std::optional<double> grid_w);
  // Counts up to `at` with the last reading's values held (as the next reading would), so
  // that the totals cover the time until `at`. Nothing before the first reading.
  void advance(Instant at);

  double solar_kwh() const { return solar_wh_ / 1000.0; }
  double grid_kwh() const { return grid_wh_ / 1000.0; }
  // The cost of the energy so far: grid energy at `import_price`, solar energy at what
  // exporting it would have earned (`export_price`), both per kWh in the same unit.
  double cost(double import_price, double export_price) const {
    return grid_kwh() * import_price + solar_kwh() * export_price;
  }
  void reset();

 private:
  Seconds max_gap_;
  std::optional<Instant> last_at_;
  double last_car_w_ = 0.0;
  std::optional<double> last_grid_w_;
  double solar_wh_ = 0.0;
  double grid_wh_ = 0.0;
};

}  // namespace offpeak
