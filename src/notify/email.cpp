// email: the event as a plain-text RFC 5322 message (UTF-8, base64 body, the subject as an
// RFC 2047 encoded word when it is not ASCII), for libcurl's SMTP client (email_send.cpp).
#include <offpeak/notify/channels.hpp>

#include <chrono>
#include <cstdio>

namespace offpeak::notify {

namespace {

std::string base64(std::string_view in) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c == '\r' || c == '\n') return false;
  return true;
}

std::string header_text(std::string_view s) {
  return ascii(s) ? std::string(s) : "=?UTF-8?B?" + base64(s) + "?=";
}

// "offpeak <offpeak@example.com>" -> "offpeak@example.com".
std::string bare_address(const std::string& s) {
  const auto lt = s.find('<');
  const auto gt = s.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return s.substr(lt + 1, gt - lt - 1);
  return s;
}

// RFC 5322 date in UTC: "Mon, 13 Jan 2026 21:00:00 +0000".
std::string mail_date(Instant t) {
  static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  const auto secs = (t - day).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02lld:%02lld:%02lld +0000",
                k_days[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                k_months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace

ChannelRequest build_email(const config::NotifyChannel& ch, const Outgoing& e,
                           const BuildContext& context) {
  EmailMessage m;
  if (ch.smtp.rfind("smtp+insecure://", 0) == 0) {
    m.url = "smtp://" + ch.smtp.substr(std::string("smtp+insecure://").size());
    m.require_tls = false;
  } else {
    m.url = ch.smtp;
  }
  m.mail_from = bare_address(ch.from);
  std::string to_header;
  for (const auto& to : ch.to) {
    m.recipients.push_back(bare_address(to));
    to_header += (to_header.empty() ? "" : ", ") + to;
  }
  std::string body = e.message + "\r\n";
  std::string encoded;
  const std::string b64 = base64(body);
  for (std::size_t i = 0; i < b64.size(); i += 76)
    encoded += b64.substr(i, 76) + "\r\n";
  m.data = "Date: " + mail_date(context.now) + "\r\n" + "From: " + ch.from + "\r\n" +
           "To: " + to_header + "\r\n" + "Subject: " + header_text("[offpeak] " + e.title) +
           "\r\n" + "Message-ID: <" + e.event + "." +
           std::to_string(e.at.time_since_epoch().count()) + "." +
           std::to_string(context.now.time_since_epoch().count()) + "@" + context.message_id_host +
           ">\r\n" + (e.urgent ? "Importance: high\r\n" : "") + "MIME-Version: 1.0\r\n" +
           "Content-Type: text/plain; charset=UTF-8\r\n" + "Content-Transfer-Encoding: base64\r\n" +
           "\r\n" + encoded;
  return ChannelRequest{{}, {}, std::move(m)};
}

net::SmtpMessage smtp_message(const config::NotifyChannel& ch, const EmailMessage& email) {
  net::SmtpMessage m;
  m.url = email.url;
  m.require_tls = email.require_tls;
  m.username = ch.username;
  m.password = ch.password.reveal();
  m.mail_from = email.mail_from;
  m.recipients = email.recipients;
  m.data = email.data;
  m.ca_file = ch.ca_file;
  m.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(ch.timeout);
  return m;
}

}  // namespace offpeak::notify
