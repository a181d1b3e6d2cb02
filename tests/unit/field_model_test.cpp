// The field-true parts of the domain: planning along a tapering charge curve, learning the
// charging model from observations, and the poll budget.
#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/cloud_lag.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/domain/simulated_car.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <random>

namespace offpeak {
namespace {

using namespace std::chrono;
using test::at;

const Instant k_t0 = at("2026-01-05T00:00:00Z");  // Monday, GMT

VehicleSpec tapering(double kw = 6.0) {
  VehicleSpec v{37.9, kw, 0.9};
  v.taper_above_soc = 80.0;
  v.taper_end_kw = 2.0;
  return v;
}

// --- planning along the curve ---------------------------------------------------------------

TEST(PlannerCurve, TaperedPlanReachesTheTargetAndTakesLonger) {
  PlanRequest r;
  r.now = k_t0;
  r.soc = 50;
  r.target_soc = 95;
  r.ready_by = k_t0 + hours{12};
  r.vehicle = tapering();
  PriceCurve prices = test::curve(k_t0, std::vector<std::optional<double>>(24, 10.0));
  Plan tapered = make_plan(r, prices, Zone::utc());
  VehicleSpec flat = tapering();
  flat.taper_above_soc.reset();
  r.vehicle = flat;
  Plan flat_plan = make_plan(r, prices, Zone::utc());
  ASSERT_TRUE(tapered.feasible);
  EXPECT_NEAR(tapered.total_energy_kwh, grid_energy_kwh(flat, 50, 95), 1e-6);
  EXPECT_NEAR(tapered.expected_soc, 95, 1e-6);
  auto duration = [](const Plan& p) {
    Seconds d{0};
    for (const auto& s : p.slots)
      d += s.end - s.start;
    return d;
  };
  EXPECT_NEAR(static_cast<double>(duration(tapered).count()),
              charge_hours(tapering(), 50, 95) * 3600, 2.0);
  EXPECT_GT(duration(tapered), duration(flat_plan) + minutes{15});
  // The last slot draws less than the first: the power falls with SoC.
  EXPECT_LT(tapered.slots.back().power_kw, 6.0 - 0.5);
}

TEST(PlannerCurve, ACarThatFollowsThePlanArrivesAtTheTarget) {
  // A simulated car with the same curve, switched by the plan's runs, ends at the target.
  PlanRequest r;
  r.now = k_t0;
  r.soc = 30;
  r.target_soc = 90;
  r.ready_by = k_t0 + hours{10};
  r.vehicle = tapering();
  std::vector<std::optional<double>> p(20, 25.0);
  for (int i = 4; i < 12; ++i)
    p[i] = 8.0 + i % 3;
  Plan plan = make_plan(r, test::curve(k_t0, p), Zone::utc());
  SimulatedCarParams params;
  params.spec = tapering();
  params.soc_percent = 30;
  params.plugged_in = true;
  params.switched_on = false;
  SimulatedCar car(params, k_t0);
  for (const auto& run : plan.runs) {
    car.advance(run.start);
    car.start_charging();
    car.advance(run.end);
    car.stop_charging();
  }
  EXPECT_NEAR(car.soc_percent(), 90, 0.1);
}

// --- learning ---------------------------------------------------------------------------

// Observations of charging sessions of a car following `truth`, polled every `every`, with
// the SoC reported as a whole number (as the service does) and optional noise.
std::vector<ChargeObservation> sessions(const VehicleSpec& truth, int count, Seconds every,
                                        double from_soc, double to_soc, unsigned seed = 1) {
  std::vector<ChargeObservation> out;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> jitter(-120, 120);
  Instant t = k_t0;
  for (int s = 0; s < count; ++s) {
    double soc = from_soc;
    out.push_back({t, std::round(soc), false});
    while (soc < to_soc) {
      Seconds step = every + Seconds{jitter(rng)};
      soc = soc_after_hours(truth, soc, static_cast<double>(step.count()) / 3600.0);
      t += step;
      out.push_back({t, std::floor(soc), soc < 100});
    }
    t += hours{20};
    out.push_back({t, std::floor(soc), false, false});  // away
  }
  return out;
}

TEST(ChargingModel, LearnsALowerPowerAndTheTaper) {
  VehicleSpec configured{37.9, 7.4, 0.9};
  VehicleSpec truth = tapering(6.0);
  auto obs = sessions(truth, 5, minutes{45}, 20, 99);
  auto m = learn_charging_model(obs, configured);
  ASSERT_TRUE(m.power_kw);
  EXPECT_NEAR(*m.power_kw, 6.0, 0.3);
  ASSERT_TRUE(m.taper_above_soc);
  EXPECT_NEAR(*m.taper_above_soc, 80, 5);
  EXPECT_NEAR(m.taper_end_kw, 2.0, 1.0);
  EXPECT_EQ(m.sessions, 5);
  EXPECT_EQ(describe(m, configured).substr(0, 28), "6.0 kW learned from 5 sessio");
  // Planning with it: the same hours as the truth, within a few minutes.
  VehicleSpec eff = effective_spec(configured, m);
  EXPECT_NEAR(charge_hours(eff, 40, 90), charge_hours(truth, 40, 90), 0.15);
}

// An Agile night charges in several stretches; it is still one session (from plug-in to
// unplug), not one per stretch.
TEST(ChargingModel, CountsPlugInSessionsNotChargingStretches) {
  VehicleSpec configured{37.9, 7.4, 0.9};
  VehicleSpec truth = tapering(6.0);
  std::vector<ChargeObservation> obs;
  Instant t = k_t0;
  for (int night = 0; night < 2; ++night) {
    double soc = 30;
    for (int stretch = 0; stretch < 3; ++stretch) {
      obs.push_back({t, std::floor(soc), false, true});
      for (int i = 0; i < 4; ++i) {
        t += minutes{30};
        soc = soc_after_hours(truth, soc, 0.5);
        obs.push_back({t, std::floor(soc), true, true});
      }
      t += minutes{30};
    }
    t += hours{12};
    obs.push_back({t, std::floor(soc), false, false});
  }
  auto m = learn_charging_model(obs, configured);
  ASSERT_TRUE(m.power_kw);
  EXPECT_EQ(m.sessions, 2);
}

TEST(ChargingModel, NeverAboveTheConfiguredPowerAndRobustToOutliers) {
  VehicleSpec configured{37.9, 5.0, 0.9};
  auto obs = sessions(tapering(7.0), 4, minutes{40}, 10, 75);
  // A cloud glitch: one reading far too high.
  obs[3].soc_percent += 30;
  auto m = learn_charging_model(obs, configured);
  ASSERT_TRUE(m.power_kw);
  EXPECT_DOUBLE_EQ(*m.power_kw, 5.0);
  EXPECT_FALSE(m.taper_above_soc);  // no pairs above 80 %: nothing to learn there
}

// How offpeakd polls once the cloud lag is learned: a reading about every 40 min while
// charging, none in the last stretch to the target (nothing decides there), the charger
// switched off at the target (85, 90 or 95 %) and the confirming reading a cloud lag after the
// stop, showing the car at rest. No CHARGING/CHARGING pair reaches the taper: only the spans
// from rest to rest, over the time the charger was on (`charged`), show it. The cloud's SoC is
// 5 min old when read while charging.
std::vector<ChargeObservation> stop_confirmed_sessions(const VehicleSpec& truth, int count,
                                                       bool switch_record) {
  std::vector<ChargeObservation> out;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter(-180, 180);
  const Seconds age = minutes{5};
  Instant t = k_t0;
  for (int s = 0; s < count; ++s) {
    const Instant start = t;
    const double soc0 = 40 + 5 * (s % 4);
    const double stop_at = 85 + 5 * (s % 3);
    auto soc_at = [&](Instant when) {
      if (when <= start) return soc0;
      return soc_after_hours(truth, soc0, static_cast<double>((when - start).count()) / 3600.0);
    };
    const Instant stop =
        start + Seconds{static_cast<long long>(charge_hours(truth, soc0, stop_at) * 3600)};
    auto add = [&](ChargeObservation o, Instant prev, Instant on_until) {
      if (switch_record) o.charged = duration_cast<Seconds>(on_until - prev);
      out.push_back(o);
    };
    out.push_back({t, soc0, false});  // plugged in at rest; switched on at once
    for (;;) {
      const Instant next = t + minutes{40} + Seconds{jitter(rng)};
      if (soc_at(next) >= 70) break;
      const Instant prev = t;
      t = next;
      add({t, std::floor(soc_at(t - age)), true}, prev, t);
    }
    const Instant prev = t;
    t = stop + minutes{11};
    add({t, std::floor(soc_at(stop)), false}, prev, stop);
    t += hours{20};
    out.push_back({t, out.back().soc_percent, false, false});  // away
  }
  return out;
}

TEST(ChargingModel, LearnsTheTaperFromTheSpansFromRestToRest) {
  VehicleSpec configured{37.9, 7.4, 0.9};
  VehicleSpec truth = tapering(6.0);  // 80 % -> 2 kW at 100 %
  auto obs = stop_confirmed_sessions(truth, 12, true);
  auto m = learn_charging_model(obs, configured);
  ASSERT_TRUE(m.power_kw);
  EXPECT_NEAR(*m.power_kw, 6.0, 0.3);
  ASSERT_TRUE(m.taper_above_soc);
  EXPECT_NEAR(*m.taper_above_soc, 80, 5);
  EXPECT_EQ(m.sessions, 12);
  VehicleSpec eff = effective_spec(configured, m);
  EXPECT_NEAR(charge_hours(eff, 60, 95), charge_hours(truth, 60, 95), 0.15);
  // Without the switch's record of its on-time, the same readings show no taper.
  auto unrecorded = stop_confirmed_sessions(truth, 12, false);
  auto flat = learn_charging_model(unrecorded, configured);
  ASSERT_TRUE(flat.power_kw);
  EXPECT_FALSE(flat.taper_above_soc);
}

TEST(ChargingModel, NothingLearnedFromTooLittle) {
  VehicleSpec configured{37.9, 7.4, 0.9};
  auto obs = sessions(tapering(6.0), 1, minutes{20}, 40, 50);
  auto m = learn_charging_model(obs, configured);
  EXPECT_FALSE(m.power_kw);
  EXPECT_EQ(effective_spec(configured, m).max_charge_kw, 7.4);
  EXPECT_EQ(describe(m, configured), "7.4 kW configured (nothing learned yet)");
}

// --- poll budget ------------------------------------------------------------------------

PollSituation away_at(Instant now, Instant last) {
  PollSituation s;
  s.now = now;
  s.last_observed = last;
  s.plugged_in = false;
  return s;
}

TEST(PollPolicy, FirstObservationAtOnceThenRarelyWhileAway) {
  PollPolicySettings p;
  PollSituation s;
  s.now = k_t0;
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, k_t0);
  auto d = next_poll(away_at(k_t0, k_t0), p, Zone::utc());
  EXPECT_GE(d.at, k_t0 + minutes{90});
  EXPECT_TRUE(d.routine);
}

TEST(PollPolicy, NeverExceedsTheBudget) {
  PollPolicySettings p;
  p.max_per_day = 10;
  PollSituation s = away_at(k_t0 + hours{3}, k_t0 + hours{2});
  s.used_today = 9;
  auto d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, k_t0 + days{1});
  // Even a decision waits for the next day when the budget cannot pay for it.
  s.confirm_by = s.now + minutes{10};
  s.command_at = s.now;
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, k_t0 + days{1});
}

TEST(PollPolicy, ConfirmsACommandAndChecksBeforeAStart) {
  PollPolicySettings p;
  PollSituation s = away_at(k_t0 + hours{23} + minutes{50}, k_t0 + hours{23} + minutes{50});
  s.plugged_in = true;
  s.next_start = k_t0 + hours{24} + minutes{30};
  auto d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, *s.next_start - p.before_start);
  EXPECT_FALSE(d.routine);
  s.command_at = s.now;
  s.confirm_by = s.now + minutes{20};
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, s.now + p.confirm_delay);
}

// Agile nights have several runs: a stop between two runs close together is confirmed by the
// poll before the next start, one poll instead of two.
TEST(PollPolicy, AStopSoonFollowedByAStartIsConfirmedByThePollBeforeTheStart) {
  PollPolicySettings p;
  const Instant now = k_t0 + hours{1};
  PollSituation s = away_at(now, now - minutes{1});
  s.plugged_in = true;
  s.command_at = now;  // a stop at the end of a run
  s.confirm_by = now + minutes{20};
  s.next_start = now + minutes{25};
  auto d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, now + minutes{15});
  EXPECT_EQ(d.why, "confirm the stop with a fresh SoC before the planned start");
  // A start too far off to confirm the stop in time: confirmed on its own.
  s.next_start = now + minutes{60};
  d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, now + p.confirm_delay);
  EXPECT_EQ(d.why, "confirm the command");
  // A reading since the command that did not confirm it (the cloud lags): the next try waits
  // twice as long.
  s.last_observed = now + minutes{5};
  s.now = now + minutes{5};
  d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, now + minutes{15});
}

TEST(PollPolicy, WatchesTheUsualPlugInTime) {
  PollPolicySettings p;
  PollSituation s = away_at(k_t0 + hours{17}, k_t0 + hours{16} + minutes{50});
  s.usual_plug_in[0] = 18 * 60;  // Mondays 18:00
  auto d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, k_t0 + hours{18} - minutes{20});
  // A simulated day away with the usual plug-in: within the budget, and more than one poll
  // in the window.
  int polls = 0, in_window = 0;
  Instant t = k_t0, last = k_t0;
  while (t < k_t0 + days{1}) {
    PollSituation day = away_at(t, last);
    day.usual_plug_in[0] = 18 * 60;
    day.used_today = polls;
    auto next = next_poll(day, p, Zone::utc(), 1);
    if (next.at >= k_t0 + days{1}) break;
    t = last = next.at;
    ++polls;
    if (t >= k_t0 + hours{17} + minutes{40} && t <= k_t0 + hours{19} + minutes{30}) ++in_window;
  }
  EXPECT_LE(polls, 24);
  EXPECT_GE(in_window, 4);
}

// The car cloud's lag, learned from readings that still showed the state before a command:
// the first confirming poll goes just after it, so it confirms at the first try.
TEST(CloudLag, TheLongestDisagreementPlusAMinute) {
  CloudLag lag;
  EXPECT_FALSE(lag.lag());
  lag.confirmation(minutes{4}, true);  // agreement bounds nothing
  EXPECT_FALSE(lag.lag());
  lag.confirmation(minutes{5}, false);
  ASSERT_TRUE(lag.lag());
  EXPECT_EQ(*lag.lag(), minutes{6});
  lag.confirmation(minutes{8}, false);
  lag.confirmation(minutes{3}, false);
  EXPECT_EQ(*lag.lag(), minutes{9});
  lag.confirmation(minutes{45}, false);  // a switch that did not act, not a lag
  EXPECT_EQ(*lag.lag(), minutes{9});
  EXPECT_EQ(lag.samples(), 5U);
  // Only the recent commands count: an old long lag is forgotten.
  for (std::size_t i = 0; i < CloudLag::k_window; ++i)
    lag.confirmation(minutes{2}, false);
  EXPECT_EQ(*lag.lag(), minutes{3});
}

TEST(PollPolicy, PollsLessWhileAwayOnceTheUsualPlugInTimeIsKnown) {
  PollPolicySettings p;
  PollSituation s = away_at(k_t0 + hours{9}, k_t0 + hours{9});
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, k_t0 + hours{9} + minutes{90});
  s.usual_plug_in[0] = 18 * 60;  // Mondays 18:00: watched from 17:40
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, k_t0 + hours{12});
}

// A cloud that shows a command 10 min late: a confirmation after 5 min would read the car
// before the command and cost a second poll. Once the lag is learned the first poll waits it.
TEST(PollPolicy, TheFirstConfirmationWaitsTheLearnedCloudLag) {
  PollPolicySettings p;
  const Instant now = k_t0 + hours{1};
  PollSituation s = away_at(now, now - minutes{1});
  s.plugged_in = true;
  s.charging = true;
  s.command_at = now;  // a start
  s.confirm_by = now + minutes{30};
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, now + p.confirm_delay);
  s.cloud_lag = minutes{11};
  auto d = next_poll(s, p, Zone::utc());
  EXPECT_EQ(d.at, now + minutes{11});
  EXPECT_EQ(d.why, "confirm the command");
  // A lag shorter than the confirm delay changes nothing; one past the deadline waits no
  // longer than the deadline.
  s.cloud_lag = minutes{2};
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, now + p.confirm_delay);
  s.cloud_lag = minutes{45};
  EXPECT_EQ(next_poll(s, p, Zone::utc()).at, *s.confirm_by);
}

TEST(RequestBudget, CountsPerUtcDayAndReportsTheDayThatEnded) {
  RequestBudget b;
  EXPECT_FALSE(b.roll(k_t0 + hours{1}));  // the first day ends nothing
  b.record(k_t0 + hours{1}, 2);
  b.record(k_t0 + hours{5}, 1);
  b.record(k_t0 + hours{6}, 3);  // a poll with retries
  EXPECT_EQ(b.used(k_t0 + hours{7}), 6);
  EXPECT_EQ(b.polls(k_t0 + hours{7}), 3);
  EXPECT_EQ(b.allowance(k_t0 + hours{7}, 40), 34);
  EXPECT_EQ(b.allowance(k_t0 + hours{7}, 5), 0);  // never negative
  // The next UTC day counts afresh; the day that ended is reported once.
  EXPECT_EQ(b.used(k_t0 + days{1}), 0);
  auto ended = b.roll(k_t0 + days{1} + minutes{1});
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->day, k_t0);
  EXPECT_EQ(ended->polls, 3);
  EXPECT_EQ(ended->requests, 6);
  EXPECT_FALSE(b.roll(k_t0 + days{1} + minutes{2}));
  b.record(k_t0 + days{1} + minutes{3}, 2);
  EXPECT_EQ(b.used(k_t0 + days{1} + minutes{4}), 2);
  EXPECT_EQ(b.polls_total(), 4);
}

TEST(RequestBudget, SurvivesARestartOnTheSameDayOnly) {
  RequestBudget before;
  before.record(k_t0 + hours{9}, 2);
  before.record(k_t0 + hours{10}, 15);
  EXPECT_EQ(before.persisted(), "2026-01-05 17");

  RequestBudget after;
  EXPECT_TRUE(after.restore(before.persisted(), k_t0 + hours{11}));
  EXPECT_EQ(after.used(k_t0 + hours{11}), 17);
  EXPECT_EQ(after.allowance(k_t0 + hours{11}, 20), 3);
  after.record(k_t0 + hours{12}, 2);
  EXPECT_EQ(after.used(k_t0 + hours{12}), 19);
  EXPECT_FALSE(after.roll(k_t0 + hours{13}));

  RequestBudget next_day;
  EXPECT_FALSE(next_day.restore(before.persisted(), k_t0 + days{1}));
  EXPECT_EQ(next_day.used(k_t0 + days{1}), 0);
  for (const char* bad : {"", "2026-01-05", "2026-01-05 ", "2026-01-05 x", "2026-01-05 -3",
                          "2026-01-05 12z", "2026-01-0512"}) {
    RequestBudget b;
    EXPECT_FALSE(b.restore(bad, k_t0 + hours{1})) << bad;
    EXPECT_EQ(b.used(k_t0 + hours{1}), 0) << bad;
  }
}

TEST(PollBackoff, DoublesFromThirtySecondsUpToTheCapAndHonoursRetryAfter) {
  const Seconds cap{3600};
  EXPECT_EQ(poll_backoff(1, cap, 1.0), Seconds{30});
  EXPECT_EQ(poll_backoff(2, cap, 1.0), Seconds{60});
  EXPECT_EQ(poll_backoff(5, cap, 1.0), Seconds{480});
  EXPECT_EQ(poll_backoff(8, cap, 1.0), cap);
  EXPECT_EQ(poll_backoff(400, cap, 1.0), cap);  // no overflow for long outages
  EXPECT_EQ(poll_backoff(1, cap, 0.8), Seconds{24});
  EXPECT_EQ(poll_backoff(8, cap, 1.2), Seconds{4320});  // jitter spreads retries past the cap
  EXPECT_EQ(poll_backoff(1, cap, 1.0, Seconds{900}), Seconds{900});
  EXPECT_EQ(poll_backoff(8, cap, 1.0, Seconds{60}), cap);  // a shorter Retry-After changes nothing
}

}  // namespace
}  // namespace offpeak
