#pragma once
// What clients send offpeak-connect-sim, read without sockets: the JSON bodies of the
// Connect API it simulates (login, devices) and of its /sim/ control endpoints (faults, a
// car's SoC and plug, start/stop). Every function gives a value or the message of a 400
// answer and never throws; numbers are range-checked before they become integers. The
// simulator (connect_sim.cpp) answers with them; tests/fuzz/fuzz_sim.cpp fuzzes them.

#include <optional>
#include <string>

namespace offpeak::sim {

// POST /api/bmw/oauth-token: {"email", "password", "payload": {"email"}}.
// POST /api/get-user-devices: {"email", "password"} (payload not required).
struct Credentials {
  std::string email;
  std::string password;
  std::string error;  // set: refused with this message
};
Credentials parse_login_request(const std::string& body);
Credentials parse_devices_request(const std::string& body);

// POST /sim/faults: {"mode", "count", "retry_after", "delay_ms"}; counts and times are whole
// numbers 0..1000000, anything else (absent, fractional, out of range) takes the default.
struct FaultRequest {
  std::string mode;  // one of the fault modes, "expire_tokens" or "none"
  int count = 1;
  int retry_after_s = 1;
  int delay_ms = 10000;
  std::string error;
};
FaultRequest parse_fault_request(const std::string& body);

// PUT /sim/vehicles/ID: {"soc": number (clamped to 0..100 by the car), "plugged_in": bool}.
struct VehicleUpdate {
  std::optional<double> soc;
  std::optional<bool> plugged_in;
  std::string error;
};
VehicleUpdate parse_vehicle_update(const std::string& body);

// True when the body is a JSON object (the /sim/vehicles/ endpoints check it first).
bool is_json_object(const std::string& body);

// POST /sim/vehicles/ID/charging: {"action": "start" | "stop"}.
struct ChargingAction {
  bool start = false;
  std::string error;
};
ChargingAction parse_charging_action(const std::string& body);

// A request body as the simulator records it: every "password", "access_token" and
// "refresh_token" value replaced by "<redacted>"; a body that is not JSON is replaced whole
// when it mentions a password.
std::string redact_body(const std::string& body);

}  // namespace offpeak::sim
