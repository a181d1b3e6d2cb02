#include <offpeak/domain/charging_model.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace offpeak {
namespace {

using namespace std::chrono;

constexpr Seconds k_min_gap{10 * 60};
constexpr Seconds k_max_gap{4 * 3600};
constexpr Seconds k_longest_rest_span{14 * 3600};
constexpr double k_plateau_below = 78.0;
constexpr int k_min_pairs = 3;

constexpr double k_taper_from = 70.0;
constexpr double k_taper_to = 95.0;

struct Span {
  double from_soc;
  double to_soc;
  double power_kw;  // the mean wall power over the span
  double hours;
  int stretch;
};

double weighted_median(std::vector<Span> v) {
  std::sort(v.begin(), v.end(),
            [](const Span& a, const Span& b) { return a.power_kw < b.power_kw; });
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

// How badly `spec` predicts the duration of the spans ending above k_taper_from: the sum of
// squared errors relative to each span's length (a long span is not worth more than a short).
double duration_error(const std::vector<Span>& spans, const VehicleSpec& spec) {
  double e = 0;
  for (const auto& p : spans) {
    if (p.to_soc <= k_taper_from) continue;
    const double d = charge_hours(spec, p.from_soc, p.to_soc) - p.hours;
    e += d * d / p.hours;
  }
  return e;
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
  std::vector<Span> spans;
  auto add = [&](const ChargeObservation& a, const ChargeObservation& b, Seconds on, int stretch,
                 Seconds shortest, Seconds longest) {
    const double rise = b.soc_percent - a.soc_percent;
    if (on < shortest || on > longest || rise <= 0 || b.soc_percent >= 100.0) return;
    const double hours = static_cast<double>(on.count()) / 3600.0;
    const double kw = rise / 100.0 * configured.battery_kwh / configured.efficiency / hours;
    spans.push_back({a.soc_percent, b.soc_percent, kw, hours, stretch});
  };
  auto at_rest = [](const ChargeObservation& o) { return o.plugged_in && !o.charging; };
  int stretch = 0;  // the plug-in session of each span
  // The last reading at rest in this session, and the charger's on-time since it.
  constexpr std::size_t k_none = static_cast<std::size_t>(-1);
  std::size_t rest = !obs.empty() && at_rest(obs.front()) ? 0 : k_none;
  Seconds on{0};
  bool on_known = true;
  for (std::size_t i = 1; i < obs.size(); ++i) {
    const auto& a = obs[i - 1];
    const auto& b = obs[i];
    if (a.plugged_in && !b.plugged_in) ++stretch;
    if (a.charging && b.charging)
      add(a, b, duration_cast<Seconds>(b.at - a.at), stretch, k_min_gap, k_max_gap);
    if (!b.plugged_in) {
      rest = k_none;
      continue;
    }
    if (rest != k_none) {
      if (b.charged) {
        on += *b.charged;
      } else {
        on_known = false;
      }
    }
    if (at_rest(b)) {
      if (rest != k_none && on_known)
        add(obs[rest], b, on, stretch, 2 * k_min_gap, k_longest_rest_span);
      rest = i;
      on = Seconds{0};
      on_known = true;
    }
  }
  std::vector<Span> plateau;
  double plateau_hours = 0;
  for (const auto& p : spans) {
    if (p.to_soc < k_plateau_below) {
      plateau.push_back(p);
      plateau_hours += p.hours;
    }
  }
  if (static_cast<int>(plateau.size()) < k_min_pairs || plateau_hours < 1.0) return m;
  const double power = std::min(weighted_median(plateau), configured.max_charge_kw);
  m.power_kw = power;
  m.pairs = static_cast<int>(spans.size());
  std::vector<int> stretches;
  for (const auto& p : spans)
    if (std::find(stretches.begin(), stretches.end(), p.stretch) == stretches.end())
      stretches.push_back(p.stretch);
  m.sessions = static_cast<int>(stretches.size());

  // The taper: every start and end power on the grid, judged on the same spans.
  VehicleSpec trial = configured;
  trial.max_charge_kw = power;
  trial.taper_above_soc.reset();
  const double flat = duration_error(spans, trial);
  std::optional<double> best_t;
  double best_end = 0, best_error = flat;
  for (double t = k_taper_from; t <= k_taper_to; t += 1) {
    const auto above =
        std::count_if(spans.begin(), spans.end(), [t](const Span& p) { return p.to_soc > t; });
    if (above < k_min_pairs) continue;
    trial.taper_above_soc = t;
    for (double end_kw = 0.3; end_kw < power; end_kw += 0.1) {
      trial.taper_end_kw = end_kw;
      const double e = duration_error(spans, trial);
      if (e < best_error) {
        best_error = e;
        best_t = t;
        best_end = end_kw;
      }
    }
  }
  if (best_t && flat > 0 && 1.0 - best_error / flat > 0.3) {
    m.taper_above_soc = *best_t;
    m.taper_end_kw = std::clamp(best_end, 0.3, power);
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
