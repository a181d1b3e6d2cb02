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
  for (const auto& session : store.sessions(device_id, range)) {
    ++out.sessions;
    out.plug_ins.push_back(session.started_at);
  }
  return out;
}

}  // namespace offpeak::store
