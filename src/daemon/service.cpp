#include "service.hpp"

#include "mqtt_bridge.hpp"
#include "notify_bridge.hpp"

#include <offpeak/daemon/logging.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/store/history.hpp>
#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/agile_feed.hpp>
#include <offpeak/tariffs/price_feed.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <cmath>
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

// "3600", "0.5": the speed without trailing zeros.
std::string speed_text(double speed) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", speed);
  return buf;
}

}  // namespace

ControllerSettings Service::controller_settings(const config::Config& cfg) const {
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
  if (cfg.site.grid) s.export_price = cfg.site.export_price;  // surplus needs the grid meter
  s.solar_max_soc = cfg.solar.max_soc;
  return s;
}

Service::Service(config::Config cfg, ServiceOptions options)
    : cfg_(std::move(cfg)),
      options_(std::move(options)),
      clock_(options_.speed || options_.start
                 ? DaemonClock(options_.speed.value_or(1.0),
                               options_.start.value_or(SystemClock{}.now()))
                 : DaemonClock()),
      store_(cfg_.storage.database),
      controller_(ControllerSettings{}, cfg_.zone),
      poll_timer_(io_),
      control_timer_(io_),
      price_timer_(io_),
      watchdog_timer_(io_),
      housekeeping_timer_(io_),
      signals_(io_, SIGTERM, SIGINT, SIGHUP) {
  check_database_currency(store_, cfg_.money, clock_.now());
  mqtt_ = std::make_unique<MqttBridge>(*this);
  adopt_source();
  if (const auto* c = dynamic_cast<const ConnectSource*>(source_.get()); c && c->client().token()) {
    persisted_token_ = c->client().token()->access_token;  // came from the cache
  }
  setup_site();
  switch_ = make_switch(cfg_, exec_pool_, mqtt_.get());
  setup_ocpp();
  tariff_ = config::make_static_tariff(cfg_.tariff, cfg_.zone);
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
  feed_ = tariffs::make_price_feed(cfg_);
  if (feed_) {
    Instant now = clock_.now();
    agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
  }
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
  notify_ = std::make_unique<NotifyBridge>(*this);
}

Service::~Service() {
  db_pool_.join();
  exec_pool_.join();
}

std::string Service::device_id() const {
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg_.vehicle.source)) {
    if (c->device_id) return *c->device_id;
    if (last_state_) return last_state_->device_id;
    if (!remembered_device_.empty()) return remembered_device_;
    return c->email;
  }
  return source_device_id(cfg_);
}

template <typename F>
void Service::db_write(F f) {
  asio::post(db_pool_, [this, f = std::move(f)]() mutable {
    try {
      f(store_);
    } catch (const std::exception& e) {
      spdlog::error("database write failed: {}", e.what());
    }
  });
}

int Service::run() {
  spdlog::info("offpeakd starting: {} ({}), tariff {}, switch {}, database {}{}", cfg_.vehicle.name,
               source_->describe(), cfg_.tariff.name, switch_->name(),
               cfg_.storage.database.string(),
               clock_.is_virtual() ? ", virtual clock x" + speed_text(clock_.speed()) + " from " +
                                         format_rfc3339(clock_.now())
                                   : "");
  refresh_prices();
  next_poll_at_ = clock_.now();
  wake_at_ = clock_.now();
  asio::co_spawn(io_, relearn(), asio::detached);
  asio::co_spawn(io_, signal_loop(), asio::detached);
  asio::co_spawn(io_, poll_loop(), asio::detached);
  asio::co_spawn(io_, control_loop(), asio::detached);
  asio::co_spawn(io_, solar_loop(), asio::detached);
  asio::co_spawn(io_, price_loop(), asio::detached);
  carbon_configured();
  forecast_configured();
  asio::co_spawn(io_, watchdog_loop(), asio::detached);
  asio::co_spawn(io_, housekeeping_loop(), asio::detached);
  if (ocpp_) {
    if (auto listening = ocpp_->start(); !listening) {
      spdlog::error("cannot start the OCPP server: {}", listening.error());
      return 1;
    }
  }
  // The API is up before READY=1.
  api_ = std::make_unique<ApiRuntime>(*this);
  if (auto listening = api_->start(); !listening) {
    spdlog::error("cannot start the API: {}", listening.error());
    return 1;
  }
  site_->configure(cfg_.site);
  mqtt_->start();
  notify_->start();
  notifier_.ready();
  update_status();
  io_.run();
  // Finish queued writes, then leave a clean database behind.
  db_pool_.join();
  try {
    store_.checkpoint();
  } catch (const std::exception& e) {
    spdlog::warn("checkpoint at exit failed: {}", e.what());
  }
  spdlog::info("offpeakd stopped");
  return 0;
}

void Service::stop() {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("stopping");
  notifier_.stopping();
  signals_.cancel();
  poll_timer_.cancel();
  control_timer_.cancel();
  price_timer_.cancel();
  carbon_timer_.cancel();
  solar_timer_.cancel();
  forecast_timer_.cancel();
  watchdog_timer_.cancel();
  housekeeping_timer_.cancel();
  if (api_) api_->stop();
  if (site_) site_->stop();
  if (mqtt_) mqtt_->stop();  // publishes offline
  if (notify_) notify_->stop();
  if (ocpp_) ocpp_->stop();
  io_.stop();  // in-flight requests are abandoned; nothing half-written is left behind
}

asio::awaitable<void> Service::signal_loop() {
  while (!stopping_) {
    auto [ec, sig] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (sig == SIGHUP) {
      reload();
    } else {
      stop();
    }
  }
}

void Service::reload() {
  notifier_.reloading();
  spdlog::info("SIGHUP: reloading {}", cfg_.file.string());
  auto result = config::load_config(cfg_.file, config::Environment::from_process());
  if (!result.config) {
    for (const auto& e : result.errors)
      spdlog::error("{}", e.to_string());
    spdlog::error("the new configuration has {} error(s); keeping the previous one",
                  result.errors.size());
    notifier_.ready();
    update_status();
    return;
  }
  config::Config next = std::move(*result.config);
  if (currency_change_refused(cfg_, next)) {
    notifier_.ready();
    update_status();
    return;
  }
  if (next.storage.database != cfg_.storage.database) {
    spdlog::warn("storage.database changed; the new path takes effect at the next restart");
    next.storage.database = cfg_.storage.database;
  }
  bool rebuild_source = !same_source(cfg_, next);
  cfg_ = std::move(next);
  if (rebuild_source) {
    adopt_source();
    poll_timer_.cancel();  // a pushed source and a polled one loop differently
    spdlog::info("vehicle source changed: now {}", source_->describe());
  }
  if (mqtt_) mqtt_->reload();
  site_->configure(cfg_.site);
  if (notify_) notify_->reload();
  switch_ = make_switch(cfg_, exec_pool_, mqtt_.get());
  setup_ocpp();
  tariff_ = config::make_static_tariff(cfg_.tariff, cfg_.zone);
  if (auto feed = tariffs::make_price_feed(cfg_); !feed || !feed_ ||
                                                  feed->cache_key() != feed_->cache_key() ||
                                                  feed->label() != feed_->label()) {
    // Another dynamic tariff (or none): start over from its cache.
    feed_ = std::move(feed);
    agile_refresh_ = {};
    agile_known_ = {};
    if (feed_) {
      Instant now = clock_.now();
      agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
    }
    price_timer_.cancel();
  } else {
    feed_ = std::move(feed);  // same prices, new settings (formula, token)
    Instant now = clock_.now();
    agile_known_ = feed_->cached(store_, now - hours{48}, now + hours{72});
  }
  controller_.set_settings(controller_settings(cfg_));
  solar_configured();
  if (api_) api_->reload();  // a new API token at once
  if (!options_.log_level_override) set_log_level(config::to_string(cfg_.log_level));
  refresh_prices();
  carbon_configured();
  forecast_configured();
  asio::co_spawn(io_, update_price_forecast(), asio::detached);
  spdlog::info("configuration reloaded: tariff {}, switch {}, target {}% by {}", cfg_.tariff.name,
               switch_->name(), cfg_.charging.target_soc,
               format_time_of_day(cfg_.charging.ready_by));
  reschedule_poll();
  kick_controller();
  notifier_.ready();
  update_status();
}

PollDecision Service::poll_decision() const {
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

void Service::reschedule_poll() {
  poll_timer_.cancel();
}

void Service::kick_controller() {
  wake_at_ = clock_.now();
  control_timer_.cancel();
}

asio::awaitable<void> Service::poll_loop() {
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
        notify_->publish(notify_->notifier().on_credentials_refused(clock_.now(), r.error));
        backoff_until_ = clock_.now() + std::max(backoff, cfg_.vehicle.poll.away);
      } else if (r.error_kind == "budget_exhausted") {
        spdlog::warn("not polling the car: {}; {} requests sent today", r.error,
                     budget_.used(clock_.now()));
        notify_->publish(notify_->notifier().on_budget_spent(
            clock_.now(), budget_.used(clock_.now()), cfg_.vehicle.poll.max_per_day));
      } else {
        spdlog::warn("polling the car failed ({}): {}; next try in {} at the earliest",
                     r.error_kind, r.error, format_duration(backoff));
      }
      update_status();
    }
  }
}

asio::awaitable<void> Service::relearn() {
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

void Service::handle_observation(const VehicleState& state) {
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

void Service::record_session(const SessionUpdate& u, const std::string& dev) {
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
      notify_->session_closed(rec, at, soc);
      asio::co_spawn(io_, relearn(), asio::detached);  // the session is history now
      break;
    }
    case SessionUpdate::Kind::none:
      break;
  }
}

void Service::adopt_plan() {
  const auto& plan = controller_.plan();
  if (!plan) return;
  spdlog::info("plan ({}): {}", controller_.replan_reason(), plan->explanation);
  std::string json = report::to_json(report::plan_json(*plan));
  std::string dev = device_id();
  Plan copy = *plan;
  db_write([dev, copy, json](store::Store& s) { s.add_plan(dev, copy, json); });
  const bool plugged = last_state_ && last_state_->plugged_in.value_or(false);
  notify_->publish(notify_->notifier().on_plan(clock_.now(), copy, plugged,
                                               controller_.settings().vehicle.max_charge_kw));
}

void Service::record_command(const Command& cmd, const SwitchOutcome& outcome, Instant at) {
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

asio::awaitable<void> Service::control_loop() {
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

asio::awaitable<void> Service::watchdog_loop() {
  auto interval = notifier_.watchdog_interval();
  if (!interval) co_return;
  while (!stopping_) {
    notifier_.watchdog();  // from the event loop: a stuck loop stops the pings
    watchdog_timer_.expires_after(*interval / 2);
    auto [ec] = co_await watchdog_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

asio::awaitable<void> Service::housekeeping_loop() {
  while (!stopping_) {
    Instant now = clock_.now();
    Seconds retention = cfg_.storage.sample_retention;
    db_write([now, retention](store::Store& s) {
      auto n = s.prune_samples(now, retention);
      if (n > 0) spdlog::info("retention: deleted {} old samples", n);
    });
    if (!co_await sleep_until(housekeeping_timer_, clock_, now + hours{24})) continue;
  }
}

void Service::update_status() {
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
  notifier_.status(s);
}

}  // namespace offpeak::daemon
