#include <offpeak/domain/session_tracker.hpp>

#include <algorithm>
#include <cstdio>

namespace offpeak {

std::optional<double> average_price(const PriceCurve& prices,
                                    const std::vector<std::pair<Instant, Instant>>& stretches) {
  double weighted = 0;
  double seconds = 0;
  for (const auto& [from, to] : stretches) {
    for (const auto& slot : prices.slots()) {
      const Instant a = std::max(from, slot.start);
      const Instant b = std::min(to, slot.end);
      if (a >= b) continue;
      const auto d = static_cast<double>((b - a).count());
      weighted += slot.price_p_per_kwh * d;
      seconds += d;
    }
  }
  if (seconds <= 0) return std::nullopt;
  return weighted / seconds;
}

void SessionTracker::start_split() {
  split_.reset();
  split_solar_kwh_ = split_grid_kwh_ = 0;
}

void SessionTracker::site(Instant at, double car_w, std::optional<double> grid_w) {
  if (open_) split_.add(at, car_w, grid_w);
}

void SessionTracker::add_energy(double kwh, Instant from, Instant to,
                                std::optional<double> import_price) {
  split_.advance(to);
  const double d_solar = split_.solar_kwh() - split_solar_kwh_;
  const double d_grid = split_.grid_kwh() - split_grid_kwh_;
  split_solar_kwh_ = split_.solar_kwh();
  split_grid_kwh_ = split_.grid_kwh();
  const double metered = d_solar + d_grid;
  const double share = metered > 1e-9 ? std::clamp(d_solar / metered, 0.0, 1.0) : 0.0;
  const double solar = kwh * share;
  open_->energy_kwh += kwh;
  open_->solar_kwh += solar;
  if (import_price) open_->cost_p += (kwh - solar) * *import_price;
  if (solar > 0 && export_price_) {
    const Instant mid = from + (to - from) / 2;
    if (auto p = export_price_(mid)) open_->cost_p += solar * *p;
  }
}

void SessionTracker::resume(SessionRecord open, std::optional<VehicleState> last_reading) {
  start_split();
  open_ = std::move(open);
  if (last_reading && last_reading->soc_percent) last_ = std::move(last_reading);
}

SessionUpdate SessionTracker::observe(
    const VehicleState& state, const VehicleSpec& spec, const PriceCurve& prices,
    const std::vector<std::pair<Instant, Instant>>& on_stretches) {
  SessionUpdate u;
  u.at = state.observed_at;
  u.soc = state.soc_percent;
  const std::optional<VehicleState> prev = last_;
  if (state.soc_percent) last_ = state;

  if (state.plugged_in == false) {
    last_unplugged_ = state;
    if (!open_) return u;
    u.kind = SessionUpdate::Kind::closed;
    u.session = *open_;
    open_.reset();
    return u;
  }
  if (state.plugged_in != true && !open_) return u;

  if (!open_) {
    SessionRecord s;
    s.started_at = state.observed_at;
    s.start_soc = state.soc_percent;
    const bool charging = state.charging_state == ChargingState::charging;
    const auto& before = last_unplugged_;
    if (charging && before && before->soc_percent && state.soc_percent &&
        *state.soc_percent > *before->soc_percent) {
      const double from = *before->soc_percent;
      const double to = *state.soc_percent;
      const auto hours = charge_hours(spec, from, to);
      const Instant earliest = before->observed_at;
      const Instant by_curve = state.observed_at - Seconds{static_cast<long long>(hours * 3600)};
      s.started_at = std::max(earliest, by_curve);
      s.start_soc = from;
      s.energy_kwh = grid_energy_kwh(spec, from, to);
      if (auto p = average_price(prices, {{s.started_at, state.observed_at}}))
        s.cost_p = s.energy_kwh * *p;
      s.inferred = true;
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "already charging when first seen: plugged in about %lld min earlier and "
                    "drew at least %.2f kWh before (inferred from the SoC rise %.0f%% -> %.0f%%)",
                    static_cast<long long>((state.observed_at - s.started_at).count() / 60),
                    s.energy_kwh, from, to);
      s.note = buf;
    } else if (charging) {
      s.note = "already charging when first seen; the energy before is unknown";
    }
    start_split();
    open_ = s;
    u.kind = SessionUpdate::Kind::opened;
    u.session = s;
    return u;
  }

  // An open session: add the energy of a SoC rise since the previous reading.
  if (!open_->metered && prev && prev->soc_percent && state.soc_percent &&
      *state.soc_percent > *prev->soc_percent && state.observed_at > prev->observed_at) {
    const double kwh = grid_energy_kwh(spec, *prev->soc_percent, *state.soc_percent);
    auto stretches = on_stretches;
    if (stretches.empty()) stretches.emplace_back(prev->observed_at, state.observed_at);
    add_energy(kwh, prev->observed_at, state.observed_at, average_price(prices, stretches));
  }
  u.kind = SessionUpdate::Kind::updated;
  u.session = *open_;
  return u;
}

SessionUpdate SessionTracker::metered(Instant at, double energy_wh, const PriceCurve& prices) {
  SessionUpdate u;
  u.at = at;
  const auto prev = meter_;
  meter_ = std::make_pair(at, energy_wh);
  if (!open_) return u;
  // From the first register reading on, the meter counts (not the SoC rise).
  if (!open_->metered) {
    open_->metered = true;
    open_->note = open_->note.empty() ? "metered by the charger"
                                      : open_->note + "; then metered by the charger";
  }
  if (!prev || energy_wh < prev->second || at < prev->first) return u;
  const double kwh = (energy_wh - prev->second) / 1000.0;
  if (kwh <= 0 || kwh > 200.0) return u;  // > 200: a new meter or a unit mix-up
  const Instant from = prev->first;
  add_energy(kwh, from, at, average_price(prices, {{from, std::max(at, from + Seconds{1})}}));
  u.kind = SessionUpdate::Kind::updated;
  u.session = *open_;
  u.soc = last_ ? last_->soc_percent : std::nullopt;
  return u;
}

}  // namespace offpeak
