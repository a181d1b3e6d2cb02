#include "forecast_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <chrono>
#include <cmath>

namespace offpeak::solar::detail {

namespace json = boost::json;

std::optional<double> number_in(const json::value* v, double lo, double hi) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const double d = v->to_number<double>(ec);
  if (ec || !std::isfinite(d) || d < lo || d > hi) return std::nullopt;
  return d;
}

const json::value* member(const json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  return v->get_object().if_contains(key);
}

std::optional<std::string_view> string_of(const json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

std::string shown(const json::value* v) {
  if (v == nullptr) return "nothing";
  std::string s = json::serialize(*v);
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

std::optional<json::value> parse_document(std::string_view body, std::string& error) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    error = "empty answer";
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 16;
  json::value v = json::parse(body, ec, {}, opt);
  if (ec) {
    error = "not JSON: " + ec.message();
    return std::nullopt;
  }
  return v;
}

namespace {

std::optional<int> digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<WallClock> parse_wall_clock(std::string_view s) {
  using namespace std::chrono;
  if (s.size() != 16 && s.size() != 19) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':')
    return std::nullopt;
  const auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const auto h = digits(s, 11, 2), mi = digits(s, 14, 2);
  std::optional<int> se = 0;
  if (s.size() == 19) {
    if (s[16] != ':') return std::nullopt;
    se = digits(s, 17, 2);
  }
  if (!y || !mo || !d || !h || !mi || !se) return std::nullopt;
  if (*y < 2000 || *y > 2099 || *h > 23 || *mi > 59 || *se > 59) return std::nullopt;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return WallClock{ymd, *h * 3600 + *mi * 60 + *se};
}

}  // namespace offpeak::solar::detail
