#include <offpeak/domain/vehicle.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace offpeak {
namespace {
constexpr std::array<std::pair<std::string_view, ChargingState>, 13> k_states = {{
    {"CHARGING", ChargingState::charging},
    {"NOT_CHARGING", ChargingState::not_charging},
    {"COMPLETE", ChargingState::complete},
    {"FULLY_CHARGED", ChargingState::fully_charged},
    {"FINISHED_FULLY_CHARGED", ChargingState::finished_fully_charged},
    {"FINISHED_NOT_FULL", ChargingState::finished_not_full},
    {"PLUGGED_IN", ChargingState::plugged_in},
    {"WAITING_FOR_CHARGING", ChargingState::waiting_for_charging},
    {"TARGET_REACHED", ChargingState::target_reached},
    {"ERROR", ChargingState::error},
    {"INVALID", ChargingState::invalid},
    {"DEFAULT", ChargingState::default_state},
    {"UNKNOWN", ChargingState::unknown},
}};
}  // namespace

ChargingState parse_charging_state(std::string_view text) {
  for (const auto& [name, state] : k_states) {
    if (name == text) return state;
  }
  return ChargingState::unknown;
}

std::string_view to_string(ChargingState s) {
  for (const auto& [name, state] : k_states) {
    if (state == s) return name;
  }
  return "UNKNOWN";
}

double grid_energy_kwh(const VehicleSpec& v, double from_soc, double to_soc) {
  if (to_soc <= from_soc || v.efficiency <= 0) return 0.0;
  return (to_soc - from_soc) / 100.0 * v.battery_kwh / v.efficiency;
}

double soc_after(const VehicleSpec& v, double soc, double grid_kwh) {
  if (v.battery_kwh <= 0) return soc;
  return std::min(100.0, soc + grid_kwh * v.efficiency / v.battery_kwh * 100.0);
}

}  // namespace offpeak
