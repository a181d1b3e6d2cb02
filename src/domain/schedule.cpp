#include <offpeak/domain/schedule.hpp>

#include <chrono>

namespace offpeak {

std::optional<Strategy> parse_strategy(std::string_view text) {
  if (text == "cheapest") return Strategy::cheapest;
  if (text == "continuous") return Strategy::continuous;
  return std::nullopt;
}

std::string_view to_string(Strategy s) {
  return s == Strategy::cheapest ? "cheapest" : "continuous";
}

Deadline next_deadline(Instant now, const ChargingPolicy& policy, const Zone& zone) {
  using namespace std::chrono;
  LocalDate today = zone.local_date(now);
  // Yesterday is included: its ready-by can still lie ahead of `now` only in exotic zones,
  // but starting there keeps the search correct whatever the offset.
  for (int i = -1; i <= 8; ++i) {
    LocalDate d{sys_days{today} + days{i}};
    const DayOverride& o = policy.days[static_cast<std::size_t>(weekday_of(d))];
    TimeOfDay t = o.ready_by.value_or(policy.ready_by);
    Instant at = zone.at(d, t.minutes);
    if (at > now) {
      if (o.target_soc) return Deadline{at, *o.target_soc, std::nullopt};
      return Deadline{at, policy.target_soc, o.target_kwh ? o.target_kwh : policy.target_kwh};
    }
  }
  // Unreachable for any real zone; keep a sane answer.
  return Deadline{now + hours{24}, policy.target_soc, policy.target_kwh};
}

}  // namespace offpeak
