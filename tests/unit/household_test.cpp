// The household's learned load and the PV forecast's bias, on a real year of a solar home
// (Ausgrid customer 12, tests/data/household) and on hand-computed cases.
#include <offpeak/domain/household.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace offpeak {
namespace {

using namespace std::chrono;

struct Row {
  Instant t;
  double gc_kw;
  double gg_kw;
};

// The file's naive local times read as UTC: with Zone::utc() the profile's weekdays and
// half-hours are the home's own wall clock.
std::vector<Row> ausgrid() {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) +
                   "/household/ausgrid_solarhome_customer12_2011-07_2012-06_30min_kW.csv");
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    int y, mo, d, h, mi, s;
    double gc, gg;
    if (std::sscanf(line.c_str(), "%d-%d-%d %d:%d:%d,%lf,%lf", &y, &mo, &d, &h, &mi, &s, &gc,
                    &gg) != 8)
      continue;
    rows.push_back({sys_days{year{y} / mo / d} + hours{h} + minutes{mi}, gc, gg});
  }
  return rows;
}

HouseSample sample(const Row& r) {
  HouseSample s;
  s.start = r.t;
  s.grid_w = (r.gc_kw - r.gg_kw) * 1000;  // import positive: consumption less production
  s.pv_w = r.gg_kw * 1000;
  return s;
}

TEST(Household, TheRealYearIsComplete) {
  const auto rows = ausgrid();
  ASSERT_EQ(rows.size(), 17568u);
}

TEST(Household, LearnedProfilePredictsAHeldOutWeekBetterThanAFlatMean) {
  const auto rows = ausgrid();
  ASSERT_EQ(rows.size(), 17568u);
  const std::size_t week = 7 * 48, history = 8 * week;
  double profile_err = 0, flat_err = 0;
  int weeks = 0, profile_wins = 0;
  for (std::size_t start = history; start + week <= rows.size(); start += 4 * week) {
    std::vector<HouseSample> train;
    double sum = 0;
    for (std::size_t i = start - history; i < start; ++i) {
      train.push_back(sample(rows[i]));
      sum += rows[i].gc_kw * 1000;
    }
    const double flat = sum / static_cast<double>(history);
    const LoadProfile p = learn_load_profile(train, Zone::utc());
    double pe = 0, fe = 0;
    for (std::size_t i = start; i < start + week; ++i) {
      const double actual = rows[i].gc_kw * 1000;
      pe += std::fabs(p.watts_at(rows[i].t, Zone::utc()).value() - actual);
      fe += std::fabs(flat - actual);
    }
    profile_err += pe / week;
    flat_err += fe / week;
    profile_wins += pe < fe ? 1 : 0;
    ++weeks;
  }
  ASSERT_EQ(weeks, 11);
  std::printf(
      "held-out weeks %d: mean absolute error profile %.0f W, flat mean %.0f W; profile "
      "better in %d\n",
      weeks, profile_err / weeks, flat_err / weeks, profile_wins);
  EXPECT_LT(profile_err, 0.9 * flat_err);
  EXPECT_GE(profile_wins, 9);
}

TEST(Household, LoadIsGridPlusPvLessTheCar) {
  const auto rows = ausgrid();
  ASSERT_GE(rows.size(), 48u * 28);
  std::vector<HouseSample> plain, with_car;
  std::mt19937 rng(7);
  std::bernoulli_distribution charging(0.15);
  for (std::size_t i = 0; i < 48 * 28; ++i) {
    HouseSample s = sample(rows[i]);
    plain.push_back(s);
    if (charging(rng)) {
      s.car_w = 7200;
      s.grid_w += 7200;
    }
    with_car.push_back(s);
  }
  const LoadProfile a = learn_load_profile(plain, Zone::utc(), {0.0, 1});
  const LoadProfile b = learn_load_profile(with_car, Zone::utc(), {0.0, 1});
  // 2011-07-01 was a Friday: its 18:00 half-hour is cell (4, 36), four samples in four weeks,
  // trim 0: their plain mean of GC.
  double gc = 0;
  for (int w = 0; w < 4; ++w)
    gc += rows[static_cast<std::size_t>(w * 7 * 48 + 36)].gc_kw * 1000;
  EXPECT_NEAR(a.watts(4, 36).value(), gc / 4, 1e-6);
  EXPECT_EQ(a.samples(4, 36), 4);
  for (int d = 0; d < 7; ++d)
    for (int h = 0; h < 48; ++h)
      EXPECT_NEAR(a.watts(d, h).value(), b.watts(d, h).value(), 1e-6);
}

TEST(Household, OutliersDoNotMoveTheProfile) {
  // Eight Mondays at 19:00: 400-470 W, and one evening a 9 kW sauna.
  std::vector<HouseSample> h;
  const Instant monday = sys_days{year{2025} / 6 / 2} + hours{19};
  for (int w = 0; w < 8; ++w) {
    HouseSample s;
    s.start = monday + days{7 * w};
    s.grid_w = 400 + 10 * w;
    h.push_back(s);
  }
  h[3].grid_w = 9000;
  const LoadProfile p = learn_load_profile(h, Zone::utc());
  // Trim 20 %: one sample off each end of eight; the mean of 410..460 without 430 (the sauna).
  const double expected = (410 + 420 + 440 + 450 + 460 + 470) / 6.0;
  EXPECT_NEAR(p.watts(0, 38).value(), expected, 1e-9);
  // A weekday without enough samples falls back to the half-hour on every day.
  EXPECT_NEAR(p.watts(2, 38).value(), expected, 1e-9);
  EXPECT_FALSE(p.watts(2, 10));
  EXPECT_FALSE(learn_load_profile({}, Zone::utc()).watts(0, 0));
  EXPECT_TRUE(learn_load_profile({}, Zone::utc()).empty());
}

TEST(Household, PvScaleFindsTheForecastsBiasOnTheRealYear) {
  // A forecast 20 % low on average with +-30 % noise per day: actual = forecast x 1.25.
  const auto rows = ausgrid();
  std::mt19937 rng(2024);
  std::uniform_real_distribution<double> noise(0.7, 1.3);
  std::vector<PvActual> h;
  double day_noise = 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 48 == 0) day_noise = noise(rng);
    h.push_back({rows[i].gg_kw * 1000 * 0.8 * day_noise, rows[i].gg_kw * 1000});
  }
  const PvScale s = learn_pv_scale(h);
  std::printf("PV scale learned: %.3f over %d daylight half-hours (true 1.25)\n", s.factor,
              s.periods);
  EXPECT_NEAR(s.factor, 1.25, 0.08);
  EXPECT_GT(s.periods, 3000);
  // Night only, or too little: no correction.
  const std::vector<PvActual> night(100, PvActual{0, 0});
  EXPECT_EQ(learn_pv_scale(night).factor, 1.0);
  EXPECT_EQ(learn_pv_scale(night).periods, 0);
  // A broken PV meter reading 0 all day: clamped, never a zero forecast.
  const std::vector<PvActual> dead(100, PvActual{2000, 0});
  EXPECT_EQ(learn_pv_scale(dead).factor, 0.2);
}

TEST(Household, ExpectedSurplusIsScaledPvLessLoad) {
  const Instant noon = sys_days{year{2025} / 6 / 2} + hours{12};  // a Monday
  std::vector<HouseSample> h;
  for (int w = 0; w < 3; ++w)
    for (int k = 0; k < 3; ++k) {
      HouseSample s;
      s.start = noon - days{7 * (w + 1)} + minutes{30 * k};
      s.grid_w = -1000;  // exporting 1 kW
      s.pv_w = 1500;     // of 1.5 kW: the home uses 500 W
      h.push_back(s);
    }
  const LoadProfile load = learn_load_profile(h, Zone::utc());
  PvForecast f;
  f.intervals = {{noon, noon + minutes{15}, 2000}, {noon + minutes{15}, noon + hours{1}, 3000}};
  const auto slots =
      expected_surplus(f, PvScale{0.8, 50}, load, Zone::utc(), noon, noon + hours{2});
  // 12:00-12:30: (2000 + 3000) / 2 x 0.8 = 2000 - 500; 12:30-13:00: 2400 - 500; 13:00 on: no
  // forecast, left out.
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].start, noon);
  EXPECT_NEAR(slots[0].pv_w, 2000, 1e-9);
  EXPECT_NEAR(slots[0].load_w, 500, 1e-9);
  EXPECT_NEAR(slots[0].surplus_w, 1500, 1e-9);
  EXPECT_NEAR(slots[1].surplus_w, 1900, 1e-9);
  // More load than sun: no surplus, never negative.
  const auto dim =
      expected_surplus(f, PvScale{0.1, 50}, load, Zone::utc(), noon, noon + minutes{30});
  ASSERT_EQ(dim.size(), 1u);
  EXPECT_EQ(dim[0].surplus_w, 0.0);
}

}  // namespace
}  // namespace offpeak
