#pragma once
// `offpeak setup`: the first run. Asks (on a terminal) or takes from flags the Connect
// account, the car, its battery and charger, the country, the tariff source (a preset, or a
// day-ahead source with its token) and currency, and the switch; logs in and
// lists the account's cars; writes the configuration and a password file readable by its
// owner only; validates the result as `offpeak check` does; prints the commands that enable
// the service. Private to the cli module.

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace offpeak::cli {

struct SetupArgs {
  std::string config = "/etc/offpeak/offpeak.yaml";
  bool non_interactive = false;
  bool force = false;
  std::string email;
  std::string password_file;  // "-": standard input
  std::string base_url;
  std::string device_id;
  std::string tariff;       // a preset's file name without .yaml
  std::string switch_type;  // log | http | exec
  std::optional<double> battery_kwh;
  std::optional<double> max_charge_kw;
  std::string timezone;
  std::string agile_product;
  std::string agile_region;
  std::string start_url;
  std::string stop_url;
  std::string start_command;
  std::string stop_command;
  std::string country;     // GB (default), DE, SE, ...
  std::string source;      // outside GB: tibber | entsoe | nordpool | awattar | preset
  std::string currency;    // default: the country's (or what the source delivers)
  std::string zone;        // bidding zone / delivery area where a country has several
  std::string token_file;  // the source's API token ("-": standard input)
  // Where the car's SoC comes from: connect (default), homeassistant or none.
  std::string vehicle_source;
  std::string name;  // vehicle.name for sources that do not name the car
  std::string ha_url;
  std::string ha_token_file;  // "-": standard input
  std::string soc_entity;
  std::string plugged_entity;
};

// Adds the `setup` subcommand with its options bound to `args`; returns it.
CLI::App* add_setup_command(CLI::App& app, SetupArgs& args);

// Exit status: 0 written and valid; 2 usage (a missing answer with --non-interactive, not a
// terminal); 1 an existing configuration without --force, a car not on the account, files
// that cannot be written; 69 the service unreachable; 77 the credentials refused; 78 the
// written configuration does not pass validation.
int cmd_setup(const SetupArgs& args);

}  // namespace offpeak::cli
