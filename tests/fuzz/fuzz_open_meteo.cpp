// libFuzzer target for the Open-Meteo irradiance answer parser and the panel model behind it
// (pv_check.hpp says what it must do). The first byte picks the roof's tilt and azimuth.
// Run: scripts/fuzz open_meteo [RUNS]

#include "pv_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  if (size < 1) return 0;
  solar::ArrayQuery a;
  a.orientation = {51.5, -0.12, static_cast<double>(data[0] % 91),
                   static_cast<double>((data[0] * 17) % 360)};
  a.panel.kwp = 4.2;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  return fuzz::check_pv_parse(solar::parse_open_meteo(body, a));
}
