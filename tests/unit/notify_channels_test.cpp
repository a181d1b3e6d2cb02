// The channel request builders: exact paths, headers and fields as each service documents
// them, the event JSON of the contract, and secrets kept out of any text but the request.

#include <offpeak/notify/channels.hpp>

#include <boost/json.hpp>

#include <gtest/gtest.h>

namespace offpeak::notify {
namespace {

NotifyEvent sample_event(bool urgent) {
  NotifyEvent e;
  e.kind = urgent ? EventKind::target_at_risk : EventKind::session_done;
  e.at = *parse_rfc3339("2026-01-13T21:00:00Z");
  e.not_before = e.at;
  e.key = "k";
  e.urgent = urgent;
  e.title = "Target at risk: 62% of 80% by 07:30";
  e.message = "By Wed 14 Jan 07:30 GMT the car reaches about 62%: £1.20 & more";
  e.vehicle = "i3s";
  e.data = {{"shortfall_kwh", 4.5},
            {"ready_by", std::string("2026-01-14T07:30:00Z")},
            {"offline", false}};
  return e;
}

config::NotifyChannel channel(const char* type) {
  config::NotifyChannel c;
  c.type = type;
  c.name = type;
  return c;
}

std::string header(const net::ClientRequest& r, const char* name) {
  auto v = net::find_header(r.headers, name);
  return v ? std::string(*v) : std::string("<none>");
}

TEST(NotifyChannels, EventJsonIsTheContract) {
  auto j = boost::json::parse(event_json(sample_event(true))).as_object();
  EXPECT_EQ(j.at("event"), "target_at_risk");
  EXPECT_EQ(j.at("at"), "2026-01-13T21:00:00Z");
  EXPECT_EQ(j.at("title"), "Target at risk: 62% of 80% by 07:30");
  EXPECT_EQ(j.at("urgent"), true);
  EXPECT_EQ(j.at("vehicle"), "i3s");
  EXPECT_EQ(j.at("data").at("shortfall_kwh").as_double(), 4.5);
  EXPECT_EQ(j.at("data").at("ready_by"), "2026-01-14T07:30:00Z");
  EXPECT_EQ(j.at("data").at("offline"), false);
  EXPECT_EQ(j.size(), 7u);
}

TEST(NotifyChannels, NtfyPublishesJsonToTheServerRoot) {
  auto c = channel("ntfy");
  c.url = "https://ntfy.example.com/prefix/my-topic";
  c.token = config::Secret("tk_abc");
  auto r = build_request(c, outgoing(sample_event(true)), {}).http.value();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://ntfy.example.com/prefix/");
  EXPECT_EQ(header(r, "Authorization"), "Bearer tk_abc");
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  auto j = boost::json::parse(r.body).as_object();
  EXPECT_EQ(j.at("topic"), "my-topic");
  EXPECT_EQ(j.at("title"), "Target at risk: 62% of 80% by 07:30");
  EXPECT_EQ(j.at("priority"), 4);
  EXPECT_EQ(j.at("tags").as_array().at(0), "target_at_risk");
  // No token configured: no Authorization header.
  c.token = config::Secret();
  c.url = "http://127.0.0.1:8080/t";
  auto plain = build_request(c, outgoing(sample_event(false)), {}).http.value();
  EXPECT_EQ(plain.url, "http://127.0.0.1:8080/");
  EXPECT_EQ(header(plain, "Authorization"), "<none>");
  EXPECT_EQ(boost::json::parse(plain.body).at("priority"), 3);
}

TEST(NotifyChannels, PushoverFormFields) {
  auto c = channel("pushover");
  c.base_url = "https://api.pushover.net";
  c.token = config::Secret("azGDORePK8gMaC0QOYAMyEEuzJnyUi");
  c.user_key = config::Secret("uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
  auto r = build_request(c, outgoing(sample_event(true)), {}).http.value();
  EXPECT_EQ(r.url, "https://api.pushover.net/1/messages.json");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body,
            "token=azGDORePK8gMaC0QOYAMyEEuzJnyUi&user=uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
            "&title=Target+at+risk%3A+62%25+of+80%25+by+07%3A30"
            "&message=By+Wed+14+Jan+07%3A30+GMT+the+car+reaches+about+62%25%3A+%C2%A31.20+%26+more"
            "&priority=1&timestamp=1768338000");
}

TEST(NotifyChannels, TelegramSendMessage) {
  auto c = channel("telegram");
  c.base_url = "https://api.telegram.org";
  c.token = config::Secret("123456:ABC-DEF");
  c.chat_id = "-100987";
  auto r = build_request(c, outgoing(sample_event(false)), {}).http.value();
  EXPECT_EQ(r.url, "https://api.telegram.org/bot123456:ABC-DEF/sendMessage");
  auto j = boost::json::parse(r.body).as_object();
  EXPECT_EQ(j.at("chat_id"), "-100987");
  EXPECT_EQ(j.at("text"),
            "Target at risk: 62% of 80% by 07:30\nBy Wed 14 Jan 07:30 GMT the car reaches about "
            "62%: £1.20 & more");
  EXPECT_EQ(j.at("disable_notification"), true);
  // The token is in the URL: redact() takes it out of any error text.
  EXPECT_EQ(redact(c, "POST " + r.url + " failed"),
            "POST https://api.telegram.org/bot***/sendMessage failed");
}

TEST(NotifyChannels, WebhookPostsTheEventJson) {
  auto c = channel("webhook");
  c.url = "http://127.0.0.1:1880/offpeak";
  auto e = outgoing(sample_event(true));
  auto r = build_request(c, e, {}).http.value();
  EXPECT_EQ(r.url, "http://127.0.0.1:1880/offpeak");
  EXPECT_EQ(r.body, e.json);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
}

TEST(NotifyChannels, MqttEventTopicNotRetained) {
  BuildContext ctx;
  ctx.mqtt_prefix = "home/offpeak";
  auto e = outgoing(sample_event(true));
  auto m = build_request(channel("mqtt"), e, ctx).mqtt.value();
  EXPECT_EQ(m.topic, "home/offpeak/event");
  EXPECT_EQ(m.payload, e.json);
  EXPECT_FALSE(m.retain);
  EXPECT_EQ(m.qos, 1);
}

TEST(NotifyChannels, EmailMessage) {
  auto c = channel("email");
  c.smtp = "smtp://mail.example.com:587";
  c.from = "offpeak <offpeak@example.com>";
  c.to = {"Owner <owner@example.com>", "second@example.com"};
  BuildContext ctx;
  ctx.now = *parse_rfc3339("2026-01-13T21:00:05Z");
  auto m = build_request(c, outgoing(sample_event(true)), ctx).email.value();
  EXPECT_EQ(m.url, "smtp://mail.example.com:587");
  EXPECT_TRUE(m.require_tls);
  EXPECT_EQ(m.mail_from, "offpeak@example.com");
  EXPECT_EQ(m.recipients, (std::vector<std::string>{"owner@example.com", "second@example.com"}));
  EXPECT_NE(m.data.find("Date: Tue, 13 Jan 2026 21:00:05 +0000\r\n"), std::string::npos) << m.data;
  EXPECT_NE(m.data.find("To: Owner <owner@example.com>, second@example.com\r\n"),
            std::string::npos);
  EXPECT_NE(m.data.find("Subject: [offpeak] Target at risk: 62% of 80% by 07:30\r\n"),
            std::string::npos);
  EXPECT_NE(m.data.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  c.smtp = "smtp+insecure://127.0.0.1:2525";
  auto insecure = build_request(c, outgoing(sample_event(false)), ctx).email.value();
  EXPECT_EQ(insecure.url, "smtp://127.0.0.1:2525");
  EXPECT_FALSE(insecure.require_tls);
}

TEST(NotifyChannels, RegistryListsEveryType) {
  std::vector<std::string> names;
  for (const auto& t : channel_types())
    names.emplace_back(t.type);
  EXPECT_EQ(names,
            (std::vector<std::string>{"ntfy", "pushover", "telegram", "email", "webhook", "mqtt"}));
  EXPECT_EQ(find_channel_type("signal"), nullptr);
  EXPECT_THROW(build_request(channel("signal"), {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace offpeak::notify
