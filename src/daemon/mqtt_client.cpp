#include "mqtt_client.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

constexpr seconds k_min_backoff{1};
constexpr seconds k_max_backoff{60};
constexpr seconds k_connack_timeout{30};
constexpr milliseconds k_misc_interval{1000};
constexpr const char* k_tls_failed =
    "TLS handshake failed (the broker's certificate is not trusted, or not for this host name)";

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// The mosquitto object. Shared with a connect worker thread, so that a client stopped in the
// middle of a blocking connect leaves the object to the thread, which frees it when done.
struct Handle {
  mosquitto* mosq = nullptr;
  ~Handle() {
    if (mosq) mosquitto_destroy(mosq);
  }
};

// Lets a connect worker post its result only while the client (and so its io_context) exists.
struct Gate {
  std::mutex mutex;
  asio::io_context* io = nullptr;
};

}  // namespace

struct MqttClient::Impl : std::enable_shared_from_this<Impl> {
  enum class Phase { idle, connecting, handshaking, connected, backoff, stopped };

  Impl(asio::io_context& io_, config::MqttConfig cfg_, mqtt::Message will_, Handlers handlers_)
      : io(io_),
        cfg(std::move(cfg_)),
        will(std::move(will_)),
        handlers(std::move(handlers_)),
        gate(std::make_shared<Gate>()),
        retry_timer(io_),
        misc_timer(io_),
        connack_timer(io_),
        rng(std::random_device{}()) {
    gate->io = &io_;
  }

  ~Impl() {
    shutdown(std::nullopt, false);
    std::lock_guard<std::mutex> lock(gate->mutex);
    gate->io = nullptr;
  }

  // Creates and configures the mosquitto object. False (with last_error) when the library
  // refuses the settings.
  bool setup() {
    init_library();
    handle = std::make_shared<Handle>();  // a fresh object for every attempt
    handle->mosq = mosquitto_new(cfg.client_id.c_str(), true, this);
    if (!handle->mosq) {
      stats.last_error = std::string("cannot create the MQTT client: ") + std::strerror(errno);
      return false;
    }
    mosquitto* m = handle->mosq;
    // MQTT 5: subscriptions can ask for the publisher's retain flag (retained commands are
    // recognised even when they arrive live).
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_callback_set(m, &Impl::on_connect_cb);
    mosquitto_disconnect_callback_set(m, &Impl::on_disconnect_cb);
    mosquitto_message_callback_set(m, &Impl::on_message_cb);
    mosquitto_publish_callback_set(m, &Impl::on_publish_cb);
    int rc = mosquitto_will_set(m, will.topic.c_str(), static_cast<int>(will.payload.size()),
                                will.payload.data(), will.qos, will.retain);
    if (rc == MOSQ_ERR_SUCCESS && cfg.username) {
      rc = mosquitto_username_pw_set(
          m, cfg.username->c_str(), cfg.password.empty() ? nullptr : cfg.password.reveal().c_str());
    }
    if (rc == MOSQ_ERR_SUCCESS && cfg.tls) {
      if (cfg.ca_file) {
        rc = mosquitto_tls_set(m, cfg.ca_file->c_str(), nullptr, nullptr, nullptr, nullptr);
      } else {
        rc = mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      }
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(m, 1, nullptr, nullptr);  // verify
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_insecure_set(m, false);  // check the name
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      stats.last_error = std::string("cannot configure the MQTT client: ") + mosquitto_strerror(rc);
      return false;
    }
    return true;
  }

  void start() {
    if (phase != Phase::idle) return;
    begin_connect();
  }

  // --- connecting ---------------------------------------------------------------------------

  void begin_connect() {
    if (!setup()) {
      spdlog::error("MQTT: {}", stats.last_error);
      phase = Phase::stopped;
      return;
    }
    phase = Phase::connecting;
    std::shared_ptr<Handle> h = handle;
    std::shared_ptr<Gate> g = gate;
    std::weak_ptr<Impl> self = weak_from_this();
    std::string host = cfg.host;
    int port = cfg.port;
    int keepalive = static_cast<int>(cfg.keepalive.count());
    // DNS and the TCP connect block: a worker thread does them. libmosquitto leaves the socket
    // non-blocking and queues CONNECT; the loop takes over from there.
    std::thread([h, g, self, host, port, keepalive] {
      int rc = mosquitto_connect(h->mosq, host.c_str(), port, keepalive);
      int err = errno;
      std::lock_guard<std::mutex> lock(g->mutex);
      if (!g->io) return;
      asio::post(*g->io, [self, rc, err] {
        if (auto s = self.lock()) s->connect_done(rc, err);
      });
    }).detach();
  }

  void connect_done(int rc, int err) {
    if (phase != Phase::connecting) return;  // stopped meanwhile
    if (rc != MOSQ_ERR_SUCCESS) {
      std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(err) : mosquitto_strerror(rc);
      if (rc == MOSQ_ERR_EAI) why = "cannot resolve " + cfg.host;
      if (rc == MOSQ_ERR_TLS) why = k_tls_failed;
      connection_failed("cannot connect to " + cfg.broker_url() + ": " + why);
      return;
    }
    fd = mosquitto_socket(handle->mosq);
    if (fd < 0) {
      connection_failed("cannot connect to " + cfg.broker_url() + ": no socket");
      return;
    }
    sock.emplace(io, fd);
    ++generation;
    phase = Phase::handshaking;
    std::weak_ptr<Impl> self = weak_from_this();
    connack_timer.expires_after(k_connack_timeout);
    connack_timer.async_wait([self](boost::system::error_code ec) {
      auto s = self.lock();
      if (ec || !s || s->phase != Phase::handshaking) return;
      s->release_socket();
      mosquitto_disconnect(s->handle->mosq);
      s->connection_failed("no answer (CONNACK) from " + s->cfg.broker_url() + " within " +
                           std::to_string(k_connack_timeout.count()) + " s");
    });
    schedule_misc();
    arm();
  }

  void connection_failed(const std::string& why) {
    const bool was_connected = phase == Phase::connected;
    phase = Phase::backoff;
    release_socket();
    connack_timer.cancel();
    misc_timer.cancel();
    ++stats.connection_losses;
    stats.connected = false;
    stats.connected_since.reset();
    auto delay = duration_cast<milliseconds>(backoff *
                                             std::uniform_real_distribution<double>(0.8, 1.2)(rng));
    backoff = std::min(backoff * 2, k_max_backoff);
    if (why != stats.last_error || was_connected) {
      spdlog::warn("MQTT: {}; retrying in {:.1f} s", why, duration<double>(delay).count());
    } else {
      spdlog::debug("MQTT: {}; retrying in {:.1f} s", why, duration<double>(delay).count());
    }
    stats.last_error = why;
    if (was_connected && handlers.on_disconnected) handlers.on_disconnected(why);
    std::weak_ptr<Impl> self = weak_from_this();
    retry_timer.expires_after(delay);
    retry_timer.async_wait([self](boost::system::error_code ec) {
      auto s = self.lock();
      if (ec || !s || s->phase != Phase::backoff) return;
      s->begin_connect();
    });
  }

  // --- the socket on the loop ---------------------------------------------------------------

  // Stops watching the socket without closing it (libmosquitto owns the descriptor). Called as
  // soon as libmosquitto reports or shows a closed socket, before anything can reuse the number.
  void release_socket() {
    if (sock) {
      boost::system::error_code ignored;
      sock->cancel(ignored);
      (void)sock->release();
      sock.reset();
    }
    fd = -1;
    reading = false;
    writing = false;
    ++generation;
  }

  void arm() {
    if (!sock) return;
    std::weak_ptr<Impl> self = weak_from_this();
    const unsigned gen = generation;
    if (!reading) {
      reading = true;
      sock->async_wait(asio::posix::stream_descriptor::wait_read,
                       [self, gen](boost::system::error_code ec) {
                         auto s = self.lock();
                         if (!s || gen != s->generation) return;
                         s->reading = false;
                         if (ec) return;
                         s->check(mosquitto_loop_read(s->handle->mosq, 1));
                         s->after_io();
                       });
    }
    if (!writing && mosquitto_want_write(handle->mosq)) {
      writing = true;
      sock->async_wait(asio::posix::stream_descriptor::wait_write,
                       [self, gen](boost::system::error_code ec) {
                         auto s = self.lock();
                         if (!s || gen != s->generation) return;
                         s->writing = false;
                         if (ec) return;
                         s->check(mosquitto_loop_write(s->handle->mosq, 1));
                         s->after_io();
                       });
    }
  }

  // A failed read or write (a TLS handshake refused, a protocol error) ends the connection
  // even when libmosquitto left the socket open.
  void check(int rc) {
    if (rc == MOSQ_ERR_SUCCESS || lost) return;
    lost = true;
    if (lost_reason.empty()) {
      lost_reason =
          rc == MOSQ_ERR_TLS ? std::string(k_tls_failed) : std::string(mosquitto_strerror(rc));
    }
  }

  // After every call into libmosquitto: notice a lost connection, else keep watching.
  void after_io() {
    if (phase == Phase::stopped) return;
    if (sock && mosquitto_socket(handle->mosq) != fd) release_socket();
    if (lost) {
      lost = false;
      std::string why = lost_reason.empty() ? "connection closed" : lost_reason;
      lost_reason.clear();
      connection_failed("connection to " + cfg.broker_url() + " lost: " + why);
      return;
    }
    if (!sock && (phase == Phase::handshaking || phase == Phase::connected)) {
      connection_failed("connection to " + cfg.broker_url() + " closed");
      return;
    }
    arm();
  }

  void schedule_misc() {
    std::weak_ptr<Impl> self = weak_from_this();
    misc_timer.expires_after(k_misc_interval);
    misc_timer.async_wait([self](boost::system::error_code ec) {
      auto s = self.lock();
      if (ec || !s || !s->sock) return;
      mosquitto_loop_misc(s->handle->mosq);  // keepalive: PINGREQ, or drop a silent broker
      s->after_io();
      if (s->sock) s->schedule_misc();
    });
  }

  // --- libmosquitto callbacks (inside loop_read/write/misc on the event loop) ---------------

  static void on_connect_cb(mosquitto*, void* obj, int rc) {
    auto* s = static_cast<Impl*>(obj);
    if (rc != 0) {
      s->lost_reason = std::string("refused: ") + mosquitto_reason_string(rc);
      return;  // libmosquitto closes the connection and calls on_disconnect
    }
    s->phase = Phase::connected;
    s->backoff = k_min_backoff;
    s->connack_timer.cancel();
    ++s->stats.connects;
    s->stats.connected = true;
    s->stats.connected_since = steady_clock::now();
    s->stats.last_error.clear();
    spdlog::info("MQTT: connected to {} as {}{}", s->cfg.broker_url(), s->cfg.client_id,
                 s->cfg.username ? " (user " + *s->cfg.username + ")" : "");
    std::weak_ptr<Impl> self = s->weak_from_this();
    asio::post(s->io, [self] {
      auto me = self.lock();
      if (me && me->phase == Phase::connected && me->handlers.on_connected)
        me->handlers.on_connected();
    });
  }

  static void on_disconnect_cb(mosquitto*, void* obj, int rc) {
    auto* s = static_cast<Impl*>(obj);
    s->lost = true;
    if (s->lost_reason.empty()) {
      s->lost_reason = rc == MOSQ_ERR_KEEPALIVE ? "no answer within the keepalive"
                                                : std::string(mosquitto_strerror(rc));
    }
    s->release_socket();
  }

  static void on_message_cb(mosquitto*, void* obj, const mosquitto_message* msg) {
    auto* s = static_cast<Impl*>(obj);
    ++s->stats.received;
    std::string topic = msg->topic ? msg->topic : "";
    std::string payload;
    if (msg->payload && msg->payloadlen > 0)
      payload.assign(static_cast<const char*>(msg->payload),
                     static_cast<std::size_t>(msg->payloadlen));
    const bool retained = msg->retain;
    std::weak_ptr<Impl> self = s->weak_from_this();
    asio::post(s->io,
               [self, topic = std::move(topic), payload = std::move(payload), retained]() mutable {
                 auto me = self.lock();
                 if (me && me->phase == Phase::connected && me->handlers.on_message)
                   me->handlers.on_message(std::move(topic), std::move(payload), retained);
               });
  }

  static void on_publish_cb(mosquitto*, void* obj, int mid) {
    auto* s = static_cast<Impl*>(obj);
    std::weak_ptr<Impl> self = s->weak_from_this();
    asio::post(s->io, [self, mid] {
      auto me = self.lock();
      if (me && me->handlers.on_published) me->handlers.on_published(mid);
    });
  }

  // --- the API ------------------------------------------------------------------------------

  std::optional<int> publish(const mqtt::Message& msg) {
    if (phase != Phase::connected) return std::nullopt;
    int mid = 0;
    int rc = mosquitto_publish(
        handle->mosq, &mid, msg.topic.c_str(), static_cast<int>(msg.payload.size()),
        msg.payload.empty() ? nullptr : msg.payload.data(), msg.qos, msg.retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      spdlog::debug("MQTT: publishing to {} failed: {}", mqtt::printable(msg.topic),
                    mosquitto_strerror(rc));
      after_io();
      return std::nullopt;
    }
    ++stats.published;
    after_io();
    return mid;
  }

  bool subscribe(const std::string& filter, int qos, bool retain_as_published) {
    if (phase != Phase::connected) return false;
    const int options = retain_as_published ? MQTT_SUB_OPT_RETAIN_AS_PUBLISHED : 0;
    int rc = mosquitto_subscribe_v5(handle->mosq, nullptr, filter.c_str(), qos, options, nullptr);
    after_io();
    if (rc != MOSQ_ERR_SUCCESS) {
      spdlog::warn("MQTT: cannot subscribe to {}: {}", mqtt::printable(filter),
                   mosquitto_strerror(rc));
    }
    return rc == MOSQ_ERR_SUCCESS;
  }

  void shutdown(const std::optional<mqtt::Message>& last, bool log) {
    if (phase == Phase::stopped || phase == Phase::idle) {
      phase = Phase::stopped;
      return;
    }
    const bool was_connected = phase == Phase::connected;
    const bool has_socket = sock.has_value();
    const bool connecting = phase == Phase::connecting;
    phase = Phase::stopped;
    retry_timer.cancel();
    misc_timer.cancel();
    connack_timer.cancel();
    if (!connecting && handle && handle->mosq) {
      if (was_connected && last) {
        int mid = 0;
        mosquitto_publish(handle->mosq, &mid, last->topic.c_str(),
                          static_cast<int>(last->payload.size()), last->payload.data(), last->qos,
                          last->retain);
      }
      if (has_socket) {
        mosquitto_disconnect(handle->mosq);
        // Flush what the socket takes now; never wait.
        for (int i = 0; i < 8 && sock && mosquitto_want_write(handle->mosq); ++i)
          mosquitto_loop_write(handle->mosq, 1);
      }
    }
    release_socket();
    stats.connected = false;
    stats.connected_since.reset();
    if (log) spdlog::info("MQTT: disconnected from {}", cfg.broker_url());
  }

  asio::io_context& io;
  config::MqttConfig cfg;
  mqtt::Message will;
  Handlers handlers;
  std::shared_ptr<Handle> handle;
  std::shared_ptr<Gate> gate;
  std::optional<asio::posix::stream_descriptor> sock;
  int fd = -1;
  unsigned generation = 0;
  bool reading = false;
  bool writing = false;
  bool lost = false;
  std::string lost_reason;
  Phase phase = Phase::idle;
  asio::steady_timer retry_timer;
  asio::steady_timer misc_timer;
  asio::steady_timer connack_timer;
  seconds backoff = k_min_backoff;
  std::mt19937 rng;
  MqttClientStats stats;
};

MqttClient::MqttClient(asio::io_context& io, config::MqttConfig config, mqtt::Message will,
                       Handlers handlers)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(will), std::move(handlers))) {}

MqttClient::~MqttClient() = default;

void MqttClient::start() {
  impl_->start();
}

void MqttClient::stop(std::optional<mqtt::Message> last) {
  impl_->shutdown(last, true);
}

bool MqttClient::connected() const {
  return impl_->phase == Impl::Phase::connected;
}

std::optional<int> MqttClient::publish(const mqtt::Message& message) {
  return impl_->publish(message);
}

bool MqttClient::subscribe(const std::string& filter, int qos, bool retain_as_published) {
  return impl_->subscribe(filter, qos, retain_as_published);
}

MqttClientStats MqttClient::stats() const {
  MqttClientStats s = impl_->stats;
  switch (impl_->phase) {
    case Impl::Phase::connected:
      s.state = "connected";
      break;
    case Impl::Phase::connecting:
    case Impl::Phase::handshaking:
      s.state = "connecting";
      break;
    case Impl::Phase::backoff:
      s.state = "waiting to reconnect";
      break;
    case Impl::Phase::idle:
    case Impl::Phase::stopped:
      s.state = "stopped";
      break;
  }
  return s;
}

const config::MqttConfig& MqttClient::config() const {
  return impl_->cfg;
}

}  // namespace offpeak::daemon
