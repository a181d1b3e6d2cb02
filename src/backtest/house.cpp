// The solar backtest's inputs: the house trace, the default stays, the PV forecast, and the
// perfect-knowledge optimum of a stay. The replay of the strategies is in house_replay.cpp.

#include <offpeak/backtest/house.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <random>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  return s;
}

std::optional<double> number(std::string_view s) {
  s = trim(s);
  double v = 0.0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A number in [0, 1] from (seed, day): the same day always draws the same factor.
double unit_for_day(std::uint32_t seed, long long day) {
  std::uint64_t z = (static_cast<std::uint64_t>(seed) << 32) ^ static_cast<std::uint64_t>(day);
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
}

}  // namespace

const HouseSample* HouseTrace::at(Instant t) const {
  if (samples.empty() || t < samples.front().start) return nullptr;
  const auto i = static_cast<std::size_t>((t - samples.front().start) / step);
  if (i >= samples.size()) return nullptr;
  return &samples[i];
}

Instant HouseTrace::begin() const {
  return samples.empty() ? Instant{} : samples.front().start;
}

Instant HouseTrace::end() const {
  return samples.empty() ? Instant{} : samples.back().start + step;
}

void HouseTrace::scale_pv(double factor) {
  for (auto& s : samples)
    s.pv_kw *= factor;
  if (kwp) *kwp *= factor;
}

HouseParse parse_house_csv(std::string_view text) {
  HouseParse out;
  HouseTrace trace;
  int line_no = 0;
  bool header = false;
  auto fail = [&](const std::string& cause) {
    out.error = std::to_string(line_no) + ": " + cause;
    return out;
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '#') {
      const std::string_view rest = trim(line.substr(1));
      if (rest.rfind("kwp:", 0) == 0) {
        const auto k = number(rest.substr(4));
        if (!k || *k <= 0 || *k > 1000)
          return fail("expected '# kwp: K' with K a number of kWp above 0, got '" +
                      std::string(line) + "'");
        trace.kwp = *k;
      }
      continue;
    }
    if (!header) {
      if (line != "time_utc,load_kw,pv_kw")
        return fail("expected the header 'time_utc,load_kw,pv_kw', got '" + std::string(line) +
                    "'");
      header = true;
      continue;
    }
    std::string_view cells[3];
    std::string_view rest = line;
    for (int i = 0; i < 3; ++i) {
      const auto comma = rest.find(',');
      if ((comma == std::string_view::npos) != (i == 2))
        return fail("expected 3 columns time_utc,load_kw,pv_kw");
      cells[i] = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    const auto t = parse_rfc3339(cells[0]);
    if (!t)
      return fail("expected time_utc as an RFC 3339 instant, got '" + std::string(cells[0]) + "'");
    const auto load = number(cells[1]);
    const auto pv = number(cells[2]);
    if (!load || *load < 0 || *load > 1000)
      return fail("expected load_kw, a number from 0 to 1000, got '" + std::string(cells[1]) + "'");
    if (!pv || *pv < 0 || *pv > 1000)
      return fail("expected pv_kw, a number from 0 to 1000, got '" + std::string(cells[2]) + "'");
    if (!trace.samples.empty()) {
      const Seconds d = *t - trace.samples.back().start;
      if (trace.samples.size() == 1) {
        if (d < Seconds{60} || d > Seconds{3600})
          return fail("the step must be from 1 minute to 1 hour, got " + format_duration(d));
        trace.step = d;
      } else if (d != trace.step) {
        return fail("rows must follow each other at the file's regular step of " +
                    format_duration(trace.step) + " (missing or repeated rows?)");
      }
    }
    trace.samples.push_back({*t, *load, *pv});
  }
  if (!header) return fail("expected the header 'time_utc,load_kw,pv_kw'");
  if (trace.samples.size() < 2) return fail("expected at least two rows");
  out.trace = std::move(trace);
  return out;
}

LpResult optimal_stay(const std::vector<LpSlot>& slots, double need_kwh) {
  LpResult r;
  r.solar_kwh.assign(slots.size(), 0.0);
  r.grid_kwh.assign(slots.size(), 0.0);
  // The program's pieces: per slot, the surplus at the export price then the rest of the cap at
  // the import price; where export pays more than import, the whole cap at the import price.
  struct Piece {
    double price;
    double kwh;
    std::size_t slot;
    bool solar;
  };
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const LpSlot& s = slots[i];
    const double cap = std::max(s.cap_kwh, 0.0);
    const double sun = std::clamp(s.surplus_kwh, 0.0, cap);
    if (s.export_p <= s.import_p) {
      if (sun > 0) pieces.push_back({s.export_p, sun, i, true});
      if (cap - sun > 0) pieces.push_back({s.import_p, cap - sun, i, false});
    } else if (cap > 0) {
      pieces.push_back({s.import_p, cap, i, false});
    }
  }
  // Cheapest first; ties: earlier, then the sun.
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    if (a.price != b.price) return a.price < b.price;
    if (a.slot != b.slot) return a.slot < b.slot;
    return a.solar && !b.solar;
  });
  double left = std::max(need_kwh, 0.0);
  for (const Piece& p : pieces) {
    if (left <= 1e-12) break;
    const double take = std::min(left, p.kwh);
    (p.solar ? r.solar_kwh : r.grid_kwh)[p.slot] += take;
    r.cost_p += take * p.price;
    r.energy_kwh += take;
    left -= take;
  }
  r.feasible = left <= 1e-9;
  return r;
}

double forecast_pv_kw(const HouseTrace& trace, const HouseOptions& options, const Zone& zone,
                      Instant t) {
  if (options.forecast == PvForecastKind::persistence) {
    const HouseSample* y = trace.at(t - Seconds{86400});
    return y ? y->pv_kw : 0.0;  // the trace's first day: no yesterday, no sun expected
  }
  const HouseSample* s = trace.at(t);
  if (!s) return 0.0;
  const auto day = sys_days{zone.local_date(t)}.time_since_epoch().count();
  const double factor =
      1.0 + options.forecast_noise * (2.0 * unit_for_day(options.seed, day) - 1.0);
  return s->pv_kw * std::max(factor, 0.0);
}

std::vector<Stay> home_stays(const Zone& zone, LocalDate from, LocalDate to,
                             const HomePattern& pattern) {
  std::mt19937 rng{pattern.seed};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // Whether the car leaves for work on each date (weekdays but the week's home days).
  std::vector<bool> away;
  std::vector<double> soc;
  const sys_days first{from};
  const sys_days last{to};
  std::vector<int> weekdays;
  for (sys_days d = first; d <= last; d += days{1}) {
    const Weekday w = weekday_of(LocalDate{d});
    if (w == Weekday::mon || d == first) {
      // A new week: choose its home weekdays (every number drawn every week).
      weekdays = {0, 1, 2, 3, 4};
      std::shuffle(weekdays.begin(), weekdays.end(), rng);
      weekdays.resize(static_cast<std::size_t>(std::clamp(pattern.home_weekdays, 0, 5)));
    }
    const bool weekday = static_cast<int>(w) < 5;
    const bool home = !weekday || std::find(weekdays.begin(), weekdays.end(),
                                            static_cast<int>(w)) != weekdays.end();
    away.push_back(!home);
    soc.push_back(pattern.soc_from + unit(rng) * (pattern.soc_to - pattern.soc_from));
  }
  std::vector<Stay> out;
  const std::size_t n = away.size();
  for (std::size_t i = 0; i < n; ++i) {
    // A stay starts on the evening of a working day, or at `from` when the car is home.
    const bool starts = away[i] || i == 0;
    if (!starts) continue;
    std::size_t j = i + 1;
    while (j < n && !away[j])
      ++j;
    if (j >= n) break;  // no departure within the dates
    Stay s;
    const LocalDate di{first + days{static_cast<int>(i)}};
    const LocalDate dj{first + days{static_cast<int>(j)}};
    s.arrive = away[i] ? zone.at(di, pattern.arrive.minutes) : zone.start_of_day(di);
    s.depart = zone.at(dj, pattern.leave.minutes);
    s.arrive_soc = std::clamp(soc[i], 0.0, 100.0);
    out.push_back(s);
  }
  return out;
}

}  // namespace offpeak::backtest
