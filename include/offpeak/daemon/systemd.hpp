#pragma once
// A thin wrapper over sd_notify(3) for the service manager's notification protocol
// (Type=notify). Every call is a no-op returning false outside systemd (NOTIFY_SOCKET unset),
// so the daemon can call it unconditionally. Nothing here throws.

#include <chrono>
#include <optional>
#include <string_view>

namespace offpeak::daemon {

class Notifier {
 public:
  // True when NOTIFY_SOCKET is set (non-empty) in the environment.
  bool enabled() const;

  // READY=1: start-up is complete (config, database and API up). True when sent.
  bool ready() const;
  // STATUS=<text>: one line shown by `systemctl status`; line breaks become spaces.
  bool status(std::string_view text) const;
  // WATCHDOG=1: keep-alive; send at least every watchdog_interval() / 2.
  bool watchdog() const;
  // RELOADING=1 plus MONOTONIC_USEC=<CLOCK_MONOTONIC in microseconds> (systemd 253+ needs
  // the timestamp; older versions ignore it). Send ready() when the reload has finished.
  bool reloading() const;
  // STOPPING=1: shutdown has begun.
  bool stopping() const;

  // The watchdog timeout systemd expects (WATCHDOG_USEC for this process), nullopt when the
  // watchdog is not enabled or the variables are malformed.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

 private:
  bool send(const char* state) const;
};

}  // namespace offpeak::daemon
