#include <offpeak/domain/charging_model.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace offpeak {
namespace {

using namespace std::chrono;

constexpr Seconds k_min_gap{10 * 60};
constexpr Seconds k_max_gap{4 * 3600};
constexpr double k_plateau_below = 78.0;
constexpr int k_min_pairs = 3;

struct Pair {
  double mid_soc;
  double power_kw;
  double hours;
  int stretch;
};

double weighted_median(std::vector<Pair> v) {
  std::sort(v.begin(), v.end(),
            [](const Pair& a, const Pair& b) { return a.power_kw < b.power_kw; });
  double total = 0;
  for (const auto& p : v)
    total += p.hours;
  double acc = 0;
  for (const auto& p : v) {
    acc += p.hours;
    if (acc >= total / 2) return p.power_kw;
  }
  return v.back().power_kw;
}

std::string num(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

LearnedChargingModel learn_charging_model(const std::vector<ChargeObservation>& obs,
                                          const VehicleSpec& configured) {
  LearnedChargingModel m;
  if (configured.battery_kwh <= 0 || configured.efficiency <= 0) return m;
  std::vector<Pair> pairs;
  int stretch = 0;  // the plug-in session of each pair
  for (std::size_t i = 1; i < obs.size(); ++i) {
    const auto& a = obs[i - 1];
    const auto& b = obs[i];
    if (a.plugged_in && !b.plugged_in) ++stretch;
    if (!a.charging || !b.charging) continue;
    Seconds gap = b.at - a.at;
    double rise = b.soc_percent - a.soc_percent;
    if (gap < k_min_gap || gap > k_max_gap || rise <= 0 || b.soc_percent >= 100.0) continue;
    double hours = static_cast<double>(gap.count()) / 3600.0;
    double kw = rise / 100.0 * configured.battery_kwh / configured.efficiency / hours;
    pairs.push_back({(a.soc_percent + b.soc_percent) / 2, kw, hours, stretch});
  }
  std::vector<Pair> plateau;
  double plateau_hours = 0;
  for (const auto& p : pairs) {
    if (p.mid_soc < k_plateau_below) {
      plateau.push_back(p);
      plateau_hours += p.hours;
    }
  }
  if (static_cast<int>(plateau.size()) < k_min_pairs || plateau_hours < 1.0) return m;
  const double power = std::min(weighted_median(plateau), configured.max_charge_kw);
  m.power_kw = power;
  m.pairs = static_cast<int>(pairs.size());
  std::vector<int> stretches;
  for (const auto& p : pairs)
    if (std::find(stretches.begin(), stretches.end(), p.stretch) == stretches.end())
      stretches.push_back(p.stretch);
  m.sessions = static_cast<int>(stretches.size());

  // Taper: a linear fall-off from T, fitted to the pairs above T by least squares.
  auto flat_error = [&](double from) {
    double e = 0;
    for (const auto& p : pairs)
      if (p.mid_soc > from) e += p.hours * (p.power_kw - power) * (p.power_kw - power);
    return e;
  };
  std::optional<double> best_t;
  double best_slope = 0, best_gain = 0;
  for (double t = 70; t <= 95; t += 1) {
    double num_ = 0, den = 0;
    int above = 0;
    for (const auto& p : pairs) {
      if (p.mid_soc <= t) continue;
      ++above;
      num_ += p.hours * (power - p.power_kw) * (p.mid_soc - t);
      den += p.hours * (p.mid_soc - t) * (p.mid_soc - t);
    }
    if (above < k_min_pairs || den <= 0) continue;
    double slope = std::max(0.0, num_ / den);
    double err = 0;
    for (const auto& p : pairs) {
      if (p.mid_soc <= t) continue;
      double model = power - slope * (p.mid_soc - t);
      err += p.hours * (p.power_kw - model) * (p.power_kw - model);
    }
    // Judge every T on the same pairs: those above the lowest candidate.
    double base = flat_error(70);
    double total = err + (flat_error(70) - flat_error(t));
    double gain = base > 0 ? 1.0 - total / base : 0.0;
    if (slope > 0 && gain > best_gain) {
      best_gain = gain;
      best_t = t;
      best_slope = slope;
    }
  }
  if (best_t && best_gain > 0.3) {
    m.taper_above_soc = *best_t;
    m.taper_end_kw = std::clamp(power - best_slope * (100.0 - *best_t), 0.3, power);
  }
  return m;
}

VehicleSpec effective_spec(const VehicleSpec& configured, const LearnedChargingModel& model) {
  VehicleSpec v = configured;
  if (model.power_kw) v.max_charge_kw = std::min(*model.power_kw, configured.max_charge_kw);
  if (model.taper_above_soc) {
    v.taper_above_soc = model.taper_above_soc;
    v.taper_end_kw = std::min(model.taper_end_kw, v.max_charge_kw);
  }
  return v;
}

std::string describe(const LearnedChargingModel& model, const VehicleSpec& configured) {
  if (!model.power_kw) {
    return num(configured.max_charge_kw, 1) + " kW configured (nothing learned yet)";
  }
  std::string s = num(*model.power_kw, 1) + " kW learned from " + std::to_string(model.sessions) +
                  (model.sessions == 1 ? " session" : " sessions");
  if (model.taper_above_soc) {
    s += ", tapering above " + num(*model.taper_above_soc, 0) + " % to " +
         num(model.taper_end_kw, 1) + " kW";
  }
  return s;
}

}  // namespace offpeak
