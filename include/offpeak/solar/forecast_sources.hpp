#pragma once
// Solar forecast sources, the pure parts: for each `solar_forecast: type:` the request that
// fetches one array's (or one rooftop site's) forecast and the parser of the answer, turning it
// into a PvForecast (docs/solar-forecast.md). No sockets: the daemon sends the requests.
//
//  - forecast.solar: GET {base}/[{key}/]estimate/{lat}/{lon}/{tilt}/{az}/{kwp}; `result.watts`
//    maps local times ("YYYY-MM-DD HH:MM:SS", the zone in `message.info.timezone`) to the
//    instant power in W. Between two points the power is their mean (what the source's own
//    watt_hours_period says).
//  - open-meteo: GET {base}/v1/forecast?...&minutely_15=...; instant irradiance (W/m2) every
//    15 min, times local with `utc_offset_seconds`. Global tilted irradiance when asked for
//    (`global_tilted_irradiance_instant`), else transposed from the global, diffuse and direct
//    normal irradiance; turned into power by the PanelModel with `temperature_2m`.
//  - solcast: GET {base}/rooftop_sites/{id}/forecasts?format=json with a bearer key;
//    `forecasts[]` of `pv_estimate` (kW, mean over the period) ending at `period_end` (UTC) after
//    `period` (ISO 8601: PT5M, PT15M, PT30M, PT60M).
//
// Every parser: never throws; an answer it cannot read is an error with no forecast at all.

#include <offpeak/domain/pv_forecast.hpp>
#include <offpeak/domain/time.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offpeak::solar {

// One roof face as the request and the parsers need it.
struct ArrayQuery {
  PanelOrientation orientation;  // degrees; azimuth from north, clockwise
  PanelModel panel;              // kwp and the model's coefficients
};

struct ForecastRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string loggable_url;  // secrets replaced by "***"
};

struct ForecastParse {
  PvForecast forecast;
  std::string error;  // set when the answer could not be read (forecast then empty)
  bool ok() const { return error.empty(); }
};

// `zone`: the site's zone, for forecast.solar answers that do not name theirs.
ForecastParse parse_forecast_solar(std::string_view body, const Zone& zone);
ForecastParse parse_open_meteo(std::string_view body, const ArrayQuery& array);
ForecastParse parse_solcast(std::string_view body);

// `base_url` without a trailing '/'; `api_key` empty for forecast.solar's public tier.
ForecastRequest forecast_solar_request(std::string_view base_url, const ArrayQuery& array,
                                       std::string_view api_key);
ForecastRequest open_meteo_request(std::string_view base_url, const ArrayQuery& array);
ForecastRequest solcast_request(std::string_view base_url, std::string_view site_id,
                                std::string_view api_key);

}  // namespace offpeak::solar
