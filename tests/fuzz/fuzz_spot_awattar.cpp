// libFuzzer target for the awattar spot price parser: any body must give either an error and no
// prices, or prices that form a valid PriceCurve (sorted, no overlaps, finite). Run:
// scripts/fuzz-spot [SECONDS]

#include <offpeak/tariffs/spot.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const offpeak::tariffs::SpotQuery query = [] {
    offpeak::tariffs::SpotQuery q;
    q.area = "";
    return q;
  }();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const offpeak::tariffs::SpotParse p = offpeak::tariffs::parse_awattar(body, query);
  if (!p.ok() && !p.slots.empty()) std::abort();
  if (p.not_published && !p.slots.empty()) std::abort();
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    const auto& s = p.slots[i];
    if (!(s.start < s.end) || !std::isfinite(s.price_p_per_kwh)) std::abort();
    if (i > 0 && s.start < p.slots[i - 1].end) std::abort();
  }
  offpeak::PriceCurve curve(p.slots);  // throws (and so crashes the fuzzer) when malformed
  (void)curve;
  return 0;
}
