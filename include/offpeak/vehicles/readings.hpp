#pragma once
// What other systems say about the car, read without sockets (spec vehicles.md): MQTT payloads
// as Home Assistant, TeslaMate, zigbee2mqtt and OBD dongles write them, Home Assistant's REST
// state documents, any JSON API with dotted field paths. Every reader answers a value, "not
// known" (Home Assistant's `unavailable`/`unknown`, JSON null), or a problem in plain words;
// never a made-up number. `PushedReadings` keeps the latest of each value with its instant and
// makes the domain's `VehicleState` of them, with the SoC's age checked against `max_age`.

#include <offpeak/domain/time.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::vehicles {

// One value read from a payload. `value` set: read. `value` unset and `problem` empty: the
// sender says it does not know (unavailable, unknown, null, empty). `problem` set: the payload
// is not what was expected (printable, at most ~100 characters of the payload quoted).
template <typename T>
struct Read {
  std::optional<T> value;
  std::string problem;
  bool unknown() const { return !value && problem.empty(); }
};

// Largest payload or document any reader looks at (bytes); longer ones are a problem.
inline constexpr std::size_t k_max_document = 256 * 1024;

// The default payloads (case-insensitive) that mean plugged in / charging, and not.
const std::vector<std::string>& default_on_words();
const std::vector<std::string>& default_off_words();

// A number from a payload: a JSON number, a string holding one ("45.0", " 45 ", "45 %"), or,
// with `field` (a dotted path such as "data.battery.level" or "cars.0.soc"; empty: the whole
// payload), the value at that path of a JSON document. Numbers outside [lo, hi] are problems.
Read<double> read_number(std::string_view payload, std::string_view field, double lo, double hi);
// A SoC percentage (0..100).
inline Read<double> read_percent(std::string_view payload, std::string_view field) {
  return read_number(payload, field, 0.0, 100.0);
}
// A yes/no value: a payload (or the value at `field`) matched case-insensitively against `on`
// and `off` (empty lists: the defaults); JSON true/false and 1/0 as such.
Read<bool> read_flag(std::string_view payload, std::string_view field,
                     const std::vector<std::string>& on, const std::vector<std::string>& off);

// Home Assistant's answer to GET /api/states/<entity_id>:
// {"entity_id","state","attributes":{...},"last_changed","last_updated"[,"last_reported"]}.
struct HaState {
  std::string entity_id;
  std::string state;                  // the entity's state as a string ("45", "on", "unavailable")
  std::string unit;                   // attributes.unit_of_measurement, "" when absent
  std::string device_class;           // attributes.device_class, "" when absent
  std::optional<Instant> updated_at;  // last_reported, else last_updated, else last_changed
};
// nullopt with `problem` set when `body` is not such a document.
std::optional<HaState> parse_ha_state(std::string_view body, std::string& problem);
// GET /api/states (a list of states): the entities whose device_class is `device_class`
// ("battery" for the SoC, "plug" for the plug), for setup. Empty when `body` is no such list.
std::vector<HaState> ha_entities(std::string_view body, std::string_view device_class);

// A header template with every "{secret}" replaced by `secret` (only where a request is sent).
std::string fill_secret(std::string value, std::string_view secret);

// The values of a JSON API's answer at the configured paths (an empty path: not configured).
struct HttpFields {
  std::string soc;
  std::string plugged;
  std::string charging;
  std::string range;
  std::vector<std::string> on_words;  // plugged/charging words; empty: defaults
  std::vector<std::string> off_words;
};
struct HttpReadings {
  Read<double> soc;
  Read<bool> plugged;
  Read<bool> charging;
  Read<double> range_km;
  std::string problem;  // the document itself is not JSON (then every value is unknown)
};
HttpReadings read_http_document(std::string_view body, const HttpFields& fields);

// The latest value of each kind with the instant it arrived (pushed sources, polled ones
// between polls). Without a plug value, a SoC that rose since the previous reading counts as
// plugged in and charging ("SoC rising").
class PushedReadings {
 public:
  void soc(double percent, Instant at);
  // A SoC whose age is unknown (an MQTT broker's retained copy, delivered at subscription: it
  // may be days old): kept, but stale until a value of known age arrives; it neither counts
  // as "SoC rising" nor as a reading to plan on.
  void soc_of_unknown_age(double percent, Instant arrived_at);
  bool soc_age_unknown() const { return soc_age_unknown_; }
  void plugged(bool yes, Instant at);
  void charging(bool yes, Instant at);
  void range_km(double km, Instant at);
  // The sender said it does not know (unavailable): the value is forgotten.
  void forget_soc(Instant at);
  void forget_plugged(Instant at);

  bool any() const { return last_at_.has_value(); }
  std::optional<Instant> soc_at() const { return soc_at_; }

  // The car's state at `now`: observed_at is the newest value's instant. A SoC older than
  // `max_age` at `now` is left out (`*stale` set true), so nothing plans on it.
  VehicleState state(const std::string& device_id, Instant now, Seconds max_age,
                     bool* stale = nullptr) const;

 private:
  std::optional<double> soc_;
  std::optional<Instant> soc_at_;
  std::optional<double> prev_soc_;
  std::optional<Instant> prev_soc_at_;
  std::optional<bool> plugged_;
  std::optional<bool> charging_;
  std::optional<double> range_;
  std::optional<Instant> last_at_;
  bool soc_age_unknown_ = false;
};

}  // namespace offpeak::vehicles
