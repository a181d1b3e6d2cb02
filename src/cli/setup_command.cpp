#include "setup_command.hpp"
#include "setup_europe.hpp"
#include "setup_prompt.hpp"
#include "setup_source.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/connect/client.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace offpeak::cli {
namespace {

namespace fs = std::filesystem;

constexpr double k_default_battery_kwh = 60.0;
constexpr double k_default_charge_kw = 7.4;
constexpr const char* k_default_tariff = "octopus-go";
constexpr const char* k_default_timezone = "Europe/London";

// Where the tariff presets are: next to the program as installed (BINDIR/../share), the
// configured data directory, the source tree (a build that was not installed).
std::optional<fs::path> presets_dir() {
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/offpeak/config/tariffs");
  candidates.emplace_back(OFFPEAK_INSTALLED_PRESETS);
  candidates.emplace_back(OFFPEAK_SOURCE_PRESETS);
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c / (std::string(k_default_tariff) + ".yaml"), ec)) return c;
  }
  return std::nullopt;
}

std::vector<std::string> preset_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string describe_car(const VehicleState& v) {
  std::string s = v.device_id + "  " + v.brand + " " + v.model;
  if (v.year) s += " (" + std::to_string(*v.year) + ")";
  if (v.soc_percent) {
    char soc[32];
    std::snprintf(soc, sizeof soc, "  %.0f%%", *v.soc_percent);
    s += soc;
  }
  return s;
}

// An absolute program and its arguments, split at spaces.
std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> argv;
  std::istringstream in(line);
  for (std::string w; in >> w;)
    argv.push_back(w);
  return argv;
}

std::string yaml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

// Replaces the value of a top-level `key:` line of a YAML file, keeping its comment.
std::string set_top_level(std::string text, const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::string out;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(key + ":", 0) == 0) {
      const auto hash = l.find('#');
      std::string comment = hash == std::string::npos ? "" : "  " + l.substr(hash);
      l = key + ": " + value + comment;
    }
    out += l + "\n";
  }
  return out;
}

void write_file(const fs::path& p, const std::string& content, mode_t mode) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    throw SetupError(k_exit_failure, "cannot write " + p.string() + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, mode) == 0;  // an existing file gets the mode too
  const char* data = content.data();
  std::size_t left = content.size();
  while (ok && left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) {
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    throw SetupError(k_exit_failure, "cannot write " + p.string() + ": " + std::strerror(errno));
  }
}

struct Answers {
  std::string email;
  std::string password;
  std::string base_url;
  VehicleState car;
  double battery_kwh = k_default_battery_kwh;
  double max_charge_kw = k_default_charge_kw;
  std::string timezone = k_default_timezone;
  std::string tariff = k_default_tariff;
  std::string agile_product;
  std::string agile_region;
  std::string switch_type = "log";
  std::string start_url, stop_url;
  std::vector<std::string> start_command, stop_command;
  std::string currency = "GBP";
  std::string locale;
  std::optional<std::string> tariff_text;  // a tariff file written for a day-ahead source
  std::string token, token_file;           // its API token, and the file under tariffs/
  SourceAnswers other;                     // a source other than connect (yaml empty: connect)
};

std::string config_text(const Answers& a) {
  std::string y;
  y += "# Written by `offpeak setup`. Every key and its default:\n";
  y += "# /usr/share/offpeak/config/offpeak.example.yaml; check with `offpeak check --config "
       "FILE`.\n";
  y += "timezone: " + quote(a.timezone) + "\n";
  if (a.currency != "GBP") y += "currency: " + a.currency + "\n";
  if (!a.locale.empty()) y += "locale: " + a.locale + "   # the decimal mark money is shown with\n";
  y += "vehicle:\n";
  y += "  name: " +
       quote(a.other.yaml.empty() ? trim(a.car.brand + " " + a.car.model) : a.other.name) + "\n";
  char num[64];
  std::snprintf(num, sizeof num, "%g", a.battery_kwh);
  y += "  battery_kwh: " + std::string(num) + "\n";
  std::snprintf(num, sizeof num, "%g", a.max_charge_kw);
  y += "  max_charge_kw: " + std::string(num) + "\n";
  y += "  source:\n";
  if (!a.other.yaml.empty()) {
    y += a.other.yaml;
  } else {
    y += "    type: connect\n";
    if (!a.base_url.empty()) y += "    base_url: " + quote(a.base_url) + "\n";
    y += "    email: " + quote(a.email) + "\n";
    y += "    # Readable by its owner only. The service gets it as the systemd credential\n";
    y += "    # connect-password, which comes first.\n";
    y += "    password_file: connect-password\n";
    y += "    device_id: " + quote(a.car.device_id) + "\n";
  }
  y += "charging:\n";
  y += "  target_soc: 80\n";
  y += "  ready_by: \"07:30\"\n";
  y += "tariff: tariffs/" + a.tariff + ".yaml   # " +
       (a.token_file.empty() && !a.tariff_text ? "a copy of the preset: put in your own prices"
                                               : "check its fees and VAT against your bill") +
       "\n";
  y += "switch:\n";
  y += "  type: " + a.switch_type + "\n";
  if (a.switch_type == "http") {
    y += "  start: { method: POST, url: " + quote(a.start_url) + " }\n";
    y += "  stop: { method: POST, url: " + quote(a.stop_url) + " }\n";
  } else if (a.switch_type == "exec") {
    y += "  start: " + yaml_list(a.start_command) + "\n";
    y += "  stop: " + yaml_list(a.stop_command) + "\n";
  }
  return y;
}

// Logs in and returns the account's cars (the exit codes of `offpeak vehicle` on failure).
std::vector<VehicleState> list_cars(const Answers& a) {
  config::ConnectSource src;
  if (!a.base_url.empty()) src.base_url = a.base_url;
  while (!src.base_url.empty() && src.base_url.back() == '/')
    src.base_url.pop_back();
  src.email = a.email;
  src.password = config::Secret(a.password);
  connect::FetchOutcome o = connect::fetch_vehicle_once(src, std::chrono::seconds{60});
  if (!o.devices.empty()) return o.devices;
  if (o.vehicle) return {*o.vehicle};
  const int code = o.exit_code() == 0 ? k_exit_failure : o.exit_code();
  std::string why = o.kind == connect::FetchOutcome::Kind::credentials_refused
                        ? "the Connect service refused the e-mail and password"
                    : o.kind == connect::FetchOutcome::Kind::unreachable
                        ? "the Connect service cannot be reached"
                        : "the Connect service answered unexpectedly";
  throw SetupError(code, why + ": " + o.message + "; nothing written");
}

void ask_connect(const SetupArgs& args, bool interactive, Prompter& ask, Answers& a);
void ask_rest(const SetupArgs& args, bool interactive, Prompter& ask, Answers& a,
              const std::vector<std::string>& tariffs);
void write_all(const Answers& a, const fs::path& config, const fs::path& dir,
               const fs::path& presets, const std::vector<std::string>& tariffs);
int check_written(const Answers& a, const fs::path& config);

int run_setup(const SetupArgs& args) {
  const bool interactive = !args.non_interactive;
  if (interactive && !isatty(STDIN_FILENO)) {
    throw SetupError(k_exit_usage,
                     "standard input is not a terminal: give --non-interactive and the answers "
                     "as flags (see offpeak setup --help)");
  }
  const fs::path config = fs::absolute(args.config).lexically_normal();
  const fs::path dir = config.parent_path();
  std::error_code ec;
  if (fs::exists(config, ec) && !args.force) {
    throw SetupError(k_exit_failure, config.string() +
                                         " exists; nothing written (--force replaces it, keeping "
                                         "edited tariff files)");
  }
  const auto presets = presets_dir();
  if (!presets) throw SetupError(k_exit_failure, "the tariff presets are not installed");
  const std::vector<std::string> tariffs = preset_names(*presets);

  Prompter ask;
  Answers a;
  a.base_url = args.base_url;
  if (!args.timezone.empty()) a.timezone = args.timezone;
  std::string source = args.vehicle_source;
  if (source.empty()) {
    source = interactive ? ask.choice(
                               "Where the car's state of charge comes from (connect: the "
                               "Orange Power Connect account, BMW; homeassistant: Home "
                               "Assistant; none: you tell it)",
                               {"connect", "homeassistant", "none"}, "connect")
                         : "connect";
  }
  if (source != "connect") {
    a.other = ask_source(source, args, interactive, ask);
  } else {
    ask_connect(args, interactive, ask, a);
  }
  ask_rest(args, interactive, ask, a, tariffs);
  write_all(a, config, dir, *presets, tariffs);
  return check_written(a, config);
}

void ask_connect(const SetupArgs& args, bool interactive, Prompter& ask, Answers& a) {
  if (!args.email.empty()) {
    a.email = args.email;
  } else if (interactive) {
    std::cout << "offpeak setup: the car's Orange Power Connect account (BMW ConnectedDrive)\n";
    a.email = ask.ask("E-mail");
  }
  if (a.email.find('@') == std::string::npos) {
    throw SetupError(k_exit_usage, "an e-mail address is needed (--email)");
  }
  if (!args.password_file.empty()) {
    a.password = read_password_file(args.password_file);
  } else if (interactive) {
    a.password = ask.secret("Password (not shown)");
  } else {
    throw SetupError(k_exit_usage,
                     "--password-file FILE is needed (- reads standard input; a password is "
                     "never taken on the command line)");
  }
  if (a.password.empty()) throw SetupError(k_exit_usage, "an empty password; nothing written");

  if (interactive) std::cout << "Logging in…\n" << std::flush;
  const std::vector<VehicleState> cars = list_cars(a);
  if (!args.device_id.empty()) {
    auto it = std::find_if(cars.begin(), cars.end(),
                           [&](const VehicleState& v) { return v.device_id == args.device_id; });
    if (it == cars.end()) {
      std::string list;
      for (const auto& c : cars)
        list += "\n  " + describe_car(c);
      throw SetupError(k_exit_failure,
                       "--device-id " + args.device_id + " is not on the account; it has:" + list);
    }
    a.car = *it;
  } else if (cars.size() == 1) {
    a.car = cars.front();
    if (interactive) std::cout << "The account's car: " << describe_car(a.car) << "\n";
  } else if (interactive) {
    std::cout << "The account's cars:\n";
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < cars.size(); ++i) {
      std::cout << "  " << i + 1 << ") " << describe_car(cars[i]) << "\n";
      ids.push_back(cars[i].device_id);
    }
    const std::string id = ask.choice("Which car", ids, "1");
    a.car = *std::find_if(cars.begin(), cars.end(),
                          [&](const VehicleState& v) { return v.device_id == id; });
  } else {
    std::string list;
    for (const auto& c : cars)
      list += "\n  " + describe_car(c);
    throw SetupError(k_exit_usage, "the account has " + std::to_string(cars.size()) +
                                       " cars; choose one with --device-id:" + list);
  }
}

void ask_rest(const SetupArgs& args, bool interactive, Prompter& ask, Answers& a,
              const std::vector<std::string>& tariffs) {
  if (args.battery_kwh) {
    a.battery_kwh = *args.battery_kwh;
  } else if (interactive) {
    a.battery_kwh = ask.number("Usable battery capacity, kWh", k_default_battery_kwh, 0, 1000);
  }
  if (args.max_charge_kw) {
    a.max_charge_kw = *args.max_charge_kw;
  } else if (interactive) {
    a.max_charge_kw = ask.number("Charger power, kW", k_default_charge_kw, 0, 400);
  }

  RegionAnswers region = ask_region(args, interactive, ask);
  if (!region.timezone.empty()) a.timezone = region.timezone;
  a.currency = region.currency;
  a.locale = region.locale;
  if (!region.preset) {
    a.tariff = region.tariff_stem;
    a.tariff_text = region.tariff_text;
    a.token = region.token;
    a.token_file = region.token_file;
    // A day-ahead source: its tariff file and token are chosen; no preset question.
  } else if (!args.tariff.empty()) {
    if (std::find(tariffs.begin(), tariffs.end(), args.tariff) == tariffs.end()) {
      std::string list;
      for (const auto& t : tariffs)
        list += (list.empty() ? "" : ", ") + t;
      throw SetupError(k_exit_usage,
                       "no tariff preset '" + args.tariff + "'; the presets: " + list);
    }
    a.tariff = args.tariff;
  } else if (interactive) {
    std::cout << "Tariff presets (copied next to the configuration; put in your own prices):\n";
    for (std::size_t i = 0; i < tariffs.size(); ++i)
      std::cout << "  " << i + 1 << ") " << tariffs[i] << "\n";
    a.tariff = ask.choice("Tariff", tariffs, k_default_tariff);
  }
  if (a.tariff == "octopus-agile") {
    a.agile_product = args.agile_product;
    a.agile_region = args.agile_region;
    if (interactive && a.agile_product.empty())
      a.agile_product = ask.ask("Agile product code (on your bill)", "AGILE-24-10-01");
    if (interactive && a.agile_region.empty())
      a.agile_region = ask.ask("Region letter A..P (C = London)", "C");
  }

  a.switch_type = args.switch_type;
  if (a.switch_type.empty()) {
    a.switch_type = interactive ? ask.choice(
                                      "Switch (log: only log; http: call URLs; exec: run "
                                      "programs)",
                                      {"log", "http", "exec"}, "log")
                                : "log";
  }
  if (a.switch_type == "http") {
    a.start_url = args.start_url;
    a.stop_url = args.stop_url;
    if (interactive && a.start_url.empty()) a.start_url = ask.ask("URL that starts charging");
    if (interactive && a.stop_url.empty()) a.stop_url = ask.ask("URL that stops charging");
    if (a.start_url.empty() || a.stop_url.empty())
      throw SetupError(k_exit_usage, "the http switch needs --start-url and --stop-url");
  } else if (a.switch_type == "exec") {
    std::string start = args.start_command;
    std::string stop = args.stop_command;
    if (interactive && start.empty())
      start = ask.ask("Program (absolute path) and arguments that start charging");
    if (interactive && stop.empty())
      stop = ask.ask("Program (absolute path) and arguments that stop charging");
    a.start_command = split_command(start);
    a.stop_command = split_command(stop);
    if (a.start_command.empty() || a.stop_command.empty())
      throw SetupError(k_exit_usage, "the exec switch needs --start-command and --stop-command");
  } else if (a.switch_type != "log") {
    throw SetupError(k_exit_usage,
                     "unknown switch type '" + a.switch_type + "'; expected log, http or exec");
  }
}

// Writes the directory, the tariff presets (an edited copy is kept), the password or token
// file (owner only) and the configuration.
void write_all(const Answers& a, const fs::path& config, const fs::path& dir,
               const fs::path& presets, const std::vector<std::string>& tariffs) {
  std::error_code ec;
  fs::create_directories(dir / "tariffs", ec);
  if (ec)
    throw SetupError(k_exit_failure,
                     "cannot create " + (dir / "tariffs").string() + ": " + ec.message());
  for (const auto& t : tariffs) {
    const fs::path to = dir / "tariffs" / (t + ".yaml");
    if (fs::exists(to, ec)) continue;
    fs::copy_file(presets / (t + ".yaml"), to, ec);
    if (ec) throw SetupError(k_exit_failure, "cannot write " + to.string() + ": " + ec.message());
  }
  if (!a.agile_product.empty() || !a.agile_region.empty()) {
    const fs::path agile = dir / "tariffs" / "octopus-agile.yaml";
    std::ifstream in(agile);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    if (!a.agile_product.empty()) text = set_top_level(text, "product", a.agile_product);
    if (!a.agile_region.empty()) text = set_top_level(text, "region", a.agile_region);
    write_file(agile, text, 0644);
  }
  if (a.tariff_text && !fs::exists(dir / "tariffs" / (a.tariff + ".yaml"), ec))
    write_file(dir / "tariffs" / (a.tariff + ".yaml"), *a.tariff_text, 0644);
  if (!a.token_file.empty()) {
    write_file(dir / "tariffs" / a.token_file, a.token + "\n", 0600);
    std::cout << "Wrote the token to " << (dir / "tariffs" / a.token_file).string()
              << " (readable by its owner only)\n";
  }
  const std::string secret_file = a.other.yaml.empty() ? "connect-password" : a.other.secret_file;
  if (!secret_file.empty()) {
    write_file(dir / secret_file, (a.other.yaml.empty() ? a.password : a.other.secret) + "\n",
               0600);
  }
  write_file(config, config_text(a), 0644);
  std::cout << "Wrote " << config.string()
            << (secret_file.empty()
                    ? std::string()
                    : ", " + (dir / secret_file).string() + " (readable by its owner only)")
            << " and the tariff presets in " << (dir / "tariffs").string() << "\n";
}

int check_written(const Answers& a, const fs::path& config) {
  // The same validation as `offpeak check`.
  auto checked = config::load_config(config, config::Environment::from_process());
  if (!checked.config) {
    for (const auto& e : checked.errors)
      std::cerr << e.to_string() << "\n";
    throw SetupError(k_exit_config, "the written configuration does not pass `offpeak check`");
  }
  std::cout << "offpeak check: ok (" << checked.config->vehicle.name << ", "
            << checked.config->tariff.name << ", switch " << a.switch_type << ")\n";
  if (config != fs::path("/etc/offpeak/offpeak.yaml")) {
    std::cout << "Note: the service reads /etc/offpeak/offpeak.yaml; copy this configuration, "
                 "its password file and tariffs/ there to use it.\n";
  }
  std::cout << "Enable and start the service:\n"
            << "  sudo systemctl daemon-reload\n"
            << "  sudo systemctl enable --now offpeakd\n";
  return k_exit_ok;
}

}  // namespace

CLI::App* add_setup_command(CLI::App& app, SetupArgs& a) {
  auto* cmd = app.add_subcommand(
      "setup",
      "First run: choose where the car's SoC comes from (the Connect account, Home Assistant, or "
      "told), the car, battery, charger, country, tariff (a preset, or a day-ahead source and its "
      "token), currency and switch; write the configuration and a password file (owner only), "
      "check "
      "them, and print the commands that enable the service. Exit 69 unreachable, 77 "
      "credentials refused, 78 the result does not validate");
  cmd->add_option("--config,-c", a.config,
                  "The configuration to write (default /etc/offpeak/offpeak.yaml); the password "
                  "file and tariffs/ go next to it");
  cmd->add_flag("--non-interactive", a.non_interactive,
                "Ask nothing: every answer from the flags (--email and --password-file needed)");
  cmd->add_flag("--force", a.force, "Replace an existing configuration");
  cmd->add_option("--email", a.email, "The Connect account's e-mail");
  cmd->add_option("--password-file", a.password_file,
                  "A file holding the account's password; - reads standard input");
  cmd->add_option("--base-url", a.base_url, "The Connect service (default: the real one)");
  cmd->add_option("--device-id", a.device_id, "The car (VIN) when the account has several");
  cmd->add_option("--tariff", a.tariff,
                  "A tariff preset, its file name without .yaml (default octopus-go)");
  cmd->add_option("--agile-product", a.agile_product, "With --tariff octopus-agile: the product");
  cmd->add_option("--agile-region", a.agile_region, "With --tariff octopus-agile: the region");
  cmd->add_option("--switch", a.switch_type, "log (default), http or exec")
      ->check(CLI::IsMember({"log", "http", "exec"}));
  cmd->add_option("--start-url", a.start_url, "http switch: the URL that starts charging (POST)");
  cmd->add_option("--stop-url", a.stop_url, "http switch: the URL that stops charging (POST)");
  cmd->add_option("--start-command", a.start_command,
                  "exec switch: absolute program and arguments that start charging");
  cmd->add_option("--stop-command", a.stop_command,
                  "exec switch: absolute program and arguments that stop charging");
  cmd->add_option("--battery-kwh", a.battery_kwh, "Usable battery capacity (default 60)")
      ->check(CLI::Range(0.1, 1000.0));
  cmd->add_option("--max-charge-kw", a.max_charge_kw, "Charger power (default 7.4)")
      ->check(CLI::Range(0.1, 400.0));
  cmd->add_option("--timezone", a.timezone, "IANA time zone (default: the country's)");
  cmd->add_option("--country", a.country,
                  "GB (default), DE, AT, NL, BE, FR, SE, NO, DK, FI, CH, PL or CZ: the time zone, "
                  "currency and the tariff sources offered");
  cmd->add_option("--source", a.source,
                  "Outside GB: tibber, entsoe, nordpool, awattar (a day-ahead source; its tariff "
                  "file is written) or preset (default with --non-interactive)");
  cmd->add_option("--currency", a.currency, "Default: the country's, or what the source delivers");
  cmd->add_option("--zone", a.zone, "The bidding zone where a country has several (SE3, NO1, DK1)");
  cmd->add_option("--token-file", a.token_file,
                  "A file holding the tibber or entsoe API token; - reads standard input");
  cmd->add_option("--vehicle-source", a.vehicle_source,
                  "Where the car's SoC comes from: connect (default), homeassistant or none")
      ->check(CLI::IsMember({"connect", "homeassistant", "none"}));
  cmd->add_option("--name", a.name, "The car's name (sources other than connect)");
  cmd->add_option("--ha-url", a.ha_url, "homeassistant: Home Assistant's URL");
  cmd->add_option("--ha-token-file", a.ha_token_file,
                  "homeassistant: a file holding a long-lived access token; - reads standard "
                  "input");
  cmd->add_option("--soc-entity", a.soc_entity,
                  "homeassistant: the car's SoC entity (without it, the battery entities are "
                  "listed)");
  cmd->add_option("--plugged-entity", a.plugged_entity,
                  "homeassistant: the entity that says whether the car is plugged in");
  return cmd;
}

int cmd_setup(const SetupArgs& args) {
  try {
    return run_setup(args);
  } catch (const SetupError& e) {
    std::cerr << "offpeak setup: " << e.what() << "\n";
    return e.status;
  }
}

}  // namespace offpeak::cli
