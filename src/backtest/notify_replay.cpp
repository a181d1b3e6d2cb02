#include <offpeak/backtest/notify_replay.hpp>

#include <offpeak/domain/planner.hpp>

#include <algorithm>

namespace offpeak::backtest {

NotifyReplay replay_notifications(const Setup& setup, const FieldOptions& options,
                                  const FieldSummary& field, const PriceCurve& prices,
                                  NotifySettings settings) {
  NotifyReplay out;
  EventNotifier notifier(settings);
  auto take = [&out](std::vector<NotifyEvent> v) {
    for (auto& e : v)
      out.events.push_back(std::move(e));
  };
  const auto& stays = field.per_stay;
  // Walk the span hour by hour (and at each stay's arrival and departure).
  std::vector<std::pair<Instant, int>> marks;  // (instant, stay index * 2 + 0 arrive / 1 depart)
  for (std::size_t i = 0; i < stays.size(); ++i) {
    marks.emplace_back(stays[i].stay.arrive, static_cast<int>(i * 2));
    marks.emplace_back(stays[i].stay.depart, static_cast<int>(i * 2 + 1));
  }
  for (Instant t = options.from; t < options.to; t += std::chrono::minutes{15})
    marks.emplace_back(t, -1);
  std::sort(marks.begin(), marks.end());
  std::optional<double> soc;  // the last known SoC
  bool plugged = false;
  for (const auto& [t, what] : marks) {
    if (what >= 0) {
      const FieldStay& s = stays[static_cast<std::size_t>(what / 2)];
      if (what % 2 == 0) {
        plugged = true;
        soc = s.stay.arrive_soc;
        const Deadline d = next_deadline(t, setup.policy, setup.zone);
        PlanRequest req;
        req.now = t;
        req.soc = s.stay.arrive_soc;
        req.target_soc = d.target_soc;
        req.ready_by = d.ready_by;
        req.vehicle = setup.vehicle;
        req.strategy = setup.policy.strategy;
        take(notifier.on_plan(t, make_plan(req, prices, setup.zone), true,
                              setup.vehicle.max_charge_kw));
      } else {
        plugged = false;
        soc = s.soc_at_departure;
        SessionFacts f;
        f.started_at = s.stay.arrive;
        f.ended_at = t;
        f.start_soc = s.stay.arrive_soc;
        f.end_soc = s.soc_at_departure;
        f.energy_kwh = s.energy_kwh;
        f.cost_p = s.cost_p;
        f.target_soc = s.target_soc;
        take(notifier.on_session_closed(t, f));
      }
      continue;
    }
    // Away: the car's SoC is what it will come home with (the cloud reports it while driving).
    std::optional<double> known = soc;
    if (!plugged) {
      for (const auto& s : stays) {
        if (s.stay.arrive > t) {
          if (s.stay.arrive - t < std::chrono::hours{12}) known = s.stay.arrive_soc;
          break;
        }
      }
    }
    PlugFacts f;
    f.plugged_in = plugged;
    f.soc = known;
    f.next = next_deadline(t, setup.policy, setup.zone);
    if (known && setup.vehicle.efficiency > 0) {
      f.energy_needed_kwh = std::max(0.0, (f.next.target_soc - *known) / 100.0 *
                                              setup.vehicle.battery_kwh / setup.vehicle.efficiency);
    }
    f.max_charge_kw = setup.vehicle.max_charge_kw;
    take(notifier.on_plug_check(t, f));
    take(notifier.on_prices(t, prices.slice(t, t + std::chrono::hours{24}), plugged,
                            setup.policy.charge_below_p_per_kwh.value_or(0.0)));
    take(notifier.tick(t));
  }
  double hold_s = 0;
  for (const auto& e : out.events) {
    ++out.by_event[std::string(to_string(e.kind))];
    if (e.not_before > e.at) {
      ++out.held;
      hold_s += static_cast<double>((e.not_before - e.at).count());
    }
  }
  if (out.held > 0) out.mean_hold_h = hold_s / out.held / 3600.0;
  out.days = static_cast<int>((options.to - options.from) / std::chrono::days{1});
  return out;
}

}  // namespace offpeak::backtest
