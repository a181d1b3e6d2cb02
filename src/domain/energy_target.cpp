#include <offpeak/domain/energy_target.hpp>

#include <algorithm>
#include <cstdio>

namespace offpeak {
namespace {

double hours_between(Instant a, Instant b) {
  return static_cast<double>((b - a).count()) / 3600.0;
}

}  // namespace

std::string format_progress(const EnergyProgress& p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f of %.1f kWh", p.delivered_kwh, p.target_kwh);
  return buf;
}

bool has_energy_target(const ChargingPolicy& policy) {
  if (policy.target_kwh) return true;
  for (const auto& d : policy.days)
    if (d.target_kwh) return true;
  return false;
}

bool EnergyCounter::counting(Instant) const {
  return on_ && plugged_ != false;  // a plug state nobody knows counts as plugged in
}

void EnergyCounter::plugged(Instant at, bool in) {
  if (plugged_ == in) return;
  if (counting(at)) hours_ += hours_between(std::max(on_since_, since_), at);
  const bool new_session = in && plugged_ != true;
  plugged_ = in;
  if (new_session) restart(at);
  if (counting(at)) on_since_ = at;
}

void EnergyCounter::switched(Instant at, bool on) {
  if (on_ == on) return;
  if (counting(at)) hours_ += hours_between(std::max(on_since_, since_), at);
  on_ = on;
  if (counting(at)) on_since_ = at;
}

void EnergyCounter::metered(Instant at, double energy_wh) {
  (void)at;
  if (register_wh_ && energy_wh >= *register_wh_) metered_wh_ += energy_wh - *register_wh_;
  register_wh_ = energy_wh;
  meter_seen_ = true;
}

void EnergyCounter::restart(Instant at) {
  since_ = at;
  hours_ = 0.0;
  on_since_ = at;
  metered_wh_ = 0.0;
  meter_seen_ = false;
}

double EnergyCounter::delivered_kwh(Instant now) const {
  if (meter_seen_) return metered_wh_ / 1000.0;
  double h = hours_;
  if (counting(now) && now > on_since_) h += hours_between(std::max(on_since_, since_), now);
  return h * power_kw_;
}

std::optional<Instant> EnergyCounter::reaches_at(Instant now, double target_kwh) const {
  if (meter_seen_ || !counting(now) || power_kw_ <= 0) return std::nullopt;
  const double rest = target_kwh - delivered_kwh(now);
  if (rest <= 0) return now;
  return now + Seconds{static_cast<long long>(rest / power_kw_ * 3600.0 + 0.999)};
}

}  // namespace offpeak
