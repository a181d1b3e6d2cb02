// The planner with the sun. Time in [now, ready_by) is cut into stretches over which the
// import price, the export price, the expected surplus and the carbon intensity are constant.
// In a stretch, drawing `p` kW costs per hour
//   c(p) = min(p, s) x (export + carbon) + max(0, p - s) x (import + carbon)
// where s is the counted-on surplus (expected surplus x confidence). The car may draw 0 or any
// power in [min, max] (modulating switch) or only 0 and max (on/off), and may share a stretch's
// time between two levels, so the cheapest cost of `e` kWh in a stretch of `h` hours is
// h x hull(e / h), hull being the lower convex hull of c over the allowed powers. Hulls are
// convex, so filling the cheapest hull segments first (ties: earlier first) is optimal for
// the total energy; each stretch's energy is then drawn at the hull's neighbouring powers.

#include "planner_solar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace offpeak::detail {
namespace {

using namespace std::chrono;

constexpr double k_eps = 1e-9;
constexpr Seconds k_min_run{60};

double hours_of(Seconds s) {
  return static_cast<double>(s.count()) / 3600.0;
}

Seconds seconds_ceil(double hours) {
  return Seconds{static_cast<long long>(std::ceil(hours * 3600.0 - 1e-7))};
}

std::string num(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// One stretch of time with constant prices, surplus and carbon intensity.
struct Stretch {
  Instant start;
  Instant end;
  std::optional<double> price;  // import price (published, or forecast)
  bool forecast = false;
  double export_p = 0.0;
  double surplus_kw = 0.0;  // counted on: expected x confidence, in [0, max power]
  double carbon_add = 0.0;  // carbon weight x intensity / 1000, added to both parts
};

struct Vertex {
  double kw;
  double cost_per_h;
};

// A segment of a stretch's hull: `cap_kwh` more energy at `slope` p/kWh.
struct Part {
  std::size_t stretch;
  std::size_t seg;  // hull segment index, 1-based
  double cap_kwh;
  double slope;
};

// A planned piece of time at one power.
struct Draw {
  Instant start;
  Instant end;
  double kw;
  bool immediate = false;
  double used = 1.0;  // share of kw x time drawn: a partial last second draws less
};

double cost_rate(const Stretch& st, double kw) {
  const double solar = std::min(kw, st.surplus_kw);
  return solar * (st.export_p + st.carbon_add) + (kw - solar) * (*st.price + st.carbon_add);
}

std::vector<Vertex> hull_of(const Stretch& st, double pmin, double pmax, bool modulating) {
  std::vector<double> ks{0.0};
  if (modulating) {
    ks.push_back(pmin);
    if (st.surplus_kw > pmin && st.surplus_kw < pmax) ks.push_back(st.surplus_kw);
  }
  ks.push_back(pmax);
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end(), [](double a, double b) { return b - a < 1e-12; }),
           ks.end());
  std::vector<Vertex> h;
  for (double k : ks) {
    const Vertex c{k, cost_rate(st, k)};
    while (h.size() >= 2) {
      const Vertex& a = h[h.size() - 2];
      const Vertex& b = h.back();
      const double cross = (b.kw - a.kw) * (c.cost_per_h - a.cost_per_h) -
                           (b.cost_per_h - a.cost_per_h) * (c.kw - a.kw);
      if (cross > 1e-12) break;  // a left turn: b stays on the lower hull
      h.pop_back();
    }
    h.push_back(c);
  }
  return h;
}

// All instants in [from, to) where one of the curves starts or ends a slot, with from and to.
std::vector<Instant> cuts(const std::vector<const PriceCurve*>& curves, Instant from, Instant to) {
  std::vector<Instant> out{from, to};
  for (const PriceCurve* c : curves) {
    if (c == nullptr) continue;
    const PriceCurve part = c->slice(from, to);
    for (const auto& s : part.slots()) {
      out.push_back(s.start);
      out.push_back(s.end);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string local_span(const Zone& zone, Instant a, Instant b) {
  std::string from = zone.format(a, false);
  std::string to = zone.format(b, false);
  auto abbrev = [](const std::string& s) { return s.substr(s.find(' ')); };
  if (abbrev(from) == abbrev(to)) return zone.format_hhmm(a) + "-" + to;
  return from + "-" + to;
}

}  // namespace

Plan make_solar_plan(const PlanRequest& r, const PriceCurve& prices, const Zone& zone) {
  Plan plan;
  plan.now = r.now;
  plan.ready_by = r.ready_by;
  plan.soc = r.soc;
  plan.target_soc = r.target_soc;
  const VehicleSpec& v = r.vehicle;
  plan.energy_needed_kwh = grid_energy_kwh(v, r.soc, r.target_soc);
  const double conf = std::clamp(r.surplus_confidence, 0.0, 1.0);

  // The power the plan may draw: along a tapering curve, the average from the SoC to the
  // target (the plan draws energy, not hours).
  double pmax = v.max_charge_kw;
  if (v.taper_above_soc && plan.energy_needed_kwh > k_eps) {
    const double h = charge_hours(v, r.soc, r.target_soc);
    if (h > k_eps) pmax = std::min(pmax, plan.energy_needed_kwh / h);
  }
  const bool modulating = r.min_power_kw.has_value();
  const double pmin = modulating ? std::clamp(*r.min_power_kw, 0.0, pmax) : pmax;

  auto export_at = [&](Instant t) {
    if (r.export_p_per_kwh) {
      if (auto x = r.export_p_per_kwh->price_at(t)) return *x;
    }
    return r.export_flat_p_per_kwh;
  };
  auto surplus_at = [&](Instant t) {
    const double s = r.surplus_kw->price_at(t).value_or(0.0);
    return std::clamp(s * conf, 0.0, pmax);
  };
  auto carbon_at = [&](Instant t) -> std::optional<double> {
    if (!r.carbon_g_per_kwh) return std::nullopt;
    return r.carbon_g_per_kwh->price_at(t);
  };
  const PriceCurve* export_curve = r.export_p_per_kwh ? &*r.export_p_per_kwh : nullptr;
  const PriceCurve* carbon_curve = r.carbon_g_per_kwh ? &*r.carbon_g_per_kwh : nullptr;
  const PriceCurve* forecast_curve = r.forecast_prices ? &*r.forecast_prices : nullptr;

  std::vector<Draw> draws;
  std::vector<Stretch> stretches;
  double immediate_kwh = 0.0;
  bool any_stretch = false;
  if (r.now < r.ready_by && pmax > 0.0) {
    Instant cursor = r.now;
    // 1. Below min_soc: at once at full power, whatever the price.
    if (r.min_soc && r.soc < *r.min_soc) {
      const double hours = charge_hours(v, r.soc, *r.min_soc);
      if (hours > k_eps && r.ready_by - r.now >= k_min_run) {
        const Seconds need = std::max(seconds_ceil(hours), k_min_run);
        const Instant end = std::min(r.ready_by, r.now + need);
        immediate_kwh = grid_energy_kwh(v, r.soc, soc_after_hours(v, r.soc, hours_of(end - r.now)));
        draws.push_back({r.now, end, immediate_kwh / hours_of(end - r.now), true});
        cursor = end;
      }
    }
    // 2. Stretches of known (or forecast) import price after that.
    PriceCurve known = prices.slice(cursor, r.ready_by);
    if (forecast_curve) known = known.filled_from(*forecast_curve, cursor, r.ready_by);
    const double unknown_g = [&] {
      double sum = 0.0, secs = 0.0;
      if (!carbon_curve) return 0.0;
      const PriceCurve part = carbon_curve->slice(r.now, r.ready_by);
      for (const auto& s : part.slots()) {
        const double d = static_cast<double>((s.end - s.start).count());
        sum += s.price_p_per_kwh * d;
        secs += d;
      }
      return secs > 0.0 ? sum / secs : 0.0;
    }();
    const auto at = cuts({&known, &*r.surplus_kw, export_curve, carbon_curve}, cursor, r.ready_by);
    for (std::size_t k = 0; k + 1 < at.size(); ++k) {
      Stretch st{at[k], at[k + 1]};
      if (st.end - st.start < k_min_run) continue;
      st.price = known.price_at(st.start);
      if (!st.price) continue;  // an unknown price is never planned
      st.forecast = !prices.price_at(st.start).has_value();
      st.export_p = export_at(st.start);
      st.surplus_kw = surplus_at(st.start);
      if (r.carbon_weight_p_per_kg != 0.0 && carbon_curve) {
        st.carbon_add = r.carbon_weight_p_per_kg * carbon_at(st.start).value_or(unknown_g) / 1000.0;
      }
      stretches.push_back(st);
    }
    any_stretch = !stretches.empty();
  }

  // 3. The hull segments of every stretch, cheapest first.
  std::vector<std::vector<Vertex>> hulls;
  std::vector<Part> parts;
  for (std::size_t i = 0; i < stretches.size(); ++i) {
    hulls.push_back(hull_of(stretches[i], pmin, pmax, modulating));
    const auto& h = hulls.back();
    const double hours = hours_of(stretches[i].end - stretches[i].start);
    for (std::size_t j = 1; j < h.size(); ++j) {
      const double dk = h[j].kw - h[j - 1].kw;
      parts.push_back({i, j, dk * hours, (h[j].cost_per_h - h[j - 1].cost_per_h) / dk});
    }
  }
  std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    if (a.slope != b.slope) return a.slope < b.slope;
    if (a.stretch != b.stretch) return a.stretch < b.stretch;
    return a.seg < b.seg;
  });
  const double target_rem = std::max(0.0, plan.energy_needed_kwh - immediate_kwh);
  const double full_rem = std::max(0.0, grid_energy_kwh(v, r.soc, 100.0) - immediate_kwh);
  double cheap_cap = 0.0;
  if (r.charge_below_p_per_kwh) {
    for (const Part& p : parts) {
      if (p.slope <= *r.charge_below_p_per_kwh) cheap_cap += p.cap_kwh;
    }
  }
  double remaining = std::max(target_rem, std::min(full_rem, cheap_cap));
  std::vector<double> taken(stretches.size(), 0.0);
  for (const Part& p : parts) {
    if (remaining <= k_eps) break;
    const double e = std::min(p.cap_kwh, remaining);
    taken[p.stretch] += e;
    remaining -= e;
  }

  // 4. Each stretch's energy as draws at the hull's powers around its average power.
  for (std::size_t i = 0; i < stretches.size(); ++i) {
    if (taken[i] <= k_eps) continue;
    const Stretch& st = stretches[i];
    const auto& h = hulls[i];
    const double hours = hours_of(st.end - st.start);
    const double avg = std::min(taken[i] / hours, pmax);
    std::size_t j = 1;
    while (j + 1 < h.size() && h[j].kw < avg - 1e-12)
      ++j;
    const double lo = h[j - 1].kw, hi = h[j].kw;
    if (avg >= hi - 1e-9) {
      draws.push_back({st.start, st.end, hi});
    } else if (lo > 0.0 && (st.surplus_kw <= lo + 1e-12 || st.surplus_kw >= hi - 1e-12)) {
      // The cost is linear between the two powers: the average power all along.
      draws.push_back({st.start, st.end, avg});
    } else {
      // Time shared: `hi` for part of the stretch, `lo` (maybe off) for the rest.
      const double share = (avg - lo) / (hi - lo);
      if (lo == 0.0) {
        // Full power for part of the stretch, next to a planned neighbour when there is one.
        const bool prev = i > 0 && taken[i - 1] > k_eps && stretches[i - 1].end == st.start;
        const bool next =
            i + 1 < stretches.size() && taken[i + 1] > k_eps && stretches[i + 1].start == st.end;
        Seconds dur = seconds_ceil(taken[i] / hi);
        if (!prev && !next) dur = std::max(dur, k_min_run);
        dur = std::min(dur, st.end - st.start);
        if (dur <= Seconds{0}) continue;
        // The exact energy, unless a remainder was rounded up to a minute.
        const double used =
            dur == seconds_ceil(taken[i] / hi) ? taken[i] / (hi * hours_of(dur)) : 1.0;
        if (next && !prev) {
          draws.push_back({st.end - dur, st.end, hi, false, std::min(1.0, used)});
        } else {
          draws.push_back({st.start, st.start + dur, hi, false, std::min(1.0, used)});
        }
        continue;
      }
      Seconds dur_hi = seconds_ceil(share * hours);  // rounded up: never short
      dur_hi = std::clamp(dur_hi, Seconds{0}, st.end - st.start);
      if (dur_hi > Seconds{0}) draws.push_back({st.start, st.start + dur_hi, hi});
      if (st.start + dur_hi < st.end) draws.push_back({st.start + dur_hi, st.end, lo});
    }
  }
  std::sort(draws.begin(), draws.end(),
            [](const Draw& a, const Draw& b) { return a.start < b.start; });

  // 5. Slots: draws cut where a curve changes, priced, split between the sun and the grid.
  std::vector<const PriceCurve*> curves{&prices, &*r.surplus_kw, export_curve, carbon_curve,
                                        forecast_curve};
  for (const Draw& d : draws) {
    const auto at = cuts(curves, d.start, d.end);
    for (std::size_t k = 0; k + 1 < at.size(); ++k) {
      PlannedSlot s;
      s.start = at[k];
      s.end = at[k + 1];
      s.power_kw = d.kw;
      s.immediate = d.immediate;
      s.energy_kwh = d.kw * hours_of(s.end - s.start) * d.used;
      s.price_p_per_kwh = prices.price_at(s.start);
      if (!s.price_p_per_kwh && !d.immediate && forecast_curve) {
        s.price_p_per_kwh = forecast_curve->price_at(s.start);
        s.forecast = true;
      }
      s.solar_kwh = std::min(d.kw, surplus_at(s.start)) * hours_of(s.end - s.start) * d.used;
      s.grid_kwh = std::max(0.0, s.energy_kwh - s.solar_kwh);
      plan.export_forgone_p += s.solar_kwh * export_at(s.start);
      s.carbon_g_per_kwh = carbon_at(s.start);
      if (!plan.slots.empty()) {
        PlannedSlot& last = plan.slots.back();
        if (last.end == s.start && last.price_p_per_kwh == s.price_p_per_kwh &&
            last.immediate == s.immediate && last.forecast == s.forecast &&
            last.carbon_g_per_kwh == s.carbon_g_per_kwh &&
            std::abs(last.power_kw - s.power_kw) < 1e-9 &&
            (last.solar_kwh > k_eps) == (s.solar_kwh > k_eps)) {
          last.end = s.end;
          last.energy_kwh += s.energy_kwh;
          last.solar_kwh += s.solar_kwh;
          last.grid_kwh += s.grid_kwh;
          continue;
        }
      }
      plan.slots.push_back(s);
    }
  }
  // The energy beyond the goal (a minute rounded up, a tapering last slot) stays: the slots
  // say what the car draws at those powers.
  if (r.carbon_g_per_kwh) plan.total_co2_kg = 0.0;
  for (auto& slot : plan.slots) {
    slot.cost_p = slot.price_p_per_kwh ? slot.grid_kwh * *slot.price_p_per_kwh : 0.0;
    plan.total_energy_kwh += slot.energy_kwh;
    plan.total_solar_kwh += slot.solar_kwh;
    plan.total_grid_kwh += slot.grid_kwh;
    plan.total_cost_p += slot.cost_p;
    if (!slot.price_p_per_kwh) plan.unknown_price_kwh += slot.grid_kwh;
    if (slot.carbon_g_per_kwh) {
      slot.co2_kg = slot.energy_kwh * *slot.carbon_g_per_kwh / 1000.0;
      *plan.total_co2_kg += slot.co2_kg;
    } else if (r.carbon_g_per_kwh) {
      plan.unknown_carbon_kwh += slot.energy_kwh;
    }
    if (slot.forecast) {
      plan.forecast_kwh += slot.energy_kwh;
      continue;  // waits for the published prices: no run
    }
    if (!plan.runs.empty() && plan.runs.back().end == slot.start) {
      plan.runs.back().end = slot.end;
      plan.runs.back().energy_kwh += slot.energy_kwh;
      plan.runs.back().cost_p += slot.cost_p;
    } else {
      plan.runs.push_back({slot.start, slot.end, slot.energy_kwh, slot.cost_p});
    }
  }
  plan.shortfall_kwh = std::max(0.0, plan.energy_needed_kwh - plan.total_energy_kwh);
  plan.feasible = plan.shortfall_kwh <= 1e-6;
  if (plan.feasible) plan.shortfall_kwh = 0.0;
  plan.expected_soc = soc_after(v, r.soc, plan.total_energy_kwh);

  // 6. The same energy charged at once from now at full power: grid at the import price plus
  // the export forgone (nullopt when a grid share falls on an unknown price).
  if (plan.total_energy_kwh > k_eps) {
    const Seconds dur = seconds_ceil(plan.total_energy_kwh / pmax);
    const auto at = cuts(curves, r.now, r.now + dur);
    double left = plan.total_energy_kwh, cost = 0.0, co2 = 0.0;
    bool known = true, all_carbon = true;
    for (std::size_t k = 0; k + 1 < at.size() && left > k_eps; ++k) {
      const double e = std::min(left, pmax * hours_of(at[k + 1] - at[k]));
      const double sun = std::min(e, surplus_at(at[k]) * hours_of(at[k + 1] - at[k]));
      left -= e;
      cost += sun * export_at(at[k]);
      if (auto p = prices.price_at(at[k]))
        cost += (e - sun) * *p;
      else if (e - sun > k_eps)
        known = false;
      if (auto g = carbon_at(at[k]))
        co2 += e * *g / 1000.0;
      else
        all_carbon = false;
    }
    if (known) plan.charge_now_cost_p = cost;
    if (r.carbon_g_per_kwh && all_carbon) plan.charge_now_co2_kg = co2;
  }

  // 7. The explanation.
  const std::string by = zone.format(plan.ready_by);
  std::string s;
  if (!(r.now < r.ready_by)) {
    plan.explanation =
        "ready-by " + by + " is not after now (" + zone.format(r.now) + "): nothing to plan";
    return plan;
  }
  double forecast_kwh = 0.0;
  const PriceCurve surplus_part = r.surplus_kw->slice(r.now, r.ready_by);
  for (const auto& sl : surplus_part.slots()) {
    forecast_kwh += std::max(0.0, sl.price_p_per_kwh) * hours_of(sl.end - sl.start);
  }
  if (plan.energy_needed_kwh <= k_eps) {
    s = "already at " + num(r.soc, 0) + "% (target " + num(r.target_soc, 0) + "% by " + by + ")";
  } else {
    s = "need " + num(plan.energy_needed_kwh, 1) + " kWh (" + num(r.soc, 0) + "% -> " +
        num(r.target_soc, 0) + "% of " + num(v.battery_kwh, 1) + " kWh at " +
        num(v.efficiency * 100, 0) + "% efficiency) by " + by;
  }
  const std::string counting =
      "forecast " + num(forecast_kwh, 1) + " kWh surplus, counting on " + num(conf * 100, 0) + " %";
  const PlannedSlot* first_sun = nullptr;
  const PlannedSlot* last_sun = nullptr;
  for (const auto& sl : plan.slots) {
    if (sl.solar_kwh <= k_eps) continue;
    if (!first_sun) first_sun = &sl;
    last_sun = &sl;
  }
  if (first_sun) {
    s += ": about " + num(plan.total_solar_kwh, plan.total_solar_kwh < 10 ? 1 : 0) +
         " kWh from the sun " + local_span(zone, first_sun->start, last_sun->end) + " (" +
         counting + ")";
  } else {
    s += ": nothing from the sun (" + counting + ")";
  }
  std::string grid;
  for (const auto& sl : plan.slots) {
    if (sl.grid_kwh <= 1e-6) continue;
    grid += grid.empty() ? " " : ", ";
    grid += local_span(zone, sl.start, sl.end) + " at ";
    grid += sl.price_p_per_kwh ? r.money.short_rate(*sl.price_p_per_kwh) : "unknown price";
    if (sl.forecast) grid += " (forecast)";
    if (sl.immediate) grid += " (at once, below min_soc)";
  }
  if (!grid.empty()) s += ", " + num(plan.total_grid_kwh, 1) + " kWh from the grid" + grid;
  if (plan.slots.empty()) {
    s += "; no charging planned";
  } else {
    s += "; est. cost " + r.money.amount(plan.total_cost_p);
    if (plan.export_forgone_p > 1e-6) {
      s += " + " + r.money.amount(plan.export_forgone_p) + " of export forgone";
    }
    if (plan.unknown_price_kwh > k_eps) {
      s += " plus " + num(plan.unknown_price_kwh, 2) + " kWh at unknown price";
    }
    if (plan.charge_now_cost_p)
      s += ", vs " + r.money.amount(*plan.charge_now_cost_p) + " charging now";
    if (plan.total_co2_kg) {
      s += "; est. " + num(*plan.total_co2_kg, 2) + " kg CO2";
      if (plan.charge_now_co2_kg)
        s += " (vs " + num(*plan.charge_now_co2_kg, 2) + " kg charging now)";
    }
    if (plan.forecast_kwh > k_eps) {
      s += "; " + num(plan.forecast_kwh, 2) +
           " kWh planned at forecast prices waits for the published prices";
    }
  }
  if (!r.power_note.empty()) s += "; planned at " + r.power_note;
  if (!any_stretch && plan.energy_needed_kwh > k_eps && plan.slots.empty()) {
    s += "; no known prices before the ready-by";
  }
  if (!plan.feasible) {
    s += "; cannot reach " + num(r.target_soc, 0) + "% by " + zone.format_hhmm(plan.ready_by) +
         ": " + num(plan.shortfall_kwh, 2) + " kWh short (reaches about " +
         num(plan.expected_soc, 0) + "%)";
  }
  plan.explanation = s;
  return plan;
}

}  // namespace offpeak::detail
