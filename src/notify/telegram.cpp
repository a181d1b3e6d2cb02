// Telegram Bot API: POST <base_url>/bot<token>/sendMessage with JSON chat_id and text (the
// title on its own line above the message); non-urgent events arrive without a sound
// (disable_notification).
#include <offpeak/notify/channels.hpp>

#include <boost/json.hpp>

namespace offpeak::notify {

ChannelRequest build_telegram(const config::NotifyChannel& ch, const Outgoing& e,
                              const BuildContext&) {
  boost::json::object o;
  o["chat_id"] = ch.chat_id;
  o["text"] = e.title + "\n" + e.message;
  o["disable_notification"] = !e.urgent;
  net::ClientRequest r;
  r.method = "POST";
  r.url = net::join_url(ch.base_url, "/bot" + ch.token.reveal() + "/sendMessage");
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(o);
  return ChannelRequest{std::move(r), {}, {}};
}

}  // namespace offpeak::notify
