#pragma once
// `solar_forecast:` (spec solar.md, "The sun in the plan"): where the forecast of the panels'
// production comes from and the roof faces it is for.

#include <offpeak/config/secret.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::config {

// The sources, an explicit registry (solar_forecast_config.cpp names them by `type:`).
enum class SolarForecastType { forecast_solar, open_meteo, solcast };

// One roof face. Degrees; azimuth from north, clockwise (180 = south).
struct SolarArray {
  double kwp = 0;
  double tilt = 0;
  double azimuth = 180;
  bool operator==(const SolarArray&) const = default;
};

struct SolarForecastConfig {
  SolarForecastType type = SolarForecastType::forecast_solar;
  double latitude = 0;
  double longitude = 0;
  std::vector<SolarArray> arrays;     // forecast.solar, open-meteo: one or more
  std::vector<std::string> site_ids;  // solcast: one or more rooftop sites
  std::optional<std::filesystem::path> api_key_file;
  Secret api_key;                   // solcast: required; forecast.solar: paid tiers
  std::string base_url;             // the source's own unless overridden (tests)
  double confidence = 0.7;          // the fraction of the expected surplus a plan counts on
  double system_efficiency = 0.86;  // open-meteo's panel model (docs/solar-forecast.md)
  double temp_coeff = -0.004;       // per kelvin above 25 degC
  bool operator==(const SolarForecastConfig&) const = default;
};

// "forecast.solar", "open-meteo", "solcast".
std::string_view solar_forecast_type_name(SolarForecastType t);

}  // namespace offpeak::config
