#include <offpeak/domain/simulated_car.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak {
namespace {

double clamp_soc(double soc) {
  if (!std::isfinite(soc)) return 0.0;
  return std::clamp(soc, 0.0, 100.0);
}

}  // namespace

SimulatedCar::SimulatedCar(SimulatedCarParams params, Instant start)
    : params_(std::move(params)),
      now_(start),
      soc_(clamp_soc(params_.soc_percent)),
      plugged_(params_.plugged_in),
      on_(params_.switched_on) {
  if (params_.pattern) plugged_ = pattern_plugged_at(start);
  sync_stretch();
}

bool SimulatedCar::pattern_plugged_at(Instant t) const {
  if (!params_.pattern) return params_.plugged_in;
  const auto& p = *params_.pattern;
  const int minute = p.zone.to_local(t).seconds_of_day / 60;
  const int in = p.plug_in_at.minutes;
  const int out = p.unplug_at.minutes;
  if (in == out) return false;
  if (in < out) return minute >= in && minute < out;
  return minute >= in || minute < out;
}

std::optional<Instant> SimulatedCar::next_transition_after(Instant t) const {
  if (!params_.pattern) return std::nullopt;
  const auto& p = *params_.pattern;
  if (p.plug_in_at == p.unplug_at) return std::nullopt;
  const auto today = std::chrono::sys_days{p.zone.local_date(t)};
  std::optional<Instant> best;
  for (int offset = -1; offset <= 2; ++offset) {
    const LocalDate day{today + std::chrono::days{offset}};
    for (const TimeOfDay tod : {p.plug_in_at, p.unplug_at}) {
      const Instant at = p.zone.at(day, tod.minutes);
      if (at > t && (!best || at < *best)) best = at;
    }
  }
  return best;
}

void SimulatedCar::charge_for(Seconds d) {
  if (!charging() || d.count() <= 0 || params_.spec.battery_kwh <= 0) return;
  const double hours = static_cast<double>(d.count()) / 3600.0;
  sync_stretch();
  const double before = soc_;
  VehicleSpec spec = params_.spec;
  if (limit_kw_) spec.max_charge_kw = std::clamp(*limit_kw_, 0.0, spec.max_charge_kw);
  soc_ = soc_after_hours(spec, soc_, hours);
  const double kwh = grid_energy_kwh(spec, before, soc_);
  energy_kwh_ += kwh;
  auto& s = log_.back();
  s.to = now_ + d;
  s.kwh += kwh;
  s.end_soc = soc_;
}

void SimulatedCar::sync_stretch() {
  if (!charging()) {
    stretch_open_ = false;
  } else if (!stretch_open_) {
    log_.push_back({now_, now_, 0.0, soc_, soc_});
    stretch_open_ = true;
  }
}

VehicleState SimulatedCar::advance(Instant to) {
  while (now_ < to) {
    const auto next = next_transition_after(now_);
    const Instant segment_end = next && *next < to ? *next : to;
    charge_for(segment_end - now_);
    now_ = segment_end;
    sync_stretch();  // full, or plugged in or out by the pattern
    if (next && *next == now_) set_plugged_in(pattern_plugged_at(now_));
  }
  return state();
}

VehicleState SimulatedCar::state() const {
  VehicleState s;
  s.device_id = params_.device_id;
  s.brand = params_.brand;
  s.model = params_.model;
  s.year = params_.year;
  s.soc_percent = soc_;
  s.plugged_in = plugged_;
  s.range_km = params_.full_range_km * soc_ / 100.0;
  s.observed_at = now_;
  if (!plugged_) {
    s.charging_state = ChargingState::not_charging;
  } else if (soc_ >= 100.0) {
    s.charging_state = ChargingState::fully_charged;
  } else if (on_) {
    s.charging_state = ChargingState::charging;
  } else {
    s.charging_state = ChargingState::not_charging;
  }
  return s;
}

bool SimulatedCar::start_charging() {
  if (!plugged_) return false;
  on_ = true;
  sync_stretch();
  return true;
}

void SimulatedCar::stop_charging() {
  on_ = false;
  sync_stretch();
}

void SimulatedCar::set_soc(double soc_percent) {
  soc_ = clamp_soc(soc_percent);
  stretch_open_ = false;  // a jump in SoC is no charging: a new stretch from here
  sync_stretch();
}

void SimulatedCar::set_plugged_in(bool plugged) {
  plugged_ = plugged;
  sync_stretch();
}

}  // namespace offpeak
