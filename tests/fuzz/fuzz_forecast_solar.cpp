// libFuzzer target for the forecast.solar answer parser (pv_check.hpp says what it must do).
// Run: scripts/fuzz forecast_solar [RUNS]

#include "pv_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  static const Zone zone = Zone::locate("Europe/London").value_or(Zone::utc());
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  return fuzz::check_pv_parse(solar::parse_forecast_solar(body, zone));
}
