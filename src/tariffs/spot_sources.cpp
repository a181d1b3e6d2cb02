// The registry of day-ahead price sources and what they share. Adding a source: one file
// defining its SpotSource, and one line in `k_sources` below.
#include <offpeak/tariffs/spot.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace offpeak::tariffs {

using namespace std::chrono;

namespace {

constexpr std::array<const SpotSource*, 4> k_sources = {
    &k_tibber_source,
    &k_entsoe_source,
    &k_nordpool_source,
    &k_awattar_source,
};

}  // namespace

std::span<const SpotSource* const> spot_sources() {
  return k_sources;
}

const SpotSource* find_spot_source(std::string_view type) {
  for (const SpotSource* s : k_sources)
    if (s->type == type) return s;
  return nullptr;
}

std::vector<PriceSlot> normalise_slots(std::vector<PriceSlot> slots) {
  // Stable by start: equal starts keep their order, so the earlier entry wins below.
  std::vector<std::size_t> order(slots.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return slots[a].start < slots[b].start; });
  std::vector<PriceSlot> out;
  out.reserve(slots.size());
  for (std::size_t i : order) {
    PriceSlot s = slots[i];
    if (!(s.start < s.end)) continue;
    if (!out.empty() && s.start < out.back().end) {
      // Overlap: the slot already taken wins where both speak; keep what sticks out.
      if (s.end <= out.back().end) continue;
      s.start = out.back().end;
    }
    out.push_back(s);
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<Instant> parse_spot_time(std::string_view s) {
  if (s.size() == 17 && (s[16] == 'Z' || s[16] == 'z') && s[13] == ':' && s[10] == 'T') {
    std::string full(s.substr(0, 16));
    full += ":00Z";
    return parse_rfc3339(full);
  }
  return parse_rfc3339(s);
}

Instant spot_next_refresh(Instant now, const SpotRefreshState& state, const PriceCurve& known,
                          const Zone& zone, TimeOfDay publication) {
  if (!state.last_attempt) return now;
  const Instant floor_at = *state.last_attempt;
  auto not_before = [&](Instant t) { return std::max(t, floor_at); };
  if (state.consecutive_failures > 0 || !state.last_success) {
    int n = std::clamp(state.consecutive_failures, 1, 16);
    Seconds backoff = minutes{2};
    for (int i = 1; i < n && backoff < hours{1}; ++i)
      backoff *= 2;
    backoff = std::min<Seconds>(backoff, hours{1});
    return not_before(*state.last_attempt + backoff);
  }
  const LocalDate today = zone.local_date(now);
  const LocalDate tomorrow{sys_days{today} + days{1}};
  const LocalDate after_tomorrow{sys_days{today} + days{2}};
  const Instant pub_today = zone.at(today, publication.minutes);
  const Instant pub_tomorrow = zone.at(tomorrow, publication.minutes);
  const Instant end_today = zone.start_of_day(tomorrow);
  const Instant end_tomorrow = zone.start_of_day(after_tomorrow);
  const Instant known_until = known.known_until(now);
  const Instant last = *state.last_success;
  if (known_until >= end_tomorrow) return not_before(pub_tomorrow);
  if (now >= pub_today) {
    // Late publication: every 15 min for three hours, then hourly (fair-use limits).
    Seconds every = now < pub_today + hours{3} ? Seconds{minutes{15}} : Seconds{hours{1}};
    return not_before(std::max(last + every, pub_today));
  }
  if (known_until >= end_today) return not_before(pub_today);
  return not_before(last + hours{1});
}

}  // namespace offpeak::tariffs
