// libFuzzer target for the Solcast rooftop forecast parser (pv_check.hpp says what it must do).
// Run: scripts/fuzz solcast [RUNS]

#include "pv_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  return offpeak::fuzz::check_pv_parse(offpeak::solar::parse_solcast(body));
}
