#pragma once
// Sending one e-mail over SMTP with libcurl: STARTTLS (smtp://, required unless told
// otherwise) or implicit TLS (smtps://), AUTH when a user name is given, the server's
// certificate and host name verified (against `ca_file` when given, else the system store).
// Blocking: call it on a worker thread, never on an event loop.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::net {

struct SmtpMessage {
  std::string url;          // smtp://host:port or smtps://host:port
  bool require_tls = true;  // smtp://: STARTTLS or fail. false only for a loopback test server
  std::string username;     // empty: no AUTH
  std::string password;     // a secret: never logged
  std::string mail_from;    // bare address
  std::vector<std::string> recipients;  // bare addresses
  std::string data;                     // the RFC 5322 message, CRLF line ends
  std::optional<std::filesystem::path> ca_file;
  std::chrono::milliseconds timeout{30000};  // the whole exchange
};

// Empty when the server accepted the message for every recipient, else the cause in plain
// words (libcurl's error and the server's reply), without the password.
std::string send_mail(const SmtpMessage& message);

}  // namespace offpeak::net
