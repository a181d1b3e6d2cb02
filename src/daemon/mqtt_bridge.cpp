#include "mqtt_bridge.hpp"

#include <offpeak/domain/money.hpp>

#include "service.hpp"

#include <offpeak/report/report.hpp>
#include <offpeak/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// How often the state is compared with what was published (only changes are sent).
constexpr milliseconds k_tick{1000};
// Between closing a connection and opening its replacement after SIGHUP.
constexpr milliseconds k_reconnect_pause{1000};

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

// Messages sent just before a clean disconnect go with QoS 0: a QoS 1 message beyond the
// broker's in-flight limit waits in libmosquitto for acknowledgements that the disconnect
// would never let arrive. TCP keeps them in order before the DISCONNECT.
mqtt::Message last_words(mqtt::Message m) {
  m.qos = 0;
  return m;
}

class MqttSwitch final : public Switch {
 public:
  MqttSwitch(std::shared_ptr<MqttBridge*> bridge, config::MqttSwitch c, CurrentSetting full)
      : bridge_(std::move(bridge)), c_(std::move(c)), full_(full) {}
  asio::awaitable<SwitchOutcome> send(Action action, std::string /*device_id*/) override {
    MqttBridge* b = *bridge_;
    if (!b) co_return SwitchOutcome{false, "the MQTT connection is gone"};
    if (action == Action::start) {
      SwitchOutcome o = co_await start_at(full_, "");
      co_return o;
    }
    SwitchOutcome r = co_await b->switch_command(c_, action);
    co_return r;
  }
  asio::awaitable<SwitchOutcome> start_at(CurrentSetting c, std::string /*device_id*/) override {
    MqttBridge* b = *bridge_;
    if (!b) co_return SwitchOutcome{false, "the MQTT connection is gone"};
    SwitchOutcome r = co_await b->switch_command(c_, Action::start);
    if (r.ok && c_.current_topic) {
      SwitchOutcome o = co_await publish_current(c);
      co_return SwitchOutcome{o.ok, r.detail + "; current: " + o.detail};
    }
    co_return r;
  }
  bool modulating() const override { return c_.current_topic.has_value(); }
  asio::awaitable<SwitchOutcome> set_current(CurrentSetting c, std::string device_id) override {
    if (!c_.current_topic || c.current_a <= 0) {
      SwitchOutcome o =
          co_await send(c.current_a > 0 ? Action::start : Action::stop, std::move(device_id));
      co_return o;
    }
    SwitchOutcome o = co_await publish_current(c);
    co_return o;
  }
  bool confirmable() const override { return true; }
  std::string name() const override { return "mqtt"; }

 private:
  // QoS 1, never retained (a retained current would switch the wallbox after its reboot).
  asio::awaitable<SwitchOutcome> publish_current(CurrentSetting c) {
    MqttBridge* b = *bridge_;
    if (!b) co_return SwitchOutcome{false, "the MQTT connection is gone"};
    std::string payload = substitute_current(c_.current_payload, c);
    std::string detail = "published " + payload + " to " + mqtt::printable(*c_.current_topic);
    std::string err = co_await b->publish_event(*c_.current_topic, payload);
    co_return err.empty() ? SwitchOutcome{true, detail} : SwitchOutcome{false, err};
  }

  std::shared_ptr<MqttBridge*> bridge_;
  config::MqttSwitch c_;
  CurrentSetting full_;
};

}  // namespace

MqttBridge::MqttBridge(Service& service)
    : service_(service),
      api_(service),
      tick_timer_(service.io_),
      reconnect_timer_(service.io_),
      wake_(service.io_),
      self_(std::make_shared<MqttBridge*>(this)) {
  api_.origin = "MQTT";
}

MqttBridge::~MqttBridge() {
  *self_ = nullptr;
  stop();
}

void MqttBridge::start() {
  stopped_ = false;
  if (service_.cfg_.mqtt) connect(*service_.cfg_.mqtt);
}

void MqttBridge::connect(const config::MqttConfig& cfg) {
  names_ = mqtt::Names{cfg.topic_prefix, cfg.discovery_prefix};
  discovery_ = cfg.discovery;
  switch_state_topic_.reset();
  MqttClient::Handlers h;
  h.on_connected = [this] { on_connected(); };
  h.on_disconnected = [this](const std::string&) { switch_state_topic_.reset(); };
  h.on_message = [this](std::string topic, std::string payload, bool retained) {
    on_message(std::move(topic), std::move(payload), retained);
  };
  h.on_published = [this](int mid) { on_published(mid); };
  spdlog::info("MQTT: connecting to {} as {} (topics under {}/, discovery {})", cfg.broker_url(),
               cfg.client_id, cfg.topic_prefix,
               cfg.discovery ? "under " + cfg.discovery_prefix + "/" : "off");
  client_ =
      std::make_unique<MqttClient>(service_.io_, cfg, mqtt::offline_message(names_), std::move(h));
  client_->start();
  tick();
}

void MqttBridge::stop() {
  if (stopped_) return;
  stopped_ = true;
  tick_timer_.cancel();
  reconnect_timer_.cancel();
  wake_.cancel();
  if (client_) client_->stop(last_words(mqtt::offline_message(names_)));
}

void MqttBridge::reload() {
  const auto& next = service_.cfg_.mqtt;
  const config::MqttConfig* current = client_ ? &client_->config() : nullptr;
  if (next && current && *next == *current) {
    subscribe_switch_state();  // the switch may have changed
    return;
  }
  if (!next && !current) return;
  const bool had_connection = client_ && client_->connected();
  if (client_) {
    spdlog::info("MQTT: the mqtt: section changed; {}", next ? "reconnecting" : "disconnecting");
    // Home Assistant entities that the new settings no longer announce under the same topics
    // are removed while the old connection still stands.
    const mqtt::Names next_names =
        next ? mqtt::Names{next->topic_prefix, next->discovery_prefix} : mqtt::Names{};
    const bool same_topics = next && next_names.node_id() == names_.node_id() &&
                             next_names.discovery_prefix == names_.discovery_prefix;
    if (discovery_ && client_->connected() && (!next || !next->discovery || !same_topics)) {
      for (const auto& m : mqtt::discovery_messages(names_, mqtt::DeviceInfo{}, false))
        publish(last_words(m));
    }
    client_->stop(last_words(mqtt::offline_message(names_)));
    client_.reset();
  }
  publisher_.reset();
  tick_timer_.cancel();
  if (!next || stopped_) return;
  if (!had_connection) {
    connect(*next);
    return;
  }
  // A new connection with the same client id takes the session over at once, and the broker
  // then drops what it has not yet read from the old one (the last retained messages): give
  // the old connection a moment to be read to its DISCONNECT.
  reconnect_timer_.expires_after(k_reconnect_pause);
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_ || client_ || !service_.cfg_.mqtt) return;
    connect(*service_.cfg_.mqtt);
  });
}

std::optional<api::MqttStatus> MqttBridge::status() const {
  if (!client_) return std::nullopt;
  MqttClientStats st = client_->stats();
  api::MqttStatus s;
  s.broker = client_->config().broker_url();
  s.client_id = client_->config().client_id;
  s.connected = st.connected;
  s.state = st.state;
  if (st.connected_since)
    s.connected_for_s = duration<double>(steady_clock::now() - *st.connected_since).count();
  s.connects = st.connects;
  s.connection_losses = st.connection_losses;
  s.published = st.published;
  s.received = st.received;
  s.last_error = st.last_error;
  return s;
}

void MqttBridge::listen(const std::string& topic,
                        std::function<void(const std::string&)> on_payload) {
  meter_topics_[topic] = std::move(on_payload);
  if (client_ && client_->connected()) client_->subscribe(topic, 0);
}

void MqttBridge::unlisten(const std::string& topic) {
  meter_topics_.erase(topic);
}

std::unique_ptr<Switch> MqttBridge::make_mqtt_switch(const config::MqttSwitch& config,
                                                     CurrentSetting full) {
  return std::make_unique<MqttSwitch>(self_, config, full);
}

void MqttBridge::publish(const mqtt::Message& m) {
  if (client_) client_->publish(m);
}

void MqttBridge::on_connected() {
  client_->subscribe(names_.command_filter(), 1, true);
  client_->subscribe(names_.ha_status_topic(), 1);
  subscribe_switch_state();
  for (const auto& [topic, handler] : meter_topics_)
    client_->subscribe(topic, 0);
  for (const auto& t : vehicle_topics_)
    client_->subscribe(t, 1);
  publish(mqtt::online_message(names_));
  announce();
}

void MqttBridge::subscribe_switch_state() {
  const auto* sw = std::get_if<config::MqttSwitch>(&service_.cfg_.switch_config);
  std::optional<std::string> topic = sw ? sw->state_topic : std::nullopt;
  if (!client_ || !client_->connected() || !topic || topic == switch_state_topic_) return;
  if (client_->subscribe(*topic, 1)) switch_state_topic_ = topic;
}

void MqttBridge::announce() {
  mqtt::DeviceInfo device{"offpeak " + service_.cfg_.vehicle.name,
                          "offpeak",
                          k_version,
                          service_.cfg_.money.currency,
                          service_.cfg_.site.grid.has_value(),
                          service_.cfg_.site.pv.has_value(),
                          has_energy_target(service_.cfg_.charging)};
  for (const auto& m : mqtt::discovery_messages(names_, device, discovery_))
    publish(m);
  publisher_.reset();
  publish_state();
}

mqtt::State MqttBridge::current_state() {
  const api::StatusSnapshot snap = api_.snapshot();
  mqtt::State st;
  if (snap.soc_estimate) {
    st.soc = snap.soc_estimate->soc_percent;
  } else if (snap.observation) {
    st.soc = snap.observation->soc_percent;
  }
  if (snap.observation) {
    st.plugged_in = snap.observation->plugged_in;
    st.charging = snap.observation->charging_state == ChargingState::charging;
  }
  st.mode = snap.mode;
  st.target_soc = snap.deadline.target_soc;
  st.ready_by = snap.deadline.ready_by;
  if (snap.plan) {
    for (const auto& run : snap.plan->runs) {
      if (run.end <= snap.now) continue;
      if (run.start > snap.now && !st.next_start) st.next_start = run.start;
      if (!st.next_stop) st.next_stop = run.end;
    }
    st.planned_cost_p = snap.plan->total_cost_p;
    st.plan_json = report::to_json(report::plan_json(*snap.plan));
  }
  if (snap.next_action) {
    if (snap.next_action->first == Action::start) {
      st.next_start = snap.next_action->second;
    } else {
      st.next_stop = snap.next_action->second;
    }
  }
  st.price_now = snap.price_now;
  st.switch_on = snap.switch_on;
  st.switch_failing = snap.switch_failing;
  st.reason = snap.reason;
  st.grid_meter = service_.cfg_.site.grid.has_value();
  st.pv_meter = service_.cfg_.site.pv.has_value();
  if (snap.site) {
    st.grid_w = snap.site->state.grid_w;
    st.pv_w = snap.site->state.pv_w;
  }
  st.surplus_w = snap.surplus_w;
  st.current_a = snap.current.current_a;
  st.energy_targets = has_energy_target(service_.cfg_.charging);
  if (snap.energy) {
    st.energy_delivered_kwh = snap.energy->delivered_kwh;
    st.energy_target_kwh = snap.energy->target_kwh;
  }
  return st;
}

void MqttBridge::publish_state() {
  if (!client_ || !client_->connected()) return;
  for (const auto& m : publisher_.changes(names_, current_state()))
    publish(m);
}

void MqttBridge::tick() {
  tick_timer_.expires_after(k_tick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    publish_state();
    tick();
  });
}

void MqttBridge::listen(std::vector<std::string> topics, Handler handler) {
  vehicle_handler_ = std::move(handler);
  for (const auto& t : topics) {
    const bool known =
        std::find(vehicle_topics_.begin(), vehicle_topics_.end(), t) != vehicle_topics_.end();
    if (!known && client_ && client_->connected()) client_->subscribe(t, 1);
  }
  vehicle_topics_ = std::move(topics);
}

void MqttBridge::on_message(std::string topic, std::string payload, bool retained) {
  bool meter = false;
  if (auto it = meter_topics_.find(topic); it != meter_topics_.end()) {
    meter = true;
    // The broker's stored copy, delivered at subscription, is of unknown age: a reading from
    // hours ago must not count as fresh. Live messages arrive unflagged.
    if (retained) {
      spdlog::debug("MQTT: {}: retained meter value ignored (its age is unknown)",
                    mqtt::printable(topic));
      return;
    }
    auto handler = it->second;  // the handler may reconfigure the meters
    handler(payload);
  }
  if (vehicle_handler_ &&
      std::find(vehicle_topics_.begin(), vehicle_topics_.end(), topic) != vehicle_topics_.end()) {
    vehicle_handler_(topic, payload, retained);
    return;
  }
  if (switch_state_topic_ && topic == *switch_state_topic_) {
    const auto* sw = std::get_if<config::MqttSwitch>(&service_.cfg_.switch_config);
    if (!sw) return;
    auto v = mqtt::parse_switch_state(payload, sw->state_on, sw->state_off, sw->state_field);
    if (!v) {
      spdlog::debug("MQTT: {} reported '{}', neither on nor off", mqtt::printable(topic),
                    mqtt::printable(payload));
      return;
    }
    reported_state_ = v;
    ++state_reports_;
    wake_.cancel();
    return;
  }
  if (meter) return;  // a meter's reading, not a command
  mqtt::Inbound in = mqtt::parse_inbound(names_, topic, payload, retained);
  const Instant now = service_.clock_.now();
  std::visit(overloaded{
                 [&](const mqtt::Ignored& i) {
                   if (!i.why.empty()) spdlog::warn("MQTT: {}", i.why);
                 },
                 [&](const mqtt::ModeCommand& c) { api_.set_mode(c.mode, std::nullopt); },
                 [&](const mqtt::TargetSocCommand& c) {
                   DeadlineOverride o =
                       service_.lp().controller_.override_deadline().value_or(DeadlineOverride{});
                   o.target_soc = c.target_soc;
                   api_.set_override(o);
                 },
                 [&](const mqtt::ReadyByCommand& c) {
                   Instant when{};
                   if (const auto* t = std::get_if<Instant>(&c.when)) {
                     if (*t <= now) {
                       spdlog::warn("MQTT: {}: ready-by {} is in the past; ignored",
                                    mqtt::printable(topic), format_rfc3339(*t));
                       return;
                     }
                     when = *t;
                   } else {
                     ChargingPolicy p;
                     p.ready_by = std::get<TimeOfDay>(c.when);
                     when = next_deadline(now, p, service_.cfg_.zone).ready_by;
                   }
                   DeadlineOverride o =
                       service_.lp().controller_.override_deadline().value_or(DeadlineOverride{});
                   o.ready_by = when;
                   api_.set_override(o);
                 },
                 [&](const mqtt::SocCommand& c) {
                   std::string why;
                   if (!service_.lp().tell_soc(c.soc, "MQTT", why))
                     spdlog::warn("MQTT: {}: {}", mqtt::printable(topic), why);
                 },
                 [&](const mqtt::HomeAssistantOnline&) {
                   spdlog::info("MQTT: Home Assistant is online; announcing again");
                   announce();
                 },
             },
             in);
  publish_state();  // a command shows at once
}

void MqttBridge::on_published(int mid) {
  if (pending_mid_ && *pending_mid_ == mid) {
    pending_acked_ = true;
    wake_.cancel();
  }
}

asio::awaitable<std::string> MqttBridge::publish_event(std::string topic, std::string payload) {
  if (!client_ || !client_->connected()) co_return std::string("not connected to the MQTT broker");
  if (!client_->publish(mqtt::Message{topic, std::move(payload), 1, false}))
    co_return "cannot publish to " + mqtt::printable(topic);
  co_return std::string();
}

asio::awaitable<SwitchOutcome> MqttBridge::switch_command(config::MqttSwitch config,
                                                          Action action) {
  const auto deadline = steady_clock::now() + config.timeout;
  const std::string timeout_text = format_duration(config.timeout);
  while (!client_ || !client_->connected()) {
    if (steady_clock::now() >= deadline || stopped_) {
      std::string where = client_ ? client_->config().broker_url() : std::string("(none)");
      co_return SwitchOutcome{false, "not connected to the MQTT broker " + where};
    }
    wake_.expires_after(milliseconds{200});
    auto [ec] = co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
  const bool want = action == Action::start;
  const std::int64_t reports_before = state_reports_;
  mqtt::Message m{config.command_topic, want ? config.payload_on : config.payload_off, 1, false};
  pending_acked_ = false;
  pending_mid_ = client_->publish(m);
  if (!pending_mid_) {
    co_return SwitchOutcome{false, "cannot publish to " + mqtt::printable(config.command_topic)};
  }
  const int mid = *pending_mid_;
  for (;;) {
    const bool acked = pending_mid_ == mid && pending_acked_;
    const bool confirmed =
        !config.state_topic || (state_reports_ != reports_before && reported_state_ == want);
    if (acked && confirmed) {
      pending_mid_.reset();
      std::string detail = "published " + m.payload + " to " + mqtt::printable(m.topic);
      if (config.state_topic) detail += ", confirmed on " + mqtt::printable(*config.state_topic);
      co_return SwitchOutcome{true, detail};
    }
    if (steady_clock::now() >= deadline || stopped_) {
      pending_mid_.reset();
      if (!acked) {
        co_return SwitchOutcome{
            false, "no acknowledgement (PUBACK) from the broker within " + timeout_text};
      }
      std::string last = state_reports_ == reports_before
                             ? std::string("no report")
                             : (reported_state_ == true ? std::string("last report on")
                                                        : std::string("last report off"));
      co_return SwitchOutcome{false, "no confirmation on " + mqtt::printable(*config.state_topic) +
                                         " within " + timeout_text + " (" + last + ")"};
    }
    wake_.expires_at(deadline);
    auto [ec] = co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

}  // namespace offpeak::daemon
