#include <offpeak/notify/channels.hpp>

#include <array>
#include <cctype>
#include <stdexcept>

namespace offpeak::notify {

namespace {

// The channel types, in the order the documentation lists them.
constexpr std::array<ChannelType, 6> k_types = {{
    {"ntfy", &build_ntfy},
    {"pushover", &build_pushover},
    {"telegram", &build_telegram},
    {"email", &build_email},
    {"webhook", &build_webhook},
    {"mqtt", &build_mqtt},
}};

}  // namespace

std::span<const ChannelType> channel_types() {
  return k_types;
}

const ChannelType* find_channel_type(std::string_view type) {
  for (const auto& t : k_types)
    if (t.type == type) return &t;
  return nullptr;
}

ChannelRequest build_request(const config::NotifyChannel& channel, const Outgoing& event,
                             const BuildContext& context) {
  const ChannelType* t = find_channel_type(channel.type);
  if (!t) throw std::invalid_argument("unknown notify channel type " + channel.type);
  return t->build(channel, event, context);
}

std::string redact(const config::NotifyChannel& channel, std::string text) {
  for (const config::Secret* s : {&channel.token, &channel.user_key, &channel.password}) {
    const std::string& v = s->reveal();
    if (v.empty()) continue;
    for (std::size_t at = text.find(v); at != std::string::npos; at = text.find(v, at + 3))
      text.replace(at, v.size(), "***");
  }
  return text;
}

std::string form_encode(std::string_view value) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

}  // namespace offpeak::notify
