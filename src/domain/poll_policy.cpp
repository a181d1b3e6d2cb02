#include <offpeak/domain/poll_policy.hpp>

#include <offpeak/domain/controller.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace offpeak {
namespace {

using namespace std::chrono;

constexpr Seconds k_window_before{20 * 60};  // watch for the car from this long before ...
constexpr Seconds k_window_after{90 * 60};   // ... until this long after the usual plug-in
constexpr Seconds k_window_every{15 * 60};
constexpr Seconds k_before_end{10 * 60};
constexpr Seconds k_charging_every{60 * 60};

// Keeps the earliest candidate of each kind: decisions and routine refreshes.
struct Earliest {
  std::optional<PollDecision> decision;
  std::optional<PollDecision> routine;
  void offer(Instant at, std::string why, bool is_routine) {
    auto& best = is_routine ? routine : decision;
    if (!best || at < best->at) best = PollDecision{at, std::move(why), is_routine};
  }
};

}  // namespace

std::array<std::optional<int>, 7> usual_plug_in_times(const std::vector<Instant>& plug_ins,
                                                      const Zone& zone) {
  std::array<std::vector<int>, 7> by_day;
  std::vector<int> all;
  for (Instant t : plug_ins) {
    LocalTime lt = zone.to_local(t);
    int m = lt.seconds_of_day / 60;
    by_day[static_cast<std::size_t>(weekday_of(lt.date))].push_back(m);
    all.push_back(m);
  }
  auto median = [](std::vector<int> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::array<std::optional<int>, 7> out{};
  for (std::size_t d = 0; d < 7; ++d) {
    if (by_day[d].size() >= 2)
      out[d] = median(by_day[d]);
    else if (all.size() >= 3)
      out[d] = median(all);
  }
  return out;
}

Instant next_utc_day(Instant t) {
  return floor<days>(t) + days{1};
}

PollSituation poll_situation(const Controller& controller,
                             const std::optional<VehicleState>& last_reading, Instant now) {
  PollSituation sit;
  sit.now = now;
  if (last_reading) {
    sit.last_observed = last_reading->observed_at;
    sit.plugged_in = last_reading->plugged_in;
  }
  sit.charging = controller.switch_on() == true && sit.plugged_in != false;
  sit.confirm_by = controller.confirm_by();
  sit.shortfall_check = controller.shortfall_check_at(now);
  sit.command_at = controller.last_command_at();
  if (auto next = controller.next_action(now)) {
    if (next->first == Action::start) {
      sit.next_start = next->second;
    } else {
      sit.run_end = next->second;
      if (const auto& plan = controller.plan())
        sit.last_run = std::none_of(plan->runs.begin(), plan->runs.end(),
                                    [&](const ChargeRun& r) { return r.start > now; });
    }
  }
  return sit;
}

std::optional<RequestBudget::DayTotal> RequestBudget::roll(Instant now) {
  const Instant day = floor<days>(now);
  if (day <= day_) return std::nullopt;
  std::optional<DayTotal> ended;
  if (day_ != Instant{} && polls_ > 0) ended = DayTotal{day_, polls_, requests_};
  day_ = day;
  polls_ = 0;
  requests_ = 0;
  return ended;
}

void RequestBudget::record(Instant now, int requests) {
  roll(now);
  ++polls_;
  ++polls_total_;
  requests_ += std::max(requests, 0);
}

int RequestBudget::used(Instant now) const {
  return floor<days>(now) == day_ ? requests_ : 0;
}

std::int64_t RequestBudget::polls(Instant now) const {
  return floor<days>(now) == day_ ? polls_ : 0;
}

int RequestBudget::allowance(Instant now, int max_per_day) const {
  return std::max(max_per_day - used(now), 0);
}

std::string RequestBudget::persisted() const {
  return format_rfc3339(day_).substr(0, 10) + " " + std::to_string(requests_);
}

bool RequestBudget::restore(std::string_view text, Instant now) {
  const Instant today = floor<days>(now);
  if (text.size() < 12 || text[10] != ' ') return false;
  if (text.substr(0, 10) != format_rfc3339(today).substr(0, 10)) return false;
  int n = 0;
  const char* first = text.data() + 11;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || ptr != last || n < 0) return false;
  if (today != day_) polls_ = 0;
  day_ = today;
  requests_ = n;
  return true;
}

Seconds poll_backoff(int failures, Seconds cap, double jitter, std::optional<Seconds> retry_after) {
  const double base = 30.0 * std::pow(2.0, std::clamp(failures - 1, 0, 10));
  Seconds backoff{static_cast<long long>(std::min(base, static_cast<double>(cap.count())) *
                                         std::clamp(jitter, 0.5, 2.0))};
  if (retry_after && *retry_after > backoff) backoff = *retry_after;
  return backoff;
}

PollDecision next_poll(const PollSituation& s, const PollPolicySettings& p, const Zone& zone,
                       int cost) {
  const Instant now = s.now;
  const int remaining = p.max_per_day - s.used_today;
  const Instant tomorrow = next_utc_day(now);
  if (remaining < cost) {
    return {tomorrow, "the day's budget of " + std::to_string(p.max_per_day) + " requests is spent",
            false};
  }
  if (!s.last_observed) return {now, "first observation", false};
  const Instant last = *s.last_observed;
  Earliest e;

  // Decisions that wait for a reading.
  if (s.confirm_by && s.command_at) {
    // A reading since the command that did not confirm it is most likely the cloud lagging
    // behind the car: the next try waits twice as long.
    const Seconds gap = last > *s.command_at ? 2 * p.confirm_delay : p.confirm_delay;
    const Seconds first = std::max(p.confirm_delay, s.cloud_lag.value_or(Seconds{0}));
    Instant at = std::max(*s.command_at + first, last + gap);
    // The stop after the last run: one poll, late enough to show the car after it, confirms the
    // stop and the SoC the top-up decision needs.
    if (!s.charging && s.shortfall_check)
      at = std::max(at, std::min(*s.shortfall_check, *s.confirm_by));
    // A stop that a planned start soon follows: the poll before that start confirms it too.
    const bool start_confirms = !s.charging && s.next_start &&
                                *s.next_start - p.before_start <= *s.confirm_by &&
                                *s.next_start - p.before_start >= at;
    if (start_confirms) {
      e.offer(*s.next_start - p.before_start,
              "confirm the stop with a fresh SoC before the planned start", false);
    } else {
      e.offer(std::min(at, *s.confirm_by), "confirm the command", false);
    }
  }
  if (s.shortfall_check && last < *s.shortfall_check)
    e.offer(*s.shortfall_check, "the SoC after the last run (a top-up still fits)", false);
  if (s.next_start && *s.next_start > now && last < *s.next_start - 3 * p.before_start) {
    e.offer(*s.next_start - p.before_start, "fresh SoC before the planned start", false);
  }
  if (s.charging) {
    if (s.run_end && s.last_run && last < *s.run_end - k_before_end)
      e.offer(*s.run_end - k_before_end, "near the end of the run", false);
    e.offer(last + std::max(p.charging, k_charging_every), "charging", true);
  } else if (s.plugged_in == true) {
    e.offer(last + std::max(p.plugged, p.idle), "plugged in, nothing planned soon", true);
  } else {
    // Away: watch for the usual plug-in of today (and of tomorrow, across midnight).
    LocalDate today = zone.local_date(now);
    for (int d = -1; d <= 1; ++d) {
      LocalDate day{sys_days(today) + days{d}};
      auto usual = s.usual_plug_in[static_cast<std::size_t>(weekday_of(day))];
      if (!usual) continue;
      Instant centre = zone.at(day, *usual);
      Instant from = centre - k_window_before, to = centre + k_window_after;
      if (now >= to) continue;
      Instant at = std::max(from, last + std::max(p.away / 4, k_window_every));
      if (at < to) e.offer(at, "around the usual plug-in time " + zone.format_hhmm(centre), true);
    }
    const bool watched = std::any_of(s.usual_plug_in.begin(), s.usual_plug_in.end(),
                                     [](const auto& m) { return m.has_value(); });
    e.offer(last + std::max(p.away, watched ? p.idle : p.idle / 2), "away", true);
  }

  // Spread routine polls over the rest of the day, keeping a reserve for decisions.
  const int reserve = std::max(2 * cost, p.max_per_day / 4);
  std::optional<PollDecision> routine = e.routine;
  if (routine) {
    if (remaining - cost < reserve) {
      routine = PollDecision{tomorrow, "saving the rest of the budget for decisions", true};
    } else {
      const auto left = tomorrow - now;
      const int polls = std::max(1, (remaining - reserve) / cost);
      routine->at = std::max(routine->at, last + duration_cast<Seconds>(left / polls));
    }
  }
  PollDecision d =
      e.decision && (!routine || e.decision->at <= routine->at) ? *e.decision : *routine;
  d.at = std::max(d.at, now);
  return d;
}

}  // namespace offpeak
