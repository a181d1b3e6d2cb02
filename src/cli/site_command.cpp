#include "site_command.hpp"

#include <offpeak/domain/household.hpp>
#include <offpeak/solar/forecast_feed.hpp>
#include <offpeak/solar/home_model.hpp>
#include <offpeak/store/meter_samples.hpp>
#include <offpeak/store/store.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace offpeak::cli {

using namespace std::chrono;
namespace json = boost::json;

namespace {

constexpr int k_history_days = solar::k_home_history_days;

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

const char* const k_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

}  // namespace

std::string describe_solar_forecast(const config::Config& cfg) {
  if (!cfg.solar_forecast) return "";
  const auto& f = *cfg.solar_forecast;
  std::string out = "  solar      " + std::string(config::solar_forecast_type_name(f.type)) + ", ";
  if (f.type == config::SolarForecastType::solcast) {
    out += std::to_string(f.site_ids.size()) + " rooftop site(s)";
  } else {
    double kwp = 0;
    for (const auto& a : f.arrays)
      kwp += a.kwp;
    out += std::to_string(f.arrays.size()) + (f.arrays.size() == 1 ? " face, " : " faces, ") +
           fixed(kwp, 1) + " kWp";
  }
  out += " at " + fixed(f.latitude, 2) + ", " + fixed(f.longitude, 2) + ", counting on " +
         fixed(f.confidence * 100, 0) + " %\n";
  return out;
}

int cmd_site_model(const config::Config& cfg, bool as_json) {
  const Instant now = time_point_cast<Seconds>(system_clock::now());
  solar::HomeModel m;
  std::error_code ec;
  if (std::filesystem::exists(cfg.storage.database, ec)) {
    try {
      store::Store db(cfg.storage.database);
      m = solar::learn_home(cfg, db, now);
    } catch (const std::exception& e) {
      std::cerr << "offpeak: cannot read " << cfg.storage.database.string() << ": " << e.what()
                << "\n";
      return 1;
    }
  }
  const LocalDate today = cfg.zone.local_date(now);
  const Instant day_end = cfg.zone.start_of_day(LocalDate{sys_days{today} + days{2}});
  const auto surplus = expected_surplus(m.forecast, m.scale, m.load, cfg.zone,
                                        now - (now.time_since_epoch() % Seconds{1800}), day_end);
  if (as_json) {
    json::object o;
    o["meter_rows"] = m.rows;
    o["car_charging_rows"] = m.car_rows;
    json::object load;
    for (int d = 0; d < 7; ++d) {
      json::array a;
      for (int h = 0; h < LoadProfile::k_slots; ++h) {
        auto w = m.load.watts(d, h);
        a.push_back(w ? json::value(std::round(*w)) : json::value(nullptr));
      }
      load[k_days[d]] = std::move(a);
    }
    o["load_w"] = std::move(load);
    o["pv_scale"] = {{"factor", m.scale.factor}, {"periods", m.scale.periods}};
    json::array slots;
    for (const auto& s : surplus)
      slots.push_back({{"start", format_rfc3339(s.start)},
                       {"pv_w", std::round(s.pv_w)},
                       {"load_w", std::round(s.load_w)},
                       {"surplus_w", std::round(s.surplus_w)}});
    o["surplus"] = std::move(slots);
    std::cout << json::serialize(o) << "\n";
    return 0;
  }
  std::cout << "Learned from " << m.rows << " meter rows of the last " << k_history_days
            << " days (" << m.car_rows << " while the car charged, its power taken out)\n";
  if (m.load.empty()) {
    std::cout << "No meter history yet: no load profile.\n";
  } else {
    std::cout << "Expected household load, kW, by local half-hour (every 2 h shown):\n      ";
    for (int h = 0; h < LoadProfile::k_slots; h += 4)
      std::printf(" %5s", (std::to_string(h / 2) + ":00").c_str());
    std::cout << "\n";
    for (int d = 0; d < 7; ++d) {
      std::cout << "  " << k_days[d] << " ";
      for (int h = 0; h < LoadProfile::k_slots; h += 4) {
        auto w = m.load.watts(d, h);
        std::printf(" %5s", w ? fixed(*w / 1000, 2).c_str() : "-");
      }
      std::cout << "\n";
    }
  }
  std::cout << "PV forecast scale: " << fixed(m.scale.factor, 2)
            << (m.scale.periods > 0 ? " (median of actual/forecast over " +
                                          std::to_string(m.scale.periods) + " daylight minutes)"
                                    : std::string(" (no history of forecast and PV meter yet)"))
            << "\n";
  if (surplus.empty()) {
    std::cout << (cfg.solar_forecast ? "No cached solar forecast ahead (offpeakd fetches it).\n"
                                     : "No solar_forecast: configured.\n");
    return 0;
  }
  double kwh = 0;
  for (const auto& s : surplus)
    kwh += s.surplus_w * duration<double>(s.end - s.start).count() / 3600000;
  std::cout << "Expected surplus until tomorrow night: " << fixed(kwh, 1) << " kWh\n";
  for (const auto& s : surplus)
    if (s.surplus_w > 0)
      std::cout << "  " << cfg.zone.format(s.start) << "  PV " << fixed(s.pv_w / 1000, 2)
                << " kW - load " << fixed(s.load_w / 1000, 2)
                << " kW = " << fixed(s.surplus_w / 1000, 2) << " kW\n";
  return 0;
}

}  // namespace offpeak::cli
