#include <offpeak/store/history.hpp>
#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace offpeak::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

// A fresh temporary directory per test, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "offpeak-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = dir_ / "offpeak.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  static std::string bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  VehicleState state(const char* ts, std::optional<double> soc) {
    VehicleState s;
    s.device_id = "WBY7ZddD802daf16";
    s.observed_at = at(ts);
    s.soc_percent = soc;
    s.charging_state = ChargingState::charging;
    s.plugged_in = true;
    s.range_km = 121.5;
    return s;
  }

  fs::path dir_;
  fs::path db_;
};

TEST_F(StoreTest, MigratesFromEmptyWithContractColumns) {
  Store store(db_);
  EXPECT_EQ(store.schema_version(), k_schema_version);
  SQLite::Database raw(db_.string());
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  auto columns = [&](const char* table) {
    SQLite::Statement s(raw, "SELECT name FROM pragma_table_info(?1) ORDER BY cid");
    s.bind(1, table);
    std::vector<std::string> out;
    while (s.executeStep())
      out.push_back(s.getColumn(0).getString());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(columns("samples"), (V{"id", "ts", "device_id", "soc", "charging_state", "plugged_in",
                                   "range_km", "told"}));
  EXPECT_EQ(columns("plans"), (V{"id", "ts", "device_id", "ready_by", "target_soc",
                                 "energy_needed_kwh", "est_cost_p", "feasible", "plan_json"}));
  EXPECT_EQ(columns("commands"), (V{"id", "ts", "device_id", "action", "reason", "result"}));
  EXPECT_EQ(columns("sessions"), (V{"id", "started_at", "ended_at", "device_id", "start_soc",
                                    "end_soc", "energy_kwh", "cost_p", "solar_kwh", "grid_kwh"}));
  EXPECT_EQ(columns("kv"), (V{"key", "value", "updated_at"}));
  EXPECT_EQ(columns("token_cache"), (V{"account_key", "access_token", "expires_at"}));
  EXPECT_EQ(columns("prices"),
            (V{"tariff_code", "valid_from", "valid_to", "price_p_per_kwh", "fetched_at"}));
}

// A SoC the owner told is a reading like any other, marked as told.
TEST_F(StoreTest, ToldReadingsAreMarked) {
  Store store(db_);
  VehicleState read;
  read.device_id = "car";
  read.observed_at = at("2026-03-28T18:00:00Z");
  read.soc_percent = 40;
  VehicleState told = read;
  told.observed_at = at("2026-03-28T19:00:00Z");
  told.soc_percent = 55;
  told.told = true;
  store.add_sample(read);
  store.add_sample(told);
  const auto rows = store.samples("car", {at("2026-03-28T00:00:00Z"), at("2026-03-29T00:00:00Z")});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].told);
  EXPECT_TRUE(rows[1].told);
  EXPECT_EQ(rows[1].soc_percent, 55.0);
  EXPECT_TRUE(store.last_sample("car")->told);
}

TEST_F(StoreTest, ReopenIsIdempotentAndKeepsData) {
  {
    Store store(db_);
    store.add_sample(state("2026-03-28T18:00:00Z", 40));
  }
  {
    Store again(db_);
    EXPECT_EQ(again.schema_version(), k_schema_version);
    EXPECT_EQ(again.stats().samples, 1);
  }
  Store third(db_);
  EXPECT_EQ(third.stats().samples, 1);
}

TEST_F(StoreTest, CreatesFileWithMode0600) {
  const mode_t old_umask = ::umask(0);
  { Store store(db_); }
  ::umask(old_umask);
  EXPECT_EQ(mode_of(db_), 0600u);
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(db_.string() + suffix)) {
      EXPECT_EQ(mode_of(db_.string() + suffix), 0600u) << suffix;
    }
  }
}

TEST_F(StoreTest, TightensLaxModeOfExistingFile) {
  { Store store(db_); }
  ASSERT_EQ(::chmod(db_.c_str(), 0644), 0);
  Store store(db_);
  EXPECT_EQ(mode_of(db_), 0600u);
}

TEST_F(StoreTest, RefusesNewerSchemaAndLeavesFileUntouched) {
  {
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE future (x INTEGER); INSERT INTO future VALUES (1);");
    raw.exec("PRAGMA user_version = " + std::to_string(k_schema_version + 1));
  }
  ASSERT_EQ(::chmod(db_.c_str(), 0644), 0);
  const std::string before = bytes_of(db_);
  const auto mtime_before = fs::last_write_time(db_);
  std::this_thread::sleep_for(20ms);  // an mtime change would be visible

  try {
    Store store(db_);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(db_.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(bytes_of(db_), before);
  EXPECT_EQ(fs::last_write_time(db_), mtime_before);
  EXPECT_EQ(mode_of(db_), 0644u);
  EXPECT_FALSE(fs::exists(db_.string() + "-wal"));
}

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(db_) << "this is not sqlite, just text that is long enough to have a header.";
  EXPECT_THROW(Store store(db_), StoreError);
}

TEST_F(StoreTest, RefusesAMissingDirectory) {
  EXPECT_THROW(Store store(dir_ / "missing" / "offpeak.db"), StoreError);
}

TEST_F(StoreTest, SamplesRoundTripWithUnknownFields) {
  Store store(db_);
  auto full = state("2026-03-28T18:00:00Z", 40.5);
  VehicleState unknown;
  unknown.device_id = full.device_id;
  unknown.observed_at = at("2026-03-28T18:05:00Z");
  const auto id1 = store.add_sample(full);
  const auto id2 = store.add_sample(unknown);
  VehicleState other = full;
  other.device_id = "OTHER";
  store.add_sample(other);

  const auto rows =
      store.samples(full.device_id, {at("2026-03-28T00:00:00Z"), at("2026-03-29T00:00:00Z")});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (SampleRow{id1, full.observed_at, full.device_id, 40.5,
                                ChargingState::charging, true, 121.5}));
  EXPECT_EQ(rows[1], (SampleRow{id2, unknown.observed_at, full.device_id, std::nullopt,
                                ChargingState::unknown, std::nullopt, std::nullopt}));

  // The contract: soc and plugged_in are NULL when unknown, charging_state the service text.
  SQLite::Database raw(db_.string());
  SQLite::Statement s(raw,
                      "SELECT soc IS NULL, plugged_in IS NULL, charging_state, ts "
                      "FROM samples WHERE id = ?1");
  s.bind(1, id2);
  ASSERT_TRUE(s.executeStep());
  EXPECT_EQ(s.getColumn(0).getInt(), 1);
  EXPECT_EQ(s.getColumn(1).getInt(), 1);
  EXPECT_EQ(s.getColumn(2).getString(), "UNKNOWN");
  EXPECT_EQ(s.getColumn(3).getString(), "2026-03-28T18:05:00Z");

  // All devices, newest first, limited.
  TimeRange range{at("2026-03-28T00:00:00Z"), at("2026-03-29T00:00:00Z"), 2, true};
  const auto newest = store.samples("", range);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].id, id2);

  // [from, to) is half-open.
  EXPECT_EQ(store.samples("", {full.observed_at, unknown.observed_at}).size(), 2u);
  EXPECT_EQ(store.last_sample(full.device_id)->id, id2);
  EXPECT_FALSE(store.last_sample("nobody"));
  ASSERT_TRUE(store.last_sample(""));  // any car
  EXPECT_EQ(store.last_sample("")->id, id2);
}

TEST_F(StoreTest, PlansRoundTrip) {
  Store store(db_);
  Plan plan;
  plan.now = at("2026-03-28T18:00:00Z");
  plan.ready_by = at("2026-03-29T06:30:00Z");
  plan.target_soc = 80;
  plan.energy_needed_kwh = 16.84;
  plan.total_cost_p = 143.14;
  plan.feasible = false;
  const auto id = store.add_plan("car", plan, R"({"feasible": false})");
  const PlanRow expected{id,    plan.now, "car", plan.ready_by,           80,
                         16.84, 143.14,   false, R"({"feasible": false})"};
  EXPECT_EQ(store.last_plan("car"), expected);
  const auto rows = store.plans("car", {plan.now, plan.now + 1s});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], expected);
  EXPECT_TRUE(store.plans("car", {plan.now + 1s, plan.now + 2s}).empty());
}

TEST_F(StoreTest, CommandsRoundTrip) {
  Store store(db_);
  const auto t = at("2026-03-29T00:30:00Z");
  store.add_command(t, "car", CommandAction::start, "cheapest slot 00:30-02:46", "ok");
  const auto id =
      store.add_command(t + 2h, "car", CommandAction::stop, "target reached", "failed: HTTP 500");
  const CommandRow last{
      id, t + 2h, "car", CommandAction::stop, "target reached", "failed: HTTP 500"};
  EXPECT_EQ(store.last_command("car"), last);
  const auto rows = store.commands("car", {t, t + 3h});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].action, CommandAction::start);
  EXPECT_EQ(rows[0].result, "ok");
  EXPECT_EQ(to_string(CommandAction::start), "start");
}

// The charging model learns from spans between readings of the car at rest over the time
// the charger was on: the history says how long that was, from the commands the switch took.
TEST_F(StoreTest, ChargeHistoryKnowsTheChargersOnTimeBetweenReadings) {
  Store store(db_);
  const auto t = at("2026-03-28T18:00:00Z");
  auto sample = [&](Instant when, double soc, ChargingState cs) {
    VehicleState s;
    s.device_id = "car";
    s.observed_at = when;
    s.soc_percent = soc;
    s.plugged_in = true;
    s.charging_state = cs;
    store.add_sample(s);
  };
  sample(t, 40, ChargingState::not_charging);  // before any command: on-time unknown
  store.add_command(t + 30min, "car", CommandAction::start, "run", "ok");
  sample(t + 1h, 47, ChargingState::charging);
  store.add_command(t + 90min, "car", CommandAction::stop, "end of run", "ok");
  store.add_command(t + 100min, "car", CommandAction::start, "run", "failed: HTTP 500");
  sample(t + 2h, 52, ChargingState::not_charging);
  sample(t + 3h, 52, ChargingState::not_charging);
  const auto h = load_charge_history(store, "car", t + 4h);
  ASSERT_EQ(h.observations.size(), 4u);
  EXPECT_FALSE(h.observations[0].charged);
  EXPECT_FALSE(h.observations[1].charged);  // the record starts at 18:30
  ASSERT_TRUE(h.observations[2].charged);
  EXPECT_EQ(*h.observations[2].charged, 30min);  // 19:00-19:30; the failed start does not count
  ASSERT_TRUE(h.observations[3].charged);
  EXPECT_EQ(*h.observations[3].charged, 0min);
}

TEST_F(StoreTest, SessionsOpenUpdateClose) {
  Store store(db_);
  const auto t = at("2026-03-28T18:00:00Z");
  EXPECT_FALSE(store.current_open_session("car"));
  const auto id = store.open_session("car", t, 40.0);
  EXPECT_EQ(store.open_session("car", t + 1h, 50.0), id) << "one open session per device";
  ASSERT_TRUE(store.current_open_session("car"));
  EXPECT_EQ(store.current_open_session("car")->start_soc, 40.0);

  EXPECT_TRUE(store.update_session(id, 55.0, 5.5, 44.0));
  EXPECT_TRUE(store.update_session(id, std::nullopt, 6.0, 48.0));  // keeps end_soc
  auto open = store.session(id);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->end_soc, 55.0);
  EXPECT_EQ(open->energy_kwh, 6.0);
  EXPECT_FALSE(open->ended_at);

  EXPECT_TRUE(store.close_session(id, t + 10h, 80.0, 16.84, 143.14));
  EXPECT_FALSE(store.close_session(id, t + 11h, 81.0, 1, 1)) << "already closed";
  EXPECT_FALSE(store.update_session(id, 90.0, 1, 1));
  EXPECT_FALSE(store.current_open_session("car"));
  const SessionRow closed{id, t, t + 10h, "car", 40.0, 80.0, 16.84, 143.14, 0.0, 16.84};
  EXPECT_EQ(store.session(id), closed);

  const auto id2 = store.open_session("car", t + 12h, std::nullopt);
  EXPECT_NE(id2, id);
  const auto rows = store.sessions("car", {t, t + 24h});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], closed);
  EXPECT_FALSE(rows[1].start_soc);
  EXPECT_FALSE(store.session(9999));
}

TEST_F(StoreTest, SettingsGetSetErase) {
  Store store(db_);
  EXPECT_FALSE(store.get_setting("mode"));
  store.set_setting("mode", "smart", at("2026-03-28T18:00:00Z"));
  store.set_setting("mode", "off", at("2026-03-28T19:00:00Z"));
  EXPECT_EQ(store.get_setting("mode"), "off");
  EXPECT_TRUE(store.erase_setting("mode"));
  EXPECT_FALSE(store.erase_setting("mode"));
  EXPECT_FALSE(store.get_setting("mode"));
}

TEST_F(StoreTest, TokenCacheKeyedByHashWithoutPassword) {
  Store store(db_);
  const auto key = account_key("http://localhost:3000", "a@example.com");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key, account_key("http://localhost:3000", "a@example.com"));
  EXPECT_NE(key, account_key("http://localhost:3000", "b@example.com"));
  EXPECT_EQ(key.find("example"), std::string::npos);
  EXPECT_FALSE(store.get_token(key));
  store.put_token(key, {"secret-token-1", at("2026-03-29T02:00:00Z")});
  store.put_token(key, {"secret-token-2", at("2026-03-29T03:00:00Z")});
  const auto token = store.get_token(key);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->access_token, "secret-token-2");
  EXPECT_EQ(token->expires_at, at("2026-03-29T03:00:00Z"));
  store.clear_token(key);
  EXPECT_FALSE(store.get_token(key));
}

TEST(AccountKey, IsSha256OfUrlNewlineEmail) {
  // Expected values from `printf 'URL\nEMAIL' | sha256sum`; the second spans two blocks.
  EXPECT_EQ(account_key("http://x", "me"),
            "811b52f0800a50ead4b7f416ee3c44fe0fddc48448517f0a8a2720edc2fcbeab");
  EXPECT_EQ(account_key("https://www.connect.orangepower.co.uk", std::string(100, 'e')),
            "7e800c60f500f5491ec0bee8464d57c114057088c22c9ad3f8de055cdf0ede9c");
}

TEST_F(StoreTest, PriceCacheKeepsGapsAsGaps) {
  Store store(db_);
  const auto t = at("2026-03-28T00:00:00Z");
  store.upsert_prices(
      "AGILE-A",
      {{t, t + 30min, 10.0}, {t + 30min, t + 60min, -2.5}, {t + 120min, t + 150min, 20.0}}, t);
  store.upsert_prices("OTHER", {{t, t + 150min, 99.0}}, t);
  const auto curve = store.load_prices("AGILE-A", t, t + 180min);
  EXPECT_EQ(curve.slots(), (std::vector<PriceSlot>{{t, t + 30min, 10.0},
                                                   {t + 30min, t + 60min, -2.5},
                                                   {t + 120min, t + 150min, 20.0}}));
  EXPECT_FALSE(curve.price_at(t + 90min)) << "a missing price is unknown, never 0";
  EXPECT_FALSE(curve.price_at(t + 160min));

  // Clipped to [from, to).
  const auto part = store.load_prices("AGILE-A", t + 15min, t + 125min);
  EXPECT_EQ(part.slots(), (std::vector<PriceSlot>{{t + 15min, t + 30min, 10.0},
                                                  {t + 30min, t + 60min, -2.5},
                                                  {t + 120min, t + 125min, 20.0}}));

  // A newer fetch replaces what it overlaps and fills the gap.
  store.upsert_prices("AGILE-A", {{t + 30min, t + 90min, 7.0}}, t + 1h);
  EXPECT_EQ(
      store.load_prices("AGILE-A", t, t + 180min).slots(),
      (std::vector<PriceSlot>{
          {t, t + 30min, 10.0}, {t + 30min, t + 90min, 7.0}, {t + 120min, t + 150min, 20.0}}));
  EXPECT_EQ(store.prices_fetched_at("AGILE-A"), t + 1h);
  EXPECT_FALSE(store.prices_fetched_at("NONE"));
  EXPECT_TRUE(store.load_prices("NONE", t, t + 1h).empty());

  EXPECT_EQ(store.delete_prices_before(t + 90min), 2);
  EXPECT_EQ(store.load_prices("AGILE-A", t, t + 180min).slots().size(), 1u);
  EXPECT_THROW(store.upsert_prices("AGILE-A", {{t, t, 1.0}}, t), std::invalid_argument);
}

TEST_F(StoreTest, RetentionDeletesOldSamplesInBatches) {
  Store store(db_);
  const auto now = at("2026-03-28T00:00:00Z");
  for (int i = 0; i < 25; ++i) {
    auto s = state("2020-01-01T00:00:00Z", i);
    s.observed_at = now - k_default_sample_retention - std::chrono::hours(i + 1);
    store.add_sample(s);
  }
  auto recent = state("2026-03-27T00:00:00Z", 50);
  store.add_sample(recent);
  EXPECT_EQ(store.delete_samples_before(now - k_default_sample_retention, 7), 25);
  EXPECT_EQ(store.stats().samples, 1);
  EXPECT_EQ(store.prune_samples(now), 0);
  EXPECT_EQ(store.prune_samples(now, Seconds{0}), 1);
}

TEST_F(StoreTest, MaintenanceAndStats) {
  Store store(db_);
  store.add_sample(state("2026-03-28T18:00:00Z", 40));
  store.add_command(at("2026-03-28T18:00:00Z"), "car", CommandAction::start, "r", "ok");
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_TRUE(store.checkpoint());
  const auto st = store.stats();
  EXPECT_EQ(st.samples, 1);
  EXPECT_EQ(st.commands, 1);
  EXPECT_EQ(st.plans, 0);
  EXPECT_GT(st.file_size_bytes, 0u);
  EXPECT_EQ(fs::file_size(db_.string() + "-wal"), 0u) << "TRUNCATE checkpoint empties the WAL";
}

TEST_F(StoreTest, MovedStoreStillWorks) {
  Store a(db_);
  Store b = std::move(a);
  b.add_sample(state("2026-03-28T18:00:00Z", 40));
  EXPECT_EQ(b.stats().samples, 1);
}

TEST_F(StoreTest, ConcurrentReaderIsNeverLocked) {
  Store writer(db_);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::string reader_error;
  std::thread reader([&] {
    try {
      Store other(db_);
      const TimeRange all{at("2000-01-01T00:00:00Z"), at("2100-01-01T00:00:00Z"), 10, true};
      while (!done) {
        other.samples("", all);
        other.stats();
        ++reads;
      }
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  auto s = state("2026-03-28T18:00:00Z", 1);
  for (int i = 0; i < 1000; ++i) {
    s.observed_at += 1min;
    writer.add_sample(s);
    if (i % 100 == 0) writer.add_command(s.observed_at, "car", CommandAction::start, "r", "ok");
  }
  done = true;
  reader.join();
  EXPECT_EQ(reader_error, "");
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(writer.stats().samples, 1000);
}

TEST_F(StoreTest, SurvivesSigkillDuringWrites) {
  { Store create(db_); }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      Store store(db_);
      auto s = state("2026-03-28T18:00:00Z", 1);
      for (;;) {
        s.observed_at += 1s;
        store.add_sample(s);
        store.upsert_prices("AGILE", {{s.observed_at, s.observed_at + 30min, 1.0}}, s.observed_at);
        if (auto open = store.current_open_session("car")) {
          store.close_session(open->id, s.observed_at, 50, 1, 1);
        } else {
          store.open_session("car", s.observed_at, 40);
        }
      }
    } catch (...) {
    }
    ::_exit(3);
  }
  // Let the child get going, then kill it mid-write.
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(10ms);
    if (fs::exists(db_.string() + "-wal") && fs::file_size(db_.string() + "-wal") > 200000) break;
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

  Store store(db_);
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_GT(store.stats().samples, 0);
  // A fresh write works after recovery.
  store.add_sample(state("2030-01-01T00:00:00Z", 99));
  EXPECT_EQ(store.last_sample("WBY7ZddD802daf16")->soc_percent, 99.0);
}

}  // namespace
}  // namespace offpeak::store
