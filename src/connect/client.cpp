#include <offpeak/connect/client.hpp>

#include <offpeak/net/http_client.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace offpeak::connect {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

ConnectError make_error(ConnectErrorKind kind, std::string message) {
  ConnectError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

FetchResult fail(ConnectError e) {
  FetchResult r;
  r.error = std::move(e);
  return r;
}

// Maps a transport or HTTP failure of call `what` to a ConnectError. `login` tells whether
// the call was the login (where 401/403 mean refused credentials).
ConnectError from_http(const net::HttpError& e, std::string_view what, bool login) {
  const std::string prefix = std::string(what) + ": ";
  switch (e.kind) {
    case net::HttpErrorKind::unreachable:
      return make_error(ConnectErrorKind::unreachable, prefix + e.message);
    case net::HttpErrorKind::timeout:
      return make_error(ConnectErrorKind::timeout, prefix + e.message);
    case net::HttpErrorKind::tls:
      return make_error(ConnectErrorKind::tls, prefix + e.message);
    case net::HttpErrorKind::bad_body:
      return make_error(ConnectErrorKind::bad_response, prefix + e.message);
    case net::HttpErrorKind::http_status:
      break;
  }
  ConnectError out;
  out.http_status = e.status;
  out.retry_after = e.retry_after;
  const std::string status = "HTTP " + std::to_string(e.status);
  if (login && (e.status == 401 || e.status == 403)) {
    out.kind = ConnectErrorKind::credentials_refused;
    out.message = prefix + "the service refused the email/password (" + status + ")";
  } else if (e.status == 429) {
    out.kind = ConnectErrorKind::rate_limited;
    out.message = prefix + "rate limited by the service (" + status + ")";
  } else if (e.status >= 500) {
    out.kind = ConnectErrorKind::server_error;
    out.message = prefix + "service error (" + status + ")";
  } else {
    out.kind = ConnectErrorKind::bad_response;
    out.message = prefix + "unexpected answer (" + status + ")";
  }
  if (out.retry_after) {
    out.message += ", retry after " + std::to_string(out.retry_after->count()) + " s";
  }
  return out;
}

std::string json_body(const json::object& obj) {
  return json::serialize(obj);
}

net::ClientOptions client_options(const config::ConnectSource& source) {
  net::ClientOptions o;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(source.timeout);
  o.max_response_bytes = k_max_body_bytes;
  o.ca_file = source.ca_file;
  return o;
}

}  // namespace

std::string_view to_string(ConnectErrorKind kind) {
  switch (kind) {
    case ConnectErrorKind::unreachable:
      return "unreachable";
    case ConnectErrorKind::timeout:
      return "timeout";
    case ConnectErrorKind::tls:
      return "tls";
    case ConnectErrorKind::credentials_refused:
      return "credentials_refused";
    case ConnectErrorKind::rate_limited:
      return "rate_limited";
    case ConnectErrorKind::server_error:
      return "server_error";
    case ConnectErrorKind::bad_response:
      return "bad_response";
    case ConnectErrorKind::budget_exhausted:
      return "budget_exhausted";
    case ConnectErrorKind::device_not_found:
      return "device_not_found";
  }
  return "unreachable";
}

bool ConnectError::transient() const {
  return kind == ConnectErrorKind::unreachable || kind == ConnectErrorKind::timeout ||
         kind == ConnectErrorKind::rate_limited || kind == ConnectErrorKind::server_error;
}

ConnectClient::ConnectClient(config::ConnectSource source, const Clock& clock,
                             std::optional<CachedToken> cached_token, ClientTuning tuning)
    : source_(std::move(source)), clock_(clock), tuning_(tuning), token_(std::move(cached_token)) {}

bool ConnectClient::token_valid(Instant now) const {
  return token_ && !token_->access_token.empty() && now < token_->expires_at;
}

bool ConnectClient::take_request() {
  if (allowance_ && *allowance_ <= 0) return false;
  if (allowance_) --*allowance_;
  ++requests_sent_;
  return true;
}

namespace {
ConnectError budget_error() {
  return make_error(ConnectErrorKind::budget_exhausted,
                    "the day's request budget (vehicle.poll.max_per_day) is used up");
}
}  // namespace

asio::awaitable<std::optional<ConnectError>> ConnectClient::login() {
  if (!take_request()) co_return budget_error();
  token_.reset();
  ++login_count_;
  spdlog::debug("connect: logging in to {} as {}", source_.base_url, source_.email);
  json::object body{{"email", source_.email},
                    {"password", source_.password.reveal()},
                    {"payload", json::object{{"email", source_.email}}}};
  net::ClientRequest req;
  req.method = "POST";
  req.url = net::join_url(source_.base_url, "/api/bmw/oauth-token");
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = json_body(body);
  const net::HttpResult r = co_await net::async_fetch(std::move(req), client_options(source_));
  if (!r.ok()) co_return from_http(r.error, "login", true);
  auto parsed = parse_token_response(r.response->body);
  if (!parsed.ok()) {
    co_return make_error(ConnectErrorKind::bad_response, "login: " + parsed.error);
  }
  const Seconds lifetime{parsed.value->expires_in.value_or(3600)};
  const Seconds margin = std::min(tuning_.token_margin, lifetime / 10);
  const Instant now = clock_.now();
  token_ = CachedToken{std::move(parsed.value->access_token), now + lifetime - margin};
  spdlog::info("connect: logged in as {}; token valid for {} s", source_.email,
               (lifetime - margin).count());
  co_return std::nullopt;
}

asio::awaitable<FetchResult> ConnectClient::fetch_vehicle() {
  const Instant now = clock_.now();
  if (backoff_until_ && now < *backoff_until_) {
    ConnectError e = make_error(ConnectErrorKind::rate_limited,
                                "backing off as the service asked: next request allowed at " +
                                    format_rfc3339(*backoff_until_));
    e.retry_after = *backoff_until_ - now;
    co_return fail(std::move(e));
  }
  backoff_until_.reset();

  if (!token_valid(now)) {
    auto err = co_await login();
    if (err) co_return fail(std::move(*err));
  }

  json::object body{{"email", source_.email}, {"password", source_.password.reveal()}};
  const std::string body_text = json_body(body);
  net::HttpResult r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    net::ClientRequest req;
    req.method = "POST";
    req.url = net::join_url(source_.base_url, "/api/get-user-devices");
    req.headers = {{"Authorization", "Bearer " + token_->access_token.reveal()},
                   {"Content-Type", "application/json"},
                   {"Accept", "application/json"}};
    req.body = body_text;
    if (!take_request()) co_return fail(budget_error());
    r = co_await net::async_fetch(std::move(req), client_options(source_));
    const bool refused =
        !r.ok() && r.error.kind == net::HttpErrorKind::http_status && r.error.status == 401;
    if (!refused) break;
    if (attempt == 1) {
      token_.reset();
      co_return fail(make_error(ConnectErrorKind::credentials_refused,
                                "get-user-devices: the service refused a fresh token (HTTP 401)"));
    }
    spdlog::info("connect: token refused (HTTP 401); logging in again");
    auto err = co_await login();
    if (err) co_return fail(std::move(*err));
  }
  if (!r.ok()) {
    ConnectError e = from_http(r.error, "get-user-devices", false);
    if (e.kind == ConnectErrorKind::rate_limited && !e.retry_after) {
      e.retry_after = tuning_.default_rate_limit_backoff;
    }
    if (e.retry_after) backoff_until_ = clock_.now() + *e.retry_after;
    co_return fail(std::move(e));
  }

  auto parsed = parse_devices_response(r.response->body);
  if (!parsed.ok()) {
    co_return fail(make_error(ConnectErrorKind::bad_response, "get-user-devices: " + parsed.error));
  }
  const auto& devices = *parsed.value;
  std::vector<VehicleState> all;
  for (const auto& d : devices)
    all.push_back(to_vehicle_state(d, clock_.now()));
  auto fail_listing = [&all](ConnectError e) {
    FetchResult f;
    f.error = std::move(e);
    f.devices = std::move(all);
    return f;
  };
  auto list = [&devices] {
    std::string out;
    for (const auto& d : devices)
      out += (out.empty() ? "" : ", ") + describe_device(d);
    return out;
  };
  const DeviceWire* chosen = nullptr;
  if (source_.device_id) {
    const auto it = std::find_if(devices.begin(), devices.end(), [this](const DeviceWire& d) {
      return d.device_id == *source_.device_id;
    });
    if (it == devices.end()) {
      co_return fail_listing(make_error(ConnectErrorKind::device_not_found,
                                        "device_id '" + *source_.device_id +
                                            "' is not on the account; the account has: " + list()));
    }
    chosen = &*it;
  } else if (devices.size() == 1) {
    chosen = &devices.front();
  } else {
    co_return fail_listing(make_error(ConnectErrorKind::device_not_found,
                                      "the account has " + std::to_string(devices.size()) +
                                          " devices; set device_id to one of: " + list()));
  }
  FetchResult ok;
  ok.vehicle = to_vehicle_state(*chosen, clock_.now());
  ok.devices = std::move(all);
  spdlog::debug("connect: {} soc={} state={}", chosen->device_id,
                ok.vehicle->soc_percent ? std::to_string(*ok.vehicle->soc_percent) : "unknown",
                to_string(ok.vehicle->charging_state));
  co_return ok;
}

int FetchOutcome::exit_code() const {
  switch (kind) {
    case Kind::ok:
      return 0;
    case Kind::unreachable:
      return 69;
    case Kind::credentials_refused:
      return 77;
    case Kind::other:
      return 1;
  }
  return 1;
}

namespace {

FetchOutcome outcome_of(const ConnectError& e) {
  FetchOutcome o;
  o.message = e.message;
  switch (e.kind) {
    case ConnectErrorKind::unreachable:
    case ConnectErrorKind::timeout:
    case ConnectErrorKind::tls:
    case ConnectErrorKind::rate_limited:
    case ConnectErrorKind::server_error:
    case ConnectErrorKind::budget_exhausted:
      o.kind = FetchOutcome::Kind::unreachable;
      break;
    case ConnectErrorKind::credentials_refused:
      o.kind = FetchOutcome::Kind::credentials_refused;
      break;
    case ConnectErrorKind::bad_response:
    case ConnectErrorKind::device_not_found:
      o.kind = FetchOutcome::Kind::other;
      break;
  }
  return o;
}

asio::awaitable<FetchOutcome> fetch_with_retries(config::ConnectSource source,
                                                 std::chrono::seconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + std::min(budget, Seconds{60});
  SystemClock clock;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const std::array<std::chrono::milliseconds, 2> backoff = {500ms, 1000ms};
  std::optional<ConnectClient> client;
  for (std::size_t attempt = 0;; ++attempt) {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    config::ConnectSource src = source;
    src.timeout = std::max(
        Seconds{1}, std::min(source.timeout, std::chrono::duration_cast<Seconds>(remaining)));
    // A new client per attempt keeps the per-attempt deadline; the token is carried over.
    std::optional<CachedToken> token = client ? client->token() : std::nullopt;
    client.emplace(src, clock, token);
    FetchResult r = co_await client->fetch_vehicle();
    if (r.ok()) {
      FetchOutcome o;
      o.kind = FetchOutcome::Kind::ok;
      o.vehicle = std::move(r.vehicle);
      o.devices = std::move(r.devices);
      co_return o;
    }
    FetchOutcome failed = outcome_of(r.error);
    failed.devices = std::move(r.devices);
    if (!r.error.transient() || attempt >= backoff.size()) co_return failed;
    std::chrono::milliseconds wait = backoff[attempt];
    if (r.error.retry_after) wait = std::max<std::chrono::milliseconds>(wait, *r.error.retry_after);
    const auto left = deadline - std::chrono::steady_clock::now();
    if (wait + 1s > left) {
      failed.message += " (giving up: the time budget is spent)";
      co_return failed;
    }
    spdlog::warn("connect: {}; retrying in {} ms", r.error.message, wait.count());
    timer.expires_after(wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

void append_number(std::string& out, std::optional<double> v) {
  if (!v || !std::isfinite(*v)) {
    out += "null";
    return;
  }
  const double rounded = std::round(*v * 10.0) / 10.0;
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, rounded);
  out.append(buf, ec == std::errc{} ? p : buf);
}

}  // namespace

FetchOutcome fetch_vehicle_once(const config::ConnectSource& source, std::chrono::seconds budget) {
  asio::io_context ioc;
  FetchOutcome out;
  out.message = "request did not complete";
  asio::co_spawn(ioc, fetch_with_retries(source, budget),
                 [&out](std::exception_ptr e, FetchOutcome o) {
                   if (e) std::rethrow_exception(e);
                   out = std::move(o);
                 });
  ioc.run();
  return out;
}

std::string render_vehicle_json(const VehicleState& v) {
  auto str = [](std::string_view s) { return json::serialize(json::string(s)); };
  std::string out = "{\"device_id\":" + str(v.device_id) + ",\"brand\":" + str(v.brand) +
                    ",\"model\":" + str(v.model) + ",\"year\":";
  out += v.year ? std::to_string(*v.year) : "null";
  out += ",\"soc\":";
  append_number(out, v.soc_percent);
  out += ",\"charging_state\":" + str(to_string(v.charging_state)) + ",\"plugged_in\":";
  out += v.plugged_in ? (*v.plugged_in ? "true" : "false") : "null";
  out += ",\"range_km\":";
  append_number(out, v.range_km);
  out += ",\"observed_at\":" + str(format_rfc3339(v.observed_at)) + "}";
  return out;
}

}  // namespace offpeak::connect
