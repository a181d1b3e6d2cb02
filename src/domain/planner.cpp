#include <offpeak/domain/planner.hpp>

#include "planner_explain.hpp"
#include "planner_solar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace offpeak {
namespace {

using namespace std::chrono;

constexpr double k_eps_kwh = 1e-9;
constexpr Seconds k_min_run{60};

// A candidate or chosen piece of time.
struct Piece {
  Instant start;
  Instant end;
  std::optional<double> price;
  double energy_kwh = 0.0;
  bool immediate = false;
  bool forecast = false;
};

double hours_of(Seconds s) {
  return static_cast<double>(s.count()) / 3600.0;
}

// Whole seconds needed to draw `kwh` at `kw` (rounded up).
Seconds seconds_for(double kwh, double kw) {
  double s = kwh / kw * 3600.0;
  return Seconds{static_cast<long long>(std::ceil(s - 1e-7))};
}

// The timeline [from, to) as pieces, known prices and unknown gaps alike.
std::vector<Piece> timeline(const PriceCurve& prices, Instant from, Instant to) {
  std::vector<Piece> out;
  Instant cur = from;
  const PriceCurve known = prices.slice(from, to);
  for (const auto& s : known.slots()) {
    if (cur < s.start) out.push_back({cur, s.start, std::nullopt});
    out.push_back({s.start, s.end, s.price_p_per_kwh});
    cur = s.end;
  }
  if (cur < to) out.push_back({cur, to, std::nullopt});
  return out;
}

// Time-weighted mean of the known values of `curve` in [from, to), or nullopt.
std::optional<double> mean_known(const PriceCurve& curve, Instant from, Instant to) {
  double sum = 0.0, secs = 0.0;
  const PriceCurve curve_part = curve.slice(from, to);
  for (const auto& s : curve_part.slots()) {
    const double d = static_cast<double>((s.end - s.start).count());
    sum += s.price_p_per_kwh * d;
    secs += d;
  }
  if (secs <= 0.0) return std::nullopt;
  return sum / secs;
}

// `prices` in [from, to) with weight x intensity / 1000 added to each price, slots cut where
// the intensity changes; an unknown intensity counts as `unknown_as`.
PriceCurve weighted_prices(const PriceCurve& prices, const PriceCurve& carbon, double weight,
                           double unknown_as, Instant from, Instant to) {
  std::vector<PriceSlot> out;
  const PriceCurve prices_part = prices.slice(from, to);
  for (const auto& s : prices_part.slots()) {
    Instant cur = s.start;
    auto add = [&](Instant a, Instant b, double g) {
      if (a < b) out.push_back({a, b, s.price_p_per_kwh + weight * g / 1000.0});
    };
    const PriceCurve carbon_part = carbon.slice(s.start, s.end);
    for (const auto& c : carbon_part.slots()) {
      add(cur, c.start, unknown_as);
      add(c.start, c.end, c.price_p_per_kwh);
      cur = c.end;
    }
    add(cur, s.end, unknown_as);
  }
  return PriceCurve(std::move(out));
}

// Pieces (hours in energy_kwh) cut where a slot of `curve` starts or ends inside them, the
// hours shared in proportion to the time.
std::vector<Piece> split_at(const std::vector<Piece>& pieces, const PriceCurve& curve) {
  std::vector<Piece> out;
  for (const Piece& p : pieces) {
    std::vector<Instant> cuts;
    const PriceCurve curve_part = curve.slice(p.start, p.end);
    for (const auto& c : curve_part.slots()) {
      if (p.start < c.start) cuts.push_back(c.start);
      if (c.end < p.end) cuts.push_back(c.end);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    const double total = static_cast<double>((p.end - p.start).count());
    Instant cur = p.start;
    cuts.push_back(p.end);
    for (Instant cut : cuts) {
      Piece q = p;
      q.start = cur;
      q.end = cut;
      q.energy_kwh = p.energy_kwh * static_cast<double>((cut - cur).count()) / total;
      out.push_back(q);
      cur = cut;
    }
  }
  return out;
}

// Charges at full power from `from` until `kwh` is drawn (or `to`), whatever the price.
// Returns the pieces used; the run is at least a minute long, or empty when there is no room.
std::vector<Piece> charge_at_once(const PriceCurve& prices, Instant from, Instant to, double kwh,
                                  double kw) {
  std::vector<Piece> out;
  // No room for a run of at least a minute: starting and stopping at once is not charging.
  if (kwh <= k_eps_kwh || to - from < k_min_run) return out;
  Seconds need = std::max(seconds_for(kwh, kw), k_min_run);
  Instant end = std::min(to, from + need);
  double total = need == seconds_for(kwh, kw) ? kwh : kw * hours_of(need);
  total = std::min(total, kw * hours_of(end - from));
  double used = 0.0;
  for (Piece p : timeline(prices, from, end)) {
    p.energy_kwh = kw * hours_of(p.end - p.start);
    used += p.energy_kwh;
    out.push_back(p);
  }
  if (!out.empty()) out.back().energy_kwh -= used - total;  // exact remainder in the last piece
  return out;
}

// Pieces in time order carry hours of charging in energy_kwh; replaces them with the grid
// energy drawn along the charge curve from `soc`. Returns the hours.
double assign_energy(std::vector<Piece>& pieces, const VehicleSpec& v, double soc) {
  double hours = 0.0;
  for (Piece& p : pieces) {
    hours += p.energy_kwh;
    if (!v.taper_above_soc) {  // flat: exactly power x time (a rounded-up minute included)
      p.energy_kwh *= v.max_charge_kw;
      continue;
    }
    double next = soc_after_hours(v, soc, p.energy_kwh);
    p.energy_kwh = grid_energy_kwh(v, soc, next);
    soc = next;
  }
  return hours;
}

bool touches_end(const std::vector<Piece>& chosen, Instant t) {
  return std::any_of(chosen.begin(), chosen.end(), [&](const Piece& p) { return p.end == t; });
}
bool touches_start(const std::vector<Piece>& chosen, Instant t) {
  return std::any_of(chosen.begin(), chosen.end(), [&](const Piece& p) { return p.start == t; });
}
bool overlaps(const std::vector<Piece>& chosen, const Piece& c) {
  return std::any_of(chosen.begin(), chosen.end(),
                     [&](const Piece& p) { return p.start < c.end && c.start < p.end; });
}

// Fills `goal` kWh from the cheapest candidates (ties: earlier first), appending to `chosen`.
// Returns the energy placed.
double fill_cheapest(const std::vector<Piece>& candidates, double goal, double kw,
                     std::vector<Piece>& chosen) {
  std::vector<std::size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (*candidates[a].price != *candidates[b].price) {
      return *candidates[a].price < *candidates[b].price;
    }
    return candidates[a].start < candidates[b].start;
  });
  double remaining = goal;
  for (std::size_t idx : order) {
    if (remaining <= k_eps_kwh) break;
    Piece c = candidates[idx];
    if (overlaps(chosen, c)) continue;
    double cap = kw * hours_of(c.end - c.start);
    if (cap <= remaining + k_eps_kwh) {
      c.energy_kwh = cap;
      remaining -= cap;
      chosen.push_back(c);
      continue;
    }
    // Partial: the last piece. Place it next to a chosen neighbour so the runs merge.
    bool prev = touches_end(chosen, c.start);
    bool next = touches_start(chosen, c.end);
    Seconds sec = seconds_for(remaining, kw);
    double energy = remaining;
    if (!prev && !next && sec < k_min_run) {
      sec = k_min_run;
      energy = kw * hours_of(sec);
    }
    if (next && !prev) {
      c.start = c.end - sec;
    } else {
      c.end = c.start + sec;
    }
    c.energy_kwh = energy;
    chosen.push_back(c);
    remaining = 0.0;
  }
  return goal - remaining;
}

// Cheapest single block of `kwh` at `kw` inside stretches of known prices. Ties: earliest.
// Returns false when no stretch is long enough.
bool place_block(const std::vector<Piece>& candidates, double kwh, double kw,
                 std::vector<Piece>& chosen) {
  Seconds dur = std::max(seconds_for(kwh, kw), k_min_run);
  // Contiguous stretches of candidates.
  std::size_t i = 0;
  bool found = false;
  double best_cost = 0.0;
  Instant best_start{};
  while (i < candidates.size()) {
    std::size_t j = i;
    while (j + 1 < candidates.size() && candidates[j + 1].start == candidates[j].end)
      ++j;
    Instant a = candidates[i].start, b = candidates[j].end;
    if (b - a >= dur) {
      // Cumulative cost (price x hours) at each boundary of the stretch.
      std::vector<Instant> xs;
      std::vector<double> cum;
      xs.push_back(a);
      cum.push_back(0.0);
      for (std::size_t k = i; k <= j; ++k) {
        xs.push_back(candidates[k].end);
        cum.push_back(cum.back() +
                      *candidates[k].price * hours_of(candidates[k].end - candidates[k].start));
      }
      auto integral = [&](Instant t) {
        auto it = std::upper_bound(xs.begin(), xs.end(), t);
        std::size_t k = static_cast<std::size_t>(it - xs.begin()) - 1;
        if (k >= xs.size() - 1) return cum.back();
        return cum[k] + *candidates[i + k].price * hours_of(t - xs[k]);
      };
      std::vector<Instant> starts;
      for (Instant x : xs) {
        if (x + dur <= b) starts.push_back(x);
        if (x - dur >= a) starts.push_back(x - dur);
      }
      std::sort(starts.begin(), starts.end());
      for (Instant s : starts) {
        double cost = integral(s + dur) - integral(s);
        if (!found || cost < best_cost - 1e-9) {
          found = true;
          best_cost = cost;
          best_start = s;
        }
      }
    }
    i = j + 1;
  }
  if (!found) return false;
  Instant end = best_start + dur;
  double total = dur == seconds_for(kwh, kw) ? kwh : kw * hours_of(dur);
  double used = 0.0;
  std::vector<Piece> block;
  for (const Piece& c : candidates) {
    if (c.end <= best_start || c.start >= end) continue;
    Piece p = c;
    p.start = std::max(c.start, best_start);
    p.end = std::min(c.end, end);
    p.energy_kwh = kw * hours_of(p.end - p.start);
    used += p.energy_kwh;
    block.push_back(p);
  }
  if (!block.empty()) block.back().energy_kwh -= used - total;
  chosen.insert(chosen.end(), block.begin(), block.end());
  return true;
}

}  // namespace

Plan make_plan(const PlanRequest& r, const PriceCurve& prices, const Zone& zone) {
  if (r.surplus_kw && !r.at_once) return detail::make_solar_plan(r, prices, zone);
  Plan plan;
  plan.now = r.now;
  plan.ready_by = r.ready_by;
  plan.soc = r.soc;
  plan.target_soc = r.target_soc;
  plan.target_kwh = r.target_kwh;
  plan.delivered_kwh = r.target_kwh ? r.delivered_kwh : 0.0;
  plan.soc_known = r.soc_known;
  // An energy target (rule 9) is planned on a flat curve: without a SoC there is no taper.
  VehicleSpec v = r.vehicle;
  if (r.target_kwh) v.taper_above_soc.reset();
  // Pieces are placed in hours of charging (a "power" of 1), since along a charge curve the
  // time from one SoC to another does not depend on when it is spent; the energy of each
  // piece follows from the curve once the pieces are in time order.
  const double kw = 1.0;
  double need_h = 0.0, full_h = 0.0;
  if (r.target_kwh) {
    plan.energy_needed_kwh = std::max(0.0, *r.target_kwh - r.delivered_kwh);
    need_h = full_h = v.max_charge_kw > 0 ? plan.energy_needed_kwh / v.max_charge_kw : 0.0;
  } else {
    plan.energy_needed_kwh = grid_energy_kwh(v, r.soc, r.target_soc);
    need_h = charge_hours(v, r.soc, r.target_soc);
    full_h = charge_hours(v, r.soc, 100.0);
  }

  std::vector<Piece> chosen;
  bool fell_back = false;
  if (r.at_once) {
    if (v.max_charge_kw > 0 && need_h > k_eps_kwh) {
      Instant to = r.now + seconds_for(need_h, kw) + k_min_run;
      if (r.charge_until) to = std::min(to, *r.charge_until);
      chosen = charge_at_once(prices, r.now, to, need_h, kw);
    }
  } else if (r.now < r.ready_by && v.max_charge_kw > 0) {
    // 1. Below min_soc: at once, whatever the price.
    Instant cursor = r.now;
    double delivered = 0.0;
    if (r.min_soc && r.soc < *r.min_soc && !r.target_kwh) {
      auto now_pieces =
          charge_at_once(prices, r.now, r.ready_by, charge_hours(v, r.soc, *r.min_soc), kw);
      for (auto& p : now_pieces) {
        p.immediate = true;
        delivered += p.energy_kwh;
        cursor = p.end;
        chosen.push_back(p);
      }
    }
    // 2. Known-price candidates after that, at least a minute long: published prices, gaps
    // filled by the forecast, raised by the carbon weight.
    std::vector<Piece> candidates;
    PriceCurve known = prices.slice(cursor, r.ready_by);
    if (r.forecast_prices) known = known.filled_from(*r.forecast_prices, cursor, r.ready_by);
    if (r.carbon_g_per_kwh && r.carbon_weight_p_per_kg != 0.0) {
      const double unknown_as = mean_known(*r.carbon_g_per_kwh, r.now, r.ready_by).value_or(0.0);
      known = weighted_prices(known, *r.carbon_g_per_kwh, r.carbon_weight_p_per_kg, unknown_as,
                              cursor, r.ready_by);
    }
    for (const auto& s : known.slots()) {
      if (s.end - s.start >= k_min_run) candidates.push_back({s.start, s.end, s.price_p_per_kwh});
    }
    double target_rem = std::max(0.0, need_h - delivered);
    double full_rem = std::max(0.0, full_h - delivered);
    double cheap_cap = 0.0;
    if (r.charge_below_p_per_kwh) {
      for (const auto& c : candidates) {
        if (*c.price <= *r.charge_below_p_per_kwh) cheap_cap += kw * hours_of(c.end - c.start);
      }
    }
    double cheap_goal = std::min(full_rem, cheap_cap);
    // 3. Place the energy.
    if (r.strategy == Strategy::continuous && target_rem > k_eps_kwh) {
      const std::size_t before = chosen.size();
      if (place_block(candidates, target_rem, kw, chosen)) {
        // charge_below: every cheap slot outside the block is used too, up to 100 %.
        double placed = 0.0;
        for (std::size_t k = before; k < chosen.size(); ++k)
          placed += chosen[k].energy_kwh;
        const double room = full_rem - placed;
        if (r.charge_below_p_per_kwh && room > k_eps_kwh) {
          const Instant block_start = chosen[before].start;
          const Instant block_end = chosen.back().end;
          std::vector<Piece> cheap;
          double cap = 0.0;
          auto add = [&](Piece p) {
            if (p.end - p.start < k_min_run) return;
            cap += kw * hours_of(p.end - p.start);
            cheap.push_back(p);
          };
          for (const auto& c : candidates) {
            if (*c.price > *r.charge_below_p_per_kwh) continue;
            Piece left = c, right = c;
            left.end = std::min(c.end, block_start);
            right.start = std::max(c.start, block_end);
            if (left.start < left.end) add(left);
            if (right.start < right.end) add(right);
          }
          if (cap > k_eps_kwh) fill_cheapest(cheap, std::min(room, cap), kw, chosen);
        }
      } else {
        fell_back = true;
        fill_cheapest(candidates, std::max(target_rem, cheap_goal), kw, chosen);
      }
    } else {
      fill_cheapest(candidates, std::max(target_rem, cheap_goal), kw, chosen);
    }
  }

  // 4. Slots (one price each) and runs (touching slots merged). Planned pieces get back their
  // published (or forecast) price; with carbon data they are cut where the intensity changes.
  for (Piece& p : chosen) {
    if (p.immediate || r.at_once) continue;
    if (auto real = prices.price_at(p.start)) {
      p.price = real;
    } else if (r.forecast_prices) {
      p.price = r.forecast_prices->price_at(p.start);
      p.forecast = true;
    }
  }
  if (r.carbon_g_per_kwh) chosen = split_at(chosen, *r.carbon_g_per_kwh);
  std::sort(chosen.begin(), chosen.end(),
            [](const Piece& a, const Piece& b) { return a.start < b.start; });
  const double planned_h = assign_energy(chosen, v, r.soc);
  auto carbon_at = [&](Instant t) -> std::optional<double> {
    if (!r.carbon_g_per_kwh) return std::nullopt;
    return r.carbon_g_per_kwh->price_at(t);
  };
  for (const Piece& p : chosen) {
    if (!(p.start < p.end)) continue;
    if (!plan.slots.empty()) {
      PlannedSlot& last = plan.slots.back();
      if (last.end == p.start && last.price_p_per_kwh == p.price && last.immediate == p.immediate &&
          last.forecast == p.forecast && last.carbon_g_per_kwh == carbon_at(p.start)) {
        last.end = p.end;
        last.energy_kwh += p.energy_kwh;
        continue;
      }
    }
    plan.slots.push_back({p.start, p.end, 0.0, p.energy_kwh, p.price, 0.0, p.immediate, p.forecast,
                          carbon_at(p.start), 0.0, 0.0, 0.0});
  }
  if (r.carbon_g_per_kwh) plan.total_co2_kg = 0.0;
  for (auto& slot : plan.slots) {
    double h = hours_of(slot.end - slot.start);
    // Flat curve: the power itself (a partial last minute draws it too); tapering: the average.
    slot.power_kw = !v.taper_above_soc ? v.max_charge_kw : h > 0 ? slot.energy_kwh / h : 0.0;
    slot.cost_p = slot.price_p_per_kwh ? slot.energy_kwh * *slot.price_p_per_kwh : 0.0;
    plan.total_energy_kwh += slot.energy_kwh;
    plan.total_cost_p += slot.cost_p;
    if (!slot.price_p_per_kwh) plan.unknown_price_kwh += slot.energy_kwh;
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

  // 5. What the same energy would cost charging at once from now.
  if (r.at_once) {
    if (plan.total_energy_kwh > k_eps_kwh && plan.unknown_price_kwh <= k_eps_kwh)
      plan.charge_now_cost_p = plan.total_cost_p;
    plan.explanation = planner_detail::explain_at_once(plan, r, zone);
    return plan;
  }
  if (plan.total_energy_kwh > k_eps_kwh) {
    auto pieces = charge_at_once(prices, r.now, r.ready_by, planned_h, 1.0);
    assign_energy(pieces, v, r.soc);
    double cost = 0.0;
    bool known = true;
    for (const auto& p : pieces) {
      if (!p.price)
        known = false;
      else
        cost += p.energy_kwh * *p.price;
    }
    if (known) plan.charge_now_cost_p = cost;
    if (r.carbon_g_per_kwh) {
      double co2 = 0.0;
      bool all = true;
      for (const auto& p : split_at(pieces, *r.carbon_g_per_kwh)) {
        if (auto g = carbon_at(p.start))
          co2 += p.energy_kwh * *g / 1000.0;
        else
          all = false;
      }
      if (all) plan.charge_now_co2_kg = co2;
    }
  }
  plan.explanation = planner_detail::explain(plan, r, zone, fell_back);
  return plan;
}

const ChargeRun* run_at(const Plan& plan, Instant t) {
  for (const auto& run : plan.runs) {
    if (run.start <= t && t < run.end) return &run;
  }
  return nullptr;
}

}  // namespace offpeak
