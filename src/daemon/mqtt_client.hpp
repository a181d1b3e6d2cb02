#pragma once
// An MQTT 5 client on the daemon's event loop: libmosquitto driven by Asio. The library's socket
// is watched with async_wait (read always, write while libmosquitto has something to send)
// and mosquitto_loop_read/write/misc are called from the loop. The blocking part of a
// connection (DNS, the TCP connect, and the TLS handshake as far as libmosquitto does it at
// connect time) runs on a short-lived worker thread; CONNACK and everything after it are read
// on the loop. Reconnecting is ours (libmosquitto's own only works
// with its threads): back-off from 1 s doubling to 60 s with jitter, the new socket registered
// afresh (the old descriptor is released, never closed: libmosquitto owns it).

#include <offpeak/config/config.hpp>
#include <offpeak/mqtt/protocol.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace offpeak::daemon {

struct MqttClientStats {
  bool connected = false;
  std::string state;          // "connected", "connecting", "waiting to reconnect", "stopped"
  std::int64_t connects = 0;  // accepted CONNACKs since start
  std::int64_t connection_losses = 0;  // connections lost or refused
  std::int64_t published = 0;          // messages handed to the broker
  std::int64_t received = 0;           // messages received
  std::optional<std::chrono::steady_clock::time_point> connected_since;
  std::string last_error;  // the latest failure, never a secret
};

class MqttClient {
 public:
  struct Handlers {
    // CONNACK accepted: subscribe and publish here.
    std::function<void()> on_connected;
    // The connection was lost or refused (not called for stop()).
    std::function<void(const std::string& reason)> on_disconnected;
    // A message from the broker (on the event loop, outside libmosquitto's callbacks).
    std::function<void(std::string topic, std::string payload, bool retained)> on_message;
    // The broker acknowledged the QoS 1 publish with this message id.
    std::function<void(int mid)> on_published;
  };

  // `will` is registered with every CONNECT.
  MqttClient(boost::asio::io_context& io, config::MqttConfig config, mqtt::Message will,
             Handlers handlers);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  // Publishes `last` (if connected), disconnects cleanly and stops reconnecting. Idempotent.
  void stop(std::optional<mqtt::Message> last);

  bool connected() const;
  // The message id, or nullopt when not connected or refused by the library.
  std::optional<int> publish(const mqtt::Message& message);
  // `retain_as_published`: messages keep the publisher's retain flag even when they arrive
  // live (MQTT 5), so a retained command is recognised as one.
  bool subscribe(const std::string& filter, int qos, bool retain_as_published = false);
  MqttClientStats stats() const;
  const config::MqttConfig& config() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace offpeak::daemon
