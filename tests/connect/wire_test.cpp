// Parser tests: the seed's example, BMW-derived devices, type variations and hostile JSON.
#include <offpeak/connect/client.hpp>
#include <offpeak/connect/wire.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace offpeak::connect {
namespace {

namespace json = boost::json;
const Instant k_now = *parse_rfc3339("2026-11-27T21:00:00Z");

constexpr const char* k_seed_device = R"({
    "_id": "62137c48e075b1442f0c955c",
    "electric_range": {"distance": {"value": 121, "units": "KILOMETERS"}},
    "device_type": "bmw", "user_id": "61b1d1a2d5df13f67657dbf2",
    "device_id": "WBY7ZddD802daf16", "id": "916ba1b2eeba4b4881ce9d829852d70e",
    "model": "i3s 94 REX", "year": 2018, "brand": "BMW",
    "charging_state": {"charge_percentage": "82", "state": "NOT_CHARGING",
                       "type": "CONDUCTIVE", "is_charger_connected": false},
    "__v": 0})";

TEST(TokenParser, SeedExample) {
  const auto t = parse_token_response(R"({
    "access_token": "YKJUUwmBXcQThWx7XzU7ddd4pyMZkd3tgWM", "token_type": "Bearer",
    "expires_in": 28800, "refresh_token": "mRlcF34p", "scope": "smacc vehicle_data"})");
  ASSERT_TRUE(t.ok()) << t.error;
  EXPECT_EQ(t.value->access_token.reveal(), "YKJUUwmBXcQThWx7XzU7ddd4pyMZkd3tgWM");
  EXPECT_EQ(t.value->token_type, "Bearer");
  EXPECT_EQ(t.value->expires_in, 28800);
  EXPECT_EQ(t.value->scope, "smacc vehicle_data");
}

TEST(TokenParser, ExpiresInAsStringAndNulls) {
  const auto t = parse_token_response(
      R"({"access_token":"abc","expires_in":"3600","refresh_token":null,"scope":null})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value->expires_in, 3600);
  EXPECT_TRUE(t.value->refresh_token.empty());
}

struct BadToken {
  const char* body;
  const char* expect;
};
void PrintTo(const BadToken& c, std::ostream* os) {
  *os << c.expect;
}
class TokenParserRejects : public ::testing::TestWithParam<BadToken> {};
TEST_P(TokenParserRejects, WithClearMessage) {
  const auto t = parse_token_response(GetParam().body);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error.find(GetParam().expect), std::string::npos) << t.error;
}
INSTANTIATE_TEST_SUITE_P(
    Hostile, TokenParserRejects,
    ::testing::Values(BadToken{"", "not valid JSON"}, BadToken{"{", "not valid JSON"},
                      BadToken{"[]", "not a JSON object"}, BadToken{"null", "not a JSON object"},
                      BadToken{R"({"access_token":42})", "no access_token"},
                      BadToken{R"({"access_token":""})", "no access_token"},
                      BadToken{R"({"access_token":"x")", "not valid JSON"},
                      BadToken{R"({"token_type":"Bearer"})", "no access_token"}));

TEST(TokenParser, ImplausibleExpiresInIsIgnored) {
  for (const char* e : {"-5", "0", "1e300", "\"soon\"", "99999999999999999999999"}) {
    const auto t =
        parse_token_response(std::string(R"({"access_token":"a","expires_in":)") + e + "}");
    ASSERT_TRUE(t.ok()) << e << ": " << t.error;
    EXPECT_FALSE(t.value->expires_in.has_value()) << e;
  }
}

TEST(DeviceParser, SeedExampleAsObject) {
  const auto d = parse_devices_response(k_seed_device);
  ASSERT_TRUE(d.ok()) << d.error;
  ASSERT_EQ(d.value->size(), 1u);
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_EQ(s.device_id, "WBY7ZddD802daf16");
  EXPECT_EQ(s.brand, "BMW");
  EXPECT_EQ(s.model, "i3s 94 REX");
  EXPECT_EQ(s.year, 2018);
  EXPECT_EQ(s.soc_percent, 82.0);
  EXPECT_EQ(s.charging_state, ChargingState::not_charging);
  EXPECT_EQ(s.plugged_in, false);
  EXPECT_EQ(s.range_km, 121.0);
  EXPECT_EQ(s.observed_at, k_now);
}

TEST(DeviceParser, ArrayOfSeveral) {
  const std::string body =
      std::string("[") + k_seed_device + R"(, {"device_id":"WBA2","brand":"BMW","model":"i4"}])";
  const auto d = parse_devices_response(body);
  ASSERT_TRUE(d.ok()) << d.error;
  ASSERT_EQ(d.value->size(), 2u);
  EXPECT_EQ(describe_device((*d.value)[1]), "WBA2 (BMW i4)");
  const VehicleState s = to_vehicle_state((*d.value)[1], k_now);
  EXPECT_FALSE(s.soc_percent.has_value());
  EXPECT_FALSE(s.plugged_in.has_value());
  EXPECT_FALSE(s.range_km.has_value());
  EXPECT_FALSE(s.year.has_value());
  EXPECT_EQ(s.charging_state, ChargingState::unknown);
}

TEST(DeviceParser, NullsAreUnknownNeverZero) {
  const auto d = parse_devices_response(
      R"([{"device_id":"X","year":null,"charging_state":{"charge_percentage":null,
          "state":null,"is_charger_connected":null},"electric_range":null}])");
  ASSERT_TRUE(d.ok());
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_FALSE(s.soc_percent.has_value());
  EXPECT_FALSE(s.year.has_value());
  EXPECT_FALSE(s.plugged_in.has_value());
  EXPECT_FALSE(s.range_km.has_value());
  EXPECT_EQ(s.charging_state, ChargingState::unknown);
}

TEST(DeviceParser, OtherJsonTypes) {
  const auto d = parse_devices_response(
      R"({"device_id":12345,"year":"2018","charging_state":{"charge_percentage":82.5,
          "state":"charging","is_charger_connected":"true"},
          "electric_range":{"distance":{"value":"100","units":null}}})");
  ASSERT_TRUE(d.ok()) << d.error;
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_EQ(s.device_id, "12345");
  EXPECT_EQ(s.year, 2018);
  EXPECT_EQ(s.soc_percent, 82.5);
  EXPECT_EQ(s.charging_state, ChargingState::charging);
  EXPECT_EQ(s.plugged_in, true);
  EXPECT_EQ(s.range_km, 100.0);
}

TEST(DeviceParser, UnknownStateAndOutOfRangeValues) {
  const auto d = parse_devices_response(
      R"({"device_id":"X","year":1066,"charging_state":{"charge_percentage":"150",
          "state":"WARP_SPEED","is_charger_connected":7},
          "electric_range":{"distance":{"value":-3,"units":"KILOMETERS"}}})");
  ASSERT_TRUE(d.ok());
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_EQ(s.charging_state, ChargingState::unknown);
  EXPECT_FALSE(s.soc_percent.has_value());
  EXPECT_FALSE(s.year.has_value());
  EXPECT_FALSE(s.plugged_in.has_value());
  EXPECT_FALSE(s.range_km.has_value());
}

TEST(DeviceParser, RangeUnits) {
  auto range_of = [](const char* units) {
    const auto d = parse_devices_response(
        std::string(R"({"device_id":"X","electric_range":{"distance":{"value":100,"units":)") +
        units + "}}}");
    return to_vehicle_state(d.value->front(), k_now).range_km;
  };
  EXPECT_EQ(range_of("\"KILOMETERS\""), 100.0);
  EXPECT_NEAR(*range_of("\"MILES\""), 160.9344, 1e-9);
  EXPECT_NEAR(*range_of("\"miles\""), 160.9344, 1e-9);
  EXPECT_FALSE(range_of("\"FURLONGS\"").has_value());
}

TEST(DeviceParser, AllBmwStates) {
  for (const char* st :
       {"CHARGING", "NOT_CHARGING", "COMPLETE", "FULLY_CHARGED", "FINISHED_FULLY_CHARGED",
        "FINISHED_NOT_FULL", "PLUGGED_IN", "WAITING_FOR_CHARGING", "TARGET_REACHED", "ERROR",
        "INVALID", "DEFAULT", "UNKNOWN"}) {
    const auto d = parse_devices_response(
        std::string(R"({"device_id":"X","charging_state":{"state":")") + st + "\"}}");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(to_string(to_vehicle_state(d.value->front(), k_now).charging_state), st);
  }
}

struct BadDevices {
  std::string body;
  const char* expect;
};
void PrintTo(const BadDevices& c, std::ostream* os) {
  *os << c.expect << " (" << c.body.size() << " bytes)";
}
class DeviceParserRejects : public ::testing::TestWithParam<BadDevices> {};
TEST_P(DeviceParserRejects, WithClearMessage) {
  const auto d = parse_devices_response(GetParam().body);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error.find(GetParam().expect), std::string::npos) << d.error;
}
INSTANTIATE_TEST_SUITE_P(
    Hostile, DeviceParserRejects,
    ::testing::Values(BadDevices{"", "not valid JSON"}, BadDevices{"[]", "no devices"},
                      BadDevices{"42", "neither a JSON array nor an object"},
                      BadDevices{"\"WBY\"", "neither a JSON array nor an object"},
                      BadDevices{"[1,2,null,[]]", "no device with a device_id"},
                      BadDevices{R"({"device_id":null})", "no device with a device_id"},
                      BadDevices{R"({"device_id":"   "})", "no device with a device_id"},
                      BadDevices{R"([{"device_id":"X","model":"i3")", "not valid JSON"},
                      BadDevices{std::string(100000, '['), "not valid JSON"},
                      BadDevices{std::string(20, '[') + std::string(20, ']'),
                                 "no device with a device_id"},
                      BadDevices{std::string(40, '[') + std::string(40, ']'), "not valid JSON"},
                      BadDevices{std::string(2 * 1024 * 1024, ' ') + "[]", "larger than"},
                      BadDevices{"{\"device_id\":\"\xff\xfe\"}", "not valid JSON"},
                      BadDevices{R"({"device_id":"X",})", "not valid JSON"}));

TEST(DeviceParser, HugeNumbersDoNotCrash) {
  for (const char* n : {"1e999", "-1e999", "123456789012345678901234567890", "1e-999", "NaN"}) {
    const auto d =
        parse_devices_response(std::string(R"({"device_id":"X","year":)") + n +
                               R"(,"charging_state":{"charge_percentage":)" + n +
                               R"(},"electric_range":{"distance":{"value":)" + n + "}}}");
    if (!d.ok()) {
      EXPECT_NE(d.error.find("JSON"), std::string::npos) << n;
      continue;
    }
    const VehicleState s = to_vehicle_state(d.value->front(), k_now);
    EXPECT_FALSE(s.year.has_value()) << n;
    if (s.soc_percent) {
      EXPECT_LE(*s.soc_percent, 100.0) << n;
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct BmwSample {
  const char* file;
  const char* vin;
  double soc;
  const char* state;
  bool connected;
  double range_km;
};
void PrintTo(const BmwSample& c, std::ostream* os) {
  *os << c.vin;
}
class BmwShaped : public ::testing::TestWithParam<BmwSample> {};

// Builds the Orange Power device object for a BMW ConnectedDrive state document.
std::string orange_power_device_from_bmw(const json::value& bmw, const std::string& vin) {
  const auto& ecs = bmw.at("state").at("electricChargingState");
  json::object cs{{"charge_percentage", std::to_string(ecs.at("chargingLevelPercent").as_int64())},
                  {"state", ecs.at("chargingStatus")},
                  {"type", "CONDUCTIVE"},
                  {"is_charger_connected", ecs.at("isChargerConnected")}};
  json::object d{{"device_id", vin},
                 {"brand", "BMW"},
                 {"charging_state", cs},
                 {"electric_range",
                  json::object{{"distance", json::object{{"value", bmw.at("state").at("range")},
                                                         {"units", "KILOMETERS"}}}}}};
  return json::serialize(json::array{d});
}

TEST_P(BmwShaped, DerivedDeviceMatchesBmwValues) {
  const auto& p = GetParam();
  const std::string raw =
      read_file(std::string(OFFPEAK_TEST_DATA) + "/bmw_connecteddrive/" + p.file);
  ASSERT_FALSE(raw.empty()) << p.file;
  const auto body = orange_power_device_from_bmw(json::parse(raw), p.vin);
  const auto d = parse_devices_response(body);
  ASSERT_TRUE(d.ok()) << d.error;
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_EQ(s.device_id, p.vin);
  EXPECT_EQ(s.soc_percent, p.soc);
  EXPECT_EQ(to_string(s.charging_state), p.state);
  EXPECT_EQ(s.plugged_in, p.connected);
  EXPECT_EQ(s.range_km, p.range_km);
}

TEST_P(BmwShaped, RawBmwDocumentFailsCleanly) {
  const std::string raw =
      read_file(std::string(OFFPEAK_TEST_DATA) + "/bmw_connecteddrive/" + GetParam().file);
  const auto d = parse_devices_response(raw);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error.find("device_id"), std::string::npos);
  EXPECT_FALSE(parse_token_response(raw).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Samples, BmwShaped,
    ::testing::Values(BmwSample{"I01_REX_bmw-eadrax-vcs_v4_vehicles_state_WBY00000000REXI01.json",
                                "WBY00000000REXI01", 82, "WAITING_FOR_CHARGING", true, 174},
                      BmwSample{"I01_NOREX_bmw-eadrax-vcs_v4_vehicles_state_WBY000000NOREXI01.json",
                                "WBY000000NOREXI01", 89, "CHARGING", true, 279},
                      BmwSample{"G26_bmw-eadrax-vcs_v4_vehicles_state_WBA00000000DEMO02.json",
                                "WBA00000000DEMO02", 80, "INVALID", false, 472}));

TEST(RenderVehicleJson, CliShape) {
  const auto d = parse_devices_response(k_seed_device);
  const VehicleState s = to_vehicle_state(d.value->front(), k_now);
  EXPECT_EQ(render_vehicle_json(s),
            R"({"device_id":"WBY7ZddD802daf16","brand":"BMW","model":"i3s 94 REX","year":2018,)"
            R"("soc":82,"charging_state":"NOT_CHARGING","plugged_in":false,"range_km":121,)"
            R"("observed_at":"2026-11-27T21:00:00Z"})");
}

TEST(RenderVehicleJson, UnknownsAreNullAndStringsEscaped) {
  VehicleState s;
  s.device_id = "A\"B";
  s.soc_percent = 80.46;
  s.range_km = 160.9344;
  s.observed_at = k_now;
  const auto v = json::parse(render_vehicle_json(s));
  EXPECT_EQ(v.at("device_id").as_string(), "A\"B");
  EXPECT_TRUE(v.at("year").is_null());
  EXPECT_TRUE(v.at("plugged_in").is_null());
  EXPECT_EQ(v.at("charging_state").as_string(), "UNKNOWN");
  EXPECT_DOUBLE_EQ(v.at("soc").to_number<double>(), 80.5);
  EXPECT_DOUBLE_EQ(v.at("range_km").to_number<double>(), 160.9);
  VehicleState none;
  EXPECT_TRUE(json::parse(render_vehicle_json(none)).at("soc").is_null());
}

TEST(FetchOutcome, ExitCodes) {
  FetchOutcome o;
  o.kind = FetchOutcome::Kind::ok;
  EXPECT_EQ(o.exit_code(), 0);
  o.kind = FetchOutcome::Kind::unreachable;
  EXPECT_EQ(o.exit_code(), 69);
  o.kind = FetchOutcome::Kind::credentials_refused;
  EXPECT_EQ(o.exit_code(), 77);
  o.kind = FetchOutcome::Kind::other;
  EXPECT_EQ(o.exit_code(), 1);
}

}  // namespace
}  // namespace offpeak::connect
