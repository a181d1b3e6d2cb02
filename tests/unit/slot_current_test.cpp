// The current inside a planned solar slot: at least the slot's planned power, the surplus's
// when it offers more, the charger's limits and the car's power.

#include <offpeak/domain/slot_current.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

const Instant t0 = *parse_rfc3339("2023-07-02T09:00:00Z");

SurplusSettings one_phase() {
  SurplusSettings st;  // 6-32 A, 230 V, 1 phase
  st.max_power_w = 7400;
  return st;
}

SurplusWish surplus(double current_a, int phases = 1) {
  SurplusWish w;
  w.on = true;
  w.current_a = current_a;
  w.phases = phases;
  w.power_w = current_a * 230.0 * phases;
  return w;
}

Plan plan_with(double power_kw, double used) {
  Plan p;
  PlannedSlot sl;
  sl.start = t0;
  sl.end = t0 + Seconds{1800};
  sl.power_kw = power_kw;
  sl.energy_kwh = power_kw * 0.5 * used;
  sl.solar_kwh = 0.5;
  p.slots.push_back(sl);
  return p;
}

TEST(SlotCurrent, PlannedPowerIsTheSlotsEnergyOverItsTime) {
  EXPECT_DOUBLE_EQ(planned_power_kw(plan_with(7.4, 1.0), t0 + Seconds{60}), 7.4);
  EXPECT_DOUBLE_EQ(planned_power_kw(plan_with(7.4, 0.5), t0), 3.7);
  EXPECT_DOUBLE_EQ(planned_power_kw(plan_with(7.4, 1.0), t0 + Seconds{1800}), 0.0);
  EXPECT_DOUBLE_EQ(planned_power_kw(Plan{}, t0), 0.0);
}

TEST(SlotCurrent, ASmallSurplusStillDrawsThePlannedPower) {
  // 2 July 2023: a slot planning 7.4 kW (cheap grid on top of the sun) with 1.4 kW of surplus.
  const SlotCurrent c = planned_slot_current(one_phase(), surplus(6), 7.4);
  EXPECT_EQ(c.phases, 1);
  EXPECT_DOUBLE_EQ(c.current_a, 32.0);  // 7.4 kW is 32.2 A: the car's power caps it
  EXPECT_DOUBLE_EQ(c.power_w, 32 * 230.0);
  // 3 kW planned: rounded up to whole amperes, never less than planned.
  const SlotCurrent d = planned_slot_current(one_phase(), surplus(8), 3.0);
  EXPECT_DOUBLE_EQ(d.current_a, 14.0);
  EXPECT_GE(d.power_w, 3000.0);
}

TEST(SlotCurrent, MoreSurplusThanPlannedIsTaken) {
  const SurplusWish w = surplus(20);
  const SlotCurrent c = planned_slot_current(one_phase(), w, 2.0);
  EXPECT_DOUBLE_EQ(c.current_a, 20.0);
  EXPECT_DOUBLE_EQ(c.power_w, w.power_w);
}

TEST(SlotCurrent, NoSurplusAndLittlePlannedDrawsTheMinimum) {
  const SlotCurrent c = planned_slot_current(one_phase(), SurplusWish{}, 0.5);
  EXPECT_DOUBLE_EQ(c.current_a, 6.0);
  EXPECT_EQ(c.phases, 1);
  const SlotCurrent d = planned_slot_current(one_phase(), SurplusWish{}, 4.0);
  EXPECT_DOUBLE_EQ(d.current_a, 18.0);  // 17.4 A up
}

TEST(SlotCurrent, ThreePhasesWhenOnePhaseCannotCarryThePlan) {
  SurplusSettings st = one_phase();
  st.phases = 3;
  st.auto_phases = true;
  st.max_power_w = 11000;
  // 9 kW planned, no surplus: one phase carries 7.4 kW at most.
  const SlotCurrent c = planned_slot_current(st, SurplusWish{}, 9.0);
  EXPECT_EQ(c.phases, 3);
  EXPECT_DOUBLE_EQ(c.current_a, 14.0);  // 13.04 A up
  // The surplus on three phases is kept on three, raised to the plan.
  const SlotCurrent d = planned_slot_current(st, surplus(7, 3), 6.0);
  EXPECT_EQ(d.phases, 3);
  EXPECT_DOUBLE_EQ(d.current_a, 9.0);  // 8.7 A up
  // The car's power caps the current on three phases too.
  const SlotCurrent e = planned_slot_current(st, SurplusWish{}, 20.0);
  EXPECT_DOUBLE_EQ(e.current_a, 15.9);  // 11 kW / 690 V = 15.94 A, down to a tenth
}

}  // namespace
}  // namespace offpeak
