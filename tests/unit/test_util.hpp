#pragma once
// Helpers shared by the domain unit tests: instants from RFC 3339 literals, Europe/London,
// price curves from lists of half-hour prices.

#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace offpeak::test {

inline Instant at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) throw std::invalid_argument(std::string("bad instant in test: ") + rfc3339);
  return *t;
}

inline std::string iso(Instant t) {
  return format_rfc3339(t);
}

inline const Zone& london() {
  static const Zone z = *Zone::locate("Europe/London");
  return z;
}

inline LocalDate ymd(int y, unsigned m, unsigned d) {
  return LocalDate{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// Consecutive slots of `step` from `start`; a nullopt price leaves a gap (unknown).
inline PriceCurve curve(Instant start, const std::vector<std::optional<double>>& prices,
                        Seconds step = Seconds{1800}) {
  std::vector<PriceSlot> slots;
  Instant t = start;
  for (const auto& p : prices) {
    if (p) slots.push_back({t, t + step, *p});
    t += step;
  }
  return PriceCurve(std::move(slots));
}

// Slots rendered "start/end@price" in UTC, for readable comparisons.
inline std::vector<std::string> describe(const PriceCurve& c) {
  std::vector<std::string> out;
  for (const auto& s : c.slots()) {
    char price[32];
    std::snprintf(price, sizeof price, "%g", s.price_p_per_kwh);
    out.push_back(iso(s.start) + "/" + iso(s.end) + "@" + price);
  }
  return out;
}

}  // namespace offpeak::test
