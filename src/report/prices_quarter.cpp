// 15-minute prices for people: one line per hour with its four quarter-hours side by side, and
// a line per local day with its cheapest quarter-hour, mean and dearest quarter-hour.
//
//   Fri 31 Oct (CET)     ct/kWh: min 4.24 at 23:45, mean 9.12, max 15.20 at 18:15
//     00:00      10.28    8.98    8.17    7.67
//     01:00       ...
#include <offpeak/report/report.hpp>

#include <chrono>
#include <cstdio>

namespace offpeak::report {

using namespace std::chrono;

namespace {

std::string cell(const Money& money, std::optional<double> v) {
  std::string s = v ? money.number(*v, 2) : std::string("-");
  if (s.size() < 8) s.insert(0, 8 - s.size(), ' ');
  return s;
}

struct DayStats {
  std::optional<double> min, max;
  Instant min_at{}, max_at{};
  double sum = 0;
  int n = 0;
};

}  // namespace

std::string quarter_hour_table(const PriceCurve& prices, Instant from, Instant to, const Zone& zone,
                               const Money& money) {
  const PriceCurve shown = prices.slice(from, to);
  std::string out;
  Instant first = floor<hours>(from);
  // Lines of one local day, with the day's summary written above them.
  std::string lines;
  std::optional<LocalDate> day;
  DayStats st;
  auto flush = [&] {
    if (!day) return;
    std::string head = zone.format(zone.start_of_day(*day)).substr(0, 10);
    while (!head.empty() && head.back() == ' ')
      head.pop_back();
    head += "  " + std::string(money.minor_unit()) + "/kWh:";
    if (st.n > 0) {
      head += " min " + money.number(*st.min, 2) + " at " + zone.format_hhmm(st.min_at) +
              ", mean " + money.number(st.sum / st.n, 2) + ", max " + money.number(*st.max, 2) +
              " at " + zone.format_hhmm(st.max_at);
    } else {
      head += " unknown";
    }
    out += head + "\n" + lines;
    lines.clear();
    st = DayStats{};
  };
  lines.reserve(4096);
  out += "           :00     :15     :30     :45\n";
  for (Instant h = first; h < to; h += hours{1}) {
    const LocalDate d = zone.local_date(h);
    if (!day || *day != d) {
      flush();
      day = d;
    }
    std::string line = "  " + zone.format_hhmm(h) + " ";
    for (int q = 0; q < 4; ++q) {
      const Instant t = h + q * minutes{15};
      std::optional<double> v;
      if (t >= from && t < to) v = shown.price_at(t);
      if (v) {
        if (!st.min || *v < *st.min) {
          st.min = *v;
          st.min_at = t;
        }
        if (!st.max || *v > *st.max) {
          st.max = *v;
          st.max_at = t;
        }
        st.sum += *v;
        ++st.n;
      }
      line += cell(money, v);
    }
    lines += line + "\n";
  }
  flush();
  return out;
}

boost::json::value with_currency(boost::json::value json, const Money& money) {
  if (auto* o = json.if_object()) (*o)["currency"] = std::string(money.code());
  return json;
}

}  // namespace offpeak::report
