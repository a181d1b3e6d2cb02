// libFuzzer target for the nordpool day-ahead price parser (spot_check.hpp says what it must do).
// Run: scripts/fuzz spot_nordpool [RUNS]

#include "spot_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return offpeak::fuzz::check_spot_parser(data, size, "SE3", offpeak::tariffs::parse_nordpool);
}
