#include "ocpp_bridge.hpp"

#include "service.hpp"

#include <offpeak/net/websocket_server.hpp>
#include <offpeak/ocpp/upgrade.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include <cmath>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// Protocol timers run on real time (a charger's 60 s is 60 s even under a virtual clock).
Instant real_now() {
  return SystemClock{}.now();
}

ocpp::Settings settings_of(const config::OcppSwitch& cfg, const config::CurrentControl& current,
                           double max_charge_kw) {
  ocpp::Settings s;
  s.id = cfg.charge_point_id;
  s.connector = cfg.connector;
  s.phases = current.max_phases();
  s.phases_auto = current.phases == config::PhaseMode::automatic;
  s.max_current_a = current.max_current(max_charge_kw);
  // Unique across restarts: seeded with the Unix time (a charger keeps old ids around).
  s.first_transaction_id =
      duration_cast<seconds>(real_now().time_since_epoch()).count() % 2000000000;
  return s;
}

class OcppSwitch final : public Switch {
 public:
  explicit OcppSwitch(OcppBridge& bridge) : bridge_(bridge) {}
  asio::awaitable<SwitchOutcome> send(Action action, std::string device_id) override {
    (void)device_id;
    // A planned run charges at the full current (on the most phases).
    const CurrentSetting full = full_current(bridge_.config());
    SwitchOutcome o =
        co_await bridge_.set_current(action == Action::start ? full.current_a : 0.0, full.phases);
    co_return o;
  }
  asio::awaitable<SwitchOutcome> set_current(CurrentSetting c, std::string device_id) override {
    (void)device_id;
    SwitchOutcome o = co_await bridge_.set_current(c.current_a, c.phases);
    co_return o;
  }
  asio::awaitable<SwitchOutcome> start_at(CurrentSetting c, std::string device_id) override {
    (void)device_id;
    SwitchOutcome o = co_await bridge_.set_current(c.current_a, c.phases);
    co_return o;
  }
  bool modulating() const override { return true; }
  bool confirmable() const override { return true; }
  std::string name() const override { return "ocpp"; }

 private:
  OcppBridge& bridge_;
};

}  // namespace

OcppBridge::OcppBridge(Loadpoint& loadpoint, config::OcppSwitch cfg)
    : lp_(loadpoint),
      cfg_(std::move(cfg)),
      cp_(settings_of(cfg_, loadpoint.cfg_.current, loadpoint.cfg_.vehicle.spec.max_charge_kw)),
      tick_timer_(loadpoint.io_) {}

OcppBridge::~OcppBridge() {
  stop();
}

boost::system::result<void, std::string> OcppBridge::start() {
  net::WsServerOptions o;
  o.host = cfg_.listen_host;
  o.port = cfg_.listen_port;
  o.max_message_bytes = 64 * 1024;
  o.idle_timeout = milliseconds{120000};
  o.tls_cert = cfg_.tls_cert;
  o.tls_key = cfg_.tls_key;
  net::WsCallbacks cb;
  cb.accept = [this](const net::WsUpgrade& up) {
    net::WsDecision d;
    const std::string id = ocpp::charge_point_id_of(up.path);
    if (id != cfg_.charge_point_id) {
      spdlog::warn(
          "OCPP: refused a connection from {} for {}: unknown charge point (expected {}{})",
          ip_of(up.remote), up.path.substr(0, 80), ocpp::k_path_prefix, cfg_.charge_point_id);
      d.status = 404;
      d.body = "unknown charge point\n";
      return d;
    }
    if (!cfg_.password.empty()) {
      auto auth = up.header("Authorization");
      const auto creds = auth ? ocpp::parse_basic_auth(*auth) : std::nullopt;
      if (!creds || creds->user != cfg_.charge_point_id ||
          !ocpp::same_secret(creds->password, cfg_.password.reveal())) {
        spdlog::warn("charger {}: refused a connection from {}: {}", cfg_.charge_point_id,
                     ip_of(up.remote),
                     auth ? "wrong user or password (user must be the charge point id)"
                          : "no credentials (set the charger's OCPP password)");
        d.status = 401;
        d.headers.emplace_back("WWW-Authenticate", "Basic realm=\"offpeak OCPP\"");
        d.body = "authentication required\n";
        return d;
      }
    }
    const auto protocols = up.header("Sec-WebSocket-Protocol");
    const bool offers = protocols && ocpp::offers_ocpp16(*protocols);
    if (!offers) {
      spdlog::warn(
          "charger {}: refused a connection from {}: it does not offer subprotocol "
          "ocpp1.6 (set the charger to OCPP 1.6J)",
          cfg_.charge_point_id, ip_of(up.remote));
      d.status = 400;
      d.body = "subprotocol ocpp1.6 required\n";
      return d;
    }
    d.status = 101;
    d.subprotocol = "ocpp1.6";
    return d;
  };
  cb.opened = [this](std::shared_ptr<net::WsConnection> c, const net::WsUpgrade& up) {
    opened(std::move(c), up.remote);
  };
  cb.message = [this](net::WsConnection& c, std::string text) { message(c, std::move(text)); };
  cb.closed = [this](net::WsConnection& c, std::string why) { closed(c, std::move(why)); };
  server_ = std::make_unique<net::WebSocketServer>(lp_.io_, std::move(o), std::move(cb));
  if (auto r = server_->listen(); !r) return r.error();
  spdlog::info("OCPP listening on {}:{}{} for charge point {} (ws{}://HOST:{}{}{})",
               cfg_.listen_host, server_->port(), cfg_.tls_cert ? " (TLS)" : "",
               cfg_.charge_point_id, cfg_.tls_cert ? "s" : "", server_->port(), ocpp::k_path_prefix,
               cfg_.charge_point_id);
  asio::co_spawn(lp_.io_, tick_loop(), asio::detached);
  return {};
}

void OcppBridge::stop() {
  if (stopping_) return;
  stopping_ = true;
  tick_timer_.cancel();
  if (server_) server_->stop();
}

void OcppBridge::reconfigure(const config::OcppSwitch& cfg) {
  if (cfg.listen_host != cfg_.listen_host || cfg.listen_port != cfg_.listen_port ||
      cfg.tls_cert != cfg_.tls_cert || cfg.tls_key != cfg_.tls_key) {
    spdlog::warn("switch.listen or TLS files changed; they take effect at the next restart");
  }
  auto keep_host = cfg_.listen_host;
  auto keep_port = cfg_.listen_port;
  auto keep_cert = cfg_.tls_cert;
  auto keep_key = cfg_.tls_key;
  cfg_ = cfg;
  cfg_.listen_host = keep_host;
  cfg_.listen_port = keep_port;
  cfg_.tls_cert = keep_cert;
  cfg_.tls_key = keep_key;
  ocpp::Settings s = settings_of(cfg_, lp_.cfg_.current, lp_.cfg_.vehicle.spec.max_charge_kw);
  s.first_transaction_id = cp_.settings().first_transaction_id;
  cp_.set_settings(s);
}

const config::Config& OcppBridge::config() const {
  return lp_.cfg_;
}

std::unique_ptr<Switch> OcppBridge::make_switch() {
  return std::make_unique<OcppSwitch>(*this);
}

std::string OcppBridge::ip_of(const std::string& remote) const {
  auto colon = remote.rfind(':');
  std::string ip = colon == std::string::npos ? remote : remote.substr(0, colon);
  if (ip.size() > 2 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

double OcppBridge::kw_at(double amps) const {
  return amps * lp_.cfg_.current.voltage * cp_.state().wanted_phases / 1000.0;
}

void OcppBridge::opened(std::shared_ptr<net::WsConnection> conn, std::string remote) {
  if (conn_) {
    spdlog::info("charger {}: a new connection from {} replaces the old one", cfg_.charge_point_id,
                 ip_of(remote));
    auto old = std::move(conn_);
    old->close();
  }
  conn_ = std::move(conn);
  cp_.connected(real_now(), remote);
  spdlog::debug("charger {}: WebSocket open from {}", cfg_.charge_point_id, remote);
  pump();
}

void OcppBridge::message(net::WsConnection& conn, std::string text) {
  if (!conn_ || conn.id() != conn_->id()) return;  // a replaced connection
  spdlog::trace("charger {} -> {}", cfg_.charge_point_id, text.substr(0, 500));
  cp_.receive(text, real_now());
  pump();
}

void OcppBridge::closed(net::WsConnection& conn, std::string why) {
  if (!conn_ || conn.id() != conn_->id()) return;  // the replaced one
  conn_.reset();
  cp_.disconnected(real_now());
  spdlog::warn("charger {} disconnected ({}); commands wait for it", cfg_.charge_point_id, why);
  pump();
  lp_.update_status();
}

void OcppBridge::pump() {
  const Instant now = real_now();
  if (conn_) {
    while (auto f = cp_.next_outgoing(now)) {
      spdlog::trace("charger {} <- {}", cfg_.charge_point_id, f->substr(0, 500));
      conn_->send(std::move(*f));
    }
  }
  for (const auto& e : cp_.take_events())
    handle(e);
  report_to_controller();
}

void OcppBridge::report_to_controller() {
  const auto& st = cp_.state();
  std::optional<bool> plugged = st.connected ? ocpp::plugged_in(st.status) : std::nullopt;
  std::optional<bool> offering = cp_.offering();
  if (plugged == last_plugged_ && offering == last_offering_) return;
  const bool plug_changed = plugged && plugged != last_plugged_;
  last_plugged_ = plugged;
  last_offering_ = offering;
  Loadpoint& s = lp_;
  const Instant now = s.clock_.now();
  s.controller_.charger_report(now, plugged, offering);
  if (plug_changed) s.charger_plug(now, *plugged);
  s.kick_controller();
}

void OcppBridge::handle(const ocpp::Event& e) {
  using K = ocpp::Event::Kind;
  Loadpoint& s = lp_;
  const std::string& id = cfg_.charge_point_id;
  const auto& st = cp_.state();
  switch (e.kind) {
    case K::booted:
      spdlog::info("charger {} connected from {} ({})", id, ip_of(st.remote), e.text);
      break;
    case K::plugged_in: {
      const bool on = st.wanted_on == true;
      if (on) {
        spdlog::info("charger {}: plugged in ({}); charging at {} A", id, e.text,
                     cp_.wanted_limit());
      } else {
        spdlog::info("charger {}: plugged in ({}); holding at 0 A until the plan says charge", id,
                     e.text);
        // After the controller has re-planned (it runs before this posted job), name the run.
        asio::post(s.io_, [this] {
          Loadpoint& sv = lp_;
          auto next = sv.controller_.next_action(sv.clock_.now());
          const auto& plan = sv.controller_.plan();
          if (next && next->first == Action::start && plan) {
            for (const auto& r : plan->runs) {
              if (r.start == next->second) {
                spdlog::info("charger {}: holding at 0 A until the planned run {}-{}",
                             cfg_.charge_point_id, sv.cfg_.zone.format_hhmm(r.start),
                             sv.cfg_.zone.format_hhmm(r.end));
                break;
              }
            }
          }
        });
      }
      break;
    }
    case K::unplugged:
      spdlog::info("charger {}: unplugged", id);
      break;
    case K::status:
      spdlog::debug("charger {}: {}{}", id, e.text,
                    st.error_code.empty() ? "" : " (error " + st.error_code + ")");
      if (e.status == ocpp::ConnectorStatus::faulted) {
        spdlog::warn("charger {}: Faulted{}", id,
                     st.error_code.empty() ? "" : ": " + st.error_code);
      }
      break;
    case K::energy: {
      const Instant now = s.clock_.now();
      s.controller_.metered(now, e.value);
      s.charger_metered(now, e.value);
      if (s.controller_.energy_progress(now)) s.kick_controller();  // the target may be met
      break;
    }
    case K::power:
      break;
    case K::soc:
      s.source_->charger_soc(s.clock_.now(), e.value);
      break;
    case K::transaction_started:
      spdlog::info("charger {}: transaction {} started", id, e.text);
      break;
    case K::transaction_stopped:
      spdlog::info("charger {}: transaction {} stopped", id, e.text);
      break;
    case K::limit_applied:
      if (e.value > 0) {
        spdlog::info("charger {}: charging at {} A ({:.1f} kW)", id, e.value, kw_at(e.value));
      } else {
        spdlog::info("charger {}: holding at 0 A", id);
      }
      break;
    case K::command_failed:
      spdlog::warn("charger {}: {}", id, e.text);
      break;
    case K::protocol_error:
      spdlog::warn("charger {}: {}", id, e.text);
      break;
  }
}

asio::awaitable<SwitchOutcome> OcppBridge::set(bool on) {
  SwitchOutcome o = co_await await_ticket(cp_.want(on, real_now()));
  co_return o;
}

asio::awaitable<SwitchOutcome> OcppBridge::set_current(double amps, int phases) {
  SwitchOutcome o = co_await await_ticket(cp_.want_current(amps, phases, real_now()));
  co_return o;
}

asio::awaitable<SwitchOutcome> OcppBridge::await_ticket(std::uint64_t ticket) {
  pump();
  if (!conn_ || !cp_.state().connected) {
    co_return SwitchOutcome{false, "charger " + cfg_.charge_point_id +
                                       " is not connected; the limit is set when it connects"};
  }
  asio::steady_timer wait(lp_.io_);
  const auto deadline = steady_clock::now() + seconds{65};
  for (;;) {
    if (auto r = cp_.result(ticket)) co_return SwitchOutcome{r->ok, r->detail};
    if (stopping_) co_return SwitchOutcome{false, "stopping"};
    if (!cp_.state().connected) {
      co_return SwitchOutcome{false, "charger " + cfg_.charge_point_id +
                                         " disconnected; the limit is set when it reconnects"};
    }
    if (steady_clock::now() > deadline)
      co_return SwitchOutcome{false, "no answer from the charger"};
    wait.expires_after(milliseconds{50});
    auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

asio::awaitable<void> OcppBridge::tick_loop() {
  while (!stopping_) {
    tick_timer_.expires_after(seconds{1});
    auto [ec] = co_await tick_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) co_return;
    (void)ec;
    cp_.tick(real_now());
    pump();
  }
}

api::ChargerSnapshot OcppBridge::snapshot() const {
  const auto& st = cp_.state();
  api::ChargerSnapshot c;
  c.id = cfg_.charge_point_id;
  c.connected = st.connected;
  if (st.connected) c.address = ip_of(st.remote);
  c.vendor = st.vendor;
  c.model = st.model;
  c.firmware = st.firmware;
  c.status = std::string(ocpp::to_string(st.status));
  c.plugged_in = st.connected ? ocpp::plugged_in(st.status) : std::nullopt;
  c.power_w = st.power_w;
  c.energy_wh = st.energy_wh;
  c.limit_a = st.limit_a;
  c.error_code = st.error_code;
  c.last_error = st.last_error;
  c.connected_since = st.connected ? st.connected_at : std::nullopt;
  return c;
}

void OcppBridge::amend(VehicleState& reading) const {
  if (!cp_.state().connected) return;
  if (auto p = ocpp::plugged_in(cp_.state().status)) reading.plugged_in = *p;
}

// ---- the loadpoint's side of its charger ----

void Loadpoint::setup_ocpp() {
  const auto* o = std::get_if<config::OcppSwitch>(&cfg_.switch_config);
  if (!o) {
    if (ocpp_) {
      spdlog::warn("the switch is no longer ocpp; the OCPP server stops");
      ocpp_->stop();
      ocpp_.reset();
    }
    return;
  }
  if (!ocpp_) {
    ocpp_ = std::make_unique<OcppBridge>(*this, *o);
    // Switched to ocpp by a reload: listen now (at start-up run() does it before READY=1).
    if (service_.api_) {
      if (auto r = ocpp_->start(); !r) spdlog::error("cannot start the OCPP server: {}", r.error());
    }
  } else {
    ocpp_->reconfigure(*o);
  }
  switch_ = ocpp_->make_switch();
}

void Loadpoint::charger_plug(Instant at, bool plugged) {
  VehicleState plug;  // no SoC: opens or closes the session, the next reading adds the SoC
  plug.device_id = device_id();
  plug.plugged_in = plugged;
  plug.observed_at = at;
  SessionUpdate u =
      sessions_.observe(plug, controller_.settings().vehicle, controller_.prices(), {});
  if (!u.soc && sessions_.last_reading()) u.soc = sessions_.last_reading()->soc_percent;
  record_session(u, plug.device_id);
  source_->charger_plug(at, plugged);
  if (plugged) {
    // One early car poll for the SoC, when the day's budget allows.
    early_poll_at_ = at + Seconds{60};
    reschedule_poll();
  }
}

void Loadpoint::charger_metered(Instant at, double energy_wh) {
  SessionUpdate u = sessions_.metered(at, energy_wh, controller_.prices());
  if (u.kind != SessionUpdate::Kind::none) record_session(u, device_id());
}

}  // namespace offpeak::daemon
