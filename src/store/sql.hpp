#pragma once
// The store's SQL helpers, private to src/store: instants as RFC 3339 text, optional values
// as NULL, and the history queries every table shares (by device and time range).

#include <offpeak/domain/time.hpp>
#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::store::detail {

inline std::string ts_text(Instant t) {
  return format_rfc3339(t);
}

// Throws std::runtime_error when the column does not hold an RFC 3339 instant.
inline Instant ts_value(const SQLite::Column& c) {
  const std::string text = c.getString();
  auto t = parse_rfc3339(text);
  if (!t) throw std::runtime_error("database holds a malformed timestamp: '" + text + "'");
  return *t;
}

inline std::optional<Instant> ts_optional(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return ts_value(c);
}

inline std::optional<double> double_optional(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

inline void bind_text(SQLite::Statement& s, int index, std::string_view text) {
  s.bind(index, std::string(text));
}

inline void bind_optional(SQLite::Statement& s, int index, std::optional<double> v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind(index);
  }
}

// The SQL of a history query over `columns` of `table` ordered by `ts_column`, binding ?1
// device (empty = all), ?2 from, ?3 to, ?4 limit. All parts are compile-time literals chosen
// by the caller; values are always bound.
inline std::string range_sql(const char* columns, const char* table, const char* ts_column,
                             bool newest_first) {
  return std::string("SELECT ") + columns + " FROM " + table +
         " WHERE (?1 = '' OR device_id = ?1) AND " + ts_column + " >= ?2 AND " + ts_column +
         " < ?3 ORDER BY " + ts_column + (newest_first ? " DESC, id DESC" : " ASC, id ASC") +
         " LIMIT ?4";
}

// One row of `sql` with `args` bound as text to ?1, ?2...; nullopt when there is none.
template <class Row, class Reader>
std::optional<Row> query_one(const SQLite::Database& db, const std::string& sql, Reader reader,
                             std::initializer_list<std::string_view> args) {
  SQLite::Statement s(db, sql);
  int i = 1;
  for (auto a : args)
    bind_text(s, i++, a);
  if (!s.executeStep()) return std::nullopt;
  return reader(s);
}

// The rows of a history query (range_sql) of one device (empty: all) within `range`.
template <class Row, class Reader>
std::vector<Row> query_range(const SQLite::Database& db, const char* columns, const char* table,
                             const char* ts_column, Reader reader, std::string_view device_id,
                             const TimeRange& range) {
  SQLite::Statement s(db, range_sql(columns, table, ts_column, range.newest_first));
  bind_text(s, 1, device_id);
  s.bind(2, ts_text(range.from));
  s.bind(3, ts_text(range.to));
  s.bind(4, static_cast<std::int64_t>(std::max(range.limit, 0)));
  std::vector<Row> out;
  while (s.executeStep())
    out.push_back(reader(s));
  return out;
}

}  // namespace offpeak::store::detail
