#pragma once
// What every day-ahead price parser must do with any body: an error with no prices, or prices
// that form a valid PriceCurve (sorted, no overlaps, finite). Aborts (a fuzzer crash) otherwise.

#include <offpeak/tariffs/spot.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace offpeak::fuzz {

template <typename Parse>
int check_spot_parser(const std::uint8_t* data, std::size_t size, std::string area,
                      Parse parse) {
  tariffs::SpotQuery query;
  query.area = std::move(area);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const tariffs::SpotParse p = parse(body, query);
  if (!p.ok() && !p.slots.empty()) std::abort();
  if (p.not_published && !p.slots.empty()) std::abort();
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    const auto& s = p.slots[i];
    if (!(s.start < s.end) || !std::isfinite(s.price_p_per_kwh)) std::abort();
    if (i > 0 && s.start < p.slots[i - 1].end) std::abort();
  }
  PriceCurve curve(p.slots);  // throws (and so crashes the fuzzer) when malformed
  (void)curve;
  return 0;
}

}  // namespace offpeak::fuzz
