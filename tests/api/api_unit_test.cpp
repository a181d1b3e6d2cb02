// The pure parts of the API (token check, query parsing, metrics text, status JSON, the
// router over a fake backend) and the HTTP server's connection cap.

#include <offpeak/api/api.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/net/http_server.hpp>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <regex>
#include <sstream>

namespace offpeak::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

// Whole numbers in queries: plain digits within the range; anything beyond int is refused
// by the parser itself (it was read with sscanf("%d"), undefined for such input).
TEST(RequestNumbers, BoundedIntsOnly) {
  EXPECT_EQ(parse_bounded_int("12", 1, 60), 12);
  EXPECT_EQ(parse_bounded_int("1", 1, 60), 1);
  EXPECT_EQ(parse_bounded_int("60", 1, 60), 60);
  for (const char* bad : {"0", "61", "-1", "+5", "05", " 5", "5 ", "5x", "", "1e1", "4294967308",
                          "99999999999999999999", "-2147483649"}) {
    EXPECT_EQ(parse_bounded_int(bad, 1, 60), std::nullopt) << bad;
  }
  const Instant now = at("2026-03-28T22:00:00Z");
  RangeResult r = parse_range_query("limit=4294967297", now - std::chrono::hours{1}, now, 5);
  EXPECT_EQ(r.error, "limit: expected an integer 1..10000, got '4294967297'");
  r = parse_range_query("limit=10000", now - std::chrono::hours{1}, now, 5);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.range.limit, 10000);
}

TEST(RequestBodies, ModeAndChargingAreCheckedBeforeUse) {
  const Instant now = at("2026-03-28T22:00:00Z");
  EXPECT_EQ(parse_mode_request(R"({"mode":"now","until":"2026-03-29T06:00:00Z"})", now).until,
            at("2026-03-29T06:00:00Z"));
  EXPECT_EQ(parse_mode_request(R"({"mode":"smart","until":"2026-03-29T06:00:00Z"})", now).error,
            "until applies to mode \"now\" only");
  EXPECT_EQ(parse_mode_request(R"({"mode":"now","until":"2026-03-28T21:00:00Z"})", now).error,
            "until is in the past");
  EXPECT_EQ(parse_mode_request(R"({"mode":7})", now).error,
            "mode: expected \"smart\", \"now\", \"off\" or \"solar\"");
  const Zone utc = Zone::utc();
  for (const char* bad : {R"({"target_soc":1e308})", R"({"target_soc":-1e308})",
                          R"({"target_soc":18446744073709551615})", R"({"target_soc":0.5})",
                          R"({"target_soc":"80"})"}) {
    EXPECT_EQ(parse_charging_request(bad, now, utc).error,
              "target_soc: expected a percentage 1..100")
        << bad;
  }
  const ChargingRequest ok =
      parse_charging_request(R"({"target_soc":80,"ready_by":"07:30"})", now, utc);
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.override_deadline.target_soc, 80.0);
  EXPECT_EQ(ok.override_deadline.ready_by, at("2026-03-29T07:30:00Z"));
}

TEST(BearerMatches, ExactTokenOnly) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_matches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cretX", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer S3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches(std::nullopt, "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
}

TEST(QueryParam, DecodesAndFindsByName) {
  EXPECT_EQ(query_param("from=2026-01-01T00%3A00%3A00Z&to=x", "from"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(query_param("a=1&b=2+3", "b"), "2 3");
  EXPECT_EQ(query_param("a", "a"), "");
  EXPECT_EQ(query_param("a=1", "b"), std::nullopt);
  EXPECT_EQ(query_param("", "a"), std::nullopt);
}

TEST(OverrideSetting, RoundTrips) {
  DeadlineOverride o{90.0, at("2026-01-11T06:00:00Z")};
  auto back = parse_override_setting(override_setting(o));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->target_soc, 90.0);
  EXPECT_EQ(back->ready_by, o.ready_by);
  EXPECT_FALSE(parse_override_setting("not json"));
  EXPECT_FALSE(parse_override_setting("{}"));
}

StatusSnapshot sample_snapshot() {
  StatusSnapshot s;
  s.now = at("2026-01-10T17:00:00Z");
  s.vehicle_name = "car \"one\"";
  s.timezone = "Europe/London";
  s.deadline = Deadline{at("2026-01-11T07:30:00Z"), 80};
  VehicleState v;
  v.device_id = "D1";
  v.soc_percent = 35;
  v.plugged_in = true;
  v.charging_state = ChargingState::not_charging;
  v.observed_at = at("2026-01-10T16:59:00Z");
  s.observation = v;
  s.poll_errors["timeout"] = 2;
  s.commands[{"start", "ok"}] = 3;
  return s;
}

TEST(StatusJson, EmptySnapshotHasNulls) {
  StatusSnapshot s;
  s.now = at("2026-01-10T17:00:00Z");
  s.deadline = Deadline{at("2026-01-11T07:30:00Z"), 80};
  json::value v = status_json(s);
  const auto& o = v.as_object();
  EXPECT_TRUE(o.at("soc").is_null());
  EXPECT_EQ(o.at("charging_state").as_string(), "UNKNOWN");
  EXPECT_TRUE(o.at("observed_at").is_null());
  EXPECT_TRUE(o.at("next_action").is_null());
  EXPECT_TRUE(o.at("plan").is_null());
  EXPECT_EQ(o.at("ready_by").as_string(), "2026-01-11T07:30:00Z");
}

// An energy target's progress in the status (null for a SoC target).
TEST(StatusJson, EnergyTargetProgress) {
  StatusSnapshot s = sample_snapshot();
  EXPECT_TRUE(status_json(s).as_object().at("energy_target").is_null());
  s.deadline.target_kwh = 20.0;
  s.energy = EnergyProgress{12.34, 20.0, true, at("2026-01-10T16:00:00Z")};
  const json::value v = status_json(s);
  const json::object& e = v.as_object().at("energy_target").as_object();
  EXPECT_EQ(e.at("progress").as_string(), "12.3 of 20.0 kWh");
  EXPECT_EQ(e.at("target_kwh").to_number<double>(), 20.0);
  EXPECT_EQ(e.at("delivered_kwh").to_number<double>(), 12.34);
  EXPECT_TRUE(e.at("metered").as_bool());
  EXPECT_EQ(e.at("since").as_string(), "2026-01-10T16:00:00Z");
}

TEST(MetricsText, EveryLineIsACommentOrASample) {
  const std::string text = metrics_text(sample_snapshot());
  std::istringstream in(text);
  const std::regex sample(R"re(^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$)re");
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_NE(text.find("offpeak_commands_total{action=\"start\",result=\"ok\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("offpeak_commands_total{action=\"stop\",result=\"failed\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("offpeak_poll_errors_total{kind=\"timeout\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("offpeak_last_observation_timestamp_seconds 1768064340\n"),
            std::string::npos);
  EXPECT_NE(text.find("offpeak_soc_percent 35\n"), std::string::npos);
}

// A backend with fixed state that records writes.
class FakeBackend final : public ApiBackend {
 public:
  StatusSnapshot snapshot() const override {
    StatusSnapshot s = sample_snapshot();
    s.mode = mode;
    s.mode_until = until;
    s.override_deadline = override_deadline;
    s.vehicle.max_charge_kw = 7.0;
    return s;
  }
  const Zone& zone() const override { return zone_; }
  PriceCurve prices(Instant from, Instant to) const override { return price_curve.slice(from, to); }
  asio::awaitable<std::vector<store::SampleRow>> samples(store::TimeRange) override {
    co_return std::vector<store::SampleRow>{};
  }
  asio::awaitable<std::vector<store::SessionRow>> sessions(store::TimeRange r) override {
    std::vector<store::SessionRow> out;
    for (const auto& row : session_rows) {
      if (r.from <= row.started_at && row.started_at < r.to) out.push_back(row);
    }
    co_return out;
  }
  asio::awaitable<std::vector<store::CommandRow>> commands(store::TimeRange) override {
    co_return std::vector<store::CommandRow>{};
  }
  void set_mode(Mode m, std::optional<Instant> u) override {
    mode = m;
    until = u;
  }
  void set_override(std::optional<DeadlineOverride> o) override { override_deadline = o; }

  Mode mode = Mode::smart;
  std::optional<Instant> until;
  std::optional<DeadlineOverride> override_deadline;
  std::vector<store::SessionRow> session_rows;
  PriceCurve price_curve;

 private:
  Zone zone_ = Zone::utc();
};

net::ServerResponse call(Router& router, std::string method, std::string path,
                         std::string body = "", std::string token = "") {
  net::ServerRequest req;
  req.method = std::move(method);
  req.target = path;
  const auto q = path.find('?');
  req.path = path.substr(0, q);
  if (q != std::string::npos) req.query = path.substr(q + 1);
  req.body = std::move(body);
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  asio::io_context io;
  net::ServerResponse out;
  asio::co_spawn(io, router.handle(std::move(req)),
                 [&out](std::exception_ptr e, net::ServerResponse r) {
                   if (e) std::rethrow_exception(e);
                   out = std::move(r);
                 });
  io.run();
  return out;
}

TEST(Router, StatusesAndErrors) {
  FakeBackend backend;
  Router router(backend, "tok");
  EXPECT_EQ(call(router, "GET", "/healthz").status, 200);
  EXPECT_EQ(call(router, "GET", "/api/v1/plan").status, 503);
  EXPECT_EQ(call(router, "GET", "/nope").status, 404);
  auto r405 = call(router, "POST", "/metrics");
  EXPECT_EQ(r405.status, 405);
  EXPECT_EQ(*net::find_header(r405.headers, "allow"), "GET");
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"off"})").status, 401);
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"off"})", "tok2").status, 401);
  EXPECT_EQ(backend.mode, Mode::smart);
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"off","x":1})", "tok").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"off","until":"2026-01-11T00:00:00Z"})",
                 "tok")
                .status,
            400);
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"now","until":"2026-01-01T00:00:00Z"})",
                 "tok")
                .status,
            400);
  auto ok = call(router, "POST", "/api/v1/mode", R"({"mode":"now","until":"2026-01-11T00:00:00Z"})",
                 "tok");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(backend.mode, Mode::now);
  EXPECT_EQ(backend.until, at("2026-01-11T00:00:00Z"));
  EXPECT_EQ(call(router, "PUT", "/api/v1/charging", "{}", "tok").status, 400);
  EXPECT_EQ(call(router, "PUT", "/api/v1/charging", R"({"ready_by":"7.30"})", "tok").status, 400);
  EXPECT_EQ(call(router, "PUT", "/api/v1/charging", R"({"ready_by":"06:15"})", "tok").status, 200);
  ASSERT_TRUE(backend.override_deadline);
  EXPECT_EQ(backend.override_deadline->ready_by, at("2026-01-11T06:15:00Z"));
  EXPECT_EQ(call(router, "DELETE", "/api/v1/charging", "", "tok").status, 200);
  EXPECT_FALSE(backend.override_deadline);
  EXPECT_EQ(call(router, "GET", "/api/v1/history?from=x").status, 400);
  EXPECT_EQ(call(router, "GET", "/api/v1/history").status, 200);
}

// Sessions carry the cost of charging at once from plug-in at full power (7 kW here) and the
// saving; /api/v1/savings sums them by local month. Hand-computed: 20 Dec 18:00, 7 kWh at
// once is 18:00-19:00 at 35p = 245p (cost 59.5p, saved 185.5p); 5 Jan 20:00, 14 kWh at once
// is 20:00-22:00 at 24.5p = 343p (cost 119p, saved 224p), 6 kWh of it from the sun; both
// parts are shown per session and summed per month.
TEST(Router, SessionsAndMonthlySavings) {
  FakeBackend backend;
  backend.price_curve =
      PriceCurve({{at("2025-12-01T00:00:00Z"), at("2025-12-20T18:00:00Z"), 24.5},
                  {at("2025-12-20T18:00:00Z"), at("2025-12-20T19:00:00Z"), 35.0},
                  {at("2025-12-20T19:00:00Z"), at("2026-02-01T00:00:00Z"), 24.5}});
  store::SessionRow dec;
  dec.id = 1;
  dec.started_at = at("2025-12-20T18:00:00Z");
  dec.ended_at = at("2025-12-21T07:00:00Z");
  dec.energy_kwh = 7.0;
  dec.grid_kwh = 7.0;
  dec.cost_p = 59.5;
  store::SessionRow jan;
  jan.id = 2;
  jan.started_at = at("2026-01-05T20:00:00Z");
  jan.energy_kwh = 14.0;
  jan.solar_kwh = 6.0;
  jan.grid_kwh = 8.0;
  jan.cost_p = 119.0;
  backend.session_rows = {dec, jan};
  Router router(backend, "");

  auto s = call(router, "GET", "/api/v1/sessions?from=2025-12-01T00:00:00Z");
  ASSERT_EQ(s.status, 200) << s.body;
  const json::value sessions = json::parse(s.body);
  const auto& rows = sessions.at("sessions").as_array();
  ASSERT_EQ(rows.size(), 2U) << s.body;
  EXPECT_DOUBLE_EQ(rows[0].at("cost_at_once_p").to_number<double>(), 245.0);
  EXPECT_DOUBLE_EQ(rows[0].at("saving_p").to_number<double>(), 185.5);
  EXPECT_DOUBLE_EQ(rows[1].at("cost_at_once_p").to_number<double>(), 343.0);
  EXPECT_DOUBLE_EQ(rows[1].at("saving_p").to_number<double>(), 224.0);
  EXPECT_DOUBLE_EQ(rows[0].at("solar_kwh").to_number<double>(), 0.0);
  EXPECT_DOUBLE_EQ(rows[0].at("grid_kwh").to_number<double>(), 7.0);
  EXPECT_DOUBLE_EQ(rows[1].at("solar_kwh").to_number<double>(), 6.0);
  EXPECT_DOUBLE_EQ(rows[1].at("grid_kwh").to_number<double>(), 8.0);
  EXPECT_DOUBLE_EQ(sessions.at("full_power_kw").to_number<double>(), 7.0);

  auto m = call(router, "GET", "/api/v1/savings?months=3");
  ASSERT_EQ(m.status, 200) << m.body;
  const json::value doc = json::parse(m.body);
  const auto& months = doc.at("months").as_array();
  ASSERT_EQ(months.size(), 3U) << m.body;
  EXPECT_EQ(months[0].at("month").as_string(), "2025-11");
  EXPECT_EQ(months[0].at("sessions").as_int64(), 0);
  EXPECT_EQ(months[1].at("month").as_string(), "2025-12");
  EXPECT_DOUBLE_EQ(months[1].at("saving_p").to_number<double>(), 185.5);
  EXPECT_EQ(months[2].at("month").as_string(), "2026-01");
  EXPECT_EQ(months[2].at("sessions").as_int64(), 1);
  EXPECT_DOUBLE_EQ(months[2].at("energy_kwh").to_number<double>(), 14.0);
  EXPECT_DOUBLE_EQ(months[2].at("solar_kwh").to_number<double>(), 6.0);
  EXPECT_DOUBLE_EQ(months[2].at("grid_kwh").to_number<double>(), 8.0);
  EXPECT_DOUBLE_EQ(months[1].at("solar_kwh").to_number<double>(), 0.0);
  EXPECT_DOUBLE_EQ(months[1].at("grid_kwh").to_number<double>(), 7.0);
  EXPECT_DOUBLE_EQ(months[2].at("cost_at_once_p").to_number<double>(), 343.0);
  EXPECT_DOUBLE_EQ(months[2].at("saving_p").to_number<double>(), 224.0);
  EXPECT_EQ(json::parse(call(router, "GET", "/api/v1/savings").body).at("months").as_array().size(),
            12U);
  EXPECT_EQ(call(router, "GET", "/api/v1/savings?months=0").status, 400);
  EXPECT_EQ(call(router, "GET", "/api/v1/savings?months=61").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/savings").status, 405);

  // Without prices for the stretch the cost at once is unknown, never 0.
  backend.price_curve = PriceCurve{};
  auto unknown = call(router, "GET", "/api/v1/sessions?from=2025-12-01T00:00:00Z");
  EXPECT_TRUE(json::parse(unknown.body).at("sessions").as_array()[0].at("saving_p").is_null());
}

// POST /api/v1/soc: the token, the body, and the backend's word.
TEST(Router, ToldSoc) {
  struct Telling final : public ApiBackend {
    StatusSnapshot snapshot() const override { return inner.snapshot(); }
    const Zone& zone() const override { return inner.zone(); }
    PriceCurve prices(Instant from, Instant to) const override { return inner.prices(from, to); }
    asio::awaitable<std::vector<store::SampleRow>> samples(store::TimeRange r) override {
      return inner.samples(r);
    }
    asio::awaitable<std::vector<store::SessionRow>> sessions(store::TimeRange r) override {
      return inner.sessions(r);
    }
    asio::awaitable<std::vector<store::CommandRow>> commands(store::TimeRange r) override {
      return inner.commands(r);
    }
    void set_mode(Mode m, std::optional<Instant> u) override { inner.set_mode(m, u); }
    void set_override(std::optional<DeadlineOverride> o) override { inner.set_override(o); }
    bool tell_soc(double percent, std::string& why) override {
      told.push_back(percent);
      if (percent == 13) why = "not now";
      return percent != 13;
    }
    FakeBackend inner;
    std::vector<double> told;
  } backend;
  Router router(backend, "tok");
  EXPECT_EQ(call(router, "GET", "/api/v1/soc").status, 405);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":45})").status, 401);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":"45"})", "tok").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":100.5})", "tok").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":45,"at":1})", "tok").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":45})", "tok").status, 200);
  EXPECT_EQ(call(router, "POST", "/api/v1/soc", R"({"soc":0})", "tok").status, 200);
  auto refused = call(router, "POST", "/api/v1/soc", R"({"soc":13})", "tok");
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body.find("not now"), std::string::npos);
  EXPECT_EQ(backend.told, (std::vector<double>{45, 0, 13}));
  // A backend that takes no told SoC says so.
  FakeBackend plain;
  Router plain_router(plain, "");
  EXPECT_EQ(call(plain_router, "POST", "/api/v1/soc", R"({"soc":45})").status, 409);
}

TEST(Router, OpenWritesWithoutAToken) {
  FakeBackend backend;
  Router router(backend, "");
  EXPECT_EQ(call(router, "POST", "/api/v1/mode", R"({"mode":"off"})").status, 200);
  EXPECT_EQ(backend.mode, Mode::off);
}

asio::awaitable<net::ServerResponse> answer_ok(net::ServerRequest) {
  co_return net::make_response(200, "{}");
}

asio::awaitable<void> fetch_into(std::string url, net::HttpResult* out) {
  net::ClientRequest req;
  req.url = std::move(url);
  net::ClientOptions options;
  options.timeout = std::chrono::seconds{5};
  *out = co_await net::async_fetch(std::move(req), options);
}

TEST(HttpServerCap, ConnectionsBeyondTheCapGet503) {
  asio::io_context io;
  net::ServerOptions options;
  options.max_connections = 1;
  net::HttpServer server(io, options, answer_ok);
  ASSERT_TRUE(server.listen());
  // One idle connection takes the only place.
  asio::ip::tcp::socket idle(io);
  idle.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  for (int i = 0; i < 200 && server.connection_count() < 1; ++i) {
    io.run_for(std::chrono::milliseconds{5});
  }
  ASSERT_EQ(server.connection_count(), 1u);
  net::HttpResult result;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  asio::co_spawn(io, fetch_into(url, &result), asio::detached);
  for (int i = 0; i < 400 && !result.ok() && result.error.status == 0; ++i) {
    io.run_for(std::chrono::milliseconds{5});
  }
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error.status, 503) << result.error.message;
  // Once the idle connection is gone, requests are served again.
  idle.close();
  for (int i = 0; i < 200 && server.connection_count() > 0; ++i) {
    io.run_for(std::chrono::milliseconds{5});
  }
  net::HttpResult second;
  asio::co_spawn(io, fetch_into(url, &second), asio::detached);
  for (int i = 0;
       i < 400 && !second.ok() && second.error.status == 0 && second.error.message.empty(); ++i) {
    io.run_for(std::chrono::milliseconds{5});
  }
  EXPECT_TRUE(second.ok()) << second.error.message;
  server.stop();
}

}  // namespace
}  // namespace offpeak::api

namespace offpeak::api {
namespace {

// The notification channels in the status and the metrics; the list of recent events.
TEST(NotifyApi, StatusMetricsAndTheListOfEvents) {
  StatusSnapshot s = sample_snapshot();
  NotifyStatus n;
  n.events = 3;
  NotifyChannelStatus c;
  c.name = "webhook-2";
  c.type = "webhook";
  c.failing = true;
  c.failing_since = at("2026-01-10T16:00:00Z");
  c.last_error = "unreachable: connection refused";
  c.sent = 2;
  c.failed = 5;
  n.channels.push_back(c);
  s.notify = n;
  const auto st = status_json(s).as_object();
  const auto& ch = st.at("notify").at("channels").as_array().at(0).as_object();
  EXPECT_EQ(ch.at("name"), "webhook-2");
  EXPECT_EQ(ch.at("failing"), true);
  EXPECT_EQ(ch.at("failing_since"), "2026-01-10T16:00:00Z");
  EXPECT_EQ(ch.at("failed"), 5);
  EXPECT_TRUE(status_json(sample_snapshot()).as_object().at("notify").is_null());
  const std::string text = metrics_text(s);
  EXPECT_NE(
      text.find("offpeak_notifications_failed_total{channel=\"webhook-2\",type=\"webhook\"} 5\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("offpeak_notifications_sent_total{channel=\"webhook-2\",type=\"webhook\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("offpeak_notification_channel_failing{channel=\"webhook-2\",type=\"webhook\"} 1\n"),
      std::string::npos);
  FakeBackend backend;
  Router router(backend, "tok");
  auto list = call(router, "GET", "/api/v1/notifications");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, R"({"notifications":[]})");
  EXPECT_EQ(call(router, "GET", "/api/v1/notifications?limit=0").status, 400);
  EXPECT_EQ(call(router, "GET", "/api/v1/notifications?limit=x").status, 400);
  EXPECT_EQ(call(router, "POST", "/api/v1/notifications").status, 405);
  store::OutboxEntry e;
  e.event.event = "session_done";
  e.event.key = "session_done:x";
  e.event.at = at("2026-01-10T07:45:00Z");
  e.event.not_before = at("2026-01-10T07:45:00Z");
  e.event.title = "t";
  e.deliveries.push_back(
      {1, "ntfy", store::DeliveryState::sent, 2, {}, at("2026-01-10T07:46:00Z"), ""});
  const auto j = notifications_json({e}).as_object();
  const auto& d = j.at("notifications").as_array().at(0).at("deliveries").as_array().at(0);
  EXPECT_EQ(d.at("state"), "sent");
  EXPECT_EQ(d.at("sent_at"), "2026-01-10T07:46:00Z");
  EXPECT_TRUE(d.at("last_error").is_null());
}

}  // namespace
}  // namespace offpeak::api
