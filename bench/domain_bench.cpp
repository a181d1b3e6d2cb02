// Benchmarks of the domain's hot paths: planning over 48 h of half-hour prices and 7 days of
// quarter-hour prices (both strategies), and evaluating a time-of-use tariff.
// Run: cmake -DOFFPEAK_BENCH=ON -DCMAKE_BUILD_TYPE=Release, then ./bench/offpeak_bench.

#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/tou_tariff.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

namespace offpeak {
namespace {

const Instant k_start = *parse_rfc3339("2026-03-27T18:00:00Z");  // across the spring change

// Agile-like prices: a daily shape plus deterministic noise, some negative.
PriceCurve curve(Seconds step, Seconds span) {
  std::vector<PriceSlot> slots;
  std::uint32_t x = 12345;
  for (Instant t = k_start; t < k_start + span; t += step) {
    x = x * 1664525U + 1013904223U;
    const double hour = static_cast<double>((t.time_since_epoch().count() / 3600) % 24);
    const double price =
        15.0 + 12.0 * std::sin(hour / 24.0 * 6.283) + static_cast<double>(x >> 24) / 16.0 - 8.0;
    slots.push_back({t, t + step, std::round(price * 100.0) / 100.0});
  }
  return PriceCurve(std::move(slots));
}

PlanRequest request(Seconds span, Strategy strategy) {
  PlanRequest r;
  r.now = k_start;
  r.ready_by = k_start + span;
  r.soc = 20;
  r.target_soc = 90;
  r.vehicle = VehicleSpec{77.0, 7.4, 0.9};  // 59.9 kWh: about 8 h of charging
  r.strategy = strategy;
  return r;
}

void plan_bench(benchmark::State& state, Seconds step, Seconds span, Strategy strategy) {
  const PriceCurve prices = curve(step, span);
  const PlanRequest r = request(span, strategy);
  const Zone zone = *Zone::locate("Europe/London");
  for (auto _ : state) {
    Plan p = make_plan(r, prices, zone);
    benchmark::DoNotOptimize(p);
  }
  state.counters["slots"] = static_cast<double>(prices.slots().size());
}

void BM_Plan48hHalfHourCheapest(benchmark::State& s) {
  plan_bench(s, Seconds{1800}, std::chrono::hours{48}, Strategy::cheapest);
}
void BM_Plan48hHalfHourContinuous(benchmark::State& s) {
  plan_bench(s, Seconds{1800}, std::chrono::hours{48}, Strategy::continuous);
}
void BM_Plan7dQuarterHourCheapest(benchmark::State& s) {
  plan_bench(s, Seconds{900}, std::chrono::hours{24 * 7}, Strategy::cheapest);
}
void BM_Plan7dQuarterHourContinuous(benchmark::State& s) {
  plan_bench(s, Seconds{900}, std::chrono::hours{24 * 7}, Strategy::continuous);
}
BENCHMARK(BM_Plan48hHalfHourCheapest)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Plan48hHalfHourContinuous)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Plan7dQuarterHourCheapest)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Plan7dQuarterHourContinuous)->Unit(benchmark::kMicrosecond);

void tou_bench(benchmark::State& state, Seconds span) {
  TouRules rules;
  rules.default_price_p_per_kwh = 24.5;
  rules.periods = {TouPeriod{0x7f, 0xfff, 30, 330, 8.5},
                   TouPeriod{0x60, 0xfff, 13 * 60, 16 * 60, 15.0},
                   TouPeriod{0x7f, 0xc03, 16 * 60, 19 * 60, 35.0},
                   TouPeriod{0x7f, 0xfff, 23 * 60 + 30, 330, 7.0}};
  TouTariff tariff(rules, *Zone::locate("Europe/London"));
  for (auto _ : state) {
    PriceCurve c = tariff.prices(k_start, k_start + span);
    benchmark::DoNotOptimize(c);
  }
}
void BM_TouPrices48h(benchmark::State& s) {
  tou_bench(s, std::chrono::hours{48});
}
void BM_TouPrices7d(benchmark::State& s) {
  tou_bench(s, std::chrono::hours{24 * 7});
}
BENCHMARK(BM_TouPrices48h)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TouPrices7d)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace offpeak
