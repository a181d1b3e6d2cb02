#include <offpeak/domain/soc_estimator.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak {
namespace {

double hours_between(Instant a, Instant b) {
  return static_cast<double>((b - a).count()) / 3600.0;
}

}  // namespace

void SocEstimator::observe(const VehicleState& state) {
  if (state.plugged_in) plugged_ = *state.plugged_in;
  if (!state.soc_percent) return;
  // A car that reports whole percent reads 89 at 89.7 %: after a stop, an estimate within
  // [x, x + 1) of a whole-percent reading x agrees with it and is the more precise of the two
  // (taking 89 would top up a minute for a shortfall that is not there). While the car
  // charges the reading is the base: an estimate kept from reading to reading would drift.
  const double read = *state.soc_percent;
  const auto before = estimate(state.observed_at);
  const bool agrees =
      before && before->estimated && state.charging_state == ChargingState::not_charging &&
      read == std::floor(read) && before->soc_percent >= read && before->soc_percent < read + 1.0;
  soc_ = agrees ? before->soc_percent : read;
  reading_at_ = state.observed_at;
  if (state.charging_state == ChargingState::charging) {
    charging_at_reading_ = true;
  } else if (state.plugged_in == true && state.charging_state != ChargingState::unknown) {
    charging_at_reading_ = false;
  } else {
    charging_at_reading_.reset();
  }
  // A car's cloud lags (BMW: about 10 minutes): a reading shortly after a switch change may
  // still show the state before it. The switch's own word is the better guess then; the
  // controller's confirmation sorts out a switch that did not act.
  for (auto it = switches_.rbegin(); it != switches_.rend(); ++it) {
    if (it->first > reading_at_) continue;
    if (reading_at_ - it->first <= k_cloud_lag) charging_at_reading_.reset();
    break;
  }
  // Switch changes before the reading are folded into it; keep the latest as the state.
  std::optional<std::pair<Instant, bool>> last_before;
  std::vector<std::pair<Instant, bool>> later;
  for (const auto& s : switches_) {
    if (s.first <= reading_at_) {
      last_before = s;
    } else {
      later.push_back(s);
    }
  }
  switches_.clear();
  if (last_before) switches_.push_back(*last_before);
  switches_.insert(switches_.end(), later.begin(), later.end());
  // Likewise the offered power: the one in force at the reading and the changes after it.
  auto first_after = std::find_if(offered_.begin(), offered_.end(),
                                  [&](const auto& o) { return o.first > reading_at_; });
  if (first_after != offered_.begin()) offered_.erase(offered_.begin(), first_after - 1);
  meter_at_reading_ = meter_now_ && meter_now_->first <= reading_at_ ? meter_now_ : std::nullopt;
}

void SocEstimator::switched(Instant at, bool on) {
  switches_.emplace_back(at, on);
  std::stable_sort(switches_.begin(), switches_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

void SocEstimator::offered(Instant at, std::optional<double> kw) {
  if (!offered_.empty() && offered_.back().second == kw) return;
  offered_.emplace_back(at, kw);
  std::stable_sort(offered_.begin(), offered_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

void SocEstimator::metered(Instant at, double energy_wh) {
  if (meter_now_ && energy_wh < meter_now_->second) meter_at_reading_.reset();  // a reset
  meter_now_ = std::make_pair(at, energy_wh);
  if (soc_ && at <= reading_at_) meter_at_reading_ = meter_now_;
  if (!meter_at_reading_ && soc_) meter_at_reading_ = std::make_pair(reading_at_, energy_wh);
}

std::vector<std::pair<Instant, Instant>> SocEstimator::on_stretches(Instant from,
                                                                    Instant to) const {
  std::vector<std::pair<Instant, Instant>> out;
  if (!plugged_ || !soc_) return out;
  // The state at the reading: what the car showed, else the switch as last set before it.
  bool on = false;
  if (charging_at_reading_) {
    on = *charging_at_reading_;
  } else {
    for (const auto& s : switches_)
      if (s.first < reading_at_) on = s.second;
  }
  auto add = [&](Instant a, Instant b) {
    a = std::max(a, from);
    b = std::min(b, to);
    if (a < b) out.emplace_back(a, b);
  };
  Instant t = reading_at_;
  // A switch change in the same second as the reading came after it (a command acts on what
  // the reading showed).
  for (const auto& s : switches_) {
    if (s.first < reading_at_) continue;
    if (s.first >= to) break;
    if (on) add(t, s.first);
    on = s.second;
    t = s.first;
  }
  if (on) add(t, to);
  return out;
}

std::optional<SocEstimate> SocEstimator::estimate(Instant now) const {
  if (!soc_) return std::nullopt;
  SocEstimate e;
  e.reading_at = reading_at_;
  e.soc_percent = *soc_;
  if (now <= reading_at_ || spec_.battery_kwh <= 0) return e;
  if (meter_at_reading_ && meter_now_ && meter_now_->first > reading_at_) {
    const double kwh = std::max(0.0, meter_now_->second - meter_at_reading_->second) / 1000.0;
    e.soc_percent = soc_after(spec_, *soc_, kwh);
    e.estimated = kwh > 0;
    e.metered = true;
    return e;
  }
  // Along the curve, each piece at the lower of the car's power and the power offered then.
  double soc = *soc_;
  for (const auto& [from, to] : on_stretches(reading_at_, now)) {
    Instant t = from;
    while (t < to) {
      std::optional<double> kw;
      Instant until = to;
      for (const auto& [change, power] : offered_) {
        if (change <= t) {
          kw = power;
        } else {
          until = std::min(until, change);
          break;
        }
      }
      soc = kw ? soc_after_hours(spec_, soc, hours_between(t, until), *kw)
               : soc_after_hours(spec_, soc, hours_between(t, until));
      e.estimated = true;
      t = until;
    }
  }
  e.soc_percent = soc;
  return e;
}

}  // namespace offpeak
