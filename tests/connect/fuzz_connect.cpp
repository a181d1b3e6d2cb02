// libFuzzer entry point: the token and device parsers must never crash, hang or leak.
#include <offpeak/connect/wire.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)offpeak::connect::parse_token_response(body);
  const auto devices = offpeak::connect::parse_devices_response(body);
  if (devices.ok()) {
    for (const auto& d : *devices.value) {
      (void)offpeak::connect::to_vehicle_state(d, offpeak::Instant{});
      (void)offpeak::connect::describe_device(d);
    }
  }
  return 0;
}
