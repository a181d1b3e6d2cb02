#include "notify_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/net/http_client.hpp>
#include <offpeak/net/smtp.hpp>
#include <offpeak/notify/channels.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace offpeak::cli {

CLI::App* add_notify_command(CLI::App& app, NotifyArgs& a) {
  auto* notify = app.add_subcommand("notify", "Notification channels");
  notify->require_subcommand(1);
  auto* test = notify->add_subcommand(
      "test", "Send a test notification to every channel; exit 0 when all took it, else 1");
  test->add_option("--config,-c", a.config, "Configuration file (YAML)")->required();
  test->add_option("--log-level", a.log_level, "Log level on stderr: trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  return test;
}

std::string describe_notify(const config::Config& cfg) {
  const auto& n = cfg.notify;
  if (n.channels.empty()) return "  notify     none\n";
  std::string out;
  for (const auto& ch : n.channels) {
    std::string where = ch.url;
    if (ch.type == "pushover" || ch.type == "telegram") where = ch.base_url;
    if (ch.type == "email") where = ch.smtp;
    if (ch.type == "mqtt") where = cfg.mqtt ? cfg.mqtt->topic_prefix + "/event" : "(no mqtt:)";
    std::string events = "all events";
    if (ch.events) {
      events.clear();
      for (EventKind k : *ch.events)
        events += (events.empty() ? "" : ", ") + std::string(to_string(k));
    }
    out += "  notify     " + ch.name + " " + where + " (" + events + ")\n";
  }
  if (n.quiet_hours) {
    out += "  quiet      " + format_time_of_day(n.quiet_hours->from) + " to " +
           format_time_of_day(n.quiet_hours->to) + " (urgent events go through)\n";
  }
  if (n.plug_reminder) out += "  reminder   " + format_time_of_day(*n.plug_reminder) + "\n";
  return out;
}

int cmd_notify_test(const NotifyArgs& a) {
  auto result = config::load_config(a.config, config::Environment::from_process());
  if (!result.config) {
    for (const auto& e : result.errors)
      std::cerr << e.to_string() << "\n";
    std::cerr << "offpeak: " << result.errors.size() << " error"
              << (result.errors.size() == 1 ? "" : "s") << " in the configuration\n";
    return k_exit_config;
  }
  const config::Config& cfg = *result.config;
  if (cfg.notify.channels.empty()) {
    std::cerr << "offpeak: no notification channels in " << a.config << " (add a 'notify:' list)\n";
    return k_exit_config;
  }
  NotifySettings s;
  s.vehicle = cfg.vehicle.name;
  s.zone = cfg.zone;
  s.money = Money(cfg.money.currency, cfg.money.decimal_mark);
  EventNotifier notifier(s);
  const Instant now = SystemClock{}.now();
  const notify::Outgoing event = notify::outgoing(notifier.test_event(now));
  notify::BuildContext ctx;
  ctx.now = now;
  if (cfg.mqtt) ctx.mqtt_prefix = cfg.mqtt->topic_prefix;
  int failed = 0;
  for (const auto& ch : cfg.notify.channels) {
    notify::ChannelRequest req = notify::build_request(ch, event, ctx);
    std::string error;
    if (req.http) {
      net::ClientOptions opts;
      opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(ch.timeout);
      opts.ca_file = ch.ca_file;
      net::HttpResult r = net::fetch_blocking(*req.http, opts);
      if (!r.ok()) {
        error = r.error.kind == net::HttpErrorKind::http_status
                    ? "HTTP " + std::to_string(r.error.status)
                    : std::string(net::to_string(r.error.kind)) + ": " + r.error.message;
      }
    } else if (req.mqtt) {
      std::cout << ch.name << ": skipped (offpeakd publishes on " << req.mqtt->topic
                << " over its broker connection)\n";
      continue;
    } else {
      error = net::send_mail(notify::smtp_message(ch, *req.email));
    }
    error = notify::redact(ch, error);
    if (error.empty()) {
      std::cout << ch.name << ": ok\n";
    } else {
      ++failed;
      std::cout << ch.name << ": failed: " << error << "\n";
    }
  }
  if (failed > 0) {
    std::cerr << "offpeak: " << failed << " of " << cfg.notify.channels.size()
              << " notification channel(s) failed\n";
    return k_exit_failure;
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
