#pragma once
// The configuration contract (see ../shared/spec/config.md and config/offpeak.example.yaml):
// YAML main file and tariff files -> validated structs. Errors carry FILE:LINE:COL.

#include <offpeak/config/notify_config.hpp>
#include <offpeak/config/secret.hpp>
#include <offpeak/config/site_config.hpp>
#include <offpeak/config/solar_forecast_config.hpp>
#include <offpeak/config/vehicle_sources.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/schedule.hpp>
#include <offpeak/domain/spot_price.hpp>
#include <offpeak/domain/time.hpp>
#include <offpeak/domain/tou_tariff.hpp>
#include <offpeak/domain/vehicle.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace offpeak::config {

struct ConnectSource {
  std::string base_url = "https://www.connect.orangepower.co.uk";
  std::string email;
  Secret password;
  std::optional<std::string> device_id;
  std::optional<std::filesystem::path> ca_file;  // absolute
  Seconds timeout{30};                           // whole-request deadline
};

struct SimulatorSource {
  double initial_soc = 50.0;
  bool plugged_in = true;               // used when no daily pattern
  std::optional<TimeOfDay> plug_in_at;  // daily pattern, local time
  std::optional<TimeOfDay> unplug_at;
  std::string device_id = "SIM00000000000001";
  double daily_use_soc = 30.0;  // percent used by driving while unplugged (each plug-in)
};

struct PollIntervals {
  Seconds charging{5 * 60};
  Seconds plugged{15 * 60};
  Seconds away{60 * 60};
  int max_per_day = 40;  // hard cap on Connect API requests per UTC day (token + device calls)
};

struct VehicleConfig {
  std::string name = "car";
  VehicleSpec spec;
  // One per `type:` (the registry in vehicle_source_config.cpp).
  std::variant<ConnectSource, SimulatorSource, MqttVehicleSource, HomeAssistantSource,
               HttpVehicleSource, ChargerVehicleSource, NoVehicleSource>
      source;
  PollIntervals poll;
  bool learn = true;  // learn the real charging power and taper from history and plan with them
};

struct OctopusAgileTariff {
  std::string product;
  char region = 'C';
  std::string base_url = "https://api.octopus.energy";
  std::optional<TouRules> fallback;  // from `fallback:` (a static tariff file)
  std::optional<std::filesystem::path> fallback_file;
  std::string tariff_code() const { return "E-1R-" + product + "-" + std::string(1, region); }
};

// A day-ahead price source (spec tariffs-europe.md): `type: tibber | entsoe | nordpool |
// awattar`. Parsed in spot_config.cpp; the sources themselves live in the tariffs module.
struct SpotTariff {
  std::string type;             // the registered source type
  std::string base_url;         // without a trailing '/'
  std::string area;             // entsoe: EIC code; nordpool: delivery area; awattar: de|at;
                                // tibber: home id (empty: the account's only home)
  std::string area_label;       // as configured ("DE-LU"), for people
  Seconds resolution{15 * 60};  // tibber: quarter_hourly (15 min) or hourly
  std::optional<std::filesystem::path> token_file;  // tibber, entsoe
  Secret token;
  SpotFormula price;                 // `price:`; identity for tibber (its prices are final)
  std::optional<TouRules> fallback;  // from `fallback:` (a static tariff file)
  std::optional<std::filesystem::path> fallback_file;
  bool needs_token() const { return type == "tibber" || type == "entsoe"; }
  // The price cache key: "entsoe:10Y1001A1001A82H", "nordpool:SE3:SEK", "tibber:<home>".
  // The cache holds the source's prices before the `price:` formula.
  std::string cache_key(std::string_view currency) const;
};

struct CsvTariff {
  std::filesystem::path file;  // absolute
  PriceCurve prices;           // loaded and validated at configuration time
};

struct TariffConfig {
  std::optional<std::filesystem::path> file;  // where it came from, when not inline
  std::string name;
  std::variant<TouRules, OctopusAgileTariff, CsvTariff, SpotTariff> kind;
};

struct HttpRequestTemplate {
  std::string method = "POST";
  std::string url;  // may contain {device_id} and {action}
  std::map<std::string, std::string> headers;
  std::string body;
};

struct LogSwitch {};
struct HttpSwitch {
  HttpRequestTemplate start;
  HttpRequestTemplate stop;
  // `set_current`: sets the charging current ({current_a}, {power_w}, {phases} substituted);
  // with it the switch is modulating (spec solar.md).
  std::optional<HttpRequestTemplate> set_current;
  Seconds timeout{10};
};
struct ExecSwitch {
  std::vector<std::string> start;  // argv, no shell; {device_id} and {action} substituted
  std::vector<std::string> stop;
  std::vector<std::string> set_current;  // argv with {current_a}...; empty: on/off only
  Seconds timeout{30};
};
// offpeakd as the OCPP 1.6J central system of one charger (docs/ocpp.md).
struct OcppSwitch {
  std::string listen_host = "0.0.0.0";
  unsigned short listen_port = 8887;  // 0 picks a free port
  std::string charge_point_id;        // the identity the charger presents (last path segment)
  std::optional<std::filesystem::path> password_file;
  Secret password;  // HTTP Basic auth (security profile 1); empty when none
  bool allow_insecure = false;
  int connector = 1;
  std::optional<std::filesystem::path>
      tls_cert;  // (phases and currents: CurrentControl)  // wss:// (security profile 2)
  std::optional<std::filesystem::path> tls_key;
  friend bool operator==(const OcppSwitch&, const OcppSwitch&) = default;
};
// Publishes on/off to a relay or smart plug through the `mqtt:` connection (QoS 1, never
// retained); with a state_topic a command counts as done when the reported state agrees.
struct MqttSwitch {
  std::string command_topic;
  std::string payload_on = "ON";
  std::string payload_off = "OFF";
  std::optional<std::string> state_topic;
  std::string state_on;                    // default: payload_on
  std::string state_off;                   // default: payload_off
  std::optional<std::string> state_field;  // JSON payloads: the field holding the state
  Seconds timeout{10};                     // for the broker's PUBACK and the state to agree
  // `current_topic`: where the wanted current goes (payload `current_payload`, default
  // "{current_a}"); with it the switch is modulating.
  std::optional<std::string> current_topic;
  std::string current_payload = "{current_a}";
};
using SwitchConfig = std::variant<LogSwitch, HttpSwitch, ExecSwitch, MqttSwitch, OcppSwitch>;

// Current control (spec solar.md, switch keys `phases`, `min_current_a`, `max_current_a`,
// `voltage`; parsed in current_config.cpp for every switch type).
enum class PhaseMode { one, three, automatic };  // automatic: ocpp only
struct CurrentControl {
  PhaseMode phases = PhaseMode::one;
  double min_current_a = 6.0;           // per phase, the lowest current the car accepts
  std::optional<double> max_current_a;  // per phase; default: see max_current()
  double voltage = 230.0;               // V per phase
  bool modulating = false;              // ocpp always; http, mqtt, exec with a current template
  // The most phases the switch may use: 1, or 3 for `3` and `auto`.
  int max_phases() const { return phases == PhaseMode::one ? 1 : 3; }
  // max_current_a, else max_charge_kw / (voltage x max_phases()) rounded down to 0.1 A, within
  // [min_current_a, 80].
  double max_current(double max_charge_kw) const;
  friend bool operator==(const CurrentControl&, const CurrentControl&) = default;
};
std::string_view to_string(PhaseMode p);  // "1", "3", "auto"

// `charging.solar` and `charging.solar_max_soc` (spec solar.md "Following the surplus";
// parsed in solar_config.cpp).
struct SolarConfig {
  Seconds interval{10};        // the surplus loop's timer (and on each grid reading)
  Seconds enable_delay{60};    // surplus >= the car's minimum this long before starting
  Seconds disable_delay{180};  // surplus below the minimum this long before stopping
  double max_import_w = 0.0;   // import tolerated while charging from surplus
  double min_change_a = 1.0;   // smaller changes of the wanted current are not sent
  double max_soc = 100.0;      // `solar_max_soc`: surplus above the target up to this percent
  friend bool operator==(const SolarConfig&, const SolarConfig&) = default;
};

// The MQTT broker connection: state, commands, Home Assistant discovery (spec/mqtt.md).
struct MqttConfig {
  bool tls = false;  // mqtts://
  std::string host;
  int port = 1883;
  std::optional<std::string> username;
  Secret password;                               // empty when none
  std::optional<std::filesystem::path> ca_file;  // mqtts only; default: the system store
  std::string client_id;                         // default offpeak-<hostname>
  std::string topic_prefix = "offpeak";
  bool discovery = true;
  std::string discovery_prefix = "homeassistant";
  Seconds keepalive{60};
  std::string broker_url() const {
    return std::string(tls ? "mqtts://" : "mqtt://") + host + ":" + std::to_string(port);
  }
  friend bool operator==(const MqttConfig&, const MqttConfig&) = default;
};

struct StorageConfig {
  std::filesystem::path database;  // absolute
  Seconds sample_retention{Seconds{2 * 365 * 86400}};
};

struct ApiConfig {
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::optional<std::filesystem::path> token_file;
  Secret token;               // content of token_file (trimmed), empty when none
  bool allow_remote = false;  // permit a non-loopback listen address without a token
};

enum class LogLevel { trace, debug, info, warn, error };
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);

// Grid carbon intensity from the National Grid ESO Carbon Intensity API: a region id (1-17),
// an outward postcode, or neither (the national forecast).
struct CarbonConfig {
  std::optional<int> region;
  std::optional<std::string> postcode;  // outward part, upper case ("SW1A")
  std::string base_url = "https://api.carbonintensity.org.uk";
};

// `currency:` and `locale:` (spec tariffs-europe.md): every price is in the currency's minor
// unit; people read major units with the locale's decimal mark.
struct MoneyConfig {
  std::string currency = "GBP";  // ISO 4217: GBP, EUR, SEK, NOK, DKK, CHF, PLN, CZK
  char decimal_mark = '.';       // from `locale:` ("de_DE" -> ','), else '.'
  std::optional<std::string> locale;
  friend bool operator==(const MoneyConfig&, const MoneyConfig&) = default;
};

struct Config {
  std::filesystem::path file;  // absolute path of the main file
  Zone zone = Zone::utc();
  MoneyConfig money;
  VehicleConfig vehicle;
  ChargingPolicy charging;
  TariffConfig tariff;
  SwitchConfig switch_config = LogSwitch{};
  CurrentControl current;  // the switch's current control
  SolarConfig solar;       // `charging.solar`, `charging.solar_max_soc`
  StorageConfig storage;
  ApiConfig api;
  std::optional<CarbonConfig> carbon;  // `carbon:`; nullopt: no carbon data
  LogLevel log_level = LogLevel::info;
  std::optional<MqttConfig> mqtt;
  NotifyConfig notify;  // `notify:`, `quiet_hours:`, `plug_reminder:`
  SiteConfig site;      // `site:`; no meters when absent
  // `site.export_tariff` (static, csv or octopus-agile with an export product): what exported
  // energy earns per slot; exclusive with site.export_price (export_tariff_config.cpp).
  std::optional<TariffConfig> export_tariff;
  // `solar_forecast:`; none when absent
  std::optional<SolarForecastConfig> solar_forecast;
};

// What `offpeak check` warns about the source and switch together: how offpeak learns that the
// car is plugged in (empty: it knows). An OCPP charger always knows; so do sources with plug
// state (connect, simulator, an mqtt plugged_topic, a homeassistant plugged_entity, an http
// plugged_field); other sources only infer it from a rising SoC; `none` without an OCPP
// charger cannot know (vehicle_source_config.cpp).
std::string plug_state_warning(const Config& cfg);

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the file as a whole
  int column = 0;  // 1-based
  std::string message;
  // "FILE:LINE:COL: message" (or "FILE: message").
  std::string to_string() const;
};

// Where the loader looks for things outside the file. Injected so tests can set them.
struct Environment {
  std::optional<std::filesystem::path> credentials_directory;  // $CREDENTIALS_DIRECTORY
  std::optional<std::filesystem::path> state_directory;        // $STATE_DIRECTORY
  std::string hostname = "localhost";                          // for the default MQTT client id
  std::filesystem::path working_directory;                     // for the ./offpeak.db default
  static Environment from_process();
};

struct LoadResult {
  std::optional<Config> config;     // set when there are no errors
  std::vector<ConfigError> errors;  // every problem found, in file order
};

// Loads and validates the main file and everything it names (tariff file, CSV prices, secret
// files). Never throws for bad input; every problem becomes a ConfigError.
LoadResult load_config(const std::filesystem::path& file, const Environment& env);

// Loads a standalone tariff file (static, octopus-agile or csv).
struct TariffLoadResult {
  std::optional<TariffConfig> tariff;
  std::vector<ConfigError> errors;
};
TariffLoadResult load_tariff_file(const std::filesystem::path& file);

// Reads a CSV of prices (header valid_from_utc,valid_to_utc,p_per_kwh_inc_vat; rows in any
// order; no overlaps). Errors are appended with `label` as the file name; nullopt on any error.
std::optional<PriceCurve> load_price_csv(const std::filesystem::path& file,
                                         const std::string& label,
                                         std::vector<ConfigError>& errors);

// The tariff as prices: static rules and CSV directly; octopus-agile yields its fallback
// only (the dynamic part needs the network and lives in the tariffs module). nullptr for
// octopus-agile without a fallback.
std::unique_ptr<Tariff> make_static_tariff(const TariffConfig& tariff, const Zone& zone);

}  // namespace offpeak::config
