#include <offpeak/backtest/backtest.hpp>

#include <offpeak/domain/planner.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

constexpr double k_target_tolerance_pct = 0.05;
constexpr double k_eps_kwh = 1e-9;

double hours_of(Seconds s) {
  return static_cast<double>(s.count()) / 3600.0;
}

struct Drawn {
  double kwh = 0.0;
  double cost_p = 0.0;
};

// Draws `kw` from `from` for as long as [from, to) allows, at most `max_kwh`, earliest first.
// Time without a price draws energy at no cost (callers check coverage).
Drawn draw(const PriceCurve& prices, Instant from, Instant to, double kw, double max_kwh) {
  Drawn d;
  if (!(from < to) || max_kwh <= k_eps_kwh) return d;
  double remaining = max_kwh;
  Instant cur = from;
  auto take = [&](Instant a, Instant b, std::optional<double> price) {
    if (!(a < b) || remaining <= k_eps_kwh) return;
    double e = std::min(kw * hours_of(b - a), remaining);
    remaining -= e;
    d.kwh += e;
    if (price) d.cost_p += e * *price;
  };
  const PriceCurve part = prices.slice(from, to);
  for (const auto& s : part.slots()) {
    take(cur, s.start, std::nullopt);
    take(s.start, s.end, s.price_p_per_kwh);
    cur = s.end;
  }
  take(cur, to, std::nullopt);
  return d;
}

// The cheapest cost of drawing `kwh` at up to `kw` within the known prices of `prices`
// (fractional slots allowed: an exact lower bound). Ties: the earlier slot first.
Drawn cheapest(const PriceCurve& prices, double kw, double kwh) {
  std::vector<PriceSlot> slots = prices.slots();
  std::stable_sort(slots.begin(), slots.end(), [](const PriceSlot& a, const PriceSlot& b) {
    return a.price_p_per_kwh < b.price_p_per_kwh;
  });
  Drawn d;
  double remaining = kwh;
  for (const auto& s : slots) {
    if (remaining <= k_eps_kwh) break;
    double e = std::min(kw * hours_of(s.end - s.start), remaining);
    remaining -= e;
    d.kwh += e;
    d.cost_p += e * s.price_p_per_kwh;
  }
  return d;
}

ChargingPolicy night_policy(const Setup& setup, const Options& options) {
  ChargingPolicy p = setup.policy;
  p.ready_by = options.depart;
  for (auto& d : p.days)
    d.ready_by.reset();
  if (options.target_soc) {
    p.target_soc = *options.target_soc;
    for (auto& d : p.days)
      d.target_soc.reset();
  }
  return p;
}

}  // namespace

PublicationRule PublicationRule::day_ahead_europe() {
  auto berlin = Zone::locate("Europe/Berlin");
  if (!berlin) throw std::runtime_error("the time zone database has no Europe/Berlin");
  PublicationRule r;
  r.zone = *berlin;
  r.publish_at = TimeOfDay{13 * 60};
  r.covers_until = TimeOfDay{24 * 60};
  return r;
}

PublicationRule PublicationRule::agile() {
  auto london = Zone::locate("Europe/London");
  if (!london) throw std::runtime_error("the time zone database has no Europe/London");
  PublicationRule r;
  r.zone = *london;
  return r;
}

Instant visible_until(Instant now, const PublicationRule& rule) {
  if (rule.all_known) return Instant::max();
  LocalTime local = rule.zone.to_local(now);
  LocalDate day = local.date;
  Instant published_today = rule.zone.at(day, rule.publish_at.minutes);
  LocalDate covered = now >= published_today ? LocalDate{sys_days{day} + days{1}} : day;
  return rule.zone.at(covered, rule.covers_until.minutes);
}

std::optional<Instant> next_publication(Instant now, const PublicationRule& rule) {
  if (rule.all_known) return std::nullopt;
  LocalDate day = rule.zone.local_date(now);
  Instant today = rule.zone.at(day, rule.publish_at.minutes);
  if (today > now) return today;
  return rule.zone.at(LocalDate{sys_days{day} + days{1}}, rule.publish_at.minutes);
}

std::string_view to_string(NightStatus s) {
  return s == NightStatus::ok ? "ok" : "missing_prices";
}

double cost_between(const PriceCurve& prices, Instant from, Instant to, double kw) {
  return draw(prices, from, to, kw, 1e300).cost_p;
}

Night run_night(const Setup& setup, const Options& options, const PriceCurve& prices,
                LocalDate date) {
  const Zone& zone = setup.zone;
  const VehicleSpec& car = setup.vehicle;
  const double kw = car.max_charge_kw;
  ChargingPolicy policy = night_policy(setup, options);

  Night n;
  n.date = date;
  n.arrive = zone.at(date, options.arrive.minutes);
  Deadline deadline = next_deadline(n.arrive, policy, zone);
  n.depart = deadline.ready_by;
  n.arrive_soc = options.arrive_soc;
  n.final_soc = options.arrive_soc;
  n.target_soc = deadline.target_soc;
  if (prices.known_until(n.arrive) < n.depart) {
    n.status = NightStatus::missing_prices;
    return n;
  }
  const PriceCurve night = prices.slice(n.arrive, n.depart);
  const double need_kwh = grid_energy_kwh(car, n.arrive_soc, n.target_soc);

  // Naive: full power from arrival until the target (or departure).
  Drawn naive = draw(night, n.arrive, n.depart, kw, need_kwh);
  n.naive_energy_kwh = naive.kwh;
  n.naive_cost_p = naive.cost_p;
  n.naive_target_met = naive.kwh >= need_kwh - 1e-6;

  // Optimal: the same energy in the cheapest time, every price known.
  Drawn best = cheapest(night, kw, need_kwh);
  n.optimal_cost_p = best.cost_p;
  n.optimal_feasible = best.kwh >= need_kwh - 1e-6;

  // Smart: the daemon's controller, on the prices visible at each moment.
  ControllerSettings settings;
  settings.vehicle = car;
  settings.policy = policy;
  settings.confirmable = true;
  Controller controller(settings, zone);

  double soc = n.arrive_soc;
  bool switch_on = false;
  Instant t = n.arrive;
  Instant horizon = std::min(n.depart, visible_until(t, options.publication));
  controller.set_prices(night.slice(n.arrive, horizon));

  auto charging = [&] { return switch_on && soc < 100.0; };
  auto observe = [&](Instant at) {
    VehicleState s;
    s.device_id = "backtest";
    s.soc_percent = soc;
    s.plugged_in = true;
    s.charging_state = charging()     ? ChargingState::charging
                       : soc >= 100.0 ? ChargingState::fully_charged
                                      : ChargingState::not_charging;
    s.observed_at = at;
    controller.observe(s);
  };
  auto poll_interval = [&] {
    if (options.observe_every) return *options.observe_every;
    return charging() ? setup.observe_charging : setup.observe_plugged;
  };

  Instant next_obs = t;
  Instant next_tick = t + options.replan_every;
  std::optional<Instant> wake;
  while (t < n.depart) {
    bool tick = t >= next_tick;
    if (tick) {
      // A daemon tick: fresh observation, forced re-plan.
      controller.set_settings(controller.settings());
      while (next_tick <= t)
        next_tick += options.replan_every;
    }
    if (t >= next_obs || tick) {
      observe(t);
      next_obs = t + poll_interval();
    }
    wake.reset();
    for (int i = 0; i < 4; ++i) {
      Controller::Step s = controller.step(t);
      if (s.replanned) ++n.replans;
      wake = s.wake_at;
      if (!s.command) break;
      switch_on = s.command->action == Action::start;
      if (switch_on) ++n.starts;
      controller.command_result(t, true, "simulated switch");
      observe(t);
      next_obs = t + poll_interval();
    }

    Instant next = std::min({n.depart, next_obs, next_tick});
    if (wake && *wake > t) next = std::min(next, *wake);
    if (auto pub = next_publication(t, options.publication); pub && *pub > t)
      next = std::min(next, *pub);

    if (charging()) {
      double room = grid_energy_kwh(car, soc, 100.0);
      Drawn d = draw(night, t, next, kw, room);
      n.energy_kwh += d.kwh;
      n.smart_cost_p += d.cost_p;
      soc = soc_after(car, soc, d.kwh);
    }
    t = next;
    Instant h = std::min(n.depart, visible_until(t, options.publication));
    if (h != horizon) {
      horizon = h;
      controller.set_prices(night.slice(n.arrive, horizon));
    }
  }
  n.final_soc = soc;
  n.target_met = soc >= n.target_soc - k_target_tolerance_pct;
  return n;
}

Summary run(const Setup& setup, const Options& options, const PriceCurve& prices) {
  Summary sum;
  if (options.to < options.from) return sum;
  const int total = static_cast<int>((sys_days{options.to} - sys_days{options.from}).count()) + 1;
  sum.per_night.reserve(static_cast<std::size_t>(total));
  int done = 0;
  for (sys_days d = sys_days{options.from}; d <= sys_days{options.to}; d += days{1}) {
    Night n = run_night(setup, options, prices, LocalDate{d});
    if (n.status == NightStatus::ok) {
      ++sum.nights;
      if (n.target_met) ++sum.target_met_nights;
      sum.smart_cost_p += n.smart_cost_p;
      sum.naive_cost_p += n.naive_cost_p;
      sum.optimal_cost_p += n.optimal_cost_p;
      sum.energy_kwh += n.energy_kwh;
      sum.naive_energy_kwh += n.naive_energy_kwh;
    } else {
      ++sum.missing_price_nights;
    }
    sum.per_night.push_back(std::move(n));
    ++done;
    if (options.progress) options.progress(done, total);
  }
  if (sum.naive_cost_p > 0) {
    sum.savings_percent = (sum.naive_cost_p - sum.smart_cost_p) / sum.naive_cost_p * 100.0;
    sum.optimal_savings_percent =
        (sum.naive_cost_p - sum.optimal_cost_p) / sum.naive_cost_p * 100.0;
  }
  return sum;
}

}  // namespace offpeak::backtest
