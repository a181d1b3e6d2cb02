// libFuzzer target for what clients send offpeak-connect-sim: byte 0 picks the endpoint
// (login, devices, faults, a car's update, start/stop, and the recording of any body with
// its secrets redacted), the rest is the body. An accepted car update is applied to a
// simulated car. Nothing may crash, throw, leak or execute undefined behaviour.
#include <offpeak/domain/simulated_car.hpp>
#include <offpeak/sim/requests.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 6) {
    case 0:
      (void)sim::parse_login_request(body);
      break;
    case 1:
      (void)sim::parse_devices_request(body);
      break;
    case 2: {
      const sim::FaultRequest f = sim::parse_fault_request(body);
      if (f.error.empty() &&
          (f.count < 0 || f.count > 1000000 || f.retry_after_s < 0 || f.retry_after_s > 1000000 ||
           f.delay_ms < 0 || f.delay_ms > 1000000)) {
        std::abort();
      }
      break;
    }
    case 3: {
      const sim::VehicleUpdate u = sim::parse_vehicle_update(body);
      if (!u.error.empty()) break;
      const Instant t0 = *parse_rfc3339("2026-01-10T18:00:00Z");
      SimulatedCar car(SimulatedCarParams{}, t0);
      if (u.plugged_in) car.set_plugged_in(*u.plugged_in);
      if (u.soc) car.set_soc(*u.soc);
      car.advance(t0 + std::chrono::hours{1});
      const VehicleState s = car.state();
      if (!s.soc_percent || !(*s.soc_percent >= 0 && *s.soc_percent <= 100)) std::abort();
      break;
    }
    case 4:
      (void)sim::parse_charging_action(body);
      break;
    default: {
      // A password at the top of a JSON object is never recorded.
      const std::string recorded = sim::redact_body(body);
      boost::system::error_code ec;
      const boost::json::value v = boost::json::parse(body, ec);
      if (!ec && v.is_object() && v.as_object().contains("password")) {
        const boost::json::value r = boost::json::parse(recorded, ec);
        if (ec || !r.is_object() || r.as_object().at("password") != "<redacted>") std::abort();
      }
      break;
    }
  }
  return 0;
}
