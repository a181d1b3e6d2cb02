#pragma once
// The daemon's SQLite database: history (samples, plans, commands, sessions, the documented
// contract of docs/database.md), settings (kv), the vehicle-service token cache and the
// dynamic-tariff price cache.
//
// Threading: one Store is one SQLite connection and must be used from one thread at a time
// (the daemon's event loop). Several Store objects, in this or other processes, may use the
// same file at once (WAL mode, busy timeout).
//
// Failure behaviour: the constructor throws StoreError for fatal start-up problems (cannot
// create or open the file, fix its mode, configure it, migrate it, or the schema is newer
// than this build). Every other method throws std::runtime_error (SQLite::Exception) only
// when SQLite itself fails (disk full, I/O error, corruption); nothing is half-written then,
// because each write is one transaction. Expected "not found" outcomes are nullopt/false.

#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::store {

namespace detail {
struct StoreAccess;
}

// A fatal start-up problem with the database; what() says which file and why.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The schema version this build writes (PRAGMA user_version after migration).
inline constexpr int k_schema_version = 7;

// Samples older than this are deleted by prune_samples() unless told otherwise.
inline constexpr Seconds k_default_sample_retention{Seconds{2 * 365 * 86400}};

// Rows deleted per transaction by prune_samples(), so writers are never blocked for long.
inline constexpr int k_default_prune_batch = 5000;

struct StoreOptions {
  // How long a statement waits for another connection's lock before failing.
  // Default: 5 s.
  std::chrono::milliseconds busy_timeout{5000};
};

// A half-open range of instants [from, to) and a row limit for history queries.
struct TimeRange {
  Instant from;
  Instant to;
  int limit = 1000;           // maximum rows returned, > 0
  bool newest_first = false;  // false: oldest first; true: newest first (limit keeps newest)
};

// One row of `samples`.
struct SampleRow {
  std::int64_t id = 0;
  Instant ts{};
  std::string device_id;
  std::optional<double> soc_percent;
  ChargingState charging_state = ChargingState::unknown;
  std::optional<bool> plugged_in;
  std::optional<double> range_km;
  bool told = false;  // the owner told this SoC (API, MQTT, CLI)
  friend bool operator==(const SampleRow&, const SampleRow&) = default;
};

// One row of `plans`.
struct PlanRow {
  std::int64_t id = 0;
  Instant ts{};  // Plan::now
  std::string device_id;
  Instant ready_by{};
  double target_soc = 0.0;         // percent
  double energy_needed_kwh = 0.0;  // grid-side
  double est_cost_p = 0.0;         // Plan::total_cost_p, pence
  bool feasible = true;
  std::string plan_json;  // same JSON as `offpeak plan --json`
  friend bool operator==(const PlanRow&, const PlanRow&) = default;
};

enum class CommandAction { start, stop };
// "start" / "stop".
std::string_view to_string(CommandAction action);

// One row of `commands`.
struct CommandRow {
  std::int64_t id = 0;
  Instant ts{};
  std::string device_id;
  CommandAction action = CommandAction::stop;
  std::string reason;  // plain words
  std::string result;  // "ok" or "failed: <why>"
  friend bool operator==(const CommandRow&, const CommandRow&) = default;
};

// One row of `sessions` (plug-in to unplug).
struct SessionRow {
  std::int64_t id = 0;
  Instant started_at{};
  std::optional<Instant> ended_at;  // nullopt while plugged in
  std::string device_id;
  std::optional<double> start_soc;  // percent
  std::optional<double> end_soc;    // percent, latest known while open
  double energy_kwh = 0.0;          // grid-side energy drawn so far
  double cost_p = 0.0;              // pence so far: grid kWh at import + solar kWh at export
  double solar_kwh = 0.0;           // the part of energy_kwh the roof's surplus carried
  double grid_kwh = 0.0;            // the rest, from the grid: solar_kwh + grid_kwh = energy_kwh
  friend bool operator==(const SessionRow&, const SessionRow&) = default;
};

// A cached access token of the vehicle service. The token is a secret: never log it.
struct CachedToken {
  std::string access_token;
  Instant expires_at{};
};

// Row counts and size, for metrics.
struct StoreStats {
  std::int64_t samples = 0;
  std::int64_t plans = 0;
  std::int64_t commands = 0;
  std::int64_t sessions = 0;
  std::int64_t prices = 0;
  std::int64_t kv = 0;
  std::int64_t token_cache = 0;
  std::uint64_t file_size_bytes = 0;  // main file plus its -wal file
};

// The token_cache key of an account: lowercase hex SHA-256 of base_url, a newline, and the
// email. The password never takes part.
std::string account_key(std::string_view base_url, std::string_view email);

class Store {
 public:
  // Opens or creates the database at `path` (the directory must exist). Creates the file
  // with mode 0600 and tightens an existing file (and its -wal/-shm) to 0600; sets WAL mode,
  // synchronous=NORMAL, foreign keys and the busy timeout; runs pending migrations, each in
  // its own transaction. Throws StoreError when any of this fails, and when the file's
  // schema is newer than k_schema_version: that file is left exactly as it was.
  explicit Store(const std::filesystem::path& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  const std::filesystem::path& path() const;
  // PRAGMA user_version of the open file (== k_schema_version after construction).
  int schema_version() const;

  // --- samples ---------------------------------------------------------------------------
  // Records one observation at state.observed_at; returns the row id. Unknown fields are NULL.
  std::int64_t add_sample(const VehicleState& state);
  // Samples with from <= ts < to; device_id empty means every device.
  std::vector<SampleRow> samples(std::string_view device_id, const TimeRange& range) const;
  // The newest sample of a device, nullopt when there is none.
  // The latest sample of one car (`device_id` empty: of any car).
  std::optional<SampleRow> last_sample(std::string_view device_id) const;
  // Deletes samples with ts < cutoff, `batch` rows per transaction; returns rows deleted.
  std::int64_t delete_samples_before(Instant cutoff, int batch = k_default_prune_batch);
  // delete_samples_before(now - retention), and the meter samples (meter_samples.hpp) alike.
  std::int64_t prune_samples(Instant now, Seconds retention = k_default_sample_retention);

  // --- plans -----------------------------------------------------------------------------
  // Records an adopted plan (ts = plan.now, est_cost_p = plan.total_cost_p); returns row id.
  std::int64_t add_plan(std::string_view device_id, const Plan& plan, std::string_view plan_json);
  std::vector<PlanRow> plans(std::string_view device_id, const TimeRange& range) const;
  std::optional<PlanRow> last_plan(std::string_view device_id) const;

  // --- commands --------------------------------------------------------------------------
  // Records a start/stop sent to the switch; `result` is "ok" or "failed: <why>".
  std::int64_t add_command(Instant ts, std::string_view device_id, CommandAction action,
                           std::string_view reason, std::string_view result);
  std::vector<CommandRow> commands(std::string_view device_id, const TimeRange& range) const;
  std::optional<CommandRow> last_command(std::string_view device_id) const;

  // --- sessions (sessions.cpp) -----------------------------------------------------------
  // Opens a session (plug-in) and returns its id. A device has at most one open session: if
  // one is already open, its id is returned and nothing changes.
  std::int64_t open_session(std::string_view device_id, Instant started_at,
                            std::optional<double> start_soc);
  // Updates the running totals of an open session. `solar_kwh` is the part of the energy the
  // roof carried (kept within [0, energy_kwh]); the rest is grid_kwh. False when no open
  // session has this id.
  bool update_session(std::int64_t id, std::optional<double> end_soc, double energy_kwh,
                      double cost_p, double solar_kwh = 0.0);
  // Closes a session (unplug) with its final totals, as update_session. False when no open
  // session has this id.
  bool close_session(std::int64_t id, Instant ended_at, std::optional<double> end_soc,
                     double energy_kwh, double cost_p, double solar_kwh = 0.0);
  std::optional<SessionRow> current_open_session(std::string_view device_id) const;
  std::optional<SessionRow> session(std::int64_t id) const;
  // Sessions with from <= started_at < to.
  std::vector<SessionRow> sessions(std::string_view device_id, const TimeRange& range) const;

  // --- settings (kv) ---------------------------------------------------------------------
  std::optional<std::string> get_setting(std::string_view key) const;
  void set_setting(std::string_view key, std::string_view value, Instant now);
  // False when the key did not exist.
  bool erase_setting(std::string_view key);

  // --- token cache -----------------------------------------------------------------------
  // `key` comes from account_key(). The token is stored as given; it is never logged.
  std::optional<CachedToken> get_token(std::string_view key) const;
  void put_token(std::string_view key, const CachedToken& token);
  void clear_token(std::string_view key);

  // --- price cache (series_cache.cpp) --------------------------------------------------
  // Stores the slots of a tariff in one transaction. Cached rows that overlap a new slot are
  // replaced by it (the newest fetch is authoritative for the time it covers). Throws
  // std::invalid_argument, before writing anything, when a slot does not end after its start.
  void upsert_prices(std::string_view tariff_code, const std::vector<PriceSlot>& slots,
                     Instant fetched_at);
  // Cached prices overlapping [from, to), clipped to it. Times with no cached price are gaps
  // (unknown), never 0. Should stored slots overlap, the earlier-starting one wins.
  PriceCurve load_prices(std::string_view tariff_code, Instant from, Instant to) const;
  // The latest fetched_at of a tariff, nullopt when nothing is cached.
  std::optional<Instant> prices_fetched_at(std::string_view tariff_code) const;
  // Deletes cached slots that ended at or before `cutoff`; returns rows deleted.
  std::int64_t delete_prices_before(Instant cutoff);

  // --- carbon intensity cache ------------------------------------------------------------
  // The same contract as the price cache, for gCO2/kWh keyed by area ("national",
  // "region 13", "postcode SW1A"); PriceSlot::price_p_per_kwh holds g/kWh.
  void upsert_carbon(std::string_view area, const std::vector<PriceSlot>& slots,
                     Instant fetched_at);
  PriceCurve load_carbon(std::string_view area, Instant from, Instant to) const;
  std::optional<Instant> carbon_fetched_at(std::string_view area) const;

  // --- maintenance -----------------------------------------------------------------------
  // The text of PRAGMA integrity_check: "ok" when healthy, else the problems, one a line.
  std::string integrity_check() const;
  // PRAGMA wal_checkpoint(TRUNCATE): moves the WAL into the main file (call before a clean
  // close). Returns false when readers prevented a complete checkpoint.
  bool checkpoint();
  StoreStats stats() const;

 private:
  friend struct detail::StoreAccess;  // the store's other files (sessions.cpp, outbox.cpp, ...)
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offpeak::store
