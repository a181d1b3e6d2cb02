#include <offpeak/domain/price_curve.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace offpeak {
namespace {

using test::at;
using test::describe;

using Slots = std::vector<std::string>;

// 00:00-00:30 @10, 00:30-01:00 @20, gap 01:00-02:00, 02:00-02:30 @5 on 5 Jan 2026.
PriceCurve sample() {
  return PriceCurve({{at("2026-01-05T00:00:00Z"), at("2026-01-05T00:30:00Z"), 10.0},
                     {at("2026-01-05T00:30:00Z"), at("2026-01-05T01:00:00Z"), 20.0},
                     {at("2026-01-05T02:00:00Z"), at("2026-01-05T02:30:00Z"), 5.0}});
}

TEST(PriceCurve, RejectsBadSlots) {
  Instant a = at("2026-01-05T00:00:00Z");
  Instant b = at("2026-01-05T00:30:00Z");
  Instant c = at("2026-01-05T01:00:00Z");
  EXPECT_THROW(PriceCurve({{a, a, 1.0}}), std::invalid_argument);               // empty
  EXPECT_THROW(PriceCurve({{b, a, 1.0}}), std::invalid_argument);               // reversed
  EXPECT_THROW(PriceCurve({{a, c, 1.0}, {b, c, 2.0}}), std::invalid_argument);  // overlap
  EXPECT_THROW(PriceCurve({{b, c, 1.0}, {a, b, 2.0}}), std::invalid_argument);  // order
  EXPECT_NO_THROW(PriceCurve({{a, b, 1.0}, {b, c, -2.0}}));
}

TEST(PriceCurve, PriceAtHonoursHalfOpenSlotsAndGaps) {
  PriceCurve c = sample();
  EXPECT_EQ(c.price_at(at("2026-01-05T00:00:00Z")), 10.0);
  EXPECT_EQ(c.price_at(at("2026-01-05T00:29:59Z")), 10.0);
  EXPECT_EQ(c.price_at(at("2026-01-05T00:30:00Z")), 20.0);
  EXPECT_EQ(c.price_at(at("2026-01-05T01:00:00Z")), std::nullopt);  // gap: unknown, not 0
  EXPECT_EQ(c.price_at(at("2026-01-05T01:59:59Z")), std::nullopt);
  EXPECT_EQ(c.price_at(at("2026-01-05T02:00:00Z")), 5.0);
  EXPECT_EQ(c.price_at(at("2026-01-05T02:30:00Z")), std::nullopt);
  EXPECT_EQ(c.price_at(at("2026-01-04T23:59:59Z")), std::nullopt);
  EXPECT_EQ(PriceCurve{}.price_at(at("2026-01-05T00:00:00Z")), std::nullopt);
}

TEST(PriceCurve, SliceClipsToTheRange) {
  PriceCurve c = sample();
  EXPECT_EQ(describe(c.slice(at("2026-01-05T00:15:00Z"), at("2026-01-05T02:10:00Z"))),
            (Slots{"2026-01-05T00:15:00Z/2026-01-05T00:30:00Z@10",
                   "2026-01-05T00:30:00Z/2026-01-05T01:00:00Z@20",
                   "2026-01-05T02:00:00Z/2026-01-05T02:10:00Z@5"}));
  // Exact boundaries: [00:30, 02:00) holds only the 20p slot.
  EXPECT_EQ(describe(c.slice(at("2026-01-05T00:30:00Z"), at("2026-01-05T02:00:00Z"))),
            (Slots{"2026-01-05T00:30:00Z/2026-01-05T01:00:00Z@20"}));
  EXPECT_TRUE(c.slice(at("2026-01-05T01:00:00Z"), at("2026-01-05T02:00:00Z")).empty());
  EXPECT_TRUE(c.slice(at("2026-01-05T02:00:00Z"), at("2026-01-05T01:00:00Z")).empty());
  EXPECT_TRUE(c.slice(at("2026-01-05T00:10:00Z"), at("2026-01-05T00:10:00Z")).empty());
}

TEST(PriceCurve, MergedJoinsOnlyTouchingEqualPrices) {
  Instant t0 = at("2026-01-05T00:00:00Z");
  PriceCurve c = test::curve(t0, {10.0, 10.0, 12.0, std::nullopt, 12.0, 12.0});
  EXPECT_EQ(describe(c.merged()), (Slots{"2026-01-05T00:00:00Z/2026-01-05T01:00:00Z@10",
                                         "2026-01-05T01:00:00Z/2026-01-05T01:30:00Z@12",
                                         "2026-01-05T02:00:00Z/2026-01-05T03:00:00Z@12"}));
}

TEST(PriceCurve, SplitCutsAtMultiplesOfTheStep) {
  PriceCurve c({{at("2026-01-05T00:10:00Z"), at("2026-01-05T01:20:00Z"), 7.0}});
  EXPECT_EQ(describe(c.split(Seconds{1800})),
            (Slots{"2026-01-05T00:10:00Z/2026-01-05T00:30:00Z@7",
                   "2026-01-05T00:30:00Z/2026-01-05T01:00:00Z@7",
                   "2026-01-05T01:00:00Z/2026-01-05T01:20:00Z@7"}));
  // Before the epoch the grid still falls on multiples of the step (floor, not truncation).
  PriceCurve old({{at("1969-12-31T23:50:00Z"), at("1970-01-01T00:10:00Z"), 1.0}});
  EXPECT_EQ(describe(old.split(Seconds{1800})),
            (Slots{"1969-12-31T23:50:00Z/1970-01-01T00:00:00Z@1",
                   "1970-01-01T00:00:00Z/1970-01-01T00:10:00Z@1"}));
  // Already aligned slots are unchanged.
  EXPECT_EQ(sample().split(Seconds{1800}), sample());
}

TEST(PriceCurve, KnownDurationCountsOnlyKnownTime) {
  PriceCurve c = sample();
  // [00:15, 02:10): 15 min @10 + 30 min @20 + 10 min @5 = 55 min.
  EXPECT_EQ(c.known_duration(at("2026-01-05T00:15:00Z"), at("2026-01-05T02:10:00Z")),
            Seconds{55 * 60});
  EXPECT_EQ(c.known_duration(at("2026-01-05T01:00:00Z"), at("2026-01-05T02:00:00Z")), Seconds{0});
}

TEST(PriceCurve, KnownUntilFollowsTouchingSlots) {
  PriceCurve c = sample();
  EXPECT_EQ(c.known_until(at("2026-01-05T00:10:00Z")), at("2026-01-05T01:00:00Z"));
  EXPECT_EQ(c.known_until(at("2026-01-05T00:30:00Z")), at("2026-01-05T01:00:00Z"));
  EXPECT_EQ(c.known_until(at("2026-01-05T01:00:00Z")), at("2026-01-05T01:00:00Z"));  // gap
  EXPECT_EQ(c.known_until(at("2026-01-05T01:30:00Z")), at("2026-01-05T01:30:00Z"));
  EXPECT_EQ(c.known_until(at("2026-01-05T02:00:00Z")), at("2026-01-05T02:30:00Z"));
  EXPECT_EQ(c.known_until(at("2026-01-05T03:00:00Z")), at("2026-01-05T03:00:00Z"));
  EXPECT_EQ(c.known_until(at("2026-01-04T00:00:00Z")), at("2026-01-04T00:00:00Z"));
}

TEST(PriceCurve, LastEnd) {
  EXPECT_EQ(sample().last_end(), at("2026-01-05T02:30:00Z"));
  EXPECT_EQ(PriceCurve{}.last_end(), std::nullopt);
}

TEST(PriceCurve, FilledFromFillsOnlyGapsInsideTheRange) {
  PriceCurve fallback({{at("2026-01-04T00:00:00Z"), at("2026-01-06T00:00:00Z"), 24.5}});
  PriceCurve filled =
      sample().filled_from(fallback, at("2026-01-04T23:30:00Z"), at("2026-01-05T03:00:00Z"));
  EXPECT_EQ(describe(filled), (Slots{"2026-01-04T23:30:00Z/2026-01-05T00:00:00Z@24.5",
                                     "2026-01-05T00:00:00Z/2026-01-05T00:30:00Z@10",
                                     "2026-01-05T00:30:00Z/2026-01-05T01:00:00Z@20",
                                     "2026-01-05T01:00:00Z/2026-01-05T02:00:00Z@24.5",
                                     "2026-01-05T02:00:00Z/2026-01-05T02:30:00Z@5",
                                     "2026-01-05T02:30:00Z/2026-01-05T03:00:00Z@24.5"}));
  // A fallback with its own gap leaves that time unknown.
  PriceCurve partial({{at("2026-01-05T01:00:00Z"), at("2026-01-05T01:30:00Z"), 30.0}});
  EXPECT_EQ(describe(sample().filled_from(partial, at("2026-01-05T00:30:00Z"),
                                          at("2026-01-05T02:15:00Z"))),
            (Slots{"2026-01-05T00:30:00Z/2026-01-05T01:00:00Z@20",
                   "2026-01-05T01:00:00Z/2026-01-05T01:30:00Z@30",
                   "2026-01-05T02:00:00Z/2026-01-05T02:15:00Z@5"}));
}

TEST(CurveTariff, PricesAreTheSlice) {
  CurveTariff t(sample());
  EXPECT_EQ(t.prices(at("2026-01-05T00:15:00Z"), at("2026-01-05T00:45:00Z")),
            sample().slice(at("2026-01-05T00:15:00Z"), at("2026-01-05T00:45:00Z")));
}

}  // namespace
}  // namespace offpeak
