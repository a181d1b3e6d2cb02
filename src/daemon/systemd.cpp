#include <offpeak/daemon/systemd.hpp>

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace offpeak::daemon {

bool Notifier::enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && *socket != '\0';
}

bool Notifier::send(const char* state) const {
  if (!enabled()) return false;
  return sd_notify(0, state) > 0;
}

bool Notifier::ready() const {
  return send("READY=1");
}

bool Notifier::status(std::string_view text) const {
  std::string message = "STATUS=";
  for (char c : text)
    message.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return send(message.c_str());
}

bool Notifier::watchdog() const {
  return send("WATCHDOG=1");
}

bool Notifier::reloading() const {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const std::uint64_t usec = static_cast<std::uint64_t>(now.tv_sec) * 1000000u +
                             static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
  const std::string message = "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
  return send(message.c_str());
}

bool Notifier::stopping() const {
  return send("STOPPING=1");
}

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec));
}

}  // namespace offpeak::daemon
