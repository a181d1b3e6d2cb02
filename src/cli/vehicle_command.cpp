#include "vehicle_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/connect/client.hpp>
#include <offpeak/domain/charging_model.hpp>
#include <offpeak/domain/poll_policy.hpp>
#include <offpeak/store/history.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace offpeak::cli {

int cmd_vehicle(const config::Config& cfg, bool json) {
  const auto* src = std::get_if<config::ConnectSource>(&cfg.vehicle.source);
  if (src == nullptr) return cmd_vehicle_other_source(cfg, json);
  connect::FetchOutcome out = connect::fetch_vehicle_once(*src, std::chrono::seconds{60});
  if (out.kind != connect::FetchOutcome::Kind::ok || !out.vehicle) {
    std::cerr << "offpeak: " << out.message << "\n";
    return out.exit_code();
  }
  const VehicleState& v = *out.vehicle;
  if (json) {
    std::cout << connect::render_vehicle_json(v);
    if (connect::render_vehicle_json(v).back() != '\n') std::cout << "\n";
    return k_exit_ok;
  }
  char soc[32] = "unknown";
  if (v.soc_percent) std::snprintf(soc, sizeof soc, "%.0f%%", *v.soc_percent);
  char range[32] = "unknown";
  if (v.range_km) std::snprintf(range, sizeof range, "%.0f km", *v.range_km);
  std::cout << v.brand << " " << v.model << (v.year ? " (" + std::to_string(*v.year) + ")" : "")
            << ", device " << v.device_id << "\n"
            << "  state of charge  " << soc << "\n"
            << "  charging state   " << to_string(v.charging_state) << "\n"
            << "  plugged in       "
            << (v.plugged_in ? (*v.plugged_in ? "yes" : "no") : std::string("unknown")) << "\n"
            << "  range            " << range << "\n"
            << "  observed at      " << cfg.zone.format(v.observed_at) << "\n";
  return k_exit_ok;
}

int cmd_vehicle_model(const config::Config& cfg, bool json) {
  const auto now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
  store::ChargeHistory h;
  std::error_code ec;
  if (std::filesystem::exists(cfg.storage.database, ec)) {
    try {
      store::Store db(cfg.storage.database);
      h = store::load_charge_history(db, "", now);
    } catch (const std::exception& e) {
      std::cerr << "offpeak: cannot read " << cfg.storage.database.string() << ": " << e.what()
                << "\n";
      return k_exit_failure;
    }
  }
  const VehicleSpec& configured = cfg.vehicle.spec;
  const LearnedChargingModel m = learn_charging_model(h.observations, configured);
  const VehicleSpec planned = cfg.vehicle.learn ? effective_spec(configured, m) : configured;
  const auto usual = usual_plug_in_times(h.plug_ins, cfg.zone);
  auto day = [](int i) { return std::string(weekday_name(static_cast<Weekday>(i))); };
  auto hhmm = [](int minutes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
    return std::string(buf);
  };
  if (json) {
    namespace js = boost::json;
    js::object usual_json;
    for (int d = 0; d < 7; ++d)
      usual_json[day(d)] = usual[d] ? js::value(hhmm(*usual[d])) : js::value(nullptr);
    auto opt = [](std::optional<double> v) { return v ? js::value(*v) : js::value(nullptr); };
    js::object o{
        {"vehicle", cfg.vehicle.name},
        {"learn", cfg.vehicle.learn},
        {"samples", h.samples},
        {"sessions_recorded", h.sessions},
        {"learned",
         js::object{{"power_kw", opt(m.power_kw)},
                    {"taper_above_soc", opt(m.taper_above_soc)},
                    {"taper_end_kw", m.taper_above_soc ? js::value(m.taper_end_kw) : nullptr},
                    {"sessions", m.sessions},
                    {"pairs", m.pairs}}},
        {"configured_kw", configured.max_charge_kw},
        {"planning_kw", planned.max_charge_kw},
        {"planning_taper_above_soc", opt(planned.taper_above_soc)},
        {"description", describe(m, configured)},
        {"usual_plug_in", std::move(usual_json)},
    };
    std::cout << js::serialize(o) << "\n";
    return k_exit_ok;
  }
  std::cout << "Charging model of " << cfg.vehicle.name << " (60 days of "
            << cfg.storage.database.string() << ": " << h.samples << " samples, " << h.sessions
            << " sessions)\n";
  std::cout << "  learned        " << describe(m, configured) << "\n";
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.1f kW at %.0f %% efficiency", configured.max_charge_kw,
                configured.efficiency * 100);
  std::cout << "  configured     " << buf << "\n";
  std::snprintf(buf, sizeof buf, "%.1f kW%s", planned.max_charge_kw,
                cfg.vehicle.learn ? "" : " (vehicle.learn: false: the configured power)");
  std::cout << "  plans with     " << buf;
  if (planned.taper_above_soc) {
    std::snprintf(buf, sizeof buf, ", tapering above %.0f %% to %.1f kW", *planned.taper_above_soc,
                  planned.taper_end_kw);
    std::cout << buf;
  }
  std::cout << "\n  usual plug-in ";
  bool any = false;
  for (int i = 0; i < 7; ++i) {
    if (!usual[i]) continue;
    std::cout << " " << day(i) << " " << hhmm(*usual[i]);
    any = true;
  }
  std::cout << (any ? "" : " not known yet (needs at least 3 recorded sessions)") << "\n";
  return k_exit_ok;
}

}  // namespace offpeak::cli
