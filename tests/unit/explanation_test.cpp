#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

// The installer-facing explanation names local times with their zone abbreviation, and both
// abbreviations when the clocks change inside a run (the spring-forward night).
TEST(PlanExplanation, ShowsLocalTimesAcrossTheDstChange) {
  Zone london = *Zone::locate("Europe/London");
  TouRules go;
  go.default_price_p_per_kwh = 24.5;
  go.periods.push_back({0x7f, 0xfff, 30, 330, 8.5});
  Instant now = *parse_rfc3339("2026-03-28T18:00:00Z");
  Instant ready = *parse_rfc3339("2026-03-29T06:30:00Z");
  PlanRequest r;
  r.now = now;
  r.soc = 40;
  r.target_soc = 80;
  r.ready_by = ready;
  r.vehicle = {37.9, 7.4, 0.9};
  Plan p = make_plan(r, TouTariff(go, london).prices(now, ready), london);
  // 00:30 GMT + 2 h 16 min 35 s = 02:46:35 UTC = 03:46 BST.
  EXPECT_NE(p.explanation.find("charging 00:30 GMT-03:46 BST at 8.50p"), std::string::npos)
      << p.explanation;
  EXPECT_NE(p.explanation.find("by Sun 29 Mar 07:30 BST"), std::string::npos) << p.explanation;
  // On an ordinary night one abbreviation is enough.
  Instant now2 = *parse_rfc3339("2026-01-10T18:00:00Z");
  Instant ready2 = *parse_rfc3339("2026-01-11T07:30:00Z");
  r.now = now2;
  r.ready_by = ready2;
  Plan q = make_plan(r, TouTariff(go, london).prices(now2, ready2), london);
  EXPECT_NE(q.explanation.find("charging 00:30-02:46 GMT at 8.50p"), std::string::npos)
      << q.explanation;
}

}  // namespace
}  // namespace offpeak
