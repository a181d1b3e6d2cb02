#include <offpeak/domain/house_trace.hpp>

#include <charconv>
#include <cmath>

namespace offpeak {

namespace {

constexpr int k_day = 86400;
constexpr std::string_view k_header = "time,pv_kw,load_kw";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<int> parse_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  int h = 0, m = 0;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + 2, h);
  auto [p2, e2] = std::from_chars(s.data() + 3, s.data() + 5, m);
  if (e1 != std::errc{} || e2 != std::errc{} || p1 != s.data() + 2 || p2 != s.data() + 5)
    return std::nullopt;
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  return h * 3600 + m * 60;
}

std::optional<double> parse_kw(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v) || v < 0 ||
      v > 1000)
    return std::nullopt;
  return v;
}

template <typename F>
double interpolate(const std::vector<HousePoint>& pts, int t, F value) {
  if (pts.empty()) return 0;
  t = ((t % k_day) + k_day) % k_day;
  if (pts.size() == 1) return value(pts.front());
  // The segment [a, b] around t, wrapping from the last row to the first across midnight.
  std::size_t i = 0;
  while (i < pts.size() && pts[i].second_of_day <= t)
    ++i;
  const HousePoint& a = i == 0 ? pts.back() : pts[i - 1];
  const HousePoint& b = i == pts.size() ? pts.front() : pts[i];
  int ta = a.second_of_day, tb = b.second_of_day, tt = t;
  if (tb <= ta) tb += k_day;
  if (tt < ta) tt += k_day;
  const double f = tb == ta ? 0.0 : static_cast<double>(tt - ta) / (tb - ta);
  return value(a) + (value(b) - value(a)) * f;
}

}  // namespace

double HouseTrace::pv_w(int second_of_day) const {
  return interpolate(points, second_of_day, [](const HousePoint& p) { return p.pv_w; });
}

double HouseTrace::load_w(int second_of_day) const {
  return interpolate(points, second_of_day, [](const HousePoint& p) { return p.load_w; });
}

HouseTraceParse parse_house_trace(std::string_view csv) {
  HouseTraceParse out;
  HouseTrace trace;
  bool header = false;
  int ln = 0;
  auto err = [&](int line, int col, std::string msg) {
    out.errors.push_back({line, col, std::move(msg)});
  };
  while (!csv.empty()) {
    const auto nl = csv.find('\n');
    std::string_view line = trim(csv.substr(0, nl));
    csv = nl == std::string_view::npos ? std::string_view{} : csv.substr(nl + 1);
    ++ln;
    if (line.empty() || line.front() == '#') continue;
    if (!header) {
      if (line != k_header) {
        err(ln, 1,
            "expected the header '" + std::string(k_header) + "', got '" + std::string(line) + "'");
        return out;
      }
      header = true;
      continue;
    }
    const auto c1 = line.find(',');
    const auto c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string_view::npos || line.find(',', c2 + 1) != std::string_view::npos) {
      err(ln, 1,
          "expected 3 comma-separated fields (time,pv_kw,load_kw), got '" + std::string(line) +
              "'");
    } else {
      const auto t = parse_time(trim(line.substr(0, c1)));
      const auto pv = parse_kw(trim(line.substr(c1 + 1, c2 - c1 - 1)));
      const auto load = parse_kw(trim(line.substr(c2 + 1)));
      if (!t) {
        err(ln, 1, "expected a time of day HH:MM, got '" + std::string(line.substr(0, c1)) + "'");
      } else if (!pv) {
        err(ln, static_cast<int>(c1) + 2, "expected a PV power in kW (0-1000)");
      } else if (!load) {
        err(ln, static_cast<int>(c2) + 2, "expected a household load in kW (0-1000)");
      } else if (!trace.points.empty() && *t <= trace.points.back().second_of_day) {
        err(ln, 1, "times must ascend within one day");
      } else {
        trace.points.push_back({*t, *pv * 1000.0, *load * 1000.0});
      }
    }
    if (out.errors.size() >= 20) return out;
  }
  if (!header) {
    err(0, 0, "the trace is empty; expected the header '" + std::string(k_header) + "'");
  } else if (trace.points.empty() && out.errors.empty()) {
    err(0, 0, "the trace has no rows");
  }
  if (out.errors.empty()) out.trace = std::move(trace);
  return out;
}

}  // namespace offpeak
