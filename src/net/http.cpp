#include <offpeak/net/http.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace offpeak::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    url.scheme = "http";
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    url.scheme = "https";
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  if (!port.empty() || authority.back() == ':') {
    if (!all_digits(port)) return std::nullopt;
    const auto n = to_int(port);
    if (!n || *n < 1 || *n > 65535) return std::nullopt;
    url.port = std::to_string(*n);
  } else {
    url.port = url.tls() ? "443" : "80";
  }
  const auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') url.target.insert(0, "/");
  return url;
}

std::string join_url(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  std::string out(base);
  if (path.empty() || path.front() != '/') out += '/';
  out += path;
  return out;
}

std::string_view to_string(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::unreachable:
      return "unreachable";
    case HttpErrorKind::timeout:
      return "timeout";
    case HttpErrorKind::tls:
      return "tls";
    case HttpErrorKind::http_status:
      return "http_status";
    case HttpErrorKind::bad_body:
      return "bad_body";
  }
  return "unreachable";
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  if (all_digits(value)) {
    if (value.size() > 9) return std::chrono::seconds(999999999);
    return std::chrono::seconds(*to_int(value));
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (value.size() != 29 || value[3] != ',' || value.substr(25) != " GMT") return std::nullopt;
  static constexpr std::array<std::string_view, 12> k_months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto mon = std::find(k_months.begin(), k_months.end(), value.substr(8, 3));
  if (mon == k_months.end()) return std::nullopt;
  const auto day = to_int(value.substr(5, 2));
  const auto year = to_int(value.substr(12, 4));
  const auto hh = to_int(value.substr(17, 2));
  const auto mm = to_int(value.substr(20, 2));
  const auto ss = to_int(value.substr(23, 2));
  if (!day || !year || !hh || !mm || !ss || value[19] != ':' || value[22] != ':') {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{*year},
                           month{static_cast<unsigned>(mon - k_months.begin() + 1)},
                           std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok() || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  // In seconds: the clock's nanoseconds overflow for dates beyond 2262 (or before 1678).
  const auto at = sys_days{ymd} + hours{*hh} + minutes{*mm} + seconds{*ss};
  const auto delta = at - floor<seconds>(now);
  if (delta.count() < 0) return seconds{0};
  return std::min(delta, seconds{999999999});
}

}  // namespace offpeak::net
