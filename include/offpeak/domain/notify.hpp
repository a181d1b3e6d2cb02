#pragma once
// What the owner is told, and when: the notifier turns the domain's own facts (a plan's
// shortfall, a session's figures, the request budget, a device's reachability, the plug
// state at the reminder time) into events, each notified once per condition (a dedupe key),
// a flapping condition at most once an hour, non-urgent events held back through quiet hours.
//
// Pure and clock-injected: every method takes `now`; the daemon and the backtest run the same
// code. The notifier never sends anything: it returns events, which the caller stores (the
// outbox) before any channel sees them. Dedupe state can be seeded (`remember`) from the
// events already stored, so a restart does not repeat them.

#include <offpeak/domain/money.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/time.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace offpeak {

enum class EventKind {
  target_at_risk,
  target_missed,
  not_plugged_in,
  session_done,
  account_problem,
  device_offline,  // also the notice that the device is back (data "offline": false)
  cheap_energy,
  test,  // `offpeak notify test`
};
inline constexpr EventKind k_all_event_kinds[] = {
    EventKind::target_at_risk,  EventKind::target_missed,
    EventKind::not_plugged_in,  EventKind::session_done,
    EventKind::account_problem, EventKind::device_offline,
    EventKind::cheap_energy,    EventKind::test};
// "target_at_risk", ...
std::string_view to_string(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view text);
// Whether the event goes out through quiet hours (the contract's table).
bool is_urgent(EventKind kind);

// One value of an event's `data` object.
using EventValue = std::variant<bool, double, std::string>;

struct NotifyEvent {
  EventKind kind = EventKind::test;
  Instant at{};          // when the condition was seen
  Instant not_before{};  // when it may be sent (the end of quiet hours, else `at`)
  std::string key;       // the dedupe key: the same key is one notification
  std::string title;     // short, plain words
  std::string message;   // plain words, local times
  bool urgent = false;
  std::string vehicle;                     // the vehicle's name
  std::map<std::string, EventValue> data;  // figures behind the message
};

// How long a channel waits after its `failures`-th failed attempt in a row (>= 1) before the
// next: 30 s, 1 min, 2 min, 4 min, 8 min, then every 10 min (an event is dropped when it is a
// day old).
Seconds notify_retry_delay(int failures);
// An event this old is no longer sent (its delivery expires).
inline constexpr Seconds k_notify_max_age{24 * 3600};

struct QuietHours {
  TimeOfDay from;  // local; may wrap midnight (22:30 .. 07:00)
  TimeOfDay to;
};

struct NotifySettings {
  std::string vehicle;  // the vehicle's name, in every event
  Zone zone = Zone::utc();
  std::optional<QuietHours> quiet_hours;
  std::optional<TimeOfDay> plug_reminder;  // local time of the evening reminder
  // A device unreachable or stale this long is offline. Default: 15 min.
  Seconds offline_after{15 * 60};
  // A condition that comes back is notified again at most once in this period. Default: 1 h.
  Seconds flapping_limit{3600};
  // The currency and decimal mark of the money in messages ("€1,58", "7,5 ct/kWh").
  Money money;
};

// The end of quiet hours at or after `t`, or `t` itself when `t` is outside them.
Instant end_of_quiet_hours(Instant t, const std::optional<QuietHours>& quiet, const Zone& zone);

// The evening reminder's facts, read at or after the reminder time.
struct PlugFacts {
  std::optional<bool> plugged_in;  // nullopt: unknown (no reminder)
  std::optional<double> soc;       // last known SoC, percent
  Deadline next;                   // the next ready-by and its target
  double energy_needed_kwh = 0.0;  // grid-side, from soc to the target
  double max_charge_kw = 0.0;      // how fast the car charges (for "about 3h of charging")
};

// A closed session's figures.
struct SessionFacts {
  Instant started_at{};
  Instant ended_at{};
  std::optional<double> start_soc;
  std::optional<double> end_soc;
  double energy_kwh = 0.0;
  double cost_p = 0.0;
  std::optional<double> saving_p;     // against charging at once from plug-in
  std::optional<double> solar_share;  // 0..1, where known
  std::optional<double> target_soc;   // the target when it left
};

class EventNotifier {
 public:
  explicit EventNotifier(NotifySettings settings = {});
  void set_settings(NotifySettings settings);
  const NotifySettings& settings() const { return settings_; }

  // A key already notified at `at` (stored events after a restart): not notified again, and
  // its condition's flapping limit counts from `at`.
  void remember(const std::string& key, Instant at);

  // A plan was adopted. While plugged in and infeasible: one `target_at_risk` per ready-by
  // (re-plans of the same deadline say nothing new).
  std::vector<NotifyEvent> on_plan(Instant now, const Plan& plan, bool plugged_in,
                                   double max_charge_kw);
  // A session closed (unplug): `session_done` with its figures, and `target_missed` when it
  // left below its target.
  std::vector<NotifyEvent> on_session_closed(Instant now, const SessionFacts& session);
  // The car's account refused the credentials: one `account_problem` per local day.
  std::vector<NotifyEvent> on_credentials_refused(Instant now, std::string_view detail);
  // The day's request budget is spent: one `account_problem` per local day.
  std::vector<NotifyEvent> on_budget_spent(Instant now, int used, int allowed);
  // A device's reachability ("charger", "broker", "car", "prices", ...). Unreachable
  // `offline_after` in a row: one `device_offline`; reachable again after that: one notice
  // that it is back. Call on every observation of the device and from tick().
  std::vector<NotifyEvent> on_device(Instant now, const std::string& device, bool reachable,
                                     std::string_view detail = {});
  // The plug reminder, checked whenever facts change and at the reminder time: one
  // `not_plugged_in` per evening when the car is not plugged in by then and the next ready-by
  // (within a day) needs charging.
  std::vector<NotifyEvent> on_plug_check(Instant now, const PlugFacts& facts);
  // Prices at or below `threshold_p_per_kwh` (0 without charge_below) in the next 24 h while
  // the car is not plugged in: one `cheap_energy` per local day.
  std::vector<NotifyEvent> on_prices(Instant now, const PriceCurve& prices,
                                     std::optional<bool> plugged_in, double threshold_p_per_kwh);
  // When the reminder for a ready-by is due: the last `plug_reminder` local time before it;
  // nullopt without a reminder time.
  std::optional<Instant> reminder_at(Instant ready_by) const;
  // Devices that have been unreachable long enough by now.
  std::vector<NotifyEvent> tick(Instant now);
  // The next instant tick() or on_plug_check() may produce something without new facts.
  std::optional<Instant> next_check(Instant now) const;

  // A test event (never deduplicated).
  NotifyEvent test_event(Instant now) const;

 private:
  // Builds the event; nullopt when the key was notified already or the condition flaps.
  std::optional<NotifyEvent> make(Instant now, EventKind kind, std::string key,
                                  std::string condition, std::string title, std::string message,
                                  std::map<std::string, EventValue> data);
  std::string local_day(Instant t) const;

  struct Device {
    std::optional<Instant> failing_since;
    bool announced_offline = false;
    std::string detail;
  };
  NotifySettings settings_;
  std::map<std::string, Instant> sent_keys_;       // key -> when
  std::map<std::string, Instant> last_condition_;  // condition -> last notified
  std::map<std::string, Device> devices_;
};

}  // namespace offpeak
