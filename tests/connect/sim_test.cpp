// The simulator's own contract, the seed document's examples against it, and server behaviour.
#include "sim_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>

#include <unistd.h>

namespace offpeak::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

json::value body_of(const net::HttpResult& r) {
  return json::parse(r.response->body);
}

std::string post_json(const SimThread& sim, const std::string& path, const std::string& body,
                      const std::string& token, int& status) {
  net::ClientRequest req;
  req.method = "POST";
  req.url = sim.base() + path;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  const auto r = net::fetch_blocking(req, {});
  status = r.ok() ? r.response->status : r.error.status;
  return r.ok() ? r.response->body : "";
}

TEST(ConnectSim, LoginValidatesTheBody) {
  SimThread sim;
  int status = 0;
  post_json(sim, "/api/bmw/oauth-token", "not json", "", status);
  EXPECT_EQ(status, 400);
  post_json(sim, "/api/bmw/oauth-token", R"({"email":"demo@outlook.com","password":"demopass"})",
            "", status);
  EXPECT_EQ(status, 400);
  post_json(sim, "/api/bmw/oauth-token",
            R"({"email":"demo@outlook.com","password":"x","payload":{"email":"a"}})", "", status);
  EXPECT_EQ(status, 401);
  const auto body = post_json(
      sim, "/api/bmw/oauth-token",
      R"({"email":"demo@outlook.com","password":"demopass","payload":{"email":"a"}})", "", status);
  EXPECT_EQ(status, 200);
  const auto tok = json::parse(body);
  for (const char* k : {"access_token", "token_type", "expires_in", "refresh_token", "scope"}) {
    EXPECT_TRUE(tok.as_object().contains(k)) << k;
  }
  EXPECT_EQ(tok.at("token_type"), "Bearer");
  EXPECT_EQ(tok.at("expires_in"), 28800);
}

TEST(ConnectSim, DevicesNeedAValidTokenAndMatchingBody) {
  SimThread sim;
  int status = 0;
  const std::string creds = R"({"email":"demo@outlook.com","password":"demopass"})";
  post_json(sim, "/api/get-user-devices", creds, "", status);
  EXPECT_EQ(status, 401);
  post_json(sim, "/api/get-user-devices", creds, "bogus", status);
  EXPECT_EQ(status, 401);
  const auto tok = json::parse(post_json(
      sim, "/api/bmw/oauth-token",
      R"({"email":"demo@outlook.com","password":"demopass","payload":{"email":"a"}})", "", status));
  const std::string token(tok.at("access_token").as_string());
  post_json(sim, "/api/get-user-devices", "{}", token, status);
  EXPECT_EQ(status, 400);
  post_json(sim, "/api/get-user-devices", R"({"email":"demo@outlook.com","password":"no"})", token,
            status);
  EXPECT_EQ(status, 401);
  const auto devices = json::parse(post_json(sim, "/api/get-user-devices", creds, token, status));
  EXPECT_EQ(status, 200);
  ASSERT_TRUE(devices.is_array());
  const auto expected = json::parse(R"({
        "_id": "62137c48e075b1442f0c955c",
        "electric_range": {"distance": {"value": 121, "units": "KILOMETERS"}},
        "device_type": "bmw", "user_id": "61b1d1a2d5df13f67657dbf2",
        "device_id": "WBY7ZddD802daf16", "id": "916ba1b2eeba4b4881ce9d829852d70e",
        "model": "i3s 94 REX", "year": 2018, "brand": "BMW",
        "charging_state": {"charge_percentage": "82", "state": "NOT_CHARGING",
                           "type": "CONDUCTIVE", "is_charger_connected": false},
        "__v": 0})");
  EXPECT_EQ(devices.at(0), expected);
  sim.fault(R"({"mode":"expire_tokens"})");
  post_json(sim, "/api/get-user-devices", creds, token, status);
  EXPECT_EQ(status, 401);
}

TEST(ConnectSim, RemoteSwitchAndPhysics) {
  SimThread sim(sim::default_sim_config(), false, {}, 3600.0);  // one simulated hour per second
  auto r = sim.call("POST", "/sim/vehicles/WBY7ZddD802daf16/charging", R"({"action":"start"})");
  EXPECT_EQ(r.error.status, 409);
  r = sim.call("POST", "/sim/vehicles/NOPE/charging", R"({"action":"start"})");
  EXPECT_EQ(r.error.status, 404);
  r = sim.call("PUT", "/sim/vehicles/WBY7ZddD802daf16", R"({"soc":40,"plugged_in":true})");
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(body_of(r).at("charging_state"), "CHARGING");
  r = sim.call("POST", "/sim/vehicles/WBY7ZddD802daf16/charging", R"({"action":"stop"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(body_of(r).at("charging_state"), "NOT_CHARGING");
  r = sim.call("POST", "/sim/vehicles/WBY7ZddD802daf16/charging", R"({"action":"start"})");
  ASSERT_TRUE(r.ok());
  const double soc0 = body_of(r).at("soc").to_number<double>();
  std::this_thread::sleep_for(1100ms);  // > 1 simulated hour: 7.4 * 0.9 / 27.2 = 24.5 %/h
  r = sim.call("GET", "/sim/state");
  ASSERT_TRUE(r.ok());
  const auto state = body_of(r);
  const auto& car = state.at("cars").at(0);
  EXPECT_GT(car.at("soc").to_number<double>(), soc0 + 24.0);
  EXPECT_LT(car.at("soc").to_number<double>(), soc0 + 40.0);
  EXPECT_EQ(car.at("history").as_array().size(), 3u);
  EXPECT_EQ(car.at("history").at(0).at("accepted"), false);
  EXPECT_TRUE(state.as_object().contains("now"));
}

TEST(ConnectSim, UnknownFaultModeIs400) {
  SimThread sim;
  EXPECT_EQ(sim.call("POST", "/sim/faults", R"({"mode":"explode"})").error.status, 400);
  EXPECT_EQ(sim.call("GET", "/nothing").error.status, 404);
}

TEST(HttpServer, RequestBodyLimitGives413) {
  net::ServerOptions o;
  o.max_request_body_bytes = 1000;
  SimThread sim(sim::default_sim_config(), false, o);
  const auto r = sim.call("POST", "/api/bmw/oauth-token", std::string(5000, 'x'));
  EXPECT_EQ(r.error.kind, net::HttpErrorKind::http_status);
  EXPECT_EQ(r.error.status, 413);
}

TEST(HttpClient, ResponseSizeLimit) {
  SimThread sim;
  net::ClientRequest req;
  req.url = sim.base() + "/sim/state";
  net::ClientOptions o;
  o.max_response_bytes = 10;
  const auto r = net::fetch_blocking(req, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, net::HttpErrorKind::bad_body);
  EXPECT_NE(r.error.message.find("larger than 10 bytes"), std::string::npos);
}

// A Retry-After date centuries away (a nanosecond clock overflows beyond 2262) is a wait as
// long as the longest delta in seconds, or none; never an overflow.
TEST(HttpClient, RetryAfterDatesFarAwayAreCapped) {
  const auto now =
      std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
  EXPECT_EQ(net::parse_retry_after("Sun, 06 Nov 6164 08:49:37 GMT", now), 999999999s);
  EXPECT_EQ(net::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), 999999999s);
  EXPECT_EQ(net::parse_retry_after("Mon, 01 Jan 0001 00:00:00 GMT", now), 0s);
  EXPECT_EQ(net::parse_retry_after("Thu, 01 Jan 2026 00:16:40 GMT", now), 1000s);
}

TEST(HttpClient, BadUrlAndRetryAfterParsing) {
  net::ClientRequest req;
  req.url = "ftp://example.com/";
  EXPECT_EQ(net::fetch_blocking(req, {}).error.kind, net::HttpErrorKind::unreachable);
  const auto now = std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + 7h + 28min;
  EXPECT_EQ(net::parse_retry_after("120", now), 120s);
  EXPECT_EQ(net::parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now), 60s);
  EXPECT_EQ(net::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0s);
  EXPECT_FALSE(net::parse_retry_after("soon", now));
  const auto u = net::parse_url("https://[::1]:8443/a?b=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->target, "/a?b=1");
  EXPECT_EQ(net::parse_url("http://h")->port, "80");
  EXPECT_FALSE(net::parse_url("http://user:pw@h/"));
  EXPECT_FALSE(net::parse_url("http://h:99999/"));
  EXPECT_EQ(net::join_url("http://h:1/", "/api/x"), "http://h:1/api/x");
}

// Runs a shell command, returns its stdout and sets `status` to its exit status.
std::string run_command(const std::string& cmd, int& status) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr)
    out += buf.data();
  status = pclose(pipe);
  return out;
}

bool have(const std::string& program) {
  int status = 0;
  run_command("command -v " + program + " >/dev/null 2>&1", status);
  return status == 0;
}

// The seed's examples with only the host (and scheme) replaced.
std::string with_host(std::string text, const SimThread& sim) {
  text = std::regex_replace(text, std::regex("https://www\\.connect\\.orangepower\\.co\\.uk"),
                            sim.base());
  return std::regex_replace(text, std::regex("http://localhost:3000"), sim.base());
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

const char* k_curl_login =
    R"(curl --location --request POST 'http://localhost:3000/api/bmw/oauth-token' \
--header 'Content-Type: application/json' \
--data-raw '{
 "email":"georgebatts1@outlook.com",
 "password":"Myenergi123&",
 "payload":{
     "email":"test@test.com"
 }
}')";

const char* k_curl_devices =
    R"(curl --location --request POST 'https://www.connect.orangepower.co.uk/api/get-user-devices' \
--header 'Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6InRyYW5zcG9ydGVyQGdtYWlsLmNvbSIsInBhc3N3b3JkIjoidHJhbnNwb3J0ZXIiLCJpYXQiOjE2NDQwNzQ0OTgsImV4cCI6MTY0NDA3ODA5OH0' \
--header 'Content-Type: application/json' \
--data-raw '{
    "email":"test@test.com",
    "password":"testing123"
}')";

TEST(SeedExamples, Curl) {
  if (!have("curl")) GTEST_SKIP() << "curl not installed";
  SimThread sim;
  int status = 0;
  const auto token = json::parse(run_command(with_host(k_curl_login, sim) + " -s", status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(token.at("token_type"), "Bearer");
  const auto devices = json::parse(run_command(with_host(k_curl_devices, sim) + " -s", status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(devices.at(0).at("device_id"), "WBY7ZddD802daf16");
}

const char* k_python_login = R"(import requests
import json

url = "http://localhost:3000/api/bmw/oauth-token"

payload = json.dumps({
  "email": "georgebatts1@outlook.com",
  "password": "Myenergi123&",
  "payload": {
    "email": "test@test.com"
  }
})
headers = {
  'Content-Type': 'application/json'
}

response = requests.request("POST", url, headers=headers, data=payload)

print(response.text)
)";

const char* k_python_devices = R"(import requests
import json

url = "https://www.connect.orangepower.co.uk/api/get-user-devices"

payload = json.dumps({
  "email": "test@test.com",
  "password": "testing123"
})
headers = {
  'Authorization': 'Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6InRyYW5zcG9ydGVyQGdtYWlsLmNvbSIsInBhc3N3b3JkIjoidHJhbnNwb3J0ZXIiLCJpYXQiOjE2NDQwNzQ0OTgsImV4cCI6MTY0NDA3ODA5OH0',
  'Content-Type': 'application/json'
}

response = requests.request("POST", url, headers=headers, data=payload)

print(response.text)
)";

TEST(SeedExamples, Python) {
  int status = 0;
  run_command("python3 -c 'import requests' >/dev/null 2>&1", status);
  if (status != 0) GTEST_SKIP() << "python3 requests not importable";
  SimThread sim;
  const auto login = write_temp("login.py", with_host(k_python_login, sim));
  const auto token = json::parse(run_command("python3 " + login, status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(token.at("expires_in"), 28800);
  const auto devices_py = write_temp("devices.py", with_host(k_python_devices, sim));
  const auto devices = json::parse(run_command("python3 " + devices_py, status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(devices.at(0).at("charging_state").at("charge_percentage"), "82");
}

const char* k_node_login = R"(var axios = require('axios');
var data = JSON.stringify({
  "email": "georgebatts1@outlook.com",
  "password": "Myenergi123&",
  "payload": {
    "email": "test@test.com"
  }
});

var config = {
  method: 'post',
  url: 'http://localhost:3000/api/bmw/oauth-token',
  headers: { 
    'Content-Type': 'application/json'
  },
  maxRedirects: 0,
  data : data
};

axios(config)
.then(function (response) {
  console.log(JSON.stringify(response.data));
})
.catch(function (error) {
  console.log(error);
});
)";

TEST(SeedExamples, NodeAxios) {
  int status = 0;
  if (!have("node")) GTEST_SKIP() << "node not installed";
  run_command("node -e \"require.resolve('axios')\" >/dev/null 2>&1", status);
  if (status != 0) GTEST_SKIP() << "axios not resolvable (offline)";
  SimThread sim;
  const auto script = write_temp("login.js", with_host(k_node_login, sim));
  const auto token = json::parse(run_command("node " + script, status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(token.at("token_type"), "Bearer");
}

const char* k_ruby_login = R"(require "uri"
require "json"
require "net/http"

url = URI("http://localhost:3000/api/bmw/oauth-token")

http = Net::HTTP.new(url.host, url.port);
request = Net::HTTP::Post.new(url)
request["Content-Type"] = "application/json"
request.body = JSON.dump({
  "email": "georgebatts1@outlook.com",
  "password": "Myenergi123&",
  "payload": {
    "email": "test@test.com"
  }
})

response = http.request(request)
puts response.read_body
)";

TEST(SeedExamples, Ruby) {
  if (!have("ruby")) GTEST_SKIP() << "ruby not installed";
  SimThread sim;
  int status = 0;
  const auto script = write_temp("login.rb", with_host(k_ruby_login, sim));
  const auto token = json::parse(run_command("ruby " + script, status));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(token.at("token_type"), "Bearer");
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  if (!have("curl")) GTEST_SKIP() << "curl not installed";
  SimThread sim;
  int status = 0;
  const auto out = run_command("curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' " +
                                   sim.base() + "/sim/state " + sim.base() + "/sim/state",
                               status);
  EXPECT_EQ(out, "1 0 ");
}

// --- The field keys: taper, lagging cloud, energy and charging log, strict config ---------

constexpr const char* k_account = R"(accounts:
  - email: a@example.com
    password: pw
)";

sim::SimConfig config_from(const std::string& name, const std::string& yaml) {
  auto r = sim::load_sim_config(write_temp(name, yaml));
  if (!r.config) throw std::runtime_error(r.error);
  return *r.config;
}

const Instant k_t0 = Instant{std::chrono::sys_days{std::chrono::year{2026} / 1 / 10}};

json::value sim_car(const SimThread& sim, std::size_t i = 0) {
  const auto r = sim.call("GET", "/sim/state");
  if (!r.ok()) throw std::runtime_error("GET /sim/state: " + r.error.message);
  return body_of(r).at("cars").at(i);
}

double num(const json::value& v) {
  return v.to_number<double>();
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

TEST(ConnectSimField, TaperSlowsChargingAboveTheTaperSoc) {
  const auto cfg = config_from("taper.yaml", std::string(R"(cars:
  - device_id: TAPER1
    battery_kwh: 50
    max_charge_kw: 10
    efficiency: 0.9
    soc: 60
    plugged_in: true
    taper_above_soc: 80
    taper_end_kw: 2
  - device_id: FLAT1
    battery_kwh: 50
    max_charge_kw: 10
    efficiency: 0.9
    soc: 60
    plugged_in: true
)") + k_account);
  ASSERT_TRUE(cfg.cars[0].params.spec.taper_above_soc);
  const VehicleSpec taper = cfg.cars[0].params.spec;
  const VehicleSpec flat = cfg.cars[1].params.spec;
  EXPECT_EQ(*taper.taper_above_soc, 80.0);
  EXPECT_EQ(taper.taper_end_kw, 2.0);
  EXPECT_FALSE(flat.taper_above_soc);

  ManualClock clock(k_t0);
  SimThread sim(cfg, clock);
  clock.advance(1h);  // 60 -> 78 %: below the taper both charge alike (18 %/h)
  EXPECT_NEAR(num(sim_car(sim, 0).at("soc")), 78.0, 1e-9);
  EXPECT_NEAR(num(sim_car(sim, 1).at("soc")), 78.0, 1e-9);
  clock.advance(1h);
  const auto tapered = sim_car(sim, 0);
  const double soc = num(tapered.at("soc"));
  const double flat_soc = num(sim_car(sim, 1).at("soc"));
  EXPECT_NEAR(soc, soc_after_hours(taper, soc_after_hours(taper, 60.0, 1.0), 1.0), 1e-6);
  EXPECT_NEAR(flat_soc, 96.0, 1e-9);
  EXPECT_LT(soc, flat_soc - 2.0);  // slower above 80 %
  EXPECT_GT(soc, 80.0);
  EXPECT_NEAR(num(tapered.at("energy_kwh")), grid_energy_kwh(taper, 60.0, soc), 1e-6);
}

TEST(ConnectSimField, SocUpdateEveryLagsTheApiButNotSimState) {
  const auto cfg = config_from("lag.yaml", std::string(R"(cars:
  - device_id: LAG1
    battery_kwh: 27.2
    max_charge_kw: 7.4
    efficiency: 0.9
    soc: 40
    plugged_in: true
    switched_on: false
    soc_update_every: 10m
)") + k_account);
  ASSERT_EQ(cfg.cars[0].soc_update_every, Seconds{600});
  const VehicleSpec spec = cfg.cars[0].params.spec;
  ManualClock clock(k_t0);
  SimThread sim(cfg, clock);
  int status = 0;
  const auto tok = json::parse(
      post_json(sim, "/api/bmw/oauth-token",
                R"({"email":"a@example.com","password":"pw","payload":{"email":"a@example.com"}})",
                "", status));
  ASSERT_EQ(status, 200);
  const std::string token(tok.at("access_token").as_string());
  auto reported = [&] {
    const auto devices =
        json::parse(post_json(sim, "/api/get-user-devices",
                              R"({"email":"a@example.com","password":"pw"})", token, status));
    return devices.at(0).at("charging_state");
  };
  auto pct = [](double soc) { return std::to_string(static_cast<int>(std::floor(soc))); };

  clock.advance(1min);
  ASSERT_TRUE(sim.call("POST", "/sim/vehicles/LAG1/charging", R"({"action":"start"})").ok());
  clock.advance(8min);  // t0 + 9 min: the cloud still has the values of t0
  EXPECT_EQ(reported().at("charge_percentage"), "40");
  EXPECT_EQ(reported().at("state"), "NOT_CHARGING");
  auto truth = sim_car(sim);
  EXPECT_EQ(truth.at("charging_state"), "CHARGING");
  EXPECT_NEAR(num(truth.at("soc")), soc_after_hours(spec, 40.0, 8.0 / 60), 1e-9);
  EXPECT_GT(num(truth.at("soc")), 43.0);

  clock.advance(1min);  // t0 + 10 min: refreshed
  const double soc10 = soc_after_hours(spec, 40.0, 9.0 / 60);
  EXPECT_EQ(str(reported().at("charge_percentage")), pct(soc10));
  EXPECT_EQ(reported().at("state"), "CHARGING");
  EXPECT_NE(pct(soc10), "40");

  clock.advance(9min);  // t0 + 19 min: still the values of t0 + 10 min
  EXPECT_EQ(str(reported().at("charge_percentage")), pct(soc10));
  truth = sim_car(sim);
  EXPECT_NEAR(num(truth.at("soc")), soc_after_hours(spec, 40.0, 18.0 / 60), 1e-9);
  EXPECT_NE(pct(num(truth.at("soc"))), pct(soc10));

  clock.advance(26min);  // t0 + 45 min: the last refresh passed is t0 + 40 min
  EXPECT_EQ(str(reported().at("charge_percentage")), pct(soc_after_hours(spec, 40.0, 39.0 / 60)));
  EXPECT_NEAR(num(sim_car(sim).at("soc")), soc_after_hours(spec, 40.0, 44.0 / 60), 1e-9);
}

TEST(ConnectSimField, EnergyAndChargingLogRecordEveryStretch) {
  const auto cfg = config_from("log.yaml", std::string(R"(cars:
  - device_id: LOG1
    battery_kwh: 27.2
    max_charge_kw: 7.4
    efficiency: 0.9
    soc: 20
    plugged_in: true
    switched_on: false
)") + k_account);
  const VehicleSpec spec = cfg.cars[0].params.spec;
  ManualClock clock(k_t0);
  SimThread sim(cfg, clock);
  EXPECT_EQ(sim_car(sim).at("charging_log").as_array().size(), 0u);
  EXPECT_EQ(num(sim_car(sim).at("energy_kwh")), 0.0);

  ASSERT_TRUE(sim.call("POST", "/sim/vehicles/LOG1/charging", R"({"action":"start"})").ok());
  auto log = sim_car(sim).at("charging_log");  // begun, nothing drawn yet
  ASSERT_EQ(log.as_array().size(), 1u);
  EXPECT_EQ(str(log.at(0).at("from")), format_rfc3339(k_t0));
  EXPECT_EQ(str(log.at(0).at("to")), format_rfc3339(k_t0));
  EXPECT_EQ(num(log.at(0).at("kwh")), 0.0);

  clock.advance(1h);
  ASSERT_TRUE(sim.call("POST", "/sim/vehicles/LOG1/charging", R"({"action":"stop"})").ok());
  clock.advance(1h);
  ASSERT_TRUE(sim.call("POST", "/sim/vehicles/LOG1/charging", R"({"action":"start"})").ok());
  clock.advance(30min);
  const auto car = sim_car(sim);
  log = car.at("charging_log");
  ASSERT_EQ(log.as_array().size(), 2u);
  EXPECT_EQ(str(log.at(0).at("from")), format_rfc3339(k_t0));
  EXPECT_EQ(str(log.at(0).at("to")), format_rfc3339(k_t0 + 1h));
  EXPECT_EQ(str(log.at(1).at("from")), format_rfc3339(k_t0 + 2h));
  EXPECT_EQ(str(log.at(1).at("to")), format_rfc3339(k_t0 + 2h + 30min));  // in progress: now
  EXPECT_EQ(num(log.at(0).at("start_soc")), 20.0);
  EXPECT_NEAR(num(log.at(0).at("end_soc")), soc_after_hours(spec, 20.0, 1.0), 1e-9);
  EXPECT_EQ(num(log.at(1).at("start_soc")), num(log.at(0).at("end_soc")));
  EXPECT_NEAR(num(log.at(1).at("end_soc")), num(car.at("soc")), 1e-9);
  double sum = 0.0;
  for (const auto& s : log.as_array()) {
    const double kwh = num(s.at("kwh"));
    EXPECT_GT(kwh, 0.0);
    EXPECT_NEAR(kwh, grid_energy_kwh(spec, num(s.at("start_soc")), num(s.at("end_soc"))), 1e-6);
    sum += kwh;
  }
  EXPECT_NEAR(sum, num(car.at("energy_kwh")), 1e-9);
  EXPECT_NEAR(num(car.at("energy_kwh")), 7.4 * 1.5, 1e-6);  // 1.5 h at 7.4 kW, no taper
}

TEST(ConnectSimField, PlugInKeepsTheChargersSwitch) {
  const auto cfg = config_from("plug.yaml", std::string(R"(cars:
  - device_id: PLUG1
    soc: 50
    plugged_in: false
    switched_on: false
)") + k_account);
  ManualClock clock(k_t0);
  SimThread sim(cfg, clock);
  auto r = sim.call("PUT", "/sim/vehicles/PLUG1", R"({"plugged_in":true})");
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(body_of(r).at("charging_state"), "NOT_CHARGING");
  EXPECT_EQ(body_of(r).at("switched_on"), false);
  clock.advance(1h);
  auto car = sim_car(sim);
  EXPECT_EQ(num(car.at("soc")), 50.0);  // plugged into a charger that is off: it waits
  EXPECT_EQ(car.at("charging_state"), "NOT_CHARGING");
  EXPECT_EQ(car.at("plugged_in"), true);

  ASSERT_TRUE(sim.call("POST", "/sim/vehicles/PLUG1/charging", R"({"action":"start"})").ok());
  r = sim.call("PUT", "/sim/vehicles/PLUG1", R"({"plugged_in":false})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(body_of(r).at("charging_state"), "NOT_CHARGING");
  EXPECT_EQ(body_of(r).at("switched_on"), true);  // the relay stays on while unplugged
  r = sim.call("PUT", "/sim/vehicles/PLUG1", R"({"plugged_in":true})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(body_of(r).at("charging_state"), "CHARGING");  // into a charger that is on
  clock.advance(1h);
  EXPECT_GT(num(sim_car(sim).at("soc")), 70.0);
}

struct BadConfig {
  const char* name;
  std::string yaml;
  std::string error;  // after "FILE:"
};

void expect_errors(const std::vector<BadConfig>& table) {
  for (const auto& c : table) {
    const std::string path = write_temp(std::string(c.name) + ".yaml", c.yaml);
    const auto r = sim::load_sim_config(path);
    EXPECT_FALSE(r.config) << c.name;
    EXPECT_EQ(r.error, path + ":" + c.error) << c.name;
  }
}

const std::string k_car = R"(cars:
  - device_id: CAR1
    soc: 50
)";

TEST(ConnectSimConfig, UnknownKeysAreRejectedWithFileLineAndColumn) {
  expect_errors({
      {"top", "expires_in: 60\ntimezon: UTC\n" + k_car + k_account,
       "2:1: unknown key 'timezon' at the top level (did you mean 'timezone'?)"},
      {"car_prefix",
       k_car +
           "    battery_kwh: 40\n    max_charge_kw: 7\n    taper_end_kw: 2\n"
           "    taper_above: 80\n" +
           k_account,
       "7:5: unknown key 'taper_above' in a car (did you mean 'taper_above_soc'?)"},
      {"car_typo", k_car + "    soc_update_evry: 10m\n" + k_account,
       "4:5: unknown key 'soc_update_evry' in a car (did you mean 'soc_update_every'?)"},
      {"account", k_car + "accounts:\n  - email: a@example.com\n    pasword: pw\n",
       "6:5: unknown key 'pasword' in an account (did you mean 'password'?)"},
      {"far", k_car + "    paint_colour: red\n" + k_account,
       "4:5: unknown key 'paint_colour' in a car; expected one of: device_id brand model year "
       "battery_kwh max_charge_kw efficiency full_range_km soc plugged_in plug_in_at "
       "unplug_at switched_on range_units _id id taper_above_soc taper_end_kw "
       "soc_update_every"},
  });
}

TEST(ConnectSimConfig, BadValuesSayWhereAndWhy) {
  expect_errors({
      {"taper_soc", k_car + "    taper_above_soc: 120\n    taper_end_kw: 2\n" + k_account,
       "4:22: expected taper_above_soc in (0, 100), got '120'"},
      {"taper_kw",
       k_car + "    max_charge_kw: 7.4\n    taper_above_soc: 80\n    taper_end_kw: 9\n" + k_account,
       "6:19: expected taper_end_kw in (0, max_charge_kw 7.4], got '9'"},
      {"taper_alone", k_car + "    taper_above_soc: 80\n" + k_account,
       "2:5: taper_above_soc and taper_end_kw go together"},
      {"duration", k_car + "    soc_update_every: 10 minutes\n" + k_account,
       "4:23: expected soc_update_every (a duration such as 30s, 15m, 2h or 1h30m), got "
       "'10 minutes'"},
      {"number", k_car + "    battery_kwh: lots\n" + k_account,
       "4:18: expected battery_kwh (a number), got 'lots'"},
      {"bool", k_car + "    plugged_in: maybe\n" + k_account,
       "4:17: expected plugged_in (true or false), got 'maybe'"},
      {"devices", k_car + "accounts:\n  - email: a\n    password: b\n    devices: [NOPE]\n",
       "7:15: unknown car 'NOPE'"},
  });
}

}  // namespace
}  // namespace offpeak::test
