#pragma once
// Notification channels, the socket-free part: the event's JSON, and for each channel
// `type:` (an explicit registry) the exact request that delivers one event: an HTTP request
// (ntfy, pushover, telegram, webhook), an MQTT message (mqtt) or an e-mail (email). Sending
// is the caller's business (the daemon's notify bridge, `offpeak notify test`).
//
// Secrets (tokens, keys, passwords) are placed only in the requests built here; redact()
// removes them from any text (an error) before it is logged or stored.

#include <offpeak/config/notify_config.hpp>
#include <offpeak/domain/notify.hpp>
#include <offpeak/net/http.hpp>
#include <offpeak/net/smtp.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::notify {

// The contract's event JSON: {"event", "at", "title", "message", "urgent", "vehicle", "data"}.
std::string event_json(const NotifyEvent& e);

// An event as the outbox keeps it, ready for any channel.
struct Outgoing {
  std::string event;  // "target_at_risk", ...
  Instant at{};
  std::string title;
  std::string message;
  bool urgent = false;
  std::string json;  // event_json()
};
Outgoing outgoing(const NotifyEvent& e);

struct MqttMessage {
  std::string topic;    // <prefix>/event
  std::string payload;  // the event JSON
  int qos = 1;
  bool retain = false;  // events are never retained
};

struct EmailMessage {
  std::string url;                      // smtp://host:port or smtps://host:port for libcurl
  bool require_tls = true;              // STARTTLS required (smtp://) or implicit (smtps://)
  std::string mail_from;                // the bare address of `from`
  std::vector<std::string> recipients;  // bare addresses
  std::string data;                     // the RFC 5322 message, CRLF line ends
};

// What delivers one event on one channel: exactly one member is set.
struct ChannelRequest {
  std::optional<net::ClientRequest> http;
  std::optional<MqttMessage> mqtt;
  std::optional<EmailMessage> email;
};

struct BuildContext {
  std::string mqtt_prefix = "offpeak";  // the mqtt: section's topic prefix
  Instant now{};                        // the Date: of an e-mail
  std::string message_id_host = "offpeak.local";
};

using RequestBuilder = ChannelRequest (*)(const config::NotifyChannel&, const Outgoing&,
                                          const BuildContext&);

struct ChannelType {
  std::string_view type;  // the `type:` in the configuration
  RequestBuilder build;
};

// Every channel type, registered explicitly (registry.cpp).
std::span<const ChannelType> channel_types();
const ChannelType* find_channel_type(std::string_view type);

// The request for `channel`; throws std::invalid_argument for an unknown type (the
// configuration has rejected it before).
ChannelRequest build_request(const config::NotifyChannel& channel, const Outgoing& event,
                             const BuildContext& context);

// `text` with every secret of `channel` replaced by "***".
std::string redact(const config::NotifyChannel& channel, std::string text);

// The builders, one file each.
ChannelRequest build_ntfy(const config::NotifyChannel&, const Outgoing&, const BuildContext&);
ChannelRequest build_pushover(const config::NotifyChannel&, const Outgoing&, const BuildContext&);
ChannelRequest build_telegram(const config::NotifyChannel&, const Outgoing&, const BuildContext&);
ChannelRequest build_webhook(const config::NotifyChannel&, const Outgoing&, const BuildContext&);
ChannelRequest build_mqtt(const config::NotifyChannel&, const Outgoing&, const BuildContext&);
ChannelRequest build_email(const config::NotifyChannel&, const Outgoing&, const BuildContext&);

// The SMTP exchange for an e-mail of `channel` (credentials, CA file, deadline).
net::SmtpMessage smtp_message(const config::NotifyChannel& channel, const EmailMessage& email);

// application/x-www-form-urlencoded encoding of one value.
std::string form_encode(std::string_view value);

}  // namespace offpeak::notify
