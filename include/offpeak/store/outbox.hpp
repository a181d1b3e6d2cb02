#pragma once
// The notification outbox (tables `notifications` and `notification_deliveries`, schema
// version 3): an event is written here, with one pending delivery per channel, before any
// channel sees it; a delivery is retried until the channel takes it or the event is a day
// old, and survives restarts. The dedupe key is unique: storing an event whose key is known
// changes nothing, so the same condition is one notification even across restarts.
//
// Threading and failures as Store: use from the thread that uses the Store; SQLite failures
// throw std::runtime_error, each write is one transaction.

#include <offpeak/domain/time.hpp>
#include <offpeak/store/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::store {

// An event as stored. `payload_json` is the event's JSON (webhook and mqtt send it as is).
struct OutboxEvent {
  std::int64_t id = 0;
  std::string key;    // dedupe key
  std::string event;  // "target_at_risk", ...
  Instant at{};
  Instant not_before{};
  bool urgent = false;
  std::string title;
  std::string message;
  std::string payload_json;
  friend bool operator==(const OutboxEvent&, const OutboxEvent&) = default;
};

enum class DeliveryState { pending, sent, expired };
std::string_view to_string(DeliveryState s);

// One channel's delivery of one event.
struct OutboxDelivery {
  std::int64_t event_id = 0;
  std::string channel;
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;
  Instant next_attempt_at{};
  std::optional<Instant> sent_at;
  std::string last_error;  // plain words, never a secret
  friend bool operator==(const OutboxDelivery&, const OutboxDelivery&) = default;
};

// A pending delivery with its event, ready for a channel.
struct PendingDelivery {
  OutboxEvent event;
  OutboxDelivery delivery;
};

// An event with every channel's delivery (the API's list of recent events).
struct OutboxEntry {
  OutboxEvent event;
  std::vector<OutboxDelivery> deliveries;
};

class Outbox {
 public:
  explicit Outbox(Store& store);

  // Stores an event (id ignored) with a pending delivery for each of `channels`, first
  // attempt at event.not_before. Returns the new id; nullopt when the key is stored already
  // (nothing changes).
  std::optional<std::int64_t> add(const OutboxEvent& event,
                                  const std::vector<std::string>& channels);
  // The channel's oldest pending delivery (by event id) whose event may be sent by `now`
  // (not_before <= now): the channel sends in order. nullopt when there is none.
  std::optional<PendingDelivery> next_for(std::string_view channel, Instant now) const;
  // The earliest instant a pending delivery of `channel` becomes due (max of not_before and
  // next_attempt_at), nullopt when none is pending.
  std::optional<Instant> next_due(std::string_view channel) const;
  // The channel took it. False when it was not pending.
  bool mark_sent(std::int64_t event_id, std::string_view channel, Instant at);
  // A failed attempt: attempts + 1, the error, the next attempt. False when not pending.
  bool mark_failed(std::int64_t event_id, std::string_view channel, std::string_view error,
                   Instant next_attempt_at);
  // Pending deliveries of events that happened before `cutoff` become expired; returns how
  // many.
  int expire_before(Instant cutoff);
  // Keys of events that happened at or after `since` with their instants (to seed the
  // notifier after a restart).
  std::vector<std::pair<std::string, Instant>> keys_since(Instant since) const;
  // The newest `limit` events, newest first, with their deliveries.
  std::vector<OutboxEntry> recent(int limit) const;
  // Deliveries by state, for metrics: {pending, sent, expired}.
  std::vector<std::pair<DeliveryState, std::int64_t>> counts() const;
  // Deletes events (and their deliveries) that happened before `cutoff` and have nothing
  // pending; returns how many events.
  int prune_before(Instant cutoff);

 private:
  Store* store_;
};

}  // namespace offpeak::store
