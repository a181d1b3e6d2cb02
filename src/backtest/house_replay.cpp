// The solar backtest's replay: offpeak, grid_only and pv_mode charging the same car through a
// stay tick by tick, and the perfect-knowledge optimum of the same stay (house.hpp).

#include <offpeak/backtest/house.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/price_forecast.hpp>
#include <offpeak/domain/slot_current.hpp>

#include <algorithm>
#include <cmath>

namespace offpeak::backtest {
namespace {

using namespace std::chrono;

// The strategies replayed with offpeakd's Controller.
enum class Kind {
  offpeak,    // mode smart with the sun in the plan and the surplus where worth taking
  grid_only,  // mode smart without the sun: no surplus, no sun in the plan
  pv_mode,    // the surplus always taken, plans without the sun
};

// The controller counts a target as reached 0.1 points below it (its shortfall tolerance).
constexpr double k_target_tolerance_pct = 0.1;

double hours(Seconds d) {
  return static_cast<double>(d.count()) / 3600.0;
}

double export_at(const HouseOptions& o, Instant t) {
  if (o.export_prices) {
    if (auto p = o.export_prices->price_at(t)) return *p;
  }
  return o.export_flat_p;
}

// The grid-side energy that takes the car from `soc` to `target` (percent).
double need_kwh(const VehicleSpec& v, double soc, double target) {
  return std::max(target - soc, 0.0) / 100.0 * v.battery_kwh / v.efficiency;
}

// The surplus the planner expects at `now` per trace step up to the forecast horizon: the
// forecast PV less the load expected from the same time the day before (kW, >= 0).
PriceCurve expected_surplus(const HouseTrace& trace, const HouseOptions& o, const Zone& zone,
                            Instant now, Instant until) {
  std::vector<PriceSlot> slots;
  const Instant end = std::min(until, now + o.forecast_horizon);
  if (trace.samples.empty() || now >= end) return PriceCurve{};
  Instant t =
      trace.begin() + ((std::max(now, trace.begin()) - trace.begin()) / trace.step) * trace.step;
  for (; t < end; t += trace.step) {
    const HouseSample* s = trace.at(t);
    if (!s) break;
    const HouseSample* yesterday = trace.at(t - Seconds{86400});
    const double load = yesterday ? yesterday->load_kw : s->load_kw;
    const double kw = std::max(forecast_pv_kw(trace, o, zone, t) - load, 0.0);
    if (kw > 0) slots.push_back({t, t + trace.step, kw});
  }
  return PriceCurve(std::move(slots));
}

class Replay {
 public:
  Replay(const Setup& setup, const HouseOptions& o, const HouseTrace& trace,
         const PriceCurve& import)
      : setup_(setup), o_(o), trace_(trace), import_(import) {}

  // A strategy through a stay: offpeakd's own Controller in mode smart (plans on the prices
  // published by then with the price forecast, edge-triggered commands, confirmations) with the
  // surplus loop's wish, composed as offpeakd composes them: the surplus's current while the
  // controller charges for the surplus, inside a planned solar slot at least the slot's planned
  // power or the surplus's when more (domain/slot_current.hpp), else full power.
  StrategyTotals run(Kind kind, const Stay& stay) const {
    const bool sun_in_plan = kind == Kind::offpeak;
    StrategyTotals out;
    const VehicleSpec& v = setup_.vehicle;
    const double target = o_.target_soc;
    ControllerSettings cs;
    cs.vehicle = v;
    cs.policy = setup_.policy;
    // grid_only: no grid meter as far as the controller knows (the surplus is never taken);
    // pv_mode: the surplus taken whatever the export earns.
    if (kind == Kind::pv_mode)
      cs.export_price = -1e9;
    else if (kind != Kind::grid_only)
      cs.export_price = o_.export_flat_p;
    cs.solar_max_soc = target;  // energy above the target is not counted by this backtest
    Controller c(cs, setup_.zone);
    c.set_override(DeadlineOverride{target, stay.depart});
    SurplusSettings ss = o_.surplus;
    ss.max_power_w = v.max_charge_kw * 1000.0;
    ss.onoff_power_w = ss.max_power_w;
    SurplusLoop loop(ss);
    const double min_kw = std::min(ss.min_current_a * ss.voltage / 1000.0, v.max_charge_kw);
    double soc = stay.arrive_soc;
    bool on = false;
    double car_kw = 0.0;
    Instant horizon{};
    Instant next_sun = stay.arrive;
    auto observe = [&](Instant at) {
      VehicleState st;
      st.device_id = "backtest";
      st.soc_percent = soc;
      st.plugged_in = true;
      st.charging_state = on ? ChargingState::charging : ChargingState::not_charging;
      st.observed_at = at;
      c.observe(st);
    };
    for (Instant t = stay.arrive; t < stay.depart;) {
      const Seconds dt = std::min(o_.tick, stay.depart - t);
      const double h = hours(dt);
      const Instant visible = std::min(stay.depart, visible_until(t, o_.publication));
      if (visible != horizon) {
        horizon = visible;
        c.set_prices(import_.slice(stay.arrive, horizon));
        if (horizon < stay.depart)
          c.set_forecast(forecast_prices(import_.slice(horizon - o_.price_history, horizon),
                                         stay.arrive, stay.depart, setup_.zone));
        else
          c.set_forecast(std::nullopt);
      }
      if (sun_in_plan && t >= next_sun) {
        SunPlanInputs sun;
        sun.surplus_kw = expected_surplus(trace_, o_, setup_.zone, t, stay.depart);
        if (o_.export_prices) sun.export_p_per_kwh = o_.export_prices->slice(t, stay.depart);
        sun.export_flat_p_per_kwh = o_.export_flat_p;
        sun.confidence = o_.confidence;
        if (ss.modulating) sun.min_power_kw = min_kw;
        c.set_sun(std::move(sun));
        if (o_.export_prices) {  // the surplus rule's export price: the one of the time
          cs.export_price = export_at(o_, t);
          c.set_settings(cs);
        }
        next_sun = t + o_.replan_every;
      }
      const HouseSample* s = trace_.at(t);
      const double load = s ? s->load_kw : 0.0;
      const double pv = s ? s->pv_kw : 0.0;
      SiteState site;
      site.grid_w = (load + car_kw - pv) * 1000.0;
      site.pv_w = pv * 1000.0;
      site.updated_at = t;
      site.stale = false;
      loop.observe(site, car_kw * 1000.0, t);
      const SurplusWish wish = loop.step(t).wish;
      c.set_surplus(kind != Kind::grid_only && wish.on);
      observe(t);
      for (int i = 0; i < 4; ++i) {
        const Controller::Step st = c.step(t);
        if (!st.command) break;
        on = st.command->action == Action::start;
        c.command_result(t, true, "simulated switch");
        observe(t);
      }
      double kw = 0.0;
      if (on) {
        if (c.charging_for_surplus())
          kw = wish.on ? wish.power_w / 1000.0 : 0.0;
        else if (ss.modulating && c.planned_solar_at(t))
          kw = planned_slot_current(ss, wish, planned_power_kw(*c.plan(), t)).power_w / 1000.0;
        else
          kw = v.max_charge_kw;
      }
      double kwh = std::min(kw, v.max_charge_kw) * h;
      kwh = std::min(kwh, need_kwh(v, soc, target));
      const double solar = std::min(kwh, std::max(pv - load, 0.0) * h);
      const double grid = kwh - solar;
      const double e = export_at(o_, t);
      out.solar_kwh += solar;
      out.grid_kwh += grid;
      out.export_forgone_p += solar * e;
      out.cost_p += grid * import_.price_at(t).value_or(0.0) + solar * e;
      soc += kwh * v.efficiency / v.battery_kwh * 100.0;
      car_kw = kwh / h;
      t += dt;
    }
    out.stays = 1;
    out.targets_met = soc >= target - k_target_tolerance_pct ? 1 : 0;
    return out;
  }

  StrategyTotals optimal(const Stay& stay, double need, bool sun) const {
    // Segments cut at the trace's steps and the prices' slots.
    std::vector<Instant> cuts{stay.arrive, stay.depart};
    for (Instant t =
             trace_.begin() + ((stay.arrive - trace_.begin()) / trace_.step + 1) * trace_.step;
         t < stay.depart; t += trace_.step)
      cuts.push_back(t);
    auto add_curve = [&](const PriceCurve& c) {
      const PriceCurve part = c.slice(stay.arrive, stay.depart);
      for (const PriceSlot& p : part.slots()) {
        if (p.start > stay.arrive && p.start < stay.depart) cuts.push_back(p.start);
        if (p.end > stay.arrive && p.end < stay.depart) cuts.push_back(p.end);
      }
    };
    add_curve(import_);
    if (o_.export_prices) add_curve(*o_.export_prices);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<LpSlot> slots;
    std::vector<Instant> starts;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      const Instant a = cuts[i];
      const double h = hours(cuts[i + 1] - a);
      const HouseSample* s = trace_.at(a);
      LpSlot l;
      l.cap_kwh = setup_.vehicle.max_charge_kw * h;
      l.surplus_kwh = s && sun ? std::max(s->pv_kw - s->load_kw, 0.0) * h : 0.0;
      l.import_p = import_.price_at(a).value_or(0.0);
      l.export_p = export_at(o_, a);
      slots.push_back(l);
      starts.push_back(a);
    }
    const LpResult r = optimal_stay(slots, need);
    StrategyTotals out;
    out.stays = 1;
    out.targets_met = r.feasible ? 1 : 0;
    out.cost_p = r.cost_p;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      out.solar_kwh += r.solar_kwh[i];
      out.grid_kwh += r.grid_kwh[i];
      out.export_forgone_p += r.solar_kwh[i] * slots[i].export_p;
      const double x = r.solar_kwh[i] + r.grid_kwh[i];
      const double roof = std::min(x, slots[i].surplus_kwh);
      out.surplus_first_cost_p += roof * slots[i].export_p + (x - roof) * slots[i].import_p;
    }
    return out;
  }

 private:
  const Setup& setup_;
  const HouseOptions& o_;
  const HouseTrace& trace_;
  const PriceCurve& import_;
};

void add(StrategyTotals& sum, const StrategyTotals& x) {
  sum.cost_p += x.cost_p;
  sum.grid_kwh += x.grid_kwh;
  sum.solar_kwh += x.solar_kwh;
  sum.export_forgone_p += x.export_forgone_p;
  sum.targets_met += x.targets_met;
  sum.stays += x.stays;
  sum.surplus_first_cost_p += x.surplus_first_cost_p;
}

}  // namespace

HouseStayResult run_house_stay(const Setup& setup, const HouseOptions& options,
                               const HouseTrace& trace, const Stay& stay,
                               const PriceCurve& import_prices) {
  HouseStayResult r;
  r.stay = stay;
  const bool covered = trace.at(stay.arrive) && stay.depart <= trace.end();
  if (!covered || !(stay.arrive < stay.depart) ||
      import_prices.known_duration(stay.arrive, stay.depart) != stay.depart - stay.arrive) {
    r.replayed = false;
    return r;
  }
  r.need_kwh = need_kwh(setup.vehicle, stay.arrive_soc, options.target_soc);
  const Replay replay(setup, options, trace, import_prices);
  r.offpeak = replay.run(Kind::offpeak, stay);
  r.grid_only = replay.run(Kind::grid_only, stay);
  r.pv_mode = replay.run(Kind::pv_mode, stay);
  r.optimal = replay.optimal(stay, r.need_kwh, true);
  r.optimal_no_sun = replay.optimal(stay, r.need_kwh, false);
  return r;
}

HouseSummary run_house(const Setup& setup, const HouseOptions& options, const HouseTrace& trace,
                       const std::vector<Stay>& stays, const PriceCurve& import_prices) {
  HouseSummary sum;
  int done = 0;
  for (const Stay& stay : stays) {
    HouseStayResult r = run_house_stay(setup, options, trace, stay, import_prices);
    if (r.replayed) {
      add(sum.offpeak, r.offpeak);
      add(sum.grid_only, r.grid_only);
      add(sum.pv_mode, r.pv_mode);
      add(sum.optimal, r.optimal);
      add(sum.optimal_no_sun, r.optimal_no_sun);
    } else {
      ++sum.skipped;
    }
    sum.per_stay.push_back(std::move(r));
    if (options.progress) options.progress(++done, static_cast<int>(stays.size()));
  }
  return sum;
}

}  // namespace offpeak::backtest
