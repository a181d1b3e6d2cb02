// The dynamic tariffs' price cache (`prices`, per tariff code) and the carbon intensity cache
// (`carbon_intensity`, per area): the same half-hourly series, two tables.

#include "schema.hpp"
#include "sql.hpp"

#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <stdexcept>

namespace offpeak::store {

using detail::bind_text;
using detail::StoreAccess;
using detail::ts_optional;
using detail::ts_text;
using detail::ts_value;

namespace {

// A half-hourly series cached per key (prices per tariff code, carbon intensity per area):
// the same rows, table and column names differ. Names are constants, never user input.
struct SeriesTable {
  const char* table;
  const char* key;
  const char* value;
  const char* upsert;  // the caller's name, for errors
};
constexpr SeriesTable k_price_series{"prices", "tariff_code", "price_p_per_kwh", "upsert_prices"};
constexpr SeriesTable k_carbon_series{"carbon_intensity", "area", "g_per_kwh", "upsert_carbon"};

void upsert_series(SQLite::Database& db, const SeriesTable& t, std::string_view key,
                   const std::vector<PriceSlot>& slots, Instant fetched_at) {
  for (const auto& slot : slots) {
    if (!(slot.start < slot.end)) {
      throw std::invalid_argument(std::string(t.upsert) + ": slot starting " + ts_text(slot.start) +
                                  " does not end after it starts");
    }
  }
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement erase(db, std::string("DELETE FROM ") + t.table + " WHERE " + t.key +
                                  " = ?1 AND valid_from < ?2 AND valid_to > ?3");
  SQLite::Statement insert(db, std::string("INSERT INTO ") + t.table + "(" + t.key +
                                   ", valid_from, valid_to, " + t.value +
                                   ", fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::string k(key);
  const std::string fetched = ts_text(fetched_at);
  for (const auto& slot : slots) {
    // The newest fetch is authoritative for the time it covers: drop overlapping old rows.
    erase.bind(1, k);
    erase.bind(2, ts_text(slot.end));
    erase.bind(3, ts_text(slot.start));
    erase.exec();
    erase.reset();
    insert.bind(1, k);
    insert.bind(2, ts_text(slot.start));
    insert.bind(3, ts_text(slot.end));
    insert.bind(4, slot.price_p_per_kwh);
    insert.bind(5, fetched);
    insert.exec();
    insert.reset();
  }
  tx.commit();
}

PriceCurve load_series(const SQLite::Database& db, const SeriesTable& t, std::string_view key,
                       Instant from, Instant to) {
  SQLite::Statement s(db, std::string("SELECT valid_from, valid_to, ") + t.value + " FROM " +
                              t.table + " WHERE " + t.key +
                              " = ?1 AND valid_to > ?2 AND valid_from < ?3 ORDER BY valid_from");
  bind_text(s, 1, key);
  s.bind(2, ts_text(from));
  s.bind(3, ts_text(to));
  std::vector<PriceSlot> slots;
  while (s.executeStep()) {
    Instant start = std::max(ts_value(s.getColumn(0)), from);
    const Instant end = std::min(ts_value(s.getColumn(1)), to);
    if (!slots.empty()) start = std::max(start, slots.back().end);
    if (start >= end) continue;
    slots.push_back(PriceSlot{start, end, s.getColumn(2).getDouble()});
  }
  return PriceCurve(std::move(slots));
}

std::optional<Instant> series_fetched_at(const SQLite::Database& db, const SeriesTable& t,
                                         std::string_view key) {
  SQLite::Statement s(
      db, std::string("SELECT max(fetched_at) FROM ") + t.table + " WHERE " + t.key + " = ?1");
  bind_text(s, 1, key);
  if (!s.executeStep()) return std::nullopt;
  return ts_optional(s.getColumn(0));
}

}  // namespace

void Store::upsert_prices(std::string_view tariff_code, const std::vector<PriceSlot>& slots,
                          Instant fetched_at) {
  upsert_series(StoreAccess::db(*this), k_price_series, tariff_code, slots, fetched_at);
}

PriceCurve Store::load_prices(std::string_view tariff_code, Instant from, Instant to) const {
  return load_series(StoreAccess::db(*this), k_price_series, tariff_code, from, to);
}

std::optional<Instant> Store::prices_fetched_at(std::string_view tariff_code) const {
  return series_fetched_at(StoreAccess::db(*this), k_price_series, tariff_code);
}

void Store::upsert_carbon(std::string_view area, const std::vector<PriceSlot>& slots,
                          Instant fetched_at) {
  upsert_series(StoreAccess::db(*this), k_carbon_series, area, slots, fetched_at);
}

PriceCurve Store::load_carbon(std::string_view area, Instant from, Instant to) const {
  return load_series(StoreAccess::db(*this), k_carbon_series, area, from, to);
}

std::optional<Instant> Store::carbon_fetched_at(std::string_view area) const {
  return series_fetched_at(StoreAccess::db(*this), k_carbon_series, area);
}

std::int64_t Store::delete_prices_before(Instant cutoff) {
  SQLite::Statement s(StoreAccess::db(*this), "DELETE FROM prices WHERE valid_to <= ?1");
  s.bind(1, ts_text(cutoff));
  return s.exec();
}

}  // namespace offpeak::store
