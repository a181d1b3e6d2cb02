// A loadpoint's car and charger: the poll loop (polled sources; pushed ones in
// loadpoint_vehicle.cpp), the control loop that carries out the controller's commands
// through the switch, observations into the controller, the estimator and the session,
// plans and commands recorded. The surplus loop's part is in loadpoint_solar.cpp.

#include "loadpoint.hpp"

#include "mqtt_bridge.hpp"
#include "notify_bridge.hpp"
#include "ocpp_bridge.hpp"
#include "service.hpp"

#include <offpeak/api/api.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/store/history.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

constexpr const char* k_mode_key = "mode";
constexpr const char* k_mode_until_key = "mode_until";
constexpr const char* k_poll_day_key = "poll_day";  // "YYYY-MM-DD <requests>"

store::CommandAction to_store(Action a) {
  return a == Action::start ? store::CommandAction::start : store::CommandAction::stop;
}

std::string pct(std::optional<double> v) {
  if (!v) return "?%";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", *v);
  return buf;
}

}  // namespace

Loadpoint::Loadpoint(Service& service)
    : service_(service),
      io_(service.io_),
      clock_(service.clock_),
      cfg_(service.cfg_),
      store_(service.store_),
      db_pool_(service.db_pool_),
      stopping_(service.stopping_),
      controller_(ControllerSettings{}, cfg_.zone),
      poll_timer_(io_),
      control_timer_(io_),
      solar_timer_(io_) {
  adopt_source();
  if (const auto* c = dynamic_cast<const ConnectSource*>(source_.get()); c && c->client().token()) {
    persisted_token_ = c->client().token()->access_token;  // came from the cache
  }
  switch_ = make_switch(cfg_, service_.exec_pool_, service_.mqtt_.get());
  setup_ocpp();
  controller_.set_settings(controller_settings(cfg_));
  // Settings that outlive restarts.
  if (auto m = store_.get_setting(k_mode_key)) {
    if (auto mode = parse_mode(*m)) {
      std::optional<Instant> until;
      if (auto u = store_.get_setting(k_mode_until_key)) until = parse_rfc3339(*u);
      controller_.set_mode(*mode, until);
    }
  }
  solar_configured();
  // A one-off deadline override set through the API.
  if (auto o = store_.get_setting(api::k_override_key)) {
    if (auto parsed = api::parse_override_setting(*o)) controller_.set_override(*parsed);
  }
  // The day's request count survives restarts (the budget is per UTC day).
  if (auto pd = store_.get_setting(k_poll_day_key)) budget_.restore(*pd, clock_.now());
  // Without a configured device id the car is known from the first observation; until then,
  // the car the database last saw (its history, learned model and open session).
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg_.vehicle.source);
      c && !c->device_id) {
    if (auto row = store_.last_sample("")) remembered_device_ = row->device_id;
  }
  if (auto open = store_.current_open_session(device_id())) {
    SessionRecord r;
    r.started_at = open->started_at;
    r.start_soc = open->start_soc;
    r.energy_kwh = open->energy_kwh;
    r.solar_kwh = open->solar_kwh;
    r.cost_p = open->cost_p;
    std::optional<VehicleState> last;
    if (auto row = store_.last_sample(device_id()); row && row->soc_percent) {
      VehicleState v;
      v.device_id = row->device_id;
      v.observed_at = row->ts;
      v.soc_percent = row->soc_percent;
      v.plugged_in = row->plugged_in;
      v.charging_state = row->charging_state;
      last = v;
    }
    sessions_.resume(r, last);
  }
}

Loadpoint::~Loadpoint() = default;

void Loadpoint::start() {
  next_poll_at_ = clock_.now();
  wake_at_ = clock_.now();
  asio::co_spawn(io_, relearn(), asio::detached);
  asio::co_spawn(io_, poll_loop(), asio::detached);
  asio::co_spawn(io_, control_loop(), asio::detached);
  asio::co_spawn(io_, solar_loop(), asio::detached);
}

boost::system::result<void, std::string> Loadpoint::listen() {
  if (ocpp_) return ocpp_->start();
  return {};
}

void Loadpoint::stop() {
  poll_timer_.cancel();
  control_timer_.cancel();
  solar_timer_.cancel();
  if (ocpp_) ocpp_->stop();
}

void Loadpoint::reload_source() {
  adopt_source();
  poll_timer_.cancel();  // a pushed source and a polled one loop differently
  spdlog::info("vehicle source changed: now {}", source_->describe());
}

void Loadpoint::reconfigure() {
  switch_ = make_switch(cfg_, service_.exec_pool_, service_.mqtt_.get());
  setup_ocpp();
  controller_.set_settings(controller_settings(cfg_));
  solar_configured();
}

void Loadpoint::kick() {
  reschedule_poll();
  kick_controller();
}

void Loadpoint::set_prices(PriceCurve curve) {
  controller_.set_prices(std::move(curve));
  kick_controller();
}

void Loadpoint::update_status() {
  service_.update_status();
}

std::string Loadpoint::status_line() const {
  std::string s;
  if (last_state_) {
    s = "SoC " + pct(last_state_->soc_percent) + ", " +
        std::string(to_string(last_state_->charging_state));
  } else {
    s = "waiting for the first observation";
  }
  if (auto next = controller_.next_action(clock_.now())) {
    s += "; next " + std::string(to_string(next->first)) + " " + cfg_.zone.format(next->second);
  }
  if (controller_.switch_failing()) s += "; SWITCH FAILING: " + controller_.switch_problem();
  if (poll_failures_ > 0) s += "; " + std::to_string(poll_failures_) + " failed poll(s)";
  return s;
}

ControllerSettings Loadpoint::controller_settings(const config::Config& cfg) const {
  // The simulated car is its own charger, so commands show in its observations whatever the
  // switch type.
  const bool confirmable = (switch_ && switch_->confirmable()) ||
                           std::holds_alternative<config::SimulatorSource>(cfg.vehicle.source);
  ControllerSettings s = polled_car_settings(
      cfg.vehicle.learn ? effective_spec(cfg.vehicle.spec, model_) : cfg.vehicle.spec,
      cfg.vehicle.learn ? describe(model_, cfg.vehicle.spec)
                        : fmt::format("{:.1f} kW configured (vehicle.learn: false)",
                                      cfg.vehicle.spec.max_charge_kw),
      cfg.charging, cfg.vehicle.poll.plugged, cfg.vehicle.poll.charging, confirmable);
  if (auto lag = cloud_lag_.lag()) s.cloud_lag = *lag;
  if (auto age = source_ ? source_->max_age() : std::nullopt) s.stale_after = *age;
  s.money = Money(cfg.money.currency, cfg.money.decimal_mark);
  s.export_price = service_.site_->export_price(clock_.now());  // none without a grid meter
  s.solar_max_soc = cfg.solar.max_soc;
  return s;
}

std::string Loadpoint::device_id() const {
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg_.vehicle.source)) {
    if (c->device_id) return *c->device_id;
    if (last_state_) return last_state_->device_id;
    if (!remembered_device_.empty()) return remembered_device_;
    return c->email;
  }
  return source_device_id(cfg_);
}

PollDecision Loadpoint::poll_decision() const {
  const auto& p = cfg_.vehicle.poll;
  PollPolicySettings settings;
  settings.charging = p.charging;
  settings.plugged = p.plugged;
  settings.away = p.away;
  settings.max_per_day = p.max_per_day;
  Instant now = clock_.now();
  PollSituation sit = poll_situation(controller_, last_state_, now);
  sit.usual_plug_in = usual_plug_in_;
  sit.used_today = budget_.used(now);
  sit.cloud_lag = cloud_lag_.lag();
  PollDecision d = next_poll(sit, settings, cfg_.zone, source_->requests_per_poll());
  // The charger reported a plug-in: one early poll for the SoC while the budget keeps a
  // quarter of the day's requests.
  if (early_poll_at_ && d.at > *early_poll_at_ &&
      sit.used_today + source_->requests_per_poll() <= p.max_per_day * 3 / 4) {
    d.at = std::max(*early_poll_at_, now);
    d.why = "the charger reported a plug-in";
  }
  if (backoff_until_ && d.at < *backoff_until_) {
    d.at = *backoff_until_;
    d.why += " (backing off after a failure)";
  }
  return d;
}

void Loadpoint::reschedule_poll() {
  poll_timer_.cancel();
}

void Loadpoint::kick_controller() {
  wake_at_ = clock_.now();
  control_timer_.cancel();
}

asio::awaitable<void> Loadpoint::poll_loop() {
  std::mt19937 rng{std::random_device{}()};
  while (!stopping_) {
    if (source_->pushed()) {
      co_await pushed_loop();  // returns when a reload chose a polled source
      continue;
    }
    for (;;) {
      next_poll_ = poll_decision();
      next_poll_at_ = next_poll_.at;
      if (stopping_ || source_->pushed() || clock_.now() >= next_poll_at_) break;
      spdlog::debug("next poll at {}: {}", cfg_.zone.format(next_poll_at_), next_poll_.why);
      co_await sleep_until(poll_timer_, clock_, next_poll_at_);
    }
    if (stopping_) co_return;
    if (source_->pushed()) continue;
    Instant now = clock_.now();
    if (auto ended = budget_.roll(now)) {
      spdlog::info("polled the car {} times ({} requests of {} allowed) on {}", ended->polls,
                   ended->requests, cfg_.vehicle.poll.max_per_day,
                   format_rfc3339(ended->day).substr(0, 10));
    }
    const int allowance = budget_.allowance(now, cfg_.vehicle.poll.max_per_day);
    if (allowance < 1) continue;  // the policy waits for the next day
    source_->set_request_allowance(allowance);
    const std::int64_t before = source_->requests_sent();
    PollResult r = co_await source_->poll();
    if (stopping_) co_return;
    early_poll_at_.reset();
    if (r.state && ocpp_) ocpp_->amend(*r.state);
    budget_.record(now, static_cast<int>(source_->requests_sent() - before));
    {
      std::string value = budget_.persisted();
      Instant at = clock_.now();
      db_write([value, at](store::Store& st) { st.set_setting(k_poll_day_key, value, at); });
    }
    if (r.state) {
      note_soc_stale(r.soc_stale);
      if (poll_failures_ > 0)
        spdlog::info("the car is reachable again after {} failed poll(s)", poll_failures_);
      poll_failures_ = 0;
      backoff_until_.reset();
      handle_observation(*r.state);
    } else {
      ++poll_failures_;
      ++poll_errors_[r.error_kind];
      // Every try counts against the day's budget.
      const double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(rng);
      Seconds backoff = poll_backoff(poll_failures_, cfg_.vehicle.poll.away, jitter, r.retry_after);
      backoff_until_ = clock_.now() + backoff;
      if (r.credentials_refused) {
        spdlog::error("the car's source refused the credentials: {} (check vehicle.source)",
                      r.error);
        service_.notify_->publish(
            service_.notify_->notifier().on_credentials_refused(clock_.now(), r.error));
        backoff_until_ = clock_.now() + std::max(backoff, cfg_.vehicle.poll.away);
      } else if (r.error_kind == "budget_exhausted") {
        spdlog::warn("not polling the car: {}; {} requests sent today", r.error,
                     budget_.used(clock_.now()));
        service_.notify_->publish(service_.notify_->notifier().on_budget_spent(
            clock_.now(), budget_.used(clock_.now()), cfg_.vehicle.poll.max_per_day));
      } else {
        spdlog::warn("polling the car failed ({}): {}; next try in {} at the earliest",
                     r.error_kind, r.error, format_duration(backoff));
      }
      update_status();
    }
  }
}

asio::awaitable<void> Loadpoint::relearn() {
  Instant now = clock_.now();
  const std::string dev = device_id();
  store::ChargeHistory h;
  try {
    // Only trivially destructible captures: GCC 12 destroys a capturing temporary of a
    // co_await expression twice when its captures own memory.
    const std::string* devp = &dev;
    store::Store* st = &store_;
    h = co_await offload<store::ChargeHistory>(
        db_pool_, [st, devp, now] { return store::load_charge_history(*st, *devp, now); });
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the charging history: {}", e.what());
    co_return;
  }
  if (stopping_) co_return;
  usual_plug_in_ = usual_plug_in_times(h.plug_ins, cfg_.zone);
  LearnedChargingModel m = learn_charging_model(h.observations, cfg_.vehicle.spec);
  if (!(m == model_) || !model_.power_kw) {
    spdlog::info("charging model: {}{}", describe(m, cfg_.vehicle.spec),
                 cfg_.vehicle.learn ? "" : " (not used: vehicle.learn is false)");
  }
  if (!(m == model_)) {
    model_ = m;
    controller_.set_settings(controller_settings(cfg_));
    kick_controller();
  }
}

void Loadpoint::handle_observation(const VehicleState& state) {
  std::optional<VehicleState> prev = last_state_;
  last_state_ = state;
  spdlog::debug(
      "observed {}: SoC {}, {}, {}", state.device_id, pct(state.soc_percent),
      to_string(state.charging_state),
      state.plugged_in ? (*state.plugged_in ? "plugged in" : "unplugged") : "plug unknown");
  db_write([state](store::Store& s) { s.add_sample(state); });
  if (const auto* c = dynamic_cast<const ConnectSource*>(source_.get())) {
    // Persist the token only when the client got a new one (not on every poll).
    const auto& tok = c->client().token();
    if (tok && tok->access_token != persisted_token_) {
      persisted_token_ = tok->access_token;
      const auto& src = std::get<config::ConnectSource>(cfg_.vehicle.source);
      store::CachedToken t{tok->access_token.reveal(), tok->expires_at};
      std::string key = store::account_key(src.base_url, src.email);
      db_write([key, t](store::Store& s) { s.put_token(key, t); });
    }
  }
  // Sessions: plug-in to unplug, the energy priced at the stretches the charger was on.
  const std::string dev = state.device_id.empty() ? device_id() : state.device_id;
  const Instant since = prev ? prev->observed_at : state.observed_at;
  SessionUpdate u = sessions_.observe(state, controller_.settings().vehicle, controller_.prices(),
                                      controller_.on_stretches(since, state.observed_at));
  record_session(u, dev);
  const bool awaiting = controller_.confirm_by().has_value();
  const auto command_at = controller_.last_command_at();
  controller_.observe(state);
  // What the reading says of the car cloud's lag: it agreed with the last command or not yet.
  if (awaiting && command_at) {
    const auto before = cloud_lag_.lag();
    cloud_lag_.confirmation(state.observed_at - *command_at, !controller_.confirm_by());
    if (auto lag = cloud_lag_.lag(); lag && lag != before) {
      spdlog::info(
          "the car's cloud shows a command within about {} min (learned): a reading "
          "sooner after a switch change confirms no shortfall",
          (lag->count() + 59) / 60);
      controller_.set_cloud_lag(*lag);
    }
  }
  kick_controller();
}

void Loadpoint::record_session(const SessionUpdate& u, const std::string& dev) {
  const SessionRecord& rec = u.session;
  const auto soc = u.soc;
  const double energy = rec.energy_kwh;
  const double cost = rec.cost_p;
  const double solar = rec.solar_kwh;
  switch (u.kind) {
    case SessionUpdate::Kind::opened: {
      const Instant from = rec.started_at;
      const auto start_soc = rec.start_soc;
      // open_session keeps a session that is already open (a restart while plugged in).
      db_write([dev, from, start_soc, soc, energy, cost, solar](store::Store& s) {
        auto id = s.open_session(dev, from, start_soc);
        if (energy > 0) s.update_session(id, soc, energy, cost, solar);
      });
      spdlog::info("plugged in at {} with {}{}", cfg_.zone.format(rec.started_at),
                   pct(rec.start_soc), rec.note.empty() ? "" : "; " + rec.note);
      break;
    }
    case SessionUpdate::Kind::updated:
      db_write([dev, soc, energy, cost, solar](store::Store& s) {
        if (auto open = s.current_open_session(dev))
          s.update_session(open->id, soc, energy, cost, solar);
      });
      break;
    case SessionUpdate::Kind::closed: {
      const Instant at = u.at;
      db_write([dev, at, soc, energy, cost, solar](store::Store& s) {
        if (auto open = s.current_open_session(dev))
          s.close_session(open->id, at, soc, energy, cost, solar);
      });
      spdlog::info("unplugged at {} with {}: session {:.2f} kWh{}{}, {}{}", cfg_.zone.format(at),
                   pct(soc), energy, rec.metered ? " (metered)" : "", solar_part(rec),
                   rec.metered ? "" : "est. ",
                   Money(cfg_.money.currency, cfg_.money.decimal_mark).amount(cost));
      service_.notify_->session_closed(rec, at, soc);
      asio::co_spawn(io_, relearn(), asio::detached);  // the session is history now
      break;
    }
    case SessionUpdate::Kind::none:
      break;
  }
}

void Loadpoint::adopt_plan() {
  const auto& plan = controller_.plan();
  if (!plan) return;
  spdlog::info("plan ({}): {}", controller_.replan_reason(), plan->explanation);
  std::string json = report::to_json(report::plan_json(*plan));
  std::string dev = device_id();
  Plan copy = *plan;
  db_write([dev, copy, json](store::Store& s) { s.add_plan(dev, copy, json); });
  const bool plugged = last_state_ && last_state_->plugged_in.value_or(false);
  service_.notify_->publish(service_.notify_->notifier().on_plan(
      clock_.now(), copy, plugged, controller_.settings().vehicle.max_charge_kw));
}

void Loadpoint::record_command(const Command& cmd, const SwitchOutcome& outcome, Instant at) {
  std::string result = outcome.ok ? "ok" : "failed: " + outcome.detail;
  ++command_counts_[{std::string(to_string(cmd.action)), outcome.ok ? "ok" : "failed"}];  // API
  if (outcome.ok) {
    spdlog::info("{} charging: {} -> {} ({})", to_string(cmd.action), cmd.reason, result,
                 outcome.detail);
  } else {
    spdlog::error("{} charging: {} -> {}", to_string(cmd.action), cmd.reason, result);
  }
  std::string dev = device_id();
  Command c = cmd;
  db_write([dev, c, result, at](store::Store& s) {
    s.add_command(at, dev, to_store(c.action), c.reason, result);
  });
}

asio::awaitable<void> Loadpoint::control_loop() {
  while (!stopping_) {
    Instant now = clock_.now();
    Controller::Step step = controller_.step(now);
    if (step.replanned) adopt_plan();
    apply_current();  // a run that starts while charging from the surplus: the full current
    if (step.command) {
      Command cmd = *step.command;
      SwitchOutcome outcome = co_await send_command(cmd.action);
      if (stopping_) co_return;
      Instant at = clock_.now();
      if (outcome.ok) source_->switched(cmd.action);
      controller_.command_result(at, outcome.ok, outcome.detail);
      record_command(cmd, outcome, at);
      reschedule_poll();  // the poll policy decides when to confirm
      update_status();
      continue;
    }
    update_status();
    // Re-evaluate at the controller's next instant, and at least every 15 minutes.
    wake_at_ = std::min(step.wake_at.value_or(now + minutes{15}), now + minutes{15});
    while (!stopping_ && clock_.now() < wake_at_) {
      co_await sleep_until(control_timer_, clock_, wake_at_);
    }
  }
}

}  // namespace offpeak::daemon
