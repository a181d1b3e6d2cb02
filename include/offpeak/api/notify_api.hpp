#pragma once
// The notification channels in /api/v1/status and /metrics, and the recent events of
// GET /api/v1/notifications (notify_api.cpp). No secrets: channels by name and type only.

#include <offpeak/domain/time.hpp>
#include <offpeak/net/http_server.hpp>
#include <offpeak/store/outbox.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::api {

struct NotifyChannelStatus {
  std::string name;  // "ntfy", "webhook-2"
  std::string type;
  bool failing = false;  // the last attempt failed
  std::optional<Instant> failing_since;
  std::string last_error;   // plain words, secrets redacted
  std::int64_t sent = 0;    // since start
  std::int64_t failed = 0;  // failed attempts since start
};

struct NotifyStatus {
  std::vector<NotifyChannelStatus> channels;
  std::int64_t events = 0;  // events stored since start
};

boost::json::value notify_status_json(const NotifyStatus& s);
// The metrics lines (HELP, TYPE and samples) of the notification families.
std::string notify_metrics_text(const NotifyStatus& s);
// {"notifications": [{"event", "key", "at", "not_before", "urgent", "title", "message",
// "deliveries": [{"channel", "state", "attempts", "sent_at", "last_error"}]}]}
boost::json::value notifications_json(const std::vector<store::OutboxEntry>& entries);

class ApiBackend;
// GET /api/v1/notifications?limit=N: the newest N events (default 20, 1..200; 400 otherwise).
boost::asio::awaitable<net::ServerResponse> get_notifications(ApiBackend* backend,
                                                              net::ServerRequest req);

}  // namespace offpeak::api
