// A year of nights replayed by the backtest (the daemon's controller, forced re-plan every half
// hour, observations every 5-15 min) over a deterministic synthetic Agile-like year of prices.
// Target: under 5 s per year.

#include <offpeak/backtest/backtest.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>

namespace {

using namespace offpeak;
using namespace std::chrono;

// Half-hourly prices for 2023 and a few days around it: a daily shape (cheap nights, a 16:00-19:00
// peak) with deterministic noise, some of it negative.
PriceCurve synthetic_year() {
  std::vector<PriceSlot> v;
  std::uint64_t state = 42;
  Instant t = sys_days{2022y / December / 30};
  Instant end = sys_days{2024y / January / 3};
  for (; t < end; t += minutes{30}) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    double noise = static_cast<double>(state >> 40) / static_cast<double>(1ULL << 24) - 0.5;
    double hour = static_cast<double>((t.time_since_epoch().count() / 60) % 1440) / 60.0;
    double shape = 20.0 + 8.0 * std::sin((hour - 9.0) / 24.0 * 2 * M_PI);
    if (hour >= 16 && hour < 19) shape += 15.0;
    v.push_back({t, t + minutes{30}, shape + 20.0 * noise});
  }
  return PriceCurve(std::move(v));
}

void BM_BacktestYear(benchmark::State& state) {
  PriceCurve prices = synthetic_year();
  backtest::Setup setup;
  setup.vehicle = VehicleSpec{60.0, 7.4, 0.9};
  setup.policy.target_soc = 80;
  setup.zone = *Zone::locate("Europe/London");
  backtest::Options o;
  o.from = 2023y / January / 1;
  o.to = 2023y / December / 31;
  int replans = 0;
  for (auto _ : state) {
    backtest::Summary s = backtest::run(setup, o, prices);
    benchmark::DoNotOptimize(s.smart_cost_p);
    replans = 0;
    for (const auto& n : s.per_night)
      replans += n.replans;
  }
  state.counters["nights"] = 365;
  state.counters["replans"] = replans;
}
BENCHMARK(BM_BacktestYear)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
