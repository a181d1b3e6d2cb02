#pragma once
// Private helpers of the solar forecast parsers: bounded reads from Boost.JSON values and
// local wall-clock times.
#include <offpeak/domain/time.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace offpeak::solar::detail {

// A finite number within [lo, hi], or nullopt.
std::optional<double> number_in(const boost::json::value* v, double lo, double hi);
const boost::json::value* member(const boost::json::value* v, std::string_view key);
std::optional<std::string_view> string_of(const boost::json::value* v);
// A value as the document wrote it, shortened for messages.
std::string shown(const boost::json::value* v);
// Parses a JSON document; nullopt (and `error` set) when it is not one.
std::optional<boost::json::value> parse_document(std::string_view body, std::string& error);

// "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]", a local wall-clock time: the date and the
// seconds of the day. Years 2000-2099 only.
struct WallClock {
  LocalDate date;
  int seconds = 0;
};
std::optional<WallClock> parse_wall_clock(std::string_view text);

// The most points any answer may hold (a week of 5-minute periods is 2016).
constexpr std::size_t k_max_points = 5000;
// The most power one source may report for one answer, in W (a 1 MW roof).
constexpr double k_max_watts = 1.0e6;

}  // namespace offpeak::solar::detail
