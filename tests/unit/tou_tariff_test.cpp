#include <offpeak/domain/tou_tariff.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace offpeak {
namespace {

using test::at;
using test::describe;
using test::london;

using Slots = std::vector<std::string>;

constexpr std::uint8_t k_fri = 1U << static_cast<unsigned>(Weekday::fri);
constexpr std::uint8_t k_sun = 1U << static_cast<unsigned>(Weekday::sun);
constexpr std::uint16_t k_jan = 1U << 0;
constexpr std::uint16_t k_dec = 1U << 11;

TouPeriod period(int start, int end, double price, std::uint8_t days = 0x7f,
                 std::uint16_t months = 0xfff) {
  return TouPeriod{days, months, start, end, price};
}

TouRules go_rules() {
  TouRules r;
  r.name = "Go";
  r.default_price_p_per_kwh = 24.5;
  r.periods = {period(30, 330, 8.5)};  // 00:30-05:30
  return r;
}

// ---- DST nights, wall-clock semantics ------------------------------------------------------

struct DstCase {
  const char* name;
  const char* from;
  const char* to;
  Slots expected;
  long long cheap_hours;
};
void PrintTo(const DstCase& c, std::ostream* os) {
  *os << c.name;
}

class TouDstNight : public ::testing::TestWithParam<DstCase> {};

TEST_P(TouDstNight, CheapPeriodFollowsTheWallClock) {
  const DstCase& c = GetParam();
  TouTariff tariff(go_rules(), london());
  PriceCurve prices = tariff.prices(at(c.from), at(c.to));
  EXPECT_EQ(describe(prices), c.expected);
  Seconds cheap{0};
  for (const auto& s : prices.slots()) {
    if (s.price_p_per_kwh == 8.5) cheap += s.end - s.start;
  }
  EXPECT_EQ(cheap, Seconds{c.cheap_hours * 3600});
}

INSTANTIATE_TEST_SUITE_P(London, TouDstNight,
                         ::testing::Values(
                             // 29 Mar 2026: 00:30 is still GMT (00:30Z); the clocks jump 01:00 GMT
                             // -> 02:00 BST, so 05:30 BST is 04:30Z: 4 real hours.
                             DstCase{"spring",
                                     "2026-03-28T12:00:00Z",
                                     "2026-03-29T12:00:00Z",
                                     {"2026-03-28T12:00:00Z/2026-03-29T00:30:00Z@24.5",
                                      "2026-03-29T00:30:00Z/2026-03-29T04:30:00Z@8.5",
                                      "2026-03-29T04:30:00Z/2026-03-29T12:00:00Z@24.5"},
                                     4},
                             // 25 Oct 2026: 00:30 is BST (23:30Z the day before); 02:00 BST ->
                             // 01:00 GMT, so 05:30 GMT is 05:30Z: 6 real hours.
                             DstCase{"autumn",
                                     "2026-10-24T12:00:00Z",
                                     "2026-10-25T12:00:00Z",
                                     {"2026-10-24T12:00:00Z/2026-10-24T23:30:00Z@24.5",
                                      "2026-10-24T23:30:00Z/2026-10-25T05:30:00Z@8.5",
                                      "2026-10-25T05:30:00Z/2026-10-25T12:00:00Z@24.5"},
                                     6},
                             // An ordinary summer night: 00:30-05:30 BST = 23:30Z-04:30Z, 5 hours.
                             DstCase{"summer",
                                     "2026-07-01T12:00:00Z",
                                     "2026-07-02T12:00:00Z",
                                     {"2026-07-01T12:00:00Z/2026-07-01T23:30:00Z@24.5",
                                      "2026-07-01T23:30:00Z/2026-07-02T04:30:00Z@8.5",
                                      "2026-07-02T04:30:00Z/2026-07-02T12:00:00Z@24.5"},
                                     5}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(TouTariff, PeriodInsideTheSkippedHourVanishes) {
  // 01:00-02:00 on 29 Mar 2026 does not exist in London: both ends map to 01:00Z.
  TouRules r;
  r.periods = {period(60, 120, 1.0)};
  TouTariff tariff(r, london());
  EXPECT_TRUE(tariff.prices(at("2026-03-29T00:00:00Z"), at("2026-03-29T03:00:00Z")).empty());
}

TEST(TouTariff, PeriodInTheRepeatedHourStartsFirstEndsSecond) {
  // 01:00-02:00 on 25 Oct 2026: 01:00 first occurrence (BST) = 00:00Z; 02:00 GMT = 02:00Z.
  TouRules r;
  r.periods = {period(60, 120, 1.0)};
  TouTariff tariff(r, london());
  EXPECT_EQ(describe(tariff.prices(at("2026-10-24T22:00:00Z"), at("2026-10-25T04:00:00Z"))),
            (Slots{"2026-10-25T00:00:00Z/2026-10-25T02:00:00Z@1"}));
}

// ---- Shapes of periods ---------------------------------------------------------------------

struct ShapeCase {
  const char* name;
  std::vector<TouPeriod> periods;
  const char* from;
  const char* to;
  Slots expected;
};
void PrintTo(const ShapeCase& c, std::ostream* os) {
  *os << c.name;
}

class TouShape : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(TouShape, Evaluates) {
  const ShapeCase& c = GetParam();
  TouRules r;
  r.periods = c.periods;  // no default: whatever no period covers is unknown
  TouTariff tariff(r, london());
  EXPECT_EQ(describe(tariff.prices(at(c.from), at(c.to))), c.expected);
}

// January: London is on GMT, local == UTC. 5 Jan 2026 is a Monday.
INSTANTIATE_TEST_SUITE_P(
    London, TouShape,
    ::testing::Values(
        // 23:30-05:30 crosses midnight: Sunday's occurrence covers Monday 00:00-05:30.
        ShapeCase{"across_midnight",
                  {period(1410, 330, 7.0)},
                  "2026-01-05T00:00:00Z",
                  "2026-01-06T00:00:00Z",
                  {"2026-01-05T00:00:00Z/2026-01-05T05:30:00Z@7",
                   "2026-01-05T23:30:00Z/2026-01-06T00:00:00Z@7"}},
        ShapeCase{"end_24_00",
                  {period(18 * 60, 1440, 30.0)},
                  "2026-01-05T12:00:00Z",
                  "2026-01-06T12:00:00Z",
                  {"2026-01-05T18:00:00Z/2026-01-06T00:00:00Z@30"}},
        ShapeCase{"end_00_00",
                  {period(18 * 60, 0, 30.0)},
                  "2026-01-05T12:00:00Z",
                  "2026-01-06T12:00:00Z",
                  {"2026-01-05T18:00:00Z/2026-01-06T00:00:00Z@30"}},
        // 18:00-24:00 BST in July = 17:00Z-23:00Z.
        ShapeCase{"end_24_00_summer",
                  {period(18 * 60, 1440, 30.0)},
                  "2026-07-06T12:00:00Z",
                  "2026-07-07T12:00:00Z",
                  {"2026-07-06T17:00:00Z/2026-07-06T23:00:00Z@30"}},
        // start == end: the whole day from 07:00 to 07:00 the next day, every day: all known.
        ShapeCase{"start_equals_end_every_day",
                  {period(7 * 60, 7 * 60, 12.0)},
                  "2026-01-05T00:00:00Z",
                  "2026-01-07T00:00:00Z",
                  {"2026-01-05T00:00:00Z/2026-01-07T00:00:00Z@12"}},
        // Only Friday's whole-day 07:00-07:00 occurrence: Fri 9 Jan 07:00 to Sat 10 Jan 07:00.
        ShapeCase{"start_equals_end_friday",
                  {period(7 * 60, 7 * 60, 12.0, k_fri)},
                  "2026-01-08T00:00:00Z",
                  "2026-01-12T00:00:00Z",
                  {"2026-01-09T07:00:00Z/2026-01-10T07:00:00Z@12"}},
        ShapeCase{"midnight_to_midnight",
                  {period(0, 0, 12.0, k_sun)},
                  "2026-01-10T12:00:00Z",
                  "2026-01-12T12:00:00Z",
                  {"2026-01-11T00:00:00Z/2026-01-12T00:00:00Z@12"}},
        // Later entries win where they overlap.
        ShapeCase{"later_wins",
                  {period(30, 330, 8.5), period(120, 180, 20.0)},
                  "2026-01-05T00:00:00Z",
                  "2026-01-05T06:00:00Z",
                  {"2026-01-05T00:30:00Z/2026-01-05T02:00:00Z@8.5",
                   "2026-01-05T02:00:00Z/2026-01-05T03:00:00Z@20",
                   "2026-01-05T03:00:00Z/2026-01-05T05:30:00Z@8.5"}},
        ShapeCase{"later_wins_reversed",
                  {period(120, 180, 20.0), period(30, 330, 8.5)},
                  "2026-01-05T00:00:00Z",
                  "2026-01-05T06:00:00Z",
                  {"2026-01-05T00:30:00Z/2026-01-05T05:30:00Z@8.5"}},
        // A later period crossing midnight beats an earlier one on the next day.
        ShapeCase{"later_wins_across_midnight",
                  {period(0, 120, 9.0), period(1410, 60, 7.0)},
                  "2026-01-05T00:00:00Z",
                  "2026-01-05T03:00:00Z",
                  {"2026-01-05T00:00:00Z/2026-01-05T01:00:00Z@7",
                   "2026-01-05T01:00:00Z/2026-01-05T02:00:00Z@9"}},
        // Friday 23:30-05:30 covers Saturday morning, not Friday morning (9 Jan is a Friday).
        ShapeCase{"weekday_filter_by_start_day",
                  {period(1410, 330, 5.0, k_fri)},
                  "2026-01-08T12:00:00Z",
                  "2026-01-11T12:00:00Z",
                  {"2026-01-09T23:30:00Z/2026-01-10T05:30:00Z@5"}},
        // A December period starting on 31 Dec covers 1 Jan morning; one starting 31 Jan does
        // not reach 1 Feb.
        ShapeCase{"month_filter_by_start_day",
                  {period(1410, 330, 5.0, 0x7f, k_dec)},
                  "2026-12-31T12:00:00Z",
                  "2027-01-01T12:00:00Z",
                  {"2026-12-31T23:30:00Z/2027-01-01T05:30:00Z@5"}},
        ShapeCase{"month_filter_excludes",
                  {period(1410, 330, 5.0, 0x7f, k_jan)},
                  "2026-12-31T12:00:00Z",
                  "2027-01-01T12:00:00Z",
                  {}},
        ShapeCase{"month_filter_jan_into_feb",
                  {period(1410, 330, 5.0, 0x7f, k_jan)},
                  "2027-01-31T12:00:00Z",
                  "2027-02-01T12:00:00Z",
                  {"2027-01-31T23:30:00Z/2027-02-01T05:30:00Z@5"}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(TouTariff, DefaultFillsWhatPeriodsLeave) {
  TouTariff tariff(go_rules(), london());
  PriceCurve p = tariff.prices(at("2026-01-05T00:00:00Z"), at("2026-01-06T00:00:00Z"));
  EXPECT_EQ(describe(p), (Slots{"2026-01-05T00:00:00Z/2026-01-05T00:30:00Z@24.5",
                                "2026-01-05T00:30:00Z/2026-01-05T05:30:00Z@8.5",
                                "2026-01-05T05:30:00Z/2026-01-06T00:00:00Z@24.5"}));
}

TEST(TouTariff, NoDefaultLeavesGapsUnknownNotZero) {
  TouRules r = go_rules();
  r.default_price_p_per_kwh.reset();
  TouTariff tariff(r, london());
  PriceCurve p = tariff.prices(at("2026-01-05T00:00:00Z"), at("2026-01-06T00:00:00Z"));
  EXPECT_FALSE(p.price_at(at("2026-01-05T12:00:00Z")).has_value());
  EXPECT_FALSE(p.price_at(at("2026-01-05T00:00:00Z")).has_value());
  EXPECT_EQ(p.price_at(at("2026-01-05T00:30:00Z")), 8.5);
  // Known: 00:30-05:30 only, 5 h.
  EXPECT_EQ(p.known_duration(at("2026-01-05T00:00:00Z"), at("2026-01-06T00:00:00Z")),
            Seconds{5 * 3600});
}

TEST(TouTariff, WeekOfNightsAndEmptyRange) {
  TouTariff tariff(go_rules(), london());
  Instant from = at("2026-01-05T00:00:00Z");
  PriceCurve p = tariff.prices(from, from + std::chrono::days{7});
  // 7 nights, each 00:30-05:30 at 8.5, separated by default price: 7 cheap + 8 default slots.
  ASSERT_EQ(p.slots().size(), 15U);
  EXPECT_EQ(p.known_duration(from, from + std::chrono::days{7}), Seconds{7 * 86400});
  EXPECT_TRUE(tariff.prices(from, from).empty());
}

TEST(TouTariff, ClipsToTheRequestedRange) {
  TouTariff tariff(go_rules(), london());
  EXPECT_EQ(describe(tariff.prices(at("2026-01-05T01:00:00Z"), at("2026-01-05T02:00:00Z"))),
            (Slots{"2026-01-05T01:00:00Z/2026-01-05T02:00:00Z@8.5"}));
}

// ---- Coverage ------------------------------------------------------------------------------

struct GapCase {
  const char* name;
  std::vector<TouPeriod> periods;
  std::optional<std::string> gap;
};
void PrintTo(const GapCase& c, std::ostream* os) {
  *os << c.name;
}

class TouCoverage : public ::testing::TestWithParam<GapCase> {};

TEST_P(TouCoverage, FindsTheFirstGap) {
  TouRules r;
  r.periods = GetParam().periods;
  EXPECT_EQ(tou_coverage_gap(r), GetParam().gap);
}

constexpr std::uint8_t k_mon_to_sat = 0x3f;
constexpr std::uint16_t k_jan_to_nov = 0x7ff;

INSTANTIATE_TEST_SUITE_P(
    Rules, TouCoverage,
    ::testing::Values(
        GapCase{"whole_day", {period(0, 1440, 20.0)}, std::nullopt},
        GapCase{"night_and_day", {period(1410, 330, 7.0), period(330, 1410, 20.0)}, std::nullopt},
        GapCase{"start_equals_end", {period(600, 600, 20.0)}, std::nullopt},
        GapCase{"night_only", {period(30, 330, 8.5)}, "Mon in Jan at 00:00"},
        // Mon-Sat whole days, Sunday only until 12:00.
        GapCase{"sunday_afternoon",
                {period(0, 0, 20.0, k_mon_to_sat), period(0, 720, 20.0, k_sun)},
                "Sun in Jan at 12:00"},
        // Friday's night is missing: Friday 23:30 is the first uncovered minute in the week.
        GapCase{"friday_night",
                {period(330, 1410, 20.0), period(1410, 330, 7.0, 0x7f & ~k_fri)},
                "Fri in Jan at 23:30"},
        // Nights only Jan..Nov: 1 Jan morning (started on 31 Dec) is uncovered.
        GapCase{"month_boundary",
                {period(330, 1410, 20.0), period(1410, 330, 7.0, 0x7f, k_jan_to_nov)},
                "Mon in Jan at 00:00"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(TouCoverage, DefaultCoversEverything) {
  EXPECT_EQ(tou_coverage_gap(go_rules()), std::nullopt);
}

}  // namespace
}  // namespace offpeak
