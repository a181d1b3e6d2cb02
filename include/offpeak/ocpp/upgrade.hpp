#pragma once
// What a charger sends to open its OCPP connection, read without sockets: the charge point id
// in the WebSocket upgrade's path, its HTTP Basic credentials (OCPP security profile 1) and
// the subprotocols it offers. The bridge (src/daemon/ocpp_bridge.cpp) decides with them;
// tests/fuzz/fuzz_ocpp_upgrade.cpp fuzzes them.

#include <optional>
#include <string>
#include <string_view>

namespace offpeak::ocpp {

// Chargers connect to ws://HOST:PORT/ocpp/<charge_point_id>.
inline constexpr std::string_view k_path_prefix = "/ocpp/";

// The id the path asks for, percent-decoded ("/ocpp/CP%2001" -> "CP 01"); empty when the path
// does not start with the prefix.
std::string charge_point_id_of(std::string_view path);

struct BasicCredentials {
  std::string user;
  std::string password;
};
// The credentials of an Authorization header "Basic base64(user:password)"; nullopt when it is
// not one (another scheme, bad base64, no colon).
std::optional<BasicCredentials> parse_basic_auth(std::string_view header);

// True when a Sec-WebSocket-Protocol list ("ocpp2.0.1, ocpp1.6") offers ocpp1.6.
bool offers_ocpp16(std::string_view protocols);

// a == b for a non-empty b, in time independent of where the first difference is.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace offpeak::ocpp
