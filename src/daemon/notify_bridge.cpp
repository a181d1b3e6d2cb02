#include "notify_bridge.hpp"

#include "mqtt_bridge.hpp"
#include "service.hpp"

#include <offpeak/domain/savings.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/net/smtp.hpp>
#include <offpeak/notify/channels.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// Events stored in this window seed the notifier at start.
constexpr Seconds k_seed_window{3 * 86400};
// How often devices, the plug reminder and prices are looked at.
constexpr Seconds k_check_every{60};

store::OutboxEvent to_row(const NotifyEvent& e) {
  store::OutboxEvent row;
  row.key = e.key;
  row.event = std::string(to_string(e.kind));
  row.at = e.at;
  row.not_before = e.not_before;
  row.urgent = e.urgent;
  row.title = e.title;
  row.message = e.message;
  row.payload_json = notify::event_json(e);
  return row;
}

std::string describe(const net::HttpError& e) {
  if (e.kind == net::HttpErrorKind::http_status) return "HTTP " + std::to_string(e.status);
  return std::string(net::to_string(e.kind)) + ": " + e.message;
}

}  // namespace

NotifyBridge::NotifyBridge(Service& service)
    : service_(service), outbox_(service.store_), check_timer_(service.io_) {
  notifier_.set_settings(settings());
  // On the event loop's thread before it runs: no other user of the store yet.
  for (const auto& [key, at] : outbox_.keys_since(service_.clock_.now() - k_seed_window))
    notifier_.remember(key, at);
  configure();
}

NotifyBridge::~NotifyBridge() = default;

NotifySettings NotifyBridge::settings() const {
  const config::Config& cfg = service_.cfg_;
  NotifySettings s;
  s.vehicle = cfg.vehicle.name;
  s.zone = cfg.zone;
  s.quiet_hours = cfg.notify.quiet_hours;
  s.plug_reminder = cfg.notify.plug_reminder;
  s.money = Money(cfg.money.currency, cfg.money.decimal_mark);
  return s;
}

void NotifyBridge::configure() {
  // Keep the counters of channels that stay; stop the senders of the others.
  std::vector<std::shared_ptr<Channel>> next;
  for (const auto& c : service_.cfg_.notify.channels) {
    std::shared_ptr<Channel> ch;
    for (auto& old : channels_) {
      if (old && old->running && old->cfg == c) {
        ch = old;
        old.reset();
        break;
      }
    }
    if (!ch) {
      ch = std::make_shared<Channel>(service_.io_);
      ch->cfg = c;
      ch->status.name = c.name;
      ch->status.type = c.type;
      if (started_) asio::co_spawn(service_.io_, sender(ch), asio::detached);
    }
    next.push_back(std::move(ch));
  }
  for (auto& old : channels_) {
    if (!old) continue;
    old->running = false;
    old->timer.cancel();
  }
  channels_ = std::move(next);
}

void NotifyBridge::start() {
  started_ = true;
  for (auto& ch : channels_)
    asio::co_spawn(service_.io_, sender(ch), asio::detached);
  asio::co_spawn(service_.io_, check_loop(), asio::detached);
  if (!channels_.empty()) {
    std::string names;
    for (const auto& ch : channels_)
      names += (names.empty() ? "" : ", ") + ch->cfg.name;
    spdlog::info("notifications: {}", names);
  }
}

void NotifyBridge::reload() {
  notifier_.set_settings(settings());
  configure();
}

void NotifyBridge::stop() {
  stopped_ = true;
  check_timer_.cancel();
  for (auto& ch : channels_) {
    ch->running = false;
    ch->timer.cancel();
  }
}

void NotifyBridge::publish(std::vector<NotifyEvent> events) {
  if (events.empty() || stopped_) return;
  for (const auto& e : events)
    spdlog::info("notify {}: {}{}", to_string(e.kind), e.title,
                 e.not_before > e.at
                     ? " (held until " + service_.cfg_.zone.format(e.not_before) + ", quiet hours)"
                     : "");
  asio::co_spawn(service_.io_, store_events(std::move(events)), asio::detached);
}

asio::awaitable<void> NotifyBridge::store_events(std::vector<NotifyEvent> events) {
  for (const auto& e : events) {
    std::vector<std::string> channels;
    for (const auto& ch : channels_)
      if (ch->cfg.wants(e.kind)) channels.push_back(ch->cfg.name);
    store::OutboxEvent row = to_row(e);
    try {
      // Only trivially destructible captures (see offload).
      const store::OutboxEvent* rowp = &row;
      const std::vector<std::string>* chp = &channels;
      store::Outbox* box = &outbox_;
      auto id = co_await offload<std::optional<std::int64_t>>(
          service_.db_pool_, [box, rowp, chp] { return box->add(*rowp, *chp); });
      if (id) ++events_;
    } catch (const std::exception& ex) {
      spdlog::error("cannot store the {} notification: {}", row.event, ex.what());
    }
  }
  for (auto& ch : channels_) {
    ++ch->wakes;
    ch->timer.cancel();
  }
}

asio::awaitable<void> NotifyBridge::sender(std::shared_ptr<Channel> ch) {
  Service& s = service_;
  store::Outbox* box = &outbox_;
  const std::string name = ch->cfg.name;
  const std::string* namep = &name;
  while (!stopped_ && ch->running) {
    const std::uint64_t wakes = ch->wakes;
    const Instant now = s.clock_.now();
    std::optional<store::PendingDelivery> next;
    std::optional<Instant> due;
    bool db_failed = false;
    try {
      next = co_await offload<std::optional<store::PendingDelivery>>(
          s.db_pool_, [box, namep, now] { return box->next_for(*namep, now); });
      if (!next) {
        due = co_await offload<std::optional<Instant>>(
            s.db_pool_, [box, namep] { return box->next_due(*namep); });
      }
    } catch (const std::exception& e) {
      spdlog::error("notification channel {}: cannot read the outbox: {}", name, e.what());
      db_failed = true;
    }
    if (db_failed) {
      co_await sleep_until(ch->timer, s.clock_, now + minutes{1});
      continue;
    }
    if (stopped_ || !ch->running) co_return;
    if (!next) {
      if (ch->wakes != wakes) continue;
      co_await sleep_until(ch->timer, s.clock_, std::max(now, due.value_or(now + hours{1})));
      continue;
    }
    const store::OutboxEvent& ev = next->event;
    if (now - ev.at >= k_notify_max_age) {
      const Instant cutoff = now - k_notify_max_age;
      try {
        int n =
            co_await offload<int>(s.db_pool_, [box, cutoff] { return box->expire_before(cutoff); });
        spdlog::warn("notifications: {} delivery(ies) dropped undelivered after a day", n);
      } catch (const std::exception& e) {
        spdlog::error("notification channel {}: cannot expire old events: {}", name, e.what());
      }
      continue;
    }
    if (next->delivery.next_attempt_at > now) {
      co_await sleep_until(ch->timer, s.clock_, next->delivery.next_attempt_at);
      continue;
    }
    notify::Outgoing out{ev.event, ev.at, ev.title, ev.message, ev.urgent, ev.payload_json};
    notify::BuildContext ctx;
    ctx.now = now;
    if (s.cfg_.mqtt) ctx.mqtt_prefix = s.cfg_.mqtt->topic_prefix;
    notify::ChannelRequest req = notify::build_request(ch->cfg, out, ctx);
    std::string error;
    if (req.http) {
      net::ClientOptions opts;
      opts.timeout = duration_cast<milliseconds>(ch->cfg.timeout);
      opts.ca_file = ch->cfg.ca_file;
      net::HttpResult r = co_await net::async_fetch(std::move(*req.http), opts);
      if (!r.ok()) error = describe(r.error);
    } else if (req.mqtt) {
      if (s.mqtt_) {
        error = co_await s.mqtt_->publish_event(req.mqtt->topic, req.mqtt->payload);
      } else {
        error = "no mqtt: section";
      }
    } else {
      net::SmtpMessage mail = notify::smtp_message(ch->cfg, *req.email);
      const net::SmtpMessage* mp = &mail;
      try {
        error = co_await offload<std::string>(mail_pool_, [mp] { return net::send_mail(*mp); });
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    if (stopped_) co_return;
    error = notify::redact(ch->cfg, error);
    const Instant done = s.clock_.now();
    const std::int64_t id = ev.id;
    try {
      if (error.empty()) {
        co_await offload<bool>(s.db_pool_,
                               [box, id, namep, done] { return box->mark_sent(id, *namep, done); });
        ++ch->status.sent;
        if (ch->status.failing) {
          spdlog::info("notification channel {} works again (failing since {})", name,
                       s.cfg_.zone.format(*ch->status.failing_since));
        }
        ch->status.failing = false;
        ch->status.failing_since.reset();
        spdlog::debug("notification {} sent on {} after {}", ev.event, name,
                      format_duration(std::max(Seconds{0}, done - ev.not_before)));
      } else {
        const int attempts = next->delivery.attempts + 1;
        const Instant retry = done + notify_retry_delay(attempts);
        const std::string* errp = &error;
        co_await offload<bool>(s.db_pool_, [box, id, namep, errp, retry] {
          return box->mark_failed(id, *namep, *errp, retry);
        });
        ++ch->status.failed;
        ch->status.last_error = error;
        if (!ch->status.failing) {
          ch->status.failing = true;
          ch->status.failing_since = done;
          spdlog::warn(
              "notification channel {} failing: {}; retrying with back-off (events are "
              "kept for a day)",
              name, error);
        } else {
          spdlog::debug("notification channel {} still failing: {}; next try at {}", name, error,
                        s.cfg_.zone.format(retry));
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("notification channel {}: cannot record the delivery: {}", name, e.what());
      db_failed = true;
    }
    if (db_failed) co_await sleep_until(ch->timer, s.clock_, done + minutes{1});
  }
}

void NotifyBridge::session_closed(const SessionRecord& rec, Instant at, std::optional<double> soc) {
  Service& s = service_;
  SessionFacts f;
  f.started_at = rec.started_at;
  f.ended_at = at;
  f.start_soc = rec.start_soc;
  f.end_soc = soc;
  f.energy_kwh = rec.energy_kwh;
  f.cost_p = rec.cost_p;
  // With a grid meter the session's split is known (solar_kwh, from its readings).
  if (s.cfg_.site.grid && rec.energy_kwh > 0) f.solar_share = rec.solar_kwh / rec.energy_kwh;
  f.target_soc = s.lp().controller_.deadline(at).target_soc;
  const double kw = s.lp().controller_.settings().vehicle.max_charge_kw;
  if (kw > 0 && rec.energy_kwh > 0) {
    // The same energy charged at once from plug-in at full power, at the known prices.
    const Instant to =
        rec.started_at + Seconds{static_cast<long long>(rec.energy_kwh / kw * 3600) + 3600};
    PriceCurve prices = s.agile_known_.slice(rec.started_at, to);
    if (s.tariff_)
      prices = prices.filled_from(s.tariff_->prices(rec.started_at, to), rec.started_at, to);
    f.saving_p = session_saving(prices, rec.started_at, rec.energy_kwh, rec.cost_p, kw).saving_p;
  }
  publish(notifier_.on_session_closed(at, f));
}

void NotifyBridge::check(Instant now) {
  Service& s = service_;
  std::vector<NotifyEvent> out;
  auto add = [&out](std::vector<NotifyEvent> v) {
    for (auto& e : v)
      out.push_back(std::move(e));
  };
  // Devices: the car's service, the MQTT broker, the OCPP charger, the price feed. A refused
  // account or a spent budget is an account_problem, not an unreachable service.
  for (const auto& [kind, n] : s.lp().poll_errors_) {
    auto& seen = seen_poll_errors_[kind];
    if (n > seen) last_poll_error_ = kind;
    seen = n;
  }
  const bool car_failing = s.lp().poll_failures_ > 0 && last_poll_error_ != "budget_exhausted" &&
                           last_poll_error_ != "credentials_refused";
  add(notifier_.on_device(now, "car service", !car_failing));
  if (s.mqtt_) {
    if (auto m = s.mqtt_->status())
      add(notifier_.on_device(now, "MQTT broker", m->connected, m->last_error));
  }
  if (s.lp().ocpp_) add(notifier_.on_device(now, "charger", s.lp().ocpp_->snapshot().connected));
  if (std::holds_alternative<config::OctopusAgileTariff>(s.cfg_.tariff.kind))
    add(notifier_.on_device(now, "price feed", s.agile_refresh_.consecutive_failures == 0));
  add(notifier_.tick(now));
  // The day's request budget of the car's account.
  const int allowed = s.cfg_.vehicle.poll.max_per_day;
  if (const int used = s.lp().budget_.used(now); used >= allowed)
    add(notifier_.on_budget_spent(now, used, allowed));
  // The plug reminder: the next ready-by's need.
  if (s.lp().last_state_) {
    PlugFacts f;
    f.plugged_in = s.lp().last_state_->plugged_in;
    f.soc = s.lp().last_state_->soc_percent;
    f.next = s.lp().controller_.deadline(now);
    const VehicleSpec& v = s.lp().controller_.settings().vehicle;
    if (f.soc && v.efficiency > 0) {
      f.energy_needed_kwh =
          std::max(0.0, (f.next.target_soc - *f.soc) / 100.0 * v.battery_kwh / v.efficiency);
    }
    f.max_charge_kw = v.max_charge_kw;
    add(notifier_.on_plug_check(now, f));
    add(notifier_.on_prices(now, s.lp().controller_.prices(), s.lp().last_state_->plugged_in,
                            s.cfg_.charging.charge_below_p_per_kwh.value_or(0.0)));
  }
  publish(std::move(out));
}

asio::awaitable<void> NotifyBridge::check_loop() {
  std::optional<Instant> pruned;
  while (!stopped_) {
    const Instant now = service_.clock_.now();
    check(now);
    if (!pruned || now - *pruned >= hours{24}) {
      // Events are kept 30 days for the API's list, then deleted once nothing is pending.
      pruned = now;
      store::Outbox* box = &outbox_;
      const Instant cutoff = now - days{30};
      const Instant too_old = now - k_notify_max_age;
      try {
        // Deliveries of channels no longer configured expire here too.
        co_await offload<int>(service_.db_pool_,
                              [box, too_old] { return box->expire_before(too_old); });
        co_await offload<int>(service_.db_pool_,
                              [box, cutoff] { return box->prune_before(cutoff); });
      } catch (const std::exception& e) {
        spdlog::warn("cannot prune old notifications: {}", e.what());
      }
      if (stopped_) co_return;
    }
    co_await sleep_until(check_timer_, service_.clock_, now + k_check_every);
  }
}

std::optional<api::NotifyStatus> NotifyBridge::status() const {
  if (channels_.empty()) return std::nullopt;
  api::NotifyStatus st;
  for (const auto& ch : channels_)
    st.channels.push_back(ch->status);
  st.events = events_;
  return st;
}

asio::awaitable<std::vector<store::OutboxEntry>> NotifyBridge::recent(int limit) {
  store::Outbox* box = &outbox_;
  auto rows = co_await offload<std::vector<store::OutboxEntry>>(
      service_.db_pool_, [box, limit] { return box->recent(limit); });
  co_return rows;
}

}  // namespace offpeak::daemon
