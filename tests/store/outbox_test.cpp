// The notification outbox on a real SQLite file: stored before sending, one delivery per
// channel, in order, retried, expired after a day, deduplicated by key across reopenings,
// and the migration from a version 2 file.

#include <offpeak/store/outbox.hpp>
#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace offpeak::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "offpeak-outbox-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = dir_ / "offpeak.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static OutboxEvent event(const std::string& key, Instant t, Instant not_before = {}) {
    OutboxEvent e;
    e.key = key;
    e.event = "session_done";
    e.at = t;
    e.not_before = not_before == Instant{} ? t : not_before;
    e.title = "title " + key;
    e.message = "message " + key;
    e.payload_json = "{\"event\":\"session_done\",\"key\":\"" + key + "\"}";
    return e;
  }

  fs::path dir_;
  fs::path db_;
};

TEST_F(OutboxTest, StoredOncePerKeyAndDeliveredInOrderPerChannel) {
  Store store(db_);
  Outbox box(store);
  const Instant t0 = at("2026-01-13T12:00:00Z");
  auto a = box.add(event("a", t0), {"ntfy", "webhook"});
  auto b = box.add(event("b", t0 + 1min), {"ntfy", "webhook"});
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  EXPECT_FALSE(box.add(event("a", t0 + 2min), {"ntfy"}));  // the same key: nothing changes
  // Each channel sees "a" first, then "b".
  auto next = box.next_for("ntfy", t0 + 5min);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->event.key, "a");
  EXPECT_EQ(next->event.payload_json, "{\"event\":\"session_done\",\"key\":\"a\"}");
  EXPECT_EQ(next->delivery.attempts, 0);
  // A failure keeps "a" at the head with its back-off and error.
  ASSERT_TRUE(box.mark_failed(*a, "ntfy", "connection refused", t0 + 6min));
  next = box.next_for("ntfy", t0 + 5min);
  EXPECT_EQ(next->event.key, "a");
  EXPECT_EQ(next->delivery.attempts, 1);
  EXPECT_EQ(next->delivery.last_error, "connection refused");
  EXPECT_EQ(next->delivery.next_attempt_at, t0 + 6min);
  EXPECT_EQ(box.next_due("ntfy"), t0 + 1min);  // "b" is due, but the channel sends in order
  ASSERT_TRUE(box.mark_sent(*a, "ntfy", t0 + 6min));
  EXPECT_FALSE(box.mark_sent(*a, "ntfy", t0 + 7min));  // never twice
  EXPECT_EQ(box.next_for("ntfy", t0 + 7min)->event.key, "b");
  ASSERT_TRUE(box.mark_sent(*b, "ntfy", t0 + 7min));
  EXPECT_FALSE(box.next_for("ntfy", t0 + 7min));
  EXPECT_FALSE(box.next_due("ntfy"));
  // The other channel is independent.
  EXPECT_EQ(box.next_for("webhook", t0 + 7min)->event.key, "a");
  auto recent = box.recent(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].event.key, "b");
  ASSERT_EQ(recent[1].deliveries.size(), 2u);
  EXPECT_EQ(recent[1].deliveries[0].channel, "ntfy");
  EXPECT_EQ(recent[1].deliveries[0].state, DeliveryState::sent);
  EXPECT_EQ(recent[1].deliveries[0].attempts, 2);
  EXPECT_EQ(recent[1].deliveries[1].state, DeliveryState::pending);
}

TEST_F(OutboxTest, HeldUntilNotBeforeAndExpiredAfterADay) {
  Store store(db_);
  Outbox box(store);
  const Instant t0 = at("2026-01-13T23:10:00Z");
  box.add(event("held", t0, at("2026-01-14T07:00:00Z")), {"ntfy"});
  EXPECT_FALSE(box.next_for("ntfy", at("2026-01-14T06:59:59Z")));
  EXPECT_EQ(box.next_due("ntfy"), at("2026-01-14T07:00:00Z"));
  EXPECT_EQ(box.next_for("ntfy", at("2026-01-14T07:00:00Z"))->event.key, "held");
  // An urgent event stored later goes before the held one.
  box.add(event("urgent", t0 + 5min), {"ntfy"});
  EXPECT_EQ(box.next_for("ntfy", t0 + 6min)->event.key, "urgent");
  // A day old: expired, never sent.
  EXPECT_EQ(box.expire_before(t0 + 1min), 1);
  EXPECT_EQ(box.next_for("ntfy", at("2026-01-14T07:00:00Z"))->event.key, "urgent");
  auto counts = box.counts();
  EXPECT_EQ(counts[0].second, 1);  // pending
  EXPECT_EQ(counts[2].second, 1);  // expired
  // Pruning keeps what is pending.
  EXPECT_EQ(box.prune_before(at("2026-01-20T00:00:00Z")), 1);
  EXPECT_EQ(box.recent(10).size(), 1u);
}

TEST_F(OutboxTest, SurvivesReopeningAndSeedsKeys) {
  const Instant t0 = at("2026-01-13T12:00:00Z");
  {
    Store store(db_);
    Outbox box(store);
    box.add(event("device_offline:charger:2026-01-13T11:45:00Z", t0), {"ntfy"});
  }
  Store again(db_);
  Outbox box(again);
  auto keys = box.keys_since(t0 - 24h);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].first, "device_offline:charger:2026-01-13T11:45:00Z");
  EXPECT_EQ(keys[0].second, t0);
  EXPECT_TRUE(box.keys_since(t0 + 1s).empty());
  EXPECT_EQ(box.next_for("ntfy", t0)->event.key, keys[0].first);
}

TEST_F(OutboxTest, MigratesAVersion2File) {
  {
    Store store(db_);  // the newest version; roll it back to what version 2 had
  }
  {
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE meter_samples; DROP TABLE notification_deliveries; DROP TABLE "
        "notifications; ALTER TABLE samples DROP COLUMN told; ALTER TABLE sessions DROP COLUMN "
        "solar_kwh; ALTER TABLE sessions DROP COLUMN grid_kwh; PRAGMA user_version = 2");
  }
  Store store(db_);
  EXPECT_EQ(store.schema_version(), k_schema_version);
  Outbox box(store);
  EXPECT_TRUE(box.add(event("x", at("2026-01-13T12:00:00Z")), {"webhook"}));
}

}  // namespace
}  // namespace offpeak::store
