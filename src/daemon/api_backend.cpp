#include "api_backend.hpp"

#include "mqtt_bridge.hpp"
#include "notify_bridge.hpp"
#include "service.hpp"

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;

namespace {

// Open API connections allowed at once; more are answered 503 and closed.
constexpr std::size_t k_max_connections = 256;

}  // namespace

api::StatusSnapshot ServiceApi::snapshot() const {
  const Service& s = service_;
  const Controller& c = s.controller_;
  api::StatusSnapshot snap;
  snap.now = s.clock_.now();
  snap.vehicle_name = s.cfg_.vehicle.name;
  snap.vehicle = s.cfg_.vehicle.spec;
  snap.timezone = s.cfg_.zone.name();
  snap.currency = s.cfg_.money.currency;
  snap.decimal_mark = s.cfg_.money.decimal_mark;
  snap.observation = c.last_observation();
  snap.soc_estimate = c.soc_estimate(snap.now);
  snap.stale = c.stale(snap.now) || s.last_soc_stale_;
  snap.mode = c.mode();
  snap.mode_until = c.mode_until();
  snap.override_deadline = c.override_deadline();
  snap.deadline = c.deadline(snap.now);
  snap.plan = c.plan();
  snap.next_action = c.next_action(snap.now);
  snap.reason = c.reason();
  snap.switch_name = s.switch_ ? s.switch_->name() : "";
  snap.switch_on = c.switch_on();
  snap.switch_failing = c.switch_failing();
  snap.switch_problem = c.switch_problem();
  snap.price_now = c.prices().price_at(snap.now);
  if (snap.price_now) snap.prices_known_until = c.prices().known_until(snap.now);
  snap.polls_total = s.budget_.polls_total();
  snap.polls_today = s.budget_.polls(snap.now);
  snap.requests_today = s.budget_.used(snap.now);
  snap.max_requests_per_day = s.cfg_.vehicle.poll.max_per_day;
  snap.next_poll_at = s.next_poll_at_;
  snap.next_poll_reason = s.next_poll_.why;
  snap.charging_model = describe(s.model_, s.cfg_.vehicle.spec);
  snap.consecutive_poll_failures = s.poll_failures_;
  snap.poll_errors = s.poll_errors_;
  snap.commands = s.command_counts_;
  snap.api_connections = server ? server->connection_count() : 0;
  if (s.ocpp_) snap.charger = s.ocpp_->snapshot();
  s.solar_snapshot(snap);
  if (s.notify_) snap.notify = s.notify_->status();
  if (s.mqtt_) snap.mqtt = s.mqtt_->status();
  if (s.site_) snap.site = s.site_->status();
  return snap;
}

const Zone& ServiceApi::zone() const {
  return service_.cfg_.zone;
}

PriceCurve ServiceApi::prices(Instant from, Instant to) const {
  return service_.controller_.prices().slice(from, to);
}

std::optional<PriceCurve> ServiceApi::export_prices(Instant from, Instant to) const {
  return service_.export_prices(from, to);
}

asio::awaitable<std::vector<store::SampleRow>> ServiceApi::samples(store::TimeRange r) {
  store::Store* db = &service_.store_;
  auto rows = co_await offload<std::vector<store::SampleRow>>(
      service_.db_pool_, [db, r] { return db->samples("", r); });
  co_return rows;
}

asio::awaitable<std::vector<store::SessionRow>> ServiceApi::sessions(store::TimeRange r) {
  store::Store* db = &service_.store_;
  auto rows = co_await offload<std::vector<store::SessionRow>>(
      service_.db_pool_, [db, r] { return db->sessions("", r); });
  co_return rows;
}

asio::awaitable<std::vector<store::CommandRow>> ServiceApi::commands(store::TimeRange r) {
  store::Store* db = &service_.store_;
  auto rows = co_await offload<std::vector<store::CommandRow>>(
      service_.db_pool_, [db, r] { return db->commands("", r); });
  co_return rows;
}

asio::awaitable<std::vector<store::OutboxEntry>> ServiceApi::notifications(int limit) {
  if (!service_.notify_) co_return std::vector<store::OutboxEntry>{};
  auto rows = co_await service_.notify_->recent(limit);
  co_return rows;
}

void ServiceApi::set_mode(Mode mode, std::optional<Instant> until) {
  Service& s = service_;
  if (auto refused = mode_refused(mode)) {
    spdlog::warn("{}: mode {} refused: {}", origin, to_string(mode), *refused);
    return;
  }
  s.controller_.set_mode(mode, until);
  spdlog::info("{}: mode {}{}", origin, to_string(mode),
               until ? " until " + s.cfg_.zone.format(*until) : "");
  const Instant now = s.clock_.now();
  store::Store* db = &s.store_;
  asio::post(s.db_pool_, [db, mode, until, now] {
    try {
      db->set_setting(api::k_mode_key, to_string(mode), now);
      if (until) {
        db->set_setting(api::k_mode_until_key, format_rfc3339(*until), now);
      } else {
        db->erase_setting(api::k_mode_until_key);
      }
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
  s.kick_controller();
  s.update_status();
}

void ServiceApi::set_override(std::optional<DeadlineOverride> o) {
  Service& s = service_;
  s.controller_.set_override(o);
  const Instant now = s.clock_.now();
  if (o) {
    const Deadline d = s.controller_.deadline(now);
    spdlog::info("{}: one-off target {:.0f}% by {}", origin, d.target_soc,
                 s.cfg_.zone.format(d.ready_by));
  } else {
    spdlog::info("{}: one-off override cleared", origin);
  }
  std::optional<std::string> text;
  if (o) text = api::override_setting(*o);
  store::Store* db = &s.store_;
  asio::post(s.db_pool_, [db, text, now] {
    try {
      if (text) {
        db->set_setting(api::k_override_key, *text, now);
      } else {
        db->erase_setting(api::k_override_key);
      }
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
  s.kick_controller();
  s.update_status();
}

ApiRuntime::ApiRuntime(Service& service)
    : service_(service), backend_(service), router_(backend_, service.cfg_.api.token.reveal()) {}

ApiRuntime::~ApiRuntime() {
  stop();
}

boost::system::result<void, std::string> ApiRuntime::start() {
  const auto& cfg = service_.cfg_.api;
  net::ServerOptions options;
  options.host = cfg.listen_host;
  options.port = cfg.listen_port;
  options.max_request_body_bytes = api::k_max_body_bytes;
  options.idle_timeout = std::chrono::seconds{30};
  options.io_timeout = std::chrono::seconds{10};
  options.max_connections = k_max_connections;
  api::Router* router = &router_;
  net::Handler handler = [router](net::ServerRequest req) {
    return router->handle(std::move(req));
  };
  server_ = std::make_unique<net::HttpServer>(service_.io_, std::move(options), std::move(handler));
  auto listening = server_->listen();
  if (!listening) {
    server_.reset();
    return listening.error();
  }
  backend_.server = server_.get();
  const std::string& host = server_->host();
  const bool v6 = host.find(':') != std::string::npos;
  spdlog::info("API listening on {}{}{}:{}{}", v6 ? "[" : "", host, v6 ? "]" : "", server_->port(),
               cfg.token.empty() ? "" : " (writes need the API token)");
  return {};
}

void ApiRuntime::reload() {
  const auto& cfg = service_.cfg_.api;
  router_.set_token(cfg.token.reveal());
  if (server_ && (cfg.listen_host != server_->host() ||
                  (cfg.listen_port != 0 && cfg.listen_port != server_->port()))) {
    spdlog::warn("api.listen changed to {}:{}; it takes effect at the next restart",
                 cfg.listen_host, cfg.listen_port);
  }
}

void ApiRuntime::stop() {
  if (server_) server_->stop();
}

}  // namespace offpeak::daemon
