// libFuzzer entry point: OCPP-J framing and the charge point's message handling must never
// crash, hang or leak, whatever a charger sends. The input is split into frames at newlines;
// a frame's first byte also steers the plan's wishes, the clock and reconnects.
#include <offpeak/ocpp/charge_point.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)ocpp::parse_frame(input);
  ocpp::Settings s;
  s.id = "FUZZ";
  ocpp::ChargePoint cp(s);
  Instant now = *parse_rfc3339("2026-01-10T22:00:00Z");
  cp.connected(now, "192.0.2.1:1");
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view frame = input.substr(start, end - start);
    const unsigned char steer = frame.empty() ? 0 : static_cast<unsigned char>(frame[0]);
    now += Seconds{steer % 70};
    if (steer % 11 == 0) cp.want(steer % 2 == 0, now);
    if (steer == 0xff) cp.disconnected(now);
    if (steer == 0xfe) cp.connected(now, "192.0.2.1:2");
    cp.receive(frame, now);
    cp.tick(now);
    while (cp.next_outgoing(now)) {
    }
    (void)cp.take_events();
    (void)cp.offering();
    start = end + 1;
  }
  return 0;
}
