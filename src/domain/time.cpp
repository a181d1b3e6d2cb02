#include <offpeak/domain/time.hpp>

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace offpeak {
namespace {

using namespace std::chrono;

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc{} && p == s.data() + pos + len;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr std::array<std::string_view, 7> k_weekdays = {"mon", "tue", "wed", "thu",
                                                        "fri", "sat", "sun"};
constexpr std::array<std::string_view, 12> k_months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};

date::year_month_day to_date(LocalDate d) {
  return date::year_month_day{date::year{static_cast<int>(d.year())},
                              date::month{static_cast<unsigned>(d.month())},
                              date::day{static_cast<unsigned>(d.day())}};
}

}  // namespace

std::optional<Instant> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20) return std::nullopt;
  if (!read_int(s, 0, 4, y) || s[4] != '-' || !read_int(s, 5, 2, mo) || s[7] != '-' ||
      !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
      !read_int(s, 17, 2, se)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
      ++pos, ++digits;
    if (digits == 0) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return std::nullopt;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (pos + 6 != s.size() || !read_int(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
        !read_int(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  Instant t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{std::min(se, 59)};
  return t - minutes{offset_min};
}

std::string format_rfc3339(Instant t) {
  auto dp = floor<days>(t);
  year_month_day ymd{dp};
  hh_mm_ss hms{t - dp};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<LocalDate> parse_date(std::string_view s) {
  int y = 0, mo = 0, d = 0;
  if (s.size() != 10 || !read_int(s, 0, 4, y) || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d)) {
    return std::nullopt;
  }
  LocalDate ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::optional<Seconds> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  long long total = 0;
  std::size_t pos = 0;
  int last_unit_rank = 4;  // units must go h, m, s in order, each at most once
  while (pos < s.size()) {
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
      ++pos;
    if (pos == start || pos == s.size() || pos - start > 9) return std::nullopt;
    long long n = 0;
    std::from_chars(s.data() + start, s.data() + pos, n);
    int rank = 0;
    long long mult = 0;
    switch (s[pos]) {
      case 'h':
        rank = 3, mult = 3600;
        break;
      case 'm':
        rank = 2, mult = 60;
        break;
      case 's':
        rank = 1, mult = 1;
        break;
      default:
        return std::nullopt;
    }
    if (rank >= last_unit_rank) return std::nullopt;
    last_unit_rank = rank;
    total += n * mult;
    ++pos;
  }
  if (total <= 0) return std::nullopt;
  return Seconds{total};
}

std::string format_duration(Seconds d) {
  long long s = d.count();
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  if (s == 0) return "0s";
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

std::optional<TimeOfDay> parse_time_of_day(std::string_view s, bool allow_24) {
  int h = 0, m = 0;
  if (s.size() == 4 && s[1] == ':') {  // "7:30" is accepted too
    if (!read_int(s, 0, 1, h) || !read_int(s, 2, 2, m)) return std::nullopt;
  } else if (s.size() != 5 || s[2] != ':' || !read_int(s, 0, 2, h) || !read_int(s, 3, 2, m)) {
    return std::nullopt;
  }
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && allow_24) return TimeOfDay{1440};
  if (h > 23) return std::nullopt;
  return TimeOfDay{h * 60 + m};
}

std::string format_time_of_day(TimeOfDay t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", t.minutes / 60, t.minutes % 60);
  return buf;
}

std::optional<Weekday> parse_weekday(std::string_view text) {
  auto l = lower(text);
  for (std::size_t i = 0; i < k_weekdays.size(); ++i) {
    if (l == k_weekdays[i]) return static_cast<Weekday>(i);
  }
  return std::nullopt;
}

std::string_view weekday_name(Weekday d) {
  return k_weekdays[static_cast<std::size_t>(d)];
}

Weekday weekday_of(LocalDate d) {
  unsigned iso = std::chrono::weekday{sys_days{d}}.iso_encoding();  // 1 = Monday
  return static_cast<Weekday>(iso - 1);
}

std::optional<int> parse_month(std::string_view text) {
  auto l = lower(text);
  for (std::size_t i = 0; i < k_months.size(); ++i) {
    if (l == k_months[i]) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

std::optional<Zone> Zone::locate(std::string_view name) {
  if (name.empty()) return std::nullopt;
  try {
    const date::time_zone* tz = date::locate_zone(std::string(name));
    return Zone(tz, std::string(name));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Zone Zone::utc() {
  static const Zone z = [] {
    auto found = locate("Etc/UTC");
    if (!found) found = locate("UTC");
    return found ? *found : Zone(nullptr, "UTC");
  }();
  return z;
}

LocalTime Zone::to_local(Instant t) const {
  LocalTime out;
  Seconds offset{0};
  if (tz_ != nullptr) {
    auto info = tz_->get_info(date::sys_seconds{t.time_since_epoch()});
    offset = info.offset;
    out.abbrev = info.abbrev;
  } else {
    out.abbrev = "UTC";
  }
  auto local = t + offset;
  auto dp = floor<days>(local);
  out.date = year_month_day{dp};
  out.seconds_of_day = static_cast<int>((local - dp).count());
  out.utc_offset = offset;
  return out;
}

Instant Zone::at(LocalDate d, int mins, bool prefer_later) const {
  date::local_seconds lt = date::local_days{to_date(d)} + std::chrono::minutes{mins};
  if (tz_ == nullptr) return Instant{lt.time_since_epoch()};
  auto info = tz_->get_info(lt);
  switch (info.result) {
    case date::local_info::unique:
      return Instant{lt.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      // The wall clock skips this time; the period starts when the clock jumps.
      return Instant{info.second.begin.time_since_epoch()};
    case date::local_info::ambiguous:
    default:
      return Instant{lt.time_since_epoch() -
                     (prefer_later ? info.second.offset : info.first.offset)};
  }
}

std::string Zone::format(Instant t, bool with_date) const {
  LocalTime lt = to_local(t);
  int h = lt.seconds_of_day / 3600, m = (lt.seconds_of_day / 60) % 60;
  char buf[64];
  if (with_date) {
    static constexpr std::array<std::string_view, 12> k_mon = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static constexpr std::array<std::string_view, 7> k_wd = {"Mon", "Tue", "Wed", "Thu",
                                                             "Fri", "Sat", "Sun"};
    std::snprintf(buf, sizeof buf, "%s %u %s %02d:%02d %s",
                  k_wd[static_cast<std::size_t>(weekday_of(lt.date))].data(),
                  static_cast<unsigned>(lt.date.day()),
                  k_mon[static_cast<unsigned>(lt.date.month()) - 1].data(), h, m,
                  lt.abbrev.c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d %s", h, m, lt.abbrev.c_str());
  }
  return buf;
}

std::string Zone::format_hhmm(Instant t) const {
  LocalTime lt = to_local(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", lt.seconds_of_day / 3600,
                (lt.seconds_of_day / 60) % 60);
  return buf;
}

}  // namespace offpeak
