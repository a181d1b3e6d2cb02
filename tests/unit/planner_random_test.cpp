// Seeded randomised test of the planner against independent optima:
//  - cheapest: the linear programme "draw E kWh, at most c_i in slot i, minimise sum p_i x_i"
//    solved by enumerating its vertices (every subset of full slots plus at most one
//    fractional slot), on instances of at most 12 slots;
//  - continuous: every whole-second start of a block of the needed length inside stretches of
//    known prices.
// Both oracles apply the planner's documented rules on which time is usable (known prices,
// pieces of at least a minute, within [now, ready_by)).

#include <offpeak/domain/planner.hpp>

#include "plan_checks.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace offpeak {
namespace {

constexpr std::uint64_t k_seed = 20260329;
constexpr int k_cases = 400;  // per strategy

struct Rng {
  std::mt19937_64 gen{k_seed};
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(gen() >> 11) * 0x1.0p-53;
  }
  long long integer(long long lo, long long hi) {  // inclusive
    return lo + static_cast<long long>(gen() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
};

struct Instance {
  PlanRequest request;
  PriceCurve prices;
};

Instance random_instance(Rng& rng, Strategy strategy) {
  const Instant t0 = test::at("2026-03-28T22:00:00Z");
  const int n = static_cast<int>(rng.integer(1, 12));
  std::vector<PriceSlot> slots;
  std::vector<double> seen;
  Instant t = t0;
  for (int i = 0; i < n; ++i) {
    Seconds len{1800};
    if (rng.chance(0.3)) len = Seconds{rng.integer(30, 5400)};  // irregular, some < 1 min
    if (!rng.chance(0.15)) {                                    // else a gap: unknown
      double price = std::round(rng.uniform(-5.0, 40.0) * 100.0) / 100.0;
      if (!seen.empty() && rng.chance(0.25)) {  // ties
        price =
            seen[static_cast<std::size_t>(rng.integer(0, static_cast<long long>(seen.size()) - 1))];
      }
      seen.push_back(price);
      slots.push_back({t, t + len, price});
    }
    t += len;
  }
  Instance in;
  in.prices = PriceCurve(std::move(slots));
  PlanRequest& r = in.request;
  r.now = t0 + Seconds{rng.chance(0.5) ? 0 : rng.integer(0, 1800)};
  r.ready_by = t - Seconds{rng.chance(0.5) ? 0 : rng.integer(0, 1800)};
  if (r.ready_by <= r.now) r.ready_by = r.now + Seconds{rng.integer(60, 7200)};
  r.vehicle =
      VehicleSpec{std::round(rng.uniform(20.0, 80.0)), std::round(rng.uniform(2.0, 11.0) * 10) / 10,
                  std::round(rng.uniform(0.7, 1.0) * 100) / 100};
  r.soc = std::round(rng.uniform(0.0, 95.0));
  r.target_soc = std::min(100.0, r.soc + std::round(rng.uniform(-5.0, 60.0)));
  r.strategy = strategy;
  return in;
}

// Usable time: known, clipped to [now, ready_by), at least a minute.
struct Usable {
  Instant start;
  Instant end;
  double price;
  double cap_kwh;
};

std::vector<Usable> usable(const Instance& in) {
  std::vector<Usable> out;
  const double kw = in.request.vehicle.max_charge_kw;
  for (const auto& s : in.prices.slots()) {
    Instant a = std::max(s.start, in.request.now);
    Instant b = std::min(s.end, in.request.ready_by);
    if (b - a < Seconds{60}) continue;
    out.push_back({a, b, s.price_p_per_kwh, kw * static_cast<double>((b - a).count()) / 3600.0});
  }
  return out;
}

// Minimum cost of drawing `energy` kWh (or everything when there is less), by enumerating
// the vertices of the LP: full slots in `mask`, at most one fractional slot.
double lp_optimum(const std::vector<Usable>& u, double energy) {
  double total_cap = 0.0, all_cost = 0.0;
  for (const auto& s : u) {
    total_cap += s.cap_kwh;
    all_cost += s.cap_kwh * s.price;
  }
  if (energy >= total_cap) return all_cost;
  const std::size_t n = u.size();
  double best = std::numeric_limits<double>::infinity();
  for (std::uint32_t mask = 0; mask < (1U << n); ++mask) {
    double e = 0.0, c = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (mask >> i & 1U) e += u[i].cap_kwh, c += u[i].cap_kwh * u[i].price;
    }
    if (e > energy + 1e-9) continue;
    const double rest = energy - e;
    if (rest <= 1e-9) {
      best = std::min(best, c);
      continue;
    }
    for (std::size_t f = 0; f < n; ++f) {
      if (mask >> f & 1U) continue;
      if (u[f].cap_kwh >= rest) best = std::min(best, c + rest * u[f].price);
    }
  }
  return best;
}

// Minimum of kw x integral(price) over blocks of `dur` inside stretches of touching usable
// slots, every whole-second start; nullopt when no stretch is long enough.
std::optional<double> block_optimum(const std::vector<Usable>& u, Seconds dur, double kw) {
  std::optional<double> best;
  std::size_t i = 0;
  while (i < u.size()) {
    std::size_t j = i;
    while (j + 1 < u.size() && u[j + 1].start == u[j].end)
      ++j;
    // Per-second price table of the stretch.
    std::vector<double> per_second;
    for (std::size_t k = i; k <= j; ++k) {
      per_second.insert(per_second.end(), static_cast<std::size_t>((u[k].end - u[k].start).count()),
                        u[k].price);
    }
    const auto d = static_cast<std::size_t>(dur.count());
    if (per_second.size() >= d) {
      double window = 0.0;
      for (std::size_t s = 0; s < d; ++s)
        window += per_second[s];
      double low = window;
      for (std::size_t s = d; s < per_second.size(); ++s) {
        window += per_second[s] - per_second[s - d];
        low = std::min(low, window);
      }
      const double cost = low * kw / 3600.0;
      if (!best || cost < *best) best = cost;
    }
    i = j + 1;
  }
  return best;
}

double max_abs_price(const std::vector<Usable>& u) {
  double m = 0.0;
  for (const auto& s : u)
    m = std::max(m, std::abs(s.price));
  return m;
}

}  // namespace

// Test names print the strategy's name (found next to the type, in namespace offpeak).
static void PrintTo(Strategy s, std::ostream* os) {
  *os << to_string(s);
}

namespace {

class PlannerRandom : public ::testing::TestWithParam<Strategy> {};

TEST_P(PlannerRandom, MatchesTheIndependentOptimum) {
  const Strategy strategy = GetParam();
  Rng rng;
  if (strategy == Strategy::continuous) rng.gen.discard(1);
  int blocks = 0, fallbacks = 0, infeasible = 0;
  for (int k = 0; k < k_cases; ++k) {
    Instance in = random_instance(rng, strategy);
    const PlanRequest& r = in.request;
    SCOPED_TRACE("case " + std::to_string(k) + ": now " + format_rfc3339(r.now) + " ready_by " +
                 format_rfc3339(r.ready_by) + " soc " + std::to_string(r.soc) + " target " +
                 std::to_string(r.target_soc) + " kw " + std::to_string(r.vehicle.max_charge_kw));
    Plan p = make_plan(r, in.prices, test::london());
    test::expect_plan_invariants(p, r, in.prices);
    if (::testing::Test::HasFailure()) return;

    const std::vector<Usable> u = usable(in);
    const double kw = r.vehicle.max_charge_kw;
    const double need = grid_energy_kwh(r.vehicle, r.soc, r.target_soc);
    double cap = 0.0;
    for (const auto& s : u)
      cap += s.cap_kwh;
    // Rounding a sub-minute remainder up to a minute adds at most a minute's energy.
    const double minute_kwh = kw / 60.0;
    const double second_cost = kw / 3600.0 * max_abs_price(u);

    if (need <= 1e-9) {
      EXPECT_TRUE(p.slots.empty());
      continue;
    }
    if (cap < need - 1e-6) {
      ++infeasible;
      EXPECT_FALSE(p.feasible);
      EXPECT_NEAR(p.total_energy_kwh, cap, 1e-6);  // every usable slot
      EXPECT_NEAR(p.total_cost_p, lp_optimum(u, cap), 1e-6);
      continue;
    }
    EXPECT_TRUE(p.feasible);
    EXPECT_GE(p.total_energy_kwh, need - 1e-6);
    EXPECT_LE(p.total_energy_kwh, need + minute_kwh + 1e-9);

    if (strategy == Strategy::cheapest) {
      // The cheapest way to draw what the plan draws.
      EXPECT_NEAR(p.total_cost_p, lp_optimum(u, p.total_energy_kwh), 1e-6);
    } else {
      const Seconds dur{
          std::max<long long>(static_cast<long long>(std::ceil(need / kw * 3600.0 - 1e-7)), 60)};
      auto block = block_optimum(u, dur, kw);
      if (block) {
        ++blocks;
        EXPECT_EQ(p.runs.size(), 1U);
        // The block's last second may be only partly used.
        EXPECT_NEAR(p.total_cost_p, *block, second_cost + 1e-6);
      } else {
        ++fallbacks;
        EXPECT_NE(p.explanation.find("no uninterrupted block"), std::string::npos);
        EXPECT_NEAR(p.total_cost_p, lp_optimum(u, p.total_energy_kwh), 1e-6);
      }
    }
    if (::testing::Test::HasFailure()) return;
  }
  // The generator must exercise every branch.
  EXPECT_GT(infeasible, 10);
  if (strategy == Strategy::continuous) {
    EXPECT_GT(blocks, 50);
    EXPECT_GT(fallbacks, 5);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeded, PlannerRandom,
                         ::testing::Values(Strategy::cheapest, Strategy::continuous),
                         [](const auto& p) { return std::string(to_string(p.param)); });

// min_soc and charge_below change the objective; check the contract's invariants only, and
// that charge_below leaves no cheap usable time unused while the battery is not full.
TEST(PlannerRandomOptions, InvariantsHoldWithMinSocAndChargeBelow) {
  Rng rng;
  rng.gen.discard(2);
  for (int k = 0; k < k_cases; ++k) {
    Instance in = random_instance(rng, k % 2 == 0 ? Strategy::cheapest : Strategy::continuous);
    PlanRequest& r = in.request;
    if (rng.chance(0.5)) r.min_soc = std::round(rng.uniform(0.0, 50.0));
    if (rng.chance(0.7)) r.charge_below_p_per_kwh = std::round(rng.uniform(-5.0, 10.0));
    SCOPED_TRACE("case " + std::to_string(k));
    Plan p = make_plan(r, in.prices, test::london());
    test::expect_plan_invariants(p, r, in.prices);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << to_string(r.strategy) << " soc " << r.soc << " target " << r.target_soc
                    << " min " << r.min_soc.value_or(-1) << " below "
                    << r.charge_below_p_per_kwh.value_or(-99) << " kw " << r.vehicle.max_charge_kw
                    << " now " << format_rfc3339(r.now) << " ready " << format_rfc3339(r.ready_by)
                    << "\n"
                    << ::testing::PrintToString(test::describe(in.prices)) << "\n"
                    << p.explanation;
      return;
    }
    if (r.charge_below_p_per_kwh && !r.min_soc) {
      const double full = grid_energy_kwh(r.vehicle, r.soc, 100.0);
      double cheap_cap = 0.0;
      for (const auto& s : usable(in)) {
        if (s.price <= *r.charge_below_p_per_kwh) cheap_cap += s.cap_kwh;
      }
      double cheap_used = 0.0;
      for (const auto& s : p.slots) {
        if (*s.price_p_per_kwh <= *r.charge_below_p_per_kwh) cheap_used += s.energy_kwh;
      }
      // Either every cheap usable minute is used or the battery is full. A block's last
      // second may be partly used, also when it ends in cheap time.
      const double other = p.total_energy_kwh - cheap_used;
      EXPECT_GE(cheap_used,
                std::min(full - other, cheap_cap) - r.vehicle.max_charge_kw / 3600.0 - 1e-6)
          << to_string(r.strategy) << " soc " << r.soc << " target " << r.target_soc << " kw "
          << r.vehicle.max_charge_kw << " below " << *r.charge_below_p_per_kwh << " now "
          << format_rfc3339(r.now) << " ready " << format_rfc3339(r.ready_by) << "\n"
          << ::testing::PrintToString(test::describe(in.prices)) << "\n"
          << p.explanation;
    }
    if (::testing::Test::HasFailure()) return;
  }
}

// Carbon weight: the objective is cost + weight x kg CO2. The oracle cuts the usable time at
// every change of price or intensity (dropping pieces under a minute), prices each piece at price +
// weight x g/kWh / 1000 (an unknown intensity at the time-weighted mean of the known ones in [now,
// ready_by), as documented) and solves the LP by enumerating its vertices, as above.
TEST(PlannerRandomCarbon, WeightedObjectiveMatchesTheIndependentOptimum) {
  Rng rng;
  rng.gen.discard(3);
  int checked = 0, greener = 0;
  for (int k = 0; k < k_cases; ++k) {
    Instance in = random_instance(rng, Strategy::cheapest);
    PlanRequest& r = in.request;
    // Half-hourly intensities offset by 15 minutes from the price grid, some unknown.
    std::vector<PriceSlot> cs;
    for (Instant t = test::at("2026-03-28T21:45:00Z"); t < r.ready_by + Seconds{3600};
         t += Seconds{1800}) {
      if (!rng.chance(0.1)) cs.push_back({t, t + Seconds{1800}, std::round(rng.uniform(20, 400))});
    }
    r.carbon_g_per_kwh = PriceCurve(cs);
    r.carbon_weight_p_per_kg = rng.chance(0.2) ? 0.0 : std::round(rng.uniform(1.0, 200.0));
    const double w = r.carbon_weight_p_per_kg;
    const PriceCurve& carbon = *r.carbon_g_per_kwh;
    // The mean known intensity over [now, ready_by), second by second.
    double sum = 0.0, secs = 0.0;
    for (Instant t = r.now; t < r.ready_by; t += Seconds{1}) {
      if (auto g = carbon.price_at(t)) sum += *g, secs += 1.0;
    }
    const double mean = secs > 0 ? sum / secs : 0.0;
    auto intensity = [&](Instant t) { return carbon.price_at(t).value_or(mean); };
    // Usable time cut at the intensity boundaries.
    std::vector<Usable> u;
    for (const Usable& s : usable(in)) {
      Instant a = s.start;
      while (a < s.end) {
        Instant b = s.end;
        for (const auto& c : carbon.slots()) {
          if (c.start > a && c.start < b) b = c.start;
          if (c.end > a && c.end < b) b = c.end;
        }
        const double cap = r.vehicle.max_charge_kw * static_cast<double>((b - a).count()) / 3600.0;
        // Weighted, time is cut where the intensity changes, and a piece shorter than a minute
        // is not used (rule 4 applied to the cut pieces).
        if (w == 0.0 || b - a >= Seconds{60}) {
          u.push_back({a, b, s.price + w * intensity(a) / 1000.0, cap});
        }
        a = b;
      }
    }
    SCOPED_TRACE("case " + std::to_string(k) + " weight " + std::to_string(w));
    Plan p = make_plan(r, in.prices, test::london());
    test::expect_plan_invariants(p, r, in.prices);
    double objective = 0.0, co2 = 0.0, unknown = 0.0;
    for (const auto& s : p.slots) {
      EXPECT_EQ(s.carbon_g_per_kwh, carbon.price_at(s.start));
      EXPECT_EQ(s.carbon_g_per_kwh, carbon.price_at(s.end - Seconds{1}));  // one intensity
      if (s.carbon_g_per_kwh) {
        EXPECT_NEAR(s.co2_kg, s.energy_kwh * *s.carbon_g_per_kwh / 1000.0, 1e-12);
        co2 += s.co2_kg;
      } else {
        unknown += s.energy_kwh;
      }
      objective += s.cost_p + w * s.energy_kwh * intensity(s.start) / 1000.0;
    }
    ASSERT_TRUE(p.total_co2_kg);
    EXPECT_NEAR(*p.total_co2_kg, co2, 1e-9);
    EXPECT_NEAR(p.unknown_carbon_kwh, unknown, 1e-9);
    if (u.size() > 14 || p.slots.empty()) continue;
    ++checked;
    EXPECT_NEAR(objective, lp_optimum(u, p.total_energy_kwh), 1e-6)
        << p.explanation << "\n"
        << ::testing::PrintToString(test::describe(in.prices)) << "\n"
        << ::testing::PrintToString(test::describe(carbon)) << " now " << format_rfc3339(r.now)
        << " ready " << format_rfc3339(r.ready_by);
    // The same request without the weight never emits less.
    PlanRequest plain = r;
    plain.carbon_weight_p_per_kg = 0.0;
    Plan q = make_plan(plain, in.prices, test::london());
    if (unknown <= 1e-9 && q.unknown_carbon_kwh <= 1e-9 &&
        std::abs(q.total_energy_kwh - p.total_energy_kwh) < 1e-9) {
      EXPECT_LE(*p.total_co2_kg, *q.total_co2_kg + 1e-9);
      if (*p.total_co2_kg < *q.total_co2_kg - 1e-6) ++greener;
    }
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(checked, 150);
  EXPECT_GT(greener, 20);
}

}  // namespace
}  // namespace offpeak
