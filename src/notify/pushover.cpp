// Pushover: POST <base_url>/1/messages.json, form-encoded token, user, title, message,
// priority (1 = high for urgent events, 0 = normal) and timestamp (Unix seconds of the event).
#include <offpeak/notify/channels.hpp>

namespace offpeak::notify {

ChannelRequest build_pushover(const config::NotifyChannel& ch, const Outgoing& e,
                              const BuildContext&) {
  net::ClientRequest r;
  r.method = "POST";
  r.url = net::join_url(ch.base_url, "/1/messages.json");
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.body = "token=" + form_encode(ch.token.reveal()) +
           "&user=" + form_encode(ch.user_key.reveal()) + "&title=" + form_encode(e.title) +
           "&message=" + form_encode(e.message) + "&priority=" + (e.urgent ? "1" : "0") +
           "&timestamp=" + std::to_string(e.at.time_since_epoch().count());
  return ChannelRequest{std::move(r), {}, {}};
}

}  // namespace offpeak::notify
