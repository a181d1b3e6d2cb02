// The sessions table's solar/grid split: the columns schema 6 adds, on a real SQLite file.

#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace offpeak::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

class SessionsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "offpeak-sessions-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = dir_ / "offpeak.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A database file as schema 5 left it (sessions without the split), holding two sessions
  // recorded then: one closed, one still open.
  void make_schema5_file() {
    { Store store(db_); }
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE);
    raw.exec(
        "ALTER TABLE sessions DROP COLUMN solar_kwh; ALTER TABLE sessions DROP COLUMN grid_kwh; "
        "ALTER TABLE meter_samples DROP COLUMN car_w; "
        "ALTER TABLE meter_samples DROP COLUMN current_a; PRAGMA user_version = 5");
    raw.exec(
        "INSERT INTO sessions(started_at, ended_at, device_id, start_soc, end_soc, energy_kwh, "
        "cost_p) VALUES ('2026-11-01T18:00:00Z', '2026-11-02T07:00:00Z', 'car', 40, 80, 16.5, "
        "140.25), ('2026-11-03T18:00:00Z', NULL, 'car', 50, 60, 4.0, 34.0)");
  }

  fs::path dir_;
  fs::path db_;
};

TEST_F(SessionsStoreTest, Schema5SessionsReadAsAllGridAfterTheMigration) {
  make_schema5_file();
  {
    SQLite::Database raw(db_.string());
    ASSERT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), 5);
  }
  Store store(db_);
  EXPECT_EQ(store.schema_version(), k_schema_version);
  const auto rows = store.sessions("car", {at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z")});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].energy_kwh, 16.5);
  EXPECT_EQ(rows[0].solar_kwh, 0.0);
  EXPECT_EQ(rows[0].grid_kwh, 16.5);
  EXPECT_EQ(rows[0].cost_p, 140.25);
  EXPECT_EQ(rows[1].solar_kwh, 0.0);
  EXPECT_EQ(rows[1].grid_kwh, 4.0);

  // The open one goes on with a split from now on.
  auto open = store.current_open_session("car");
  ASSERT_TRUE(open);
  EXPECT_TRUE(store.update_session(open->id, 70, 9.0, 54.0, 3.5));
  const auto after = store.session(open->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->solar_kwh, 3.5);
  EXPECT_EQ(after->grid_kwh, 5.5);
  EXPECT_EQ(after->cost_p, 54.0);
}

TEST_F(SessionsStoreTest, TheTwoPartsAlwaysSumToTheEnergy) {
  Store store(db_);
  const Instant t = at("2026-06-20T09:00:00Z");
  const auto id = store.open_session("car", t, 30.0);
  auto row = store.session(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->solar_kwh, 0.0);
  EXPECT_EQ(row->grid_kwh, 0.0);

  EXPECT_TRUE(store.update_session(id, 40, 2.0, 20.0));  // no split given: all grid
  row = store.session(id);
  EXPECT_EQ(row->solar_kwh, 0.0);
  EXPECT_EQ(row->grid_kwh, 2.0);

  EXPECT_TRUE(store.update_session(id, 45, 3.0, 15.0, 5.0));  // more solar than energy: capped
  row = store.session(id);
  EXPECT_EQ(row->solar_kwh, 3.0);
  EXPECT_EQ(row->grid_kwh, 0.0);

  EXPECT_TRUE(store.close_session(id, t + 6h, 70.0, 12.0, 61.5, 7.25));
  row = store.session(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->solar_kwh, 7.25);
  EXPECT_EQ(row->grid_kwh, 4.75);
  EXPECT_EQ(row->solar_kwh + row->grid_kwh, row->energy_kwh);
  EXPECT_EQ(row->cost_p, 61.5);
}

}  // namespace
}  // namespace offpeak::store
