#include <offpeak/api/api.hpp>
#include <offpeak/api/notify_api.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace offpeak::api {

namespace json = boost::json;

namespace {

json::value instant_or_null(const std::optional<Instant>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

// A label value with \ " and newlines escaped (exposition format 0.0.4).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

json::value notify_status_json(const NotifyStatus& s) {
  json::array channels;
  for (const auto& c : s.channels) {
    channels.push_back(json::object{
        {"name", c.name},
        {"type", c.type},
        {"failing", c.failing},
        {"failing_since", instant_or_null(c.failing_since)},
        {"last_error", c.last_error.empty() ? json::value(nullptr) : json::value(c.last_error)},
        {"sent", c.sent},
        {"failed", c.failed}});
  }
  return json::object{{"channels", std::move(channels)}, {"events", s.events}};
}

std::string notify_metrics_text(const NotifyStatus& s) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto sample = [&](const char* name, const NotifyChannelStatus& c, std::int64_t v) {
    out += std::string(name) + "{channel=\"" + label(c.name) + "\",type=\"" + label(c.type) +
           "\"} " + std::to_string(v) + "\n";
  };
  family("offpeak_notifications_sent_total", "counter",
         "Notifications a channel took, since start.");
  for (const auto& c : s.channels)
    sample("offpeak_notifications_sent_total", c, c.sent);
  family("offpeak_notifications_failed_total", "counter",
         "Failed attempts to deliver a notification, since start (each is retried).");
  for (const auto& c : s.channels)
    sample("offpeak_notifications_failed_total", c, c.failed);
  family("offpeak_notification_channel_failing", "gauge",
         "1 while a notification channel's last attempt failed, else 0.");
  for (const auto& c : s.channels)
    sample("offpeak_notification_channel_failing", c, c.failing ? 1 : 0);
  return out;
}

json::value notifications_json(const std::vector<store::OutboxEntry>& entries) {
  json::array out;
  for (const auto& e : entries) {
    json::array deliveries;
    for (const auto& d : e.deliveries) {
      deliveries.push_back(json::object{
          {"channel", d.channel},
          {"state", store::to_string(d.state)},
          {"attempts", d.attempts},
          {"sent_at", instant_or_null(d.sent_at)},
          {"last_error", d.last_error.empty() ? json::value(nullptr) : json::value(d.last_error)}});
    }
    out.push_back(json::object{{"event", e.event.event},
                               {"key", e.event.key},
                               {"at", format_rfc3339(e.event.at)},
                               {"not_before", format_rfc3339(e.event.not_before)},
                               {"urgent", e.event.urgent},
                               {"title", e.event.title},
                               {"message", e.event.message},
                               {"deliveries", std::move(deliveries)}});
  }
  return json::object{{"notifications", std::move(out)}};
}

boost::asio::awaitable<net::ServerResponse> get_notifications(ApiBackend* backend,
                                                              net::ServerRequest req) {
  int limit = 20;
  if (auto l = query_param(req.query, "limit")) {
    char* end = nullptr;
    const long v = std::strtol(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 1 || v > 200) {
      co_return net::make_response(
          400,
          json::serialize(json::object{{"error", "limit must be a whole number from 1 to 200"}}),
          "application/json");
    }
    limit = static_cast<int>(v);
  }
  std::vector<store::OutboxEntry> rows = co_await backend->notifications(limit);
  co_return net::make_response(200, json::serialize(notifications_json(rows)), "application/json");
}

}  // namespace offpeak::api
