// What the owner is told in a simulated month of ordinary use: the field replay (January
// 2023, real Agile prices, random evenings with 15 % away) fed to the notifier.
#include <offpeak/backtest/field.hpp>
#include <offpeak/backtest/notify_replay.hpp>
#include <offpeak/config/config.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

TEST(NotifyReplay, AMonthOfOrdinaryUseIsAHandfulOfEventsEachOnce) {
  std::vector<config::ConfigError> errors;
  auto prices = config::load_price_csv(std::string(OFFPEAK_TEST_DATA) + "/agile_J_2023-01.csv",
                                       "agile_J_2023-01.csv", errors);
  ASSERT_TRUE(prices);
  backtest::Setup setup;
  setup.vehicle = {37.9, 7.4, 0.9};
  setup.policy.target_soc = 90;
  setup.policy.ready_by = TimeOfDay{7 * 60 + 30};
  setup.zone = *Zone::locate("Europe/London");
  FieldOptions o;
  o.car.wall_kw = 6.0;
  o.from = *parse_rfc3339("2023-01-01T00:00:00Z");
  o.to = *parse_rfc3339("2023-01-31T00:00:00Z");
  StayPattern p;
  p.seed = 7;
  o.stays = random_stays(2023y / January / 1, 2023y / January / 29, setup.policy, setup.zone, p);
  const FieldSummary field = run_field(setup, o, *prices);
  NotifySettings s;
  s.vehicle = "i3s";
  s.zone = setup.zone;
  s.plug_reminder = TimeOfDay{21 * 60};
  s.quiet_hours = QuietHours{TimeOfDay{22 * 60 + 30}, TimeOfDay{7 * 60}};
  const NotifyReplay r = replay_notifications(setup, o, field, *prices, s);
  std::cout << "events in " << r.days << " days of ordinary use (" << field.per_stay.size()
            << " stays):";
  for (const auto& [k, n] : r.by_event)
    std::cout << " " << k << "=" << n;
  std::cout << "; held by quiet hours " << r.held << " (mean " << r.mean_hold_h << " h)\n";
  // Every session is told once; each key once.
  EXPECT_EQ(r.by_event.count("session_done") ? r.by_event.at("session_done") : 0,
            static_cast<int>(field.per_stay.size()));
  std::set<std::string> keys;
  for (const auto& e : r.events)
    EXPECT_TRUE(keys.insert(e.key).second) << e.key;
  // Reminders only on evenings the car was not plugged in at 21:00 (it came home later or not
  // at all), counted here from the stays themselves; at most one each.
  int evenings_unplugged = 0;
  for (auto d = sys_days{2023y / January / 1}; d < sys_days{2023y / January / 30}; d += days{1}) {
    const Instant nine_pm = setup.zone.at(LocalDate{d}, 21 * 60);
    bool plugged = false;
    for (const auto& st : field.per_stay)
      plugged = plugged || (st.stay.arrive <= nine_pm && nine_pm < st.stay.depart);
    if (!plugged) ++evenings_unplugged;
  }
  const int reminders = r.by_event.count("not_plugged_in") ? r.by_event.at("not_plugged_in") : 0;
  EXPECT_GE(reminders, 1);
  EXPECT_LE(reminders, evenings_unplugged);
  // Cheap energy at most once a day, only on days with a price at or below zero.
  int cheap_days = 0;
  for (auto d = sys_days{2023y / January / 1}; d < sys_days{2023y / January / 31}; d += days{1}) {
    const Instant from = setup.zone.start_of_day(LocalDate{d});
    bool cheap = false;
    const PriceCurve ahead = prices->slice(from, from + days{2});
    for (const auto& slot : ahead.slots())
      cheap = cheap || slot.price_p_per_kwh <= 0.0;
    if (cheap) ++cheap_days;
  }
  EXPECT_LE(r.by_event.count("cheap_energy") ? r.by_event.at("cheap_energy") : 0, cheap_days);
  // No device outages are simulated, and every plan of this car could reach the target.
  EXPECT_EQ(r.by_event.count("device_offline"), 0u);
}

}  // namespace
}  // namespace offpeak::backtest
