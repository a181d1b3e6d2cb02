#pragma once
// `offpeak notify test` (contract: ../shared/spec/notify.md): sends a test notification to
// every configured channel and prints each result. Private to the cli module.

#include <string>

namespace CLI {
class App;
}

namespace offpeak::config {
struct Config;
}

namespace offpeak::cli {

struct NotifyArgs {
  std::string config;
  std::string log_level = "warn";
};

// Adds `notify` with its `test` subcommand bound to `args`; returns the `test` subcommand.
CLI::App* add_notify_command(CLI::App& app, NotifyArgs& args);

// Sends the test event to each channel (HTTP channels with their deadline, at once, outside
// any outbox) and prints "CHANNEL: ok" or "CHANNEL: failed: CAUSE" per channel, secrets
// redacted. Returns 0 when every channel took it, 1 when any failed, 78 for a bad
// configuration or no channels.
int cmd_notify_test(const NotifyArgs& args);

// The `notify` lines of `offpeak check`: one per channel, then quiet hours and reminder.
std::string describe_notify(const config::Config& cfg);

}  // namespace offpeak::cli
