// The simulator's own contract, the seed document's examples against it, and server behaviour.
#include "sim_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <array>
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

}  // namespace
}  // namespace offpeak::test
