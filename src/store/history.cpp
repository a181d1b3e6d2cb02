#include <offpeak/store/history.hpp>

#include <algorithm>

namespace offpeak::store {

ChargeHistory load_charge_history(const Store& store, std::string_view device_id, Instant now,
                                  int days) {
  ChargeHistory out;
  const TimeRange range{now - std::chrono::days{days}, now + std::chrono::days{1}, 20000};
  for (const auto& row : store.samples(device_id, range)) {
    ++out.samples;
    if (!row.soc_percent) continue;
    out.observations.push_back({row.ts, *row.soc_percent,
                                row.charging_state == ChargingState::charging,
                                row.plugged_in != false});
  }
  std::sort(out.observations.begin(), out.observations.end(),
            [](const auto& a, const auto& b) { return a.at < b.at; });
  // How long the charger was on between two readings, from the commands the switch took:
  // known from the first one on.
  auto commands = store.commands(device_id, range);
  std::sort(commands.begin(), commands.end(),
            [](const auto& x, const auto& y) { return x.ts < y.ts; });
  std::vector<std::pair<Instant, bool>> switched;  // accepted commands: on or off from then
  for (const auto& c : commands)
    if (c.result == "ok") switched.emplace_back(c.ts, c.action == CommandAction::start);
  if (!switched.empty()) {
    auto on_between = [&](Instant from, Instant to) {
      Seconds on{0};
      for (std::size_t k = 0; k < switched.size(); ++k) {
        if (!switched[k].second) continue;
        const Instant end = k + 1 < switched.size() ? switched[k + 1].first : to;
        const Instant a = std::max(from, switched[k].first), b = std::min(to, end);
        if (a < b) on += std::chrono::duration_cast<Seconds>(b - a);
      }
      return on;
    };
    for (std::size_t i = 1; i < out.observations.size(); ++i) {
      const Instant from = out.observations[i - 1].at, to = out.observations[i].at;
      if (from >= switched.front().first) out.observations[i].charged = on_between(from, to);
    }
  }
  for (const auto& session : store.sessions(device_id, range)) {
    ++out.sessions;
    out.plug_ins.push_back(session.started_at);
  }
  return out;
}

}  // namespace offpeak::store
