#pragma once
// Private helpers of the config module: typed reads from yaml-cpp nodes that record
// FILE:LINE:COL errors instead of throwing.

#include <offpeak/config/config.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::config::detail {

class Reader {
 public:
  Reader(std::string file_label, std::vector<ConfigError>& errors)
      : file_(std::move(file_label)), errors_(&errors) {}

  const std::string& file() const { return file_; }
  std::vector<ConfigError>& errors() { return *errors_; }

  void error(const YAML::Mark& mark, std::string message);
  void error_at(const YAML::Node& node, std::string message) {
    error(node.Mark(), std::move(message));
  }
  void file_error(std::string message);
  // An error about what a mapping lacks: at the key the mapping is the value of (see
  // index_parents()), else at the mapping.
  void error_at_parent(const YAML::Node& map, std::string message);

  // Reports every key of `map` that is not in `allowed` (at the key), with a hint.
  // Returns false when `map` is not a mapping (and reports that).
  // A hint ("did you mean 'battery_kwh'?") is remembered: see misspelt().
  bool check_map(const YAML::Node& map, std::string_view what,
                 std::initializer_list<std::string_view> allowed);
  // The same with a list built at run time (registries); defined in vehicle_source_config.cpp.
  bool check_map(const YAML::Node& map, std::string_view what,
                 const std::vector<std::string_view>& allowed);

  // Remembers, for every mapping under `root`, the key it is the value of, so that a missing
  // key is reported at the line of its parent key ("vehicle:") rather than at the first key
  // the mapping happens to have.
  void index_parents(const YAML::Node& root);

  // True when check_map() reported an unknown key of `map` with the hint `key`: errors that
  // only follow from the misspelling (the key missing, a tariff not covering the week) are
  // then not reported, so the cause is the first thing the user reads.
  bool misspelt(const YAML::Node& map, std::string_view key) const;

  // The value under `key`, if present and not null.
  static std::optional<YAML::Node> child(const YAML::Node& map, std::string_view key);
  // Like child(), but reports "missing required key" at the map's parent key when absent
  // (nothing when the key was misspelt, which check_map() has reported already).
  std::optional<YAML::Node> required(const YAML::Node& map, std::string_view key,
                                     std::string_view what);

  std::optional<std::string> string(const YAML::Node& n, std::string_view what);
  std::optional<double> number(const YAML::Node& n, std::string_view what);
  // A number in [lo, hi] (or (lo, hi] when lo_open).
  std::optional<double> number_in(const YAML::Node& n, std::string_view what, double lo, double hi,
                                  bool lo_open = false);
  std::optional<bool> boolean(const YAML::Node& n, std::string_view what);
  std::optional<TimeOfDay> time_of_day(const YAML::Node& n, bool allow_24);
  std::optional<Seconds> duration(const YAML::Node& n);
  // A path relative to `base_dir` unless absolute.
  std::optional<std::filesystem::path> path(const YAML::Node& n,
                                            const std::filesystem::path& base_dir);

 private:
  struct Hint {
    YAML::Node map;
    std::string key;
  };
  struct Parent {
    YAML::Node map;
    YAML::Mark key_mark;
  };
  std::string file_;
  std::vector<ConfigError>* errors_;
  std::vector<Hint> hints_;
  std::vector<Parent> parents_;
};

// A value as the user wrote it, shortened for messages.
std::string quoted(const YAML::Node& n);

// Loads a YAML file; a syntax error becomes a ConfigError. nullopt on failure.
std::optional<YAML::Node> load_yaml_file(const std::filesystem::path& file,
                                         const std::string& label,
                                         std::vector<ConfigError>& errors);

// Parses a tariff mapping (static, octopus-agile or csv). `base_dir` resolves relative paths.
std::optional<TariffConfig> parse_tariff(const YAML::Node& node, Reader& r,
                                         const std::filesystem::path& base_dir, int depth);

// Day-ahead tariffs (spot_config.cpp): whether `type` names one, and its mapping.
bool is_spot_type(std::string_view type);
std::optional<TariffConfig> parse_spot_tariff(const YAML::Node& node, Reader& r,
                                              const std::filesystem::path& base_dir, int depth,
                                              const std::string& type, TariffConfig out);
// After the whole file is read: a spot tariff's token from $CREDENTIALS_DIRECTORY when no
// token_file was given, and the currency the source can deliver. Errors at `tariff_node`.
void finish_spot_tariff(Config& cfg, const Environment& env, Reader& r,
                        const YAML::Node& tariff_node);

// `currency:` and `locale:` of the main file (money_config.cpp).
void parse_money(const YAML::Node& root, Reader& r, MoneyConfig& out);

// The `carbon:` mapping (carbon_config.cpp).
void parse_carbon(const YAML::Node& node, Reader& r, CarbonConfig& out);

// The `site:` mapping (site_config.cpp): meters and the export price. `have_mqtt`: whether
// the file has an `mqtt:` section (an mqtt meter needs one).
void parse_site(const YAML::Node& node, Reader& r, bool have_mqtt, SiteConfig& out);
// `site.export_tariff` (export_tariff_config.cpp): a tariff file path or mapping (static, csv,
// octopus-agile), exclusive with `site.export_price`.
void parse_export_tariff(const YAML::Node& site, Reader& r, const std::filesystem::path& dir,
                         Config& cfg);

// A secret read from a file, trailing newlines removed; errors at `at` (else the file), never
// echoing the content. nullopt on failure.
std::optional<Secret> read_secret_file(const std::filesystem::path& p, const YAML::Node* at,
                                       Reader& r, std::string_view what);
// True when the systemd credential `id` was given (its file holds more than newlines).
bool credential_given(const Environment& env, std::string_view id);
// An http:// or https:// URL, else an error at `n`.
std::optional<std::string> url(const YAML::Node& n, Reader& r);

// `vehicle.source`: one parser per `type:` (vehicle_source_config.cpp).
void parse_source(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, VehicleConfig& vc);

// What a source type needs elsewhere in the file (mqtt: an `mqtt:` section; charger: an OCPP
// switch), reported at the source's `type`.
void check_source_needs(const Config& cfg, Reader& r, const YAML::Node& root);

// The `solar_forecast:` mapping (solar_forecast_config.cpp): the source, the roof and the key
// (from `api_key_file` or, for solcast, the systemd credential solcast-api-key).
void parse_solar_forecast(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                          const Environment& env, std::optional<SolarForecastConfig>& out);

// `notify:`, `quiet_hours:` and `plug_reminder:` of the top level (notify_config.cpp).
void parse_notify(const YAML::Node& root, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, NotifyConfig& out);

// `charging.solar` and `charging.solar_max_soc` (solar_config.cpp), from the charging mapping.
void parse_charging_solar(const YAML::Node& charging, Reader& r, SolarConfig& out);

// The switch's current control keys (current_config.cpp), after parse_switch: phases,
// min/max current, voltage, and whether the switch is modulating.
void parse_current_control(const YAML::Node& switch_node, Reader& r, Config& cfg);

// `switch:` (switch_config.cpp): the switch of every type and the listen address of the OCPP
// central system and the API.
void parse_switch(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                  const Environment& env, SwitchConfig& sc);
void parse_listen(const YAML::Node& n, Reader& r, std::string_view example, std::string& host_out,
                  unsigned short& port_out);
bool is_loopback(const std::string& host);

// `mqtt:` (mqtt_config.cpp), and the topic checks the MQTT switch shares.
void parse_mqtt(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                const Environment& env, std::optional<MqttConfig>& out);
std::optional<std::string> topic(const YAML::Node& n, Reader& r, std::string_view what);
std::optional<std::string> topic_prefix(const YAML::Node& n, Reader& r, std::string_view what);

}  // namespace offpeak::config::detail
