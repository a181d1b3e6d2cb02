#include "schema.hpp"

#include <offpeak/store/store.hpp>

namespace offpeak::store::detail {

namespace {

// Version 1: the documented contract tables (docs/database.md) plus settings, token cache
// and price cache. Timestamps are RFC 3339 UTC text with a Z, so text order is time order.
constexpr const char* k_v1 = R"sql(
CREATE TABLE samples (
  id             INTEGER PRIMARY KEY,
  ts             TEXT NOT NULL,
  device_id      TEXT NOT NULL,
  soc            REAL,
  charging_state TEXT NOT NULL DEFAULT 'UNKNOWN',
  plugged_in     INTEGER CHECK (plugged_in IN (0, 1)),
  range_km       REAL
);
CREATE INDEX samples_device_ts ON samples (device_id, ts);
CREATE INDEX samples_ts ON samples (ts);

CREATE TABLE plans (
  id                INTEGER PRIMARY KEY,
  ts                TEXT NOT NULL,
  device_id         TEXT NOT NULL,
  ready_by          TEXT NOT NULL,
  target_soc        REAL NOT NULL,
  energy_needed_kwh REAL NOT NULL,
  est_cost_p        REAL NOT NULL,
  feasible          INTEGER NOT NULL CHECK (feasible IN (0, 1)),
  plan_json         TEXT NOT NULL
);
CREATE INDEX plans_device_ts ON plans (device_id, ts);
CREATE INDEX plans_ts ON plans (ts);

CREATE TABLE commands (
  id        INTEGER PRIMARY KEY,
  ts        TEXT NOT NULL,
  device_id TEXT NOT NULL,
  action    TEXT NOT NULL CHECK (action IN ('start', 'stop')),
  reason    TEXT NOT NULL,
  result    TEXT NOT NULL
);
CREATE INDEX commands_device_ts ON commands (device_id, ts);
CREATE INDEX commands_ts ON commands (ts);

CREATE TABLE sessions (
  id         INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  device_id  TEXT NOT NULL,
  start_soc  REAL,
  end_soc    REAL,
  energy_kwh REAL NOT NULL DEFAULT 0,
  cost_p     REAL NOT NULL DEFAULT 0
);
CREATE INDEX sessions_device_started ON sessions (device_id, started_at);
CREATE INDEX sessions_started ON sessions (started_at);
CREATE UNIQUE INDEX sessions_one_open ON sessions (device_id) WHERE ended_at IS NULL;

CREATE TABLE kv (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE token_cache (
  account_key  TEXT PRIMARY KEY,
  access_token TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);

CREATE TABLE prices (
  tariff_code     TEXT NOT NULL,
  valid_from      TEXT NOT NULL,
  valid_to        TEXT NOT NULL,
  price_p_per_kwh REAL NOT NULL,
  fetched_at      TEXT NOT NULL,
  PRIMARY KEY (tariff_code, valid_from)
);
CREATE INDEX prices_valid_to ON prices (tariff_code, valid_to);
)sql";

// Version 2: cache of the grid's carbon intensity forecast.
constexpr const char* k_v2 = R"sql(
CREATE TABLE carbon_intensity (
  area        TEXT NOT NULL,
  valid_from  TEXT NOT NULL,
  valid_to    TEXT NOT NULL,
  g_per_kwh   REAL NOT NULL,
  fetched_at  TEXT NOT NULL,
  PRIMARY KEY (area, valid_from)
);
CREATE INDEX carbon_intensity_valid_to ON carbon_intensity (area, valid_to);
)sql";

// Version 3: the notification outbox (outbox.cpp). An event is stored before any channel sees
// it; each channel's delivery is retried until taken or the event is a day old.
constexpr const char* k_v3 = R"sql(
CREATE TABLE notifications (
  id           INTEGER PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE,
  event        TEXT NOT NULL,
  at           TEXT NOT NULL,
  not_before   TEXT NOT NULL,
  urgent       INTEGER NOT NULL CHECK (urgent IN (0, 1)),
  title        TEXT NOT NULL,
  message      TEXT NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE INDEX notifications_at ON notifications (at);

CREATE TABLE notification_deliveries (
  event_id        INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  channel         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'expired')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  sent_at         TEXT,
  last_error      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (event_id, channel)
);
CREATE INDEX notification_deliveries_pending ON notification_deliveries (channel, state, event_id);
)sql";

// Version 4: the home's meters (site:), sampled at most once a minute: grid power (import
// positive) and PV power in watts, NULL when the meter had no fresh reading.
constexpr const char* k_v4 = R"sql(
CREATE TABLE meter_samples (
  id     INTEGER PRIMARY KEY,
  ts     TEXT NOT NULL,
  grid_w REAL,
  pv_w   REAL
);
CREATE INDEX meter_samples_ts ON meter_samples (ts);
)sql";

// Version 5: a SoC the owner told (API, MQTT, CLI) is a reading marked as such.
constexpr const char* k_v5 = R"sql(
ALTER TABLE samples ADD COLUMN told INTEGER NOT NULL DEFAULT 0 CHECK (told IN (0, 1));
)sql";

// Version 6: a session's energy split into what the roof's surplus carried (solar_kwh) and
// what came from the grid (grid_kwh); sessions recorded before read as all-grid.
constexpr const char* k_v6 = R"sql(
ALTER TABLE sessions ADD COLUMN solar_kwh REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN grid_kwh REAL NOT NULL DEFAULT 0;
UPDATE sessions SET grid_kwh = energy_kwh;
)sql";

// Version 7: beside the meters, what the loadpoints drew (W) and the charge current (A; NULL
// for an on/off switch), for the dashboard's power chart.
constexpr const char* k_v7 = R"sql(
ALTER TABLE meter_samples ADD COLUMN car_w REAL;
ALTER TABLE meter_samples ADD COLUMN current_a REAL;
)sql";

}  // namespace

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> list = {k_v1, k_v2, k_v3, k_v4, k_v5, k_v6, k_v7};
  static_assert(k_schema_version == 7, "append a migration when raising k_schema_version");
  return list;
}

}  // namespace offpeak::store::detail
