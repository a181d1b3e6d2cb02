// The end of a night: a run that stops short of the target is topped up in the cheap time
// still ahead, and the ready-by boundary is decided once (continue to the target, or stop),
// never a start and a stop at the same instant.
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <vector>

namespace offpeak {
namespace {

using namespace std::chrono;

Instant at(const char* s) {
  return *parse_rfc3339(s);
}

struct Sent {
  Instant at;
  Command command;
};

// Winter (GMT = UTC): Octopus Go, 00:30-05:30 at 8.5p, otherwise 24.5p. A 40 kWh car that
// charges at 6.0 kW (what offpeak has learned), target 80 % by 07:30.
class TopUpTest : public ::testing::Test {
 protected:
  TopUpTest() : zone_(*Zone::locate("Europe/London")) {
    TouRules go;
    go.default_price_p_per_kwh = 24.5;
    go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
    prices_ = TouTariff(go, zone_).prices(at("2026-01-10T00:00:00Z"), at("2026-01-14T00:00:00Z"));
    settings_.vehicle = {40.0, 6.0, 0.9};
    settings_.policy.target_soc = 80;
    settings_.policy.ready_by = TimeOfDay{7 * 60 + 30};
    settings_.confirm_after = Seconds{20 * 60};
  }

  Controller make() {
    Controller c(settings_, zone_);
    c.set_prices(prices_);
    return c;
  }

  static VehicleState obs(Instant t, double soc, bool plugged, bool charging) {
    VehicleState v;
    v.device_id = "VIN1";
    v.observed_at = t;
    v.soc_percent = soc;
    v.plugged_in = plugged;
    v.charging_state = charging ? ChargingState::charging : ChargingState::not_charging;
    return v;
  }

  // Steps the controller at `t` as the daemon does (again after every command it sends),
  // answering every command as accepted; records what was sent.
  void step(Controller& c, Instant t) {
    for (int i = 0; i < 4; ++i) {
      auto s = c.step(t);
      if (!s.command) return;
      sent_.push_back({t, *s.command});
      c.command_result(t, true, "ok");
    }
  }

  // Steps every minute over [from, to], observing `reading` at its own instant.
  void run(Controller& c, Instant from, Instant to, std::vector<VehicleState> readings = {}) {
    std::size_t next = 0;
    for (Instant t = from; t <= to; t += minutes{1}) {
      while (next < readings.size() && readings[next].observed_at <= t)
        c.observe(readings[next++]);
      step(c, t);
    }
  }

  // No start and stop of the switch within a minute of each other.
  void expect_no_flip() const {
    for (const auto& s : sent_)
      std::cerr << "  sent " << format_rfc3339(s.at) << " " << to_string(s.command.action) << ": "
                << s.command.reason << "\n";
    for (std::size_t i = 1; i < sent_.size(); ++i) {
      if (sent_[i].command.action != sent_[i - 1].command.action) {
        EXPECT_GE(sent_[i].at - sent_[i - 1].at, minutes{1})
            << format_rfc3339(sent_[i].at) << ": " << sent_[i - 1].command.reason << " then "
            << sent_[i].command.reason;
      }
    }
  }

  std::vector<Sent> starts() const {
    std::vector<Sent> out;
    for (const auto& s : sent_)
      if (s.command.action == Action::start) out.push_back(s);
    return out;
  }

  Zone zone_;
  PriceCurve prices_;
  ControllerSettings settings_;
  std::vector<Sent> sent_;
};

// The night the run 00:30-... ends at 79 % against a target of 80: the confirming reading at
// 03:00 is a confirmed shortfall of one point, far inside the drift tolerance, with the cheap
// window open until 05:30. It is topped up there at 8.5p, not at 07:30 at the peak price.
TEST_F(TopUpTest, AOnePointShortfallConfirmedAt0300IsToppedUpInTheCheapWindow) {
  Controller c = make();
  const Instant plug = at("2026-01-10T18:00:00Z");
  c.observe(obs(plug, 50, true, false));
  step(c, plug);
  ASSERT_TRUE(c.plan());
  ASSERT_EQ(c.plan()->runs.size(), 1U);
  const Instant run_end = c.plan()->runs.front().end;
  EXPECT_LT(run_end, at("2026-01-11T02:50:00Z"));
  run(c, plug, at("2026-01-11T02:55:00Z"),
      {obs(at("2026-01-11T00:20:00Z"), 50, true, false),
       obs(at("2026-01-11T00:45:00Z"), 52, true, true)});
  ASSERT_FALSE(sent_.empty());
  EXPECT_EQ(sent_.back().command.action, Action::stop);
  EXPECT_LE(sent_.back().at, at("2026-01-11T02:55:00Z"));
  EXPECT_EQ(c.switch_on(), false);
  sent_.clear();
  // A reading too soon after the stop may show the car before it: no decision on it.
  c.observe(obs(at("2026-01-11T02:56:00Z"), 79, true, false));
  run(c, at("2026-01-11T02:56:00Z"), at("2026-01-11T03:04:00Z"));
  EXPECT_TRUE(sent_.empty());

  c.observe(obs(at("2026-01-11T03:05:00Z"), 79, true, false));
  step(c, at("2026-01-11T03:05:00Z"));
  EXPECT_EQ(c.replan_reason(),
            "short of the target after the planned charging (79% read at 03:05, target 80%): "
            "topping up");
  ASSERT_TRUE(c.plan());
  ASSERT_EQ(c.plan()->runs.size(), 1U);
  EXPECT_LT(c.plan()->runs.front().end, at("2026-01-11T05:30:00Z"));
  run(c, at("2026-01-11T03:05:00Z"), at("2026-01-11T07:40:00Z"),
      {obs(at("2026-01-11T03:30:00Z"), 80, true, false)});
  const auto st = starts();
  ASSERT_EQ(st.size(), 1U) << "a top-up start in the cheap window";
  EXPECT_GE(st[0].at, at("2026-01-11T03:00:00Z"));
  EXPECT_LT(st[0].at, at("2026-01-11T05:30:00Z"));
  EXPECT_NE(st[0].command.reason.find("8.50p"), std::string::npos) << st[0].command.reason;
  for (const auto& s : sent_) {
    EXPECT_LT(s.at, at("2026-01-11T05:30:00Z")) << format_rfc3339(s.at) << " " << s.command.reason;
  }
  expect_no_flip();
}

// The stop that ends the plan's last run asks for one reading a cloud lag after it (the poll
// policy places it there): the reading that can confirm a shortfall while a top-up still fits.
TEST_F(TopUpTest, TheStopAfterTheLastRunAsksForAReadingACloudLagLater) {
  Controller c = make();
  const Instant plug = at("2026-01-10T18:00:00Z");
  c.observe(obs(plug, 50, true, false));
  step(c, plug);
  EXPECT_FALSE(c.shortfall_check_at(plug)) << "runs ahead: their readings tell";
  run(c, plug, at("2026-01-11T02:55:00Z"),
      {obs(at("2026-01-11T00:20:00Z"), 50, true, false),
       obs(at("2026-01-11T00:45:00Z"), 52, true, true)});
  ASSERT_EQ(sent_.back().command.action, Action::stop);
  const Instant stop = sent_.back().at;
  const auto check = c.shortfall_check_at(at("2026-01-11T02:55:00Z"));
  ASSERT_TRUE(check);
  EXPECT_EQ(*check, stop + settings_.cloud_lag);
  // The poll policy spends the stop's confirmation there: one poll for both.
  PollSituation sit = poll_situation(c, c.last_observation(), at("2026-01-11T02:55:00Z"));
  PollDecision d = next_poll(sit, PollPolicySettings{}, zone_);
  EXPECT_EQ(d.at, *check);
  // A reading that late answers it.
  c.observe(obs(*check, 80, true, false));
  EXPECT_FALSE(c.shortfall_check_at(*check));
}

// The same shortfall seen when the cheap window is over: topped up in the cheapest time still
// ahead of the ready-by (the peak price, the only price left), ending by 07:30.
TEST_F(TopUpTest, AShortfallSeenAfterTheCheapWindowIsToppedUpBeforeTheReadyBy) {
  Controller c = make();
  // Plugged in at 05:00 at 78 %: a few minutes at 8.5p reach 80 % by the plan.
  const Instant plug = at("2026-01-11T05:00:00Z");
  c.observe(obs(plug, 78, true, false));
  step(c, plug);
  ASSERT_TRUE(c.plan());
  ASSERT_EQ(c.plan()->runs.size(), 1U);
  run(c, plug, at("2026-01-11T05:39:00Z"), {obs(at("2026-01-11T05:05:00Z"), 78, true, true)});
  EXPECT_EQ(c.switch_on(), false);
  sent_.clear();
  run(c, at("2026-01-11T05:40:00Z"), at("2026-01-11T07:40:00Z"),
      {obs(at("2026-01-11T05:50:00Z"), 79, true, false)});
  const auto st = starts();
  ASSERT_EQ(st.size(), 1U);
  EXPECT_LT(st[0].at, at("2026-01-11T07:30:00Z"));
  EXPECT_NE(st[0].command.reason.find("24.50p"), std::string::npos) << st[0].command.reason;
  expect_no_flip();
}

// A reading that shows the car still charging after the stop lags behind the car (its cloud
// refreshes every few minutes): it is no confirmed shortfall and starts nothing.
TEST_F(TopUpTest, ALaggingReadingStillShowingChargingIsNoShortfall) {
  Controller c = make();
  const Instant plug = at("2026-01-10T18:00:00Z");
  c.observe(obs(plug, 50, true, false));
  step(c, plug);
  const Instant run_end = c.plan()->runs.front().end;
  run(c, plug, run_end + minutes{1},
      {obs(at("2026-01-11T00:20:00Z"), 50, true, false),
       obs(at("2026-01-11T00:45:00Z"), 52, true, true)});
  sent_.clear();
  c.observe(obs(run_end + minutes{3}, 78, true, true));
  step(c, run_end + minutes{3});
  EXPECT_EQ(c.replan_reason().find("short of the target"), std::string::npos) << c.replan_reason();
  EXPECT_TRUE(starts().empty());
}

// A reading a few minutes after a start that still shows the car before it (NOT_CHARGING at
// the SoC it had) is no shortfall either: the run goes on as planned, no stop-then-start.
TEST_F(TopUpTest, AReadingThatLagsBehindAStartIsNoShortfall) {
  Controller c = make();
  const Instant plug = at("2026-01-10T18:00:00Z");
  c.observe(obs(plug, 50, true, false));
  step(c, plug);
  run(c, plug, at("2026-01-11T00:33:00Z"), {obs(at("2026-01-11T00:20:00Z"), 50, true, false)});
  ASSERT_EQ(c.switch_on(), true);
  sent_.clear();
  c.observe(obs(at("2026-01-11T00:34:00Z"), 50, true, false));
  run(c, at("2026-01-11T00:34:00Z"), at("2026-01-11T00:40:00Z"));
  EXPECT_TRUE(sent_.empty()) << sent_.front().command.reason;
}

// Two planned runs a minute apart (here around a dear minute; in the field, a re-plan that
// moves the next run's start): the charger stays on through the gap instead of a stop and a
// start a moment apart.
TEST_F(TopUpTest, AGapOfAMinuteBetweenRunsIsBridged) {
  std::vector<PriceSlot> slots;
  slots.push_back({at("2026-01-10T18:00:00Z"), at("2026-01-11T00:00:00Z"), 25.0});
  slots.push_back({at("2026-01-11T00:00:00Z"), at("2026-01-11T01:00:00Z"), 5.0});
  slots.push_back({at("2026-01-11T01:00:00Z"), at("2026-01-11T01:01:00Z"), 30.0});
  slots.push_back({at("2026-01-11T01:01:00Z"), at("2026-01-11T04:00:00Z"), 5.0});
  slots.push_back({at("2026-01-11T04:00:00Z"), at("2026-01-11T12:00:00Z"), 25.0});
  prices_ = PriceCurve(slots);
  Controller c = make();
  const Instant plug = at("2026-01-10T18:00:00Z");
  c.observe(obs(plug, 40, true, false));
  step(c, plug);
  ASSERT_TRUE(c.plan());
  ASSERT_EQ(c.plan()->runs.size(), 2U);
  EXPECT_EQ(c.plan()->runs[1].start - c.plan()->runs[0].end, minutes{1});
  sent_.clear();
  run(c, at("2026-01-10T23:50:00Z"), at("2026-01-11T01:30:00Z"),
      {obs(at("2026-01-10T23:50:00Z"), 40, true, false),
       obs(at("2026-01-11T00:20:00Z"), 43, true, true)});
  ASSERT_EQ(sent_.size(), 1U);
  EXPECT_EQ(sent_[0].command.action, Action::start);
  run(c, at("2026-01-11T01:00:00Z"), at("2026-01-11T01:00:00Z"));
  EXPECT_EQ(c.reason().rfind("bridging to the planned run 01:01-", 0), 0U) << c.reason();
  EXPECT_EQ(c.switch_on(), true);
  expect_no_flip();
}

// At the ready-by with the target unmet: continue decides once. It starts and keeps charging
// to the target; the plan made for tomorrow's deadline in the same step does not stop it.
TEST_F(TopUpTest, AtTheReadyByContinueStartsOnceAndTheNextDeadlinesPlanDoesNotStopIt) {
  settings_.policy.continue_after_ready_by = true;
  Controller c = make();
  // Plugged in at 05:20 at 40 %: 05:20-05:30 at 8.5p, then the peak until 07:30 (not enough).
  const Instant plug = at("2026-01-11T05:20:00Z");
  c.observe(obs(plug, 40, true, false));
  step(c, plug);
  run(c, plug, at("2026-01-11T07:29:00Z"), {obs(at("2026-01-11T05:35:00Z"), 41, true, true)});
  ASSERT_EQ(c.switch_on(), true);
  // The car stopped by itself before the ready-by (a reading shows it), so at 07:30 the
  // switch must be turned on again, exactly once, and not turned off by the next plan.
  c.observe(obs(at("2026-01-11T07:20:00Z"), 71, true, false));
  sent_.clear();
  run(c, at("2026-01-11T07:29:00Z"), at("2026-01-11T08:00:00Z"));
  for (const auto& s : sent_) {
    EXPECT_EQ(s.command.action, Action::start) << format_rfc3339(s.at) << " " << s.command.reason;
  }
  EXPECT_NE(c.reason().find("after_ready_by: continue"), std::string::npos) << c.reason();
  expect_no_flip();
  // Tomorrow's plan exists and waits for the night; today's continuation goes on.
  ASSERT_TRUE(c.plan());
  EXPECT_EQ(c.plan()->ready_by, at("2026-01-12T07:30:00Z"));
  EXPECT_EQ(c.switch_on(), true);
  // It stops once, at the target.
  c.observe(obs(at("2026-01-11T08:30:00Z"), 80, true, true));
  step(c, at("2026-01-11T08:30:00Z"));
  ASSERT_FALSE(sent_.empty());
  EXPECT_EQ(sent_.back().command.action, Action::stop);
  EXPECT_NE(sent_.back().command.reason.find("target 80% reached"), std::string::npos)
      << sent_.back().command.reason;
  expect_no_flip();
}

// The night-4 log: the run ended one point short, no top-up fitted (nothing re-planned), and
// at 07:30 the continuation started while tomorrow's plan stopped it in the same second. With
// the continuation decided once, the log states the rule and the switch stays on.
TEST_F(TopUpTest, AtTheReadyByTheContinuationIsNotUndoneByTheEstimateOrTheNextPlan) {
  settings_.policy.continue_after_ready_by = true;
  Controller c = make();
  const Instant t0 = at("2026-01-11T07:25:00Z");
  c.observe(obs(t0, 79, true, false));
  run(c, t0, at("2026-01-11T07:45:00Z"), {obs(at("2026-01-11T07:40:00Z"), 80, true, false)});
  std::string all;
  for (const auto& s : sent_)
    all += format_rfc3339(s.at) + " " + std::string(to_string(s.command.action)) + ": " +
           s.command.reason + "\n";
  // A top-up before 07:30 at the peak price, continued past 07:30 to the target: starts, then
  // one stop at the target, never a stop that contradicts the continuation.
  ASSERT_FALSE(sent_.empty());
  EXPECT_EQ(sent_.front().command.action, Action::start) << all;
  int stops = 0;
  for (const auto& s : sent_) {
    if (s.command.action != Action::stop) continue;
    ++stops;
    EXPECT_EQ(s.command.reason.rfind("target 80% reached", 0), 0U) << all;
  }
  EXPECT_LE(stops, 1) << all;
  expect_no_flip();
}

// A run that ends at the ready-by short of the target by a few minutes' charging, with
// `continue`: the run is extended to the target across the ready-by (one stop, at the target),
// rather than stopped at its end and started again by the continuation.
TEST_F(TopUpTest, ARunShortAtTheReadyByIsExtendedAcrossItWithContinue) {
  settings_.policy.continue_after_ready_by = true;
  Controller c = make();
  const Instant plug = at("2026-01-11T07:06:00Z");
  c.observe(obs(plug, 75, true, false));
  step(c, plug);
  ASSERT_TRUE(c.plan());
  ASSERT_FALSE(c.plan()->runs.empty());
  // The car draws less than planned: 1.5 points behind by the middle of the run (inside the
  // drift tolerance, so the plan stands).
  const Instant mid = c.plan()->runs.front().start + minutes{12};
  run(c, plug, mid - minutes{1});
  const double behind = c.soc_estimate(mid)->soc_percent - 1.5;
  run(c, mid, at("2026-01-11T07:50:00Z"),
      {obs(mid, behind, true, true), obs(at("2026-01-11T07:48:00Z"), 80, true, false)});
  int starts = 0, stops = 0;
  for (const auto& s : sent_) {
    if (s.command.action == Action::start) {
      ++starts;
    } else {
      ++stops;
    }
  }
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(stops, 1);
  expect_no_flip();
}

// stop: at the ready-by the controller stops once, saying which rule applies, and the next
// deadline's plan takes over.
TEST_F(TopUpTest, AtTheReadyByStopStopsOnceAndSaysWhy) {
  settings_.policy.continue_after_ready_by = false;
  Controller c = make();
  const Instant plug = at("2026-01-11T05:20:00Z");
  c.observe(obs(plug, 40, true, false));
  step(c, plug);
  run(c, plug, at("2026-01-11T07:29:00Z"), {obs(at("2026-01-11T05:35:00Z"), 41, true, true)});
  ASSERT_EQ(c.switch_on(), true);
  sent_.clear();
  run(c, at("2026-01-11T07:29:00Z"), at("2026-01-11T08:00:00Z"),
      {obs(at("2026-01-11T07:35:00Z"), 70, true, false)});
  ASSERT_EQ(sent_.size(), 1U);
  EXPECT_EQ(sent_[0].at, at("2026-01-11T07:30:00Z"));
  EXPECT_EQ(sent_[0].command.action, Action::stop);
  EXPECT_NE(sent_[0].command.reason.find("after_ready_by: stop"), std::string::npos)
      << sent_[0].command.reason;
  expect_no_flip();
}

// A charger that reports the car's SoC in tenths (vehicle source `charger`): the run stops at
// the estimated 80 % and the car then reads 79.6 % every few minutes. 79.6 reads as the target
// in whole percent; what the stop accepts as reached is no shortfall, so nothing is topped up
// at the peak price (not a top-up every few minutes that the next reading calls short again).
TEST_F(TopUpTest, ATenthsReadingJustUnderTheTargetIsNoShortfall) {
  Controller c = make();
  const Instant plug = at("2026-01-11T05:00:00Z");
  c.observe(obs(plug, 78, true, false));
  step(c, plug);
  run(c, plug, at("2026-01-11T05:39:00Z"), {obs(at("2026-01-11T05:05:00Z"), 78, true, true)});
  ASSERT_EQ(c.switch_on(), false);
  ASSERT_TRUE(std::any_of(sent_.begin(), sent_.end(), [](const Sent& s) {
    return s.command.reason.find("target 80% reached (estimated") != std::string::npos;
  }));
  sent_.clear();
  std::vector<VehicleState> readings;
  for (Instant t = at("2026-01-11T05:40:00Z"); t <= at("2026-01-11T07:40:00Z"); t += minutes{3}) {
    VehicleState r = obs(t, 79.6, true, false);
    r.charging_state = ChargingState::unknown;  // the charger's SoC comes without it
    readings.push_back(r);
  }
  run(c, at("2026-01-11T05:40:00Z"), at("2026-01-11T07:40:00Z"), readings);
  EXPECT_TRUE(starts().empty()) << c.replan_reason();
  EXPECT_EQ(c.replan_reason().find("short of the target"), std::string::npos) << c.replan_reason();
  expect_no_flip();
}

// Half a point or more under the target is a shortfall still: topped up once before 07:30.
TEST_F(TopUpTest, ATenthsReadingHalfAPointUnderTheTargetIsToppedUp) {
  Controller c = make();
  const Instant plug = at("2026-01-11T05:00:00Z");
  c.observe(obs(plug, 78, true, false));
  step(c, plug);
  run(c, plug, at("2026-01-11T05:39:00Z"), {obs(at("2026-01-11T05:05:00Z"), 78, true, true)});
  ASSERT_EQ(c.switch_on(), false);
  sent_.clear();
  run(c, at("2026-01-11T05:40:00Z"), at("2026-01-11T07:40:00Z"),
      {obs(at("2026-01-11T05:50:00Z"), 79.4, true, false),
       obs(at("2026-01-11T07:00:00Z"), 80.1, true, false)});
  const auto st = starts();
  ASSERT_EQ(st.size(), 1U);
  EXPECT_LT(st[0].at, at("2026-01-11T07:30:00Z"));
  expect_no_flip();
}

}  // namespace
}  // namespace offpeak
