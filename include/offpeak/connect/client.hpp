#pragma once
// The Orange Power Connect client: logs in, keeps the token until shortly before it expires,
// fetches the account's devices and returns the configured car as a VehicleState.
// Passwords and tokens never appear in log lines or error messages.

#include <offpeak/config/config.hpp>
#include <offpeak/connect/wire.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::connect {

// An access token and the instant it stops being valid (UTC, from expires_in). The daemon
// may persist it (e.g. in SQLite) and hand it back to a new client.
struct CachedToken {
  config::Secret access_token;
  Instant expires_at;
};

enum class ConnectErrorKind {
  unreachable,          // DNS, connect, reset, closed without answer
  timeout,              // the request deadline (ConnectSource::timeout) passed
  tls,                  // TLS handshake or certificate verification failed
  credentials_refused,  // login refused (401/403), or a fresh token refused again
  rate_limited,         // 429 (or still inside a Retry-After back-off); see retry_after
  server_error,         // 5xx (503 may carry retry_after)
  bad_response,         // not the documented JSON, truncated, too large, other 4xx
  device_not_found,     // device_id not on the account, or several devices and none chosen
  budget_exhausted,     // the request allowance (set_request_allowance) is used up; nothing sent
};

std::string_view to_string(ConnectErrorKind kind);

struct ConnectError {
  ConnectErrorKind kind = ConnectErrorKind::unreachable;
  std::string message;  // for humans; lists the account's devices for device_not_found
  std::optional<int> http_status;
  // How long the service asked us to wait (Retry-After), when it did.
  std::optional<Seconds> retry_after;
  // Worth retrying later without a configuration change.
  bool transient() const;
};

struct FetchResult {
  std::optional<VehicleState> vehicle;
  // Every car on the account, whenever get-user-devices answered (also when the configured
  // device was not among them, or none was chosen among several): for `offpeak setup`.
  std::vector<VehicleState> devices;
  ConnectError error;  // meaningful when !ok()
  bool ok() const { return vehicle.has_value(); }
};

// Tuning of the client; defaults suit the real service.
struct ClientTuning {
  // A token is renewed this long before it expires (capped at a tenth of its lifetime).
  Seconds token_margin{300};
  // Back-off after a 429 without Retry-After.
  Seconds default_rate_limit_backoff{60};
};

// Not thread-safe: use it from one coroutine at a time on one io_context (the daemon's).
// The Clock must outlive the client.
//
// Daemon usage (one io_context, one thread):
//   connect::ConnectClient client(source, clock, cached_token_from_db);
//   ... inside a coroutine on that io_context:
//   connect::FetchResult r = co_await client.fetch_vehicle();
//   if (r.ok()) record(*r.vehicle); else if (r.error.retry_after) poll_later(*r.error.retry_after);
//   if (client.token()) save_token(*client.token());
class ConnectClient {
 public:
  ConnectClient(config::ConnectSource source, const Clock& clock,
                std::optional<CachedToken> cached_token = std::nullopt, ClientTuning tuning = {});

  // One observation: logs in when there is no valid token, calls get-user-devices, and picks
  // the device (by source.device_id, or the only one). A 401 from get-user-devices drops the
  // token and logs in once more; a second 401 is credentials_refused. While a Retry-After
  // back-off is running it fails at once with rate_limited and sends nothing.
  // Never throws for network, HTTP or JSON failures.
  boost::asio::awaitable<FetchResult> fetch_vehicle();

  // The current token (nullopt before the first login or after a refusal).
  const std::optional<CachedToken>& token() const { return token_; }
  // The instant before which fetch_vehicle() will not contact the service, if any.
  std::optional<Instant> backoff_until() const { return backoff_until_; }
  // Number of logins performed (for tests and metrics).
  int login_count() const { return login_count_; }
  // Requests sent to the service (token and device calls, retries included).
  std::int64_t requests_sent() const { return requests_sent_; }
  // At most `n` more requests may be sent (nullopt: no limit). A fetch that would need more
  // fails with budget_exhausted before sending anything it cannot finish within it.
  void set_request_allowance(std::optional<int> n) { allowance_ = n; }

 private:
  // Counts a request against the allowance; false (nothing may be sent) when it is used up.
  bool take_request();
  boost::asio::awaitable<std::optional<ConnectError>> login();
  bool token_valid(Instant now) const;

  config::ConnectSource source_;
  const Clock& clock_;
  ClientTuning tuning_;
  std::optional<CachedToken> token_;
  std::optional<Instant> backoff_until_;
  int login_count_ = 0;
  std::int64_t requests_sent_ = 0;
  std::optional<int> allowance_;
};

// Outcome of fetch_vehicle_once, mapped to the CLI's exit codes.
struct FetchOutcome {
  enum class Kind { ok, unreachable, credentials_refused, other };
  Kind kind = Kind::other;
  std::optional<VehicleState> vehicle;  // set when kind == ok
  std::vector<VehicleState> devices;    // the account's cars, when they could be listed
  std::string message;                  // empty when ok; never contains secrets
  // 0 ok, 69 unreachable (EX_UNAVAILABLE), 77 credentials refused (EX_NOPERM), 1 other.
  int exit_code() const;
};

// For `offpeak vehicle`: logs in and fetches the car once, blocking, on a private io_context.
// Transient failures (unreachable, timeout, 5xx, 429) are retried twice with a short back-off
// (0.5 s, then 1 s, or the service's Retry-After) while the budget (capped at 60 s) allows;
// each request's deadline is min(source.timeout, remaining budget). TLS failures map to
// unreachable, refused credentials to credentials_refused, everything else to other.
FetchOutcome fetch_vehicle_once(const config::ConnectSource& source,
                                std::chrono::seconds budget = std::chrono::seconds{60});

// The JSON of `offpeak vehicle --json` (one line, no trailing newline):
// {"device_id","brand","model","year","soc","charging_state","plugged_in","range_km",
//  "observed_at"}; unknown values are null, charging_state is the service spelling or
// "UNKNOWN", observed_at is RFC 3339 UTC. Numbers are printed in their shortest form (82, 121,
// 80.5), SoC and range rounded to 0.1.
std::string render_vehicle_json(const VehicleState& vehicle);

}  // namespace offpeak::connect
