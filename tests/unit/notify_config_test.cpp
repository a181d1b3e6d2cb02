// `notify:`, `quiet_hours:` and `plug_reminder:` in the main file: values, secrets from files
// and credentials, FILE:LINE:COL errors that never echo a secret.

#include <offpeak/config/config.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace offpeak::config {
namespace {

using offpeak::testing::TempDir;

// Lines 1-10; a test appends from line 11.
constexpr std::string_view k_base = R"(timezone: Europe/London
vehicle:
  battery_kwh: 37.9
  max_charge_kw: 7.4
  source:
    type: simulator
    initial_soc: 35
charging:
  target_soc: 80
tariff: { default: 24.5 }
)";

LoadResult load(const TempDir& dir, const std::string& tail, Environment env = {}) {
  env.working_directory = dir.path();
  return load_config(dir.write("offpeak.yaml", std::string(k_base) + tail), env);
}

std::string all(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors)
    out += e.to_string() + "\n";
  return out;
}

TEST(NotifyConfig, EveryChannelTypeWithSecretsFromFiles) {
  TempDir dir;
  dir.write("ntfy-token", "tk_secretntfy\n");
  dir.write("po-user", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG\n");
  dir.write("po-token", "azGDORePK8gMaC0QOYAMyEEuzJnyUi\n");
  dir.write("tg-token", "123456:ABC-DEF1234ghIkl\n");
  dir.write("smtp-password", "hunter2\n");
  auto r = load(dir, R"(notify:
  - type: ntfy
    url: https://ntfy.sh/my-offpeak-topic
    token_file: ntfy-token
  - type: pushover
    user_key_file: po-user
    token_file: po-token
    base_url: http://127.0.0.1:9/
  - type: telegram
    token_file: tg-token
    chat_id: "123456789"
  - type: email
    smtp: smtp://mail.example.com:587
    username: offpeak@example.com
    password_file: smtp-password
    from: offpeak <offpeak@example.com>
    to: [owner@example.com]
  - type: webhook
    url: http://127.0.0.1:1880/offpeak
  - type: webhook
    url: http://127.0.0.1:1881/other
    events: [session_done]
  - type: mqtt
    events: [target_at_risk, not_plugged_in]
quiet_hours: { from: "22:30", to: "07:00" }
plug_reminder: "21:00"
)");
  ASSERT_TRUE(r.config) << all(r);
  const auto& n = r.config->notify;
  ASSERT_EQ(n.channels.size(), 7u);
  EXPECT_EQ(n.channels[0].name, "ntfy");
  EXPECT_EQ(n.channels[0].url, "https://ntfy.sh/my-offpeak-topic");
  EXPECT_EQ(n.channels[0].token.reveal(), "tk_secretntfy");
  EXPECT_EQ(n.channels[1].base_url, "http://127.0.0.1:9");
  EXPECT_EQ(n.channels[1].user_key.reveal(), "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
  EXPECT_EQ(n.channels[2].base_url, "https://api.telegram.org");
  EXPECT_EQ(n.channels[2].chat_id, "123456789");
  EXPECT_EQ(n.channels[3].password.reveal(), "hunter2");
  EXPECT_EQ(n.channels[3].to, std::vector<std::string>{"owner@example.com"});
  EXPECT_EQ(n.channels[4].name, "webhook");
  EXPECT_EQ(n.channels[5].name, "webhook-2");
  EXPECT_TRUE(n.channels[5].wants(EventKind::session_done));
  EXPECT_FALSE(n.channels[5].wants(EventKind::target_at_risk));
  EXPECT_TRUE(n.channels[5].wants(EventKind::test));
  EXPECT_TRUE(n.channels[4].wants(EventKind::cheap_energy));
  EXPECT_EQ(n.channels[6].type, "mqtt");
  ASSERT_TRUE(n.quiet_hours);
  EXPECT_EQ(n.quiet_hours->from.minutes, 22 * 60 + 30);
  EXPECT_EQ(n.quiet_hours->to.minutes, 7 * 60);
  EXPECT_EQ(n.plug_reminder->minutes, 21 * 60);
}

TEST(NotifyConfig, SecretsFromSystemdCredentials) {
  TempDir dir;
  TempDir creds;
  creds.write("notify-telegram-token", "999:credential-token\n");
  Environment env;
  env.credentials_directory = creds.path();
  auto r = load(dir, "notify:\n  - type: telegram\n    chat_id: \"42\"\n", env);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->notify.channels[0].token.reveal(), "999:credential-token");
}

struct BadCase {
  const char* name;
  std::string tail;
  std::string expected;  // "LINE:COL: the start of the message"
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class NotifyConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(NotifyConfigErrors, PointAtTheCause) {
  TempDir dir;
  dir.write("tok", "s3cr3t-token-value\n");
  dir.write("empty", "\n");
  auto r = load(dir, GetParam().tail);
  ASSERT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  const std::string first = r.errors[0].to_string();
  const std::string where = first.substr(first.find(".yaml:") + 6);
  EXPECT_EQ(where.substr(0, GetParam().expected.size()), GetParam().expected) << all(r);
  EXPECT_EQ(all(r).find("s3cr3t"), std::string::npos) << all(r);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NotifyConfigErrors,
    ::testing::Values(
        BadCase{"NotAList", "notify: { type: ntfy }\n", "11:9: expected a list of notify channels"},
        BadCase{"UnknownType", "notify:\n  - type: signal\n",
                "12:11: unknown notify channel type 'signal'"},
        BadCase{"NoType", "notify:\n  - url: http://x/y\n", "12:5: a notify channel needs 'type:'"},
        BadCase{"UnknownKey", "notify:\n  - type: webhook\n    url: http://x/y\n    tokn: a\n",
                "14:5: unknown key 'tokn' in a notify channel of type webhook"},
        BadCase{"BadUrl", "notify:\n  - type: ntfy\n    url: ntfy.sh/topic\n",
                "13:10: expected an http:// or https:// URL"},
        BadCase{"MissingToken", "notify:\n  - type: pushover\n    user_key_file: tok\n",
                "12:5: notify channel pushover needs 'token_file'"},
        BadCase{"EmptySecret",
                "notify:\n  - type: telegram\n    token_file: empty\n    chat_id: \"1\"\n",
                "13:17: the telegram bot token file"},
        BadCase{"MissingSecretFile",
                "notify:\n  - type: telegram\n    token_file: nope\n    chat_id: \"1\"\n",
                "13:17: cannot read the telegram bot token file"},
        BadCase{"UnknownEvent", "notify:\n  - type: mqtt\n    events: [target_at_risk, late]\n",
                "13:30: unknown event 'late'"},
        BadCase{"InsecureSmtpNotLoopback",
                "notify:\n  - type: email\n    smtp: smtp+insecure://mail.example.com:25\n"
                "    from: a@b.c\n    to: d@e.f\n",
                "13:11: smtp+insecure:// sends without TLS"},
        BadCase{"SmtpScheme",
                "notify:\n  - type: email\n    smtp: mail.example.com\n    from: a@b.c\n"
                "    to: d@e.f\n",
                "13:11: expected smtp://host:port"},
        BadCase{"EmailWithoutTo",
                "notify:\n  - type: email\n    smtp: smtps://m:465\n    from: a@b.c\n",
                "12:5: missing required key 'to'"},
        BadCase{"QuietHoursBadTime", "quiet_hours: { from: \"22:70\", to: \"07:00\" }\n",
                "11:22: "},
        BadCase{"QuietHoursSame", "quiet_hours: { from: \"07:00\", to: \"07:00\" }\n",
                "11:35: quiet_hours: 'from' and 'to' are the same time"},
        BadCase{"PlugReminder", "plug_reminder: 9pm\n", "11:16: "}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace offpeak::config
