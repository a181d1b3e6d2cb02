#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/solar/home_model.hpp>
#include <offpeak/store/meter_samples.hpp>

#include <vector>

namespace offpeak::solar {

using namespace std::chrono;

HomeModel learn_home(const config::Config& cfg, const store::Store& db, Instant now) {
  HomeModel out;
  const Instant from = now - days{k_home_history_days};
  const auto rows = store::meter_samples(db, {from, now, 10 * 1000 * 1000, false});
  const auto car = db.samples("", {from - hours{6}, now, 10 * 1000 * 1000, false});
  std::vector<HouseSample> samples;
  std::size_t c = 0;
  std::vector<PvActual> pv_history;
  std::optional<PvForecast> cached;
  if (cfg.solar_forecast) cached = cached_pv_forecast(db, pv_cache_key(*cfg.solar_forecast));
  for (const auto& r : rows) {
    if (!r.grid_w) continue;
    while (c + 1 < car.size() && car[c + 1].ts <= r.ts)
      ++c;
    const bool charging =
        !car.empty() && car[c].ts <= r.ts && car[c].charging_state == ChargingState::charging;
    HouseSample s;
    s.start = r.ts;
    s.duration = minutes{1};
    s.grid_w = *r.grid_w;
    s.pv_w = r.pv_w.value_or(0.0);
    s.car_w = charging ? cfg.vehicle.spec.max_charge_kw * 1000 : 0.0;
    out.car_rows += charging ? 1 : 0;
    samples.push_back(s);
    if (cached && r.pv_w)
      if (auto f = cached->watts_at(r.ts)) pv_history.push_back({*f, *r.pv_w});
  }
  out.rows = samples.size();
  out.load = learn_load_profile(samples, cfg.zone);
  out.scale = learn_pv_scale(pv_history);
  if (cached) out.forecast = std::move(*cached);
  return out;
}

}  // namespace offpeak::solar
