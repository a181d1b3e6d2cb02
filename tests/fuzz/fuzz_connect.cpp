// libFuzzer target for what the Orange Power Connect API answers: the token and devices
// parsers (every body goes through both), the devices as domain observations, and the
// Retry-After header of a refusal (short inputs). Must never crash, throw, leak or execute
// undefined behaviour.
#include <offpeak/connect/wire.hpp>
#include <offpeak/net/http.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto token = offpeak::connect::parse_token_response(body);
  if (token.ok() && token.value->expires_in && *token.value->expires_in <= 0) std::abort();
  const auto devices = offpeak::connect::parse_devices_response(body);
  if (devices.ok()) {
    for (const auto& d : *devices.value) {
      if (d.device_id.empty()) std::abort();
      (void)offpeak::connect::to_vehicle_state(d, offpeak::Instant{});
      (void)offpeak::connect::describe_device(d);
    }
  }
  if (size <= 64) {
    const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1767225600}};
    if (const auto wait = offpeak::net::parse_retry_after(body, now); wait && wait->count() < 0) {
      std::abort();
    }
  }
  return 0;
}
