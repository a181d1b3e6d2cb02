#include <offpeak/sim/connect_sim.hpp>
#include <offpeak/sim/requests.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <functional>
#include <random>

namespace offpeak::sim {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using net::ServerRequest;
using net::ServerResponse;

constexpr std::size_t k_max_recorded_requests = 10000;
constexpr double k_km_per_mile = 1.609344;

// Deterministic lowercase hex of `n` characters derived from `seed`.
std::string derived_hex(std::string_view seed, std::size_t n) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::uint64_t h = std::hash<std::string_view>{}(seed);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    out += k_hex[(h >> 59) & 0xF];
  }
  return out;
}

ServerResponse json_response(int status, const json::value& v) {
  return net::make_response(status, json::serialize(v));
}

ServerResponse error_response(int status, std::string message) {
  return json_response(status, json::object{{"error", std::move(message)}});
}

std::string random_token(std::mt19937_64& rng, std::size_t n) {
  static constexpr char k_chars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof k_chars - 2);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += k_chars[pick(rng)];
  return out;
}

bool is_api_path(std::string_view path) {
  return path.substr(0, 5) == "/api/";
}

}  // namespace

// ---------------------------------------------------------------------------------------
SimConfig default_sim_config() {
  SimCar car;
  car.params.device_id = "WBY7ZddD802daf16";
  car.params.brand = "BMW";
  car.params.model = "i3s 94 REX";
  car.params.year = 2018;
  car.params.spec = VehicleSpec{27.2, 7.4, 0.9};
  car.params.soc_percent = 82.0;
  car.params.full_range_km = 148.0;  // 121 km at 82 %, as in the seed's example
  car.params.plugged_in = false;
  car.record_id = "62137c48e075b1442f0c955c";
  car.id = "916ba1b2eeba4b4881ce9d829852d70e";

  SimConfig cfg;
  cfg.cars.push_back(car);
  SimAccount demo{
      "demo@outlook.com", "demopass", "61b1d1a2d5df13f67657dbf2", {car.params.device_id}, {}};
  SimAccount seed_login{"georgebatts1@outlook.com", "Myenergi123&", "", {car.params.device_id}, {}};
  SimAccount seed_devices{
      "test@test.com",
      "testing123",
      "",
      {car.params.device_id},
      {"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6InRyYW5zcG9ydGVyQGdtYWlsLmNvbSIsInBhc3"
       "N3b3JkIjoidHJhbnNwb3J0ZXIiLCJpYXQiOjE2NDQwNzQ0OTgsImV4cCI6MTY0NDA3ODA5OH0"}};
  cfg.accounts = {demo, seed_login, seed_devices};
  return cfg;
}

VirtualClock::VirtualClock(Instant start, double speed)
    : start_(start), speed_(speed), real_start_(std::chrono::steady_clock::now()) {}

Instant VirtualClock::now() const {
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - real_start_;
  return start_ + Seconds{static_cast<std::int64_t>(std::floor(real.count() * speed_))};
}

// ---------------------------------------------------------------------------------------
struct ConnectSim::State {
  struct Car {
    SimCar config;
    SimulatedCar model;
    json::array history;  // switch commands
    // What the cloud last refreshed (with soc_update_every) and when it refreshes next.
    VehicleState reported;
    Instant next_refresh;
  };
  struct Token {
    std::size_t account = 0;
    Instant expires_at;
    bool permanent = false;
  };
  struct Fault {
    std::string mode;
    int remaining = 0;
    int retry_after_s = 1;
    int delay_ms = 10000;
  };

  State(SimConfig c, const Clock& clk, bool single)
      : config(std::move(c)), clock(clk), single_object(single), rng(std::random_device{}()) {
    const Instant now = clock.now();
    for (auto& car : config.cars) {
      if (car.record_id.empty()) car.record_id = derived_hex("_id" + car.params.device_id, 24);
      if (car.id.empty()) car.id = derived_hex("id" + car.params.device_id, 32);
      SimulatedCar model(car.params, now);
      VehicleState reported = model.state();
      const Instant next = now + car.soc_update_every.value_or(Seconds{0});
      cars.push_back(Car{car, std::move(model), json::array{}, std::move(reported), next});
    }
    for (std::size_t i = 0; i < config.accounts.size(); ++i) {
      auto& a = config.accounts[i];
      if (a.user_id.empty()) a.user_id = derived_hex("user" + a.email, 24);
      for (const auto& t : a.static_tokens)
        tokens[t] = Token{i, Instant::max(), true};
    }
  }

  Car* find_car(std::string_view device_id) {
    for (auto& c : cars) {
      if (c.config.params.device_id == device_id) return &c;
    }
    return nullptr;
  }

  // Moves every car to now. A car whose cloud refreshes every soc_update_every first takes
  // its snapshot at the last refresh instant passed (start + k x interval), as the cloud saw it.
  void advance_all() {
    const Instant now = clock.now();
    for (auto& c : cars) {
      const auto every = c.config.soc_update_every;
      if (every && every->count() > 0 && c.next_refresh <= now) {
        c.next_refresh += ((now - c.next_refresh) / *every) * *every;  // the last one passed
        c.model.advance(c.next_refresh);
        c.reported = c.model.state();
        c.next_refresh += *every;
      }
      c.model.advance(now);
    }
  }

  // What get-user-devices reports: the last refreshed state, or the live one.
  static VehicleState reported_state(const Car& car) {
    return car.config.soc_update_every ? car.reported : car.model.state();
  }

  void record(const ServerRequest& req) {
    json::object headers;
    for (const auto& [k, v] : req.headers) {
      std::string lower = k;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower == "authorization") {
        const auto space = v.find(' ');
        headers[k] = (space == std::string::npos ? "" : v.substr(0, space + 1)) + "<redacted>";
      } else if (lower == "cookie" || lower == "proxy-authorization") {
        headers[k] = "<redacted>";
      } else {
        headers[k] = v;
      }
    }
    if (requests.size() >= k_max_recorded_requests) requests.pop_front();
    requests.push_back(json::object{{"at", format_rfc3339(clock.now())},
                                    {"method", req.method},
                                    {"path", req.path},
                                    {"headers", std::move(headers)},
                                    {"body", redact_body(req.body)}});
  }

  json::object device_json(const Car& car, const SimAccount& account, bool wrong_types) const {
    const VehicleState s = reported_state(car);
    const bool miles = car.config.range_units == "MILES";
    const double range = s.range_km.value_or(0) / (miles ? k_km_per_mile : 1.0);
    const auto range_int = static_cast<std::int64_t>(std::lround(range));
    const auto soc_int = static_cast<std::int64_t>(std::floor(s.soc_percent.value_or(0)));
    const auto& p = car.config.params;
    json::object charging{
        {"charge_percentage", std::to_string(soc_int)},
        {"state", std::string(to_string(s.charging_state))},
        {"type", "CONDUCTIVE"},
        {"is_charger_connected", s.plugged_in.value_or(false)},
    };
    json::object distance{{"value", range_int}, {"units", miles ? "MILES" : "KILOMETERS"}};
    json::object d{{"_id", car.config.record_id},
                   {"electric_range", json::object{{"distance", distance}}},
                   {"device_type", "bmw"},
                   {"user_id", account.user_id},
                   {"device_id", p.device_id},
                   {"id", car.config.id},
                   {"model", p.model},
                   {"year", p.year ? json::value(*p.year) : json::value(nullptr)},
                   {"brand", p.brand},
                   {"charging_state", charging},
                   {"__v", 0}};
    if (wrong_types) {
      charging["charge_percentage"] = soc_int;
      charging["is_charger_connected"] = s.plugged_in.value_or(false) ? "true" : "false";
      charging["type"] = nullptr;
      distance["value"] = std::to_string(range_int);
      distance["units"] = nullptr;
      d["electric_range"] = json::object{{"distance", distance}};
      d["charging_state"] = charging;
      d["year"] = p.year ? json::value(std::to_string(*p.year)) : json::value(nullptr);
      d["__v"] = "0";
      d["model"] = nullptr;
    }
    return d;
  }

  SimConfig config;
  const Clock& clock;
  bool single_object;
  std::vector<Car> cars;
  std::map<std::string, Token> tokens;
  std::deque<json::value> requests;
  Fault fault;
  std::mt19937_64 rng;
};

ConnectSim::ConnectSim(SimConfig config, const Clock& clock, bool single_object)
    : state_(std::make_unique<State>(std::move(config), clock, single_object)) {}

ConnectSim::~ConnectSim() = default;

net::Handler ConnectSim::handler() {
  return [this](ServerRequest r) { return handle(std::move(r)); };
}

// Helpers operating on the state; free functions keep handle() readable.
namespace {

ServerResponse api_login(ConnectSim::State& st, const ServerRequest& req, bool wrong_types);
ServerResponse api_devices(ConnectSim::State& st, const ServerRequest& req, bool wrong_types);
ServerResponse sim_endpoint(ConnectSim::State& st, const ServerRequest& req);

}  // namespace

asio::awaitable<ServerResponse> ConnectSim::handle(ServerRequest req) {
  State& st = *state_;
  st.record(req);
  st.advance_all();
  if (!is_api_path(req.path)) co_return sim_endpoint(st, req);

  std::string mode;
  if (st.fault.remaining > 0) {
    mode = st.fault.mode;
    --st.fault.remaining;
    spdlog::info("sim: fault {} on {} ({} left)", mode, req.path, st.fault.remaining);
  }
  if (mode == "http500") co_return error_response(500, "simulated internal error");
  if (mode == "http503" || mode == "http429") {
    ServerResponse r = error_response(mode == "http503" ? 503 : 429,
                                      mode == "http503" ? "simulated outage" : "too many requests");
    r.headers.emplace_back("Retry-After", std::to_string(st.fault.retry_after_s));
    co_return r;
  }
  if (mode == "timeout") {
    ServerResponse r;
    r.disposition = net::Disposition::hang;
    co_return r;
  }
  if (mode == "reset") {
    ServerResponse r;
    r.disposition = net::Disposition::reset;
    co_return r;
  }
  if (mode == "malformed") {
    co_return net::make_response(200, R"({"access_token": "x", "devices": [{"device_id": )");
  }
  if (mode == "slow") {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(st.fault.delay_ms));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    st.advance_all();
  }
  const bool wrong_types = mode == "wrong_types";
  ServerResponse r;
  if (req.path == "/api/bmw/oauth-token") {
    r = api_login(st, req, wrong_types);
  } else if (req.path == "/api/get-user-devices") {
    r = api_devices(st, req, wrong_types);
  } else {
    r = error_response(404, "no such endpoint");
  }
  if (mode == "truncated") r.disposition = net::Disposition::truncate_body;
  co_return r;
}

namespace {

ServerResponse api_login(ConnectSim::State& st, const ServerRequest& req, bool wrong_types) {
  if (req.method != "POST") return error_response(405, "use POST");
  const Credentials body = parse_login_request(req.body);
  if (!body.error.empty()) return error_response(400, body.error);
  for (std::size_t i = 0; i < st.config.accounts.size(); ++i) {
    const auto& a = st.config.accounts[i];
    if (a.email != body.email || a.password != body.password) continue;
    const std::string token = random_token(st.rng, 35);
    st.tokens[token] =
        ConnectSim::State::Token{i, st.clock.now() + Seconds{st.config.expires_in}, false};
    json::object out{
        {"access_token", token},
        {"token_type", "Bearer"},
        {"expires_in", st.config.expires_in},
        {"refresh_token", random_token(st.rng, 54)},
        {"scope",
         "smacc vehicle_data vehicle_list perseus svds dlm cesim mini_connected "
         "remote_services authenticate_user fupo"},
    };
    if (wrong_types) {
      out["expires_in"] = std::to_string(st.config.expires_in);
      out["refresh_token"] = nullptr;
      out["scope"] = nullptr;
    }
    spdlog::info("sim: login of {}", a.email);
    return json_response(200, out);
  }
  spdlog::info("sim: refused login");
  return error_response(401, "invalid email or password");
}

ServerResponse api_devices(ConnectSim::State& st, const ServerRequest& req, bool wrong_types) {
  if (req.method != "POST") return error_response(405, "use POST");
  const auto auth = req.header("Authorization");
  std::string token;
  if (auth && auth->size() > 7) {
    std::string scheme(auth->substr(0, 7));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme == "bearer ") token = std::string(auth->substr(7));
  }
  const auto it = st.tokens.find(token);
  if (token.empty() || it == st.tokens.end())
    return error_response(401, "missing or unknown token");
  if (!it->second.permanent && st.clock.now() >= it->second.expires_at) {
    return error_response(401, "token expired");
  }
  const Credentials body = parse_devices_request(req.body);
  if (!body.error.empty()) return error_response(400, body.error);
  const SimAccount& account = st.config.accounts[it->second.account];
  if (body.email != account.email || body.password != account.password) {
    return error_response(401, "email/password do not match the token");
  }
  json::array devices;
  for (const auto& id : account.devices) {
    if (const auto* car = st.find_car(id))
      devices.push_back(st.device_json(*car, account, wrong_types));
  }
  if (st.single_object && devices.size() == 1) return json_response(200, devices.front());
  return json_response(200, devices);
}

json::object stretch_json(const ChargingStretch& s) {
  return json::object{{"from", format_rfc3339(s.from)},
                      {"to", format_rfc3339(s.to)},
                      {"kwh", s.kwh},
                      {"start_soc", s.start_soc},
                      {"end_soc", s.end_soc}};
}

// The true state at the car's current instant (the caller advanced it to now), never what
// the lagging cloud reports.
json::object car_state_json(const ConnectSim::State::Car& car) {
  const VehicleState s = car.model.state();
  json::array log;
  for (const auto& stretch : car.model.charging_log())
    log.push_back(stretch_json(stretch));
  return json::object{
      {"device_id", car.config.params.device_id},
      {"soc", s.soc_percent.value_or(0)},
      {"plugged_in", s.plugged_in.value_or(false)},
      {"switched_on", car.model.switched_on()},
      {"charging_state", std::string(to_string(s.charging_state))},
      {"range_km", s.range_km.value_or(0)},
      {"energy_kwh", car.model.energy_kwh()},
      {"charging_log", std::move(log)},
      {"history", car.history},
  };
}

ServerResponse sim_endpoint(ConnectSim::State& st, const ServerRequest& req) {
  const std::string& path = req.path;
  if (path == "/sim/state") {
    if (req.method != "GET") return error_response(405, "use GET");
    json::array cars;
    for (const auto& c : st.cars)
      cars.push_back(car_state_json(c));
    return json_response(200,
                         json::object{{"now", format_rfc3339(st.clock.now())},
                                      {"cars", std::move(cars)},
                                      {"fault", json::object{{"mode", st.fault.mode},
                                                             {"remaining", st.fault.remaining}}}});
  }
  if (path == "/sim/requests") {
    if (req.method == "DELETE") {
      st.requests.clear();
      return json_response(200, json::object{{"cleared", true}});
    }
    if (req.method != "GET") return error_response(405, "use GET or DELETE");
    json::array out;
    for (const auto& r : st.requests)
      out.push_back(r);
    return json_response(200, out);
  }
  if (path == "/sim/faults") {
    if (req.method != "POST") return error_response(405, "use POST");
    const FaultRequest fault = parse_fault_request(req.body);
    if (!fault.error.empty()) return error_response(400, fault.error);
    if (fault.mode == "expire_tokens") {
      const Instant now = st.clock.now();
      for (auto& [t, info] : st.tokens) {
        if (!info.permanent) info.expires_at = std::min(info.expires_at, now);
      }
      return json_response(200, json::object{{"expired", true}});
    }
    st.fault.mode = fault.mode == "none" ? "" : fault.mode;
    st.fault.remaining = fault.mode == "none" ? 0 : fault.count;
    st.fault.retry_after_s = fault.retry_after_s;
    st.fault.delay_ms = fault.delay_ms;
    return json_response(200,
                         json::object{{"mode", st.fault.mode}, {"remaining", st.fault.remaining}});
  }
  constexpr std::string_view k_vehicles = "/sim/vehicles/";
  if (path.substr(0, k_vehicles.size()) == k_vehicles) {
    std::string rest = path.substr(k_vehicles.size());
    const bool charging = rest.size() > 9 && rest.substr(rest.size() - 9) == "/charging";
    if (charging) rest.resize(rest.size() - 9);
    auto* car = st.find_car(rest);
    if (car == nullptr) return error_response(404, "no car with device_id '" + rest + "'");
    if (!is_json_object(req.body)) return error_response(400, "body must be a JSON object");
    if (charging) {
      if (req.method != "POST") return error_response(405, "use POST");
      const ChargingAction action = parse_charging_action(req.body);
      if (!action.error.empty()) return error_response(400, action.error);
      bool accepted = true;
      if (action.start) {
        accepted = car->model.start_charging();
      } else {
        car->model.stop_charging();
      }
      car->history.push_back(json::object{{"at", format_rfc3339(st.clock.now())},
                                          {"action", action.start ? "start" : "stop"},
                                          {"accepted", accepted}});
      if (!accepted) return error_response(409, "the car is not plugged in");
      return json_response(200, car_state_json(*car));
    }
    if (req.method != "PUT") return error_response(405, "use PUT");
    const VehicleUpdate update = parse_vehicle_update(req.body);
    if (!update.error.empty()) return error_response(400, update.error);
    if (update.soc) car->model.set_soc(*update.soc);
    if (update.plugged_in) car->model.set_plugged_in(*update.plugged_in);
    return json_response(200, car_state_json(*car));
  }
  return error_response(404, "no such endpoint");
}

}  // namespace

}  // namespace offpeak::sim
