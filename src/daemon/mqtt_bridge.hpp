#pragma once
// The daemon's MQTT side (docs/mqtt.md): publishes status, state and Home Assistant discovery,
// takes the /set commands through the API's own apply-and-persist path (ServiceApi), and
// carries `switch: type: mqtt`. Topics and payloads come from the socket-free offpeak::mqtt
// module; the connection is an MqttClient on the Service's event loop.

#include "api_backend.hpp"
#include "mqtt_client.hpp"
#include "site_meters.hpp"
#include "sources.hpp"
#include "switches.hpp"

#include <offpeak/config/config.hpp>
#include <offpeak/mqtt/protocol.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace offpeak::daemon {

class Service;

class MqttBridge final : public MqttSwitchFactory, public MeterTopics, public TopicFeed {
 public:
  explicit MqttBridge(Service& service);
  ~MqttBridge() override;
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Connects when the configuration has an mqtt: section.
  void start();
  // Publishes `offline` and disconnects. Idempotent.
  void stop();
  // After SIGHUP adopted a new configuration: a changed mqtt: section reconnects with it (the
  // old connection says `offline` first); a removed one disconnects.
  void reload();

  // MQTT meters (site:): their topics are subscribed on every connection.
  void listen(const std::string& topic,
              std::function<void(const std::string&)> on_payload) override;
  void unlisten(const std::string& topic) override;
  // The vehicle source's topics (`vehicle.source.type: mqtt`).
  void listen(std::vector<std::string> topics, Handler handler) override;
  std::unique_ptr<Switch> make_mqtt_switch(const config::MqttSwitch& config,
                                           CurrentSetting full) override;
  // For /api/v1/status and /metrics; nullopt without an mqtt: section.
  std::optional<api::MqttStatus> status() const;

  // One switch command: waits (up to the switch's timeout) for the connection, publishes with
  // QoS 1 unretained, then waits for the broker's PUBACK and, with a state_topic, for the
  // relay to report the wanted state.
  boost::asio::awaitable<SwitchOutcome> switch_command(config::MqttSwitch config, Action action);

  // A notification event: `payload` on `topic`, QoS 1, not retained, when connected. Returns
  // the error in plain words, empty when the message was handed to the broker connection.
  boost::asio::awaitable<std::string> publish_event(std::string topic, std::string payload);

 private:
  void connect(const config::MqttConfig& cfg);
  void on_connected();
  void on_message(std::string topic, std::string payload, bool retained);
  void on_published(int mid);
  void announce();
  void publish_state();
  void publish(const mqtt::Message& m);
  void tick();
  void subscribe_switch_state();
  mqtt::State current_state();

  Service& service_;
  ServiceApi api_;  // set_mode/set_override: exactly what the API does
  std::unique_ptr<MqttClient> client_;
  mqtt::Names names_;
  bool discovery_ = true;
  mqtt::StatePublisher publisher_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer reconnect_timer_;
  bool stopped_ = false;
  // The MQTT switch's view of the broker.
  boost::asio::steady_timer wake_;
  std::optional<std::string> switch_state_topic_;  // subscribed on this connection
  std::map<std::string, std::function<void(const std::string&)>> meter_topics_;
  std::vector<std::string> vehicle_topics_;  // the vehicle source's topics
  Handler vehicle_handler_;
  std::optional<int> pending_mid_;
  bool pending_acked_ = false;
  std::optional<bool> reported_state_;
  std::int64_t state_reports_ = 0;
  // Shared with the switches built here, which outlive nothing but may be called late.
  std::shared_ptr<MqttBridge*> self_;
};

}  // namespace offpeak::daemon
