#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace offpeak {
namespace {

using namespace std::chrono;

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

// Winter (GMT = UTC) so local and UTC times coincide: Go tariff, 00:30-05:30 at 8.5p.
class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : zone_(*Zone::locate("Europe/London")) {
    TouRules go;
    go.default_price_p_per_kwh = 24.5;
    go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
    prices_ = TouTariff(go, zone_).prices(at("2026-01-10T00:00:00Z"), at("2026-01-13T00:00:00Z"));
    settings_.vehicle = {37.9, 7.4, 0.9};
    settings_.policy.target_soc = 80;
    settings_.policy.ready_by = TimeOfDay{7 * 60 + 30};
  }

  Controller make(bool confirmable = true) {
    auto s = settings_;
    s.confirmable = confirmable;
    Controller c(s, zone_);
    c.set_prices(prices_);
    return c;
  }

  static VehicleState obs(const char* t, double soc, bool plugged, bool charging) {
    VehicleState v;
    v.device_id = "VIN1";
    v.observed_at = at(t);
    v.soc_percent = soc;
    v.plugged_in = plugged;
    v.charging_state = charging ? ChargingState::charging : ChargingState::not_charging;
    return v;
  }

  Zone zone_;
  PriceCurve prices_;
  ControllerSettings settings_;
};

TEST_F(ControllerTest, PlansOnFirstObservationAndStartsAtTheRunBoundary) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, true, false));
  auto s = c.step(at("2026-01-10T18:00:00Z"));
  EXPECT_TRUE(s.replanned);
  // 18:00 is peak: the charger, in an unknown state after start-up, is switched off once.
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  EXPECT_EQ(s.command->reason,
            "standing off: waiting for the planned run 00:30-02:46 (the charger's state is "
            "unknown)");
  c.command_result(at("2026-01-10T18:00:00Z"), true, "ok");
  s = c.step(at("2026-01-10T18:00:00Z"));
  EXPECT_FALSE(s.command);
  ASSERT_TRUE(s.wake_at);
  EXPECT_EQ(*s.wake_at, at("2026-01-11T00:30:00Z"));  // exact timer to the run start
  auto again = c.step(at("2026-01-10T18:05:00Z"));
  EXPECT_FALSE(again.replanned);  // nothing relevant changed: plan kept
  EXPECT_FALSE(again.command);
  EXPECT_EQ(c.reason(), "waiting for the planned run 00:30-02:46");

  c.observe(obs("2026-01-11T00:20:00Z", 40, true, false));
  auto start = c.step(at("2026-01-11T00:30:00Z"));
  ASSERT_TRUE(start.command);
  EXPECT_EQ(start.command->action, Action::start);
  EXPECT_NE(start.command->reason.find("inside the planned run 00:30-02:46"), std::string::npos)
      << start.command->reason;
  c.command_result(at("2026-01-11T00:30:00Z"), true, "ok");
  EXPECT_FALSE(c.step(at("2026-01-11T00:30:00Z")).command);  // edge-triggered: no second start
  c.observe(obs("2026-01-11T00:35:00Z", 42, true, true));    // confirmed
  // 16.8444 kWh at 7.4 kW = 8195 s -> run ends 02:46:35.
  auto stop = c.step(at("2026-01-11T02:46:35Z"));
  ASSERT_TRUE(stop.command);
  EXPECT_EQ(stop.command->action, Action::stop);
  EXPECT_EQ(stop.command->reason, "the planned run 00:30-02:46 has ended");
}

// A reading inside the run a little behind the plan (40.9 % where the plan has 41.5 %): at the
// run's end the estimate is short of the target by half a point, a minute or two of charging.
// The run goes on to the estimated target and stops once, instead of stopping, waiting for a
// confirming reading and starting again for a top-up.
TEST_F(ControllerTest, ARunEndingJustShortOfTheTargetGoesOnToItInsteadOfATopUp) {
  Controller c = make();
  c.observe(obs("2026-01-11T00:20:00Z", 40, true, false));
  c.step(at("2026-01-11T00:20:00Z"));
  c.command_result(at("2026-01-11T00:20:00Z"), true, "ok");  // standing off
  auto start = c.step(at("2026-01-11T00:30:00Z"));
  ASSERT_TRUE(start.command);
  c.command_result(at("2026-01-11T00:30:00Z"), true, "ok");
  c.observe(obs("2026-01-11T00:35:00Z", 40.9, true, true));
  auto end = c.step(at("2026-01-11T02:46:35Z"));
  EXPECT_FALSE(end.command) << end.command->reason;
  EXPECT_EQ(c.reason().rfind("extending the run 00:30-02:46 by about 2 min at 8.50p to the target "
                             "80% (estimated 79.4%)",
                             0),
            0U)
      << c.reason();
  ASSERT_TRUE(end.wake_at);
  EXPECT_LE(*end.wake_at, at("2026-01-11T02:46:35Z") + minutes{2});
  auto stop = c.step(*end.wake_at);
  ASSERT_TRUE(stop.command);
  EXPECT_EQ(stop.command->action, Action::stop);
  EXPECT_EQ(stop.command->reason.rfind("target 80% reached (estimated 80%", 0), 0U)
      << stop.command->reason;
}

// Regression: the hourly price refresh (a curve starting an hour before `now`) made every
// second refresh look like a price change, re-planning and logging a new plan each time.
TEST_F(ControllerTest, RefreshingUnchangedPricesKeepsThePlan) {
  Zone z = zone_;
  TouRules go;
  go.default_price_p_per_kwh = 24.5;
  go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
  TouTariff tariff(go, z);
  Controller c(settings_, z);
  Instant now = at("2026-01-10T18:00:36Z");
  c.set_prices(tariff.prices(now - hours{1}, now + hours{72}));
  int replans = 0;
  for (int i = 0; i < 36; ++i) {
    c.observe(obs(format_rfc3339(now).c_str(), 35, true, false));
    replans += c.step(now).replanned ? 1 : 0;
    now += minutes{10};
    if (i % 6 == 5) c.set_prices(tariff.prices(now - hours{1}, now + hours{72}));
  }
  EXPECT_EQ(replans, 1);
  EXPECT_EQ(c.replan_reason(), "first plan");
}

TEST_F(ControllerTest, AfterRestartReconcilesWithTheObservedStateInsteadOfResending) {
  Controller c = make();
  // Restarted in the middle of a run; the car is already charging: no duplicate start.
  c.observe(obs("2026-01-11T01:00:00Z", 45, true, true));
  auto s = c.step(at("2026-01-11T01:00:00Z"));
  EXPECT_FALSE(s.command);
  EXPECT_EQ(c.switch_on(), true);
  // Restarted outside any run with the car charging: one stop.
  Controller d = make();
  d.observe(obs("2026-01-10T19:00:00Z", 45, true, true));
  auto t = d.step(at("2026-01-10T19:00:00Z"));
  ASSERT_TRUE(t.command);
  EXPECT_EQ(t.command->action, Action::stop);
}

TEST_F(ControllerTest, NothingIsSentBeforeTheFirstObservationThenStandsOffAfterAGrace) {
  Controller c = make();
  auto s = c.step(at("2026-01-11T01:00:00Z"));
  EXPECT_FALSE(s.command);
  EXPECT_FALSE(c.switch_on());
  EXPECT_EQ(c.reason(), "no observation of the car yet");
  ASSERT_TRUE(s.wake_at);
  EXPECT_EQ(*s.wake_at, at("2026-01-11T01:05:00Z"));
  // The car's cloud does not answer: the charger is switched off all the same.
  auto later = c.step(at("2026-01-11T01:05:00Z"));
  ASSERT_TRUE(later.command);
  EXPECT_EQ(later.command->action, Action::stop);
}

TEST_F(ControllerTest, StandsOffAfterARunAndAtUnplug) {
  Controller c = make();
  c.observe(obs("2026-01-11T00:30:00Z", 70, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  auto start = c.step(t);
  ASSERT_TRUE(start.command);
  EXPECT_EQ(start.command->action, Action::start);
  c.command_result(t, true, "ok");
  c.observe(obs("2026-01-11T00:35:00Z", 71, true, true));
  EXPECT_FALSE(c.step(t + minutes{5}).command);
  // Unplugged mid-run: the car stops charging but the relay would stay on: a stop is sent.
  c.observe(obs("2026-01-11T00:50:00Z", 73, false, false));
  auto unplug = c.step(t + minutes{20});
  ASSERT_TRUE(unplug.command);
  EXPECT_EQ(unplug.command->action, Action::stop);
  EXPECT_EQ(unplug.command->reason, "car is unplugged");
  c.command_result(t + minutes{20}, true, "ok");
  EXPECT_EQ(c.switch_on(), false);
  // Nothing more while it stays unplugged.
  c.observe(obs("2026-01-11T01:50:00Z", 73, false, false));
  EXPECT_FALSE(c.step(t + minutes{80}).command);
}

// An OCPP charger reports plug-in at once: the controller re-plans without a car poll, and
// the charger's word on offering current confirms commands.
TEST_F(ControllerTest, ChargerReportActsOnPlugInAndConfirms) {
  Controller c = make();
  c.observe(obs("2026-01-10T17:00:00Z", 40, false, false));
  Instant t = at("2026-01-10T17:00:00Z");
  auto s = c.step(t);  // standing off while unplugged
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  c.command_result(t, true, "ok");
  // 19:00: the charger says plugged in (held): a plan for the cheap window, no start yet.
  t = at("2026-01-10T19:00:00Z");
  c.charger_report(t, true, false);
  s = c.step(t);
  EXPECT_FALSE(s.command);
  ASSERT_TRUE(c.plan());
  ASSERT_FALSE(c.plan()->runs.empty());
  EXPECT_EQ(c.plan()->runs.front().start, at("2026-01-11T00:30:00Z"));
  EXPECT_EQ(c.last_observation()->plugged_in, true);
  EXPECT_EQ(c.last_observation()->soc_percent, 40);  // the reading's SoC and age stay
  EXPECT_EQ(c.last_observation()->observed_at, at("2026-01-10T17:00:00Z"));
  // 00:30 (a fresh reading first): start; the charger offering current confirms it.
  c.observe(obs("2026-01-11T00:20:00Z", 40, true, false));
  t = at("2026-01-11T00:30:00Z");
  s = c.step(t);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  c.command_result(t, true, "ok");
  EXPECT_TRUE(c.confirm_by());
  c.charger_report(t + seconds{5}, true, true);
  EXPECT_FALSE(c.confirm_by());
  // Unplugged at the charger: a stop at once.
  c.charger_report(t + minutes{10}, false, false);
  s = c.step(t + minutes{10});
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
}

// A charger that accepts a 0 A profile and keeps charging is a failing switch.
TEST_F(ControllerTest, ChargerThatIgnoresAHoldIsReportedFailing) {
  settings_.max_retries = 2;
  settings_.confirm_after = minutes{3};
  Controller c = make();
  c.observe(obs("2026-01-10T19:00:00Z", 40, true, false));
  Instant t = at("2026-01-10T19:00:00Z");
  c.charger_report(t, true, true);  // it charges at the peak price
  EXPECT_EQ(c.switch_on(), true);
  int stops = 0;
  for (int i = 0; i < 60; ++i) {
    auto s = c.step(t);
    if (s.command) {
      EXPECT_EQ(s.command->action, Action::stop);
      ++stops;
      c.command_result(t, true, "limit 0 A accepted");
    }
    t += minutes{1};
    c.charger_report(t, true, true);  // still offering current
  }
  EXPECT_EQ(stops, 3);
  EXPECT_TRUE(c.switch_failing());
  EXPECT_NE(c.switch_problem().find("did not stop charging"), std::string::npos);
}

// A charger that boots held while a car reading said CHARGING: the charger's word wins.
TEST_F(ControllerTest, ChargerNotOfferingSettlesTheBelievedState) {
  Controller c = make();
  c.observe(obs("2026-01-11T00:40:00Z", 40, true, true));
  EXPECT_EQ(c.switch_on(), true);
  c.charger_report(at("2026-01-11T00:40:10Z"), true, false);
  EXPECT_EQ(c.switch_on(), false);
  auto s = c.step(at("2026-01-11T00:40:10Z"));
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);  // inside the run: release
}

TEST_F(ControllerTest, AfterReadyByContinuesToTheTargetOrStops) {
  for (bool cont : {true, false}) {
    settings_.policy.continue_after_ready_by = cont;
    Controller c = make();
    // Plugged in at 06:00 with 40 %: the plan can only use the peak price and ends at 07:30.
    c.observe(obs("2026-01-11T06:00:00Z", 40, true, false));
    Instant t = at("2026-01-11T06:00:00Z");
    auto s = c.step(t);
    ASSERT_TRUE(s.command);
    c.command_result(t, true, "ok");
    c.observe(obs("2026-01-11T06:05:00Z", 41, true, true));
    c.step(t + minutes{5});
    c.observe(obs("2026-01-11T07:29:00Z", 65, true, true));
    c.step(at("2026-01-11T07:29:00Z"));
    auto after = c.step(at("2026-01-11T07:30:00Z"));
    if (cont) {
      EXPECT_FALSE(after.command) << after.command->reason;
      EXPECT_NE(c.reason().find("after_ready_by: continue"), std::string::npos) << c.reason();
      c.observe(obs("2026-01-11T08:40:00Z", 80, true, true));
      auto done = c.step(at("2026-01-11T08:40:00Z"));
      ASSERT_TRUE(done.command);
      EXPECT_EQ(done.command->action, Action::stop);
    } else {
      ASSERT_TRUE(after.command);
      EXPECT_EQ(after.command->action, Action::stop);
    }
  }
}

TEST_F(ControllerTest, PluggedInAfterThePlannedStartStartsAtOnce) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, false, false));
  auto off = c.step(at("2026-01-10T18:00:00Z"));  // standing off at start-up
  ASSERT_TRUE(off.command);
  EXPECT_EQ(off.command->action, Action::stop);
  c.command_result(at("2026-01-10T18:00:00Z"), true, "ok");
  EXPECT_FALSE(c.step(at("2026-01-11T00:30:00Z")).command);  // unplugged: never start
  EXPECT_EQ(c.reason(), "car is unplugged");
  c.observe(obs("2026-01-11T01:10:00Z", 40, true, false));
  auto s = c.step(at("2026-01-11T01:10:00Z"));
  EXPECT_TRUE(s.replanned);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
}

TEST_F(ControllerTest, StopsAtTheTargetEvenInsideARun) {
  Controller c = make();
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  auto s = c.step(at("2026-01-11T00:30:00Z"));
  ASSERT_TRUE(s.command);
  c.command_result(at("2026-01-11T00:30:00Z"), true, "ok");
  // The car charges faster than planned and reports 80 % early.
  c.observe(obs("2026-01-11T01:30:00Z", 80, true, true));
  auto t = c.step(at("2026-01-11T01:30:00Z"));
  ASSERT_TRUE(t.command);
  EXPECT_EQ(t.command->action, Action::stop);
}

TEST_F(ControllerTest, StaleObservationsStartNothing) {
  Controller c = make();
  c.observe(obs("2026-01-10T20:00:00Z", 40, true, false));
  c.step(at("2026-01-10T20:00:00Z"));
  auto s = c.step(at("2026-01-11T00:30:00Z"));  // 4.5 h without an observation
  EXPECT_FALSE(s.command);
  EXPECT_NE(c.reason().find("stale"), std::string::npos);
}

TEST_F(ControllerTest, UnconfirmedStartIsRetriedWithBackoffThenReportedFailing) {
  settings_.max_retries = 2;
  settings_.confirm_after = minutes{3};
  Controller c = make();
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  auto s = c.step(t);
  ASSERT_TRUE(s.command);
  c.command_result(t, true, "ok");
  int sent = 1;
  for (int i = 0; i < 40; ++i) {
    t += minutes{2};
    c.observe(obs(format_rfc3339(t).c_str(), 40, true, false));  // never charges
    auto st = c.step(t);
    if (st.command) {
      EXPECT_EQ(st.command->action, Action::start);
      ++sent;
      c.command_result(t, true, "ok");
    }
  }
  EXPECT_EQ(sent, 3);  // the first command and 2 retries, then it gives up
  EXPECT_TRUE(c.switch_failing());
  EXPECT_NE(c.switch_problem().find("did not start charging"), std::string::npos);
}

// Regression: when the confirmation window of a start ran out in the same step as the wish
// changed (here: mode off), no stop was sent until some later step.
TEST_F(ControllerTest, AnUnconfirmedStartFollowedByModeOffStopsAtOnce) {
  settings_.confirm_after = minutes{3};
  Controller c = make();
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  ASSERT_TRUE(c.step(t).command);
  c.command_result(t, true, "ok");
  c.set_mode(Mode::off);
  auto s = c.step(t + minutes{3});  // the confirmation is due now, and the wish is "off"
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  EXPECT_EQ(s.command->reason, "mode is off: no charging until the mode is smart or now");
}

TEST_F(ControllerTest, FailedCommandsAreRetriedWithLimits) {
  settings_.max_retries = 1;
  Controller c = make();
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  ASSERT_TRUE(c.step(t).command);
  c.command_result(t, false, "HTTP 500");
  EXPECT_FALSE(c.step(t + seconds{10}).command);  // backing off
  auto retry = c.step(t + seconds{30});
  ASSERT_TRUE(retry.command);
  c.command_result(t + seconds{30}, false, "HTTP 500");
  EXPECT_TRUE(c.switch_failing());
  EXPECT_FALSE(c.step(t + minutes{10}).command);
}

// Regression: a start refused because the car had just been unplugged (after_ready_by was
// topping it up) left the switch "failing" for good: the wish went to stop while the switch was
// already off, so no new edge ever cleared it, and the next evening's run never started.
TEST_F(ControllerTest, AFailingSwitchIsTriedAgainWhenTheWishChanges) {
  settings_.max_retries = 1;
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, true, false));
  auto off = c.step(at("2026-01-10T18:00:00Z"));  // standing off: the switch is known off
  ASSERT_TRUE(off.command);
  c.command_result(at("2026-01-10T18:00:00Z"), true, "ok");
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  ASSERT_TRUE(c.step(t).command);
  c.command_result(t, false, "HTTP 409: the car is not plugged in");
  auto retry = c.step(t + seconds{30});
  ASSERT_TRUE(retry.command);
  c.command_result(t + seconds{30}, false, "HTTP 409: the car is not plugged in");
  ASSERT_TRUE(c.switch_failing());
  // Unplugged: nothing is wanted, and the switch is off already.
  c.observe(obs("2026-01-11T00:40:00Z", 40, false, false));
  EXPECT_FALSE(c.step(at("2026-01-11T00:40:00Z")).command);
  // The next evening it is plugged in again: its run starts.
  c.observe(obs("2026-01-11T19:00:00Z", 40, true, false));
  c.step(at("2026-01-11T19:00:00Z"));
  c.observe(obs("2026-01-12T00:20:00Z", 40, true, false));
  auto s = c.step(at("2026-01-12T00:30:00Z"));
  ASSERT_TRUE(s.command) << c.reason() << " / " << c.switch_problem();
  EXPECT_EQ(s.command->action, Action::start);
  EXPECT_FALSE(c.switch_failing());
}

TEST_F(ControllerTest, LogSwitchNeedsNoConfirmation) {
  Controller c = make(false);
  c.observe(obs("2026-01-11T00:30:00Z", 40, true, false));
  Instant t = at("2026-01-11T00:30:00Z");
  ASSERT_TRUE(c.step(t).command);
  c.command_result(t, true, "logged");
  for (int i = 1; i < 20; ++i) {
    c.observe(obs(format_rfc3339(t + minutes{5 * i}).c_str(), 40, true, false));
    EXPECT_FALSE(c.step(t + minutes{5 * i}).command) << i;
  }
}

TEST_F(ControllerTest, ModesNowAndOff) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, true, false));
  ASSERT_TRUE(c.step(at("2026-01-10T18:00:00Z")).command);  // standing off
  c.command_result(at("2026-01-10T18:00:00Z"), true, "ok");
  c.set_mode(Mode::now, at("2026-01-10T19:00:00Z"));
  auto s = c.step(at("2026-01-10T18:00:10Z"));
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  c.command_result(at("2026-01-10T18:00:10Z"), true, "ok");
  c.observe(obs("2026-01-10T18:05:00Z", 41, true, true));
  auto back = c.step(at("2026-01-10T19:00:00Z"));  // `until` passed: smart again, peak price
  EXPECT_EQ(c.mode(), Mode::smart);
  ASSERT_TRUE(back.command);
  EXPECT_EQ(back.command->action, Action::stop);
  c.command_result(at("2026-01-10T19:00:00Z"), true, "ok");
  c.observe(obs("2026-01-10T19:05:00Z", 48, true, false));
  c.set_mode(Mode::off);
  EXPECT_FALSE(c.step(at("2026-01-11T01:00:00Z")).command);
  EXPECT_EQ(c.reason(), "mode is off: no charging until the mode is smart or now");
  ASSERT_TRUE(c.plan());  // the plan shows what will happen: nothing
  EXPECT_TRUE(c.plan()->runs.empty());
  EXPECT_FALSE(c.next_action(at("2026-01-11T01:00:00Z")));
  // Mode now: the plan is charging at once to the target.
  c.set_mode(Mode::now);
  c.step(at("2026-01-11T01:00:00Z"));
  ASSERT_TRUE(c.plan());
  ASSERT_FALSE(c.plan()->runs.empty());
  EXPECT_EQ(c.plan()->runs.front().start, at("2026-01-11T01:00:00Z"));
  EXPECT_NEAR(c.plan()->expected_soc, 80, 1e-6);
}

// Between polls the SoC is estimated from the switch's stretches: mode now stops at the
// estimated target at the instant the curve reaches it, says it is an estimate, and the stop
// awaits confirmation (a poll reads the real SoC).
TEST_F(ControllerTest, StopsAtTheEstimatedTargetBetweenPolls) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 50, true, false));
  c.set_mode(Mode::now);
  auto s = c.step(at("2026-01-10T18:00:00Z"));
  ASSERT_TRUE(s.command);
  ASSERT_EQ(s.command->action, Action::start);
  c.command_result(at("2026-01-10T18:00:00Z"), true, "ok");
  // Confirmed; the last poll for a while. (The estimate says 51.5 %: the car is slower.)
  c.observe(obs("2026-01-10T18:05:00Z", 51.2, true, true));
  s = c.step(at("2026-01-10T18:05:00Z"));
  EXPECT_FALSE(s.command);
  // 51.2 % -> 80 % of 37.9 kWh at 7.4 kW x 0.9: the controller wakes when the estimate gets
  // there.
  const double h = charge_hours(settings_.vehicle, 51.2, 80);
  const Instant reach =
      at("2026-01-10T18:05:00Z") + Seconds{static_cast<long long>(std::ceil(h * 3600))};
  auto mid = c.soc_estimate(reach - minutes{30});
  ASSERT_TRUE(mid);
  EXPECT_TRUE(mid->estimated);
  EXPECT_GT(mid->soc_percent, 70);
  // Following its own wake-ups, the first command is the stop, at that instant.
  Instant t = at("2026-01-10T18:05:00Z");
  for (int i = 0; i < 10 && !s.command; ++i) {
    ASSERT_TRUE(s.wake_at);
    ASSERT_LE(*s.wake_at, reach);
    t = *s.wake_at;
    s = c.step(t);
  }
  EXPECT_EQ(t, reach);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  EXPECT_NE(s.command->reason.find("target 80% reached (estimated 80%; a poll confirms)"),
            std::string::npos)
      << s.command->reason;
  c.command_result(reach, true, "ok");
  EXPECT_TRUE(c.confirm_by());
  // The estimate stands still once the charger is off.
  EXPECT_NEAR(c.soc_estimate(reach + hours{2})->soc_percent, c.soc_estimate(reach)->soc_percent,
              1e-9);
}

// Mode now plans what will happen: charging from now to the target at any price, past the
// ready-by when it takes longer, without charge_below's extra slots; until `until` if given.
TEST_F(ControllerTest, ModeNowPlansTheChargeToTheTargetAtOnce) {
  settings_.policy.charge_below_p_per_kwh = 10.0;  // would add the 8.5p night in smart mode
  Controller c = make();
  const Instant t = at("2026-01-11T06:30:00Z");
  c.observe(obs("2026-01-11T06:30:00Z", 40, true, false));
  c.set_mode(Mode::now);
  c.step(t);
  ASSERT_TRUE(c.plan());
  const Plan& p = *c.plan();
  ASSERT_EQ(p.runs.size(), 1u);
  EXPECT_EQ(p.runs.front().start, t);
  EXPECT_GT(p.runs.front().end, at("2026-01-11T07:30:00Z"));  // past the ready-by
  EXPECT_TRUE(p.feasible);
  EXPECT_NEAR(p.expected_soc, 80, 1e-6);
  EXPECT_NEAR(p.total_cost_p, p.total_energy_kwh * 24.5, 1e-6);  // peak price all along
  EXPECT_EQ(p.explanation.rfind("mode now: charging at once to 80%", 0), 0u) << p.explanation;
  EXPECT_EQ(p.explanation.find("min_soc"), std::string::npos) << p.explanation;
  auto next = c.next_action(t);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->first, Action::stop);
  EXPECT_EQ(next->second, p.runs.front().end);
  EXPECT_EQ(c.reason(), "mode now: charging at once to 80%");

  // With `until`, the plan ends there and says what is reached.
  c.set_mode(Mode::now, at("2026-01-11T07:00:00Z"));
  c.step(t);
  ASSERT_TRUE(c.plan());
  ASSERT_EQ(c.plan()->runs.size(), 1u);
  EXPECT_EQ(c.plan()->runs.front().end, at("2026-01-11T07:00:00Z"));
  EXPECT_FALSE(c.plan()->feasible);
  EXPECT_NE(c.plan()->explanation.find("mode now ends at"), std::string::npos)
      << c.plan()->explanation;

  // At the target: nothing to charge, and no next action.
  c.set_mode(Mode::now);
  c.observe(obs("2026-01-11T06:31:00Z", 80, true, false));
  c.step(at("2026-01-11T06:31:00Z"));
  ASSERT_TRUE(c.plan());
  EXPECT_TRUE(c.plan()->runs.empty());
  EXPECT_FALSE(c.next_action(at("2026-01-11T06:31:00Z")));
  EXPECT_EQ(c.reason(), "target 80% reached (mode now)");
}

TEST_F(ControllerTest, ModeOffPlansNoChargingAndFallsShort) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, true, false));
  c.set_mode(Mode::off);
  c.step(at("2026-01-10T18:00:00Z"));
  ASSERT_TRUE(c.plan());
  EXPECT_TRUE(c.plan()->runs.empty());
  EXPECT_FALSE(c.plan()->feasible);
  EXPECT_DOUBLE_EQ(c.plan()->total_cost_p, 0);
  EXPECT_DOUBLE_EQ(c.plan()->expected_soc, 40);
  EXPECT_FALSE(c.next_action(at("2026-01-10T18:00:00Z")));
  EXPECT_EQ(c.reason(), "mode is off: no charging until the mode is smart or now");
  EXPECT_EQ(c.plan()->explanation, c.reason());
}

TEST_F(ControllerTest, OverrideAppliesToTheNextDeadlineOnly) {
  Controller c = make();
  c.observe(obs("2026-01-10T18:00:00Z", 40, true, false));
  c.set_override(DeadlineOverride{90.0, std::nullopt});
  c.step(at("2026-01-10T18:00:00Z"));
  ASSERT_TRUE(c.plan());
  EXPECT_DOUBLE_EQ(c.plan()->target_soc, 90);
  c.observe(obs("2026-01-11T08:00:00Z", 90, true, false));
  c.step(at("2026-01-11T08:00:00Z"));  // past 07:30: the override is spent
  EXPECT_FALSE(c.override_deadline());
  EXPECT_DOUBLE_EQ(c.plan()->target_soc, 80);
}

}  // namespace
}  // namespace offpeak
