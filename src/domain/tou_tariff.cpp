#include <offpeak/domain/tou_tariff.hpp>

#include <algorithm>
#include <array>
#include <bitset>
#include <chrono>

namespace offpeak {
namespace {

using namespace std::chrono;

constexpr int k_minutes_per_day = 1440;

// Interval of one period occurrence: [start, end) in UTC with its priority (list index).
struct Occurrence {
  Instant start;
  Instant end;
  int priority;  // -1 = default price
  double price;
};

bool matches(const TouPeriod& p, LocalDate d) {
  auto wd = static_cast<unsigned>(weekday_of(d));
  auto mo = static_cast<unsigned>(d.month()) - 1;
  return (p.days_mask >> wd & 1U) && (p.months_mask >> mo & 1U);
}

// Local minutes [start, end) relative to the start day; end may be up to 2880.
std::pair<int, int> local_span(const TouPeriod& p) {
  int s = p.start_minutes;
  int e = p.end_minutes;
  if (e == s) return {s, s + k_minutes_per_day};  // whole day
  if (e < s) return {s, e + k_minutes_per_day};   // crosses midnight ("00:00" too)
  return {s, e};
}

}  // namespace

PriceCurve TouTariff::prices(Instant from, Instant to) const {
  if (!(from < to)) return {};
  std::vector<Occurrence> occ;
  // A period starting the day before `from` can reach into it; one starting on the last day
  // can start before `to`.
  LocalDate first{sys_days{zone_.local_date(from)} - days{1}};
  LocalDate last = zone_.local_date(to);
  for (sys_days d = sys_days{first}; d <= sys_days{last}; d += days{1}) {
    LocalDate day{d};
    if (rules_.default_price_p_per_kwh) {
      occ.push_back({zone_.at(day, 0), zone_.at(LocalDate{d + days{1}}, 0), -1,
                     *rules_.default_price_p_per_kwh});
    }
    for (std::size_t i = 0; i < rules_.periods.size(); ++i) {
      const TouPeriod& p = rules_.periods[i];
      if (!matches(p, day)) continue;
      auto [s, e] = local_span(p);
      Instant a = zone_.at(day, s, false);
      Instant b = e > k_minutes_per_day
                      ? zone_.at(LocalDate{d + days{1}}, e - k_minutes_per_day, true)
                      : zone_.at(day, e, true);
      if (a < b) occ.push_back({a, b, static_cast<int>(i), p.price_p_per_kwh});
    }
  }
  // Sweep over every boundary; the highest priority occurrence covering a piece wins.
  std::vector<Instant> cuts{from, to};
  for (const auto& o : occ) {
    if (o.start > from && o.start < to) cuts.push_back(o.start);
    if (o.end > from && o.end < to) cuts.push_back(o.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<PriceSlot> slots;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    Instant a = cuts[i], b = cuts[i + 1];
    const Occurrence* best = nullptr;
    for (const auto& o : occ) {
      if (o.start <= a && b <= o.end && (best == nullptr || o.priority >= best->priority)) {
        best = &o;
      }
    }
    if (best == nullptr) continue;  // no default and no period: unknown
    if (!slots.empty() && slots.back().end == a && slots.back().price_p_per_kwh == best->price) {
      slots.back().end = b;
    } else {
      slots.push_back({a, b, best->price});
    }
  }
  return PriceCurve(std::move(slots));
}

std::optional<std::string> tou_coverage_gap(const TouRules& rules) {
  if (rules.default_price_p_per_kwh) return std::nullopt;
  static constexpr std::array<std::string_view, 12> k_mon = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr std::array<std::string_view, 7> k_wd = {"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
  // For every (month, weekday) and both possibilities for the previous day's month (same
  // month, or the previous one on the 1st), the day's minutes must all be covered.
  for (int month = 0; month < 12; ++month) {
    for (int wd = 0; wd < 7; ++wd) {
      for (int prev_month_shift = 0; prev_month_shift <= 1; ++prev_month_shift) {
        int prev_month = (month + 12 - prev_month_shift) % 12;
        int prev_wd = (wd + 6) % 7;
        std::bitset<k_minutes_per_day> covered;
        for (const auto& p : rules.periods) {
          auto [s, e] = local_span(p);
          if ((p.days_mask >> wd & 1U) && (p.months_mask >> month & 1U)) {
            for (int m = s; m < std::min(e, k_minutes_per_day); ++m)
              covered.set(static_cast<std::size_t>(m));
          }
          if (e > k_minutes_per_day && (p.days_mask >> prev_wd & 1U) &&
              (p.months_mask >> prev_month & 1U)) {
            for (int m = 0; m < e - k_minutes_per_day; ++m)
              covered.set(static_cast<std::size_t>(m));
          }
        }
        if (!covered.all()) {
          int m = 0;
          while (covered.test(static_cast<std::size_t>(m)))
            ++m;
          return std::string(k_wd[static_cast<std::size_t>(wd)]) + " in " +
                 std::string(k_mon[static_cast<std::size_t>(month)]) + " at " +
                 format_time_of_day(TimeOfDay{m});
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace offpeak
