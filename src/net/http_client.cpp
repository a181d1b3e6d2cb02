#include <offpeak/net/http_client.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <memory>

namespace offpeak::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto k_tuple = asio::as_tuple(asio::use_awaitable);

// State shared between the request coroutine and its deadline timer, so the timer's
// completion handler never outlives what it touches.
struct Exchange {
  Exchange(const asio::any_io_executor& ex, ssl::context& ctx)
      : resolver(ex), stream(ex, ctx), timer(ex) {}
  tcp::resolver resolver;
  ssl::stream<tcp::socket> stream;
  asio::steady_timer timer;
  bool timed_out = false;
  bool host_mismatch = false;
  std::string phase = "resolving";
};

HttpError make_error(HttpErrorKind kind, std::string message) {
  HttpError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

HttpResult fail(HttpErrorKind kind, std::string message) {
  HttpResult r;
  r.error = make_error(kind, std::move(message));
  return r;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string where(const Url& url) {
  return url.scheme + "://" + url.host + ":" + url.port;
}

HttpResult timeout_result(const Exchange& ex, const Url& url, const ClientOptions& options) {
  return fail(HttpErrorKind::timeout, "no answer from " + where(url) + " within " +
                                          std::to_string(options.timeout.count()) + " ms (" +
                                          ex.phase + ")");
}

std::string tls_message(Exchange& ex, const Url& url, const error_code& ec) {
  if (ex.host_mismatch) {
    return "TLS: the certificate of " + where(url) + " does not match the host name '" + url.host +
           "'";
  }
  const long verify = SSL_get_verify_result(ex.stream.native_handle());
  if (verify != X509_V_OK) {
    return "TLS: certificate of " + where(url) +
           " not trusted: " + X509_verify_cert_error_string(verify);
  }
  return "TLS handshake with " + where(url) + " failed: " + ec.message();
}

HttpResult read_error(const error_code& ec, bool started, const Url& url,
                      const ClientOptions& options) {
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow ||
      ec == http::error::header_limit) {
    return fail(HttpErrorKind::bad_body, "response from " + where(url) + " larger than " +
                                             std::to_string(options.max_response_bytes) + " bytes");
  }
  if (ec == http::error::partial_message ||
      (started && (ec == http::error::end_of_stream || ec == ssl::error::stream_truncated))) {
    return fail(HttpErrorKind::bad_body, "response from " + where(url) + " truncated");
  }
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
      ec != http::error::end_of_stream) {
    return fail(HttpErrorKind::bad_body,
                "invalid HTTP response from " + where(url) + ": " + ec.message());
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == ssl::error::stream_truncated) {
    return fail(HttpErrorKind::unreachable,
                where(url) + " closed the connection without an answer");
  }
  return fail(HttpErrorKind::unreachable,
              "connection to " + where(url) + " failed while reading: " + ec.message());
}

asio::awaitable<HttpResult> run_exchange(std::shared_ptr<Exchange> ex, Url url,
                                         ClientRequest request, ClientOptions options) {
  const bool tls = url.tls();
  auto [rec, endpoints] = co_await ex->resolver.async_resolve(url.host, url.port, k_tuple);
  if (ex->timed_out) co_return timeout_result(*ex, url, options);
  if (rec)
    co_return fail(HttpErrorKind::unreachable,
                   "cannot resolve '" + url.host + "': " + rec.message());

  ex->phase = "connecting";
  auto [cec, endpoint] = co_await asio::async_connect(ex->stream.next_layer(), endpoints, k_tuple);
  if (ex->timed_out) co_return timeout_result(*ex, url, options);
  if (cec) {
    co_return fail(HttpErrorKind::unreachable,
                   "cannot connect to " + where(url) + ": " + cec.message());
  }

  if (tls) {
    ex->phase = "TLS handshake";
    if (!is_ip_literal(url.host)) {
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is its expansion.
      SSL_ctrl(ex->stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str()));
    }
    ex->stream.set_verify_mode(ssl::verify_peer);
    std::weak_ptr<Exchange> weak = ex;
    ex->stream.set_verify_callback(
        [weak, host = url.host](bool preverified, ssl::verify_context& vctx) {
          if (!preverified) return false;
          ssl::host_name_verification check(host);
          const bool ok = check(preverified, vctx);
          if (!ok) {
            if (auto strong = weak.lock()) strong->host_mismatch = true;
          }
          return ok;
        });
    auto [hec] = co_await ex->stream.async_handshake(ssl::stream_base::client, k_tuple);
    if (ex->timed_out) co_return timeout_result(*ex, url, options);
    if (hec) co_return fail(HttpErrorKind::tls, tls_message(*ex, url, hec));
  }

  ex->phase = "sending the request";
  http::request<http::string_body> req;
  const auto verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(url.target);
  req.version(11);
  const bool default_port = url.port == (tls ? "443" : "80");
  const std::string host_field =
      (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) +
      (default_port ? "" : ":" + url.port);
  req.set(http::field::host, host_field);
  req.set(http::field::user_agent, "offpeak");
  for (const auto& [name, value] : request.headers)
    req.set(name, value);
  req.body() = std::move(request.body);
  req.prepare_payload();
  req.keep_alive(false);

  error_code wec;
  if (tls) {
    auto [e, n] = co_await http::async_write(ex->stream, req, k_tuple);
    wec = e;
  } else {
    auto [e, n] = co_await http::async_write(ex->stream.next_layer(), req, k_tuple);
    wec = e;
  }
  if (ex->timed_out) co_return timeout_result(*ex, url, options);
  if (wec) {
    co_return fail(HttpErrorKind::unreachable,
                   "connection to " + where(url) + " failed while sending: " + wec.message());
  }

  ex->phase = "waiting for the answer";
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  parser.header_limit(64 * 1024);
  error_code rec2;
  if (tls) {
    auto [e, n] = co_await http::async_read(ex->stream, buffer, parser, k_tuple);
    rec2 = e;
  } else {
    auto [e, n] = co_await http::async_read(ex->stream.next_layer(), buffer, parser, k_tuple);
    rec2 = e;
  }
  if (ex->timed_out) co_return timeout_result(*ex, url, options);
  if (rec2) co_return read_error(rec2, parser.got_some(), url, options);

  error_code ignored;
  ex->stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  ex->stream.next_layer().close(ignored);

  auto msg = parser.release();
  ClientResponse response;
  response.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(msg.body());
  if (response.status < 200 || response.status > 299) {
    HttpResult r;
    r.error = make_error(HttpErrorKind::http_status,
                         where(url) + " answered HTTP " + std::to_string(response.status));
    r.error.status = response.status;
    if (auto ra = find_header(response.headers, "Retry-After")) {
      r.error.retry_after = parse_retry_after(*ra, std::chrono::system_clock::now());
    }
    co_return r;
  }
  HttpResult ok;
  ok.response = std::move(response);
  co_return ok;
}

}  // namespace

asio::awaitable<HttpResult> async_fetch(ClientRequest request, ClientOptions options) {
  const auto url = parse_url(request.url);
  if (!url) co_return fail(HttpErrorKind::unreachable, "not an http(s) URL: '" + request.url + "'");

  ssl::context ctx(ssl::context::tls_client);
  if (url->tls()) {
    error_code ec;
    ctx.set_default_verify_paths(ec);
    if (ec) co_return fail(HttpErrorKind::tls, "cannot load the system CA store: " + ec.message());
    if (options.ca_file) {
      ctx.load_verify_file(options.ca_file->string(), ec);
      if (ec) {
        co_return fail(HttpErrorKind::tls,
                       "cannot load CA file " + options.ca_file->string() + ": " + ec.message());
      }
    }
  }
  auto executor = co_await asio::this_coro::executor;
  auto ex = std::make_shared<Exchange>(executor, ctx);
  ex->timer.expires_after(options.timeout);
  ex->timer.async_wait([ex](const error_code& ec) {
    if (ec) return;
    ex->timed_out = true;
    ex->resolver.cancel();
    error_code ignored;
    ex->stream.next_layer().close(ignored);
  });
  HttpResult result = co_await run_exchange(ex, *url, std::move(request), options);
  ex->timer.cancel();
  error_code ignored;
  ex->stream.next_layer().close(ignored);
  if (!result.ok()) {
    spdlog::debug("http: {} {} failed: {}", to_string(result.error.kind), where(*url),
                  result.error.message);
  }
  co_return result;
}

HttpResult fetch_blocking(const ClientRequest& request, const ClientOptions& options) {
  asio::io_context ioc;
  HttpResult out = fail(HttpErrorKind::unreachable, "request did not complete");
  asio::co_spawn(ioc, async_fetch(request, options), [&out](std::exception_ptr e, HttpResult r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  ioc.run();
  return out;
}

}  // namespace offpeak::net
