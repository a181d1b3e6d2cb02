#include <offpeak/domain/household.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace offpeak {

using namespace std::chrono;

namespace {

// Monday = 0.
int weekday_index(LocalDate d) {
  return static_cast<int>((weekday{sys_days{d}}.c_encoding() + 6) % 7);
}

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  }
  return m;
}

}  // namespace

double house_load_w(const HouseSample& s) {
  return std::max(0.0, s.grid_w + s.pv_w - s.car_w);
}

std::optional<double> trimmed_mean(std::vector<double> v, double trim) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const auto cut = static_cast<std::size_t>(std::floor(v.size() * std::clamp(trim, 0.0, 0.49)));
  double sum = 0;
  for (std::size_t i = cut; i < v.size() - cut; ++i)
    sum += v[i];
  return sum / static_cast<double>(v.size() - 2 * cut);
}

std::optional<double> LoadProfile::watts(int weekday, int half_hour) const {
  if (weekday < 0 || weekday > 6 || half_hour < 0 || half_hour >= k_slots) return std::nullopt;
  return cells_[weekday][half_hour];
}

std::optional<double> LoadProfile::watts_at(Instant t, const Zone& zone) const {
  const LocalTime lt = zone.to_local(t);
  return watts(weekday_index(lt.date), lt.seconds_of_day / 1800);
}

int LoadProfile::samples(int weekday, int half_hour) const {
  if (weekday < 0 || weekday > 6 || half_hour < 0 || half_hour >= k_slots) return 0;
  return counts_[weekday][half_hour];
}

bool LoadProfile::empty() const {
  for (const auto& day : cells_)
    for (const auto& c : day)
      if (c) return false;
  return true;
}

LoadProfile learn_load_profile(std::span<const HouseSample> history, const Zone& zone,
                               const LoadProfileOptions& options) {
  std::array<std::array<std::vector<double>, LoadProfile::k_slots>, 7> cells;
  std::array<std::vector<double>, LoadProfile::k_slots> any_day;
  for (const auto& s : history) {
    if (s.duration <= Seconds{0} || s.duration > Seconds{3600}) continue;
    if (!std::isfinite(s.grid_w) || !std::isfinite(s.pv_w) || !std::isfinite(s.car_w)) continue;
    const LocalTime lt = zone.to_local(s.start);
    const int slot = lt.seconds_of_day / 1800;
    const double load = house_load_w(s);
    cells[weekday_index(lt.date)][slot].push_back(load);
    any_day[slot].push_back(load);
  }
  LoadProfile p;
  for (int d = 0; d < 7; ++d) {
    for (int h = 0; h < LoadProfile::k_slots; ++h) {
      const auto& own = cells[d][h];
      const bool enough = static_cast<int>(own.size()) >= options.min_samples;
      const auto& used = enough ? own : any_day[h];
      p.cells_[d][h] = trimmed_mean(used, options.trim);
      p.counts_[d][h] = static_cast<int>(used.size());
    }
  }
  return p;
}

PvScale learn_pv_scale(std::span<const PvActual> history, double min_forecast_w, int min_periods) {
  std::vector<double> ratios;
  for (const auto& h : history) {
    if (!std::isfinite(h.forecast_w) || !std::isfinite(h.actual_w)) continue;
    if (h.forecast_w < min_forecast_w || h.actual_w < 0) continue;
    ratios.push_back(h.actual_w / h.forecast_w);
  }
  PvScale s;
  if (static_cast<int>(ratios.size()) < min_periods) return s;
  s.periods = static_cast<int>(ratios.size());
  s.factor = std::clamp(median(std::move(ratios)).value_or(1.0), 0.2, 2.0);
  return s;
}

std::vector<SurplusSlot> expected_surplus(const PvForecast& forecast, const PvScale& scale,
                                          const LoadProfile& load, const Zone& zone, Instant from,
                                          Instant to, Seconds step) {
  std::vector<SurplusSlot> out;
  if (step <= Seconds{0}) return out;
  for (Instant a = from; a < to; a += step) {
    const Instant b = std::min(to, a + step);
    // Known only when the forecast covers the whole slot.
    Seconds covered{0};
    for (const auto& i : forecast.intervals) {
      const Instant x = std::max(a, i.start), y = std::min(b, i.end);
      if (x < y) covered += y - x;
    }
    if (covered < b - a) continue;
    const auto l = load.watts_at(a, zone);
    if (!l) continue;
    SurplusSlot s;
    s.start = a;
    s.end = b;
    const double hours = static_cast<double>((b - a).count()) / 3600.0;
    s.pv_w = forecast.energy_kwh(a, b) * 1000.0 / hours * scale.factor;
    s.load_w = *l;
    s.surplus_w = std::max(0.0, s.pv_w - s.load_w);
    out.push_back(s);
  }
  return out;
}

}  // namespace offpeak
