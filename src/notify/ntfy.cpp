// ntfy: the message published as JSON (POST to the server's root with the topic in the body,
// docs.ntfy.sh "Publish as JSON"), so titles and messages may be any UTF-8; an access token
// as `Authorization: Bearer`.
#include <offpeak/notify/channels.hpp>

#include <boost/json.hpp>

namespace offpeak::notify {

ChannelRequest build_ntfy(const config::NotifyChannel& ch, const Outgoing& e, const BuildContext&) {
  // `url` is the server and topic: https://ntfy.sh/my-topic (a path prefix is kept).
  std::string server = ch.url;
  while (!server.empty() && server.back() == '/')
    server.pop_back();
  const auto slash = server.find_last_of('/');
  std::string topic = server.substr(slash + 1);
  server.erase(slash);
  boost::json::object o;
  o["topic"] = topic;
  o["title"] = e.title;
  o["message"] = e.message;
  o["priority"] = e.urgent ? 4 : 3;  // 4 = high, 3 = default
  o["tags"] = boost::json::array{e.event};
  net::ClientRequest r;
  r.method = "POST";
  r.url = server + "/";
  r.headers.emplace_back("Content-Type", "application/json");
  if (!ch.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + ch.token.reveal());
  r.body = boost::json::serialize(o);
  return ChannelRequest{std::move(r), {}, {}};
}

}  // namespace offpeak::notify
