// The solar forecast parsers on the real answers in tests/data/solar and on hostile input,
// the panel model against hand-computed values, and summing arrays.
#include <offpeak/solar/forecast_sources.hpp>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace offpeak::solar {
namespace {

using namespace std::chrono;

std::string read(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/solar/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return ss.str();
}

Instant utc(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi};
}

Zone paris() {
  return Zone::locate("Europe/Paris").value();
}

ArrayQuery chamonix(double kwp, double tilt, double azimuth) {
  ArrayQuery a;
  a.orientation = {45.84, 6.86, tilt, azimuth};
  a.panel.kwp = kwp;
  return a;
}

void expect_rejected(const ForecastParse& p, const std::string& fragment) {
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.forecast.empty()) << "a partial forecast with the error " << p.error;
  EXPECT_NE(p.error.find(fragment), std::string::npos) << "error: " << p.error;
}

// --- forecast.solar ------------------------------------------------------------------------

TEST(ForecastSolar, RealAnswerGivesTheSourcesOwnDailyEnergy) {
  const ForecastParse p = parse_forecast_solar(
      read("forecast_solar_estimate_2022-10-24_reserialized.json"), Zone::utc());
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.forecast.valid());
  ASSERT_EQ(p.forecast.intervals.size(), 23u);  // 24 points, the night between the days 0 W
  // The zone is the answer's (Europe/Paris, CEST), not the fallback: 08:04 local = 06:04Z.
  EXPECT_EQ(p.forecast.intervals.front().start, utc(2022, 10, 24, 6, 4));
  EXPECT_EQ(p.forecast.intervals.back().end, utc(2022, 10, 25, 16, 37));
  // watt_hours_day in the same answer: 10234 and 20957 Wh.
  EXPECT_NEAR(p.forecast.energy_kwh(utc(2022, 10, 24, 0), utc(2022, 10, 25, 0)), 10.234, 0.02);
  EXPECT_NEAR(p.forecast.energy_kwh(utc(2022, 10, 25, 0), utc(2022, 10, 26, 0)), 20.957, 0.02);
  // 09:00 -> 10:00 local on the 24th: (696 + 1283) / 2.
  EXPECT_DOUBLE_EQ(p.forecast.watts_at(utc(2022, 10, 24, 7, 30)).value(), 989.5);
  EXPECT_DOUBLE_EQ(p.forecast.watts_at(utc(2022, 10, 24, 22)).value(), 0.0);
  EXPECT_FALSE(p.forecast.watts_at(utc(2022, 10, 24, 6, 3)));
  EXPECT_FALSE(p.forecast.watts_at(utc(2022, 10, 25, 16, 37)));
}

TEST(ForecastSolar, WithoutAZoneInTheAnswerTheSitesZoneIsUsed) {
  const ForecastParse p = parse_forecast_solar(
      R"({"result":{"watts":{"2022-01-10 12:00:00":100,"2022-01-10 13:00:00":300}}})", paris());
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.forecast.intervals.size(), 1u);
  EXPECT_EQ(p.forecast.intervals[0], (PvInterval{utc(2022, 1, 10, 11), utc(2022, 1, 10, 12), 200}));
}

TEST(ForecastSolar, HostileInputsGiveAnErrorAndNoForecast) {
  auto w = [](const std::string& points) { return R"({"result":{"watts":{)" + points + "}}}"; };
  const std::string ok = R"("2022-10-24 09:00:00":1,)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty answer"},
      {"   ", "empty answer"},
      {"x", "not JSON"},
      {"{", "not JSON"},
      {"[]", "no result.watts"},
      {"null", "no result.watts"},
      {R"({"result":null,"message":{"type":"error","text":"Rate limit for API calls reached."}})",
       "forecast.solar refused: Rate limit"},
      {R"({"result":null,"message":{"type":"error"}})", "no reason given"},
      {R"({"result":{"watts":[1,2]}})", "no result.watts"},
      {R"({"result":{"watts":{}}})", "fewer than two"},
      {w(R"("2022-10-24 09:00:00":1)"), "fewer than two"},
      {w(ok + R"("2022-10-24":1)"), "not a local time"},
      {w(ok + R"("2022-13-24 10:00:00":1)"), "not a local time"},
      {w(ok + R"("2022-02-30 10:00:00":1)"), "not a local time"},
      {w(ok + R"("1970-01-01 10:00:00":1)"), "not a local time"},
      {w(ok + R"("2022-10-24 25:00:00":1)"), "not a local time"},
      {w(ok + R"("2022-10-24 10:00:00":-5)"), "not a power"},
      {w(ok + R"("2022-10-24 10:00:00":"5")"), "not a power"},
      {w(ok + R"("2022-10-24 10:00:00":1e300)"), "not a power"},
      {w(ok + R"("2022-10-24 10:00:00":null)"), "not a power"},
      {w(ok + R"("2022-10-24 09:00":1)"), "same instant"},
      {R"({"message":{"info":{"timezone":"Mars/Olympus"}},"result":{"watts":{}}})",
       "unknown time zone"},
      {std::string(100, '[') + std::string(100, ']'), "not JSON"},
  };
  for (const auto& [body, fragment] : cases) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_rejected(parse_forecast_solar(body, paris()), fragment);
  }
}

TEST(ForecastSolar, RequestNamesTheArrayInTheSourcesTermsAndHidesTheKey) {
  const auto r = forecast_solar_request("https://api.forecast.solar", chamonix(4.2, 35, 135), "");
  EXPECT_EQ(r.url, "https://api.forecast.solar/estimate/45.84/6.86/35/-45/4.2");
  const auto k = forecast_solar_request("http://127.0.0.1:9", chamonix(4.2, 35, 270), "s3cret");
  EXPECT_EQ(k.url, "http://127.0.0.1:9/s3cret/estimate/45.84/6.86/35/90/4.2");
  EXPECT_EQ(k.loggable_url.find("s3cret"), std::string::npos);
}

// --- open-meteo -----------------------------------------------------------------------------

const char* const k_openmeteo =
    "openmeteo_forecast_minutely15_irradiance_2025-02-24_lat45.84_lon6.86.json";

TEST(OpenMeteo, RealAnswerPeaksNearSolarNoonAndIsDarkAtNight) {
  const ForecastParse p = parse_open_meteo(read(k_openmeteo), chamonix(4.0, 35, 180));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.forecast.valid());
  ASSERT_EQ(p.forecast.intervals.size(), 287u);
  EXPECT_EQ(p.forecast.intervals.front().start, utc(2025, 2, 23, 23));  // 00:00 at UTC+1
  EXPECT_DOUBLE_EQ(p.forecast.watts_at(utc(2025, 2, 26, 1)).value(), 0.0);
  // The sunniest day (26 Feb): the peak within an hour of solar noon (about 11:45Z here).
  const PvInterval* peak = nullptr;
  for (const auto& i : p.forecast.intervals)
    if (i.start >= utc(2025, 2, 26, 0) && (peak == nullptr || i.watts > peak->watts)) peak = &i;
  ASSERT_NE(peak, nullptr);
  EXPECT_GE(peak->start, utc(2025, 2, 26, 10, 45));
  EXPECT_LE(peak->start, utc(2025, 2, 26, 12, 45));
  // A 4 kWp roof in the cold February sun: more than 2 kW, never above its peak power.
  EXPECT_GT(peak->watts, 2000);
  EXPECT_LT(peak->watts, 4000 * 1.1);
  const double day = p.forecast.energy_kwh(utc(2025, 2, 26, 0), utc(2025, 2, 27, 0));
  EXPECT_GT(day, 8.0);
  EXPECT_LT(day, 4.0 * 8);
  // A roof facing north at 60 degrees gets far less in February.
  const ForecastParse north = parse_open_meteo(read(k_openmeteo), chamonix(4.0, 60, 0));
  ASSERT_TRUE(north.ok());
  EXPECT_LT(north.forecast.energy_kwh(utc(2025, 2, 26, 0), utc(2025, 2, 27, 0)), day / 2);
}

TEST(OpenMeteo, SunGeometryClosesTheRealIrradianceComponents) {
  // Global horizontal = direct normal x sin(sun elevation) + diffuse: the source's own three
  // numbers agree with our sun position when it is right.
  const std::string body = read(k_openmeteo);
  auto doc = boost::json::parse(body);
  const auto& m = doc.at("minutely_15").as_object();
  const auto& t = m.at("time").as_array();
  int checked = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double ghi = m.at("shortwave_radiation_instant").as_array()[i].to_number<double>();
    const double dhi = m.at("diffuse_radiation_instant").as_array()[i].to_number<double>();
    const double dni = m.at("direct_normal_irradiance_instant").as_array()[i].to_number<double>();
    if (ghi < 300) continue;
    const std::string s(t[i].as_string());
    const Instant at = sys_days{year{std::stoi(s.substr(0, 4))} / std::stoi(s.substr(5, 2)) /
                                std::stoi(s.substr(8, 2))} +
                       hours{std::stoi(s.substr(11, 2)) - 1} + minutes{std::stoi(s.substr(14, 2))};
    const SunPosition sun = sun_position(at, 45.84, 6.86);
    EXPECT_NEAR(dni * std::sin(sun.elevation * 3.14159265358979 / 180) + dhi, ghi, 0.05 * ghi + 10)
        << s;
    ++checked;
  }
  EXPECT_GT(checked, 20);
  // A horizontal panel sees the global horizontal irradiance.
  const Instant noon = utc(2025, 2, 26, 11, 45);
  EXPECT_NEAR(
      plane_of_array_irradiance(noon, {45.84, 6.86, 0, 180}, 600, 100, 800),
      800 * std::sin(sun_position(noon, 45.84, 6.86).elevation * 3.14159265358979 / 180) + 100,
      1e-9);
}

TEST(OpenMeteo, TiltedIrradianceIsTurnedIntoPowerByThePanelModel) {
  // 800 W/m2 at 20 degC: cell 20 + 800 x 25 / 800 = 45 degC; derate 1 - 0.004 x 20 = 0.92;
  // 4 kWp x 800 / 1000 x 0.92 x 0.86 = 2531.84 W. 0 W/m2: 0 W. Mean over the quarter: 1265.92.
  const std::string body =
      R"({"utc_offset_seconds":0,"minutely_15":{"time":["2025-06-01T12:00","2025-06-01T12:15",)"
      R"("2025-06-01T12:30","2025-06-01T12:45"],"temperature_2m":[20,20,null,20],)"
      R"("global_tilted_irradiance_instant":[800,0,500,500]}})";
  const ForecastParse p = parse_open_meteo(body, chamonix(4.0, 35, 180));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.forecast.intervals.size(), 1u);  // a null temperature leaves a gap
  EXPECT_EQ(p.forecast.intervals[0].start, utc(2025, 6, 1, 12));
  EXPECT_NEAR(p.forecast.intervals[0].watts, 1265.92, 1e-6);
  EXPECT_NEAR(panel_power_w(PanelModel{4.0}, 800, 20), 2531.84, 1e-6);
}

TEST(OpenMeteo, HostileInputsGiveAnErrorAndNoForecast) {
  auto doc = [](const std::string& times, const std::string& gti, const std::string& extra = "") {
    return R"({"utc_offset_seconds":0,"minutely_15":{"time":)" + times +
           R"(,"global_tilted_irradiance_instant":)" + gti + extra + "}}";
  };
  const std::string t2 = R"(["2025-06-01T12:00","2025-06-01T12:15"])";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty answer"},
      {"nope", "not JSON"},
      {R"({"error":true,"reason":"Parameter 'tilt' is out of range"})",
       "open-meteo refused: Parameter"},
      {R"({"minutely_15":{}})", "no utc_offset_seconds"},
      {R"({"utc_offset_seconds":"0","minutely_15":{}})", "no utc_offset_seconds"},
      {R"({"utc_offset_seconds":999999,"minutely_15":{}})", "no utc_offset_seconds"},
      {R"({"utc_offset_seconds":0})", "no minutely_15.time"},
      {R"({"utc_offset_seconds":0,"minutely_15":{"time":"2025"}})", "no minutely_15.time"},
      {doc(t2, "[1]"), "not an array of 2"},
      {doc(t2, "{}"), "not an array of 2"},
      {R"({"utc_offset_seconds":0,"minutely_15":{"time":["2025-06-01T12:00"]}})",
       "no global_tilted_irradiance_instant nor"},
      {R"({"utc_offset_seconds":0,"minutely_15":{"time":["2025-06-01T12:00"],)"
       R"("shortwave_radiation_instant":[1]}})",
       "no global_tilted_irradiance_instant nor"},
      {doc(R"(["2025-06-01T12:00",7])", "[1,2]"), "not a time"},
      {doc(R"(["2025-06-01T12:00","2025-06-01 12:15:00Z"])", "[1,2]"), "not a time"},
      {doc(R"(["2025-06-01T12:15","2025-06-01T12:00"])", "[1,2]"), "not after"},
      {doc(R"(["2025-06-01T12:00","2025-06-01T12:00"])", "[1,2]"), "not after"},
      {doc(t2, "[1,-3]"), "out of range"},
      {doc(t2, "[1,5000]"), "out of range"},
      {doc(t2, R"([1,"2"])"), "out of range"},
      {doc(t2, "[1,2]", R"(,"temperature_2m":[20,200])"), "out of range"},
      {doc(t2, "[1,2]", R"(,"temperature_2m":[20])"), "not an array of 2"},
      {doc(t2, "[null,2]"), "no two consecutive"},
      {doc(R"(["2025-06-01T12:00","2025-06-01T14:00"])", "[1,2]"), "no two consecutive"},
  };
  for (const auto& [body, fragment] : cases) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_rejected(parse_open_meteo(body, chamonix(4, 35, 180)), fragment);
  }
}

TEST(OpenMeteo, RequestAsksForTiltedIrradianceInUtc) {
  const auto r = open_meteo_request("https://api.open-meteo.com", chamonix(4, 30, 90));
  EXPECT_EQ(r.url,
            "https://api.open-meteo.com/v1/forecast?latitude=45.84&longitude=6.86&minutely_15="
            "temperature_2m,global_tilted_irradiance_instant&tilt=30&azimuth=-90&timezone=GMT&"
            "forecast_days=3");
}

// --- solcast --------------------------------------------------------------------------------

TEST(Solcast, RealAnswersGiveHalfHoursInWatts) {
  const ForecastParse p = parse_solcast(read("solcast_rooftop_forecasts_24h_2022-10-24.json"));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.forecast.valid());
  ASSERT_EQ(p.forecast.intervals.size(), 49u);
  EXPECT_EQ(p.forecast.intervals.front().start, utc(2022, 10, 24, 20, 30));
  EXPECT_EQ(p.forecast.intervals.front().end, utc(2022, 10, 24, 21));
  double peak = 0;
  for (const auto& i : p.forecast.intervals)
    peak = std::max(peak, i.watts);
  EXPECT_NEAR(peak, 2848.3, 1e-6);  // the largest pv_estimate, 2.8483 kW
  EXPECT_NEAR(p.forecast.energy_kwh(utc(2022, 10, 24, 0), utc(2022, 10, 27, 0)), 16.7114, 1e-6);

  const ForecastParse w = parse_solcast(read("solcast_rooftop_forecasts_multiday_2024-12-26.json"));
  ASSERT_TRUE(w.ok()) << w.error;
  EXPECT_EQ(w.forecast.intervals.size(), 97u);
  EXPECT_NEAR(w.forecast.energy_kwh(utc(2024, 12, 26, 0), utc(2024, 12, 29, 0)), 1.4319, 1e-6);
}

TEST(Solcast, HostileInputsGiveAnErrorAndNoForecast) {
  auto one = [](const std::string& end, const std::string& period, const std::string& kw) {
    return R"({"forecasts":[{"pv_estimate":1,"period_end":"2022-10-24T21:00:00Z","period":"PT30M"},)"
           R"({"pv_estimate":)" +
           kw + R"(,"period_end":)" + end + R"(,"period":)" + period + "}]}";
  };
  const std::string e = R"("2022-10-24T21:30:00.0000000Z")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty answer"},
      {"<html>", "not JSON"},
      {R"({"response_status":{"error_code":"TooManyRequests","message":"You have exceeded your free daily limit."}})",
       "solcast refused: TooManyRequests"},
      {R"({"response_status":{}})", "solcast refused"},
      {"{}", "no forecasts array"},
      {R"({"forecasts":{}})", "no forecasts array"},
      {R"({"forecasts":[]})", "empty"},
      {R"({"forecasts":[7]})", "period_end: not an instant"},
      {one(R"("yesterday")", R"("PT30M")", "1"), "period_end: not an instant"},
      {one(R"("2022-10-24T21:30:00")", R"("PT30M")", "1"), "period_end: not an instant"},
      {one(R"("1970-01-01T00:00:00Z")", R"("PT30M")", "1"), "between 2000 and 2100"},
      {one(e, R"("P1D")", "1"), "period: not"},
      {one(e, R"("PT0M")", "1"), "period: not"},
      {one(e, R"("PT2H")", "1"), "period: not"},
      {one(e, R"("PT-5M")", "1"), "period: not"},
      {one(e, "30", "1"), "period: not"},
      {one(e, R"("PT30M")", "-1"), "pv_estimate: not a power"},
      {one(e, R"("PT30M")", "1e9"), "pv_estimate: not a power"},
      {one(e, R"("PT30M")", R"("1")"), "pv_estimate: not a power"},
      {one(e, R"("PT30M")", "null"), "pv_estimate: not a power"},
      {one(R"("2022-10-24T21:15:00Z")", R"("PT30M")", "1"), "overlap"},
      {one(R"("2022-10-24T21:00:00Z")", R"("PT30M")", "1"), "overlap"},
  };
  for (const auto& [body, fragment] : cases) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_rejected(parse_solcast(body), fragment);
  }
}

TEST(Solcast, RequestCarriesTheKeyOnlyInItsHeader) {
  const auto r = solcast_request("https://api.solcast.com.au", "ab12-cd34/../x", "k3y");
  EXPECT_EQ(r.url,
            "https://api.solcast.com.au/rooftop_sites/ab12-cd34x/forecasts?format=json&hours=72");
  EXPECT_EQ(r.loggable_url.find("k3y"), std::string::npos);
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].second, "Bearer k3y");
}

// --- several arrays -------------------------------------------------------------------------

TEST(PvForecastSum, ArraysAddWhereEveryOneIsKnown) {
  const PvForecast east{{{utc(2025, 6, 1, 6), utc(2025, 6, 1, 7), 500},
                         {utc(2025, 6, 1, 7), utc(2025, 6, 1, 8), 900}}};
  const PvForecast west{{{utc(2025, 6, 1, 6, 30), utc(2025, 6, 1, 8, 30), 200}}};
  const std::vector<PvForecast> both{east, west};
  const PvForecast sum = sum_forecasts(both);
  ASSERT_TRUE(sum.valid());
  ASSERT_EQ(sum.intervals.size(), 2u);
  EXPECT_EQ(sum.intervals[0], (PvInterval{utc(2025, 6, 1, 6, 30), utc(2025, 6, 1, 7), 700}));
  EXPECT_EQ(sum.intervals[1], (PvInterval{utc(2025, 6, 1, 7), utc(2025, 6, 1, 8), 1100}));

  const ForecastParse fs = parse_forecast_solar(
      read("forecast_solar_estimate_2022-10-24_reserialized.json"), Zone::utc());
  const ForecastParse sc = parse_solcast(read("solcast_rooftop_forecasts_24h_2022-10-24.json"));
  const std::vector<PvForecast> real{fs.forecast, sc.forecast};
  const PvForecast total = sum_forecasts(real);
  ASSERT_TRUE(total.valid());
  // Known where both are: 25 Oct 06:05Z to 16:37Z is inside both answers.
  const Instant a = utc(2022, 10, 25, 7), b = utc(2022, 10, 25, 16);
  EXPECT_NEAR(total.energy_kwh(a, b), fs.forecast.energy_kwh(a, b) + sc.forecast.energy_kwh(a, b),
              1e-9);
  EXPECT_FALSE(total.watts_at(utc(2022, 10, 24, 7)));  // solcast starts at 20:30Z on the 24th
}

}  // namespace
}  // namespace offpeak::solar
