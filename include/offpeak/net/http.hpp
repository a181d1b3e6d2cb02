#pragma once
// Plain value types shared by the HTTP client and server. No Asio or Beast here.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offpeak::net {

// Header list in arrival order. Names compare case-insensitively through find_header().
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header called `name` (case-insensitive), or nullopt.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

// An absolute http:// or https:// URL split into parts.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // always set ("80"/"443" by default)
  std::string target;  // path and query, "/" when empty
  bool tls() const { return scheme == "https"; }
};

// Parses "http[s]://host[:port][/path][?query]". nullopt on anything else (other schemes,
// user info, empty host, bad port).
std::optional<Url> parse_url(std::string_view text);

// Joins a base URL ("https://host[:port][/prefix]") and an absolute path ("/api/x").
std::string join_url(std::string_view base, std::string_view path);

// One outbound request.
struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL
  Headers headers;  // Host, Content-Length and User-Agent are added by the client
  std::string body;
};

// A complete response (any status).
struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Knobs for one request.
struct ClientOptions {
  // Whole-request deadline covering DNS, connect, TLS handshake, write and read.
  std::chrono::milliseconds timeout{30000};
  // Largest accepted response body in bytes; bigger answers fail with bad_body.
  std::size_t max_response_bytes = 1024 * 1024;
  // Extra PEM CA file trusted in addition to the system store (https only). Peer and host
  // name verification are always on; there is no option to turn them off.
  std::optional<std::filesystem::path> ca_file;
};

// What went wrong with a request, in categories a caller can act on.
enum class HttpErrorKind {
  unreachable,  // bad URL, DNS failure, connection refused or reset, closed without answer
  timeout,      // the whole-request deadline passed
  tls,          // handshake or certificate verification failed
  http_status,  // the server answered with a status outside 200..299
  bad_body,     // the answer was not valid HTTP, too large or truncated
};

std::string_view to_string(HttpErrorKind kind);

struct HttpError {
  HttpErrorKind kind = HttpErrorKind::unreachable;
  int status = 0;  // set for http_status
  // Parsed Retry-After (delta seconds or HTTP date) for http_status, when present.
  std::optional<std::chrono::seconds> retry_after;
  std::string message;  // human readable; never contains request headers or bodies
};

// Either a 2xx response or an error. Non-2xx answers are errors of kind http_status.
struct HttpResult {
  std::optional<ClientResponse> response;
  HttpError error;
  bool ok() const { return response.has_value(); }
};

// Parses a Retry-After value: delta seconds ("120") or an IMF-fixdate relative to `now`.
// nullopt when malformed; negative deltas become 0.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace offpeak::net
