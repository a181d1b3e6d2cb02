#include <offpeak/domain/solar_split.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak {

void SolarSplit::add(Instant at, double car_w, std::optional<double> grid_w) {
  if (last_at_ && at < *last_at_) return;
  if (last_at_ && at - *last_at_ <= max_gap_) {
    const double hours = std::chrono::duration<double>(at - *last_at_).count() / 3600.0;
    const double car = last_car_w_;
    const double from_grid =
        last_grid_w_ ? std::clamp(*last_grid_w_, 0.0, car) : car;  // stale: never surplus
    grid_wh_ += from_grid * hours;
    solar_wh_ += (car - from_grid) * hours;
  }
  last_at_ = at;
  last_car_w_ = std::isfinite(car_w) ? std::max(0.0, car_w) : 0.0;
  last_grid_w_ = grid_w && std::isfinite(*grid_w) ? grid_w : std::nullopt;
}

void SolarSplit::advance(Instant at) {
  if (!last_at_ || at <= *last_at_) return;
  add(at, last_car_w_, last_grid_w_);
}

void SolarSplit::reset() {
  last_at_.reset();
  last_car_w_ = 0.0;
  last_grid_w_.reset();
  solar_wh_ = grid_wh_ = 0.0;
}

}  // namespace offpeak
