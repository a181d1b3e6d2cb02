#pragma once
// When to ask the car's cloud for its state, within a daily request budget. Pure and
// clock-injected: the daemon and the backtest ask the same policy.
//
// Car clouds lock an account that asks too often (BMW: about 50 requests a UTC day, the
// owner's own app included), so a poll is spent where a decision depends on it:
//  - the first observation after start-up;
//  - confirming a command (just after the car cloud's learned lag, when it is longer than
//    `confirm_delay`: an earlier reading would still show the car before the command; until
//    the controller's confirm deadline);
//  - shortly before a planned start (a fresh SoC before switching on) and before the end of
//    the plan's last run (the target; a run with another after it is followed by the poll
//    before that one's start); a stop that a planned start follows within the
//    confirmation window is confirmed by the poll before that start; the stop that ends the
//    plan's last run is confirmed a cloud lag after it, by a reading that shows the car after
//    the stop (a shortfall it shows is topped up before the ready-by);
//  - around the usual plug-in time of the weekday (learned from the recorded sessions);
//  - otherwise rarely: every `idle` interval while plugged in, every half of it while away
//    (every `idle` once the usual plug-in times are known: they are watched anyway).
// Polls that only refresh (`routine`) are spread over what is left of the day after a
// reserve for the decisions above; no poll at all is made once the budget is spent, until
// the next UTC day.

#include <offpeak/domain/time.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak {

class Controller;
struct VehicleState;

struct PollPolicySettings {
  Seconds charging{5 * 60};  // the most often it polls while charging
  Seconds plugged{15 * 60};  // ... while plugged in
  Seconds away{60 * 60};     // ... while away
  int max_per_day = 40;      // requests per UTC day, never exceeded
  Seconds idle{3 * 3600};    // routine polls while plugged in and nothing depends on it
  Seconds confirm_delay{5 * 60};
  Seconds before_start{10 * 60};
};

// What the policy looks at. Every instant is UTC.
struct PollSituation {
  Instant now;
  std::optional<Instant> last_observed;  // the last successful observation
  std::optional<bool> plugged_in;        // as last observed
  bool charging = false;                 // the switch is believed on and the car plugged in
  std::optional<Instant> confirm_by;     // a command awaits confirmation until then
  std::optional<Instant> command_at;     // when that command was accepted
  std::optional<Seconds> cloud_lag;      // the car cloud's learned lag (CloudLag::lag)
  std::optional<Instant> next_start;     // the next planned start
  std::optional<Instant> run_end;        // the end of the run in progress
  bool last_run = true;                  // ... the plan's last (the one that reaches the target)
  // A reading after the plan's last run would decide a top-up from then on
  // (Controller::shortfall_check_at).
  std::optional<Instant> shortfall_check;
  // Usual plug-in time per local weekday (Weekday index, minutes after local midnight).
  std::array<std::optional<int>, 7> usual_plug_in{};
  int used_today = 0;  // requests already sent this UTC day
};

struct PollDecision {
  Instant at;
  std::string why;       // plain words for the debug log
  bool routine = false;  // only a refresh; nothing waits for it
};

// The instant of the next poll (>= now). `cost` is what one poll may need (2: a token and a
// device call). `zone` places the usual plug-in times.
PollDecision next_poll(const PollSituation& s, const PollPolicySettings& p, const Zone& zone,
                       int cost = 2);

// The usual plug-in time per local weekday from recorded plug-in instants: the median of the
// weekday's plug-ins where it has at least 2, else the median of all where there are at least
// 3, else unknown.
std::array<std::optional<int>, 7> usual_plug_in_times(const std::vector<Instant>& plug_ins,
                                                      const Zone& zone);

// The start of the next UTC day after `t`.
Instant next_utc_day(Instant t);

// What the policy looks at, read off the controller (switch, confirmation, plan) and the last
// reading. The caller adds usual_plug_in and used_today.
PollSituation poll_situation(const Controller& controller,
                             const std::optional<VehicleState>& last_reading, Instant now);

// The requests of the current UTC day against vehicle.poll.max_per_day. The count survives
// restarts through persisted() / restore() ("2026-03-28 17": the day and its requests).
class RequestBudget {
 public:
  struct DayTotal {
    Instant day;  // 00:00 UTC of the day that ended
    std::int64_t polls = 0;
    int requests = 0;
  };

  // Starts counting a new day when `now` lies in a later UTC day than the one counted.
  // Returns the day that ended, when it had polls (for the daily log line).
  std::optional<DayTotal> roll(Instant now);
  // One poll at `now` that sent `requests` requests (token and device calls, retries).
  void record(Instant now, int requests);
  // Requests / polls in the UTC day of `now` (0 when the counted day is another).
  int used(Instant now) const;
  std::int64_t polls(Instant now) const;
  // Requests still allowed in the UTC day of `now` under `max_per_day` (never negative).
  int allowance(Instant now, int max_per_day) const;
  std::int64_t polls_total() const { return polls_total_; }

  std::string persisted() const;
  // Adopts a persisted count when it is of `now`'s UTC day; otherwise (another day, or
  // unreadable) changes nothing and returns false.
  bool restore(std::string_view text, Instant now);

 private:
  Instant day_{};
  std::int64_t polls_ = 0;
  int requests_ = 0;
  std::int64_t polls_total_ = 0;
};

// How long to wait after `failures` (>= 1) consecutive failed polls: 30 s doubling, never
// beyond `cap` (the "away" interval), times `jitter` (the caller's draw from 0.8..1.2, so
// many daemons do not retry in step); a server's Retry-After wins when longer.
Seconds poll_backoff(int failures, Seconds cap, double jitter,
                     std::optional<Seconds> retry_after = std::nullopt);

}  // namespace offpeak
