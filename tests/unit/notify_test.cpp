// The notifier: events from the domain's facts, each once, quiet hours, flapping limit.
#include "test_util.hpp"

#include <offpeak/domain/notify.hpp>
#include <offpeak/domain/planner.hpp>

#include <gtest/gtest.h>

namespace offpeak {
namespace {

using test::at;
using test::iso;
using test::london;
using namespace std::chrono_literals;

NotifySettings settings() {
  NotifySettings s;
  s.vehicle = "i3s";
  s.zone = london();
  return s;
}

VehicleSpec i3s() {
  VehicleSpec v;
  v.battery_kwh = 42.2;
  v.max_charge_kw = 7.4;
  v.efficiency = 0.9;
  return v;
}

// A plan for a window too short to reach the target: plug-in at `now` with 20%, 80% by 07:30.
Plan short_plan(Instant now) {
  PlanRequest req;
  req.now = now;
  req.soc = 20;
  req.target_soc = 80;
  req.ready_by = at("2026-01-14T07:30:00Z");
  req.vehicle = i3s();
  return make_plan(
      req, test::curve(at("2026-01-14T00:00:00Z"), std::vector<std::optional<double>>(16, 10.0)),
      london());
}

TEST(Notify, TargetAtRiskOnceAcrossReplans) {
  EventNotifier n(settings());
  const Instant plug = at("2026-01-14T05:00:00Z");
  Plan p = short_plan(plug);
  ASSERT_FALSE(p.feasible);
  auto first = n.on_plan(plug, p, true, 7.4);
  ASSERT_EQ(first.size(), 1u);
  const NotifyEvent& e = first[0];
  EXPECT_EQ(e.kind, EventKind::target_at_risk);
  EXPECT_TRUE(e.urgent);
  EXPECT_EQ(e.not_before, plug);
  EXPECT_EQ(e.vehicle, "i3s");
  EXPECT_EQ(std::get<double>(e.data.at("shortfall_kwh")), p.shortfall_kwh);
  EXPECT_NE(e.message.find("kWh short"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("07:30"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("more charging"), std::string::npos) << e.message;
  // Re-plans of the same deadline (every poll, every price change) say nothing new.
  for (int i = 1; i <= 10; ++i) {
    Instant t = plug + std::chrono::minutes{10 * i};
    EXPECT_TRUE(n.on_plan(t, short_plan(t), true, 7.4).empty()) << i;
  }
  // A plan made while not plugged in is not a risk the owner can act on tonight.
  EventNotifier unplugged(settings());
  EXPECT_TRUE(unplugged.on_plan(plug, p, false, 7.4).empty());
  // A feasible plan: nothing.
  PlanRequest ok;
  ok.now = at("2026-01-13T20:00:00Z");
  ok.soc = 60;
  ok.target_soc = 80;
  ok.ready_by = at("2026-01-14T07:30:00Z");
  ok.vehicle = i3s();
  Plan fine =
      make_plan(ok, test::curve(ok.now, std::vector<std::optional<double>>(24, 10.0)), london());
  ASSERT_TRUE(fine.feasible);
  EventNotifier n2(settings());
  EXPECT_TRUE(n2.on_plan(ok.now, fine, true, 7.4).empty());
}

TEST(Notify, TargetAtRiskNotRepeatedAfterRestart) {
  const Instant plug = at("2026-01-14T05:00:00Z");
  EventNotifier before(settings());
  auto e = before.on_plan(plug, short_plan(plug), true, 7.4);
  ASSERT_EQ(e.size(), 1u);
  EventNotifier after(settings());  // a restart: seeded from the stored events
  after.remember(e[0].key, e[0].at);
  EXPECT_TRUE(after.on_plan(plug + 20min, short_plan(plug + 20min), true, 7.4).empty());
}

PlugFacts evening_facts(std::optional<bool> plugged, double soc) {
  PlugFacts f;
  f.plugged_in = plugged;
  f.soc = soc;
  f.next = Deadline{at("2026-01-14T07:30:00Z"), 80};
  f.energy_needed_kwh = (80 - soc) / 100 * 42.2 / 0.9;
  f.max_charge_kw = 7.4;
  return f;
}

TEST(Notify, NotPluggedInAtTheReminderTimeOnce) {
  auto s = settings();
  s.plug_reminder = TimeOfDay{21 * 60};
  EventNotifier n(s);
  ASSERT_EQ(n.reminder_at(at("2026-01-14T07:30:00Z")), at("2026-01-13T21:00:00Z"));
  // Before 21:00: nothing yet.
  EXPECT_TRUE(n.on_plug_check(at("2026-01-13T20:59:59Z"), evening_facts(false, 40)).empty());
  auto e = n.on_plug_check(at("2026-01-13T21:00:00Z"), evening_facts(false, 40));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, EventKind::not_plugged_in);
  EXPECT_TRUE(e[0].urgent);
  EXPECT_NEAR(std::get<double>(e[0].data.at("energy_needed_kwh")), 18.76, 0.01);
  EXPECT_NE(e[0].message.find("18.8 kWh"), std::string::npos) << e[0].message;
  EXPECT_NE(e[0].message.find("about 2h33m of charging"), std::string::npos) << e[0].message;
  // Checked again all evening: still one.
  for (int m = 1; m < 60; m += 7)
    EXPECT_TRUE(n.on_plug_check(at("2026-01-13T21:00:00Z") + std::chrono::minutes{m},
                                evening_facts(false, 40))
                    .empty());
  // The next evening is a new reminder.
  auto f = evening_facts(false, 40);
  f.next.ready_by = at("2026-01-15T07:30:00Z");
  EXPECT_EQ(n.on_plug_check(at("2026-01-14T21:05:00Z"), f).size(), 1u);
}

TEST(Notify, NoReminderWhenPluggedInOrNotNeeded) {
  auto s = settings();
  s.plug_reminder = TimeOfDay{21 * 60};
  EventNotifier n(s);
  const Instant t = at("2026-01-13T21:00:00Z");
  EXPECT_TRUE(n.on_plug_check(t, evening_facts(true, 40)).empty());          // plugged in
  EXPECT_TRUE(n.on_plug_check(t, evening_facts(false, 85)).empty());         // above target
  EXPECT_TRUE(n.on_plug_check(t, evening_facts(std::nullopt, 40)).empty());  // unknown
  auto far = evening_facts(false, 40);
  far.next.ready_by = at("2026-01-15T07:30:00Z");  // tomorrow evening's business
  EXPECT_TRUE(n.on_plug_check(t, far).empty());
  EventNotifier none(settings());  // no plug_reminder configured
  EXPECT_TRUE(none.on_plug_check(t, evening_facts(false, 40)).empty());
}

TEST(Notify, AccountProblemOncePerDay) {
  EventNotifier n(settings());
  int count = 0;
  for (int h = 0; h < 48; ++h) {
    Instant t = at("2026-01-13T00:30:00Z") + std::chrono::hours{h};
    count += static_cast<int>(n.on_credentials_refused(t, "HTTP 401").size());
  }
  EXPECT_EQ(count, 2);  // 13 and 14 January
  // The budget is its own condition, also once a day.
  auto b = n.on_budget_spent(at("2026-01-13T18:00:00Z"), 50, 50);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, EventKind::account_problem);
  EXPECT_EQ(std::get<std::string>(b[0].data.at("reason")), "budget");
  EXPECT_TRUE(n.on_budget_spent(at("2026-01-13T23:00:00Z"), 50, 50).empty());
  EXPECT_EQ(n.on_budget_spent(at("2026-01-14T00:05:00Z"), 50, 50).size(), 1u);
}

TEST(Notify, DeviceOfflineAndBackOnceEach) {
  EventNotifier n(settings());
  const Instant t0 = at("2026-01-13T12:00:00Z");
  std::vector<NotifyEvent> all;
  auto take = [&](std::vector<NotifyEvent> v) {
    for (auto& e : v)
      all.push_back(std::move(e));
  };
  // Failing every minute for an hour: offline after 15 minutes, once.
  for (int m = 0; m < 60; ++m) {
    take(n.on_device(t0 + std::chrono::minutes{m}, "charger", false, "connection refused"));
    take(n.tick(t0 + std::chrono::minutes{m} + 30s));
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kind, EventKind::device_offline);
  EXPECT_EQ(all[0].at, t0 + 15min);
  EXPECT_TRUE(std::get<bool>(all[0].data.at("offline")));
  EXPECT_FALSE(all[0].urgent);
  // Back: once.
  take(n.on_device(t0 + 60min, "charger", true));
  take(n.on_device(t0 + 61min, "charger", true));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].kind, EventKind::device_offline);
  EXPECT_FALSE(std::get<bool>(all[1].data.at("offline")));
  EXPECT_NE(all[1].title.find("back"), std::string::npos);
  // A short blip (under 15 minutes) says nothing, and no "back" either.
  EventNotifier blip(settings());
  EXPECT_TRUE(blip.on_device(t0, "broker", false).empty());
  EXPECT_TRUE(blip.tick(t0 + 14min).empty());
  EXPECT_TRUE(blip.on_device(t0 + 14min, "broker", true).empty());
  EXPECT_EQ(blip.next_check(t0 + 14min), std::nullopt);
}

TEST(Notify, FlappingDeviceAtMostOnceAnHour) {
  EventNotifier n(settings());
  const Instant t0 = at("2026-01-13T12:00:00Z");
  int offline = 0;
  int back = 0;
  // Down 20 minutes, up 10 minutes, for six hours.
  for (int m = 0; m < 360; ++m) {
    const Instant t = t0 + std::chrono::minutes{m};
    for (auto& e : n.on_device(t, "charger", m % 30 >= 20)) {
      (std::get<bool>(e.data.at("offline")) ? offline : back)++;
    }
  }
  // Twelve outages long enough to count, notified at most once an hour: 12:15, 13:15, ...
  EXPECT_EQ(offline, 6);
  EXPECT_EQ(back, offline);  // every announced outage gets its "back", no others
  // The limit: between two offline notices at least an hour.
  EventNotifier m(settings());
  std::vector<Instant> notices;
  for (int i = 0; i < 360; ++i) {
    const Instant t = t0 + std::chrono::minutes{i};
    for (auto& e : m.on_device(t, "broker", i % 20 >= 16))  // down 16, up 4
      if (std::get<bool>(e.data.at("offline"))) notices.push_back(e.at);
  }
  ASSERT_GE(notices.size(), 2u);
  for (std::size_t i = 1; i < notices.size(); ++i)
    EXPECT_GE(notices[i] - notices[i - 1], 1h) << iso(notices[i]);
  EXPECT_LE(notices.size(), 6u);
}

TEST(Notify, FlappingLimitSurvivesARestart) {
  const Instant t0 = at("2026-01-13T12:00:00Z");
  EventNotifier before(settings());
  std::vector<NotifyEvent> e;
  for (int m = 0; m <= 15; ++m)
    for (auto& x : before.on_device(t0 + std::chrono::minutes{m}, "charger", false))
      e.push_back(x);
  ASSERT_EQ(e.size(), 1u);
  EventNotifier after(settings());
  after.remember(e[0].key, e[0].at);
  // Back, down again for 20 minutes after the restart: within the hour, nothing.
  std::vector<NotifyEvent> again;
  for (int m = 16; m <= 40; ++m)
    for (auto& x : after.on_device(t0 + std::chrono::minutes{m}, "charger", m < 20))
      again.push_back(x);
  EXPECT_TRUE(again.empty());
  // Still down an hour after the first notice: notified now.
  for (int m = 41; m <= 76; ++m)
    for (auto& x : after.on_device(t0 + std::chrono::minutes{m}, "charger", false))
      again.push_back(x);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].at, t0 + 75min);
}

TEST(Notify, SessionDoneWithFiguresAndTargetMissed) {
  EventNotifier n(settings());
  SessionFacts s;
  s.started_at = at("2026-01-13T18:02:00Z");
  s.ended_at = at("2026-01-14T07:41:00Z");
  s.start_soc = 35;
  s.end_soc = 80;
  s.energy_kwh = 21.1;
  s.cost_p = 158.3;
  s.saving_p = 212.0;
  s.target_soc = 80;
  auto e = n.on_session_closed(s.ended_at, s);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, EventKind::session_done);
  EXPECT_FALSE(e[0].urgent);
  EXPECT_EQ(e[0].message,
            "Charged 21.1 kWh (35% to 80%) for £1.58. Saved £2.12 against charging at once.");
  EXPECT_DOUBLE_EQ(std::get<double>(e[0].data.at("energy_kwh")), 21.1);
  EXPECT_DOUBLE_EQ(std::get<double>(e[0].data.at("cost_p")), 158.3);
  EXPECT_DOUBLE_EQ(std::get<double>(e[0].data.at("saving_p")), 212.0);
  EXPECT_TRUE(n.on_session_closed(s.ended_at + 1min, s).empty());  // the same session
  // Left below the target: target_missed as well.
  SessionFacts low = s;
  low.started_at = at("2026-01-14T18:00:00Z");
  low.ended_at = at("2026-01-15T06:40:00Z");
  low.end_soc = 62;
  auto m = n.on_session_closed(low.ended_at, low);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].kind, EventKind::target_missed);
  EXPECT_NE(m[1].message.find("62%"), std::string::npos);
}

TEST(Notify, QuietHoursHoldBackNonUrgentAndReleaseAfter) {
  auto s = settings();
  s.quiet_hours = QuietHours{TimeOfDay{22 * 60 + 30}, TimeOfDay{7 * 60}};
  EventNotifier n(s);
  SessionFacts sess;
  sess.started_at = at("2026-01-13T18:00:00Z");
  sess.ended_at = at("2026-01-13T23:10:00Z");
  sess.energy_kwh = 5;
  auto e = n.on_session_closed(sess.ended_at, sess);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at, sess.ended_at);
  EXPECT_EQ(iso(e[0].not_before), "2026-01-14T07:00:00Z");  // held until the end
  // Urgent events go through quiet hours.
  auto a = n.on_credentials_refused(at("2026-01-13T23:30:00Z"), "HTTP 401");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].not_before, a[0].at);
  // Outside quiet hours: at once. In summer (BST) the local times hold.
  EXPECT_EQ(end_of_quiet_hours(at("2026-01-13T12:00:00Z"), s.quiet_hours, london()),
            at("2026-01-13T12:00:00Z"));
  EXPECT_EQ(iso(end_of_quiet_hours(at("2026-07-13T21:45:00Z"), s.quiet_hours, london())),
            "2026-07-14T06:00:00Z");
  EXPECT_EQ(iso(end_of_quiet_hours(at("2026-07-14T05:59:00Z"), s.quiet_hours, london())),
            "2026-07-14T06:00:00Z");
  // A daytime window that does not wrap.
  std::optional<QuietHours> day = QuietHours{TimeOfDay{12 * 60}, TimeOfDay{14 * 60}};
  EXPECT_EQ(iso(end_of_quiet_hours(at("2026-01-13T13:00:00Z"), day, london())),
            "2026-01-13T14:00:00Z");
  EXPECT_EQ(end_of_quiet_hours(at("2026-01-13T14:00:00Z"), day, london()),
            at("2026-01-13T14:00:00Z"));
}

TEST(Notify, CheapEnergyWhenNotPluggedInOncePerDay) {
  EventNotifier n(settings());
  const Instant t = at("2026-01-13T12:00:00Z");
  PriceCurve prices = test::curve(t, {20.0, 15.0, 12.0, -1.5, 0.0, 18.0});
  EXPECT_TRUE(n.on_prices(t, prices, true, 0).empty());
  auto e = n.on_prices(t, prices, false, 0);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(std::get<std::string>(e[0].data.at("from")), "2026-01-13T13:30:00Z");
  EXPECT_TRUE(n.on_prices(t + 10min, prices, false, 0).empty());
  EXPECT_TRUE(n.on_prices(t, test::curve(t, {20.0, 15.0}), false, 0).empty());
}

// Money in messages speaks the configured currency with the locale's decimal mark.
TEST(Notify, MessagesSpeakTheConfiguredCurrency) {
  NotifySettings eur = settings();
  eur.money = Money("EUR", ',');
  EventNotifier n(eur);
  SessionFacts s;
  s.started_at = at("2026-01-13T18:02:00Z");
  s.ended_at = at("2026-01-14T07:41:00Z");
  s.energy_kwh = 21.1;
  s.cost_p = 158.3;
  s.saving_p = -40.0;
  auto e = n.on_session_closed(s.ended_at, s);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message, "Charged 21,1 kWh for €1,58. Saved -€0,40 against charging at once.")
      << e[0].message;
  EXPECT_EQ(e[0].title, "Charging session done: 21,1 kWh, €1,58");
  const Instant t = at("2026-01-13T12:00:00Z");
  auto c = n.on_prices(t, test::curve(t, {20.0, 7.46}), false, 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].message.find("Electricity costs 7,5 ct/kWh from "), std::string::npos)
      << c[0].message;
  // GBP keeps its wording.
  EventNotifier gbp(settings());
  auto g = gbp.on_prices(t, test::curve(t, {20.0, 7.46}), false, 10);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_NE(g[0].message.find("Electricity costs 7.5p/kWh from "), std::string::npos)
      << g[0].message;
}

TEST(Notify, RetrySchedule) {
  std::vector<long long> s;
  for (int i = 1; i <= 8; ++i)
    s.push_back(notify_retry_delay(i).count());
  EXPECT_EQ(s, (std::vector<long long>{30, 60, 120, 240, 480, 600, 600, 600}));
  EXPECT_EQ(notify_retry_delay(0).count(), 30);
  EXPECT_EQ(notify_retry_delay(100000).count(), 600);
}

TEST(Notify, EventNamesRoundTrip) {
  for (EventKind k : k_all_event_kinds)
    EXPECT_EQ(parse_event_kind(to_string(k)), k);
  EXPECT_EQ(parse_event_kind("target-at-risk"), std::nullopt);
}

}  // namespace
}  // namespace offpeak
