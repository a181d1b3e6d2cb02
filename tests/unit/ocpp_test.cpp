// OCPP 1.6J central-system protocol: framing, answers, profiles, timeouts, hostile input.
#include <offpeak/ocpp/charge_point.hpp>
#include <offpeak/ocpp/upgrade.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cmath>
#include <random>

namespace offpeak::ocpp {
namespace {
namespace json = boost::json;

const Instant t0 = *parse_rfc3339("2026-01-10T22:00:00Z");

Settings settings() {
  Settings s;
  s.id = "CP01";
  s.max_current_a = 32;
  s.first_transaction_id = 1767000000;
  return s;
}

std::vector<std::string> drain(ChargePoint& cp, Instant now) {
  std::vector<std::string> out;
  while (auto f = cp.next_outgoing(now))
    out.push_back(*f);
  return out;
}

json::array arr(const std::string& text) {
  return json::parse(text).as_array();
}

std::string call(const std::string& id, const std::string& action, const std::string& payload) {
  return "[2,\"" + id + "\",\"" + action + "\"," + payload + "]";
}

const char* k_boot =
    R"({"chargePointVendor":"Alfen BV","chargePointModel":"Eve Single","firmwareVersion":"6.3.0"})";

// Boots a charge point and answers GetConfiguration and the first profile.
ChargePoint booted(Instant now, bool on = false) {
  ChargePoint cp(settings());
  cp.want(on, now);
  cp.connected(now, "192.0.2.7:50000");
  cp.receive(call("b1", "BootNotification", k_boot), now);
  auto out = drain(cp, now);
  EXPECT_EQ(out.size(), 2u);  // boot answer, GetConfiguration
  cp.receive("[3,\"" + std::string(arr(out[1])[1].as_string()) + "\",{}]", now);
  out = drain(cp, now);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(arr(out[0])[2].as_string(), "SetChargingProfile");
  cp.receive("[3,\"" + std::string(arr(out[0])[1].as_string()) + "\",{\"status\":\"Accepted\"}]",
             now);
  return cp;
}

TEST(OcppFrame, ParsesCallResultAndError) {
  auto p = parse_frame(R"([2,"42","Heartbeat",{}])");
  ASSERT_TRUE(p.frame);
  EXPECT_EQ(p.frame->type, MessageType::call);
  EXPECT_EQ(p.frame->id, "42");
  EXPECT_EQ(p.frame->action, "Heartbeat");
  p = parse_frame(R"([3,"7",{"status":"Accepted"}])");
  ASSERT_TRUE(p.frame);
  EXPECT_EQ(p.frame->type, MessageType::call_result);
  EXPECT_EQ(json::parse(p.frame->payload_json).at("status"), "Accepted");
  p = parse_frame(R"([4,"8","FormationViolation","bad",{}])");
  ASSERT_TRUE(p.frame);
  EXPECT_EQ(p.frame->error_code, "FormationViolation");
  // Message type as a string is read leniently.
  p = parse_frame(R"(["2","9","Heartbeat",{}])");
  ASSERT_TRUE(p.frame);
}

TEST(OcppFrame, RejectsWhatIsNotOcppJ) {
  for (const char* bad : {"", "hello", "{}", "[]", "[2]", "[9,\"1\",{}]", "[2,1,\"Heartbeat\",{}]",
                          "[2,\"1\",5,{}]", "[2,\"1\",\"Heartbeat\"]", "[3]", "null", "[2,\"1\""}) {
    auto p = parse_frame(bad);
    EXPECT_FALSE(p.frame) << bad;
    EXPECT_FALSE(p.error.empty()) << bad;
  }
  // A too-long id is refused (OCPP-J: at most 36 characters).
  EXPECT_FALSE(parse_frame("[2,\"" + std::string(37, 'x') + "\",\"Heartbeat\",{}]").frame);
}

TEST(OcppChargePoint, AnswersEveryChargePointMessage) {
  ChargePoint cp(settings());
  cp.connected(t0, "192.0.2.7:50000");
  struct Case {
    const char* action;
    const char* payload;
    const char* expect_key;  // a key the answer must hold ("" = empty object)
  };
  const Case cases[] = {
      {"BootNotification", k_boot, "interval"},
      {"Heartbeat", "{}", "currentTime"},
      {"StatusNotification", R"({"connectorId":1,"errorCode":"NoError","status":"Available"})", ""},
      {"Authorize", R"({"idTag":"ABC"})", "idTagInfo"},
      {"StartTransaction",
       R"({"connectorId":1,"idTag":"ABC","meterStart":100,"timestamp":"2026-01-10T22:00:00Z"})",
       "transactionId"},
      {"MeterValues", R"({"connectorId":1,"meterValue":[]})", ""},
      {"StopTransaction",
       R"({"transactionId":99,"meterStop":200,"timestamp":"2026-01-10T22:00:00Z"})", "idTagInfo"},
      {"DataTransfer", R"({"vendorId":"x"})", "status"},
      {"FirmwareStatusNotification", R"({"status":"Idle"})", ""},
      {"DiagnosticsStatusNotification", R"({"status":"Idle"})", ""},
  };
  int n = 0;
  for (const auto& c : cases) {
    std::string id = "m" + std::to_string(n++);
    cp.receive(call(id, c.action, c.payload), t0);
    auto f = cp.next_outgoing(t0);
    ASSERT_TRUE(f) << c.action;
    auto a = arr(*f);
    EXPECT_EQ(a[0].as_int64(), 3) << c.action << ": " << *f;
    EXPECT_EQ(a[1].as_string(), id);
    if (*c.expect_key) {
      EXPECT_TRUE(a[2].as_object().contains(c.expect_key)) << c.action << ": " << *f;
    } else {
      EXPECT_TRUE(a[2].as_object().empty()) << c.action << ": " << *f;
    }
    drain(cp, t0);  // our own CALLs after the boot
  }
  cp.receive(call("u1", "FrobnicateWidget", "{}"), t0);
  auto f = cp.next_outgoing(t0);
  ASSERT_TRUE(f);
  auto a = arr(*f);
  EXPECT_EQ(a[0].as_int64(), 4);
  EXPECT_EQ(a[1].as_string(), "u1");
  EXPECT_EQ(a[2].as_string(), "NotImplemented");
}

TEST(OcppChargePoint, BootAnswerAndVendor) {
  ChargePoint cp(settings());
  cp.connected(t0, "192.0.2.7:50000");
  cp.receive(call("b1", "BootNotification", k_boot), t0);
  auto a = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(a[2].at("status"), "Accepted");
  EXPECT_EQ(a[2].at("currentTime"), "2026-01-10T22:00:00Z");
  EXPECT_EQ(a[2].at("interval"), 300);
  auto ev = cp.take_events();
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].kind, Event::Kind::booted);
  EXPECT_EQ(ev[0].text, "Alfen BV Eve Single, firmware 6.3.0");
}

TEST(OcppChargePoint, HoldProfileAfterBootAtTheReportedStackLevel) {
  ChargePoint cp(settings());
  cp.connected(t0, "192.0.2.7:50000");
  // Nothing is sent before the charger booted.
  cp.want(false, t0);
  EXPECT_FALSE(cp.next_outgoing(t0));
  cp.receive(call("b1", "BootNotification", k_boot), t0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 2u);
  auto get = arr(out[1]);
  EXPECT_EQ(get[2].as_string(), "GetConfiguration");
  // One CALL at a time: the profile waits for the GetConfiguration answer.
  EXPECT_FALSE(cp.next_outgoing(t0));
  cp.receive(
      std::string("[3,\"") + std::string(get[1].as_string()) +
          R"(",{"configurationKey":[{"key":"ChargeProfileMaxStackLevel","readonly":true,"value":" 8 "}]}])",
      t0);
  auto set = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(set[2].as_string(), "SetChargingProfile");
  const auto& p = set[3].as_object();
  EXPECT_EQ(p.at("connectorId"), 1);
  const auto& prof = p.at("csChargingProfiles").as_object();
  EXPECT_EQ(prof.at("stackLevel"), 8);
  EXPECT_EQ(prof.at("chargingProfilePurpose"), "TxDefaultProfile");
  EXPECT_EQ(prof.at("chargingProfileKind"), "Absolute");
  const auto& sched = prof.at("chargingSchedule").as_object();
  EXPECT_EQ(sched.at("chargingRateUnit"), "A");
  EXPECT_EQ(sched.at("startSchedule"), "2026-01-10T21:59:00Z");
  const auto& period = sched.at("chargingSchedulePeriod").as_array().at(0).as_object();
  EXPECT_EQ(period.at("startPeriod"), 0);
  EXPECT_EQ(period.at("limit"), 0);
}

TEST(OcppChargePoint, ReleaseAndPauseAndTicketOutcome) {
  ChargePoint cp = booted(t0);
  auto ticket = cp.want(true, t0);
  EXPECT_FALSE(cp.result(ticket));
  auto set = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(set[3]
                .at("csChargingProfiles")
                .at("chargingSchedule")
                .at("chargingSchedulePeriod")
                .at(0)
                .at("limit"),
            32);
  cp.receive("[3,\"" + std::string(set[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  ASSERT_TRUE(cp.result(ticket));
  EXPECT_TRUE(cp.result(ticket)->ok);
  EXPECT_EQ(cp.state().limit_a, 32.0);
  // A refused pause is a failure with the charger's word.
  ticket = cp.want(false, t0);
  set = arr(*cp.next_outgoing(t0));
  cp.receive("[3,\"" + std::string(set[1].as_string()) + "\",{\"status\":\"Rejected\"}]", t0);
  ASSERT_TRUE(cp.result(ticket));
  EXPECT_FALSE(cp.result(ticket)->ok);
  EXPECT_NE(cp.result(ticket)->detail.find("Rejected"), std::string::npos);
  // Never a RemoteStopTransaction.
  for (auto& f : drain(cp, t0))
    EXPECT_EQ(f.find("RemoteStop"), std::string::npos);
}

TEST(OcppChargePoint, FractionalLimitIsATenth) {
  Settings s = settings();
  s.max_current_a = 16.1;
  s.phases = 3;
  ChargePoint cp(s);
  cp.want(true, t0);
  cp.connected(t0, "x");
  cp.receive(call("b", "BootNotification", k_boot), t0);
  auto out = drain(cp, t0);
  cp.receive("[3,\"" + std::string(arr(out[1])[1].as_string()) + "\",{}]", t0);
  auto set = *cp.next_outgoing(t0);
  EXPECT_NE(set.find("\"limit\":1.61E1"), std::string::npos) << set;
  // Fixed phases: the charger's wiring decides; numberPhases only with phases: auto.
  EXPECT_EQ(set.find("numberPhases"), std::string::npos) << set;
}

// The period of the SetChargingProfile CALL in `frame`.
json::object period_of(const std::string& frame) {
  auto a = arr(frame);
  EXPECT_EQ(a[2].as_string(), "SetChargingProfile");
  return a[3]
      .at("csChargingProfiles")
      .at("chargingSchedule")
      .at("chargingSchedulePeriod")
      .as_array()[0]
      .as_object();
}

TEST(OcppChargePoint, WantedCurrentBecomesTheLimitInTenths) {
  ChargePoint cp = booted(t0);
  auto ticket = cp.want_current(10.26, 1, t0);
  auto set = *cp.next_outgoing(t0);
  auto p = period_of(set);
  EXPECT_NEAR(p.at("limit").to_number<double>(), 10.3, 1e-9);
  EXPECT_FALSE(p.contains("numberPhases"));
  EXPECT_EQ(cp.state().wanted_on, true);
  cp.receive("[3,\"" + std::string(arr(set)[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  ASSERT_TRUE(cp.result(ticket));
  EXPECT_TRUE(cp.result(ticket)->ok);
  EXPECT_DOUBLE_EQ(*cp.state().limit_a, 10.3);
  // Above the maximum: the maximum; 0 holds; junk holds.
  cp.want_current(50, 1, t0);
  set = *cp.next_outgoing(t0);
  EXPECT_NEAR(period_of(set).at("limit").to_number<double>(), 32.0, 1e-9);
  cp.receive("[3,\"" + std::string(arr(set)[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  cp.want_current(std::nan(""), 1, t0);
  set = *cp.next_outgoing(t0);
  EXPECT_NEAR(period_of(set).at("limit").to_number<double>(), 0.0, 1e-9);
  EXPECT_EQ(cp.state().wanted_on, false);
}

TEST(OcppChargePoint, AutoPhasesSendNumberPhases) {
  Settings s = settings();
  s.max_current_a = 16;
  s.phases = 3;
  s.phases_auto = true;
  ChargePoint cp(s);
  cp.want(true, t0);  // no surplus logic: the most phases at the maximum
  cp.connected(t0, "x");
  cp.receive(call("b", "BootNotification", k_boot), t0);
  auto out = drain(cp, t0);
  cp.receive("[3,\"" + std::string(arr(out[1])[1].as_string()) + "\",{}]", t0);
  auto set = *cp.next_outgoing(t0);
  auto p = period_of(set);
  EXPECT_NEAR(p.at("limit").to_number<double>(), 16.0, 1e-9);
  EXPECT_EQ(p.at("numberPhases").as_int64(), 3);
  cp.receive("[3,\"" + std::string(arr(set)[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  cp.want_current(7, 1, t0);
  p = period_of(*cp.next_outgoing(t0));
  EXPECT_NEAR(p.at("limit").to_number<double>(), 7.0, 1e-9);
  EXPECT_EQ(p.at("numberPhases").as_int64(), 1);
}

TEST(OcppChargePoint, RemoteStartOnPreparingWithoutTransactionWhenWanted) {
  ChargePoint cp = booted(t0);
  cp.receive(call("s1", "StatusNotification",
                  R"({"connectorId":1,"errorCode":"NoError","status":"Preparing"})"),
             t0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 1u);  // held: no RemoteStart
  auto ev = cp.take_events();
  bool plugged = false;
  for (auto& e : ev)
    plugged |= e.kind == Event::Kind::plugged_in;
  EXPECT_TRUE(plugged);
  cp.want(true, t0);
  auto set = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(set[2].as_string(), "SetChargingProfile");
  cp.receive("[3,\"" + std::string(set[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  auto rs = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(rs[2].as_string(), "RemoteStartTransaction");
  EXPECT_EQ(rs[3].at("idTag"), "offpeak");
  EXPECT_EQ(rs[3].at("connectorId"), 1);
  cp.receive("[3,\"" + std::string(rs[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  // Not twice for the same Preparing stretch.
  cp.want(true, t0);
  out = drain(cp, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(arr(out[0])[2].as_string(), "SetChargingProfile");
}

TEST(OcppChargePoint, NoRemoteStartWithATransaction) {
  ChargePoint cp = booted(t0);
  cp.receive(
      call(
          "t", "StartTransaction",
          R"({"connectorId":1,"idTag":"RFID1","meterStart":"1000","timestamp":"2026-01-10T22:00:00Z"})"),
      t0);
  cp.receive(call("s1", "StatusNotification",
                  R"({"connectorId":1,"errorCode":"NoError","status":"Preparing"})"),
             t0);
  drain(cp, t0);
  cp.want(true, t0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(arr(out[0])[2].as_string(), "SetChargingProfile");
}

TEST(OcppChargePoint, TransactionIdsAreSeededAndUnique) {
  ChargePoint cp = booted(t0);
  cp.receive(call("t1", "StartTransaction",
                  R"({"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"x"})"),
             t0);
  auto a = arr(*cp.next_outgoing(t0));
  cp.receive(call("t2", "StartTransaction",
                  R"({"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"x"})"),
             t0);
  auto b = arr(*cp.next_outgoing(t0));
  EXPECT_EQ(a[2].at("transactionId"), 1767000000);
  EXPECT_EQ(b[2].at("transactionId"), 1767000001);
  EXPECT_EQ(a[2].at("idTagInfo").at("status"), "Accepted");
}

TEST(OcppChargePoint, MeterValuesLenient) {
  ChargePoint cp = booted(t0);
  cp.take_events();
  // kWh as a string with blanks, power per phase in kW.
  cp.receive(
      call(
          "m1", "MeterValues",
          R"({"connectorId":"1","transactionId":5,"meterValue":[{"timestamp":"2026-01-10T22:00:00Z","sampledValue":[
      {"value":" 12.345 ","unit":"kWh","measurand":"Energy.Active.Import.Register","context":"Sample.Periodic","vendorJunk":1},
      {"value":"2.4","unit":"kW","measurand":"Power.Active.Import","phase":"L1"},
      {"value":"2.4","unit":"kW","measurand":"Power.Active.Import","phase":"L2"},
      {"value":"2.4","unit":"kW","measurand":"Power.Active.Import","phase":"L3"},
      {"value":"230.1","unit":"V","measurand":"Voltage","phase":"L1-N"}]}]})"),
      t0);
  EXPECT_DOUBLE_EQ(*cp.state().energy_wh, 12345.0);
  EXPECT_NEAR(*cp.state().power_w, 7200.0, 1e-6);
  // Default measurand and unit: Wh; a number.
  cp.receive(
      call(
          "m2", "MeterValues",
          R"({"connectorId":1,"meterValue":[{"timestamp":"x","sampledValue":[{"value":13000}]}]})"),
      t0);
  EXPECT_DOUBLE_EQ(*cp.state().energy_wh, 13000.0);
  // Junk values are skipped, the message still answered.
  cp.receive(
      call(
          "m3", "MeterValues",
          R"({"connectorId":1,"meterValue":[{"sampledValue":[{"value":"abc"},{"value":null},7]},5]})"),
      t0);
  EXPECT_DOUBLE_EQ(*cp.state().energy_wh, 13000.0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 3u);
  for (auto& f : out)
    EXPECT_EQ(arr(f)[0].as_int64(), 3);
  int energy = 0;
  for (auto& e : cp.take_events())
    energy += e.kind == Event::Kind::energy;
  EXPECT_EQ(energy, 2);
}

TEST(OcppChargePoint, OddErrorCodesAndUnknownStatus) {
  ChargePoint cp = booted(t0);
  cp.receive(call("s", "StatusNotification",
                  R"({"connectorId":1,"errorCode":"Error","status":"Faulted","info":"RCD"})"),
             t0);
  EXPECT_EQ(cp.state().status, ConnectorStatus::faulted);
  EXPECT_EQ(cp.state().error_code, "Error (RCD)");
  cp.receive(call("s2", "StatusNotification",
                  R"({"connectorId":1,"errorCode":"NoError","status":"Wibble"})"),
             t0);
  EXPECT_EQ(cp.state().status, ConnectorStatus::unknown);
  EXPECT_EQ(cp.state().error_code, "");
  drain(cp, t0);
  // A misspelt CALLERROR code on our CALL is still a failure, not a crash.
  auto t = cp.want(true, t0);
  auto set = arr(*cp.next_outgoing(t0));
  cp.receive("[4,\"" + std::string(set[1].as_string()) + "\",\"FormationViolation\",\"\",{}]", t0);
  ASSERT_TRUE(cp.result(t));
  EXPECT_FALSE(cp.result(t)->ok);
}

// A connectorId that is no whole number 0..2147483647 (1e19 from a broken charger, 1.5,
// "abc") is a bad value: answered with a CALLERROR, logged, and it changes nothing.
TEST(OcppChargePoint, ConnectorIdOutOfRangeIsABadValue) {
  struct Case {
    const char* action;
    const char* payload;
  };
  const Case cases[] = {
      {"StatusNotification", R"({"connectorId":1e19,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification",
       R"({"connectorId":5.55556e42,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification",
       R"({"connectorId":"-1e300","errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification", R"({"connectorId":1.5,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification", R"({"connectorId":-1,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification",
       R"({"connectorId":2147483648,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification",
       R"({"connectorId":18446744073709551615,"errorCode":"NoError","status":"Charging"})"},
      {"StatusNotification", R"({"connectorId":"abc","errorCode":"NoError","status":"Charging"})"},
      {"StartTransaction",
       R"({"connectorId":1.44444e19,"idTag":"A","meterStart":5,"timestamp":"x"})"},
      {"StartTransaction", R"({"connectorId":-9e18,"idTag":"A","meterStart":5,"timestamp":"x"})"},
      {"MeterValues",
       R"({"connectorId":1e19,"meterValue":[{"timestamp":"x","sampledValue":[{"value":"7","unit":"kW","measurand":"Power.Active.Import"}]}]})"},
  };
  int n = 0;
  for (const auto& c : cases) {
    ChargePoint cp = booted(t0);
    drain(cp, t0);
    cp.take_events();
    const std::string id = "bad" + std::to_string(n++);
    cp.receive(call(id, c.action, c.payload), t0);
    auto f = cp.next_outgoing(t0);
    ASSERT_TRUE(f) << c.payload;
    auto a = arr(*f);
    EXPECT_EQ(a[0].as_int64(), 4) << c.payload << " -> " << *f;
    EXPECT_EQ(a[1].as_string(), id);
    EXPECT_EQ(a[2].as_string(), "PropertyConstraintViolation") << *f;
    EXPECT_NE(std::string(a[3].as_string()).find("connectorId"), std::string::npos) << *f;
    EXPECT_EQ(cp.state().status, ConnectorStatus::unknown) << c.payload;
    EXPECT_FALSE(cp.state().transaction_id) << c.payload;
    EXPECT_FALSE(cp.state().power_w) << c.payload;
    bool logged = false;
    for (const auto& e : cp.take_events())
      logged |=
          e.kind == Event::Kind::protocol_error && e.text.find("connectorId") != std::string::npos;
    EXPECT_TRUE(logged) << c.payload;
  }
  // Numbers as strings stay welcome, and another connector is still not ours.
  ChargePoint cp = booted(t0);
  cp.receive(call("s1", "StatusNotification",
                  R"({"connectorId":" 1 ","errorCode":"NoError","status":"Preparing"})"),
             t0);
  EXPECT_EQ(cp.state().status, ConnectorStatus::preparing);
  cp.receive(call("s2", "StatusNotification",
                  R"({"connectorId":2,"errorCode":"NoError","status":"Available"})"),
             t0);
  EXPECT_EQ(cp.state().status, ConnectorStatus::preparing);
}

// A StopTransaction is always accepted; a transactionId out of range (1e19) is not ours, so
// the open transaction stays open, and the bad value is logged.
TEST(OcppChargePoint, TransactionIdOutOfRangeIsNotOurs) {
  for (const char* tx : {"1e19", "-1e19", "1.5e300", "\"9223372036854775808\"", "1767000000.5"}) {
    ChargePoint cp = booted(t0);
    cp.receive(call("t", "StartTransaction",
                    R"({"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"x"})"),
               t0);
    ASSERT_EQ(cp.state().transaction_id, 1767000000);
    drain(cp, t0);
    cp.take_events();
    cp.receive(
        call("s", "StopTransaction",
             std::string(R"({"transactionId":)") + tx + R"(,"meterStop":9,"timestamp":"x"})"),
        t0);
    auto a = arr(*cp.next_outgoing(t0));
    EXPECT_EQ(a[0].as_int64(), 3) << tx;
    EXPECT_TRUE(a[2].as_object().contains("idTagInfo")) << tx;
    EXPECT_EQ(cp.state().transaction_id, 1767000000) << tx;
    bool logged = false;
    for (const auto& e : cp.take_events()) {
      EXPECT_NE(e.kind, Event::Kind::transaction_stopped) << tx;
      logged |= e.kind == Event::Kind::protocol_error &&
                e.text.find("transactionId") != std::string::npos;
    }
    EXPECT_TRUE(logged) << tx;
  }
}

TEST(OcppUpgrade, PathCredentialsAndSubprotocol) {
  EXPECT_EQ(charge_point_id_of("/ocpp/CP01"), "CP01");
  EXPECT_EQ(charge_point_id_of("/ocpp/CP%2001"), "CP 01");
  EXPECT_EQ(charge_point_id_of("/ocpp/CP%2"), "CP%2");
  EXPECT_EQ(charge_point_id_of("/other/CP01"), "");
  auto c = parse_basic_auth("Basic Q1AwMTpzM2NyZXQ6eA==");  // CP01:s3cret:x
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "CP01");
  EXPECT_EQ(c->password, "s3cret:x");
  EXPECT_FALSE(parse_basic_auth("Bearer Q1AwMTpzM2NyZXQ="));
  EXPECT_FALSE(parse_basic_auth("Basic Q1AwMQ=="));    // no colon
  EXPECT_FALSE(parse_basic_auth("Basic Q1Aw*TpzM2"));  // not base64
  EXPECT_FALSE(parse_basic_auth("Basic "));
  // A long header decodes byte by byte without the accumulator growing.
  EXPECT_FALSE(parse_basic_auth("Basic " + std::string(4000, '/')));
  EXPECT_TRUE(offers_ocpp16("ocpp2.0.1, ocpp1.6"));
  EXPECT_TRUE(offers_ocpp16(" ocpp1.6 "));
  EXPECT_FALSE(offers_ocpp16("ocpp1.5,ocpp2.0"));
  EXPECT_FALSE(offers_ocpp16(""));
  EXPECT_TRUE(same_secret("s3cret", "s3cret"));
  EXPECT_FALSE(same_secret("s3cre", "s3cret"));
  EXPECT_FALSE(same_secret("", ""));
}

TEST(OcppChargePoint, CallTimesOutAfterSixtySeconds) {
  ChargePoint cp = booted(t0);
  auto t = cp.want(true, t0);
  ASSERT_TRUE(cp.next_outgoing(t0));
  cp.want(false, t0 + Seconds{1});
  // The second profile waits: one CALL outstanding.
  EXPECT_FALSE(cp.next_outgoing(t0 + Seconds{1}));
  cp.tick(t0 + Seconds{59});
  EXPECT_FALSE(cp.result(t));
  cp.tick(t0 + Seconds{60});
  ASSERT_TRUE(cp.result(t));
  EXPECT_FALSE(cp.result(t)->ok);
  EXPECT_NE(cp.result(t)->detail.find("no answer in 60 s"), std::string::npos);
  auto next = arr(*cp.next_outgoing(t0 + Seconds{60}));
  EXPECT_EQ(next[3]
                .at("csChargingProfiles")
                .at("chargingSchedule")
                .at("chargingSchedulePeriod")
                .at(0)
                .at("limit"),
            0);
  // A late answer to the timed-out call is ignored.
  cp.receive("[3,\"999\",{\"status\":\"Accepted\"}]", t0 + Seconds{61});
}

TEST(OcppChargePoint, ReconnectReappliesTheWantedLimitAfterBoot) {
  ChargePoint cp = booted(t0);
  cp.want(true, t0);
  auto set = arr(*cp.next_outgoing(t0));
  cp.receive("[3,\"" + std::string(set[1].as_string()) + "\",{\"status\":\"Accepted\"}]", t0);
  cp.disconnected(t0 + Seconds{10});
  EXPECT_FALSE(cp.state().connected);
  EXPECT_FALSE(cp.offering());
  cp.connected(t0 + Seconds{20}, "192.0.2.7:50001");
  // No BootNotification: a TriggerMessage after boot_wait, then the profile again.
  EXPECT_FALSE(cp.next_outgoing(t0 + Seconds{21}));
  cp.tick(t0 + Seconds{25});
  auto trig = arr(*cp.next_outgoing(t0 + Seconds{25}));
  EXPECT_EQ(trig[2].as_string(), "TriggerMessage");
  EXPECT_EQ(trig[3].at("requestedMessage"), "BootNotification");
  cp.receive("[3,\"" + std::string(trig[1].as_string()) + "\",{\"status\":\"Accepted\"}]",
             t0 + Seconds{25});
  cp.receive(call("b2", "BootNotification", k_boot), t0 + Seconds{26});
  auto out = drain(cp, t0 + Seconds{26});
  ASSERT_EQ(out.size(), 2u);
  cp.receive("[3,\"" + std::string(arr(out[1])[1].as_string()) + "\",{}]", t0 + Seconds{26});
  set = arr(*cp.next_outgoing(t0 + Seconds{26}));
  EXPECT_EQ(set[2].as_string(), "SetChargingProfile");
  EXPECT_EQ(set[3]
                .at("csChargingProfiles")
                .at("chargingSchedule")
                .at("chargingSchedulePeriod")
                .at(0)
                .at("limit"),
            32);
}

TEST(OcppChargePoint, ChargingUnderAHoldResendsTheHold) {
  ChargePoint cp = booted(t0);  // held at 0
  cp.receive(call("s", "StatusNotification",
                  R"({"connectorId":1,"errorCode":"NoError","status":"Charging"})"),
             t0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(arr(out[1])[2].as_string(), "SetChargingProfile");
  EXPECT_EQ(cp.offering(), true);  // the charger ignores the hold: it still offers
}

TEST(OcppChargePoint, OfferingFromStatusAndPower) {
  ChargePoint cp = booted(t0);
  auto status = [&](const char* s, Instant at) {
    cp.receive(
        call("s", "StatusNotification",
             std::string(R"({"connectorId":1,"errorCode":"NoError","status":")") + s + "\"}"),
        at);
  };
  auto power = [&](double w, Instant at) {
    cp.receive(
        call("m", "MeterValues",
             R"({"connectorId":1,"meterValue":[{"timestamp":"x","sampledValue":[{"value":")" +
                 std::to_string(w) + R"(","measurand":"Power.Active.Import","unit":"W"}]}]})"),
        at);
  };
  status("SuspendedEVSE", t0);
  EXPECT_EQ(cp.offering(), false);
  status("Charging", t0 + Seconds{1});
  EXPECT_EQ(cp.offering(), true);
  power(0, t0 + Seconds{2});
  EXPECT_EQ(cp.offering(), false);  // Charging at 0 W draws nothing
  status("SuspendedEVSE", t0 + Seconds{3});
  power(7200, t0 + Seconds{4});
  EXPECT_EQ(cp.offering(), true);  // accepted a hold, still draws: the meter says so
  status("SuspendedEV", t0 + Seconds{5});
  EXPECT_EQ(cp.offering(), true);
  status("Available", t0 + Seconds{6});
  EXPECT_EQ(cp.offering(), false);
}

TEST(OcppChargePoint, JunkFramesAreAnsweredOrIgnored) {
  ChargePoint cp = booted(t0);
  cp.receive("not json at all", t0);
  cp.receive("[2,\"x1\",\"Heartbeat\",\"not an object\"]", t0);
  cp.receive("[2,\"x2\",42,{}]", t0);
  cp.receive("{\"a\":1}", t0);
  auto out = drain(cp, t0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(arr(out[0])[1].as_string(), "x1");
  EXPECT_EQ(arr(out[0])[2].as_string(), "FormationViolation");
  EXPECT_EQ(arr(out[1])[1].as_string(), "x2");
  // Still working.
  cp.receive(call("h", "Heartbeat", "{}"), t0);
  EXPECT_EQ(arr(*cp.next_outgoing(t0))[0].as_int64(), 3);
}

// Hostile input: random mutations of valid frames never crash, and every output is valid
// OCPP-J (an array of a known type with a string id).
TEST(OcppChargePoint, HostileInputFuzz) {
  const std::vector<std::string> seeds = {
      call("1", "BootNotification", k_boot),
      call("2", "StatusNotification",
           R"({"connectorId":1,"errorCode":"NoError","status":"Preparing"})"),
      call(
          "3", "MeterValues",
          R"({"connectorId":1,"meterValue":[{"timestamp":"x","sampledValue":[{"value":"1.5","unit":"kWh"}]}]})"),
      call("4", "StartTransaction",
           R"({"connectorId":1,"idTag":"A","meterStart":"5","timestamp":"x"})"),
      call("5", "StopTransaction", R"({"transactionId":1,"meterStop":9,"timestamp":"x"})"),
      R"([3,"1",{"status":"Accepted","configurationKey":[{"key":"ChargeProfileMaxStackLevel","value":"3"}]}])",
      R"([4,"2","GenericError","x",{}])",
  };
  std::mt19937 rng(12345);
  const std::string alphabet = "[]{}\",:0123456789.-eE \\ntrufalsABCxyz\x01\xff";
  ChargePoint cp(settings());
  cp.connected(t0, "x");
  Instant now = t0;
  std::size_t frames = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      std::size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(pos, 1 + rng() % 4);
          break;
        case 2:
          s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 3:
          s.insert(pos, s.substr(rng() % s.size(), rng() % 20));
          break;
      }
    }
    now += Seconds{static_cast<long long>(rng() % 3)};
    if (rng() % 500 == 0) cp.connected(now, "y");
    if (rng() % 50 == 0) cp.want(rng() % 2 == 0, now);
    cp.receive(s, now);
    cp.tick(now);
    for (auto& f : drain(cp, now)) {
      ++frames;
      json::error_code ec;
      auto v = json::parse(f, ec);
      ASSERT_FALSE(ec) << f;
      ASSERT_TRUE(v.is_array()) << f;
      auto t = v.as_array().at(0).as_int64();
      ASSERT_TRUE(t == 2 || t == 3 || t == 4) << f;
      ASSERT_TRUE(v.as_array().at(1).is_string()) << f;
    }
    cp.take_events();
  }
  EXPECT_GT(frames, 1000u);
}

}  // namespace
}  // namespace offpeak::ocpp
