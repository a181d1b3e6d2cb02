#pragma once
// The home's meters in the database (table `meter_samples`, schema version 4; car power and
// charge current since version 6): grid and PV power, at most one row a minute (the daemon's
// choice), kept as long as the car's samples (Store::prune_samples deletes both).
//
// Threading and failures as Store: use from the thread that uses the Store; SQLite failures
// throw std::runtime_error.

#include <offpeak/domain/time.hpp>
#include <offpeak/store/store.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace offpeak::store {

struct MeterSampleRow {
  Instant ts{};
  std::optional<double> grid_w;  // import positive; NULL: no fresh reading
  std::optional<double> pv_w;
  std::optional<double> car_w;      // what the loadpoints drew; NULL in rows before version 6
  std::optional<double> current_a;  // the charge current; NULL for an on/off switch
  friend bool operator==(const MeterSampleRow&, const MeterSampleRow&) = default;
};

void add_meter_sample(Store& store, const MeterSampleRow& row);
// Rows with range.from <= ts < range.to, oldest first (newest first with range.newest_first),
// at most range.limit.
std::vector<MeterSampleRow> meter_samples(const Store& store, const TimeRange& range);
// Deletes rows with ts < cutoff, `batch` rows per transaction; returns rows deleted.
std::int64_t delete_meter_samples_before(Store& store, Instant cutoff,
                                         int batch = k_default_prune_batch);

}  // namespace offpeak::store
