// Meter payloads to watts: plain numbers, Shelly Gen1/Gen2 and Tasmota JSON (tests/data/meters),
// units, signs, and what is refused.

#include <offpeak/site/meter_payload.hpp>

#include <gtest/gtest.h>

#include <ostream>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace offpeak::site {
namespace {

using config::MeterSign;
using config::PowerUnit;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(OFFPEAK_TEST_DATA) + "/meters/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

PayloadFormat field(std::string f, PowerUnit unit = PowerUnit::w,
                    MeterSign sign = MeterSign::import) {
  return PayloadFormat{std::move(f), unit, sign};
}

struct Shape {
  const char* file;
  const char* field;
  double watts;
};

// Named in the test list by its file and field.
void PrintTo(const Shape& s, std::ostream* os) {
  *os << s.file << " " << s.field;
}

class RealShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(RealShapes, ReadTheDocumentedField) {
  const Shape& s = GetParam();
  PowerReading r = parse_power(fixture(s.file), field(s.field));
  ASSERT_EQ(r.fault, PayloadFault::none) << to_string(r.fault);
  ASSERT_TRUE(r.watts);
  EXPECT_NEAR(*r.watts, s.watts, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(
    Meters, RealShapes,
    ::testing::Values(
        // Shelly Pro 3EM, /rpc/EM.GetStatus?id=0: the three phases' sum, import positive.
        Shape{"shelly_gen2_pro3em_em_getstatus.json", "total_act_power", 715.5},
        Shape{"shelly_gen2_pro3em_em_getstatus.json", "b_act_power", -951.1},
        // Shelly Plus 1PM, /rpc/Switch.GetStatus?id=0.
        Shape{"shelly_gen2_plus1pm_switch_getstatus.json", "apower", 1083.3},
        // Shelly 3EM Gen1, /status: one phase, and the sum of the three.
        Shape{"shelly_gen1_3em_status.json", "emeters.0.power", -1210.52},
        Shape{"shelly_gen1_3em_status.json", "emeters[2].power", 402.11},
        Shape{"shelly_gen1_3em_status.json", "emeters.*.power", -724.04},
        Shape{"shelly_gen1_3em_status.json", "total_power", -724.04},
        // Shelly Plug S Gen1, /status.
        Shape{"shelly_gen1_plug_s_status.json", "meters.0.power", 612.48},
        // Tasmota, /cm?cmnd=Status%208 and the tele/<topic>/SENSOR message.
        Shape{"tasmota_status8.json", "StatusSNS.ENERGY.Power", 2315},
        Shape{"tasmota_tele_sensor.json", "ENERGY.Power", 2298}),
    [](const auto& p) { return "case" + std::to_string(p.index); });

TEST(MeterPayload, PlainNumbers) {
  PayloadFormat plain;
  EXPECT_EQ(parse_power("1234.5", plain).watts, 1234.5);
  EXPECT_EQ(parse_power(" -250\n", plain).watts, -250);
  EXPECT_EQ(parse_power("+7", plain).watts, 7);
  EXPECT_EQ(parse_power("\"42.5\"", plain).watts, 42.5);  // a JSON string holding a number
  EXPECT_EQ(parse_power("3e2", plain).watts, 300);
  EXPECT_EQ(parse_power("ON", plain).fault, PayloadFault::not_a_number);
  EXPECT_EQ(parse_power("", plain).fault, PayloadFault::not_a_number);
  EXPECT_EQ(parse_power("{\"power\": 5}", plain).fault, PayloadFault::not_a_number);
  EXPECT_EQ(parse_power("12 W", plain).fault, PayloadFault::not_a_number);
}

TEST(MeterPayload, UnitAndSign) {
  PayloadFormat kw{std::nullopt, PowerUnit::kw, MeterSign::import};
  EXPECT_EQ(parse_power("1.5", kw).watts, 1500);
  PayloadFormat exp{std::nullopt, PowerUnit::w, MeterSign::export_};
  // An inverter that reports export positive: 2 kW fed in is -2000 W of import.
  EXPECT_EQ(parse_power("2000", exp).watts, -2000);
  EXPECT_EQ(parse_power("-300", exp).watts, 300);
  PayloadFormat both{std::string("p"), PowerUnit::kw, MeterSign::export_};
  EXPECT_EQ(parse_power("{\"p\": 0.25}", both).watts, -250);
  EXPECT_FALSE(std::signbit(*parse_power("0", exp).watts));  // no "-0 W"
}

TEST(MeterPayload, FaultsAreKindsNeverZero) {
  EXPECT_EQ(parse_power("not json", field("a")).fault, PayloadFault::not_json);
  EXPECT_EQ(parse_power("{\"b\": 1}", field("a")).fault, PayloadFault::no_field);
  EXPECT_EQ(parse_power("{\"a\": null}", field("a")).fault, PayloadFault::field_not_number);
  EXPECT_EQ(parse_power("{\"a\": true}", field("a")).fault, PayloadFault::field_not_number);
  EXPECT_EQ(parse_power("{\"a\": \"n/a\"}", field("a")).fault, PayloadFault::field_not_number);
  EXPECT_EQ(parse_power("{\"a\": {\"b\": 1}}", field("a")).fault, PayloadFault::field_not_number);
  EXPECT_EQ(parse_power("{\"a\": [1, 2]}", field("a.2")).fault, PayloadFault::no_field);
  EXPECT_EQ(parse_power("{\"a\": [1, 2]}", field("a.x")).fault, PayloadFault::no_field);
  EXPECT_EQ(parse_power("{\"a\": []}", field("a.*")).fault, PayloadFault::no_field);
  EXPECT_EQ(parse_power("{\"a\": [{\"p\": 1}, {}]}", field("a.*.p")).fault, PayloadFault::no_field);
  EXPECT_EQ(parse_power("{\"a\": 1e300}", field("a")).fault, PayloadFault::out_of_range);
  EXPECT_FALSE(parse_power("1e400", PayloadFormat{}).watts);
  EXPECT_EQ(parse_power("nan", PayloadFormat{}).fault, PayloadFault::out_of_range);
  EXPECT_EQ(parse_power(std::string(k_max_payload_bytes + 1, ' '), PayloadFormat{}).fault,
            PayloadFault::too_large);
  std::string deep(100, '[');
  EXPECT_EQ(parse_power(deep + std::string(100, ']'), field("a")).fault, PayloadFault::not_json);
  for (auto f : {PayloadFault::not_json, PayloadFault::no_field, PayloadFault::out_of_range})
    EXPECT_FALSE(to_string(f).empty());
}

}  // namespace
}  // namespace offpeak::site

namespace offpeak::site {
namespace {

TEST(MeterSource, ShownWithoutSecrets) {
  config::MeterConfig m;
  m.kind = config::HttpMeter{"http://10.0.0.5/rpc/EM.GetStatus?id=0"};
  EXPECT_EQ(meter_source(m), "http://10.0.0.5/rpc/EM.GetStatus?id=0");
  m.kind = config::HttpMeter{"http://10.0.0.6/cm?user=admin&password=hunter2&cmnd=Status%208"};
  EXPECT_EQ(meter_source(m), "http://10.0.0.6/cm?...");
  m.kind = config::HttpMeter{"https://inverter/api?TOKEN=abc"};
  EXPECT_EQ(meter_source(m).find("abc"), std::string::npos);
  m.kind = config::MqttMeter{"tele/meter/SENSOR"};
  EXPECT_EQ(meter_source(m), "tele/meter/SENSOR");
  config::SunspecMeter s;
  s.host = "192.168.1.60";
  s.unit_id = 240;
  m.kind = s;
  EXPECT_EQ(meter_source(m), "192.168.1.60:502 unit 240 (meter)");
}

}  // namespace
}  // namespace offpeak::site
