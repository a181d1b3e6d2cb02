#pragma once
// The daemon's notifications: the domain's EventNotifier fed with the Service's facts, the
// SQLite outbox (written on the database worker before anything is sent) and one sender
// coroutine per channel that delivers in order with deadlines, retries with back-off until
// the channel takes an event or it is a day old, and logs a channel's failure once per outage.

#include "runtime.hpp"

#include <offpeak/api/notify_api.hpp>
#include <offpeak/config/notify_config.hpp>
#include <offpeak/domain/notify.hpp>
#include <offpeak/domain/session_tracker.hpp>
#include <offpeak/store/outbox.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::daemon {

class Service;

class NotifyBridge {
 public:
  // Seeds the notifier with the events stored in the last days (a restart repeats nothing).
  explicit NotifyBridge(Service& service);
  ~NotifyBridge();
  NotifyBridge(const NotifyBridge&) = delete;
  NotifyBridge& operator=(const NotifyBridge&) = delete;

  // Starts the senders and the periodic checks (devices, plug reminder, cheap prices).
  void start();
  // After SIGHUP: the new channels, quiet hours and reminder time.
  void reload();
  void stop();

  // Stores the events (one delivery per channel that wants each) and wakes the senders.
  void publish(std::vector<NotifyEvent> events);
  EventNotifier& notifier() { return notifier_; }
  // A session closed: session_done with its figures and the saving against charging at once
  // (target_missed when it left below the target).
  void session_closed(const SessionRecord& session, Instant at, std::optional<double> soc);

  // For /api/v1/status and /metrics; nullopt without channels.
  std::optional<api::NotifyStatus> status() const;
  // The newest events with their deliveries (database worker).
  boost::asio::awaitable<std::vector<store::OutboxEntry>> recent(int limit);

 private:
  struct Channel {
    config::NotifyChannel cfg;
    api::NotifyChannelStatus status;
    boost::asio::steady_timer timer;
    std::uint64_t wakes = 0;  // publish() counts up; a sender that saw a change does not sleep
    bool running = true;
    explicit Channel(boost::asio::io_context& io) : timer(io) {}
  };
  void configure();
  NotifySettings settings() const;
  boost::asio::awaitable<void> sender(std::shared_ptr<Channel> ch);
  boost::asio::awaitable<void> store_events(std::vector<NotifyEvent> events);
  boost::asio::awaitable<void> check_loop();
  void check(Instant now);

  Service& service_;
  EventNotifier notifier_;
  store::Outbox outbox_;  // used on the database worker only
  std::vector<std::shared_ptr<Channel>> channels_;
  boost::asio::steady_timer check_timer_;
  boost::asio::thread_pool mail_pool_{1};  // libcurl's SMTP exchanges block
  bool started_ = false;
  bool stopped_ = false;
  std::int64_t events_ = 0;
  std::map<std::string, std::int64_t> seen_poll_errors_;  // the Service's counts at the last check
  std::string last_poll_error_;                           // the kind that failed last
};

}  // namespace offpeak::daemon
