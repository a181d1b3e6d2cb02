// Energy targets: the planner's kWh goal, the energy count (metered or switch time x power,
// clock-injected) and the controller charging to it.

#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/energy_target.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

namespace offpeak {
namespace {

using test::at;
using test::london;

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// Go: 00:30-05:30 at 8.5p, 24.5p otherwise (winter: local = UTC).
PriceCurve go_prices() {
  TouRules go;
  go.default_price_p_per_kwh = 24.5;
  go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
  return TouTariff(go, london()).prices(at("2026-01-10T00:00:00Z"), at("2026-01-14T00:00:00Z"));
}

// A tapering car: the energy goal ignores the taper (its SoC is not known).
VehicleSpec car() {
  VehicleSpec v{37.9, 7.4, 0.9};
  v.taper_above_soc = 80;
  v.taper_end_kw = 2.0;
  return v;
}

PlanRequest energy_request(double target_kwh, double delivered_kwh = 0.0) {
  PlanRequest r;
  r.now = at("2026-01-10T18:00:00Z");
  r.ready_by = at("2026-01-11T07:30:00Z");
  r.vehicle = car();
  r.soc = 0;
  r.soc_known = false;
  r.target_soc = 80;
  r.min_soc = 50;  // does not apply without a SoC
  r.target_kwh = target_kwh;
  r.delivered_kwh = delivered_kwh;
  return r;
}

TEST(EnergyTargetPlanner, PlansTheKwhInTheCheapWindowAtFullPower) {
  const Plan p = make_plan(energy_request(20.0), go_prices(), london());
  ASSERT_TRUE(p.target_kwh);
  EXPECT_DOUBLE_EQ(p.energy_needed_kwh, 20.0);
  ASSERT_EQ(p.runs.size(), 1u);
  // 20 kWh at 7.4 kW (no taper) = 9729.7 s -> 00:30:00-03:12:10, all at 8.5p.
  EXPECT_EQ(p.runs[0].start, at("2026-01-11T00:30:00Z"));
  EXPECT_EQ(p.runs[0].end, at("2026-01-11T03:12:10Z"));
  EXPECT_NEAR(p.total_energy_kwh, 20.0, 1e-9);
  EXPECT_NEAR(p.total_cost_p, 170.0, 1e-6);
  EXPECT_TRUE(p.feasible);
  EXPECT_FALSE(p.soc_known);
  EXPECT_EQ(p.explanation.rfind("add 20.0 kWh by Sun 11 Jan 07:30", 0), 0u) << p.explanation;
  EXPECT_FALSE(contains(p.explanation, "%")) << p.explanation;  // no SoC is cited
  EXPECT_TRUE(contains(p.explanation, "charging 00:30-03:12 GMT at 8.50p (20.00 kWh)"))
      << p.explanation;
}

TEST(EnergyTargetPlanner, PlansOnlyWhatIsStillMissing) {
  const Plan p = make_plan(energy_request(20.0, 12.3), go_prices(), london());
  EXPECT_NEAR(p.energy_needed_kwh, 7.7, 1e-9);
  EXPECT_NEAR(p.total_energy_kwh, 7.7, 1e-9);
  EXPECT_DOUBLE_EQ(p.delivered_kwh, 12.3);
  EXPECT_EQ(p.explanation.rfind("add 7.7 kWh (12.3 of 20.0 kWh delivered) by", 0), 0u)
      << p.explanation;

  const Plan done = make_plan(energy_request(20.0, 20.0), go_prices(), london());
  EXPECT_TRUE(done.runs.empty());
  EXPECT_EQ(done.explanation.rfind("energy target 20.0 kWh by Sun 11 Jan 07:30 GMT delivered", 0),
            0u)
      << done.explanation;
}

TEST(EnergyTargetPlanner, InfeasibleSaysHowManyKwhAreShort) {
  // 5 h of cheap time and 13.5 h to the ready-by: 120 kWh cannot fit (13.5 h x 7.4 = 99.9).
  const Plan p = make_plan(energy_request(120.0), go_prices(), london());
  EXPECT_FALSE(p.feasible);
  EXPECT_NEAR(p.shortfall_kwh, 120.0 - 13.5 * 7.4, 1e-6);
  EXPECT_TRUE(contains(p.explanation, "cannot add 120.0 kWh by 07:30: 20.10 kWh short"))
      << p.explanation;
}

TEST(EnergyTargetPlanner, ModeNowChargesAtOnceToTheKwh) {
  PlanRequest r = energy_request(7.4);
  r.at_once = true;
  const Plan p = make_plan(r, go_prices(), london());
  ASSERT_EQ(p.runs.size(), 1u);
  EXPECT_EQ(p.runs[0].start, at("2026-01-10T18:00:00Z"));
  EXPECT_EQ(p.runs[0].end, at("2026-01-10T19:00:00Z"));
  EXPECT_EQ(p.explanation.rfind("mode now: charging at once whatever the price; add 7.4 kWh", 0),
            0u)
      << p.explanation;
}

TEST(EnergyTargetPlanner, TheDaysTargetFromNextDeadlineIsPlanned) {
  ChargingPolicy policy;
  policy.target_soc = 80;
  policy.days[static_cast<std::size_t>(Weekday::sun)].target_kwh = 7.4;
  const Deadline d = next_deadline(at("2026-01-10T18:00:00Z"), policy, london());
  ASSERT_TRUE(d.target_kwh);
  PlanRequest r = energy_request(*d.target_kwh);
  r.ready_by = d.ready_by;
  const Plan p = make_plan(r, go_prices(), london());
  ASSERT_EQ(p.runs.size(), 1u);
  EXPECT_EQ(p.runs[0].start, at("2026-01-11T00:30:00Z"));
  EXPECT_EQ(p.runs[0].end, at("2026-01-11T01:30:00Z"));
  EXPECT_EQ(p.explanation.rfind("add 7.4 kWh by", 0), 0u) << p.explanation;
}

TEST(EnergyCounter, CountsSwitchTimeTimesPowerWhilePluggedIn) {
  EnergyCounter c(7.4);
  c.plugged(at("2026-01-10T18:00:00Z"), true);
  EXPECT_DOUBLE_EQ(c.delivered_kwh(at("2026-01-10T19:00:00Z")), 0.0);
  c.switched(at("2026-01-11T00:30:00Z"), true);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T01:30:00Z")), 7.4, 1e-9);
  EXPECT_EQ(c.reaches_at(at("2026-01-11T01:30:00Z"), 14.8), at("2026-01-11T02:30:00Z"));
  c.switched(at("2026-01-11T02:00:00Z"), false);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T05:00:00Z")), 11.1, 1e-9);
  EXPECT_FALSE(c.reaches_at(at("2026-01-11T05:00:00Z"), 14.8));  // off: no end in sight
  EXPECT_FALSE(c.metered());
  // On while unplugged counts nothing; plugging in again is a new session, from 0.
  c.plugged(at("2026-01-11T06:00:00Z"), false);
  c.switched(at("2026-01-11T06:10:00Z"), true);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T07:00:00Z")), 11.1, 1e-9);
  c.plugged(at("2026-01-11T07:00:00Z"), true);
  EXPECT_EQ(c.since(), at("2026-01-11T07:00:00Z"));
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T07:30:00Z")), 3.7, 1e-9);
  // A learned power counts from then on, at the new rate for the whole count.
  c.set_power(3.7);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T07:30:00Z")), 1.85, 1e-9);
}

// A relay with a source that knows nothing of the plug: the on-time counts.
TEST(EnergyCounter, AnUnknownPlugStateCountsTheSwitchTime) {
  EnergyCounter c(7.4);
  c.switched(at("2026-01-11T00:30:00Z"), true);
  c.switched(at("2026-01-11T01:00:00Z"), false);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T02:00:00Z")), 3.7, 1e-9);
  c.plugged(at("2026-01-11T02:00:00Z"), false);
  c.switched(at("2026-01-11T02:10:00Z"), true);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T03:00:00Z")), 3.7, 1e-9);  // unplugged: nothing
}

TEST(EnergyCounter, MeteredEnergyCountsRegisterIncreasesAndSurvivesAReset) {
  EnergyCounter c(7.4);
  c.metered(at("2026-01-10T17:00:00Z"), 1'000'000);  // the register before the session
  c.plugged(at("2026-01-10T18:00:00Z"), true);
  c.switched(at("2026-01-11T00:30:00Z"), true);
  c.metered(at("2026-01-11T00:30:05Z"), 1'000'000);
  EXPECT_TRUE(c.metered());
  c.metered(at("2026-01-11T01:00:00Z"), 1'003'500);
  // The meter, not the switch time (which would say 3.7 kWh), counts.
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T01:00:00Z")), 3.5, 1e-9);
  EXPECT_FALSE(c.reaches_at(at("2026-01-11T01:00:00Z"), 20));  // the meter tells
  c.metered(at("2026-01-11T01:10:00Z"), 200);  // the charger rebooted: the register restarts
  c.metered(at("2026-01-11T01:30:00Z"), 1'700);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-11T01:30:00Z")), 5.0, 1e-9);
  // A new session starts at 0 and counts from the register as it is.
  c.plugged(at("2026-01-11T08:00:00Z"), false);
  c.plugged(at("2026-01-11T18:00:00Z"), true);
  EXPECT_DOUBLE_EQ(c.delivered_kwh(at("2026-01-11T18:00:00Z")), 0.0);
  c.metered(at("2026-01-12T01:00:00Z"), 2'900);
  EXPECT_NEAR(c.delivered_kwh(at("2026-01-12T01:00:00Z")), 1.2, 1e-9);
  EXPECT_EQ(format_progress({12.34, 20.0, true, {}}), "12.3 of 20.0 kWh");
}

// The controller with a car whose SoC nobody knows: the plug state from the charger, the
// energy target of the policy.
class EnergyTargetController : public ::testing::Test {
 protected:
  EnergyTargetController() {
    settings_.vehicle = {37.9, 7.4, 0.9};
    settings_.policy.target_kwh = 20.0;
    settings_.policy.ready_by = TimeOfDay{7 * 60 + 30};
    settings_.confirmable = false;  // a relay that does not report back (the log switch)
  }
  Controller make() {
    Controller c(settings_, london());
    c.set_prices(go_prices());
    return c;
  }
  // Sends the step's command and reports it accepted; returns the step.
  static Controller::Step act(Controller& c, const char* t) {
    auto s = c.step(at(t));
    if (s.command) c.command_result(at(t), true, "ok");
    return s;
  }
  ControllerSettings settings_;
};

TEST_F(EnergyTargetController, SwitchTimeNightStartsInTheCheapWindowAndStopsAtTheKwh) {
  Controller c = make();
  c.charger_report(at("2026-01-10T18:00:00Z"), true, std::nullopt);
  auto s = act(c, "2026-01-10T18:00:00Z");
  EXPECT_TRUE(s.replanned);
  ASSERT_TRUE(c.plan());
  EXPECT_EQ(c.plan()->explanation.rfind("add 20.0 kWh by", 0), 0u) << c.plan()->explanation;
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);  // standing off at the peak price
  auto progress = c.energy_progress(at("2026-01-10T18:00:00Z"));
  ASSERT_TRUE(progress);
  EXPECT_EQ(format_progress(*progress), "0.0 of 20.0 kWh");

  s = act(c, "2026-01-11T00:30:00Z");
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  EXPECT_TRUE(contains(s.command->reason, "inside the planned run 00:30-03:12")) << c.reason();
  s = c.step(at("2026-01-11T00:30:00Z"));
  ASSERT_TRUE(s.wake_at);
  EXPECT_EQ(*s.wake_at, at("2026-01-11T03:12:10Z"));  // when the count reaches 20 kWh
  EXPECT_FALSE(c.step(at("2026-01-11T02:00:00Z")).command);
  EXPECT_EQ(format_progress(*c.energy_progress(at("2026-01-11T02:00:00Z"))), "11.1 of 20.0 kWh");
  EXPECT_TRUE(contains(c.reason(), "(11.1 of 20.0 kWh)")) << c.reason();

  s = act(c, "2026-01-11T03:12:10Z");
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  EXPECT_NEAR(c.energy_progress(at("2026-01-11T04:00:00Z"))->delivered_kwh, 20.0, 0.01);
  EXPECT_FALSE(c.step(at("2026-01-11T04:00:00Z")).command);  // no top-up: the target is met
  EXPECT_FALSE(c.step(at("2026-01-11T04:00:00Z")).replanned);
}

TEST_F(EnergyTargetController, MeteredEnergyStopsTheRunWhenTheTargetIsDelivered) {
  Controller c = make();
  c.charger_report(at("2026-01-10T18:00:00Z"), true, false);
  c.metered(at("2026-01-10T18:00:00Z"), 50'000);
  act(c, "2026-01-10T18:00:00Z");
  auto s = act(c, "2026-01-11T00:30:00Z");
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);
  c.charger_report(at("2026-01-11T00:30:05Z"), true, true);
  // The car draws 10 kW (faster than planned): the meter says 20 kWh at 02:30.
  c.metered(at("2026-01-11T01:30:00Z"), 60'000);
  EXPECT_FALSE(c.step(at("2026-01-11T01:30:00Z")).command);
  EXPECT_EQ(format_progress(*c.energy_progress(at("2026-01-11T01:30:00Z"))), "10.0 of 20.0 kWh");
  EXPECT_TRUE(c.energy_progress(at("2026-01-11T01:30:00Z"))->metered);
  c.metered(at("2026-01-11T02:30:00Z"), 70'000);
  s = act(c, "2026-01-11T02:30:00Z");  // inside the planned run 00:30-03:12
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  EXPECT_EQ(s.command->reason, "energy target 20.0 kWh delivered (20.0 of 20.0 kWh)");
}

TEST_F(EnergyTargetController, ACountShortAfterTheRunIsToppedUpInTheCheapTimeLeft) {
  Controller c = make();
  c.charger_report(at("2026-01-10T18:00:00Z"), true, false);
  c.metered(at("2026-01-10T18:00:00Z"), 0);
  act(c, "2026-01-10T18:00:00Z");
  act(c, "2026-01-11T00:30:00Z");
  c.metered(at("2026-01-11T03:12:00Z"), 16'300);  // the car drew less than planned
  auto s = act(c, "2026-01-11T03:12:10Z");
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);
  s = c.step(at("2026-01-11T03:12:10Z"));
  EXPECT_TRUE(s.replanned);
  EXPECT_EQ(c.replan_reason(),
            "short of the energy target after the planned charging (16.3 of 20.0 kWh): topping "
            "up");
  ASSERT_TRUE(c.plan());
  EXPECT_NEAR(c.plan()->energy_needed_kwh, 3.7, 1e-9);
  ASSERT_EQ(c.plan()->runs.size(), 1u);
  EXPECT_EQ(c.plan()->runs[0].start, at("2026-01-11T03:12:10Z"));
  EXPECT_EQ(c.plan()->runs[0].end, at("2026-01-11T03:42:10Z"));
}

TEST_F(EnergyTargetController, APlugInStartsTheCountAtZero) {
  Controller c = make();
  c.charger_report(at("2026-01-10T18:00:00Z"), true, false);
  act(c, "2026-01-10T18:00:00Z");
  act(c, "2026-01-11T00:30:00Z");
  EXPECT_NEAR(c.energy_progress(at("2026-01-11T01:30:00Z"))->delivered_kwh, 7.4, 1e-9);
  c.charger_report(at("2026-01-11T01:30:00Z"), false, false);
  auto s = act(c, "2026-01-11T01:30:00Z");
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::stop);  // car unplugged
  c.charger_report(at("2026-01-11T02:00:00Z"), true, false);
  EXPECT_DOUBLE_EQ(c.energy_progress(at("2026-01-11T02:00:00Z"))->delivered_kwh, 0.0);
  s = act(c, "2026-01-11T02:00:00Z");
  EXPECT_TRUE(s.replanned);
  EXPECT_NEAR(c.plan()->energy_needed_kwh, 20.0, 1e-9);
  ASSERT_TRUE(s.command);
  EXPECT_EQ(s.command->action, Action::start);  // 02:00 is in the cheap window
}

TEST_F(EnergyTargetController, AfterThePassedReadyByTheNextDeadlineCountsFromZero) {
  settings_.policy.target_kwh = 7.4;
  Controller c = make();
  c.charger_report(at("2026-01-10T18:00:00Z"), true, false);
  act(c, "2026-01-10T18:00:00Z");
  act(c, "2026-01-11T00:30:00Z");
  act(c, "2026-01-11T01:30:00Z");  // 7.4 kWh: stop
  EXPECT_EQ(c.switch_on(), false);
  EXPECT_NEAR(c.energy_progress(at("2026-01-11T07:00:00Z"))->delivered_kwh, 7.4, 1e-9);
  auto s = act(c, "2026-01-11T07:30:00Z");
  EXPECT_TRUE(s.replanned);
  EXPECT_DOUBLE_EQ(c.energy_progress(at("2026-01-11T07:30:00Z"))->delivered_kwh, 0.0);
  ASSERT_TRUE(c.plan());
  EXPECT_EQ(c.plan()->ready_by, at("2026-01-12T07:30:00Z"));
  ASSERT_EQ(c.plan()->runs.size(), 1u);
  EXPECT_EQ(c.plan()->runs[0].start, at("2026-01-12T00:30:00Z"));
}

}  // namespace
}  // namespace offpeak
