#include <offpeak/domain/pv_refresh.hpp>

#include <algorithm>

namespace offpeak {

PvRefreshPolicy forecast_solar_policy() {
  return {{12, Seconds{3600}, 0}, Seconds{3600}};
}
PvRefreshPolicy open_meteo_policy() {
  return {{10000, Seconds{86400}, 100}, Seconds{3600}};
}
PvRefreshPolicy solcast_policy() {
  return {{10, Seconds{86400}, 2}, Seconds{3600}};
}

Seconds pv_refresh_interval(const PvRefreshPolicy& p, int calls_per_refresh) {
  const int usable = std::max(1, p.quota.calls - p.quota.reserve);
  const long long spread = p.quota.window.count() * std::max(1, calls_per_refresh) / usable;
  return std::max(p.min_interval, Seconds{spread});
}

Instant pv_next_refresh(Instant now, const PvRefreshState& s, const PvRefreshPolicy& p,
                        int calls_per_refresh) {
  const Seconds interval = pv_refresh_interval(p, calls_per_refresh);
  Instant want = now;
  if (s.consecutive_failures > 0 && s.last_attempt) {
    Seconds wait = p.first_retry;
    for (int i = 1; i < s.consecutive_failures && wait < interval; ++i)
      wait *= 2;
    want = *s.last_attempt + std::min(wait, interval);
  } else if (s.last_success) {
    want = *s.last_success + interval;
  }
  want = std::max(want, now);
  // The quota: within (t - window, t] at most quota.calls calls, this refresh's included.
  std::vector<Instant> calls = s.calls;
  std::sort(calls.begin(), calls.end());
  const int n = std::max(1, calls_per_refresh);
  if (n > p.quota.calls) {
    return calls.empty() ? want : std::max(want, calls.back() + p.quota.window);
  }
  // Calls still inside the window at `want`; the oldest ones that must leave first.
  auto first_inside = std::upper_bound(calls.begin(), calls.end(), want - p.quota.window);
  const long long inside = calls.end() - first_inside;
  const long long excess = inside + n - p.quota.calls;
  if (excess > 0) want = std::max(want, *(first_inside + (excess - 1)) + p.quota.window);
  return want;
}

void pv_record_refresh(PvRefreshState& s, Instant at, int calls, bool ok, Seconds window) {
  for (int i = 0; i < calls; ++i)
    s.calls.push_back(at);
  std::erase_if(s.calls, [&](Instant t) { return t <= at - window; });
  s.last_attempt = at;
  if (ok) {
    s.last_success = at;
    s.consecutive_failures = 0;
  } else {
    ++s.consecutive_failures;
  }
}

}  // namespace offpeak
