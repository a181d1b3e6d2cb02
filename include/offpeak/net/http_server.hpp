#pragma once
// A general HTTP/1.1 server (plain or TLS) on Asio C++20 coroutines: one coroutine per
// connection, keep-alive, a timeout on every read and write, a request body limit (413) and a
// graceful stop. Routing is the handler's business: request struct in, response struct out.

#include <offpeak/net/http.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace offpeak::net {

// One parsed request.
struct ServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // target without the query
  std::string query;   // after '?', without it; empty when none
  Headers headers;
  std::string body;
  std::string remote;  // "IP:PORT" of the peer
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

// What to do with a connection after the handler ran. `respond` is the normal case; the
// others exist so a simulator can misbehave on purpose.
enum class Disposition {
  respond,        // send the response
  reset,          // close the connection abruptly (TCP RST) without answering
  hang,           // never answer; keep the connection open until the peer or stop() closes it
  truncate_body,  // send the headers with the full Content-Length but only half the body
};

struct ServerResponse {
  int status = 200;
  Headers headers;  // Content-Length and Server are added by the server
  std::string content_type = "application/json";
  std::string body;
  Disposition disposition = Disposition::respond;
};

// Convenience: a response with a status and a body.
ServerResponse make_response(int status, std::string body,
                             std::string content_type = "application/json");

// The handler is a coroutine on the server's io_context; it may suspend (timers) before
// answering. Exceptions escaping it become a 500 and are logged.
using Handler = std::function<boost::asio::awaitable<ServerResponse>(ServerRequest)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0 picks a free port; see HttpServer::port()
  std::size_t max_request_body_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{30000};  // waiting for the next request
  std::chrono::milliseconds io_timeout{30000};    // reading a started request, writing
  // Open connections allowed at once; a connection accepted beyond this is answered with a
  // 503 (written without waiting) and closed at once. 0 means no cap.
  std::size_t max_connections = 0;
  // TLS when both are set: PEM certificate chain and PEM private key.
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
};

// The server. Create it, call listen(), then run the io_context. All member functions must
// be called on the io_context's thread (or before it runs).
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts accepting. On failure (bad address, port in use, unreadable
  // TLS files) returns an error message and accepts nothing.
  boost::system::result<void, std::string> listen();

  // The bound port (the real one when options.port was 0); 0 before listen().
  unsigned short port() const;
  const std::string& host() const;

  // Graceful stop: stops accepting, closes idle and hanging connections, lets requests
  // being handled finish and then closes their connections. Idempotent.
  void stop();

  // Number of open connections (for tests and metrics).
  std::size_t connection_count() const;

  struct Impl;  // opaque; defined in http_server.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace offpeak::net
