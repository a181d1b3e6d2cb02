#include "schema.hpp"

#include <offpeak/store/outbox.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <stdexcept>

namespace offpeak::store {

namespace {

std::string ts(Instant t) {
  return format_rfc3339(t);
}

Instant instant(const SQLite::Column& c) {
  auto t = parse_rfc3339(c.getString());
  if (!t) throw std::runtime_error("bad timestamp in the outbox: " + c.getString());
  return *t;
}

std::optional<DeliveryState> parse_state(std::string_view s) {
  if (s == "pending") return DeliveryState::pending;
  if (s == "sent") return DeliveryState::sent;
  if (s == "expired") return DeliveryState::expired;
  return std::nullopt;
}

constexpr const char* k_event_columns =
    "n.id, n.key, n.event, n.at, n.not_before, n.urgent, n.title, n.message, n.payload_json";
constexpr const char* k_delivery_columns =
    "d.event_id, d.channel, d.state, d.attempts, d.next_attempt_at, d.sent_at, d.last_error";

// Reads the event columns starting at `i`.
OutboxEvent read_event(SQLite::Statement& s, int i) {
  OutboxEvent e;
  e.id = s.getColumn(i).getInt64();
  e.key = s.getColumn(i + 1).getString();
  e.event = s.getColumn(i + 2).getString();
  e.at = instant(s.getColumn(i + 3));
  e.not_before = instant(s.getColumn(i + 4));
  e.urgent = s.getColumn(i + 5).getInt() != 0;
  e.title = s.getColumn(i + 6).getString();
  e.message = s.getColumn(i + 7).getString();
  e.payload_json = s.getColumn(i + 8).getString();
  return e;
}

OutboxDelivery read_delivery(SQLite::Statement& s, int i) {
  OutboxDelivery d;
  d.event_id = s.getColumn(i).getInt64();
  d.channel = s.getColumn(i + 1).getString();
  d.state = parse_state(s.getColumn(i + 2).getString()).value_or(DeliveryState::pending);
  d.attempts = s.getColumn(i + 3).getInt();
  d.next_attempt_at = instant(s.getColumn(i + 4));
  if (!s.getColumn(i + 5).isNull()) d.sent_at = instant(s.getColumn(i + 5));
  d.last_error = s.getColumn(i + 6).getString();
  return d;
}

}  // namespace

std::string_view to_string(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::sent:
      return "sent";
    case DeliveryState::expired:
      return "expired";
  }
  return "pending";
}

Outbox::Outbox(Store& store) : store_(&store) {}

std::optional<std::int64_t> Outbox::add(const OutboxEvent& e,
                                        const std::vector<std::string>& channels) {
  auto& db = detail::StoreAccess::db(*store_);
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement insert(db,
                           "INSERT INTO notifications (key, event, at, not_before, urgent, title, "
                           "message, payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (key) DO NOTHING");
  insert.bind(1, e.key);
  insert.bind(2, e.event);
  insert.bind(3, ts(e.at));
  insert.bind(4, ts(e.not_before));
  insert.bind(5, e.urgent ? 1 : 0);
  insert.bind(6, e.title);
  insert.bind(7, e.message);
  insert.bind(8, e.payload_json);
  if (insert.exec() == 0) return std::nullopt;  // the key is known
  const std::int64_t id = db.getLastInsertRowid();
  SQLite::Statement d(db,
                      "INSERT INTO notification_deliveries (event_id, channel, state, "
                      "next_attempt_at) VALUES (?, ?, 'pending', ?)");
  for (const auto& channel : channels) {
    d.bind(1, id);
    d.bind(2, channel);
    d.bind(3, ts(e.not_before));
    d.exec();
    d.reset();
  }
  tx.commit();
  return id;
}

std::optional<PendingDelivery> Outbox::next_for(std::string_view channel, Instant now) const {
  const auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db, std::string("SELECT ") + k_event_columns + ", " + k_delivery_columns +
                              " FROM notification_deliveries d JOIN notifications n ON "
                              "n.id = d.event_id WHERE d.channel = ? AND d.state = 'pending' "
                              "AND n.not_before <= ? ORDER BY d.event_id LIMIT 1");
  s.bind(1, std::string(channel));
  s.bind(2, ts(now));
  if (!s.executeStep()) return std::nullopt;
  return PendingDelivery{read_event(s, 0), read_delivery(s, 9)};
}

std::optional<Instant> Outbox::next_due(std::string_view channel) const {
  const auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db,
                      "SELECT min(max(n.not_before, d.next_attempt_at)) FROM "
                      "notification_deliveries d JOIN notifications n ON n.id = d.event_id "
                      "WHERE d.channel = ? AND d.state = 'pending'");
  s.bind(1, std::string(channel));
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return instant(s.getColumn(0));
}

bool Outbox::mark_sent(std::int64_t event_id, std::string_view channel, Instant at) {
  auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db,
                      "UPDATE notification_deliveries SET state = 'sent', sent_at = ?, "
                      "attempts = attempts + 1, last_error = '' "
                      "WHERE event_id = ? AND channel = ? AND state = 'pending'");
  s.bind(1, ts(at));
  s.bind(2, event_id);
  s.bind(3, std::string(channel));
  return s.exec() == 1;
}

bool Outbox::mark_failed(std::int64_t event_id, std::string_view channel, std::string_view error,
                         Instant next_attempt_at) {
  auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db,
                      "UPDATE notification_deliveries SET attempts = attempts + 1, "
                      "last_error = ?, next_attempt_at = ? "
                      "WHERE event_id = ? AND channel = ? AND state = 'pending'");
  s.bind(1, std::string(error));
  s.bind(2, ts(next_attempt_at));
  s.bind(3, event_id);
  s.bind(4, std::string(channel));
  return s.exec() == 1;
}

int Outbox::expire_before(Instant cutoff) {
  auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db,
                      "UPDATE notification_deliveries SET state = 'expired' WHERE state = "
                      "'pending' AND event_id IN (SELECT id FROM notifications WHERE at < ?)");
  s.bind(1, ts(cutoff));
  return s.exec();
}

std::vector<std::pair<std::string, Instant>> Outbox::keys_since(Instant since) const {
  const auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db, "SELECT key, at FROM notifications WHERE at >= ? ORDER BY id");
  s.bind(1, ts(since));
  std::vector<std::pair<std::string, Instant>> out;
  while (s.executeStep())
    out.emplace_back(s.getColumn(0).getString(), instant(s.getColumn(1)));
  return out;
}

std::vector<OutboxEntry> Outbox::recent(int limit) const {
  const auto& db = detail::StoreAccess::db(*store_);
  SQLite::Statement s(db, std::string("SELECT ") + k_event_columns +
                              " FROM notifications n ORDER BY n.id DESC LIMIT ?");
  s.bind(1, limit);
  std::vector<OutboxEntry> out;
  while (s.executeStep())
    out.push_back({read_event(s, 0), {}});
  SQLite::Statement d(db, std::string("SELECT ") + k_delivery_columns +
                              " FROM notification_deliveries d WHERE d.event_id = ? "
                              "ORDER BY d.channel");
  for (auto& entry : out) {
    d.bind(1, entry.event.id);
    while (d.executeStep())
      entry.deliveries.push_back(read_delivery(d, 0));
    d.reset();
  }
  return out;
}

std::vector<std::pair<DeliveryState, std::int64_t>> Outbox::counts() const {
  const auto& db = detail::StoreAccess::db(*store_);
  std::vector<std::pair<DeliveryState, std::int64_t>> out = {
      {DeliveryState::pending, 0}, {DeliveryState::sent, 0}, {DeliveryState::expired, 0}};
  SQLite::Statement s(db, "SELECT state, count(*) FROM notification_deliveries GROUP BY state");
  while (s.executeStep()) {
    if (auto st = parse_state(s.getColumn(0).getString())) {
      for (auto& [k, v] : out)
        if (k == *st) v = s.getColumn(1).getInt64();
    }
  }
  return out;
}

int Outbox::prune_before(Instant cutoff) {
  auto& db = detail::StoreAccess::db(*store_);
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement s(db,
                      "DELETE FROM notifications WHERE at < ? AND NOT EXISTS (SELECT 1 FROM "
                      "notification_deliveries d WHERE d.event_id = notifications.id AND "
                      "d.state = 'pending')");
  s.bind(1, ts(cutoff));
  const int n = s.exec();
  tx.commit();
  return n;
}

}  // namespace offpeak::store
