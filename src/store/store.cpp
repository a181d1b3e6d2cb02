#include <offpeak/store/store.hpp>

#include "schema.hpp"

#include <offpeak/store/meter_samples.hpp>
#include "sha256.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sql.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <system_error>
#include <utility>

namespace offpeak::store {
namespace fs = std::filesystem;
using detail::bind_optional;
using detail::bind_text;
using detail::double_optional;
using detail::query_one;
using detail::query_range;
using detail::ts_text;
using detail::ts_value;

namespace {

constexpr const char* k_sample_columns =
    "id, ts, device_id, soc, charging_state, plugged_in, range_km, told";
constexpr const char* k_plan_columns =
    "id, ts, device_id, ready_by, target_soc, energy_needed_kwh, est_cost_p, feasible, plan_json";
constexpr const char* k_command_columns = "id, ts, device_id, action, reason, result";

SampleRow read_sample(const SQLite::Statement& s) {
  SampleRow r;
  r.id = s.getColumn(0).getInt64();
  r.ts = ts_value(s.getColumn(1));
  r.device_id = s.getColumn(2).getString();
  r.soc_percent = double_optional(s.getColumn(3));
  r.charging_state = parse_charging_state(s.getColumn(4).getString());
  if (!s.getColumn(5).isNull()) r.plugged_in = s.getColumn(5).getInt() != 0;
  r.range_km = double_optional(s.getColumn(6));
  r.told = s.getColumn(7).getInt() != 0;
  return r;
}

PlanRow read_plan(const SQLite::Statement& s) {
  PlanRow r;
  r.id = s.getColumn(0).getInt64();
  r.ts = ts_value(s.getColumn(1));
  r.device_id = s.getColumn(2).getString();
  r.ready_by = ts_value(s.getColumn(3));
  r.target_soc = s.getColumn(4).getDouble();
  r.energy_needed_kwh = s.getColumn(5).getDouble();
  r.est_cost_p = s.getColumn(6).getDouble();
  r.feasible = s.getColumn(7).getInt() != 0;
  r.plan_json = s.getColumn(8).getString();
  return r;
}

CommandRow read_command(const SQLite::Statement& s) {
  CommandRow r;
  r.id = s.getColumn(0).getInt64();
  r.ts = ts_value(s.getColumn(1));
  r.device_id = s.getColumn(2).getString();
  r.action = s.getColumn(3).getString() == "start" ? CommandAction::start : CommandAction::stop;
  r.reason = s.getColumn(4).getString();
  r.result = s.getColumn(5).getString();
  return r;
}

// Sets the permission bits of `p` to 0600 when it exists with other bits. Returns an error
// message, empty on success.
std::string tighten_mode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return "cannot stat " + p.string() + ": " + std::strerror(errno);
  }
  if ((st.st_mode & 07777) == (S_IRUSR | S_IWUSR)) return {};
  if (::chmod(p.c_str(), S_IRUSR | S_IWUSR) != 0) {
    return "cannot set mode 0600 on " + p.string() + ": " + std::strerror(errno);
  }
  return {};
}

int read_user_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

}  // namespace

std::string_view to_string(CommandAction action) {
  return action == CommandAction::start ? "start" : "stop";
}

std::string account_key(std::string_view base_url, std::string_view email) {
  std::string material(base_url);
  material.push_back('\n');
  material.append(email);
  return detail::sha256_hex(material);
}

struct Store::Impl {
  fs::path path;
  SQLite::Database db;

  Impl(fs::path p, SQLite::Database d) : path(std::move(p)), db(std::move(d)) {}

  std::int64_t count(const char* table) {
    return db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
  }
};

SQLite::Database& detail::StoreAccess::db(Store& store) {
  return store.impl_->db;
}
const SQLite::Database& detail::StoreAccess::db(const Store& store) {
  return store.impl_->db;
}

namespace {

SQLite::Database open_database(const fs::path& path, const StoreOptions& options) {
  // Create the file ourselves so that it never exists with a laxer mode than 0600.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    throw StoreError("cannot open database " + path.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  try {
    return SQLite::Database(path.string(), SQLite::OPEN_READWRITE,
                            static_cast<int>(options.busy_timeout.count()));
  } catch (const std::exception& e) {
    throw StoreError("cannot open database " + path.string() + ": " + e.what());
  }
}

void migrate(SQLite::Database& db, const fs::path& path) {
  const auto& migrations = detail::migrations();
  if (read_user_version(db) == k_schema_version) return;  // no write lock needed
  for (;;) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const int version = read_user_version(db);
    if (version > k_schema_version) {
      throw StoreError("database " + path.string() + " has schema version " +
                       std::to_string(version) + ", newer than this offpeak knows (" +
                       std::to_string(k_schema_version) + ")");
    }
    if (version == k_schema_version) return;  // rolls back the empty transaction
    db.exec(migrations.at(static_cast<std::size_t>(version)));
    // The version is a compile-time constant of this build, not a value from outside.
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

}  // namespace

Store::Store(const fs::path& path, StoreOptions options) {
  const bool existed = fs::exists(path);
  SQLite::Database db = open_database(path, options);
  try {
    // Refuse a newer schema before anything can write to the file.
    const int version = read_user_version(db);
    if (version > k_schema_version) {
      throw StoreError("database " + path.string() + " has schema version " +
                       std::to_string(version) + ", newer than this offpeak knows (" +
                       std::to_string(k_schema_version) +
                       "); it was left untouched: upgrade offpeak or point storage.database "
                       "at another file");
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
      if (auto error = tighten_mode(path.string() + suffix); !error.empty()) {
        throw StoreError(error);
      }
    }
    const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") {
      throw StoreError("database " + path.string() + " cannot use WAL mode (got '" + mode + "')");
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, path);
    for (const char* suffix : {"-wal", "-shm"}) {
      if (auto error = tighten_mode(path.string() + suffix); !error.empty()) {
        throw StoreError(error);
      }
    }
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    throw StoreError("cannot prepare database " + path.string() + (existed ? "" : " (new)") + ": " +
                     e.what());
  }
  impl_ = std::make_unique<Impl>(path, std::move(db));
}

Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const fs::path& Store::path() const {
  return impl_->path;
}

int Store::schema_version() const {
  return read_user_version(impl_->db);
}

// --- samples -------------------------------------------------------------------------------

std::int64_t Store::add_sample(const VehicleState& state) {
  SQLite::Statement s(impl_->db,
                      "INSERT INTO samples(ts, device_id, soc, charging_state, plugged_in, "
                      "range_km, told) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, ts_text(state.observed_at));
  s.bind(2, state.device_id);
  bind_optional(s, 3, state.soc_percent);
  bind_text(s, 4, offpeak::to_string(state.charging_state));
  if (state.plugged_in) {
    s.bind(5, *state.plugged_in ? 1 : 0);
  } else {
    s.bind(5);
  }
  bind_optional(s, 6, state.range_km);
  s.bind(7, state.told ? 1 : 0);
  s.exec();
  return impl_->db.getLastInsertRowid();
}

std::vector<SampleRow> Store::samples(std::string_view device_id, const TimeRange& range) const {
  return query_range<SampleRow>(impl_->db, k_sample_columns, "samples", "ts", read_sample,
                                device_id, range);
}

std::optional<SampleRow> Store::last_sample(std::string_view device_id) const {
  return query_one<SampleRow>(impl_->db,
                              std::string("SELECT ") + k_sample_columns +
                                  " FROM samples WHERE (?1 = '' OR device_id = ?1) ORDER BY ts "
                                  "DESC, id DESC LIMIT 1",
                              read_sample, {device_id});
}

std::int64_t Store::delete_samples_before(Instant cutoff, int batch) {
  const std::int64_t per_batch = std::max(batch, 1);
  std::int64_t total = 0;
  for (;;) {
    SQLite::Statement s(impl_->db,
                        "DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE ts < ?1 "
                        "ORDER BY ts LIMIT ?2)");
    s.bind(1, ts_text(cutoff));
    s.bind(2, per_batch);
    const int deleted = s.exec();
    total += deleted;
    if (deleted < per_batch) return total;
  }
}

std::int64_t Store::prune_samples(Instant now, Seconds retention) {
  return delete_samples_before(now - retention) +
         delete_meter_samples_before(*this, now - retention);
}

// --- plans ---------------------------------------------------------------------------------

std::int64_t Store::add_plan(std::string_view device_id, const Plan& plan,
                             std::string_view plan_json) {
  SQLite::Statement s(impl_->db,
                      "INSERT INTO plans(ts, device_id, ready_by, target_soc, energy_needed_kwh, "
                      "est_cost_p, feasible, plan_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.bind(1, ts_text(plan.now));
  bind_text(s, 2, device_id);
  s.bind(3, ts_text(plan.ready_by));
  s.bind(4, plan.target_soc);
  s.bind(5, plan.energy_needed_kwh);
  s.bind(6, plan.total_cost_p);
  s.bind(7, plan.feasible ? 1 : 0);
  bind_text(s, 8, plan_json);
  s.exec();
  return impl_->db.getLastInsertRowid();
}

std::vector<PlanRow> Store::plans(std::string_view device_id, const TimeRange& range) const {
  return query_range<PlanRow>(impl_->db, k_plan_columns, "plans", "ts", read_plan, device_id,
                              range);
}

std::optional<PlanRow> Store::last_plan(std::string_view device_id) const {
  return query_one<PlanRow>(impl_->db,
                            std::string("SELECT ") + k_plan_columns +
                                " FROM plans WHERE device_id = ?1 ORDER BY ts DESC, id DESC "
                                "LIMIT 1",
                            read_plan, {device_id});
}

// --- commands ------------------------------------------------------------------------------

std::int64_t Store::add_command(Instant ts, std::string_view device_id, CommandAction action,
                                std::string_view reason, std::string_view result) {
  SQLite::Statement s(impl_->db,
                      "INSERT INTO commands(ts, device_id, action, reason, result) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, ts_text(ts));
  bind_text(s, 2, device_id);
  bind_text(s, 3, to_string(action));
  bind_text(s, 4, reason);
  bind_text(s, 5, result);
  s.exec();
  return impl_->db.getLastInsertRowid();
}

std::vector<CommandRow> Store::commands(std::string_view device_id, const TimeRange& range) const {
  return query_range<CommandRow>(impl_->db, k_command_columns, "commands", "ts", read_command,
                                 device_id, range);
}

std::optional<CommandRow> Store::last_command(std::string_view device_id) const {
  return query_one<CommandRow>(impl_->db,
                               std::string("SELECT ") + k_command_columns +
                                   " FROM commands WHERE device_id = ?1 ORDER BY ts DESC, id "
                                   "DESC LIMIT 1",
                               read_command, {device_id});
}

// --- settings ------------------------------------------------------------------------------

std::optional<std::string> Store::get_setting(std::string_view key) const {
  SQLite::Statement s(impl_->db, "SELECT value FROM kv WHERE key = ?1");
  bind_text(s, 1, key);
  if (!s.executeStep()) return std::nullopt;
  return s.getColumn(0).getString();
}

void Store::set_setting(std::string_view key, std::string_view value, Instant now) {
  SQLite::Statement s(impl_->db,
                      "INSERT INTO kv(key, value, updated_at) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                      "updated_at = excluded.updated_at");
  bind_text(s, 1, key);
  bind_text(s, 2, value);
  s.bind(3, ts_text(now));
  s.exec();
}

bool Store::erase_setting(std::string_view key) {
  SQLite::Statement s(impl_->db, "DELETE FROM kv WHERE key = ?1");
  bind_text(s, 1, key);
  return s.exec() == 1;
}

// --- token cache ---------------------------------------------------------------------------

std::optional<CachedToken> Store::get_token(std::string_view key) const {
  SQLite::Statement s(impl_->db,
                      "SELECT access_token, expires_at FROM token_cache WHERE account_key = ?1");
  bind_text(s, 1, key);
  if (!s.executeStep()) return std::nullopt;
  return CachedToken{s.getColumn(0).getString(), ts_value(s.getColumn(1))};
}

void Store::put_token(std::string_view key, const CachedToken& token) {
  SQLite::Statement s(impl_->db,
                      "INSERT INTO token_cache(account_key, access_token, expires_at) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT(account_key) DO UPDATE SET "
                      "access_token = excluded.access_token, expires_at = excluded.expires_at");
  bind_text(s, 1, key);
  s.bind(2, token.access_token);
  s.bind(3, ts_text(token.expires_at));
  s.exec();
}

void Store::clear_token(std::string_view key) {
  SQLite::Statement s(impl_->db, "DELETE FROM token_cache WHERE account_key = ?1");
  bind_text(s, 1, key);
  s.exec();
}

// --- maintenance ---------------------------------------------------------------------------

std::string Store::integrity_check() const {
  SQLite::Statement s(impl_->db, "PRAGMA integrity_check");
  std::string out;
  while (s.executeStep()) {
    if (!out.empty()) out.push_back('\n');
    out += s.getColumn(0).getString();
  }
  return out;
}

bool Store::checkpoint() {
  SQLite::Statement s(impl_->db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (!s.executeStep()) return false;
  return s.getColumn(0).getInt() == 0;
}

StoreStats Store::stats() const {
  StoreStats st;
  st.samples = impl_->count("samples");
  st.plans = impl_->count("plans");
  st.commands = impl_->count("commands");
  st.sessions = impl_->count("sessions");
  st.prices = impl_->count("prices");
  st.kv = impl_->count("kv");
  st.token_cache = impl_->count("token_cache");
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = fs::file_size(impl_->path.string() + suffix, ec);
    if (!ec) st.file_size_bytes += size;
  }
  return st;
}

}  // namespace offpeak::store
