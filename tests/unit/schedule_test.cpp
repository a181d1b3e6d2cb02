#include <offpeak/domain/schedule.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace offpeak {
namespace {

using test::at;
using test::iso;
using test::london;

struct DeadlineCase {
  const char* name;
  const char* now;
  int ready_by_minutes;
  const char* expected;
};
void PrintTo(const DeadlineCase& c, std::ostream* os) {
  *os << c.name;
}

class NextDeadline : public ::testing::TestWithParam<DeadlineCase> {};

TEST_P(NextDeadline, IsTheFirstReadyByAfterNow) {
  const DeadlineCase& c = GetParam();
  ChargingPolicy policy;
  policy.ready_by = TimeOfDay{c.ready_by_minutes};
  Deadline d = next_deadline(at(c.now), policy, london());
  EXPECT_EQ(iso(d.ready_by), c.expected);
  EXPECT_EQ(d.target_soc, 80.0);
}

INSTANTIATE_TEST_SUITE_P(
    London, NextDeadline,
    ::testing::Values(
        // Sat 28 Mar 18:00 GMT -> Sun 29 Mar 07:30 BST = 06:30Z (clocks went forward).
        DeadlineCase{"across_spring_change", "2026-03-28T18:00:00Z", 450, "2026-03-29T06:30:00Z"},
        // Sat 24 Oct 18:00Z (19:00 BST) -> Sun 25 Oct 07:30 GMT = 07:30Z.
        DeadlineCase{"across_autumn_change", "2026-10-24T18:00:00Z", 450, "2026-10-25T07:30:00Z"},
        // 07:30 BST on Sat 28 Mar? No: 28 Mar is still GMT, 07:30Z; now 06:00Z is before it.
        DeadlineCase{"later_today", "2026-03-28T06:00:00Z", 450, "2026-03-28T07:30:00Z"},
        // Already past today's 07:30 -> tomorrow.
        DeadlineCase{"passed_today", "2026-01-05T08:00:00Z", 450, "2026-01-06T07:30:00Z"},
        // Exactly at the ready-by: strictly after now -> tomorrow.
        DeadlineCase{"exactly_now", "2026-01-05T07:30:00Z", 450, "2026-01-06T07:30:00Z"},
        // 01:30 does not exist on 29 Mar: the instant of the change, 01:00Z.
        DeadlineCase{"skipped_time", "2026-03-28T20:00:00Z", 90, "2026-03-29T01:00:00Z"},
        // 01:30 occurs twice on 25 Oct: the first (BST) occurrence, 00:30Z.
        DeadlineCase{"repeated_time", "2026-10-24T20:00:00Z", 90, "2026-10-25T00:30:00Z"},
        // Summer local date differs from the UTC date: 23:30Z on 1 Jul is 00:30 BST on 2 Jul;
        // 07:30 BST on 2 Jul = 06:30Z.
        DeadlineCase{"local_date_ahead_of_utc", "2026-07-01T23:30:00Z", 450,
                     "2026-07-02T06:30:00Z"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(NextDeadline, WeekdayOverrideIsLookedUpByTheReadyByDay) {
  ChargingPolicy policy;  // 07:30, 80 %
  policy.days[static_cast<std::size_t>(Weekday::sat)] = DayOverride{TimeOfDay{600}, 70.0};
  // Fri 9 Jan 20:00 -> Sat 10 Jan 10:00, 70 %.
  Deadline d = next_deadline(at("2026-01-09T20:00:00Z"), policy, london());
  EXPECT_EQ(iso(d.ready_by), "2026-01-10T10:00:00Z");
  EXPECT_EQ(d.target_soc, 70.0);
  // Sat 08:00 is after the default 07:30 but before Saturday's 10:00.
  d = next_deadline(at("2026-01-10T08:00:00Z"), policy, london());
  EXPECT_EQ(iso(d.ready_by), "2026-01-10T10:00:00Z");
  // Fri 06:00 -> Friday's own 07:30, default target.
  d = next_deadline(at("2026-01-09T06:00:00Z"), policy, london());
  EXPECT_EQ(iso(d.ready_by), "2026-01-09T07:30:00Z");
  EXPECT_EQ(d.target_soc, 80.0);
  // Sat 11:00 -> Sunday 07:30, default target.
  d = next_deadline(at("2026-01-10T11:00:00Z"), policy, london());
  EXPECT_EQ(iso(d.ready_by), "2026-01-11T07:30:00Z");
  EXPECT_EQ(d.target_soc, 80.0);
}

TEST(NextDeadline, OverrideOfTargetOnly) {
  ChargingPolicy policy;
  policy.days[static_cast<std::size_t>(Weekday::mon)] = DayOverride{std::nullopt, 95.0};
  Deadline d = next_deadline(at("2026-01-04T20:00:00Z"), policy, london());  // Sun evening
  EXPECT_EQ(iso(d.ready_by), "2026-01-05T07:30:00Z");
  EXPECT_EQ(d.target_soc, 95.0);
}

TEST(Strategy, ParsesAndPrints) {
  EXPECT_EQ(parse_strategy("cheapest"), Strategy::cheapest);
  EXPECT_EQ(parse_strategy("continuous"), Strategy::continuous);
  EXPECT_EQ(parse_strategy("Cheapest"), std::nullopt);
  EXPECT_EQ(parse_strategy(""), std::nullopt);
  EXPECT_EQ(to_string(Strategy::cheapest), "cheapest");
  EXPECT_EQ(to_string(Strategy::continuous), "continuous");
}

}  // namespace
}  // namespace offpeak
