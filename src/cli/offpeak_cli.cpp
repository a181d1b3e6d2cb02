// `offpeak`: check, plan, tariff show (and the commands of later modules).

#include "backtest_command.hpp"
#include "notify_command.hpp"
#include "prices.hpp"
#include "sessions_command.hpp"
#include "setup_command.hpp"
#include "site_command.hpp"
#include "site_summary.hpp"
#include "soc_command.hpp"
#include "status_command.hpp"
#include "vehicle_command.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/version.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace offpeak::cli {
namespace {

using namespace std::chrono;

struct Common {
  std::string config;
  std::string log_level = "warn";
  bool json = false;
};

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("offpeak");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  auto l = config::parse_log_level(level).value_or(config::LogLevel::warn);
  switch (l) {
    case config::LogLevel::trace:
      spdlog::set_level(spdlog::level::trace);
      break;
    case config::LogLevel::debug:
      spdlog::set_level(spdlog::level::debug);
      break;
    case config::LogLevel::info:
      spdlog::set_level(spdlog::level::info);
      break;
    case config::LogLevel::warn:
      spdlog::set_level(spdlog::level::warn);
      break;
    case config::LogLevel::error:
      spdlog::set_level(spdlog::level::err);
      break;
  }
}

// Loads the configuration or prints every error; nullopt means "exit 78".
std::optional<config::Config> load_or_report(const std::string& file) {
  auto result = config::load_config(file, config::Environment::from_process());
  if (result.config) return std::move(result.config);
  for (const auto& e : result.errors)
    std::cerr << e.to_string() << "\n";
  std::cerr << "offpeak: " << result.errors.size() << " error"
            << (result.errors.size() == 1 ? "" : "s") << " in the configuration\n";
  return std::nullopt;
}

std::string describe_source(const config::Config& c) {
  if (const auto* s = std::get_if<config::ConnectSource>(&c.vehicle.source)) {
    return "connect (" + s->base_url + ", " + s->email +
           (s->device_id ? ", device " + *s->device_id : std::string()) + ")";
  }
  if (std::holds_alternative<config::SimulatorSource>(c.vehicle.source)) return "simulator";
  if (const auto* m = std::get_if<config::MqttVehicleSource>(&c.vehicle.source))
    return "mqtt (" + m->soc.topic + ")";
  if (const auto* h = std::get_if<config::HomeAssistantSource>(&c.vehicle.source))
    return "homeassistant (" + h->url + ", " + h->soc_entity + ")";
  if (const auto* j = std::get_if<config::HttpVehicleSource>(&c.vehicle.source))
    return "http (" + j->url + ")";
  if (std::holds_alternative<config::ChargerVehicleSource>(c.vehicle.source))
    return "charger (the SoC in OCPP MeterValues)";
  return "none (the SoC is told)";
}

std::string describe_switch(const config::Config& c) {
  if (std::holds_alternative<config::LogSwitch>(c.switch_config)) return "log";
  if (std::holds_alternative<config::HttpSwitch>(c.switch_config)) return "http";
  if (const auto* o = std::get_if<config::OcppSwitch>(&c.switch_config)) {
    return "ocpp (charge point " + o->charge_point_id + " on " + o->listen_host + ":" +
           std::to_string(o->listen_port) + (o->tls_cert ? ", TLS" : "") +
           (o->password.empty() ? ", no password" : ", Basic auth") + ")";
  }
  return "exec";
}

int cmd_check(const Common& common) {
  auto cfg = load_or_report(common.config);
  if (!cfg) return k_exit_config;
  char power[128];
  std::snprintf(power, sizeof power, "%.1f kWh, %.1f kW, %.0f%% efficiency",
                cfg->vehicle.spec.battery_kwh, cfg->vehicle.spec.max_charge_kw,
                cfg->vehicle.spec.efficiency * 100);
  std::cout << common.config << ": ok\n"
            << "  time zone  " << cfg->zone.name() << "\n"
            << "  vehicle    " << cfg->vehicle.name << " (" << power << ")\n"
            << "  source     " << describe_source(*cfg) << "\n"
            << "  charging   " << cfg->charging.target_soc << "% by "
            << format_time_of_day(cfg->charging.ready_by) << ", "
            << to_string(cfg->charging.strategy) << "\n"
            << "  tariff     " << cfg->tariff.name
            << (cfg->tariff.file ? " (" + cfg->tariff.file->string() + ")" : std::string()) << "\n"
            << "  switch     " << describe_switch(*cfg) << "\n"
            << "  database   " << cfg->storage.database.string() << "\n"
            << "  api        " << cfg->api.listen_host << ":" << cfg->api.listen_port
            << (cfg->api.token.empty() ? "" : " (token required for writes)") << "\n"
            << describe_site(*cfg) << describe_solar_forecast(*cfg) << describe_notify(*cfg);
  if (const std::string w = config::plug_state_warning(*cfg); !w.empty())
    std::cout << "  warning    " << w << "\n";
  return k_exit_ok;
}

std::optional<Instant> parse_instant_arg(const std::string& s, const char* flag) {
  auto t = parse_rfc3339(s);
  if (!t)
    std::cerr << "offpeak: " << flag
              << " expects an RFC 3339 instant such as 2026-03-28T18:00:00Z, got '" << s << "'\n";
  return t;
}

struct PlanArgs {
  std::optional<double> soc;  // required unless the target is in kWh
  std::string now;
  std::optional<double> target;
  std::optional<double> target_kwh;
  double delivered_kwh = 0.0;
  std::string ready_by;
  std::string strategy;
};

int cmd_plan(const Common& common, const PlanArgs& a) {
  auto cfg = load_or_report(common.config);
  if (!cfg) return k_exit_config;
  Instant now = SystemClock{}.now();
  if (!a.now.empty()) {
    auto t = parse_instant_arg(a.now, "--now");
    if (!t) return k_exit_usage;
    now = *t;
  }
  ChargingPolicy policy = cfg->charging;
  if (a.target) {
    policy.target_soc = *a.target;
    policy.target_kwh.reset();
    for (auto& d : policy.days)
      d.target_soc.reset(), d.target_kwh.reset();
  }
  if (!a.strategy.empty()) policy.strategy = *parse_strategy(a.strategy);
  std::optional<Instant> ready_at;
  if (!a.ready_by.empty()) {
    if (auto t = parse_time_of_day(a.ready_by, false)) {
      policy.ready_by = *t;
      for (auto& d : policy.days)
        d.ready_by.reset();
    } else if (auto i = parse_rfc3339(a.ready_by)) {
      if (!(*i > now)) {
        std::cerr << "offpeak: --ready-by " << a.ready_by << " is not after now ("
                  << format_rfc3339(now) << ")\n";
        return k_exit_usage;
      }
      ready_at = *i;
    } else {
      std::cerr << "offpeak: --ready-by expects HH:MM (local time) or an RFC 3339 instant, got '"
                << a.ready_by << "'\n";
      return k_exit_usage;
    }
  }
  if (a.target_kwh) {
    policy.target_kwh = *a.target_kwh;
    for (auto& d : policy.days)
      d.target_soc.reset(), d.target_kwh.reset();
  }
  Deadline deadline = next_deadline(now, policy, cfg->zone);
  if (ready_at) deadline.ready_by = *ready_at;
  if (!deadline.target_kwh && !a.soc) {
    std::cerr << "offpeak: --soc is required: the target is a SoC (give --soc PCT, or "
                 "--target-kwh KWH for an energy target)\n";
    return k_exit_usage;
  }
  auto prices = prices_for(*cfg, now, now, deadline.ready_by, false);
  if (!prices) return k_exit_failure;
  PlanRequest req;
  req.now = now;
  req.soc = a.soc.value_or(0.0);
  req.soc_known = a.soc.has_value();
  req.target_soc = deadline.target_soc;
  req.target_kwh = deadline.target_kwh;
  req.delivered_kwh = a.delivered_kwh;
  req.ready_by = deadline.ready_by;
  req.vehicle = cfg->vehicle.spec;
  req.strategy = policy.strategy;
  req.min_soc = policy.min_soc;
  req.charge_below_p_per_kwh = policy.charge_below_p_per_kwh;
  req.money = money_of(*cfg);
  add_sun(*cfg, req);  // with solar_forecast: the cached forecast and the learned home
  Plan plan = make_plan(req, *prices, cfg->zone);
  if (common.json) {
    std::cout << report::to_text(report::with_currency(report::plan_json(plan), req.money));
  } else {
    std::cout << "Plan for " << cfg->vehicle.name << " on " << cfg->tariff.name << " ("
              << to_string(policy.strategy) << ")\n\n"
              << report::plan_table(plan, cfg->zone, req.money);
  }
  return k_exit_ok;
}

struct TariffArgs {
  std::string from;
  std::optional<double> hours;
};

int cmd_tariff_show(const Common& common, const TariffArgs& a) {
  auto cfg = load_or_report(common.config);
  if (!cfg) return k_exit_config;
  Instant from = SystemClock{}.now();
  double hours = a.hours.value_or(48);
  if (!common.json && a.from.empty() && !a.hours) {
    // The human default is "the week": from local midnight today, 7 days.
    from = cfg->zone.start_of_day(cfg->zone.local_date(from));
    hours = 168;
  }
  if (!a.from.empty()) {
    auto t = parse_instant_arg(a.from, "--from");
    if (!t) return k_exit_usage;
    from = *t;
  }
  Instant to = from + Seconds{static_cast<long long>(hours * 3600)};
  auto fetched = prices_for(*cfg, SystemClock{}.now(), from, to, true);
  if (!fetched) return k_exit_unavailable;
  PriceCurve prices = std::move(*fetched);
  if (common.json) {
    std::cout << report::to_text(
        report::with_currency(report::prices_json(prices), money_of(*cfg)));
  } else {
    std::cout << cfg->tariff.name << ", " << cfg->zone.name() << " time\n\n"
              << report::prices_table(prices, from, to, cfg->zone, money_of(*cfg));
  }
  return k_exit_ok;
}

void add_common(CLI::App* cmd, Common& c, bool with_json) {
  cmd->add_option("--config,-c", c.config, "Configuration file (YAML)")->required();
  cmd->add_option("--log-level", c.log_level, "Log level on stderr: trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  if (with_json) cmd->add_flag("--json", c.json, "Print one JSON document on stdout");
}

}  // namespace

int run_offpeak(int argc, char** argv) {
  CLI::App app{"offpeak: plan and inspect smart EV charging (configuration, plans, tariffs)",
               "offpeak"};
  app.set_version_flag("--version", std::string("offpeak ") + k_version);
  app.require_subcommand(1);
  Common common;

  auto* check = app.add_subcommand(
      "check", "Validate the configuration and everything it names; exit 0 or 78");
  add_common(check, common, false);

  PlanArgs plan_args;
  auto* plan = app.add_subcommand(
      "plan", "Dry run of the daemon's planner on the configured tariff (no network, no database)");
  add_common(plan, common, true);
  plan->add_option("--soc", plan_args.soc,
                   "Current state of charge, percent (required unless the target is in kWh)")
      ->check(CLI::Range(0.0, 100.0));
  plan->add_option("--now", plan_args.now,
                   "Plan as if it were this instant (RFC 3339). Default: now");
  plan->add_option("--target", plan_args.target,
                   "Target SoC percent. Default: from the configuration")
      ->check(CLI::Range(0.0, 100.0));
  plan->add_option("--target-kwh", plan_args.target_kwh,
                   "Energy target in kWh (instead of a target SoC). Default: charging.target_kwh")
      ->check(CLI::Range(0.001, 1000.0));
  plan->add_option("--delivered", plan_args.delivered_kwh,
                   "kWh already delivered towards the energy target. Default: 0")
      ->check(CLI::Range(0.0, 1000.0));
  plan->add_option("--ready-by", plan_args.ready_by,
                   "Ready-by as local HH:MM (next occurrence) or an RFC 3339 instant. Default: "
                   "from the configuration");
  plan->add_option("--strategy", plan_args.strategy,
                   "cheapest | continuous. Default: from the configuration")
      ->check(CLI::IsMember({"cheapest", "continuous"}));

  auto* tariff = app.add_subcommand("tariff", "Inspect the configured tariff");
  tariff->require_subcommand(1);
  TariffArgs tariff_args;
  auto* show = tariff->add_subcommand(
      "show",
      "Print the price curve in local time (default: the week from local midnight today) or, with "
      "--json, as UTC slots (default: 48 h from now)");
  add_common(show, common, true);
  show->add_option("--from", tariff_args.from, "Start instant (RFC 3339)");
  show->add_option("--hours", tariff_args.hours, "Length in hours (default 48; 168 for the table)")
      ->check(CLI::Range(0.5, 24.0 * 366));

  auto* vehicle = app.add_subcommand(
      "vehicle",
      "Read the car's state once from the configured source (the Connect API, Home Assistant, a "
      "JSON API; pushed sources: from the running daemon). Retries transient failures, gives up "
      "within 60 s; exit 69 unreachable, 77 credentials refused. With --model, print what was "
      "learned from the recorded history instead");
  add_common(vehicle, common, true);
  bool vehicle_model = false;
  vehicle->add_flag("--model", vehicle_model,
                    "Print the charging model learned from the database (real wall power, taper, "
                    "usual plug-in times) and what the planner uses; asks no cloud");

  auto* site_cmd = app.add_subcommand(
      "site", "What offpeak learned about the home from the database (docs/solar-forecast.md)");
  add_common(site_cmd, common, true);
  bool site_model = false;
  site_cmd
      ->add_flag("--model", site_model,
                 "Print the expected household load per weekday and half-hour, the PV "
                 "forecast's scale factor and the expected surplus ahead")
      ->required();

  SetupArgs setup_args;
  auto* setup = add_setup_command(app, setup_args);

  std::string sessions_from;
  std::string sessions_to;
  auto* sessions = app.add_subcommand(
      "sessions",
      "Recorded charging sessions (from the database): kWh with the part from the sun and the "
      "part from the grid, their cost, the cost of charging at once from plug-in at full power, "
      "and the saving");
  add_common(sessions, common, true);
  sessions->add_option("--from", sessions_from,
                       "First local date YYYY-MM-DD (default: 30 days ago)");
  sessions->add_option("--to", sessions_to,
                       "Last local date YYYY-MM-DD, included (default: today)");

  std::string report_month;
  auto* report_cmd = app.add_subcommand(
      "report",
      "A month of charging: sessions, kWh (from the sun and from the grid), cost, the saving "
      "against charging at once, and the average price against the tariff's peak");
  add_common(report_cmd, common, true);
  report_cmd->add_option("--month", report_month, "The local month YYYY-MM")->required();

  BacktestArgs backtest_args;
  auto* backtest = add_backtest_command(app, backtest_args);
  StatusArgs status_args;
  auto* status = add_status_command(app, status_args);
  SocArgs soc_args;
  auto* soc = add_soc_command(app, soc_args);
  NotifyArgs notify_args;
  auto* notify_test = add_notify_command(app, notify_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return k_exit_usage;
  }
  setup_logging(backtest->parsed()      ? backtest_args.log_level
                : status->parsed()      ? status_args.log_level
                : soc->parsed()         ? soc_args.log_level
                : notify_test->parsed() ? notify_args.log_level
                                        : common.log_level);
  try {
    if (check->parsed()) return cmd_check(common);
    if (plan->parsed()) return cmd_plan(common, plan_args);
    if (show->parsed()) return cmd_tariff_show(common, tariff_args);
    if (backtest->parsed()) return cmd_backtest(backtest_args);
    if (vehicle->parsed()) {
      auto cfg = load_or_report(common.config);
      if (!cfg) return k_exit_config;
      return vehicle_model ? cmd_vehicle_model(*cfg, common.json) : cmd_vehicle(*cfg, common.json);
    }
    if (site_cmd->parsed()) {
      auto cfg = load_or_report(common.config);
      if (!cfg) return k_exit_config;
      return cmd_site_model(*cfg, common.json);
    }
    if (status->parsed()) return cmd_status(status_args);
    if (soc->parsed()) return cmd_soc(soc_args);
    if (notify_test->parsed()) return cmd_notify_test(notify_args);
    if (setup->parsed()) return cmd_setup(setup_args);
    if (sessions->parsed() || report_cmd->parsed()) {
      auto cfg = load_or_report(common.config);
      if (!cfg) return k_exit_config;
      return sessions->parsed() ? cmd_sessions(*cfg, sessions_from, sessions_to, common.json)
                                : cmd_report(*cfg, report_month, common.json);
    }
  } catch (const std::exception& e) {
    std::cerr << "offpeak: " << e.what() << "\n";
    return k_exit_failure;
  }
  return k_exit_usage;
}

}  // namespace offpeak::cli
