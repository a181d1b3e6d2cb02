// Day-ahead prices: parse time of a two-day ENTSO-E A44 document (the real DE-LU answer:
// 4 series, PT15M, omitted positions), and what planning on 15-minute prices saves against
// planning on the same prices averaged to hours (the plan made on hourly averages, paid at the
// real quarter-hour prices). Counters:
//   nights, cost_q_eur (15-minute plans), cost_h_eur (hourly plans at 15-minute prices),
//   saving_pct.
// Run: cmake -DOFFPEAK_BENCH=ON -DCMAKE_BUILD_TYPE=Release, then ./bench/offpeak_spot_bench.

#include <offpeak/domain/planner.hpp>
#include <offpeak/tariffs/spot.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace offpeak {
namespace {

using namespace std::chrono;

std::string read(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/spot/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& entsoe_doc() {
  static const std::string doc =
      read("entsoe_A44_DE-LU_2025-10-31_11-01_PT15M_A03gaps_4timeseries.xml");
  return doc;
}

void BM_ParseEntsoeTwoDays(benchmark::State& state) {
  const std::string& doc = entsoe_doc();
  for (auto _ : state) {
    auto p = tariffs::parse_entsoe(doc, tariffs::SpotQuery{});
    benchmark::DoNotOptimize(p.slots.data());
    if (p.slots.size() != 192) state.SkipWithError("unexpected slot count");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(doc.size()));
}
BENCHMARK(BM_ParseEntsoeTwoDays);

// The real Oct-Dec 2025 DE-LU quarter-hours (Transparency export, EUR/kWh, local time, no
// gaps: the i-th row starts i quarter-hours after 1 Oct 00:00 CEST).
PriceCurve transparency_series() {
  std::stringstream in(read("DE_LU_2025-10_12_15min_entsoe_EURperkWh.csv"));
  const Zone berlin = *Zone::locate("Europe/Berlin");
  const Instant t0 = berlin.start_of_day(LocalDate{year{2025} / 10 / 1});
  std::vector<PriceSlot> slots;
  std::string line;
  std::getline(in, line);
  for (int i = 0; std::getline(in, line); ++i) {
    std::vector<std::string> cols;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');)
      cols.push_back(c);
    const Instant a = t0 + i * minutes{15};
    slots.push_back({a, a + minutes{15}, std::stod(cols.at(3)) * 100.0});
  }
  return PriceCurve(std::move(slots));
}

// The same prices averaged to UTC hours (each hour of Berlin time is a UTC hour).
PriceCurve hourly(const PriceCurve& q) {
  std::vector<PriceSlot> out;
  for (const auto& s : q.slots()) {
    const Instant h = floor<hours>(s.start);
    if (out.empty() || out.back().start != h) out.push_back({h, h + hours{1}, 0.0});
    out.back().price_p_per_kwh += s.price_p_per_kwh / 4.0;
  }
  return PriceCurve(std::move(out));
}

// A plan's cost at the real quarter-hour prices.
double cost_at(const Plan& plan, const PriceCurve& q) {
  double c = 0;
  for (const auto& s : plan.slots) {
    const double kwh_per_s = s.energy_kwh / static_cast<double>((s.end - s.start).count());
    const PriceCurve part = q.slice(s.start, s.end);
    for (const auto& p : part.slots())
      c += kwh_per_s * static_cast<double>((p.end - p.start).count()) * p.price_p_per_kwh;
  }
  return c;
}

struct Comparison {
  int nights = 0;
  double cost_q = 0, cost_h = 0;
};

// Every window [local day d at from_h, +span) inside `q`: an 11 kW car needing 20 kWh.
Comparison compare(const PriceCurve& q, int from_h, hours span) {
  const Zone berlin = *Zone::locate("Europe/Berlin");
  const PriceCurve h = hourly(q);
  Comparison out;
  const Instant first = q.slots().front().start, last = *q.last_end();
  for (LocalDate d = berlin.local_date(first);; d = LocalDate{sys_days{d} + days{1}}) {
    const Instant a = berlin.at(d, from_h * 60);
    const Instant b = a + span;
    if (b > last) break;
    if (a < first) continue;
    PlanRequest r;
    r.now = a;
    r.ready_by = b;
    r.vehicle = VehicleSpec{100.0, 11.0, 1.0};
    r.soc = 50;
    r.target_soc = 70;
    const Plan pq = make_plan(r, q.slice(a, b), berlin);
    const Plan ph = make_plan(r, h.slice(a, b), berlin);
    out.cost_q += cost_at(pq, q);
    out.cost_h += cost_at(ph, q);
    ++out.nights;
  }
  return out;
}

void report(benchmark::State& state, const Comparison& c) {
  state.counters["nights"] = c.nights;
  state.counters["cost_q_eur"] = c.cost_q / 100.0;
  state.counters["cost_h_eur"] = c.cost_h / 100.0;
  state.counters["saving_pct"] = c.cost_h != 0 ? 100.0 * (c.cost_h - c.cost_q) / c.cost_h : 0.0;
  state.counters["saving_ct_per_night"] = c.nights ? (c.cost_h - c.cost_q) / c.nights : 0.0;
}

// The DE-LU answer's two days, whole days (00:00-24:00 local).
void BM_QuarterVsHourly_FixtureDays(benchmark::State& state) {
  auto p = tariffs::parse_entsoe(entsoe_doc(), tariffs::SpotQuery{});
  const PriceCurve q(p.slots);
  Comparison c;
  for (auto _ : state)
    c = compare(q, 0, hours{24});
  report(state, c);
}
BENCHMARK(BM_QuarterVsHourly_FixtureDays)->Iterations(1);

// Oct-Dec 2025, every night 18:00-07:00 local.
void BM_QuarterVsHourly_OctDec2025Nights(benchmark::State& state) {
  const PriceCurve q = transparency_series();
  Comparison c;
  for (auto _ : state)
    c = compare(q, 18, hours{13});
  report(state, c);
}
BENCHMARK(BM_QuarterVsHourly_OctDec2025Nights)->Iterations(1);

// Oct-Dec 2025, whole days (a car at home all day, ready by midnight).
void BM_QuarterVsHourly_OctDec2025Days(benchmark::State& state) {
  const PriceCurve q = transparency_series();
  Comparison c;
  for (auto _ : state)
    c = compare(q, 0, hours{24});
  report(state, c);
}
BENCHMARK(BM_QuarterVsHourly_OctDec2025Days)->Iterations(1);

}  // namespace
}  // namespace offpeak

BENCHMARK_MAIN();
