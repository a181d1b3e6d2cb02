#pragma once
// The `notify:` list (channels), `quiet_hours:` and `plug_reminder:` of the main file
// (docs/notify.md). Secrets come from files or systemd credentials and are `Secret`s.

#include <offpeak/config/secret.hpp>
#include <offpeak/domain/notify.hpp>
#include <offpeak/domain/time.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::config {

// One channel. Which fields apply depends on `type`:
//   ntfy:     url (server and topic), token (optional access token)
//   pushover: base_url, token (application), user_key
//   telegram: base_url, token (bot), chat_id
//   webhook:  url (JSON POST of the event)
//   email:    smtp (smtp:// STARTTLS, smtps:// implicit TLS, smtp+insecure:// loopback only),
//             username, password, from, to
//   mqtt:     none (the `mqtt:` section's broker and topic prefix)
struct NotifyChannel {
  std::string type;
  std::string name;  // "ntfy", or "ntfy-2" for the second ntfy channel: the outbox's key
  std::string url;
  std::string base_url;
  Secret token;     // ntfy access token, Pushover application token, Telegram bot token
  Secret user_key;  // Pushover user key
  std::string chat_id;
  std::string smtp;
  std::string username;
  Secret password;  // SMTP
  std::string from;
  std::vector<std::string> to;
  std::optional<std::filesystem::path> ca_file;  // extra CA (https, smtps, STARTTLS)
  std::optional<std::vector<EventKind>> events;  // nullopt: every event
  std::chrono::seconds timeout{15};              // whole-request deadline of one delivery

  // Whether this channel carries `kind` (the test event always).
  bool wants(EventKind kind) const;
  friend bool operator==(const NotifyChannel&, const NotifyChannel&) = default;
};

struct NotifyConfig {
  std::vector<NotifyChannel> channels;
  std::optional<QuietHours> quiet_hours;
  std::optional<TimeOfDay> plug_reminder;
};

}  // namespace offpeak::config
