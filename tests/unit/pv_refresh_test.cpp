// The solar forecast refresh schedule: intervals per source, back-off, and the quota held in
// every window over a simulated week with failures.
#include <offpeak/domain/pv_refresh.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

namespace offpeak {
namespace {

using namespace std::chrono;

const Instant t0 = sys_days{year{2025} / 6 / 1};

TEST(PvRefresh, IntervalsSpreadEachQuota) {
  EXPECT_EQ(pv_refresh_interval(forecast_solar_policy(), 1), hours{1});
  EXPECT_EQ(pv_refresh_interval(forecast_solar_policy(), 3), hours{1});   // 36 of 12/h x 24
  EXPECT_EQ(pv_refresh_interval(forecast_solar_policy(), 24), hours{2});  // 24 faces: 12 an hour
  EXPECT_EQ(pv_refresh_interval(solcast_policy(), 1), hours{3});          // 8 of 10 a day
  EXPECT_EQ(pv_refresh_interval(solcast_policy(), 2), hours{6});
  EXPECT_EQ(pv_refresh_interval(open_meteo_policy(), 2), hours{1});
}

TEST(PvRefresh, FirstNowThenTheIntervalAfterSuccess) {
  PvRefreshState s;
  EXPECT_EQ(pv_next_refresh(t0, s, solcast_policy(), 1), t0);
  pv_record_refresh(s, t0, 1, true, hours{24});
  EXPECT_EQ(pv_next_refresh(t0 + minutes{1}, s, solcast_policy(), 1), t0 + hours{3});
  // A restart (the state comes back from the database) does not fetch again at once.
  EXPECT_EQ(pv_next_refresh(t0 + hours{2}, s, solcast_policy(), 1), t0 + hours{3});
  // Overdue: now.
  EXPECT_EQ(pv_next_refresh(t0 + hours{5}, s, solcast_policy(), 1), t0 + hours{5});
}

TEST(PvRefresh, FailuresBackOffDoublingUpToTheInterval) {
  PvRefreshState s;
  Instant t = t0;
  const Seconds expected[] = {minutes{2},  minutes{4},  minutes{8}, minutes{16},
                              minutes{32}, minutes{60}, minutes{60}};
  for (Seconds e : expected) {
    pv_record_refresh(s, t, 1, false, hours{1});
    const Instant next = pv_next_refresh(t, s, forecast_solar_policy(), 1);
    EXPECT_EQ(next - t, e) << s.consecutive_failures;
    t = next;
  }
  pv_record_refresh(s, t, 1, true, hours{1});
  EXPECT_EQ(s.consecutive_failures, 0);
  EXPECT_EQ(pv_next_refresh(t, s, forecast_solar_policy(), 1), t + hours{1});
}

TEST(PvRefresh, CallsOfOthersDelayUntilTheQuotaHasRoom) {
  // Ten Solcast calls made by hand this morning: the next waits until the first leaves the
  // 24-hour window, though the schedule's own interval has passed.
  PvRefreshState s;
  for (int i = 0; i < 10; ++i)
    pv_record_refresh(s, t0 + minutes{10 * i}, 1, true, hours{24});
  EXPECT_EQ(pv_next_refresh(t0 + hours{5}, s, solcast_policy(), 1), t0 + hours{24});
  // Two sites need two free calls: the second oldest must leave too.
  EXPECT_EQ(pv_next_refresh(t0 + hours{7}, s, solcast_policy(), 2), t0 + hours{24} + minutes{10});
  // More calls per refresh than the quota can ever hold: a window after the last call at the
  // soonest, else the spread interval (13 x 3600 s / 12 = 65 min).
  PvRefreshState big;
  pv_record_refresh(big, t0, 13, true, hours{1});
  EXPECT_EQ(pv_next_refresh(t0, big, forecast_solar_policy(), 13), t0 + minutes{65});
  big.last_success = t0 - hours{2};
  EXPECT_EQ(pv_next_refresh(t0, big, forecast_solar_policy(), 13), t0 + hours{1});
}

struct Source {
  const char* name;
  PvRefreshPolicy policy;
  int calls_per_refresh;
  int calls_per_day_when_all_succeed;
};

TEST(PvRefresh, AWeekWithFailuresNeverExceedsAQuota) {
  const Source sources[] = {{"forecast.solar", forecast_solar_policy(), 2, 48},
                            {"solcast", solcast_policy(), 1, 8},
                            {"solcast two sites", solcast_policy(), 2, 8},
                            {"open-meteo", open_meteo_policy(), 1, 24}};
  for (const auto& src : sources) {
    SCOPED_TRACE(src.name);
    for (double failure_rate : {0.0, 0.3, 0.9}) {
      std::mt19937 rng(42);
      std::bernoulli_distribution fails(failure_rate);
      PvRefreshState s;
      std::vector<Instant> sent;
      Instant now = t0;
      while (now < t0 + days{7}) {
        const Instant next = pv_next_refresh(now, s, src.policy, src.calls_per_refresh);
        ASSERT_GE(next, now);
        now = next;
        const bool ok = !fails(rng);
        for (int i = 0; i < src.calls_per_refresh; ++i)
          sent.push_back(now);
        pv_record_refresh(s, now, src.calls_per_refresh, ok, src.policy.quota.window);
        // Some wall-clock time passes before the loop asks again.
        now += seconds{1};
      }
      // Every window ending at a call holds at most the quota.
      for (std::size_t i = 0; i < sent.size(); ++i) {
        const auto inside = std::count_if(sent.begin(), sent.end(), [&](Instant c) {
          return c > sent[i] - src.policy.quota.window && c <= sent[i];
        });
        ASSERT_LE(inside, src.policy.quota.calls) << "at call " << i << " rate " << failure_rate;
      }
      if (failure_rate == 0.0) {
        const auto day2 = std::count_if(sent.begin(), sent.end(), [&](Instant c) {
          return c >= t0 + days{1} && c < t0 + days{2};
        });
        EXPECT_EQ(day2, src.calls_per_day_when_all_succeed);
      }
    }
  }
}

}  // namespace
}  // namespace offpeak
