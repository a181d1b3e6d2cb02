// The surplus loop over real days of a household's PV and load (Ausgrid solar home data, three
// days: sunny, mixed, dull; tests/data/SOURCES.md), scaled to a 7.3 kWp roof, with a 7.4 kW
// one-phase charger and an 11 kW three-phase one with phases: auto. The test integrates the
// energies itself every 10 s (the loop's interval) and checks the contract's rules; it prints
// the measured numbers.

#include <offpeak/domain/surplus.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace offpeak {
namespace {

struct HalfHour {
  double load_kw = 0;
  double pv_kw = 0;
};

// date -> 48 half-hours (the mean power of each).
std::map<std::string, std::vector<HalfHour>> load_days() {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/pv_household_3days.csv");
  std::map<std::string, std::vector<HalfHour>> days;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string ts, gc, gg;
    std::getline(ss, ts, ',');
    std::getline(ss, gc, ',');
    std::getline(ss, gg, ',');
    days[ts.substr(0, 10)].push_back({std::stod(gc), std::stod(gg)});
  }
  return days;
}

// Linear between the half-hours' midpoints.
HalfHour at_second(const std::vector<HalfHour>& day, double s) {
  const double x = s / 1800.0 - 0.5;
  const int i = std::clamp(static_cast<int>(std::floor(x)), 0, 46);
  const double f = std::clamp(x - i, 0.0, 1.0);
  return {day[i].load_kw + (day[i + 1].load_kw - day[i].load_kw) * f,
          day[i].pv_kw + (day[i + 1].pv_kw - day[i].pv_kw) * f};
}

struct Measured {
  double charged_kwh = 0;
  double solar_kwh = 0;      // the part of the car's energy the roof's surplus covered
  double grid_kwh = 0;       // the rest: drawn from the grid while charging from surplus
  double missed_kwh = 0;     // surplus exported while the car could have taken it
  double available_kwh = 0;  // surplus the car could have taken (at or above its minimum)
  int starts = 0, changes = 0, phase_changes = 0;
  double charging_hours = 0;
  Seconds min_phase_gap{86400};  // the shortest time between two phase changes
};

constexpr double k_pv_scale = 7.0;  // the 1.04 kWp of the data to a 7.3 kWp roof

Measured run_day(const std::vector<HalfHour>& day, SurplusSettings st) {
  SurplusLoop loop(st);
  Measured m;
  const Instant midnight = *parse_rfc3339("2026-06-20T00:00:00Z");
  std::optional<Instant> last_phase_change;
  const double min_w = st.min_current_a * st.voltage;  // the least the car takes (1 phase)
  for (int s = 0; s < 86400; s += 10) {
    const Instant now = midnight + Seconds{s};
    const HalfHour h = at_second(day, s);
    const double pv_w = h.pv_kw * k_pv_scale * 1000.0;
    const double load_w = h.load_kw * 1000.0;
    const double car_before = loop.wish().on ? loop.wish().power_w : 0.0;
    SiteState site;
    site.grid_w = load_w + car_before - pv_w;
    site.pv_w = pv_w;
    site.updated_at = now;
    site.stale = false;
    loop.observe(site, car_before, now);
    auto step = loop.step(now);
    if (step.decision) {
      const std::string& d = *step.decision;
      if (d.find("starting") != std::string::npos) {
        ++m.starts;
      } else if (d.find("phase") != std::string::npos && d.find("->") != std::string::npos) {
        ++m.phase_changes;
        if (last_phase_change)
          m.min_phase_gap = std::min(m.min_phase_gap, now - *last_phase_change);
        last_phase_change = now;
      } else if (d.find("pausing") == std::string::npos) {
        ++m.changes;
      }
    }
    // The next 10 s at the new wish (the car follows at once).
    const double car_w = loop.wish().on ? loop.wish().power_w : 0.0;
    const double surplus_w = std::max(0.0, pv_w - load_w);
    const double solar_w = std::min(car_w, surplus_w);
    const double dt_h = 10.0 / 3600.0;
    m.charged_kwh += car_w * dt_h / 1000.0;
    m.solar_kwh += solar_w * dt_h / 1000.0;
    m.grid_kwh += (car_w - solar_w) * dt_h / 1000.0;
    if (car_w > 0) m.charging_hours += dt_h;
    if (surplus_w >= min_w) {
      const double could = std::min(surplus_w, st.max_power_w);
      m.available_kwh += could * dt_h / 1000.0;
      m.missed_kwh += std::max(0.0, could - solar_w) * dt_h / 1000.0;
    }
  }
  return m;
}

SurplusSettings one_phase_7kw() {
  SurplusSettings st;  // 6-32 A at 230 V, enable 1 min, disable 3 min, 1 A steps
  st.max_power_w = 7400;
  return st;
}

SurplusSettings three_phase_11kw() {
  SurplusSettings st;
  st.phases = 3;
  st.auto_phases = true;
  st.max_current_a = 16;
  st.max_power_w = 11000;
  return st;
}

void print(const char* label, const Measured& m) {
  std::printf(
      "%s: charged %.1f kWh, %.1f %% from surplus, %.2f kWh from the grid, surplus taken %.1f "
      "of %.1f kWh (missed %.1f), %d starts, %.1f current changes per charging hour, %d phase "
      "changes\n",
      label, m.charged_kwh, m.charged_kwh > 0 ? 100.0 * m.solar_kwh / m.charged_kwh : 0.0,
      m.grid_kwh, m.available_kwh - m.missed_kwh, m.available_kwh, m.missed_kwh, m.starts,
      m.charging_hours > 0 ? m.changes / m.charging_hours : 0.0, m.phase_changes);
}

TEST(SurplusDay, ThreeRealDaysOnOneAndThreePhases) {
  const auto days = load_days();
  ASSERT_EQ(days.size(), 3u);
  for (const auto& [date, day] : days)
    ASSERT_EQ(day.size(), 48u) << date;

  const Measured sunny = run_day(days.at("2012-01-12"), one_phase_7kw());
  const Measured mixed = run_day(days.at("2011-10-07"), one_phase_7kw());
  const Measured dull = run_day(days.at("2012-01-25"), one_phase_7kw());
  print("sunny 2012-01-12, 7.4 kW 1-phase", sunny);
  print("mixed 2011-10-07, 7.4 kW 1-phase", mixed);
  print("dull  2012-01-25, 7.4 kW 1-phase", dull);

  // A sunny day: the car follows the surplus; the grid pays only what the 1 A steps and the
  // delays cannot avoid, and nearly all the surplus the car could take goes into it.
  EXPECT_GT(sunny.charged_kwh, 15.0);
  EXPECT_GT(sunny.solar_kwh / sunny.charged_kwh, 0.95);
  EXPECT_LT(sunny.missed_kwh / sunny.available_kwh, 0.08);
  EXPECT_LE(sunny.starts, 3);
  EXPECT_LT(sunny.changes / sunny.charging_hours, 30.0);
  // Mixed and dull days: less energy, still mostly from the roof.
  EXPECT_LT(mixed.charged_kwh, sunny.charged_kwh);
  EXPECT_LT(dull.charged_kwh, mixed.charged_kwh + 1e-9);
  if (mixed.charged_kwh > 0) {
    EXPECT_GT(mixed.solar_kwh / mixed.charged_kwh, 0.85);
  }
  if (dull.charged_kwh > 0) {
    EXPECT_GT(dull.solar_kwh / dull.charged_kwh, 0.7);
  }

  // Three phases, phases: auto: one phase while the surplus is under 4.1 kW, three above;
  // phase changes at least 5 minutes apart.
  const Measured sunny3 = run_day(days.at("2012-01-12"), three_phase_11kw());
  const Measured mixed3 = run_day(days.at("2011-10-07"), three_phase_11kw());
  print("sunny 2012-01-12, 11 kW 3-phase auto", sunny3);
  print("mixed 2011-10-07, 11 kW 3-phase auto", mixed3);
  EXPECT_GE(sunny3.phase_changes, 2);  // up around mid-morning, down in the afternoon
  EXPECT_GE(sunny3.min_phase_gap, Seconds{300});
  EXPECT_GE(mixed3.min_phase_gap, Seconds{300});
  EXPECT_GT(sunny3.solar_kwh / sunny3.charged_kwh, 0.95);
}

}  // namespace
}  // namespace offpeak
