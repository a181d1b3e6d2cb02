#pragma once
// Private helpers of the JSON spot sources: bounded reads from Boost.JSON values.
#include <offpeak/domain/time.hpp>

#include <boost/json/value.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace offpeak::tariffs::detail {

// A finite number with |x| <= limit, or nullopt.
inline std::optional<double> bounded_number(const boost::json::value* v, double limit) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  double d = v->to_number<double>(ec);
  if (ec || !std::isfinite(d) || std::fabs(d) > limit) return std::nullopt;
  return d;
}

inline std::optional<std::string_view> string_of(const boost::json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

inline const boost::json::value* member(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  return v->get_object().if_contains(key);
}

// A value as the document wrote it, shortened for messages.
std::string shown(const boost::json::value* v);

// Instants between 2000 and 2100 only.
bool plausible_instant(Instant t);

}  // namespace offpeak::tariffs::detail
