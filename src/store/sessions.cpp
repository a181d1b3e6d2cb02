// The `sessions` table: one row per plug-in to unplug, with the energy, its split into solar
// and grid, and the cost (docs/database.md).

#include "schema.hpp"
#include "sql.hpp"

#include <offpeak/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

namespace offpeak::store {

using detail::bind_optional;
using detail::bind_text;
using detail::StoreAccess;
using detail::ts_text;

namespace {

constexpr const char* k_session_columns =
    "id, started_at, ended_at, device_id, start_soc, end_soc, energy_kwh, cost_p, solar_kwh, "
    "grid_kwh";

SessionRow read_session(const SQLite::Statement& s) {
  SessionRow r;
  r.id = s.getColumn(0).getInt64();
  r.started_at = detail::ts_value(s.getColumn(1));
  r.ended_at = detail::ts_optional(s.getColumn(2));
  r.device_id = s.getColumn(3).getString();
  r.start_soc = detail::double_optional(s.getColumn(4));
  r.end_soc = detail::double_optional(s.getColumn(5));
  r.energy_kwh = s.getColumn(6).getDouble();
  r.cost_p = s.getColumn(7).getDouble();
  r.solar_kwh = s.getColumn(8).getDouble();
  r.grid_kwh = s.getColumn(9).getDouble();
  return r;
}

// The solar part kept within [0, energy]: the two parts always sum to the energy.
double solar_within(double solar_kwh, double energy_kwh) {
  return std::clamp(solar_kwh, 0.0, std::max(energy_kwh, 0.0));
}

}  // namespace

std::int64_t Store::open_session(std::string_view device_id, Instant started_at,
                                 std::optional<double> start_soc) {
  auto& db = StoreAccess::db(*this);
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  if (auto open = current_open_session(device_id)) return open->id;
  SQLite::Statement s(db,
                      "INSERT INTO sessions(started_at, ended_at, device_id, start_soc, end_soc, "
                      "energy_kwh, cost_p, solar_kwh, grid_kwh) "
                      "VALUES (?1, NULL, ?2, ?3, ?3, 0, 0, 0, 0)");
  s.bind(1, ts_text(started_at));
  bind_text(s, 2, device_id);
  bind_optional(s, 3, start_soc);
  s.exec();
  const std::int64_t id = db.getLastInsertRowid();
  tx.commit();
  return id;
}

bool Store::update_session(std::int64_t id, std::optional<double> end_soc, double energy_kwh,
                           double cost_p, double solar_kwh) {
  const double solar = solar_within(solar_kwh, energy_kwh);
  SQLite::Statement s(StoreAccess::db(*this),
                      "UPDATE sessions SET end_soc = COALESCE(?1, end_soc), energy_kwh = ?2, "
                      "cost_p = ?3, solar_kwh = ?4, grid_kwh = ?5 WHERE id = ?6 AND ended_at IS "
                      "NULL");
  bind_optional(s, 1, end_soc);
  s.bind(2, energy_kwh);
  s.bind(3, cost_p);
  s.bind(4, solar);
  s.bind(5, energy_kwh - solar);
  s.bind(6, id);
  return s.exec() == 1;
}

bool Store::close_session(std::int64_t id, Instant ended_at, std::optional<double> end_soc,
                          double energy_kwh, double cost_p, double solar_kwh) {
  const double solar = solar_within(solar_kwh, energy_kwh);
  SQLite::Statement s(StoreAccess::db(*this),
                      "UPDATE sessions SET ended_at = ?1, end_soc = COALESCE(?2, end_soc), "
                      "energy_kwh = ?3, cost_p = ?4, solar_kwh = ?5, grid_kwh = ?6 "
                      "WHERE id = ?7 AND ended_at IS NULL");
  s.bind(1, ts_text(ended_at));
  bind_optional(s, 2, end_soc);
  s.bind(3, energy_kwh);
  s.bind(4, cost_p);
  s.bind(5, solar);
  s.bind(6, energy_kwh - solar);
  s.bind(7, id);
  return s.exec() == 1;
}

std::optional<SessionRow> Store::current_open_session(std::string_view device_id) const {
  return detail::query_one<SessionRow>(
      StoreAccess::db(*this),
      std::string("SELECT ") + k_session_columns +
          " FROM sessions WHERE device_id = ?1 AND ended_at IS NULL "
          "ORDER BY started_at DESC LIMIT 1",
      read_session, {device_id});
}

std::optional<SessionRow> Store::session(std::int64_t id) const {
  SQLite::Statement s(StoreAccess::db(*this),
                      std::string("SELECT ") + k_session_columns + " FROM sessions WHERE id = ?1");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_session(s);
}

std::vector<SessionRow> Store::sessions(std::string_view device_id, const TimeRange& range) const {
  return detail::query_range<SessionRow>(StoreAccess::db(*this), k_session_columns, "sessions",
                                         "started_at", read_session, device_id, range);
}

}  // namespace offpeak::store
