// meter_samples (schema version 4): rows written and read back with NULLs kept, ranges, and
// pruning beside the car's samples.

#include <offpeak/store/meter_samples.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace offpeak::store {
namespace {
namespace fs = std::filesystem;

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

TEST(MeterSamples, WrittenReadAndPruned) {
  std::string tmpl = (fs::temp_directory_path() / "offpeak-meters-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  {
    Store store(dir / "offpeak.db");
    EXPECT_EQ(store.schema_version(), k_schema_version);
    add_meter_sample(store, {at("2026-06-01T12:00:00Z"), -2150.5, 4300.0});
    add_meter_sample(store, {at("2026-06-01T12:01:00Z"), std::nullopt, 4100.0});  // grid stale
    add_meter_sample(store, {at("2026-06-03T12:00:00Z"), 350.0, std::nullopt, 3680.0, 16.0});
    auto all = meter_samples(store, {at("2026-06-01T00:00:00Z"), at("2026-06-04T00:00:00Z")});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0], (MeterSampleRow{at("2026-06-01T12:00:00Z"), -2150.5, 4300.0}));
    EXPECT_FALSE(all[1].grid_w);
    EXPECT_EQ(all[1].pv_w, 4100.0);
    EXPECT_FALSE(all[2].pv_w);
    EXPECT_FALSE(all[0].car_w);  // written without the loadpoints' draw: NULL, never 0
    EXPECT_FALSE(all[0].current_a);
    EXPECT_EQ(all[2].car_w, 3680.0);
    EXPECT_EQ(all[2].current_a, 16.0);
    auto newest =
        meter_samples(store, {at("2026-06-01T00:00:00Z"), at("2026-06-04T00:00:00Z"), 1, true});
    ASSERT_EQ(newest.size(), 1u);
    EXPECT_EQ(newest[0].grid_w, 350.0);
    // Retention: Store::prune_samples takes the meter samples with the car's.
    EXPECT_EQ(store.prune_samples(at("2026-06-04T00:00:00Z"), std::chrono::days{2}), 2);
    auto left = meter_samples(store, {at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")});
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].grid_w, 350.0);
  }
  SQLite::Database raw((dir / "offpeak.db").string());
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), k_schema_version);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace offpeak::store
