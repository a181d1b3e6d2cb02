#include <offpeak/domain/price_forecast.hpp>

#include <chrono>
#include <vector>

namespace offpeak {
namespace {

using namespace std::chrono;

struct Mean {
  double sum = 0.0;
  double n = 0.0;
  void add(double v, double w) {
    sum += v * w;
    n += w;
  }
  std::optional<double> value() const {
    if (n <= 0.0) return std::nullopt;
    return sum / n;
  }
};

// (local weekday 0..6, slot of the local day 0..n-1) of instant t, slots of `step` seconds.
std::pair<int, int> bucket(const Zone& zone, Instant t, int step, int n) {
  const LocalTime lt = zone.to_local(t);
  const int wd = static_cast<int>(weekday{sys_days{lt.date}}.c_encoding());
  return {wd, std::min(n - 1, lt.seconds_of_day / step)};
}

}  // namespace

std::optional<PriceCurve> forecast_prices(const PriceCurve& history, Instant from, Instant to,
                                          const Zone& zone, Seconds resolution) {
  if (!(from < to) || history.empty()) return std::nullopt;
  // Slots of the day: 15 min (96), 30 min (48) or an hour (24); others are treated as 30 min.
  const Seconds step_s =
      resolution == Seconds{900} || resolution == Seconds{3600} ? resolution : Seconds{1800};
  const int step = static_cast<int>(step_s.count());
  const int n = 86400 / step;
  const Instant h_start = history.slots().front().start;
  const Instant h_end = *history.last_end();
  if (history.known_duration(h_start, h_end) < Seconds{7 * 86400}) return std::nullopt;

  std::vector<std::vector<Mean>> by_day(7, std::vector<Mean>(static_cast<std::size_t>(n)));
  std::vector<Mean> by_half_hour(static_cast<std::size_t>(n));
  // Each history slot is sampled at the forecast's slots (its own when they are the same).
  for (const auto& s : history.slots()) {
    for (Instant t = s.start; t < s.end; t += step_s) {
      const Instant e = std::min(s.end, t + step_s);
      const double w = static_cast<double>((e - t).count());
      auto [wd, hh] = bucket(zone, t, step, n);
      by_day[static_cast<std::size_t>(wd)][static_cast<std::size_t>(hh)].add(s.price_p_per_kwh, w);
      by_half_hour[static_cast<std::size_t>(hh)].add(s.price_p_per_kwh, w);
    }
  }
  auto profile = [&](Instant t) -> std::optional<double> {
    auto [wd, hh] = bucket(zone, t, step, n);
    if (auto v = by_day[static_cast<std::size_t>(wd)][static_cast<std::size_t>(hh)].value()) {
      return v;
    }
    return by_half_hour[static_cast<std::size_t>(hh)].value();
  };
  // Level of the latest published day against the profile.
  Mean recent, expected;
  const PriceCurve history_part = history.slice(h_end - Seconds{86400}, h_end);
  for (const auto& s : history_part.slots()) {
    for (Instant t = s.start; t < s.end; t += step_s) {
      const Instant e = std::min(s.end, t + step_s);
      const double w = static_cast<double>((e - t).count());
      if (auto p = profile(t)) {
        recent.add(s.price_p_per_kwh, w);
        expected.add(*p, w);
      }
    }
  }
  const double shift =
      recent.value() && expected.value() ? *recent.value() - *expected.value() : 0.0;

  std::vector<PriceSlot> out;
  const Instant first = from - (from.time_since_epoch() % step_s);
  for (Instant t = first; t < to; t += step_s) {
    const Instant a = std::max(t, from);
    const Instant b = std::min(t + step_s, to);
    if (!(a < b)) continue;
    if (auto p = profile(t)) out.push_back({a, b, *p + shift});
  }
  return PriceCurve(std::move(out));
}

}  // namespace offpeak
