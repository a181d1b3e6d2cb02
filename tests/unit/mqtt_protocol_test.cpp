// MQTT topics and payloads without a broker, hostile inbound payloads, and the `mqtt:` section
// and `switch: type: mqtt` of the configuration.

#include <offpeak/config/config.hpp>
#include <offpeak/mqtt/protocol.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <ostream>
#include <random>
#include <set>

namespace offpeak::mqtt {
namespace {

namespace json = boost::json;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

State sample_state() {
  State s;
  s.soc = 41.6;
  s.plugged_in = true;
  s.charging = false;
  s.mode = Mode::smart;
  s.target_soc = 80;
  s.ready_by = at("2026-03-28T07:30:00Z");
  s.next_start = at("2026-03-28T00:30:00Z");
  s.planned_cost_p = 123.456;
  s.price_now = 24.5;
  s.switch_on = false;
  s.reason = "waiting for the cheap slot";
  s.plan_json = R"({"feasible":true})";
  return s;
}

TEST(MqttNames, TopicsUnderThePrefix) {
  Names n{"garage/offpeak", "ha"};
  EXPECT_EQ(n.status_topic(), "garage/offpeak/status");
  EXPECT_EQ(n.topic("soc"), "garage/offpeak/soc");
  EXPECT_EQ(n.command_topic("mode"), "garage/offpeak/mode/set");
  EXPECT_EQ(n.command_filter(), "garage/offpeak/+/set");
  EXPECT_EQ(n.ha_status_topic(), "ha/status");
  EXPECT_EQ(n.node_id(), "garage_offpeak");
  EXPECT_EQ(offline_message(n), (Message{"garage/offpeak/status", "offline", 1, true}));
  EXPECT_EQ(online_message(n), (Message{"garage/offpeak/status", "online", 1, true}));
}

TEST(MqttState, ValuesAreRoundedAndUnknownIsNone) {
  auto values = state_values(sample_state());
  std::map<std::string, std::string> m(values.begin(), values.end());
  EXPECT_EQ(m.at("soc"), "42");
  EXPECT_EQ(m.at("plugged_in"), "ON");
  EXPECT_EQ(m.at("charging"), "OFF");
  EXPECT_EQ(m.at("mode"), "smart");
  EXPECT_EQ(m.at("target_soc"), "80");
  EXPECT_EQ(m.at("ready_by"), "2026-03-28T07:30:00Z");
  EXPECT_EQ(m.at("next_start"), "2026-03-28T00:30:00Z");
  EXPECT_EQ(m.at("next_stop"), "None");
  EXPECT_EQ(m.at("planned_cost"), "123.5");
  EXPECT_EQ(m.at("price_now"), "24.50");
  EXPECT_EQ(m.at("switch"), "OFF");
  EXPECT_EQ(m.at("switch_failing"), "OFF");
  EXPECT_EQ(m.at("plan"), R"({"feasible":true})");
  State unknown;
  auto u = state_values(unknown);
  std::map<std::string, std::string> um(u.begin(), u.end());
  EXPECT_EQ(um.at("soc"), "None");
  EXPECT_EQ(um.at("plugged_in"), "None");
  EXPECT_EQ(um.at("price_now"), "None");
  EXPECT_EQ(um.at("switch"), "None");
  EXPECT_EQ(um.at("plan"), "null");
}

TEST(MqttState, PublisherSendsOnlyChangesAndEverythingAfterReset) {
  Names n;
  StatePublisher p;
  State s = sample_state();
  auto first = p.changes(n, s);
  EXPECT_EQ(first.size(), state_values(s).size());
  for (const auto& m : first) {
    EXPECT_TRUE(m.retain) << m.topic;
    EXPECT_EQ(m.qos, 1);
    EXPECT_EQ(m.topic.rfind("offpeak/", 0), 0u) << m.topic;
  }
  EXPECT_TRUE(p.changes(n, s).empty());
  s.soc = 41.9;  // rounds to the same whole percent: nothing to send
  EXPECT_TRUE(p.changes(n, s).empty());
  s.soc = 43.0;
  s.mode = Mode::now;
  auto second = p.changes(n, s);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0], (Message{"offpeak/soc", "43", 1, true}));
  EXPECT_EQ(second[1], (Message{"offpeak/mode", "now", 1, true}));
  p.reset();
  EXPECT_EQ(p.changes(n, s).size(), first.size());
}

TEST(MqttState, SitePowersInWattsAndTheCurrentInTenths) {
  State s;
  s.grid_meter = true;
  s.pv_meter = true;
  auto none = state_values(s);
  std::map<std::string, std::string> um(none.begin(), none.end());
  EXPECT_EQ(um.at("grid_power"), "None");  // no meter
  EXPECT_EQ(um.at("surplus"), "None");
  EXPECT_EQ(um.at("charge_current"), "None");
  s.grid_w = -2874.0;
  s.pv_w = 4012.4;
  s.surplus_w = 2874.0;
  s.current_a = 12.0;
  auto v = state_values(s);
  std::map<std::string, std::string> m(v.begin(), v.end());
  EXPECT_EQ(m.at("grid_power"), "-2874");
  EXPECT_EQ(m.at("pv_power"), "4012");
  EXPECT_EQ(m.at("surplus"), "2874");
  EXPECT_EQ(m.at("charge_current"), "12.0");
}

// Home Assistant shows money in the currency's code and major units (the state topics carry
// minor units); planned_cost is monetary, which allows no state_class but total.
TEST(MqttDiscovery, MoneyUnitsFollowTheCurrency) {
  Names n{"offpeak", "homeassistant"};
  for (const std::string currency : {"GBP", "EUR", "SEK"}) {
    DeviceInfo d{"offpeak i3s", "offpeak", "1.2.3", currency};
    std::map<std::string, json::object> by_id;
    for (const auto& m : discovery_messages(n, d, true)) {
      json::object o = json::parse(m.payload).as_object();
      by_id[std::string(o.at("unique_id").as_string())] = o;
    }
    const json::object& cost = by_id.at("offpeak_planned_cost");
    EXPECT_EQ(cost.at("unit_of_measurement").as_string(), currency);
    EXPECT_EQ(cost.at("device_class").as_string(), "monetary");
    EXPECT_FALSE(cost.contains("state_class"));
    EXPECT_EQ(cost.at("value_template").as_string(),
              "{{ (value | float / 100) | round(2) if value | is_number else None }}");
    const json::object& price = by_id.at("offpeak_price_now");
    EXPECT_EQ(price.at("unit_of_measurement").as_string(), currency + "/kWh");
    EXPECT_FALSE(price.contains("device_class")) << "monetary allows no unit per kWh";
    EXPECT_EQ(price.at("state_class").as_string(), "measurement");
    EXPECT_EQ(price.at("value_template").as_string(),
              "{{ (value | float / 100) | round(4) if value | is_number else None }}");
  }
}

TEST(MqttDiscovery, ConfigsHaveStableIdsOneDeviceAndAvailability) {
  Names n{"offpeak", "homeassistant"};
  DeviceInfo d{"offpeak i3s", "offpeak", "1.2.3"};
  auto msgs = discovery_messages(n, d, true);
  ASSERT_GE(msgs.size(), 10u);
  std::set<std::string> ids;
  std::set<std::string> state_objects;
  for (const auto& [object, payload] : state_values(sample_state()))
    state_objects.insert(object);
  std::map<std::string, json::object> by_object;
  for (const auto& m : msgs) {
    EXPECT_TRUE(m.retain);
    SCOPED_TRACE(m.topic);
    json::value v = json::parse(m.payload);
    ASSERT_TRUE(v.is_object());
    const json::object& o = v.as_object();
    const std::string uid(o.at("unique_id").as_string());
    EXPECT_TRUE(ids.insert(uid).second) << "duplicate unique_id " << uid;
    EXPECT_EQ(uid.rfind("offpeak_", 0), 0u);
    const std::string st(o.at("state_topic").as_string());
    ASSERT_EQ(st.rfind("offpeak/", 0), 0u);
    EXPECT_TRUE(state_objects.count(st.substr(8))) << "no state is published on " << st;
    // <discovery_prefix>/<component>/<node>/<object>/config, the object from the unique_id
    // (the state topic's, except for entities that show another one's state: Tell SoC).
    const std::string object = uid.substr(8);
    EXPECT_EQ(m.topic.substr(m.topic.size() - object.size() - 8), "/" + object + "/config");
    EXPECT_EQ(m.topic.rfind("homeassistant/", 0), 0u);
    const json::object& dev = o.at("device").as_object();
    EXPECT_EQ(dev.at("identifiers").as_array().at(0).as_string(), "offpeak");
    EXPECT_EQ(dev.at("name").as_string(), "offpeak i3s");
    EXPECT_EQ(dev.at("sw_version").as_string(), "1.2.3");
    EXPECT_EQ(dev.at("model").as_string(), "offpeak");
    const json::object& av = o.at("availability").as_array().at(0).as_object();
    EXPECT_EQ(av.at("topic").as_string(), "offpeak/status");
    by_object[object] = o;
  }
  EXPECT_EQ(by_object.at("soc").at("device_class").as_string(), "battery");
  EXPECT_EQ(by_object.at("soc").at("unit_of_measurement").as_string(), "%");
  EXPECT_EQ(by_object.at("plugged_in").at("device_class").as_string(), "plug");
  EXPECT_EQ(by_object.at("charging").at("device_class").as_string(), "battery_charging");
  EXPECT_EQ(by_object.at("mode").at("command_topic").as_string(), "offpeak/mode/set");
  EXPECT_EQ(by_object.at("mode").at("options").as_array(),
            (json::array{"smart", "now", "off", "solar"}));
  EXPECT_EQ(by_object.at("target_soc").at("command_topic").as_string(), "offpeak/target_soc/set");
  EXPECT_EQ(by_object.at("tell_soc").at("command_topic").as_string(), "offpeak/soc/set");
  EXPECT_EQ(by_object.at("tell_soc").at("state_topic").as_string(), "offpeak/soc");
  EXPECT_EQ(by_object.at("next_start").at("device_class").as_string(), "timestamp");
  EXPECT_EQ(by_object.at("switch_failing").at("device_class").as_string(), "problem");
  EXPECT_TRUE(by_object.count("planned_cost"));
  EXPECT_TRUE(by_object.count("price_now"));
  // The meters' sensors only with the meters (MqttSite below).
  EXPECT_FALSE(by_object.count("grid_power"));
  EXPECT_FALSE(by_object.count("surplus"));
  EXPECT_EQ(by_object.at("charge_current").at("device_class").as_string(), "current");
  EXPECT_EQ(by_object.at("charge_current").at("unit_of_measurement").as_string(), "A");
  // The same input gives the same messages (stable unique_ids across restarts).
  EXPECT_EQ(discovery_messages(n, d, true), msgs);
}

TEST(MqttDiscovery, DisabledGivesEmptyRetainedPayloadsOnTheSameTopics) {
  Names n;
  DeviceInfo d{"x", "offpeak", "1"};
  auto on = discovery_messages(n, d, true);
  auto off = discovery_messages(n, d, false);
  ASSERT_EQ(on.size(), off.size());
  for (std::size_t i = 0; i < on.size(); ++i) {
    EXPECT_EQ(off[i].topic, on[i].topic);
    EXPECT_TRUE(off[i].payload.empty());
    EXPECT_TRUE(off[i].retain);
  }
}

TEST(MqttInbound, Commands) {
  Names n;
  auto mode = parse_inbound(n, "offpeak/mode/set", " Now\n", false);
  ASSERT_TRUE(std::holds_alternative<ModeCommand>(mode));
  EXPECT_EQ(std::get<ModeCommand>(mode).mode, Mode::now);
  auto target = parse_inbound(n, "offpeak/target_soc/set", "85.0", false);
  ASSERT_TRUE(std::holds_alternative<TargetSocCommand>(target));
  EXPECT_DOUBLE_EQ(std::get<TargetSocCommand>(target).target_soc, 85.0);
  auto tod = parse_inbound(n, "offpeak/ready_by/set", "06:45", false);
  ASSERT_TRUE(std::holds_alternative<ReadyByCommand>(tod));
  EXPECT_EQ(std::get<TimeOfDay>(std::get<ReadyByCommand>(tod).when).minutes, 405);
  auto instant = parse_inbound(n, "offpeak/ready_by/set", "2026-03-28T06:45:00Z", false);
  ASSERT_TRUE(std::holds_alternative<ReadyByCommand>(instant));
  EXPECT_EQ(std::get<Instant>(std::get<ReadyByCommand>(instant).when), at("2026-03-28T06:45:00Z"));
  EXPECT_TRUE(std::holds_alternative<HomeAssistantOnline>(
      parse_inbound(n, "homeassistant/status", "online", false)));
  auto ha_off = parse_inbound(n, "homeassistant/status", "offline", false);
  ASSERT_TRUE(std::holds_alternative<Ignored>(ha_off));
  EXPECT_TRUE(std::get<Ignored>(ha_off).why.empty());
}

TEST(MqttInbound, RetainedCommandsAreIgnored) {
  Names n;
  auto r = parse_inbound(n, "offpeak/mode/set", "now", true);
  ASSERT_TRUE(std::holds_alternative<Ignored>(r));
  EXPECT_NE(std::get<Ignored>(r).why.find("retained"), std::string::npos);
}

struct BadPayload {
  const char* topic;
  std::string payload;
  const char* expect_in_reason;
};

// For test names: the topic and what the reason must say (never the raw payload bytes).
void PrintTo(const BadPayload& c, std::ostream* os) {
  *os << c.topic << " -> " << c.expect_in_reason;
}

class MqttHostile : public ::testing::TestWithParam<BadPayload> {};

TEST_P(MqttHostile, IsIgnoredWithAReason) {
  Names n;
  const BadPayload& c = GetParam();
  auto r = parse_inbound(n, c.topic, c.payload, false);
  ASSERT_TRUE(std::holds_alternative<Ignored>(r)) << c.topic;
  const std::string& why = std::get<Ignored>(r).why;
  EXPECT_NE(why.find(c.expect_in_reason), std::string::npos) << why;
  for (char ch : why)
    EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20) << "control character in the log text";
  EXPECT_LT(why.size(), 400u);
}

INSTANTIATE_TEST_SUITE_P(
    All, MqttHostile,
    ::testing::Values(BadPayload{"offpeak/mode/set", "turbo", "expected smart, now, off or solar"},
                      BadPayload{"offpeak/mode/set", "", "expected smart"},
                      BadPayload{"offpeak/mode/set", std::string("sm\0art", 6), "\\x00"},
                      BadPayload{"offpeak/mode/set", "now\x1b[2J", "\\x1b"},
                      BadPayload{"offpeak/target_soc/set", "nan", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "inf", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "0", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "101", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "80%", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "1e999", "1..100"},
                      BadPayload{"offpeak/target_soc/set", "{\"value\": 80}", "1..100"},
                      BadPayload{"offpeak/ready_by/set", "7.30", "HH:MM"},
                      BadPayload{"offpeak/ready_by/set", "25:00", "HH:MM"},
                      BadPayload{"offpeak/ready_by/set", "2026-02-30T07:00:00Z", "HH:MM"},
                      BadPayload{"offpeak/ready_by/set", std::string(100000, 'x'), "too long"},
                      BadPayload{"offpeak/power/set", "on", "unknown command topic"},
                      BadPayload{"offpeak/mode", "now", "not a topic"},
                      BadPayload{"other/mode/set", "now", "not a topic"},
                      BadPayload{"offpeak//set", "now", "not a topic"}),
    [](const auto& p) { return "case" + std::to_string(p.index); });

TEST(MqttInbound, RandomBytesNeverCrashOrLeakControlCharacters) {
  Names n;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 64);
  const char* topics[] = {"offpeak/mode/set", "offpeak/target_soc/set", "offpeak/ready_by/set",
                          "homeassistant/status"};
  for (int i = 0; i < 20000; ++i) {
    std::string payload;
    for (int k = len(rng); k > 0; --k)
      payload += static_cast<char>(byte(rng));
    auto r = parse_inbound(n, topics[i % 4], payload, false);
    if (const auto* ig = std::get_if<Ignored>(&r)) {
      for (char ch : ig->why)
        ASSERT_FALSE(static_cast<unsigned char>(ch) < 0x20);
    }
    if (const auto* t = std::get_if<TargetSocCommand>(&r)) {
      ASSERT_GE(t->target_soc, 1.0);
      ASSERT_LE(t->target_soc, 100.0);
    }
    (void)parse_switch_state(payload, "ON", "OFF", std::string("state"));
    (void)parse_switch_state(payload, "ON", "OFF", std::nullopt);
  }
}

TEST(MqttSwitchState, PlainAndJsonPayloads) {
  const std::optional<std::string> none;
  EXPECT_EQ(parse_switch_state("ON", "ON", "OFF", none), true);
  EXPECT_EQ(parse_switch_state("OFF\n", "ON", "OFF", none), false);
  EXPECT_EQ(parse_switch_state("on", "ON", "OFF", none), std::nullopt);
  EXPECT_EQ(parse_switch_state("", "ON", "OFF", none), std::nullopt);
  // zigbee2mqtt: {"state":"ON","power":1800}
  EXPECT_EQ(parse_switch_state(R"({"state":"ON","power":1800})", "ON", "OFF", "state"), true);
  EXPECT_EQ(parse_switch_state(R"({"state":"OFF"})", "ON", "OFF", "state"), false);
  // Shelly Gen2: {"id":0,"output":true,...}
  EXPECT_EQ(parse_switch_state(R"({"id":0,"output":true})", "true", "false", "output"), true);
  EXPECT_EQ(parse_switch_state(R"({"id":0,"output":false})", "true", "false", "output"), false);
  // Shelly Gen1 relay topic: "on" / "off"
  EXPECT_EQ(parse_switch_state("on", "on", "off", none), true);
  // Numbers as 1/0.
  EXPECT_EQ(parse_switch_state(R"({"relay":1})", "1", "0", "relay"), true);
  EXPECT_EQ(parse_switch_state(R"({"state":"ON"})", "ON", "OFF", "output"), std::nullopt);
  EXPECT_EQ(parse_switch_state("not json", "ON", "OFF", "state"), std::nullopt);
  EXPECT_EQ(parse_switch_state(R"(["ON"])", "ON", "OFF", "state"), std::nullopt);
  EXPECT_EQ(parse_switch_state(R"({"state":{"x":1}})", "ON", "OFF", "state"), std::nullopt);
}

TEST(MqttPrintable, EscapesAndShortens) {
  EXPECT_EQ(printable("a\nb"), "a\\x0ab");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace offpeak::mqtt

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

constexpr std::string_view k_base = R"(vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source: { type: simulator }
tariff: { name: Flat, default: 24.5 }
)";

LoadResult load(const TempDir& dir, std::string_view extra, Environment env = {}) {
  env.working_directory = dir.path();
  env.hostname = "garage-pi";
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + std::string(extra)), env);
}

std::string first_error(const LoadResult& r) {
  return r.errors.empty() ? std::string("no error") : r.errors[0].to_string();
}

TEST(MqttConfig, DefaultsAndFullSection) {
  TempDir dir;
  auto r = load(dir, "mqtt:\n  broker: mqtt://127.0.0.1\n");
  ASSERT_TRUE(r.config) << first_error(r);
  ASSERT_TRUE(r.config->mqtt);
  const MqttConfig& m = *r.config->mqtt;
  EXPECT_FALSE(m.tls);
  EXPECT_EQ(m.host, "127.0.0.1");
  EXPECT_EQ(m.port, 1883);
  EXPECT_EQ(m.client_id, "offpeak-garage-pi");
  EXPECT_EQ(m.topic_prefix, "offpeak");
  EXPECT_TRUE(m.discovery);
  EXPECT_EQ(m.discovery_prefix, "homeassistant");
  EXPECT_TRUE(m.password.empty());

  dir.write("pw", "s3cret\n");
  dir.write("ca.pem", "x");
  auto full = load(dir,
                   "mqtt:\n  broker: mqtts://broker.lan:8884\n  username: offpeak\n"
                   "  password_file: pw\n  client_id: op-1\n  topic_prefix: home/ev\n"
                   "  discovery: false\n  discovery_prefix: ha\n  ca_file: ca.pem\n"
                   "  keepalive: 30s\n");
  ASSERT_TRUE(full.config) << first_error(full);
  const MqttConfig& f = *full.config->mqtt;
  EXPECT_TRUE(f.tls);
  EXPECT_EQ(f.host, "broker.lan");
  EXPECT_EQ(f.port, 8884);
  EXPECT_EQ(f.username, "offpeak");
  EXPECT_EQ(f.password.reveal(), "s3cret");
  EXPECT_EQ(f.client_id, "op-1");
  EXPECT_EQ(f.topic_prefix, "home/ev");
  EXPECT_FALSE(f.discovery);
  EXPECT_EQ(f.discovery_prefix, "ha");
  EXPECT_EQ(f.ca_file, dir.path() / "ca.pem");
  EXPECT_EQ(f.keepalive, Seconds{30});
  EXPECT_EQ(f.broker_url(), "mqtts://broker.lan:8884");
}

TEST(MqttConfig, PasswordFromTheCredentialsDirectory) {
  TempDir dir;
  dir.write("creds/mqtt-password", "from-systemd\n");
  Environment env;
  env.credentials_directory = dir.path() / "creds";
  auto r = load(dir, "mqtt:\n  broker: mqtt://127.0.0.1:1883\n  username: u\n", env);
  ASSERT_TRUE(r.config) << first_error(r);
  EXPECT_EQ(r.config->mqtt->password.reveal(), "from-systemd");
}

TEST(MqttConfig, MqttSwitchDefaultsAndStates) {
  TempDir dir;
  auto r = load(dir,
                "mqtt: { broker: \"mqtt://127.0.0.1\" }\n"
                "switch:\n  type: mqtt\n  command_topic: shellies/plug/relay/0/command\n"
                "  payload_on: \"on\"\n  payload_off: \"off\"\n"
                "  state_topic: shellies/plug/relay/0\n");
  ASSERT_TRUE(r.config) << first_error(r);
  const auto& s = std::get<MqttSwitch>(r.config->switch_config);
  EXPECT_EQ(s.command_topic, "shellies/plug/relay/0/command");
  EXPECT_EQ(s.state_on, "on");
  EXPECT_EQ(s.state_off, "off");
  EXPECT_EQ(s.state_topic, "shellies/plug/relay/0");
  EXPECT_FALSE(s.state_field);
  EXPECT_EQ(s.timeout, Seconds{10});
}

struct MqttErrorCase {
  const char* name;
  const char* yaml;
  int line;
  int column;
  const char* message_part;
};

void PrintTo(const MqttErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class MqttConfigErrors : public ::testing::TestWithParam<MqttErrorCase> {};

TEST_P(MqttConfigErrors, ReportLineColumnAndCause) {
  TempDir dir;
  dir.write("pw", "x\n");
  const auto& c = GetParam();
  auto r = load(dir, c.yaml);
  ASSERT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const auto& e = r.errors[0];
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.column, c.column) << e.to_string();
  EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.to_string();
  for (const auto& err : r.errors)
    EXPECT_EQ(err.to_string().find("x\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    All, MqttConfigErrors,
    ::testing::Values(
        MqttErrorCase{"bad_scheme", "mqtt:\n  broker: http://127.0.0.1\n", 7, 11,
                      "expected a broker URL"},
        MqttErrorCase{"bad_port", "mqtt:\n  broker: mqtt://127.0.0.1:99999\n", 7, 11,
                      "expected a broker URL"},
        MqttErrorCase{"unknown_key", "mqtt:\n  broker: mqtt://h\n  prefix: x\n", 8, 3, "prefix"},
        MqttErrorCase{"missing_broker", "mqtt:\n  username: u\n", 6, 1, "broker"},
        MqttErrorCase{"wildcard_prefix", "mqtt:\n  broker: mqtt://h\n  topic_prefix: a/#\n", 8, 17,
                      "without wildcards"},
        MqttErrorCase{"slash_prefix", "mqtt:\n  broker: mqtt://h\n  topic_prefix: /a\n", 8, 17,
                      "no leading"},
        MqttErrorCase{"password_without_user", "mqtt:\n  broker: mqtt://h\n  password_file: pw\n",
                      7, 3, "needs a 'username'"},
        MqttErrorCase{"ca_without_tls", "mqtt:\n  broker: mqtt://h\n  ca_file: pw\n", 8, 12,
                      "mqtts://"},
        MqttErrorCase{"switch_without_mqtt", "switch:\n  type: mqtt\n  command_topic: a/b\n", 7, 9,
                      "needs an 'mqtt:' section"},
        MqttErrorCase{
            "switch_wildcard",
            "mqtt: { broker: \"mqtt://h\" }\nswitch:\n  type: mqtt\n  command_topic: a/+\n", 9, 18,
            "without wildcards"},
        MqttErrorCase{"switch_state_field_without_topic",
                      "mqtt: { broker: \"mqtt://h\" }\nswitch:\n  type: mqtt\n  command_topic: a\n"
                      "  state_field: state\n",
                      10, 16, "needs a 'state_topic'"},
        MqttErrorCase{"switch_missing_command_topic",
                      "mqtt: { broker: \"mqtt://h\" }\nswitch:\n  type: mqtt\n", 7, 1,
                      "command_topic"}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace offpeak::config

namespace offpeak::mqtt {
namespace {

TEST(MqttSite, PowerSensorsOnlyForConfiguredMeters) {
  Names n{"offpeak", "homeassistant"};
  DeviceInfo none{"offpeak i3s", "offpeak", "1.2.3"};
  DeviceInfo both{"offpeak i3s", "offpeak", "1.2.3", "p", true, true};
  // grid_power, pv_power and, with the grid meter, surplus.
  const auto with_meters = discovery_messages(n, both, true);
  EXPECT_EQ(with_meters.size(), discovery_messages(n, none, true).size() + 3);
  for (const auto& m : with_meters) {
    if (m.topic.find("_power/config") == std::string::npos &&
        m.topic.find("/surplus/config") == std::string::npos)
      continue;
    const auto o = json::parse(m.payload).as_object();
    EXPECT_EQ(o.at("device_class").as_string(), "power") << m.topic;
    EXPECT_EQ(o.at("unit_of_measurement").as_string(), "W") << m.topic;
  }
  for (const auto& m : discovery_messages(n, none, true))
    EXPECT_EQ(m.topic.find("_power/config"), std::string::npos) << m.topic;
  State s;
  auto plain = state_values(s);
  s.grid_meter = true;
  s.grid_w = -1234.56;
  s.pv_meter = true;  // stale: unknown
  auto values = state_values(s);
  ASSERT_EQ(values.size(), plain.size() + 3);
  std::map<std::string, std::string> by(values.begin(), values.end());
  EXPECT_EQ(by.at("grid_power"), "-1235");
  EXPECT_EQ(by.at("pv_power"), "None");
  EXPECT_EQ(by.at("surplus"), "None");  // no surplus known
}

}  // namespace
}  // namespace offpeak::mqtt

namespace offpeak::mqtt {
namespace {

// Energy targets: energy_delivered and energy_target (kWh) only when the policy has one.
TEST(MqttEnergyTarget, SensorsAndStateOnlyWithAnEnergyTarget) {
  Names n{"offpeak", "homeassistant"};
  DeviceInfo none{"offpeak i3s", "offpeak", "1.2.3"};
  DeviceInfo with{"offpeak i3s", "offpeak", "1.2.3", "GBP", false, false, true};
  const auto msgs = discovery_messages(n, with, true);
  ASSERT_EQ(msgs.size(), discovery_messages(n, none, true).size() + 2);
  std::map<std::string, json::object> by_id;
  for (const auto& m : msgs) {
    json::object o = json::parse(m.payload).as_object();
    by_id[std::string(o.at("unique_id").as_string())] = o;
  }
  const json::object& delivered = by_id.at("offpeak_energy_delivered");
  EXPECT_EQ(delivered.at("state_topic").as_string(), "offpeak/energy_delivered");
  EXPECT_EQ(delivered.at("device_class").as_string(), "energy");
  EXPECT_EQ(delivered.at("unit_of_measurement").as_string(), "kWh");
  EXPECT_EQ(delivered.at("state_class").as_string(), "total_increasing");
  EXPECT_EQ(by_id.at("offpeak_energy_target").at("unit_of_measurement").as_string(), "kWh");

  State s;
  const auto plain = state_values(s);
  s.energy_targets = true;  // a SoC deadline today: unknown
  auto values = state_values(s);
  ASSERT_EQ(values.size(), plain.size() + 2);
  std::map<std::string, std::string> by(values.begin(), values.end());
  EXPECT_EQ(by.at("energy_delivered"), "None");
  s.energy_delivered_kwh = 12.34;
  s.energy_target_kwh = 20;
  values = state_values(s);
  by = std::map<std::string, std::string>(values.begin(), values.end());
  EXPECT_EQ(by.at("energy_delivered"), "12.3");
  EXPECT_EQ(by.at("energy_target"), "20.0");
}

}  // namespace
}  // namespace offpeak::mqtt
