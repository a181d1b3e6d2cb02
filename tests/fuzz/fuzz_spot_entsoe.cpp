// libFuzzer target for the entsoe day-ahead price parser (spot_check.hpp says what it must do).
// Run: scripts/fuzz spot_entsoe [RUNS]

#include "spot_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return offpeak::fuzz::check_spot_parser(data, size, "", offpeak::tariffs::parse_entsoe);
}
