// libFuzzer target for everything offpeakd reads from an MQTT broker: the first byte picks the
// topic (a command topic, Home Assistant's status, or a relay's state with and without a JSON
// field), the second the retain flag, the rest is the payload. Run: scripts/fuzz mqtt [RUNS]

#include <offpeak/mqtt/protocol.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const offpeak::mqtt::Names names;
  static const char* const topics[] = {"offpeak/mode/set",     "offpeak/target_soc/set",
                                       "offpeak/ready_by/set", "homeassistant/status",
                                       "offpeak/other/set",    "offpeak/soc/set"};
  const std::string_view payload(reinterpret_cast<const char*>(data + 2), size - 2);
  const bool retained = (data[1] & 1) != 0;
  const unsigned pick = data[0] % 8;
  if (pick == 7) {
    auto r = offpeak::mqtt::parse_inbound(names, topics[5], payload, retained);
    if (const auto* s = std::get_if<offpeak::mqtt::SocCommand>(&r)) {
      if (!(s->soc >= 0 && s->soc <= 100) || retained) std::abort();
    }
  } else if (pick < 5) {
    auto r = offpeak::mqtt::parse_inbound(names, topics[pick], payload, retained);
    if (const auto* t = std::get_if<offpeak::mqtt::TargetSocCommand>(&r)) {
      if (!(t->target_soc >= 1 && t->target_soc <= 100)) std::abort();
    }
    if (const auto* i = std::get_if<offpeak::mqtt::Ignored>(&r)) {
      for (char c : i->why)
        if (static_cast<unsigned char>(c) < 0x20) std::abort();  // logged as it is
    }
    if (retained && pick < 3 && !std::holds_alternative<offpeak::mqtt::Ignored>(r)) std::abort();
  } else if (pick == 5) {
    (void)offpeak::mqtt::parse_switch_state(payload, "ON", "OFF", std::nullopt);
  } else {
    (void)offpeak::mqtt::parse_switch_state(payload, "true", "false", std::string("output"));
  }
  return 0;
}
