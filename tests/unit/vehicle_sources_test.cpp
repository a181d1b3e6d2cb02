// The payload readers of the vehicle sources (socket-free) on what Home Assistant, TeslaMate,
// zigbee2mqtt and JSON APIs really send, hostile input included; the `vehicle.source` types
// of the configuration with their errors at FILE:LINE:COL.

#include <offpeak/config/config.hpp>
#include <offpeak/vehicles/readings.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace offpeak::vehicles {
namespace {

using namespace std::chrono;

struct PercentCase {
  std::string name;
  std::string payload;
  std::string field;
  std::optional<double> value;
  bool problem;
};

// Named in the test list by the case's name.
void PrintTo(const PercentCase& c, std::ostream* os) {
  *os << c.name;
}

class ReadPercent : public ::testing::TestWithParam<PercentCase> {};

TEST_P(ReadPercent, ReadsOrSaysWhy) {
  const auto& c = GetParam();
  Read<double> r = read_percent(c.payload, c.field);
  EXPECT_EQ(r.value, c.value);
  EXPECT_EQ(!r.problem.empty(), c.problem) << r.problem;
  if (!c.value && !c.problem) {
    EXPECT_TRUE(r.unknown());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Payloads, ReadPercent,
    ::testing::Values(
        PercentCase{"integer", "45", "", 45.0, false},
        PercentCase{"decimal_string", "45.0", "", 45.0, false},
        PercentCase{"json_string", "\"45.0\"", "", 45.0, false},
        PercentCase{"percent_sign", " 45 %\n", "", 45.0, false},
        PercentCase{"ha_unavailable", "unavailable", "", std::nullopt, false},
        PercentCase{"ha_unknown", "unknown", "", std::nullopt, false},
        PercentCase{"null", "null", "", std::nullopt, false},
        PercentCase{"empty", "", "", std::nullopt, false},
        PercentCase{"junk", "fourty-five", "", std::nullopt, true},
        PercentCase{"binary_junk", std::string("\x01\xff\x00z", 4), "", std::nullopt, true},
        PercentCase{"above_100", "145", "", std::nullopt, true},
        PercentCase{"negative", "-3", "", std::nullopt, true},
        PercentCase{"nan", "nan", "", std::nullopt, false},
        PercentCase{"infinity", "inf", "", std::nullopt, true},
        PercentCase{"json_field", R"({"battery":{"level":81.5,"voltage":398}})", "battery.level",
                    81.5, false},
        PercentCase{"json_field_string", R"({"soc":"45"})", "soc", 45.0, false},
        PercentCase{"json_field_null", R"({"soc":null})", "soc", std::nullopt, false},
        PercentCase{"json_field_unavailable", R"({"soc":"unavailable"})", "soc", std::nullopt,
                    false},
        PercentCase{"json_array_index", R"({"cars":[{"soc":12},{"soc":34}]})", "cars.1.soc", 34.0,
                    false},
        PercentCase{"json_field_missing", R"({"other":1})", "soc", std::nullopt, true},
        PercentCase{"json_field_bool", R"({"soc":true})", "soc", std::nullopt, true},
        PercentCase{"json_field_object", R"({"soc":{"v":1}})", "soc", std::nullopt, true},
        PercentCase{"not_json_with_field", "45", "soc", std::nullopt, true},
        PercentCase{"truncated_json", R"({"soc":4)", "soc", std::nullopt, true}),
    [](const ::testing::TestParamInfo<PercentCase>& c) { return c.param.name; });

TEST(ReadFlag, VocabulariesOfHomeAssistantTeslaMateAndZigbee2Mqtt) {
  // Home Assistant binary_sensor (MQTT statestream, REST state).
  EXPECT_EQ(read_flag("on", "", {}, {}).value, true);
  EXPECT_EQ(read_flag("off", "", {}, {}).value, false);
  EXPECT_TRUE(read_flag("unavailable", "", {}, {}).unknown());
  // TeslaMate teslamate/cars/1/plugged_in.
  EXPECT_EQ(read_flag("true", "", {}, {}).value, true);
  EXPECT_EQ(read_flag("false", "", {}, {}).value, false);
  // zigbee2mqtt: a JSON document with "state".
  EXPECT_EQ(read_flag(R"({"state":"ON","power":7200,"linkquality":120})", "state", {}, {}).value,
            true);
  EXPECT_EQ(read_flag(R"({"state":"OFF"})", "state", {}, {}).value, false);
  // Device trackers.
  EXPECT_EQ(read_flag("home", "", {}, {}).value, true);
  EXPECT_EQ(read_flag("not_home", "", {}, {}).value, false);
  // JSON booleans and numbers.
  EXPECT_EQ(read_flag(R"({"plugged":true})", "plugged", {}, {}).value, true);
  EXPECT_EQ(read_flag(R"({"plugged":0})", "plugged", {}, {}).value, false);
  // Own words replace the defaults.
  EXPECT_EQ(
      read_flag("Connected_Charging", "", {"connected_charging", "connected"}, {"idle"}).value,
      true);
  EXPECT_EQ(read_flag("on", "", {"connected"}, {"idle"}).problem.empty(), false);
  EXPECT_FALSE(read_flag("maybe", "", {}, {}).problem.empty());
}

// Home Assistant's GET /api/states/<entity_id> answer, as the REST API sends it.
constexpr std::string_view k_ha_state = R"({
  "entity_id": "sensor.ioniq_5_battery_level",
  "state": "67",
  "attributes": {"state_class": "measurement", "unit_of_measurement": "%",
                 "device_class": "battery", "friendly_name": "IONIQ 5 Battery level"},
  "last_changed": "2026-12-06T21:04:11.425385+00:00",
  "last_reported": "2026-12-06T22:34:11.425385+00:00",
  "last_updated": "2026-12-06T21:04:11.425385+00:00",
  "context": {"id": "01JEXAMPLE", "parent_id": null, "user_id": null}
})";

TEST(HomeAssistant, StateDocument) {
  std::string problem;
  auto s = parse_ha_state(k_ha_state, problem);
  ASSERT_TRUE(s) << problem;
  EXPECT_EQ(s->entity_id, "sensor.ioniq_5_battery_level");
  EXPECT_EQ(s->state, "67");
  EXPECT_EQ(s->unit, "%");
  EXPECT_EQ(s->device_class, "battery");
  EXPECT_EQ(s->updated_at, parse_rfc3339("2026-12-06T22:34:11Z"));  // last_reported wins
  EXPECT_EQ(read_percent(s->state, "").value, 67.0);
  // Unavailable: unknown, never 0.
  auto u = parse_ha_state(R"({"entity_id":"sensor.x","state":"unavailable","attributes":{},
    "last_changed":"2026-12-06T21:04:11+00:00","last_updated":"2026-12-06T21:04:11+00:00"})",
                          problem);
  ASSERT_TRUE(u);
  EXPECT_TRUE(read_percent(u->state, "").unknown());
  EXPECT_EQ(u->updated_at, parse_rfc3339("2026-12-06T21:04:11Z"));
  EXPECT_FALSE(parse_ha_state(R"({"message":"Entity not found."})", problem));
  EXPECT_NE(problem.find("state"), std::string::npos);
  EXPECT_FALSE(parse_ha_state("<html>", problem));
}

TEST(HomeAssistant, BatteryEntitiesForSetup) {
  const std::string list = "[" + std::string(k_ha_state) + R"(,
    {"entity_id":"sensor.phone_battery","state":"40","attributes":{"device_class":"battery"}},
    {"entity_id":"sensor.outdoor_temp","state":"4.5","attributes":{"device_class":"temperature"}},
    "junk", 7])";
  auto b = ha_entities(list, "battery");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].entity_id, "sensor.ioniq_5_battery_level");
  EXPECT_EQ(b[1].entity_id, "sensor.phone_battery");
  EXPECT_TRUE(ha_entities("{}", "battery").empty());
  EXPECT_TRUE(ha_entities(list, "plug").empty());
}

TEST(HttpDocument, FieldPaths) {
  HttpFields f;
  f.soc = "data.status.battery_details.battery_level";
  f.plugged = "data.status.charging_details.plugged_in";
  f.range = "data.status.battery_details.rated_battery_range_km";
  // TeslaMateApi's /api/v1/cars/1/status shape.
  auto r = read_http_document(R"({"data":{"car":{"car_id":1},"status":{"battery_details":
      {"battery_level":58,"rated_battery_range_km":240.5},
      "charging_details":{"plugged_in":true,"charging_state":"Stopped"}}}})",
                              f);
  EXPECT_EQ(r.soc.value, 58.0);
  EXPECT_EQ(r.plugged.value, true);
  EXPECT_EQ(r.range_km.value, 240.5);
  EXPECT_TRUE(r.charging.unknown());  // not configured
  auto bad = read_http_document("Service Unavailable", f);
  EXPECT_FALSE(bad.problem.empty());
  EXPECT_FALSE(bad.soc.value);
  auto missing = read_http_document(R"({"data":{}})", f);
  EXPECT_FALSE(missing.soc.problem.empty());
}

TEST(HttpDocument, SecretInHeaderTemplates) {
  EXPECT_EQ(fill_secret("Bearer {secret}", "abc"), "Bearer abc");
  EXPECT_EQ(fill_secret("{secret}:{secret}", "x"), "x:x");
  EXPECT_EQ(fill_secret("no placeholder", "x"), "no placeholder");
  EXPECT_EQ(fill_secret("{secret}", "{secret}"), "{secret}");  // no endless replacing
}

TEST(PushedReadings, StaleSocIsLeftOutAndSaidSo) {
  const Instant t0 = *parse_rfc3339("2026-12-06T18:00:00Z");
  PushedReadings p;
  EXPECT_FALSE(p.any());
  p.soc(45, t0);
  p.plugged(true, t0 + minutes{5});
  bool stale = true;
  VehicleState s = p.state("car", t0 + hours{1}, hours{6}, &stale);
  EXPECT_FALSE(stale);
  EXPECT_EQ(s.soc_percent, 45.0);
  EXPECT_EQ(s.plugged_in, true);
  EXPECT_EQ(s.observed_at, t0 + minutes{5});
  s = p.state("car", t0 + hours{7}, hours{6}, &stale);
  EXPECT_TRUE(stale);
  EXPECT_FALSE(s.soc_percent);  // never planned on as current
  EXPECT_EQ(s.plugged_in, true);
  p.forget_soc(t0 + hours{8});
  s = p.state("car", t0 + hours{8}, hours{6}, &stale);
  EXPECT_FALSE(stale);
  EXPECT_FALSE(s.soc_percent);
}

TEST(PushedReadings, RisingSocMeansPluggedInWithoutAPlugValue) {
  const Instant t0 = *parse_rfc3339("2026-12-06T01:00:00Z");
  PushedReadings p;
  p.soc(40, t0);
  VehicleState s = p.state("car", t0, hours{6});
  EXPECT_FALSE(s.plugged_in);
  p.soc(44, t0 + minutes{30});
  s = p.state("car", t0 + minutes{31}, hours{6});
  EXPECT_EQ(s.plugged_in, true);
  EXPECT_EQ(s.charging_state, ChargingState::charging);
  // Long after the last rise it says nothing of the plug.
  s = p.state("car", t0 + hours{3}, hours{6});
  EXPECT_FALSE(s.plugged_in);
  // A plug value wins over the inference.
  p.plugged(false, t0 + minutes{32});
  s = p.state("car", t0 + minutes{33}, hours{6});
  EXPECT_EQ(s.plugged_in, false);
}

// A retained MQTT message's age is unknown: stale (never planned on) until a live value, and
// no base for "SoC rising".
TEST(PushedReadings, ASocOfUnknownAgeIsStaleUntilALiveValue) {
  const Instant t0 = *parse_rfc3339("2026-12-06T18:00:00Z");
  PushedReadings p;
  p.soc_of_unknown_age(40, t0);
  EXPECT_TRUE(p.any());
  EXPECT_TRUE(p.soc_age_unknown());
  bool stale = false;
  VehicleState s = p.state("car", t0, hours{6}, &stale);
  EXPECT_TRUE(stale);  // at once, not after max_age
  EXPECT_FALSE(s.soc_percent);
  p.soc(44, t0 + minutes{10});  // live
  EXPECT_FALSE(p.soc_age_unknown());
  s = p.state("car", t0 + minutes{11}, hours{6}, &stale);
  EXPECT_FALSE(stale);
  EXPECT_EQ(s.soc_percent, 44.0);
  EXPECT_FALSE(s.plugged_in);  // 40 -> 44 is no rise: the 40 may be days old
  // Forgetting the SoC forgets its unknown age too.
  p.soc_of_unknown_age(50, t0 + minutes{20});
  p.forget_soc(t0 + minutes{21});
  s = p.state("car", t0 + minutes{21}, hours{6}, &stale);
  EXPECT_FALSE(stale);
  EXPECT_FALSE(p.soc_age_unknown());
}

}  // namespace
}  // namespace offpeak::vehicles

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

constexpr std::string_view k_head = R"(vehicle:
  battery_kwh: 58
  max_charge_kw: 7.2
  source:
)";
constexpr std::string_view k_tail = R"(tariff:
  default: 24.5
)";

LoadResult load(const TempDir& dir, const std::string& source, const std::string& more = "") {
  Environment env;
  env.working_directory = dir.path();
  return load_config(
      dir.write("offpeak.yaml", std::string(k_head) + source + std::string(k_tail) + more), env);
}

std::string first_error(const LoadResult& r) {
  return r.errors.empty() ? std::string("(no error)") : r.errors.front().to_string();
}

TEST(VehicleSourceConfig, MqttSource) {
  TempDir dir;
  auto r = load(dir,
                "    type: mqtt\n"
                "    soc_topic: teslamate/cars/1/battery_level\n"
                "    plugged_topic: zigbee2mqtt/garage-plug\n"
                "    plugged_field: state\n"
                "    plugged_on: [\"ON\"]\n"
                "    max_age: 2h\n",
                "mqtt:\n  broker: mqtt://127.0.0.1:1883\n");
  ASSERT_TRUE(r.config) << first_error(r);
  const auto& m = std::get<MqttVehicleSource>(r.config->vehicle.source);
  EXPECT_EQ(m.soc.topic, "teslamate/cars/1/battery_level");
  ASSERT_TRUE(m.plugged);
  EXPECT_EQ(m.plugged->field, "state");
  EXPECT_EQ(m.plugged->on, std::vector<std::string>{"ON"});
  EXPECT_EQ(m.max_age, Seconds{7200});
  // Without the mqtt: section.
  auto no_broker = load(dir, "    type: mqtt\n    soc_topic: car/soc\n");
  EXPECT_EQ(first_error(no_broker),
            (dir.path() / "offpeak.yaml").string() +
                ":5:11: source type 'mqtt' needs an 'mqtt:' section with the broker");
  auto wildcard = load(dir, "    type: mqtt\n    soc_topic: car/+/soc\n",
                       "mqtt:\n  broker: mqtt://127.0.0.1:1883\n");
  EXPECT_NE(first_error(wildcard).find(":6:16: expected an MQTT topic without wildcards"),
            std::string::npos)
      << first_error(wildcard);
  auto field_alone = load(dir, "    type: mqtt\n    soc_topic: car/soc\n    plugged_field: state\n",
                          "mqtt:\n  broker: mqtt://127.0.0.1:1883\n");
  EXPECT_NE(first_error(field_alone).find(":7:20: 'plugged_field' needs 'plugged_topic'"),
            std::string::npos)
      << first_error(field_alone);
}

TEST(VehicleSourceConfig, HomeAssistantSourceTokenNeverEchoed) {
  TempDir dir;
  dir.write("ha-token", "eyJhbGciOiJIUzI1NiJ9.secret-token\n");
  auto r = load(dir,
                "    type: homeassistant\n"
                "    url: http://homeassistant.local:8123/\n"
                "    token_file: ha-token\n"
                "    soc_entity: sensor.ioniq_5_battery_level\n"
                "    plugged_entity: binary_sensor.ioniq_5_plugged_in\n");
  ASSERT_TRUE(r.config) << first_error(r);
  const auto& h = std::get<HomeAssistantSource>(r.config->vehicle.source);
  EXPECT_EQ(h.url, "http://homeassistant.local:8123");
  EXPECT_EQ(h.token.reveal(), "eyJhbGciOiJIUzI1NiJ9.secret-token");
  EXPECT_EQ(h.plugged_entity, "binary_sensor.ioniq_5_plugged_in");
  auto no_token = load(dir,
                       "    type: homeassistant\n    url: http://ha:8123\n"
                       "    soc_entity: sensor.soc\n");
  EXPECT_NE(first_error(no_token).find(":4:3: no Home Assistant token"), std::string::npos)
      << first_error(no_token);
  auto bad_entity = load(dir,
                         "    type: homeassistant\n    url: http://ha:8123\n"
                         "    token_file: ha-token\n    soc_entity: Battery Level\n");
  EXPECT_NE(first_error(bad_entity).find(":8:17: expected a Home Assistant entity id"),
            std::string::npos)
      << first_error(bad_entity);
  // From the credentials directory, and the file content is in no error.
  auto misspelt = load(dir,
                       "    type: homeassistant\n    url: http://ha:8123\n"
                       "    tokne_file: ha-token\n    soc_entity: sensor.soc\n");
  EXPECT_NE(first_error(misspelt).find("(did you mean 'token_file'?)"), std::string::npos)
      << first_error(misspelt);
  for (const auto& e : misspelt.errors)
    EXPECT_EQ(e.message.find("secret-token"), std::string::npos);
}

TEST(VehicleSourceConfig, HttpSourceSecretInHeaders) {
  TempDir dir;
  dir.write("api-secret", "s3cr3t\n");
  auto r = load(dir,
                "    type: http\n"
                "    url: http://127.0.0.1:4000/api/v1/cars/1/status\n"
                "    headers: { Authorization: \"Bearer {secret}\" }\n"
                "    secret_file: api-secret\n"
                "    soc_field: data.status.battery_details.battery_level\n"
                "    plugged_field: data.status.charging_details.plugged_in\n");
  ASSERT_TRUE(r.config) << first_error(r);
  const auto& h = std::get<HttpVehicleSource>(r.config->vehicle.source);
  ASSERT_EQ(h.headers.size(), 1u);
  EXPECT_EQ(h.headers[0].second, "Bearer {secret}");
  EXPECT_EQ(h.secret.reveal(), "s3cr3t");
  auto no_secret = load(dir,
                        "    type: http\n    url: http://127.0.0.1:4000/x\n"
                        "    headers: { Authorization: \"Bearer {secret}\" }\n"
                        "    soc_field: soc\n");
  EXPECT_NE(first_error(no_secret).find(":7:14: a header uses {secret}"), std::string::npos)
      << first_error(no_secret);
}

TEST(VehicleSourceConfig, NoneAndCharger) {
  TempDir dir;
  auto none = load(dir, "    type: none\n    arrival_soc: 40\n");
  ASSERT_TRUE(none.config) << first_error(none);
  EXPECT_EQ(std::get<NoVehicleSource>(none.config->vehicle.source).arrival_soc, 40.0);
  auto charger = load(dir, "    type: charger\n");
  EXPECT_NE(first_error(charger).find(":5:11: source type 'charger' reads the SoC from an OCPP "
                                      "charger"),
            std::string::npos)
      << first_error(charger);
  auto key = load(dir, "    type: none\n    soc_topic: x\n");
  EXPECT_NE(first_error(key).find(":6:5: unknown key 'soc_topic' in 'vehicle.source (type: none)'"),
            std::string::npos)
      << first_error(key);
}

}  // namespace
}  // namespace offpeak::config
