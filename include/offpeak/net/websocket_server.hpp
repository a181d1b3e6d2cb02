#pragma once
// A WebSocket server (plain or TLS) on Beast: the upgrade request is shown to the caller, who
// accepts it (naming the subprotocol to echo) or refuses it with an HTTP status; then text
// messages in and out, keepalive pings, a cap on message size. Callbacks run on the
// io_context's thread. Beast stays in websocket_server.cpp.

#include <offpeak/net/http.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace offpeak::net {

struct WsUpgrade {
  std::string path;    // the request target without the query
  Headers headers;     // as sent
  std::string remote;  // "IP:PORT" of the peer
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

struct WsDecision {
  int status = 101;         // 101 accepts; anything else is the HTTP refusal
  std::string subprotocol;  // echoed in Sec-WebSocket-Protocol when accepting
  Headers headers;          // extra headers of a refusal (WWW-Authenticate, ...)
  std::string body;         // body of a refusal
};

// One open WebSocket. Valid until `closed` was called for it; send() after that does nothing.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Queues a text message; messages go out in order, one write at a time.
  virtual void send(std::string text) = 0;
  // Closes the connection at once (no closing handshake).
  virtual void close() = 0;
  virtual std::uint64_t id() const = 0;
  virtual const std::string& remote() const = 0;
};

struct WsCallbacks {
  std::function<WsDecision(const WsUpgrade&)> accept;
  std::function<void(std::shared_ptr<WsConnection>, const WsUpgrade&)> opened;
  std::function<void(WsConnection&, std::string text)> message;
  // Called once per opened connection, with why it closed.
  std::function<void(WsConnection&, std::string why)> closed;
};

struct WsServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0 picks a free port
  std::size_t max_message_bytes = 64 * 1024;
  std::chrono::milliseconds handshake_timeout{10000};
  // A ping when the peer was quiet for half of this; closed when quiet for all of it.
  std::chrono::milliseconds idle_timeout{120000};
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
};

class WebSocketServer {
 public:
  WebSocketServer(boost::asio::io_context& ioc, WsServerOptions options, WsCallbacks callbacks);
  ~WebSocketServer();
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  // Binds and starts accepting; an error message on failure.
  boost::system::result<void, std::string> listen();
  unsigned short port() const;
  // Stops accepting and closes every connection. Idempotent.
  void stop();
  std::size_t connection_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace offpeak::net
