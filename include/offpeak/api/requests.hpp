#pragma once
// What a client sends the local API, read without sockets: JSON request bodies (POST
// /api/v1/mode, PUT /api/v1/charging) and query parameters (ranges, limits, months). Every
// function gives a value or the message of a 400 answer, never throws; numbers are
// range-checked before they become integers. The router (api.cpp) answers with them; the
// fuzz target tests/fuzz/fuzz_api.cpp holds them to no crash, leak or undefined behaviour.

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/store/store.hpp>

#include <boost/json/object.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace offpeak::api {

// A JSON object body with only the `allowed` keys, or the reason it is not one.
struct BodyResult {
  boost::json::object object;
  std::string error;
};
BodyResult parse_body(const std::string& body, std::initializer_list<std::string_view> allowed);

// POST /api/v1/mode: {"mode": "smart"|"now"|"off", "until": RFC 3339 (mode now only, future)}.
struct ModeRequest {
  Mode mode = Mode::smart;
  std::optional<Instant> until;
  std::string error;  // set: the request is refused with this message
};
ModeRequest parse_mode_request(const std::string& body, Instant now);

// PUT /api/v1/charging: {"target_soc": 1..100, "ready_by": RFC 3339 (future) or local HH:MM}.
struct ChargingRequest {
  DeadlineOverride override_deadline;
  std::string error;  // set: the request is refused with this message
};
ChargingRequest parse_charging_request(const std::string& body, Instant now, const Zone& zone);

// POST /api/v1/soc: {"soc": 0..100}, the SoC the owner tells.
struct SocRequest {
  double soc_percent = 0.0;
  std::string error;  // set: the request is refused with this message
};
SocRequest parse_soc_request(const std::string& body);

// [from, to) and limit from a query ("from=..&to=..&limit=N"), defaults relative to now.
struct RangeResult {
  store::TimeRange range;
  std::string error;
};
RangeResult parse_range_query(std::string_view query, Instant default_from, Instant default_to,
                              int default_limit);

// A whole number lo..hi written plainly ("12"; no sign, blanks or leading zeros); nullopt
// for anything else, values beyond int included.
std::optional<int> parse_bounded_int(std::string_view text, int lo, int hi);

// The value of query parameter `name` (percent-decoded, '+' as space), nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace offpeak::api
