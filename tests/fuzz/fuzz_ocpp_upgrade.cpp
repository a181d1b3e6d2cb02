// libFuzzer target for what a charger sends to open its OCPP connection: the upgrade's path
// (the charge point id), its Authorization header (HTTP Basic) and its Sec-WebSocket-Protocol
// list. Byte 0 picks which, the rest is the text. Nothing may crash, leak or execute
// undefined behaviour.
#include <offpeak/ocpp/upgrade.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
      if (ocpp::charge_point_id_of(text).size() > text.size()) std::abort();
      break;
    case 1:
      if (const auto c = ocpp::parse_basic_auth(text)) {
        if (c->user.find(':') != std::string::npos) std::abort();
        if (ocpp::same_secret(c->password, "")) std::abort();  // an empty secret never matches
        if (!c->password.empty() && !ocpp::same_secret(c->password, c->password)) std::abort();
      }
      break;
    default:
      (void)ocpp::offers_ocpp16(text);
      break;
  }
  return 0;
}
