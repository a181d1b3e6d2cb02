#pragma once
// What a home meter says, read into watts: the payload of an MQTT meter or the body of an
// http meter (a plain number, or JSON with a dotted field path), with the meter's unit and
// sign applied. Socket-free and fuzzed (tests/fuzz/fuzz_meter_payload.cpp).
//
// Field paths: names and array indexes separated by dots (`StatusSNS.ENERGY.Power`,
// `emeters.0.power`; `emeters[0].power` is read the same), and `*` for the sum over every
// element of an array (`emeters.*.power`: a Shelly 3EM's three phases). A value is a JSON
// number or a string holding one ("1234.5").

#include <offpeak/config/site_config.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace offpeak::site {

// Payloads larger than this are refused unread (bytes).
inline constexpr std::size_t k_max_payload_bytes = 64 * 1024;

// Why a payload gave no reading, one kind per fault (the adapters log each kind once).
enum class PayloadFault {
  none,
  too_large,         // over k_max_payload_bytes
  not_a_number,      // no field configured and the payload is no number
  not_json,          // a field configured and the payload is no JSON
  no_field,          // the field path leads nowhere
  field_not_number,  // the field holds something other than a number
  out_of_range,      // not finite, or beyond +-10 MW
};

std::string_view to_string(PayloadFault fault);

struct PowerReading {
  std::optional<double> watts;  // set when fault == none
  PayloadFault fault = PayloadFault::none;
};

// How one meter's payloads are read.
struct PayloadFormat {
  std::optional<std::string> field;
  config::PowerUnit unit = config::PowerUnit::w;
  config::MeterSign sign = config::MeterSign::import;

  static PayloadFormat of(const config::MeterConfig& m) { return {m.field, m.unit, m.sign}; }
};

// The payload in watts, import positive (for the PV meter: production positive). Never throws.
PowerReading parse_power(std::string_view payload, const PayloadFormat& format);

// The unit and sign applied to a raw value in the meter's unit.
double to_watts(double value, config::PowerUnit unit, config::MeterSign sign);

// Where a meter reads from, as shown to people (logs, status, `offpeak check`): the topic, the
// URL (only its path when the query could carry a password or token), or the Modbus address
// with unit and device. Never a secret.
std::string meter_source(const config::MeterConfig& meter);

}  // namespace offpeak::site
