// libFuzzer target for what a home meter sends (an MQTT payload or an http meter's body): the
// first byte picks the field path, unit and sign, the rest is the payload.
// Run: scripts/fuzz meter_payload [RUNS]

#include <offpeak/site/meter_payload.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using namespace offpeak;
  static const char* const fields[] = {
      nullptr,           "total_act_power",  "apower",
      "emeters.*.power", "emeters[1].power", "StatusSNS.ENERGY.Power",
      "ENERGY.Power",    "a.*.b.*.c"};
  const unsigned pick = data[0];
  site::PayloadFormat f;
  if (const char* field = fields[pick % 8]) f.field = field;
  f.unit = (pick & 8) != 0 ? config::PowerUnit::kw : config::PowerUnit::w;
  f.sign = (pick & 16) != 0 ? config::MeterSign::export_ : config::MeterSign::import;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  site::PowerReading r = site::parse_power(payload, f);
  if (r.watts.has_value() != (r.fault == site::PayloadFault::none)) std::abort();
  if (r.watts && (!std::isfinite(*r.watts) || std::abs(*r.watts) > 10e6)) std::abort();
  return 0;
}
