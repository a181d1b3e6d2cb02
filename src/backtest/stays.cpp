#include <offpeak/backtest/stays.hpp>

#include <offpeak/domain/price_forecast.hpp>

#include <algorithm>
#include <chrono>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

constexpr double k_eps_kwh = 1e-9;
constexpr double k_target_tolerance_pct = 0.05;

double hours_of(Seconds s) {
  return static_cast<double>(s.count()) / 3600.0;
}

enum class Knowledge { published_only, forecast, carbon_weighted };

// [from, to) cut wherever a price or an intensity changes.
std::vector<Instant> cuts(const PriceCurve& prices, const std::optional<PriceCurve>& carbon,
                          Instant from, Instant to) {
  std::vector<Instant> out{from, to};
  auto add = [&](const PriceCurve& c) {
    const PriceCurve part = c.slice(from, to);
    for (const auto& s : part.slots()) {
      out.push_back(s.start);
      out.push_back(s.end);
    }
  };
  add(prices);
  if (carbon) add(*carbon);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Draws `kw` over [from, to), at most `max_kwh`, earliest first; adds cost and emissions.
double draw(const PriceCurve& prices, const std::optional<PriceCurve>& carbon, Instant from,
            Instant to, double kw, double max_kwh, StayRun& run) {
  double drawn = 0.0;
  const std::vector<Instant> xs = cuts(prices, carbon, from, to);
  for (std::size_t i = 0; i + 1 < xs.size() && drawn < max_kwh - k_eps_kwh; ++i) {
    const double e = std::min(kw * hours_of(xs[i + 1] - xs[i]), max_kwh - drawn);
    drawn += e;
    run.energy_kwh += e;
    if (auto p = prices.price_at(xs[i])) run.cost_p += e * *p;
    std::optional<double> g = carbon ? carbon->price_at(xs[i]) : std::nullopt;
    if (g)
      run.co2_kg += e * *g / 1000.0;
    else
      run.unknown_carbon_kwh += e;
  }
  return drawn;
}

struct Optimum {
  double cost_p = 0.0;
  double co2_kg = 0.0;
};

// The cheapest way to draw `kwh` at `kw` in [from, to) with every price known, by price +
// weight x intensity / 1000 (an unknown intensity at the mean of the known ones); fractional
// pieces allowed (a lower bound).
Optimum optimum(const PriceCurve& prices, const std::optional<PriceCurve>& carbon, Instant from,
                Instant to, double kw, double kwh, double weight) {
  struct Piece {
    Instant start;
    double cap, price, value;
    std::optional<double> g;
  };
  double mean = 0.0;
  if (carbon) {
    double sum = 0.0, secs = 0.0;
    const PriceCurve part = carbon->slice(from, to);
    for (const auto& s : part.slots()) {
      const double d = static_cast<double>((s.end - s.start).count());
      sum += s.price_p_per_kwh * d;
      secs += d;
    }
    if (secs > 0) mean = sum / secs;
  }
  std::vector<Piece> pieces;
  const std::vector<Instant> xs = cuts(prices, carbon, from, to);
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
    auto p = prices.price_at(xs[i]);
    if (!p) continue;
    std::optional<double> g = carbon ? carbon->price_at(xs[i]) : std::nullopt;
    pieces.push_back(
        {xs[i], kw * hours_of(xs[i + 1] - xs[i]), *p, *p + weight * g.value_or(mean) / 1000.0, g});
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const Piece& a, const Piece& b) { return a.value < b.value; });
  Optimum o;
  double remaining = kwh;
  for (const auto& p : pieces) {
    if (remaining <= k_eps_kwh) break;
    const double e = std::min(p.cap, remaining);
    remaining -= e;
    o.cost_p += e * p.price;
    if (p.g) o.co2_kg += e * *p.g / 1000.0;
  }
  return o;
}

StayRun simulate(const Setup& setup, const StayOptions& options, const Stay& stay,
                 const PriceCurve& prices, const std::optional<PriceCurve>& carbon,
                 Knowledge knowledge) {
  const VehicleSpec& car = setup.vehicle;
  const double kw = car.max_charge_kw;
  ControllerSettings settings;
  settings.vehicle = car;
  settings.policy = setup.policy;
  settings.policy.carbon_weight_p_per_kg =
      knowledge == Knowledge::carbon_weighted ? options.carbon_weight_p_per_kg : 0.0;
  Controller controller(settings, setup.zone);
  controller.set_override(DeadlineOverride{options.target_soc, stay.depart});
  if (knowledge == Knowledge::carbon_weighted && carbon) {
    controller.set_carbon(carbon->slice(stay.arrive, stay.depart));
  }

  StayRun run;
  double soc = stay.arrive_soc;
  bool switch_on = false;
  Instant t = stay.arrive;
  Instant horizon{};
  auto publish = [&](Instant now) {
    const Instant h = std::min(stay.depart, visible_until(now, options.publication));
    if (h == horizon) return;
    horizon = h;
    controller.set_prices(prices.slice(stay.arrive, horizon));
    if (knowledge != Knowledge::published_only) {
      // The forecast sees only the history published by now.
      const PriceCurve history = prices.slice(horizon - options.history, horizon);
      controller.set_forecast(forecast_prices(history, stay.arrive, stay.depart, setup.zone));
    }
  };
  publish(t);
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
  Instant next_obs = t;
  Instant next_tick = t + options.replan_every;
  while (t < stay.depart) {
    const bool tick = t >= next_tick;
    if (tick) {
      controller.set_settings(controller.settings());  // a daemon tick: forced re-plan
      while (next_tick <= t)
        next_tick += options.replan_every;
    }
    if (t >= next_obs || tick) {
      observe(t);
      next_obs = t + options.observe_every;
    }
    std::optional<Instant> wake;
    for (int i = 0; i < 4; ++i) {
      Controller::Step s = controller.step(t);
      wake = s.wake_at;
      if (!s.command) break;
      switch_on = s.command->action == Action::start;
      if (switch_on) ++run.starts;
      controller.command_result(t, true, "simulated switch");
      observe(t);
      next_obs = t + options.observe_every;
    }
    Instant next = std::min({stay.depart, next_obs, next_tick});
    if (wake && *wake > t) next = std::min(next, *wake);
    if (auto pub = next_publication(t, options.publication); pub && *pub > t)
      next = std::min(next, *pub);
    if (charging()) {
      const double room = grid_energy_kwh(car, soc, 100.0);
      const double e = draw(prices, carbon, t, next, kw, room, run);
      soc = soc_after(car, soc, e);
    }
    t = next;
    publish(t);
  }
  run.final_soc = soc;
  run.target_met = soc >= options.target_soc - k_target_tolerance_pct;
  return run;
}

void add(StayRun& sum, const StayRun& r) {
  sum.energy_kwh += r.energy_kwh;
  sum.cost_p += r.cost_p;
  sum.co2_kg += r.co2_kg;
  sum.unknown_carbon_kwh += r.unknown_carbon_kwh;
  sum.starts += r.starts;
}

}  // namespace

std::vector<Stay> regular_stays(const Zone& zone, LocalDate from, LocalDate to, TimeOfDay arrive,
                                TimeOfDay depart, int after_days, double arrive_soc,
                                std::optional<Weekday> on) {
  std::vector<Stay> out;
  for (sys_days d = sys_days{from}; d <= sys_days{to}; d += days{1}) {
    if (on && weekday_of(LocalDate{d}) != *on) continue;
    const Instant a = zone.at(LocalDate{d}, arrive.minutes);
    const Instant b = zone.at(LocalDate{d + days{after_days}}, depart.minutes);
    if (a < b) out.push_back({a, b, arrive_soc});
  }
  return out;
}

StayResult run_stay(const Setup& setup, const StayOptions& options, const Stay& stay,
                    const PriceCurve& prices, const std::optional<PriceCurve>& carbon) {
  StayResult r;
  r.stay = stay;
  r.need_kwh = grid_energy_kwh(setup.vehicle, stay.arrive_soc, options.target_soc);
  if (prices.known_until(stay.arrive) < stay.depart) {
    r.replayed = false;
    return r;
  }
  const double kw = setup.vehicle.max_charge_kw;
  const Optimum best = optimum(prices, carbon, stay.arrive, stay.depart, kw, r.need_kwh, 0.0);
  r.optimal_cost_p = best.cost_p;
  r.optimal_co2_kg = best.co2_kg;
  r.published_only = simulate(setup, options, stay, prices, carbon, Knowledge::published_only);
  r.forecast = simulate(setup, options, stay, prices, carbon, Knowledge::forecast);
  if (carbon) {
    r.carbon_weighted = simulate(setup, options, stay, prices, carbon, Knowledge::carbon_weighted);
    const Optimum w = optimum(prices, carbon, stay.arrive, stay.depart, kw, r.need_kwh,
                              options.carbon_weight_p_per_kg);
    r.optimal_weighted_cost_p = w.cost_p;
    r.optimal_weighted_co2_kg = w.co2_kg;
  }
  return r;
}

StaySummary run_stays(const Setup& setup, const StayOptions& options,
                      const std::vector<Stay>& stays, const PriceCurve& prices,
                      const std::optional<PriceCurve>& carbon) {
  StaySummary s;
  if (carbon) {
    s.carbon_weighted = StayRun{};
    s.optimal_weighted_cost_p = 0.0;
    s.optimal_weighted_co2_kg = 0.0;
  }
  int done = 0;
  for (const Stay& stay : stays) {
    StayResult r = run_stay(setup, options, stay, prices, carbon);
    if (r.replayed) {
      ++s.stays;
      add(s.published_only, r.published_only);
      add(s.forecast, r.forecast);
      s.published_only_met += r.published_only.target_met ? 1 : 0;
      s.forecast_met += r.forecast.target_met ? 1 : 0;
      s.optimal_cost_p += r.optimal_cost_p;
      s.optimal_co2_kg += r.optimal_co2_kg;
      if (r.carbon_weighted) {
        add(*s.carbon_weighted, *r.carbon_weighted);
        s.carbon_weighted_met += r.carbon_weighted->target_met ? 1 : 0;
        *s.optimal_weighted_cost_p += *r.optimal_weighted_cost_p;
        *s.optimal_weighted_co2_kg += *r.optimal_weighted_co2_kg;
      }
    } else {
      ++s.skipped;
    }
    s.per_stay.push_back(std::move(r));
    ++done;
    if (options.progress) options.progress(done, static_cast<int>(stays.size()));
  }
  return s;
}

}  // namespace offpeak::backtest
