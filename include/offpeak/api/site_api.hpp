#pragma once
// The home's meters in /api/v1/status (`site`) and /metrics (site_api.cpp): grid and PV power,
// staleness, and each meter's health. No secrets: a meter's source is its topic, its URL
// without a query that could carry credentials, or its Modbus address.

#include <offpeak/domain/site.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/net/http_server.hpp>
#include <offpeak/store/meter_samples.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::api {

class ApiBackend;

// One meter as the daemon sees it.
struct MeterStatus {
  std::string role;                // "grid" or "pv"
  std::string type;                // "mqtt", "http", "sunspec"
  std::string source;              // topic, URL or address
  std::optional<double> watts;     // the latest reading within max_age
  std::optional<Instant> read_at;  // the latest good reading
  bool stale = true;
  std::int64_t readings = 0;  // good readings since start
  std::int64_t faults = 0;    // unreadable payloads, failed polls since start
  std::string last_error;     // the latest fault in plain words; empty when none
};

struct SiteStatus {
  SiteState state;
  std::vector<MeterStatus> meters;
};

// {"grid_w", "pv_w", "stale", "updated_at", "meters": [{"role", "type", "source", "watts",
// "read_at", "stale", "readings", "faults", "last_error"}]}; unknown values are null.
boost::json::value site_status_json(const SiteStatus& s);
// The metrics lines of offpeak_grid_power_watts, offpeak_pv_power_watts (absent while
// unknown), offpeak_meter_stale{meter} and offpeak_meter_readings_total /
// offpeak_meter_faults_total{meter}.
std::string site_metrics_text(const SiteStatus& s);

// {"from", "to", "samples": [{"ts", "grid_w", "pv_w", "car_w", "current_a"}]}: the site's
// power history, oldest first, unknown values null (docs/api.md).
boost::json::value site_history_json(const std::vector<store::MeterSampleRow>& rows, Instant from,
                                     Instant to);
// GET /api/v1/site/history?from=&to=&limit=: today's power (from local midnight) by default;
// 404 when no meter is configured, 400 for a bad range.
boost::asio::awaitable<net::ServerResponse> get_site_history(ApiBackend* backend,
                                                             net::ServerRequest req);

}  // namespace offpeak::api
