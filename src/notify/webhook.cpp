// webhook: a JSON POST of the event (the contract's JSON) to `url`; an optional token as
// `Authorization: Bearer`.
#include <offpeak/notify/channels.hpp>

namespace offpeak::notify {

ChannelRequest build_webhook(const config::NotifyChannel& ch, const Outgoing& e,
                             const BuildContext&) {
  net::ClientRequest r;
  r.method = "POST";
  r.url = ch.url;
  r.headers.emplace_back("Content-Type", "application/json");
  if (!ch.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + ch.token.reveal());
  r.body = e.json;
  return ChannelRequest{std::move(r), {}, {}};
}

}  // namespace offpeak::notify
