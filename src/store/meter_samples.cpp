#include "schema.hpp"

#include <offpeak/store/meter_samples.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <stdexcept>

namespace offpeak::store {

using detail::StoreAccess;

void add_meter_sample(Store& store, const MeterSampleRow& row) {
  SQLite::Statement s(StoreAccess::db(store),
                      "INSERT INTO meter_samples(ts, grid_w, pv_w, car_w, current_a) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, format_rfc3339(row.ts));
  if (row.grid_w) s.bind(2, *row.grid_w);
  if (row.pv_w) s.bind(3, *row.pv_w);
  if (row.car_w) s.bind(4, *row.car_w);
  if (row.current_a) s.bind(5, *row.current_a);
  s.exec();
}

std::vector<MeterSampleRow> meter_samples(const Store& store, const TimeRange& range) {
  SQLite::Statement s(
      StoreAccess::db(store),
      std::string(
          "SELECT ts, grid_w, pv_w, car_w, current_a FROM meter_samples WHERE ts >= ?1 AND ts < ?2 "
          "ORDER BY ts ") +
          (range.newest_first ? "DESC" : "ASC") + " LIMIT ?3");
  s.bind(1, format_rfc3339(range.from));
  s.bind(2, format_rfc3339(range.to));
  s.bind(3, std::max(range.limit, 1));
  std::vector<MeterSampleRow> out;
  while (s.executeStep()) {
    MeterSampleRow r;
    auto t = parse_rfc3339(s.getColumn(0).getString());
    if (!t)
      throw std::runtime_error("bad timestamp in meter_samples: " + s.getColumn(0).getString());
    r.ts = *t;
    if (!s.getColumn(1).isNull()) r.grid_w = s.getColumn(1).getDouble();
    if (!s.getColumn(2).isNull()) r.pv_w = s.getColumn(2).getDouble();
    if (!s.getColumn(3).isNull()) r.car_w = s.getColumn(3).getDouble();
    if (!s.getColumn(4).isNull()) r.current_a = s.getColumn(4).getDouble();
    out.push_back(r);
  }
  return out;
}

std::int64_t delete_meter_samples_before(Store& store, Instant cutoff, int batch) {
  const std::int64_t per_batch = std::max(batch, 1);
  std::int64_t total = 0;
  for (;;) {
    SQLite::Statement s(StoreAccess::db(store),
                        "DELETE FROM meter_samples WHERE id IN (SELECT id FROM meter_samples "
                        "WHERE ts < ?1 ORDER BY ts LIMIT ?2)");
    s.bind(1, format_rfc3339(cutoff));
    s.bind(2, per_batch);
    const int deleted = s.exec();
    total += deleted;
    if (deleted < per_batch) return total;
  }
}

}  // namespace offpeak::store
