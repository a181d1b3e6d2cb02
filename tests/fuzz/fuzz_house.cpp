// libFuzzer target for the solar backtest's house trace (`time_utc,load_kw,pv_kw`): the
// parser and the lookups the replay makes. Must never crash, throw, leak or execute undefined
// behaviour; a readable trace has regular steps of 1 minute to 1 hour and powers 0..1000 kW.
#include <offpeak/backtest/house.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const backtest::HouseParse r = backtest::parse_house_csv(text);
  if (r.trace.has_value() == !r.error.empty()) std::abort();  // exactly one of them
  if (r.trace) {
    const backtest::HouseTrace& t = *r.trace;
    if (t.samples.size() < 2) std::abort();
    if (t.step < std::chrono::minutes{1} || t.step > std::chrono::hours{1}) std::abort();
    for (std::size_t i = 0; i < t.samples.size(); ++i) {
      const backtest::HouseSample& s = t.samples[i];
      if (!(s.load_kw >= 0 && s.load_kw <= 1000 && s.pv_kw >= 0 && s.pv_kw <= 1000)) std::abort();
      if (t.at(s.start) != &s) std::abort();
    }
    if (t.at(t.end()) != nullptr) std::abort();
    if (t.at(t.begin() - std::chrono::seconds{1}) != nullptr) std::abort();
  }
  return 0;
}
