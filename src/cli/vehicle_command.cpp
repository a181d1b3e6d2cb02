#include "vehicle_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/connect/client.hpp>

#include <cstdio>
#include <iostream>

namespace offpeak::cli {

int cmd_vehicle(const config::Config& cfg, bool json) {
  const auto* src = std::get_if<config::ConnectSource>(&cfg.vehicle.source);
  if (src == nullptr) {
    std::cerr << "offpeak: vehicle.source is a simulator; `offpeak vehicle` asks the Orange Power "
                 "Connect API (vehicle.source.type: connect)\n";
    return k_exit_config;
  }
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

}  // namespace offpeak::cli
