// `solar_forecast:` in the main file: every source type, defaults, the key from a file or a
// systemd credential, and FILE:LINE:COL errors with the cause first.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-11; a test appends from line 12.
constexpr std::string_view k_base = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: simulator
    initial_soc: 35
charging:
  target_soc: 80
  ready_by: "07:30"
tariff: { default: 24.5 }
)";

LoadResult load(const TempDir& dir, const std::string& tail, Environment env = {}) {
  env.working_directory = dir.path();
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + tail), env);
}

TEST(SolarForecastConfig, AbsentMeansNoForecast) {
  TempDir dir;
  auto r = load(dir, "");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  EXPECT_FALSE(r.config->solar_forecast);
}

TEST(SolarForecastConfig, ForecastSolarWithTwoRoofFacesAndDefaults) {
  TempDir dir;
  auto r = load(dir, R"(solar_forecast:
  type: forecast.solar
  latitude: 51.5
  longitude: -0.12
  arrays:
    - { kwp: 4.2, tilt: 35, azimuth: 180 }
    - { kwp: 2, tilt: 20, azimuth: 90 }
)");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  const auto& f = r.config->solar_forecast.value();
  EXPECT_EQ(f.type, SolarForecastType::forecast_solar);
  EXPECT_EQ(solar_forecast_type_name(f.type), "forecast.solar");
  EXPECT_DOUBLE_EQ(f.latitude, 51.5);
  EXPECT_DOUBLE_EQ(f.longitude, -0.12);
  ASSERT_EQ(f.arrays.size(), 2u);
  EXPECT_EQ(f.arrays[0], (SolarArray{4.2, 35, 180}));
  EXPECT_EQ(f.arrays[1], (SolarArray{2, 20, 90}));
  EXPECT_EQ(f.base_url, "https://api.forecast.solar");
  EXPECT_TRUE(f.api_key.empty());
  EXPECT_DOUBLE_EQ(f.confidence, 0.7);
}

TEST(SolarForecastConfig, OpenMeteoWithItsPanelModelAndATestServer) {
  TempDir dir;
  auto r = load(dir, R"(solar_forecast:
  type: open-meteo
  latitude: 45.84
  longitude: 6.86
  arrays: [{ kwp: 4, tilt: 35, azimuth: 180 }]
  base_url: http://127.0.0.1:8080/
  confidence: 0.5
  system_efficiency: 0.9
  temp_coeff: -0.0035
)");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  const auto& f = r.config->solar_forecast.value();
  EXPECT_EQ(f.type, SolarForecastType::open_meteo);
  EXPECT_EQ(f.base_url, "http://127.0.0.1:8080");
  EXPECT_DOUBLE_EQ(f.confidence, 0.5);
  EXPECT_DOUBLE_EQ(f.system_efficiency, 0.9);
  EXPECT_DOUBLE_EQ(f.temp_coeff, -0.0035);
}

TEST(SolarForecastConfig, SolcastKeyFromAFileOrTheCredential) {
  TempDir dir;
  dir.write("solcast.key", "abc123DEF\n");
  auto r = load(dir, R"(solar_forecast:
  type: solcast
  latitude: 51.5
  longitude: -0.12
  site_id: [1234-5678-9abc-def0, aaaa-bbbb]
  api_key_file: solcast.key
)");
  ASSERT_TRUE(r.config) << r.errors.at(0).to_string();
  const auto& f = r.config->solar_forecast.value();
  EXPECT_EQ(f.type, SolarForecastType::solcast);
  EXPECT_EQ(f.api_key.reveal(), "abc123DEF");
  EXPECT_EQ(f.site_ids, (std::vector<std::string>{"1234-5678-9abc-def0", "aaaa-bbbb"}));
  EXPECT_EQ(f.base_url, "https://api.solcast.com.au");

  TempDir creds;
  creds.write("solcast-api-key", "fromsystemd\n");
  Environment env;
  env.credentials_directory = creds.path();
  auto c = load(dir, R"(solar_forecast:
  type: solcast
  latitude: 51.5
  longitude: -0.12
  site_id: 1234-5678
)",
                env);
  ASSERT_TRUE(c.config) << c.errors.at(0).to_string();
  EXPECT_EQ(c.config->solar_forecast->api_key.reveal(), "fromsystemd");
  // The unit's fallback (a lone newline) is "not provided".
  creds.write("solcast-api-key", "\n");
  auto none =
      load(dir, "solar_forecast: { type: solcast, latitude: 1, longitude: 1, site_id: ab }\n", env);
  ASSERT_FALSE(none.errors.empty());
  EXPECT_NE(none.errors[0].message.find("needs an API key"), std::string::npos)
      << none.errors[0].to_string();
  EXPECT_EQ(c.config->solar_forecast->site_ids, (std::vector<std::string>{"1234-5678"}));
}

struct Bad {
  std::string tail;
  std::string at;  // the text the error points at (its first occurrence in `tail`)
  const char* says;
};

TEST(SolarForecastConfig, ErrorsPointAtTheCause) {
  const std::string geo = "latitude: 51, longitude: 0";
  const std::string roof = "arrays: [{ kwp: 4, tilt: 35, azimuth: 180 }]";
  const Bad cases[] = {
      {"solar_forecast: { type: sunny }\n", "sunny", "unknown solar forecast type 'sunny'"},
      {"solar_forecast: { type: [forecast.solar] }\n", "[forecast.solar]",
       "unknown solar forecast type"},
      {"solar_forecast: { latitude: 1 }\n", "solar_forecast", "missing required key 'type'"},
      {"solar_forecast: { type: open-meteo, latitude: 95, longitude: 0, " + roof + " }\n", "95",
       "-90..90"},
      {"solar_forecast: { type: open-meteo, latitude: 5, longitude: east, " + roof + " }\n", "east",
       "-180..180"},
      {"solar_forecast: { type: open-meteo, " + geo + " }\n", "solar_forecast",
       "missing required key 'arrays'"},
      {"solar_forecast: { type: open-meteo, " + geo + ", arrays: [] }\n", "[]",
       "list of roof faces"},
      {"solar_forecast: { type: open-meteo, " + geo +
           ", arrays: [{ kwp: 0, tilt: 3, azimuth: 9 }] }\n",
       "0, tilt", "peak power in kW"},
      {"solar_forecast: { type: open-meteo, " + geo +
           ", arrays: [{ kwp: 4, tilt: 95, azimuth: 9 }] }\n",
       "95", "degrees from horizontal"},
      {"solar_forecast: { type: open-meteo, " + geo +
           ", arrays: [{ kwp: 4, tilt: 5, azimuth: 400 }] }\n",
       "400", "degrees from north"},
      {"solar_forecast: { type: open-meteo, " + geo +
           ", arrays: [{ kwp: 4, tilt: 5, azimut: 9 }] }\n",
       "azimut:", "did you mean 'azimuth'"},
      {"solar_forecast: { type: forecast.solar, " + geo + ", " + roof + ", site_id: x }\n", "x }",
       "'site_id' is for type solcast"},
      {"solar_forecast: { type: solcast, " + geo + ", site_id: x, " + roof +
           ", api_key_file: /dev/null }\n",
       "[{", "give 'site_id' instead of 'arrays'"},
      {"solar_forecast: { type: solcast, " + geo + ", api_key_file: /dev/null }\n",
       "solar_forecast", "missing required key 'site_id'"},
      {"solar_forecast: { type: solcast, " + geo + ", site_id: \"a/../b\", api_key_file: k }\n",
       "\"a/../b\"", "letters, digits and '-'"},
      {"solar_forecast: { type: solcast, " + geo + ", site_id: ab12 }\n", "solar_forecast",
       "needs an API key"},
      {"solar_forecast: { type: solcast, " + geo + ", site_id: ab12, api_key_file: nope.key }\n",
       "nope.key", "cannot read the solar forecast API key file"},
      {"solar_forecast: { type: solcast, " + geo + ", site_id: ab12, api_key_file: /dev/null }\n",
       "/dev/null", "is empty"},
      {"solar_forecast: { type: open-meteo, " + geo + ", " + roof + ", base_url: ftp://x }\n",
       "ftp://x", "http:// or https:// URL"},
      {"solar_forecast: { type: open-meteo, " + geo + ", " + roof + ", confidence: 1.5 }\n", "1.5",
       "between 0 and 1"},
      {"solar_forecast: { type: open-meteo, " + geo + ", " + roof + ", temp_coeff: 0.4 }\n", "0.4",
       "per kelvin"},
      {"solar_forecast: { type: open-meteo, " + geo + ", " + roof + ", arays: 1 }\n", "arays",
       "did you mean 'arrays'"},
      {"solar_forecast: 5\n", "5", "expected a mapping for 'solar_forecast'"},
      {"solar_forcast: {}\n", "solar_forcast", "did you mean 'solar_forecast'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tail);
    TempDir dir;
    auto r = load(dir, c.tail);
    EXPECT_FALSE(r.config);
    ASSERT_FALSE(r.errors.empty());
    const ConfigError& e = r.errors.front();
    EXPECT_EQ(e.line, 12) << e.to_string();
    EXPECT_EQ(e.column, static_cast<int>(c.tail.find(c.at)) + 1) << e.to_string();
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.to_string();
  }
}

TEST(SolarForecastConfig, TheKeyNeverAppearsInAnError) {
  TempDir dir;
  dir.write("two.key", "secret-one secret-two\n");
  auto r = load(dir,
                "solar_forecast: { type: solcast, latitude: 1, longitude: 1, site_id: ab, "
                "api_key_file: two.key }\n");
  ASSERT_FALSE(r.errors.empty());
  for (const auto& e : r.errors)
    EXPECT_EQ(e.to_string().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace offpeak::config
