#include <offpeak/notify/channels.hpp>

#include <boost/json.hpp>

namespace offpeak::notify {

std::string event_json(const NotifyEvent& e) {
  boost::json::object data;
  for (const auto& [k, v] : e.data) {
    if (const auto* b = std::get_if<bool>(&v))
      data[k] = *b;
    else if (const auto* d = std::get_if<double>(&v))
      data[k] = *d;
    else
      data[k] = std::get<std::string>(v);
  }
  boost::json::object o;
  o["event"] = to_string(e.kind);
  o["at"] = format_rfc3339(e.at);
  o["title"] = e.title;
  o["message"] = e.message;
  o["urgent"] = e.urgent;
  o["vehicle"] = e.vehicle;
  o["data"] = std::move(data);
  return boost::json::serialize(o);
}

Outgoing outgoing(const NotifyEvent& e) {
  return Outgoing{
      std::string(to_string(e.kind)), e.at, e.title, e.message, e.urgent, event_json(e)};
}

}  // namespace offpeak::notify
