// Component tests: the Connect client against the real simulator server on 127.0.0.1:0.
#include "sim_fixture.hpp"

#include <offpeak/connect/client.hpp>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <sstream>

namespace offpeak::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using connect::ConnectClient;
using connect::ConnectErrorKind;
using connect::FetchOutcome;
using connect::FetchResult;
using namespace std::chrono_literals;

constexpr const char* k_password = "demopass";

config::ConnectSource source_for(const SimThread& sim, Seconds timeout = Seconds{2}) {
  config::ConnectSource s;
  s.base_url = sim.base();
  s.email = "demo@outlook.com";
  s.password = config::Secret(k_password);
  s.timeout = timeout;
  return s;
}

FetchResult run(ConnectClient& client) {
  asio::io_context ioc;
  FetchResult out;
  asio::co_spawn(ioc, client.fetch_vehicle(), [&out](std::exception_ptr e, FetchResult r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  ioc.run();
  return out;
}

int count_requests(const SimThread& sim, std::string_view path) {
  const auto r = sim.call("GET", "/sim/requests");
  EXPECT_TRUE(r.ok());
  int n = 0;
  const json::value all = json::parse(r.response->body);
  for (const auto& e : all.as_array()) {
    if (e.at("path").as_string() == path) ++n;
  }
  return n;
}

template <class F>
std::chrono::milliseconds timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0);
}

TEST(ConnectClient, FetchesTheSeedCarAndReusesTheToken) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  const FetchResult r = run(client);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.vehicle->device_id, "WBY7ZddD802daf16");
  EXPECT_EQ(r.vehicle->soc_percent, 82.0);
  EXPECT_EQ(r.vehicle->range_km, 121.0);
  EXPECT_EQ(r.vehicle->plugged_in, false);
  EXPECT_EQ(r.vehicle->charging_state, ChargingState::not_charging);
  ASSERT_TRUE(client.token().has_value());
  EXPECT_GT(client.token()->expires_at, clock.now() + Seconds{28000});
  ASSERT_TRUE(run(client).ok());
  EXPECT_EQ(client.login_count(), 1);
  EXPECT_EQ(count_requests(sim, "/api/bmw/oauth-token"), 1);
  EXPECT_EQ(count_requests(sim, "/api/get-user-devices"), 2);
}

TEST(ConnectClient, SendsTheDocumentedBodies) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  ASSERT_TRUE(run(client).ok());
  const auto all = json::parse(sim.call("GET", "/sim/requests").response->body).as_array();
  ASSERT_GE(all.size(), 2u);
  const auto login = json::parse(all[0].at("body").as_string());
  EXPECT_EQ(login, json::parse(R"({"email":"demo@outlook.com","password":"<redacted>",
                                   "payload":{"email":"demo@outlook.com"}})"));
  const auto devices = json::parse(all[1].at("body").as_string());
  EXPECT_EQ(devices, json::parse(R"({"email":"demo@outlook.com","password":"<redacted>"})"));
  EXPECT_EQ(all[1].at("headers").at("Authorization").as_string(), "Bearer <redacted>");
}

TEST(ConnectClient, AcceptsASingleObjectAnswer) {
  SimThread sim(sim::default_sim_config(), true);
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  const auto raw = sim.call("GET", "/sim/state");
  ASSERT_TRUE(raw.ok());
  const FetchResult r = run(client);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.vehicle->soc_percent, 82.0);
}

TEST(ConnectClient, WrongPasswordIsCredentialsRefused) {
  SimThread sim;
  SystemClock clock;
  auto src = source_for(sim);
  src.password = config::Secret("wrong-password-123");
  ConnectClient client(src, clock);
  const FetchResult r = run(client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, ConnectErrorKind::credentials_refused);
  EXPECT_EQ(r.error.http_status, 401);
  EXPECT_FALSE(client.token().has_value());
}

TEST(ConnectClient, ExpiredTokensLeadToOneNewLogin) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  ASSERT_TRUE(run(client).ok());
  sim.fault(R"({"mode":"expire_tokens"})");
  const FetchResult r = run(client);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(client.login_count(), 2);
}

TEST(ConnectClient, TokenRenewedWhenItsLifetimeIsOver) {
  SimThread sim;
  FixedClock clock(SystemClock{}.now());
  ConnectClient client(source_for(sim), clock);
  ASSERT_TRUE(run(client).ok());
  clock.set(clock.now() + Seconds{28800 - 300 - 1});
  ASSERT_TRUE(run(client).ok());
  EXPECT_EQ(client.login_count(), 1);
  clock.set(clock.now() + Seconds{2});
  ASSERT_TRUE(run(client).ok());
  EXPECT_EQ(client.login_count(), 2);
}

TEST(ConnectClient, UsesACachedTokenAndReplacesARefusedOne) {
  SimThread sim;
  SystemClock clock;
  ConnectClient first(source_for(sim), clock);
  ASSERT_TRUE(run(first).ok());
  ConnectClient second(source_for(sim), clock, first.token());
  ASSERT_TRUE(run(second).ok());
  EXPECT_EQ(second.login_count(), 0);
  ConnectClient stale(source_for(sim), clock,
                      connect::CachedToken{config::Secret("not-a-token"), clock.now() + 1h});
  ASSERT_TRUE(run(stale).ok());
  EXPECT_EQ(stale.login_count(), 1);
}

struct FaultCase {
  const char* fault;
  ConnectErrorKind kind;
  std::optional<int> status;
};
void PrintTo(const FaultCase& c, std::ostream* os) {
  *os << c.fault;
}
class ConnectFaults : public ::testing::TestWithParam<FaultCase> {};
TEST_P(ConnectFaults, MapToClearErrors) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim, Seconds{1}), clock);
  sim.fault(GetParam().fault);
  FetchResult r;
  const auto took = timed([&] { r = run(client); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, GetParam().kind) << r.error.message;
  EXPECT_EQ(r.error.http_status, GetParam().status);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(r.error.message.empty());
  // The fault was for one request only: the next poll works.
  const FetchResult again = run(client);
  EXPECT_TRUE(again.ok() || again.error.kind == ConnectErrorKind::rate_limited)
      << again.error.message;
}
INSTANTIATE_TEST_SUITE_P(
    EveryMode, ConnectFaults,
    ::testing::Values(
        FaultCase{R"({"mode":"http500"})", ConnectErrorKind::server_error, 500},
        FaultCase{R"({"mode":"http503"})", ConnectErrorKind::server_error, 503},
        FaultCase{R"({"mode":"http429"})", ConnectErrorKind::rate_limited, 429},
        FaultCase{R"({"mode":"timeout"})", ConnectErrorKind::timeout, std::nullopt},
        FaultCase{R"({"mode":"reset"})", ConnectErrorKind::unreachable, std::nullopt},
        FaultCase{R"({"mode":"malformed"})", ConnectErrorKind::bad_response, std::nullopt},
        FaultCase{R"({"mode":"truncated"})", ConnectErrorKind::bad_response, std::nullopt},
        FaultCase{R"({"mode":"slow"})", ConnectErrorKind::timeout, std::nullopt}));

TEST(ConnectClient, WrongTypesAreTolerated) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  sim.fault(R"({"mode":"wrong_types","count":2})");
  const FetchResult r = run(client);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.vehicle->soc_percent, 82.0);
  EXPECT_EQ(r.vehicle->year, 2018);
  EXPECT_EQ(r.vehicle->plugged_in, false);
  EXPECT_EQ(r.vehicle->range_km, 121.0);
  EXPECT_EQ(r.vehicle->model, "");
  EXPECT_GT(client.token()->expires_at, clock.now() + Seconds{28000});
}

TEST(ConnectClient, SlowButInTimeSucceeds) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  sim.fault(R"({"mode":"slow","count":2,"delay_ms":200})");
  FetchResult r;
  const auto took = timed([&] { r = run(client); });
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_GE(took, 400ms);
}

TEST(ConnectClient, RetryAfterIsHonoured) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  ASSERT_TRUE(run(client).ok());
  sim.fault(R"({"mode":"http429","retry_after":120})");
  const FetchResult r = run(client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, ConnectErrorKind::rate_limited);
  EXPECT_EQ(r.error.retry_after, Seconds{120});
  ASSERT_TRUE(client.backoff_until().has_value());
  const int before = count_requests(sim, "/api/get-user-devices");
  const FetchResult blocked = run(client);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error.kind, ConnectErrorKind::rate_limited);
  EXPECT_LE(*blocked.error.retry_after, Seconds{120});
  EXPECT_EQ(count_requests(sim, "/api/get-user-devices"), before);
}

TEST(ConnectClient, HangingServerIsBoundedByTheTimeout) {
  SimThread sim;
  SystemClock clock;
  ConnectClient client(source_for(sim, Seconds{1}), clock);
  sim.fault(R"({"mode":"timeout","count":5})");
  FetchResult r;
  const auto took = timed([&] { r = run(client); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, ConnectErrorKind::timeout);
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
}

sim::SimConfig two_cars() {
  auto cfg = sim::default_sim_config();
  sim::SimCar second = cfg.cars.front();
  second.params.device_id = "WBA00000000DEMO02";
  second.params.model = "i4 eDrive40";
  second.params.year = 2022;
  second.record_id.clear();
  second.id.clear();
  cfg.cars.push_back(second);
  cfg.accounts.front().devices.push_back("WBA00000000DEMO02");
  return cfg;
}

TEST(ConnectClient, SeveralCarsNeedADeviceId) {
  SimThread sim(two_cars());
  SystemClock clock;
  ConnectClient client(source_for(sim), clock);
  const FetchResult r = run(client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, ConnectErrorKind::device_not_found);
  EXPECT_NE(r.error.message.find("WBY7ZddD802daf16 (BMW i3s 94 REX 2018)"), std::string::npos);
  EXPECT_NE(r.error.message.find("WBA00000000DEMO02 (BMW i4 eDrive40 2022)"), std::string::npos);

  auto src = source_for(sim);
  src.device_id = "WBA00000000DEMO02";
  ConnectClient chosen(src, clock);
  const FetchResult ok = run(chosen);
  ASSERT_TRUE(ok.ok()) << ok.error.message;
  EXPECT_EQ(ok.vehicle->model, "i4 eDrive40");

  src.device_id = "NOPE";
  ConnectClient wrong(src, clock);
  const FetchResult nf = run(wrong);
  ASSERT_FALSE(nf.ok());
  EXPECT_NE(nf.error.message.find("'NOPE' is not on the account"), std::string::npos);
  EXPECT_NE(nf.error.message.find("WBA00000000DEMO02"), std::string::npos);
}

TEST(FetchVehicleOnce, RetriesTransientFailures) {
  SimThread sim;
  sim.fault(R"({"mode":"http500","count":2})");
  const FetchOutcome o = connect::fetch_vehicle_once(source_for(sim));
  ASSERT_EQ(o.kind, FetchOutcome::Kind::ok) << o.message;
  EXPECT_EQ(o.exit_code(), 0);
  EXPECT_EQ(o.vehicle->soc_percent, 82.0);
}

TEST(FetchVehicleOnce, RecoversFromAResetAndATimeout) {
  SimThread sim;
  sim.fault(R"({"mode":"reset","count":1})");
  EXPECT_EQ(connect::fetch_vehicle_once(source_for(sim, Seconds{1})).exit_code(), 0);
  sim.fault(R"({"mode":"timeout","count":1})");
  EXPECT_EQ(connect::fetch_vehicle_once(source_for(sim, Seconds{1})).exit_code(), 0);
}

TEST(FetchVehicleOnce, PersistentOutageIsUnreachable) {
  SimThread sim;
  sim.fault(R"({"mode":"http503","count":100})");
  FetchOutcome o;
  const auto took = timed([&] { o = connect::fetch_vehicle_once(source_for(sim)); });
  EXPECT_EQ(o.kind, FetchOutcome::Kind::unreachable);
  EXPECT_EQ(o.exit_code(), 69);
  EXPECT_NE(o.message.find("503"), std::string::npos);
  EXPECT_LT(took, 5s);
}

TEST(FetchVehicleOnce, NothingListeningIsUnreachable) {
  unsigned short port = 0;
  {
    SimThread sim;
    port = sim.port();
  }
  config::ConnectSource src;
  src.base_url = "http://127.0.0.1:" + std::to_string(port);
  src.email = "demo@outlook.com";
  src.password = config::Secret(k_password);
  src.timeout = Seconds{1};
  const FetchOutcome o = connect::fetch_vehicle_once(src, Seconds{10});
  EXPECT_EQ(o.exit_code(), 69) << o.message;
  EXPECT_NE(o.message.find("cannot connect"), std::string::npos) << o.message;
}

TEST(FetchVehicleOnce, RefusedCredentialsExit77AndBadAnswersExit1) {
  SimThread sim;
  auto src = source_for(sim);
  src.password = config::Secret("nope-nope");
  EXPECT_EQ(connect::fetch_vehicle_once(src).exit_code(), 77);
  sim.fault(R"({"mode":"malformed","count":1})");
  const FetchOutcome o = connect::fetch_vehicle_once(source_for(sim));
  EXPECT_EQ(o.exit_code(), 1);
  EXPECT_NE(o.message.find("not valid JSON"), std::string::npos) << o.message;
}

TEST(Secrets, NeverInLogsOrErrors) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  std::string errors;
  std::vector<std::string> tokens;
  {
    SimThread sim;
    SystemClock clock;
    ConnectClient client(source_for(sim, Seconds{1}), clock);
    for (const char* fault :
         {R"({"mode":"none"})", R"({"mode":"expire_tokens"})", R"({"mode":"http500"})",
          R"({"mode":"http429"})", R"({"mode":"malformed"})", R"({"mode":"truncated"})",
          R"({"mode":"reset"})", R"({"mode":"wrong_types"})"}) {
      sim.fault(fault);
      const FetchResult r = run(client);
      if (!r.ok()) errors += r.error.message + "\n";
      if (client.token()) tokens.push_back(client.token()->access_token.reveal());
    }
    auto bad = source_for(sim);
    bad.password = config::Secret("Sup3rSecret&Pass");
    ConnectClient refused(bad, clock);
    errors += run(refused).error.message + "\n";
    errors += connect::fetch_vehicle_once(bad).message + "\n";
    ConnectClient stale(
        source_for(sim), clock,
        connect::CachedToken{config::Secret("StaleTokenValue42"), clock.now() + 1h});
    run(stale);
    tokens.push_back("StaleTokenValue42");
  }
  spdlog::set_default_logger(previous);
  const std::string logs = captured.str();
  EXPECT_FALSE(logs.empty());
  EXPECT_GE(tokens.size(), 2u);
  for (const std::string& secret : tokens) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "token in logs";
    EXPECT_EQ(errors.find(secret), std::string::npos) << "token in errors";
  }
  for (const std::string& secret : {std::string(k_password), std::string("Sup3rSecret&Pass")}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "password in logs:\n" << logs;
    EXPECT_EQ(errors.find(secret), std::string::npos) << "password in errors:\n" << errors;
  }
}

}  // namespace
}  // namespace offpeak::test
