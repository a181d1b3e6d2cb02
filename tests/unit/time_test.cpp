#include <offpeak/domain/time.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

TEST(Rfc3339, RoundTripsUtc) {
  auto t = parse_rfc3339("2026-03-28T18:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-03-28T18:00:00Z");
}

TEST(Rfc3339, AppliesOffsetsAndFractions) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29T07:30:00+01:00")), "2026-03-29T06:30:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29T07:30:00.999-02:30")),
            "2026-03-29T10:00:00Z");
}

TEST(Rfc3339, RejectsGarbage) {
  for (const char* bad : {"", "2026-03-28", "2026-02-30T00:00:00Z", "2026-03-28T25:00:00Z",
                          "2026-03-28T18:00:00", "2026-03-28T18:00:00Zjunk", "x026-03-28T18:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(Duration, ParsesUnitsInOrder) {
  EXPECT_EQ(parse_duration("30s"), Seconds{30});
  EXPECT_EQ(parse_duration("15m"), Seconds{900});
  EXPECT_EQ(parse_duration("2h"), Seconds{7200});
  EXPECT_EQ(parse_duration("1h30m"), Seconds{5400});
  EXPECT_FALSE(parse_duration("0s"));
  EXPECT_FALSE(parse_duration("15"));
  EXPECT_FALSE(parse_duration("m"));
  EXPECT_FALSE(parse_duration("30m1h"));
  EXPECT_FALSE(parse_duration("-5m"));
  EXPECT_EQ(format_duration(Seconds{5400}), "1h30m");
}

TEST(TimeOfDay, ParsesAndBounds) {
  EXPECT_EQ(parse_time_of_day("07:30", false)->minutes, 450);
  EXPECT_EQ(parse_time_of_day("00:00", false)->minutes, 0);
  EXPECT_EQ(parse_time_of_day("24:00", true)->minutes, 1440);
  EXPECT_FALSE(parse_time_of_day("24:00", false));
  EXPECT_FALSE(parse_time_of_day("7.30", false));
  EXPECT_FALSE(parse_time_of_day("23:60", false));
  EXPECT_FALSE(parse_time_of_day("24:01", true));
}

TEST(Zone, LondonDstTransitions) {
  auto z = Zone::locate("Europe/London");
  ASSERT_TRUE(z);
  LocalDate spring{std::chrono::year{2026}, std::chrono::March, std::chrono::day{29}};
  // 01:30 does not exist on 29 Mar 2026: it maps to the change at 01:00 UTC.
  EXPECT_EQ(format_rfc3339(z->at(spring, 90)), "2026-03-29T01:00:00Z");
  EXPECT_EQ(format_rfc3339(z->at(spring, 7 * 60 + 30)), "2026-03-29T06:30:00Z");
  LocalDate autumn{std::chrono::year{2026}, std::chrono::October, std::chrono::day{25}};
  EXPECT_EQ(format_rfc3339(z->at(autumn, 90, false)), "2026-10-25T00:30:00Z");
  EXPECT_EQ(format_rfc3339(z->at(autumn, 90, true)), "2026-10-25T01:30:00Z");
  EXPECT_EQ(z->to_local(*parse_rfc3339("2026-07-01T12:00:00Z")).abbrev, "BST");
  EXPECT_FALSE(Zone::locate("Europe/Atlantis"));
}

TEST(Weekday, Names) {
  EXPECT_EQ(parse_weekday("Sat"), Weekday::sat);
  EXPECT_EQ(parse_month("dec"), 12);
  EXPECT_FALSE(parse_month("december"));
  EXPECT_EQ(weekday_of(LocalDate{std::chrono::year{2026}, std::chrono::March, std::chrono::day{29}}),
            Weekday::sun);
}

}  // namespace
}  // namespace offpeak
