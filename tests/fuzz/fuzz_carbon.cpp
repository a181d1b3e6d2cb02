// libFuzzer target for a Carbon Intensity API response (national and regional forms): the
// parser and the curve it yields. Must never crash, throw, leak or execute undefined
// behaviour; a readable response gives a curve of finite values 0..5000 g/kWh.
#include <offpeak/tariffs/carbon.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const tariffs::CarbonParse r = tariffs::parse_carbon_response(body);
  if (r.curve.has_value() == !r.error.empty()) std::abort();  // exactly one of them
  if (r.curve) {
    for (const PriceSlot& s : r.curve->slots()) {
      if (!(s.price_p_per_kwh >= 0 && s.price_p_per_kwh <= 5000)) std::abort();
    }
    if (const auto end = r.curve->last_end()) {
      const Instant from = r.curve->slots().front().start;
      (void)r.curve->known_duration(from, *end);
      // The planner's window, in half hours (an entry may span centuries).
      (void)r.curve->slice(from, from + std::chrono::hours{48}).split(std::chrono::minutes{30});
    }
  }
  return 0;
}
