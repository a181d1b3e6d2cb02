// offpeakd: argument parsing, configuration, logging, then the service's event loop.

#include "service.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/daemon/daemon.hpp>
#include <offpeak/daemon/logging.hpp>
#include <offpeak/version.hpp>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

namespace offpeak::daemon {

int run_offpeakd(int argc, char** argv) {
  CLI::App app{
      "offpeakd: the offpeak smart-charging daemon. Polls the car, plans the cheapest "
      "charging before the ready-by time, switches the charger, records everything in "
      "SQLite. Runs in the foreground until SIGTERM/SIGINT; SIGHUP reloads the "
      "configuration.",
      "offpeakd"};
  app.set_version_flag("--version", std::string("offpeakd ") + k_version);
  std::string config_file;
  std::optional<double> speed;
  std::string start;
  std::string log_level;
  app.add_option("--config,-c", config_file, "Configuration file (YAML)")->required();
  app.add_option("--speed", speed,
                 "Run a virtual clock N times faster than real time (only with "
                 "vehicle.source.type: simulator, none or charger, or a connect, homeassistant, "
                 "http or mqtt source on a loopback address such as offpeak-connect-sim started "
                 "with the same --speed/--start); timers, plans, the simulated car and database "
                 "timestamps all use it")
      ->check(CLI::Range(0.001, 100000.0));
  app.add_option("--start", start,
                 "Start the virtual clock at this instant (RFC 3339). Default: now");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error (overrides log.level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cli::k_exit_usage;
  }
  std::optional<Instant> start_at;
  if (!start.empty()) {
    start_at = parse_rfc3339(start);
    if (!start_at) {
      std::cerr
          << "offpeakd: --start expects an RFC 3339 instant such as 2026-03-28T18:00:00Z, got '"
          << start << "'\n";
      return cli::k_exit_usage;
    }
  }
  auto loaded = config::load_config(config_file, config::Environment::from_process());
  if (!loaded.config) {
    // Before the logger exists: under systemd each line carries the error priority itself,
    // so that `journalctl -p err` shows why the service did not start.
    const char* prefix = detect_log_format() == LogFormat::journald ? "<3>" : "";
    for (const auto& e : loaded.errors) {
      const std::string text = e.to_string();
      std::size_t from = 0;
      while (from < text.size()) {
        std::size_t end = text.find('\n', from);
        if (end == std::string::npos) end = text.size();
        std::cerr << prefix << text.substr(from, end - from) << "\n";
        from = end + 1;
      }
    }
    std::cerr << prefix << "offpeakd: " << loaded.errors.size()
              << " error(s) in the configuration; not starting\n";
    return cli::k_exit_config;
  }
  config::Config cfg = std::move(*loaded.config);
  bool simulated = std::holds_alternative<config::SimulatorSource>(cfg.vehicle.source) ||
                   std::holds_alternative<config::NoVehicleSource>(cfg.vehicle.source) ||
                   std::holds_alternative<config::ChargerVehicleSource>(cfg.vehicle.source);
  auto loopback = [](const std::string& u) {
    for (const char* local : {"http://127.0.0.1", "http://localhost", "http://[::1]",
                              "https://127.0.0.1", "https://localhost", "https://[::1]"}) {
      const std::string l(local);
      if (u.compare(0, l.size(), l) == 0 &&
          (u.size() == l.size() || u[l.size()] == ':' || u[l.size()] == '/'))
        return true;
    }
    return false;
  };
  // A simulator on this machine (offpeak-connect-sim, a test's Home Assistant or broker) runs
  // on the same virtual clock (--speed/--start).
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg.vehicle.source)) {
    simulated = simulated || loopback(c->base_url);
  } else if (const auto* h = std::get_if<config::HomeAssistantSource>(&cfg.vehicle.source)) {
    simulated = simulated || loopback(h->url);
  } else if (const auto* j = std::get_if<config::HttpVehicleSource>(&cfg.vehicle.source)) {
    simulated = simulated || loopback(j->url);
  } else if (std::holds_alternative<config::MqttVehicleSource>(cfg.vehicle.source) && cfg.mqtt) {
    simulated = simulated || loopback("http://" + cfg.mqtt->host);
  }
  if ((speed || start_at) && !simulated) {
    std::cerr << "offpeakd: --speed and --start need vehicle.source.type: simulator, none or "
                 "charger, or a connect, homeassistant, http or mqtt source on a loopback "
                 "address (a simulator); a real car lives in real time\n";
    return cli::k_exit_usage;
  }
  setup_logging(log_level.empty() ? config::to_string(cfg.log_level) : log_level);
  ServiceOptions options;
  options.speed = speed;
  options.start = start_at;
  if (!log_level.empty()) options.log_level_override = log_level;
  try {
    Service service(std::move(cfg), options);
    return service.run();
  } catch (const store::StoreError& e) {
    spdlog::critical("database: {}", e.what());
    return cli::k_exit_config;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return cli::k_exit_failure;
  }
}

}  // namespace offpeak::daemon
