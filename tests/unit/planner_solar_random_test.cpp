// Seeded randomised test of the planner with the sun against an independent brute force.
//
// Each case is a few half-hour slots with an import price (some unknown), an export price
// (flat or per slot) and an expected surplus. The brute force tries, in every slot, every
// power of a grid (0, the minimum, the maximum, the counted-on surplus and points between;
// on/off: only the maximum) for every twelfth of the slot's time, and keeps the cheapest way
// to draw at least the need by dynamic programming over the slots. Each of its choices is a
// real way to charge, so the planner's plan, priced independently from its slots, must cost no
// more (up to a minute's rounding); and every slot must be a way the switch can charge.

#include <offpeak/domain/planner.hpp>

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace offpeak {
namespace {

constexpr std::uint64_t k_seed = 20261207;
constexpr int k_cases = 200;  // per switch kind

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

struct SlotData {
  std::optional<double> import_p;
  double export_p = 0.0;
  double surplus_kw = 0.0;  // expected (before confidence)
};

struct Instance {
  PlanRequest request;
  PriceCurve prices;
  std::vector<SlotData> slots;
};

constexpr Seconds k_step{1800};

Instance random_instance(Rng& rng, bool modulating) {
  const Instant t0 = test::at("2026-06-13T05:00:00Z");
  const int n = static_cast<int>(rng.integer(1, 8));
  Instance in;
  const bool export_curve = rng.chance(0.5);
  const double flat = std::round(rng.uniform(0.0, 20.0) * 10) / 10;
  std::vector<PriceSlot> imports, exports, surplus;
  for (int i = 0; i < n; ++i) {
    const Instant a = t0 + k_step * i;
    SlotData d;
    if (!rng.chance(0.12)) d.import_p = std::round(rng.uniform(0.0, 35.0) * 10) / 10;
    d.export_p = flat;
    if (export_curve && !rng.chance(0.15)) {  // else a gap: the flat export price
      d.export_p = std::round(rng.uniform(0.0, 25.0) * 10) / 10;
      exports.push_back({a, a + k_step, d.export_p});
    }
    if (!rng.chance(0.25)) {  // else no surplus
      d.surplus_kw = std::round(rng.uniform(-1.0, 9.0) * 10) / 10;
      surplus.push_back({a, a + k_step, d.surplus_kw});
      d.surplus_kw = std::max(0.0, d.surplus_kw);
    }
    if (d.import_p) imports.push_back({a, a + k_step, *d.import_p});
    in.slots.push_back(d);
  }
  in.prices = PriceCurve(std::move(imports));
  PlanRequest& r = in.request;
  r.now = t0;
  r.ready_by = t0 + k_step * n;
  r.vehicle = VehicleSpec{std::round(rng.uniform(20.0, 80.0)),
                          std::round(rng.uniform(2.0, 11.0) * 10) / 10, 0.9};
  r.soc = std::round(rng.uniform(0.0, 90.0));
  r.target_soc = std::min(100.0, r.soc + std::round(rng.uniform(-5.0, 50.0)));
  r.surplus_kw = PriceCurve(std::move(surplus));
  if (export_curve) r.export_p_per_kwh = PriceCurve(std::move(exports));
  r.export_flat_p_per_kwh = flat;
  const double confidences[] = {0.5, 0.7, 1.0};
  r.surplus_confidence = confidences[rng.integer(0, 2)];
  if (modulating) {
    r.min_power_kw = std::min(r.vehicle.max_charge_kw, std::round(rng.uniform(1.0, 4.2) * 10) / 10);
  }
  return in;
}

double counted_surplus(const Instance& in, std::size_t i) {
  return std::clamp(in.slots[i].surplus_kw * in.request.surplus_confidence, 0.0,
                    in.request.vehicle.max_charge_kw);
}

// Cost per hour of drawing `kw` in slot i: the counted-on surplus at the export price, the
// rest at the import price.
double rate(const Instance& in, std::size_t i, double kw) {
  const double sun = std::min(kw, counted_surplus(in, i));
  return sun * in.slots[i].export_p + (kw - sun) * *in.slots[i].import_p;
}

struct Best {
  double cost;
  double energy;
};

// The brute force: the cheapest way found to draw at least `need` kWh.
Best brute_force(const Instance& in, double need) {
  const double pmax = in.request.vehicle.max_charge_kw;
  const bool modulating = in.request.min_power_kw.has_value();
  const double h = 0.5;
  constexpr double bucket = 0.02;
  // State: energy bucket -> cheapest (cost, energy).
  std::map<long, Best> states{{0, {0.0, 0.0}}};
  // Enough energy: one state (the cheapest); below the need: by bucket of energy.
  auto key = [&](double e) {
    return e >= need - 1e-9 ? std::numeric_limits<long>::max()
                            : static_cast<long>(std::floor(e / bucket));
  };
  for (std::size_t i = 0; i < in.slots.size(); ++i) {
    if (!in.slots[i].import_p) continue;
    std::vector<double> powers{pmax};
    if (modulating) {
      const double pmin = *in.request.min_power_kw;
      for (int k = 0; k <= 5; ++k)
        powers.push_back(pmin + (pmax - pmin) * k / 5.0);
      const double s = counted_surplus(in, i);
      if (s > pmin && s < pmax) powers.push_back(s);
    }
    std::map<long, Best> next = states;  // off in this slot
    for (const auto& [k, st] : states) {
      for (double p : powers) {
        for (int twelfths = 1; twelfths <= 12; ++twelfths) {
          const double hours = h * twelfths / 12.0;
          const Best b{st.cost + rate(in, i, p) * hours, st.energy + p * hours};
          auto [it, fresh] = next.try_emplace(key(b.energy), b);
          if (!fresh && b.cost < it->second.cost) it->second = b;
        }
      }
    }
    states = std::move(next);
  }
  Best best{std::numeric_limits<double>::infinity(), 0.0};
  for (const auto& [k, st] : states) {
    if (st.energy >= need - 1e-9 && st.cost < best.cost) best = st;
  }
  return best;
}

}  // namespace

struct SwitchKind {
  bool modulating;
};
static void PrintTo(const SwitchKind& s, std::ostream* os) {
  *os << (s.modulating ? "modulating" : "on_off");
}

namespace {

class PlannerSolarRandom : public ::testing::TestWithParam<SwitchKind> {};

TEST_P(PlannerSolarRandom, NeverWorseThanTheBruteForce) {
  const bool modulating = GetParam().modulating;
  Rng rng;
  if (modulating) rng.gen.discard(7);
  int with_sun = 0, with_grid = 0, infeasible = 0, mixed = 0;
  for (int c = 0; c < k_cases; ++c) {
    const Instance in = random_instance(rng, modulating);
    const PlanRequest& r = in.request;
    const double pmax = r.vehicle.max_charge_kw;
    SCOPED_TRACE("case " + std::to_string(c) + ": slots " + std::to_string(in.slots.size()) +
                 " soc " + std::to_string(r.soc) + " target " + std::to_string(r.target_soc) +
                 " kw " + std::to_string(pmax) + " conf " + std::to_string(r.surplus_confidence));
    const Plan p = make_plan(r, in.prices, test::london());

    // Every slot: a way the switch can charge, priced independently.
    double objective = 0.0, energy = 0.0, solar = 0.0, grid = 0.0, cost = 0.0, forgone = 0.0;
    double max_price = 0.0;
    for (const auto& d : in.slots) {
      if (d.import_p)
        max_price = std::max({max_price, std::abs(*d.import_p), std::abs(d.export_p)});
    }
    for (const PlannedSlot& s : p.slots) {
      ASSERT_LE(r.now, s.start);
      ASSERT_LT(s.start, s.end);
      ASSERT_LE(s.end, r.ready_by);
      if (modulating) {
        EXPECT_GE(s.power_kw, *r.min_power_kw - 1e-9);
        EXPECT_LE(s.power_kw, pmax + 1e-9);
      } else {
        EXPECT_NEAR(s.power_kw, pmax, 1e-9);
      }
      const double hours = static_cast<double>((s.end - s.start).count()) / 3600.0;
      // A partial slot's last second may be only partly used.
      EXPECT_LE(s.energy_kwh, s.power_kw * hours + 1e-9);
      EXPECT_GE(s.energy_kwh, s.power_kw * (hours - 1.0 / 3600.0) - 1e-9);
      const double used = s.energy_kwh / (s.power_kw * hours);
      // The slot, cut at the half hours: the same import price throughout.
      double sun = 0.0;
      for (Instant a = s.start; a < s.end;) {
        const auto i = static_cast<std::size_t>((a - r.now) / k_step);
        const Instant b = std::min(s.end, r.now + k_step * static_cast<long>(i + 1));
        const double h = static_cast<double>((b - a).count()) / 3600.0 * used;
        EXPECT_TRUE(in.slots[i].import_p.has_value()) << "planned at an unknown price";
        if (!in.slots[i].import_p) return;
        EXPECT_EQ(s.price_p_per_kwh, in.slots[i].import_p);
        const double part_sun = std::min(s.power_kw, counted_surplus(in, i)) * h;
        sun += part_sun;
        objective += rate(in, i, s.power_kw) * h;
        forgone += part_sun * in.slots[i].export_p;
        a = b;
      }
      EXPECT_NEAR(s.solar_kwh, sun, 1e-9);
      EXPECT_NEAR(s.grid_kwh, s.energy_kwh - sun, 1e-9);
      EXPECT_NEAR(s.cost_p, s.grid_kwh * *s.price_p_per_kwh, 1e-9);
      energy += s.energy_kwh;
      solar += s.solar_kwh;
      grid += s.grid_kwh;
      cost += s.cost_p;
    }
    EXPECT_NEAR(p.total_energy_kwh, energy, 1e-9);
    EXPECT_NEAR(p.total_solar_kwh, solar, 1e-9);
    EXPECT_NEAR(p.total_grid_kwh, grid, 1e-9);
    EXPECT_NEAR(p.total_cost_p, cost, 1e-9);
    EXPECT_NEAR(p.export_forgone_p, forgone, 1e-9);
    double run_energy = 0.0;
    for (const auto& run : p.runs)
      run_energy += run.energy_kwh;
    EXPECT_NEAR(run_energy, energy, 1e-9);  // no forecast prices here: every slot is in a run

    const double need = grid_energy_kwh(r.vehicle, r.soc, r.target_soc);
    if (need <= 1e-9) {
      EXPECT_TRUE(p.slots.empty());
      continue;
    }
    double all_energy = 0.0, all_cost = 0.0;  // every known slot at full power
    for (std::size_t i = 0; i < in.slots.size(); ++i) {
      if (!in.slots[i].import_p) continue;
      all_energy += pmax * 0.5;
      all_cost += rate(in, i, pmax) * 0.5;
    }
    const double minute = pmax / 60.0 * max_price;  // a remainder rounded up to a minute
    if (all_energy < need - 1e-6) {
      ++infeasible;
      EXPECT_FALSE(p.feasible);
      EXPECT_NEAR(p.total_energy_kwh, all_energy, 1e-6);  // everything there is
      EXPECT_NEAR(objective, all_cost, 1e-6);
    } else {
      const Best b = brute_force(in, need);
      ASSERT_TRUE(std::isfinite(b.cost)) << "the brute force found no way to draw the need";
      EXPECT_TRUE(p.feasible) << p.explanation;
      EXPECT_GE(energy, need - 1e-6);
      EXPECT_LE(energy, need + pmax / 60.0 + 1e-6);
      EXPECT_LE(objective, b.cost + minute + 1e-6) << p.explanation;
    }
    if (solar > 1e-6) ++with_sun;
    if (grid > 1e-6) ++with_grid;
    if (solar > 1e-6 && grid > 1e-6) ++mixed;
    if (::testing::Test::HasFailure()) return;
  }
  // The generator exercises every branch.
  EXPECT_GT(with_sun, 40);
  EXPECT_GT(with_grid, 40);
  EXPECT_GT(mixed, 10);
  EXPECT_GT(infeasible, 10);
}

INSTANTIATE_TEST_SUITE_P(Seeded, PlannerSolarRandom,
                         ::testing::Values(SwitchKind{false}, SwitchKind{true}), [](const auto& p) {
                           return std::string(p.param.modulating ? "modulating" : "on_off");
                         });

// With no surplus at all, the planner with the sun buys what the planner without it buys.
TEST(PlannerSolarRandomNoSun, CostsWhatThePlannerWithoutTheSunCosts) {
  Rng rng;
  rng.gen.discard(11);
  for (int c = 0; c < k_cases; ++c) {
    Instance in = random_instance(rng, false);
    PlanRequest with = in.request;
    with.surplus_kw = PriceCurve{};
    PlanRequest without = in.request;
    without.surplus_kw.reset();
    without.export_p_per_kwh.reset();
    SCOPED_TRACE("case " + std::to_string(c));
    const Plan a = make_plan(with, in.prices, test::london());
    const Plan b = make_plan(without, in.prices, test::london());
    EXPECT_EQ(a.feasible, b.feasible);
    EXPECT_NEAR(a.total_energy_kwh, b.total_energy_kwh, 1e-6);
    EXPECT_NEAR(a.total_cost_p, b.total_cost_p, 1e-6);
    EXPECT_EQ(a.total_solar_kwh, 0.0);
    EXPECT_NEAR(a.total_grid_kwh, a.total_energy_kwh, 1e-9);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace offpeak
