#include <offpeak/domain/savings.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak {

std::optional<double> cost_at_once_p(const PriceCurve& prices, Instant plugged_in,
                                     double energy_kwh, double full_power_kw) {
  if (!(full_power_kw > 0) || !std::isfinite(energy_kwh)) return std::nullopt;
  if (energy_kwh <= 0) return 0.0;
  // The stretch at full power, in seconds after plug-in (fractional: energy is continuous).
  // Offsets from plug-in keep the arithmetic exact where whole seconds are involved.
  const double end = energy_kwh / full_power_kw * 3600.0;
  auto offset = [&](Instant t) { return static_cast<double>((t - plugged_in).count()); };
  double cost = 0;
  double covered = 0;  // priced up to here, walking the slots in order
  for (const auto& slot : prices.slots()) {
    const double a = std::max(covered, offset(slot.start));
    const double b = std::min(end, offset(slot.end));
    if (b <= a) continue;
    if (a > covered) return std::nullopt;  // a gap before this slot
    cost += full_power_kw * (b - a) / 3600.0 * slot.price_p_per_kwh;
    covered = b;
    if (covered >= end) break;
  }
  if (covered < end) return std::nullopt;
  return cost;
}

SessionSaving session_saving(const PriceCurve& prices, Instant plugged_in, double energy_kwh,
                             double cost_p, double full_power_kw) {
  SessionSaving s;
  s.cost_at_once_p = cost_at_once_p(prices, plugged_in, energy_kwh, full_power_kw);
  if (s.cost_at_once_p) s.saving_p = *s.cost_at_once_p - cost_p;
  return s;
}

MonthSummary summarize_month(const std::vector<SessionFigures>& sessions,
                             const PriceCurve& month_prices) {
  MonthSummary m;
  for (const auto& s : sessions) {
    ++m.sessions;
    m.energy_kwh += s.energy_kwh;
    m.solar_kwh += s.solar_kwh;
    m.grid_kwh += s.energy_kwh - s.solar_kwh;
    m.cost_p += s.cost_p;
    if (s.cost_at_once_p) {
      m.cost_at_once_p += *s.cost_at_once_p;
      m.saving_p += *s.cost_at_once_p - s.cost_p;
    } else {
      ++m.unpriced;
    }
  }
  if (m.energy_kwh > 0) m.average_p_per_kwh = m.cost_p / m.energy_kwh;
  for (const auto& slot : month_prices.slots()) {
    if (!m.peak_p_per_kwh || slot.price_p_per_kwh > *m.peak_p_per_kwh)
      m.peak_p_per_kwh = slot.price_p_per_kwh;
  }
  return m;
}

}  // namespace offpeak
