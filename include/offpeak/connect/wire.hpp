#pragma once
// Wire types of the Orange Power Connect API (see shared/seed/orange-power-connect-api.md)
// and their conversion to domain types. Parsing is defensive: every field may be missing,
// null or of the other JSON type (number vs string); hostile input gives an error, never a
// crash or an exception.

#include <offpeak/config/config.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::connect {

// Answer of POST /api/bmw/oauth-token. Tokens are Secrets so they cannot be logged by accident.
struct TokenWire {
  config::Secret access_token;             // never empty after a successful parse
  std::string token_type;                  // "Bearer"; empty when absent
  std::optional<std::int64_t> expires_in;  // seconds; nullopt when absent or unusable
  config::Secret refresh_token;
  std::string scope;
};

// One device object of POST /api/get-user-devices, as far as offpeak uses it.
struct DeviceWire {
  std::string device_id;  // the VIN; never empty after a successful parse
  std::string brand;
  std::string model;
  std::string device_type;
  std::optional<int> year;
  std::optional<double> charge_percentage;  // 0..100, from "82" or 82
  std::optional<std::string> state;         // charging_state.state as sent
  std::optional<std::string> charging_type;
  std::optional<bool> is_charger_connected;
  std::optional<double> range_value;  // electric_range.distance.value, >= 0
  std::optional<std::string> range_units;
};

// A parse outcome: a value, or a message saying what was wrong (never the body itself).
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

// Largest body the parsers accept (bytes) and deepest nesting (levels).
inline constexpr std::size_t k_max_body_bytes = 1024 * 1024;
inline constexpr std::size_t k_max_depth = 32;

// Parses the token answer. Fails when the body is not a JSON object or has no non-empty
// string access_token. expires_in may be a number or a numeric string.
Parsed<TokenWire> parse_token_response(std::string_view body);

// Parses the devices answer: a JSON array of device objects or a single object. Elements that
// are not objects or have no device_id are skipped; fails when none is left.
Parsed<std::vector<DeviceWire>> parse_devices_response(std::string_view body);

// Converts a device to a domain observation made at `observed_at`. Range is converted to km
// (KILOMETERS/KM as is, MILES/MI x 1.609344, no units = km, other units = unknown); unknown
// state strings become ChargingState::unknown; anything missing stays nullopt.
VehicleState to_vehicle_state(const DeviceWire& device, Instant observed_at);

// "WBY7ZddD802daf16 (BMW i3s 94 REX 2018)".
std::string describe_device(const DeviceWire& device);

}  // namespace offpeak::connect
