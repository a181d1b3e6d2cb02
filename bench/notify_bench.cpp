// Benchmarks of a notification's way out, without the network: the notifier's decision, the
// event JSON and a channel's request, and the outbox round trip on a real SQLite file (store,
// read as the channel's next, mark sent), which is the daemon's own cost per delivery.
// Run: cmake -DOFFPEAK_BENCH=ON -DCMAKE_BUILD_TYPE=Release, then ./bench/offpeak_notify_bench.

#include <offpeak/domain/notify.hpp>
#include <offpeak/notify/channels.hpp>
#include <offpeak/store/outbox.hpp>
#include <offpeak/store/store.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

namespace offpeak {
namespace {

const Instant k_start = *parse_rfc3339("2026-01-13T12:00:00Z");

NotifyEvent event(int i) {
  NotifyEvent e;
  e.kind = EventKind::session_done;
  e.at = k_start + std::chrono::minutes{i};
  e.not_before = e.at;
  e.key = "session_done:" + std::to_string(i);
  e.title = "Charging session done: 21.1 kWh, £1.58";
  e.message = "Charged 21.1 kWh (35% to 80%) for £1.58. Saved £2.12 against charging at once.";
  e.vehicle = "i3s";
  e.data = {{"energy_kwh", 21.1}, {"cost_p", 158.3}, {"started_at", std::string("x")}};
  return e;
}

void BM_NotifierDeviceCheck(benchmark::State& state) {
  EventNotifier n;
  int i = 0;
  for (auto _ : state) {
    const Instant t = k_start + std::chrono::seconds{60 * i++};
    benchmark::DoNotOptimize(n.on_device(t, "charger", (i / 30) % 2 == 0));
  }
}
BENCHMARK(BM_NotifierDeviceCheck);

void BM_EventJsonAndRequests(benchmark::State& state) {
  config::NotifyChannel po;
  po.type = "pushover";
  po.name = "pushover";
  po.base_url = "https://api.pushover.net";
  po.token = config::Secret("azGDORePK8gMaC0QOYAMyEEuzJnyUi");
  po.user_key = config::Secret("uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
  const NotifyEvent e = event(1);
  for (auto _ : state) {
    notify::Outgoing o = notify::outgoing(e);
    benchmark::DoNotOptimize(notify::build_request(po, o, {}));
  }
}
BENCHMARK(BM_EventJsonAndRequests);

void BM_OutboxRoundTrip(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "offpeak-notify-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    store::Store st(dir / "offpeak.db");
    store::Outbox box(st);
    const std::vector<std::string> channels = {"ntfy", "webhook"};
    int i = 0;
    for (auto _ : state) {
      const NotifyEvent e = event(i++);
      store::OutboxEvent row{0,       e.key,     "session_done",       e.at, e.not_before, false,
                             e.title, e.message, notify::event_json(e)};
      auto id = box.add(row, channels);
      for (const auto& c : channels) {
        auto next = box.next_for(c, e.at);
        box.mark_sent(next->event.id, c, e.at);
      }
      benchmark::DoNotOptimize(id);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_OutboxRoundTrip)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace offpeak

BENCHMARK_MAIN();
