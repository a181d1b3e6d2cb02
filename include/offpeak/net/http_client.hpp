#pragma once
// HTTP/1.1 client (http and https) on Asio C++20 coroutines. One request per connection,
// redirects are not followed, every failure is a value (HttpResult), never an exception.

#include <offpeak/net/http.hpp>

#include <boost/asio/awaitable.hpp>

namespace offpeak::net {

// Sends one request on the calling coroutine's executor and reads the answer.
// The whole exchange (DNS, connect, TLS handshake with SNI, peer and host-name verification,
// write, read) is bounded by options.timeout. Non-2xx answers become errors of kind
// http_status (with Retry-After parsed). The response body is limited to
// options.max_response_bytes. Never throws for network or protocol failures.
// Usage inside the daemon's io_context:
//   HttpResult r = co_await net::async_fetch(std::move(req), opts);
boost::asio::awaitable<HttpResult> async_fetch(ClientRequest request, ClientOptions options);

// Blocking convenience for the CLI and tests: runs async_fetch on a private io_context on
// the calling thread. Must not be called from inside a running io_context.
HttpResult fetch_blocking(const ClientRequest& request, const ClientOptions& options);

}  // namespace offpeak::net
