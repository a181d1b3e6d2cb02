#pragma once
// The daemon's local REST API, dashboard and Prometheus metrics: routing, request
// validation, JSON and the metrics text. No sockets here: Router turns a net::ServerRequest
// into a net::ServerResponse and runs as the handler of a net::HttpServer; the daemon supplies
// state and history through ApiBackend.
//
// Failure behaviour: every client error is a JSON answer {"error": "..."} with the status
// (400 malformed or unknown input, 401 missing/wrong token on a write, 404 unknown path, 405
// wrong method with Allow); a backend exception becomes a 500 through the server. Secrets
// (the API token) never appear in an answer or a log line.

#include <offpeak/api/notify_api.hpp>
#include <offpeak/api/requests.hpp>
#include <offpeak/api/site_api.hpp>
#include <offpeak/domain/controller.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/soc_estimator.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>
#include <offpeak/net/http_server.hpp>
#include <offpeak/store/store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offpeak::api {

// Keys of the daemon's kv settings that the API writes ("mode" and "mode_until" too).
inline constexpr const char* k_mode_key = "mode";
inline constexpr const char* k_mode_until_key = "mode_until";
inline constexpr const char* k_override_key = "override";

// Largest request body accepted (413 beyond).
inline constexpr std::size_t k_max_body_bytes = 64 * 1024;

// The charger's own view, where offpeak is its OCPP central system (switch type ocpp).
struct ChargerSnapshot {
  std::string id;  // the charge point identity
  bool connected = false;
  std::string address;  // the charger's IP
  std::string vendor, model, firmware;
  std::string status;  // the connector's OCPP status ("Charging", ...), "unknown"
  std::optional<bool> plugged_in;
  std::optional<double> power_w;
  std::optional<double> energy_wh;  // the register
  std::optional<double> limit_a;    // the limit the charger last accepted
  std::string error_code;           // the connector's error, empty when none
  std::string last_error;           // the last failed command or protocol problem
  std::optional<Instant> connected_since;
};

// The MQTT broker connection (mqtt: section), for /api/v1/status and /metrics.
struct MqttStatus {
  std::string broker;  // mqtt://host:port (no credentials)
  std::string client_id;
  bool connected = false;
  std::string state;  // connected, connecting, waiting to reconnect, stopped
  std::optional<double> connected_for_s;
  std::int64_t connects = 0;           // accepted connections since start
  std::int64_t connection_losses = 0;  // lost or refused since start
  std::int64_t published = 0;
  std::int64_t received = 0;
  std::string last_error;
};

// Everything /api/v1/status and /metrics show, taken on the event loop at one instant.
// The current the switch carries (modulating switches).
struct CurrentSnapshot {
  std::optional<double> current_a;  // per phase; nullopt: not charging or on/off switch
  std::optional<int> phases;
  bool for_surplus = false;  // charging for the surplus alone (else a planned run)
  std::string surplus;       // the surplus loop's state in plain words
};

struct StatusSnapshot {
  Instant now{};
  std::string vehicle_name;
  std::string timezone;                     // IANA name, for clients that show local time
  std::string currency = "GBP";             // every price and cost is in its minor unit
  char decimal_mark = '.';                  // of `locale:`, for what people read
  VehicleSpec vehicle;                      // for the projected SoC
  std::optional<VehicleState> observation;  // the last one, nullopt before the first
  std::optional<SocEstimate> soc_estimate;  // the SoC now: the reading or an estimate from it
  bool stale = true;                        // the observation is too old to act on
  Mode mode = Mode::smart;
  std::optional<Instant> mode_until;
  std::optional<DeadlineOverride> override_deadline;
  Deadline deadline;  // what the controller plans for now (override applied)
  std::optional<Plan> plan;
  std::optional<std::pair<Action, Instant>> next_action;
  std::string reason;  // why the switch is in its wanted state
  std::string switch_name;
  std::optional<bool> switch_on;  // nullopt: unknown
  bool switch_failing = false;
  std::string switch_problem;
  std::optional<double> price_now;  // p/kWh, nullopt when unknown
  std::optional<Instant> prices_known_until;
  std::int64_t polls_total = 0;
  std::int64_t polls_today = 0;     // polls in the current UTC day
  std::int64_t requests_today = 0;  // requests to the car's cloud in the current UTC day
  int max_requests_per_day = 0;     // vehicle.poll.max_per_day
  std::optional<Instant> next_poll_at;
  std::string next_poll_reason;
  std::string charging_model;  // "6.0 kW learned from 5 sessions", ...
  int consecutive_poll_failures = 0;
  std::map<std::string, std::int64_t> poll_errors;  // by kind, since start
  // Commands since start by (action, result) where result is "ok" or "failed".
  std::map<std::pair<std::string, std::string>, std::int64_t> commands;
  std::size_t api_connections = 0;
  std::optional<ChargerSnapshot> charger;  // switch type ocpp only
  std::optional<MqttStatus> mqtt;          // nullopt without an mqtt: section
  std::optional<NotifyStatus> notify;      // nullopt without notification channels
  std::optional<SiteStatus> site;          // nullopt without site meters
  std::optional<double> surplus_w;         // with a grid meter; nullopt while it is stale
  CurrentSnapshot current;
};

// The daemon side. All calls happen on the event loop; the coroutines must not block it
// (store reads run on the database worker thread).
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual StatusSnapshot snapshot() const = 0;
  virtual const Zone& zone() const = 0;
  // Known prices within [from, to).
  virtual PriceCurve prices(Instant from, Instant to) const = 0;
  // What exported energy earns within [from, to) (site.export_tariff, or the flat
  // site.export_price as one slot); nullopt: no export price configured.
  virtual std::optional<PriceCurve> export_prices(Instant /*from*/, Instant /*to*/) const {
    return std::nullopt;
  }
  virtual boost::asio::awaitable<std::vector<store::SampleRow>> samples(store::TimeRange r) = 0;
  virtual boost::asio::awaitable<std::vector<store::SessionRow>> sessions(store::TimeRange r) = 0;
  virtual boost::asio::awaitable<std::vector<store::CommandRow>> commands(store::TimeRange r) = 0;
  // Apply at once (the controller re-evaluates within the event loop's next turn) and persist.
  virtual void set_mode(Mode mode, std::optional<Instant> until) = 0;
  // Why `mode` cannot be set (mode solar without a grid meter), or nullopt: it can.
  virtual std::optional<std::string> mode_refused(Mode mode) const {
    (void)mode;
    return std::nullopt;
  }
  virtual void set_override(std::optional<DeadlineOverride> o) = 0;
  // A SoC the owner tells (POST /api/v1/soc): recorded as a reading marked told. False with
  // `why` when it cannot be taken. Default: not supported.
  virtual bool tell_soc(double percent, std::string& why);
  // The newest `limit` notification events with their deliveries (none by default).
  virtual boost::asio::awaitable<std::vector<store::OutboxEntry>> notifications(int limit);
};

class Router {
 public:
  // `token` empty: writes are open (loopback-only listening is enforced by the config loader).
  Router(ApiBackend& backend, std::string token);

  // The net::Handler body. Never throws for client errors.
  boost::asio::awaitable<net::ServerResponse> handle(net::ServerRequest request);

  // A new token (SIGHUP re-read the configuration); empty opens writes.
  void set_token(std::string token) { token_ = std::move(token); }

 private:
  ApiBackend& backend_;
  std::string token_;
};

// --- pure pieces, exposed for tests ---------------------------------------------------------

// True when `authorization` is "Bearer <token>" with exactly this token. The comparison takes
// the same time wherever the first difference is.
bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token);

// The /api/v1/status document.
boost::json::value status_json(const StatusSnapshot& s);

// The /metrics text (Prometheus exposition format 0.0.4).
std::string metrics_text(const StatusSnapshot& s);

// The kv form of an override and back (JSON {"target_soc": .., "ready_by": ".."}); parse
// returns nullopt for anything malformed.
std::string override_setting(const DeadlineOverride& o);
std::optional<DeadlineOverride> parse_override_setting(std::string_view text);

// The dashboard: one self-contained HTML page (generated from src/api/dashboard.html).
std::string_view dashboard_html();

}  // namespace offpeak::api
