// The `notify:` list, `quiet_hours:` and `plug_reminder:` of the main file.

#include "yaml_reader.hpp"

#include <offpeak/config/notify_config.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace offpeak::config {

bool NotifyChannel::wants(EventKind kind) const {
  if (kind == EventKind::test || !events) return true;
  for (EventKind k : *events)
    if (k == kind) return true;
  return false;
}

namespace detail {

namespace {

// What each channel type accepts besides type, events, timeout.
const std::map<std::string, std::vector<std::string_view>>& channel_keys() {
  static const std::map<std::string, std::vector<std::string_view>> keys = {
      {"ntfy", {"url", "token_file", "ca_file"}},
      {"pushover", {"user_key_file", "token_file", "base_url", "ca_file"}},
      {"telegram", {"token_file", "chat_id", "base_url", "ca_file"}},
      {"email", {"smtp", "username", "password_file", "from", "to", "ca_file"}},
      {"webhook", {"url", "token_file", "ca_file"}},
      {"mqtt", {}},
  };
  return keys;
}

std::string type_list() {
  std::string out;
  for (const auto& [name, keys] : channel_keys())
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

// A secret file's content without trailing newlines; never echoes the content.
std::optional<Secret> read_secret(const std::filesystem::path& p, const YAML::Node* at, Reader& r,
                                  const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  auto fail = [&](const std::string& msg) {
    if (at)
      r.error_at(*at, msg);
    else
      r.file_error(msg);
  };
  if (!in) {
    fail("cannot read the " + what + " file " + p.string() + ": " + std::strerror(errno));
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string v = buf.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' '))
    v.pop_back();
  if (v.empty()) {
    fail("the " + what + " file " + p.string() + " is empty");
    return std::nullopt;
  }
  return Secret(std::move(v));
}

// A secret from `<key>` (a file path), else the credential `notify-<channel>-<suffix>` when
// given. `required`: an error at the channel when neither is there.
void secret(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
            const Environment& env, const std::string& channel, std::string_view key,
            const std::string& what, bool required, Secret& out) {
  if (auto n = Reader::child(node, key)) {
    if (auto p = r.path(*n, dir)) {
      if (auto s = read_secret(*p, &*n, r, channel + " " + what)) out = std::move(*s);
    }
    return;
  }
  std::string suffix(key.substr(0, key.size() - 5));  // without "_file"
  for (auto& c : suffix)
    if (c == '_') c = '-';
  const std::string credential = "notify-" + channel + "-" + suffix;
  if (env.credentials_directory) {
    const auto p = *env.credentials_directory / credential;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      std::string v = buf.str();
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' '))
        v.pop_back();
      if (!v.empty()) {
        out = Secret(std::move(v));
        return;
      }
    }
  }
  if (required && !r.misspelt(node, key)) {
    r.error_at_parent(node, "notify channel " + channel + " needs '" + std::string(key) +
                                "' (or the systemd credential " + credential + ")");
  }
}

std::optional<std::string> http_url(const YAML::Node& n, Reader& r) {
  auto s = r.string(n, "an http:// or https:// URL");
  if (!s) return std::nullopt;
  if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
    r.error_at(n, "expected an http:// or https:// URL, got " + quoted(n));
    return std::nullopt;
  }
  std::string v = *s;
  return v;
}

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

void parse_channel(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                   const Environment& env, std::map<std::string, int>& seen, NotifyChannel& ch) {
  if (!node.IsMap()) {
    r.error_at(node, "expected a notify channel mapping with a 'type:' (" + type_list() +
                         "), got " + quoted(node));
    return;
  }
  auto type_node = Reader::child(node, "type");
  if (!type_node) {
    r.error_at(node, "a notify channel needs 'type:' (" + type_list() + ")");
    return;
  }
  auto type = r.string(*type_node, "a channel type");
  if (!type) return;
  auto it = channel_keys().find(*type);
  if (it == channel_keys().end()) {
    r.error_at(*type_node, "unknown notify channel type " + quoted(*type_node) +
                               "; expected one of " + type_list());
    return;
  }
  ch.type = *type;
  const int n = ++seen[ch.type];
  ch.name = n == 1 ? ch.type : ch.type + "-" + std::to_string(n);
  // check_map takes an initializer_list: check the common keys and the type's own by hand.
  std::vector<std::string_view> allowed = {"type", "events", "timeout"};
  allowed.insert(allowed.end(), it->second.begin(), it->second.end());
  for (auto kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (auto a : allowed)
        list += (list.empty() ? "" : ", ") + std::string(a);
      r.error_at(kv.first, "unknown key '" + key + "' in a notify channel of type " + ch.type +
                               " (expected " + list + ")");
    }
  }
  if (auto e = Reader::child(node, "events")) {
    if (!e->IsSequence()) {
      r.error_at(*e, "expected a list of events such as [target_at_risk, not_plugged_in], got " +
                         quoted(*e));
    } else {
      ch.events.emplace();
      for (const auto& item : *e) {
        auto k = item.IsScalar() ? parse_event_kind(item.Scalar()) : std::nullopt;
        if (!k || *k == EventKind::test) {
          r.error_at(item, "unknown event " + quoted(item) +
                               "; expected target_at_risk, target_missed, not_plugged_in, "
                               "session_done, account_problem, device_offline or cheap_energy");
        } else {
          ch.events->push_back(*k);
        }
      }
    }
  }
  if (auto t = Reader::child(node, "timeout")) {
    if (auto d = r.duration(*t)) ch.timeout = *d;
  }
  if (auto c = Reader::child(node, "ca_file")) {
    if (auto p = r.path(*c, dir)) ch.ca_file = *p;
  }
  if (ch.type == "ntfy" || ch.type == "webhook") {
    if (auto u = r.required(node, "url", "notify channel " + ch.name)) {
      if (auto v = http_url(*u, r)) ch.url = *v;
    }
    secret(node, r, dir, env, ch.name, "token_file", "token", false, ch.token);
  } else if (ch.type == "pushover" || ch.type == "telegram") {
    ch.base_url = ch.type == "pushover" ? "https://api.pushover.net" : "https://api.telegram.org";
    if (auto b = Reader::child(node, "base_url")) {
      if (auto v = http_url(*b, r)) ch.base_url = *v;
    }
    while (!ch.base_url.empty() && ch.base_url.back() == '/')
      ch.base_url.pop_back();
    secret(node, r, dir, env, ch.name, "token_file",
           ch.type == "pushover" ? "application token" : "bot token", true, ch.token);
    if (ch.type == "pushover") {
      secret(node, r, dir, env, ch.name, "user_key_file", "user key", true, ch.user_key);
    } else if (auto c = r.required(node, "chat_id", "notify channel " + ch.name)) {
      if (auto v = r.string(*c, "a Telegram chat id such as \"123456789\" or \"@channel\""))
        ch.chat_id = *v;
    }
  } else if (ch.type == "email") {
    if (auto s = r.required(node, "smtp", "notify channel " + ch.name)) {
      if (auto v = r.string(*s, "an smtp:// or smtps:// URL")) {
        const bool starttls = v->rfind("smtp://", 0) == 0;
        const bool implicit = v->rfind("smtps://", 0) == 0;
        const bool insecure = v->rfind("smtp+insecure://", 0) == 0;
        if (!starttls && !implicit && !insecure) {
          r.error_at(*s,
                     "expected smtp://host:port (STARTTLS), smtps://host:port (implicit TLS) "
                     "or smtp+insecure://127.0.0.1:port (loopback only), got " +
                         quoted(*s));
        } else if (insecure) {
          std::string rest = v->substr(std::string("smtp+insecure://").size());
          std::string host = rest.substr(0, rest.find_last_of(':'));
          if (rest.find(':') == std::string::npos) host = rest;
          if (!loopback_host(host)) {
            r.error_at(*s,
                       "smtp+insecure:// sends without TLS and is only allowed to a "
                       "loopback server (127.0.0.1, ::1, localhost), got " +
                           quoted(*s));
          } else {
            ch.smtp = *v;
          }
        } else {
          ch.smtp = *v;
        }
      }
    }
    if (auto u = Reader::child(node, "username")) {
      if (auto v = r.string(*u, "an SMTP user name")) ch.username = *v;
    }
    secret(node, r, dir, env, ch.name, "password_file", "SMTP password", !ch.username.empty(),
           ch.password);
    if (auto f = r.required(node, "from", "notify channel " + ch.name)) {
      if (auto v = r.string(*f, "a sender address such as offpeak <offpeak@example.com>"))
        ch.from = *v;
    }
    if (auto t = r.required(node, "to", "notify channel " + ch.name)) {
      if (t->IsScalar()) {
        ch.to.push_back(t->Scalar());
      } else if (t->IsSequence() && t->size() > 0) {
        for (const auto& item : *t)
          if (auto v = r.string(item, "an e-mail address")) ch.to.push_back(*v);
      } else {
        r.error_at(*t, "expected one or more e-mail addresses, got " + quoted(*t));
      }
    }
  }
}

}  // namespace

void parse_notify(const YAML::Node& root, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, NotifyConfig& out) {
  if (auto n = Reader::child(root, "notify")) {
    if (!n->IsSequence()) {
      r.error_at(*n, "expected a list of notify channels (- type: ntfy ...), got " + quoted(*n));
    } else {
      std::map<std::string, int> seen;
      for (const auto& item : *n) {
        NotifyChannel ch;
        parse_channel(item, r, dir, env, seen, ch);
        if (!ch.type.empty()) out.channels.push_back(std::move(ch));
      }
    }
  }
  if (auto q = Reader::child(root, "quiet_hours")) {
    if (r.check_map(*q, "quiet_hours", {"from", "to"})) {
      auto from = r.required(*q, "from", "quiet_hours");
      auto to = r.required(*q, "to", "quiet_hours");
      std::optional<TimeOfDay> f;
      std::optional<TimeOfDay> t;
      if (from) f = r.time_of_day(*from, false);
      if (to) t = r.time_of_day(*to, false);
      if (f && t) {
        if (f->minutes == t->minutes)
          r.error_at(*to,
                     "quiet_hours: 'from' and 'to' are the same time; give a window such "
                     "as from: \"22:30\", to: \"07:00\"");
        else
          out.quiet_hours = QuietHours{*f, *t};
      }
    }
  }
  if (auto p = Reader::child(root, "plug_reminder")) {
    if (auto t = r.time_of_day(*p, false)) out.plug_reminder = *t;
  }
}

}  // namespace detail
}  // namespace offpeak::config
