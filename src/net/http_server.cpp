#include <offpeak/net/http_server.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace offpeak::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

// What stop() needs to know about one connection.
struct ConnectionState {
  beast::tcp_stream* lowest = nullptr;
  bool busy = false;  // a request is being read (body) or handled or answered
};

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http server: connection failed: {}", ex.what());
  }
}

}  // namespace

ServerResponse make_response(int status, std::string body, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, ServerOptions opts, Handler h)
      : ioc(io), options(std::move(opts)), handler(std::move(h)), acceptor(io) {}

  asio::io_context& ioc;
  ServerOptions options;
  Handler handler;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  unsigned short bound_port = 0;
  bool stopping = false;
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionState>> connections;
};

namespace {

using ImplPtr = std::shared_ptr<HttpServer::Impl>;

std::string serialize_truncated(const ServerResponse& resp) {
  std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(resp.status))) +
                    "\r\n";
  out += "Content-Type: " + resp.content_type + "\r\n";
  for (const auto& [k, v] : resp.headers)
    out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += resp.body.substr(0, resp.body.size() / 2);
  return out;
}

http::response<http::string_body> to_beast(const ServerResponse& resp, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "offpeak");
  if (!resp.body.empty() || resp.status != 204) {
    res.set(http::field::content_type, resp.content_type);
  }
  for (const auto& [k, v] : resp.headers)
    res.set(k, v);
  res.body() = resp.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// Serves requests on one established (and, for TLS, handshaken) stream until the peer
// closes, an error or timeout occurs, or the server stops.
template <class Stream>
asio::awaitable<void> serve_requests(ImplPtr self, Stream* stream,
                                     std::shared_ptr<ConnectionState> state, std::string remote) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(*stream);
  beast::flat_buffer buffer;
  for (;;) {
    state->busy = false;
    if (self->stopping) co_return;
    http::request_parser<http::string_body> parser;
    parser.body_limit(self->options.max_request_body_bytes);
    parser.header_limit(16 * 1024);
    lowest.expires_after(self->options.idle_timeout);
    auto [hec, hn] = co_await http::async_read_header(*stream, buffer, parser, k_tuple);
    // A Content-Length over the limit fails already here, a chunked body while reading it.
    bool too_large = hec == http::error::body_limit;
    if (hec && !too_large) co_return;  // peer closed, idle timeout, stop() or garbage
    state->busy = true;
    if (!too_large) {
      lowest.expires_after(self->options.io_timeout);
      auto [bec, bn] = co_await http::async_read(*stream, buffer, parser, k_tuple);
      too_large = bec == http::error::body_limit;
      if (bec && !too_large) co_return;
    }
    if (too_large) {
      ServerResponse answer = make_response(413, R"({"error":"request body too large"})");
      auto res = to_beast(answer, 11, false);
      lowest.expires_after(self->options.io_timeout);
      co_await http::async_write(*stream, res, k_tuple);
      // Let the peer read the answer: stop sending, then drain what it still sends for a
      // moment (bounded), so that closing does not reset the connection under it.
      error_code ignored;
      lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest.expires_after(std::min(self->options.io_timeout, std::chrono::milliseconds{2000}));
      std::array<char, 4096> sink{};
      std::size_t drained = 0;
      for (;;) {
        auto [dec, dn] = co_await lowest.async_read_some(asio::buffer(sink), k_tuple);
        drained += dn;
        if (dec || drained > 4 * self->options.max_request_body_bytes) break;
      }
      co_return;
    }

    auto msg = parser.release();
    ServerRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : msg) {
      req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.remote = remote;
    const bool want_keep_alive = msg.keep_alive();
    const unsigned version = msg.version();

    ServerResponse resp;
    std::exception_ptr failure;
    try {
      resp = co_await self->handler(std::move(req));
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      log_exception(failure);
      resp = make_response(500, R"({"error":"internal error"})");
    }

    switch (resp.disposition) {
      case Disposition::reset: {
        error_code ignored;
        lowest.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        lowest.socket().close(ignored);
        co_return;
      }
      case Disposition::hang: {
        state->busy = false;
        lowest.expires_never();
        std::array<char, 256> sink{};
        for (;;) {
          auto [ec, n] = co_await lowest.async_read_some(asio::buffer(sink), k_tuple);
          if (ec) co_return;
        }
      }
      case Disposition::truncate_body: {
        const std::string raw = serialize_truncated(resp);
        lowest.expires_after(self->options.io_timeout);
        co_await asio::async_write(*stream, asio::buffer(raw), k_tuple);
        error_code ignored;
        lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest.socket().close(ignored);
        co_return;
      }
      case Disposition::respond:
        break;
    }
    const bool keep_alive = want_keep_alive && !self->stopping;
    auto res = to_beast(resp, version, keep_alive);
    lowest.expires_after(self->options.io_timeout);
    auto [wec, wn] = co_await http::async_write(*stream, res, k_tuple);
    if (wec || !keep_alive) co_return;
  }
}

asio::awaitable<void> run_connection(ImplPtr self, tcp::socket socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string("?") : endpoint_text(peer);
  const std::uint64_t id = self->next_id++;
  auto state = std::make_shared<ConnectionState>();
  beast::tcp_stream tcp_stream(std::move(socket));
  if (!self->tls) {
    state->lowest = &tcp_stream;
    self->connections.emplace(id, state);
    co_await serve_requests(self, &tcp_stream, state, remote);
  } else {
    ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), *self->tls);
    state->lowest = &beast::get_lowest_layer(stream);
    self->connections.emplace(id, state);
    state->lowest->expires_after(self->options.io_timeout);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, k_tuple);
    if (hec) {
      spdlog::debug("http server: TLS handshake with {} failed: {}", remote, hec.message());
    } else {
      co_await serve_requests(self, &stream, state, remote);
    }
  }
  error_code ignored;
  state->lowest->socket().shutdown(tcp::socket::shutdown_both, ignored);
  state->lowest->socket().close(ignored);
  self->connections.erase(id);
}

// Answers a connection over the cap with a 503 without waiting: the few bytes fit in the
// socket's send buffer, and a peer that cannot take them is simply closed.
void reject_busy(tcp::socket socket) {
  static constexpr std::string_view k_busy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: offpeak\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: 32\r\n\r\n"
      "{\"error\":\"too many connections\"}";
  error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(k_busy.data(), k_busy.size()), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  spdlog::debug("http server: connection cap reached; refused a connection");
}

asio::awaitable<void> accept_loop(ImplPtr self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(k_tuple);
    if (self->stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("http server: accept failed: {}", ec.message());
      continue;
    }
    if (self->options.max_connections > 0 &&
        self->connections.size() >= self->options.max_connections) {
      reject_busy(std::move(socket));
      continue;
    }
    asio::co_spawn(self->ioc, run_connection(self, std::move(socket)), log_exception);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop();
}

boost::system::result<void, std::string> HttpServer::listen() {
  auto& o = impl_->options;
  if (o.tls_cert.has_value() != o.tls_key.has_value()) {
    return std::string("TLS needs both a certificate and a key");
  }
  error_code ec;
  if (o.tls_cert) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(o.tls_cert->string(), ec);
    if (ec) return "cannot load TLS certificate " + o.tls_cert->string() + ": " + ec.message();
    impl_->tls->use_private_key_file(o.tls_key->string(), ssl::context::pem, ec);
    if (ec) return "cannot load TLS key " + o.tls_key->string() + ": " + ec.message();
  }
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) return "not an IP address: '" + o.host + "'";
  const tcp::endpoint endpoint(address, o.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acc.close(ignored);
    return "cannot listen on " + endpoint_text(endpoint) + ": " + ec.message();
  }
  impl_->bound_port = acc.local_endpoint(ec).port();
  asio::co_spawn(impl_->ioc, accept_loop(impl_), log_exception);
  return {};
}

unsigned short HttpServer::port() const {
  return impl_->bound_port;
}
const std::string& HttpServer::host() const {
  return impl_->options.host;
}

void HttpServer::stop() {
  if (impl_->stopping) return;
  impl_->stopping = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& [id, state] : impl_->connections) {
    if (!state->busy && state->lowest) {
      state->lowest->socket().cancel(ignored);
      state->lowest->socket().close(ignored);
    }
  }
}

std::size_t HttpServer::connection_count() const {
  return impl_->connections.size();
}

}  // namespace offpeak::net
