#include <offpeak/net/websocket_server.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <unordered_map>

namespace offpeak::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

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
    spdlog::error("websocket server: connection failed: {}", ex.what());
  }
}

std::string close_reason(const error_code& ec) {
  if (ec == websocket::error::closed) return "closed by the peer";
  if (ec == websocket::error::message_too_big) return "message too large";
  if (ec == beast::error::timeout) return "no answer to keepalive pings";
  if (ec == asio::error::operation_aborted) return "closed";
  if (ec == asio::error::eof || ec == asio::error::connection_reset) return "connection lost";
  return ec.message();
}

}  // namespace

struct WebSocketServer::Impl : std::enable_shared_from_this<WebSocketServer::Impl> {
  Impl(asio::io_context& io, WsServerOptions o, WsCallbacks c)
      : ioc(io), options(std::move(o)), callbacks(std::move(c)), acceptor(io) {}
  asio::io_context& ioc;
  WsServerOptions options;
  WsCallbacks callbacks;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  unsigned short bound_port = 0;
  bool stopping = false;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<WsConnection>> open;
};

namespace {

using ImplPtr = std::shared_ptr<WebSocketServer::Impl>;

template <class Next>
class Connection final : public WsConnection,
                         public std::enable_shared_from_this<Connection<Next>> {
 public:
  Connection(Next next, std::uint64_t id, std::string remote)
      : ws(std::move(next)), id_(id), remote_(std::move(remote)) {}
  void send(std::string text) override {
    if (closed) return;
    queue.push_back(std::move(text));
    if (!writing) {
      writing = true;
      asio::co_spawn(ws.get_executor(), write_loop(this->shared_from_this()), log_exception);
    }
  }
  void close() override {
    if (closed) return;
    closed = true;
    error_code ignored;
    auto& sock = beast::get_lowest_layer(ws).socket();
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }
  std::uint64_t id() const override { return id_; }
  const std::string& remote() const override { return remote_; }

  static asio::awaitable<void> write_loop(std::shared_ptr<Connection> self) {
    while (!self->queue.empty() && !self->closed) {
      std::string text = std::move(self->queue.front());
      self->queue.pop_front();
      self->ws.text(true);
      auto [ec, n] = co_await self->ws.async_write(asio::buffer(text), k_tuple);
      (void)n;
      if (ec) {
        self->close();
        break;
      }
    }
    self->queue.clear();
    self->writing = false;
  }

  websocket::stream<Next> ws;
  std::deque<std::string> queue;
  bool writing = false;
  bool closed = false;

 private:
  std::uint64_t id_;
  std::string remote_;
};

// Reads the upgrade, asks the caller, answers or accepts, then reads messages until closed.
template <class Next>
asio::awaitable<void> serve(ImplPtr self, Next next, std::string remote) {
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(1024);
  beast::get_lowest_layer(next).expires_after(self->options.handshake_timeout);
  auto [rec, rn] = co_await http::async_read(next, buffer, parser, k_tuple);
  (void)rn;
  if (rec) co_return;
  auto req = parser.release();
  WsUpgrade up;
  std::string target(req.target());
  up.path = target.substr(0, target.find('?'));
  for (const auto& f : req)
    up.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  up.remote = remote;
  WsDecision d;
  if (!websocket::is_upgrade(req)) {
    d.status = 426;
    d.body = "a WebSocket upgrade is expected here\n";
    d.headers.emplace_back("Upgrade", "websocket");
  } else if (self->callbacks.accept) {
    d = self->callbacks.accept(up);
  }
  if (d.status != 101 || self->stopping) {
    http::response<http::string_body> res{
        static_cast<http::status>(d.status == 101 ? 503 : d.status), req.version()};
    res.set(http::field::server, "offpeak");
    res.set(http::field::content_type, "text/plain");
    for (const auto& [k, v] : d.headers)
      res.set(k, v);
    res.body() = d.body;
    res.keep_alive(false);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(next, res, k_tuple);
    (void)wec;
    (void)wn;
    error_code ignored;
    beast::get_lowest_layer(next).socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  beast::get_lowest_layer(next).expires_never();
  const std::uint64_t id = self->next_id++;
  auto conn = std::make_shared<Connection<Next>>(std::move(next), id, remote);
  auto& ws = conn->ws;
  websocket::stream_base::timeout t{};
  t.handshake_timeout = self->options.handshake_timeout;
  t.idle_timeout = self->options.idle_timeout;
  t.keep_alive_pings = true;
  ws.set_option(t);
  ws.read_message_max(self->options.max_message_bytes);
  const std::string sub = d.subprotocol;
  ws.set_option(websocket::stream_base::decorator([sub](websocket::response_type& res) {
    res.set(http::field::server, "offpeak");
    if (!sub.empty()) res.set(http::field::sec_websocket_protocol, sub);
  }));
  auto [aec] = co_await ws.async_accept(req, k_tuple);
  if (aec) co_return;
  self->open[id] = conn;
  if (self->callbacks.opened) self->callbacks.opened(conn, up);
  std::string why;
  for (;;) {
    beast::flat_buffer in;
    auto [ec, n] = co_await ws.async_read(in, k_tuple);
    (void)n;
    if (ec) {
      why = conn->closed ? std::string("closed") : close_reason(ec);
      break;
    }
    if (!ws.got_text()) continue;  // OCPP-J is text; binary frames are ignored
    std::string text = beast::buffers_to_string(in.data());
    if (self->callbacks.message) self->callbacks.message(*conn, std::move(text));
  }
  conn->close();
  self->open.erase(id);
  if (self->callbacks.closed) self->callbacks.closed(*conn, why);
}

asio::awaitable<void> run_connection(ImplPtr self, tcp::socket socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string("?") : endpoint_text(peer);
  beast::tcp_stream stream(std::move(socket));
  if (!self->tls) {
    co_await serve(self, std::move(stream), remote);
    co_return;
  }
  ssl::stream<beast::tcp_stream> tls(std::move(stream), *self->tls);
  beast::get_lowest_layer(tls).expires_after(self->options.handshake_timeout);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::server, k_tuple);
  if (hec) {
    spdlog::debug("websocket server: TLS handshake with {} failed: {}", remote, hec.message());
    co_return;
  }
  co_await serve(self, std::move(tls), remote);
}

asio::awaitable<void> accept_loop(ImplPtr self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(k_tuple);
    if (self->stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("websocket server: accept failed: {}", ec.message());
      continue;
    }
    if (self->open.size() >= 16) {  // one charger; a few stale ones at most
      error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(self->ioc, run_connection(self, std::move(socket)), log_exception);
  }
}

}  // namespace

WebSocketServer::WebSocketServer(asio::io_context& ioc, WsServerOptions options,
                                 WsCallbacks callbacks)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(callbacks))) {}

WebSocketServer::~WebSocketServer() {
  stop();
}

boost::system::result<void, std::string> WebSocketServer::listen() {
  auto& o = impl_->options;
  error_code ec;
  if (o.tls_cert.has_value() != o.tls_key.has_value()) {
    return std::string("TLS needs both a certificate and a key");
  }
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

unsigned short WebSocketServer::port() const {
  return impl_->bound_port;
}

void WebSocketServer::stop() {
  if (impl_->stopping) return;
  impl_->stopping = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  auto open = impl_->open;
  for (auto& [id, weak] : open) {
    if (auto c = weak.lock()) c->close();
  }
}

std::size_t WebSocketServer::connection_count() const {
  return impl_->open.size();
}

}  // namespace offpeak::net
