// `offpeak backtest`: the daemon's controller replayed over a price history.

#include "backtest_command.hpp"
#include "house_backtest.hpp"
#include "stays_backtest.hpp"

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/cli/cli.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/domain/money.hpp>
#include <offpeak/report/report.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace offpeak::cli {
namespace {

using namespace std::chrono;
namespace json = boost::json;

std::string date_text(LocalDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::optional<double> rounded(std::optional<double> v, int decimals) {
  if (!v) return std::nullopt;
  return report::round_to(*v, decimals);
}

json::value optional_number(std::optional<double> v) {
  if (!v) return nullptr;
  return *v;
}

json::object night_json(const backtest::Night& n) {
  return json::object{{"date", date_text(n.date)},
                      {"arrive", format_rfc3339(n.arrive)},
                      {"depart", format_rfc3339(n.depart)},
                      {"status", std::string(to_string(n.status))},
                      {"arrive_soc", report::round_to(n.arrive_soc, 2)},
                      {"target_soc", report::round_to(n.target_soc, 2)},
                      {"final_soc", report::round_to(n.final_soc, 2)},
                      {"target_met", n.target_met},
                      {"energy_kwh", report::round_to(n.energy_kwh, 4)},
                      {"smart_cost_p", report::round_to(n.smart_cost_p, 3)},
                      {"naive_cost_p", report::round_to(n.naive_cost_p, 3)},
                      {"optimal_cost_p", report::round_to(n.optimal_cost_p, 3)},
                      {"starts", n.starts},
                      {"replans", n.replans}};
}

json::value summary_json(const backtest::Summary& s, const BacktestArgs& a) {
  json::array nights;
  for (const auto& n : s.per_night)
    nights.push_back(night_json(n));
  return json::object{
      {"from", a.from},
      {"to", a.to},
      {"arrive", a.arrive},
      {"depart", a.depart},
      {"arrive_soc", a.arrive_soc},
      {"nights", s.nights},
      {"missing_price_nights", s.missing_price_nights},
      {"target_met_nights", s.target_met_nights},
      {"smart_cost_p", report::round_to(s.smart_cost_p, 3)},
      {"naive_cost_p", report::round_to(s.naive_cost_p, 3)},
      {"optimal_cost_p", report::round_to(s.optimal_cost_p, 3)},
      {"energy_kwh", report::round_to(s.energy_kwh, 4)},
      {"naive_energy_kwh", report::round_to(s.naive_energy_kwh, 4)},
      {"savings_p", report::round_to(s.naive_cost_p - s.smart_cost_p, 3)},
      {"savings_percent", optional_number(rounded(s.savings_percent, 2))},
      {"optimal_savings_percent", optional_number(rounded(s.optimal_savings_percent, 2))},
      {"per_night", std::move(nights)}};
}

bool write_nights_csv(const std::string& file, const backtest::Summary& s) {
  std::ofstream out(file);
  if (!out) return false;
  out << "date,arrive_utc,depart_utc,status,arrive_soc,target_soc,final_soc,target_met,"
         "energy_kwh,smart_cost_p,naive_cost_p,optimal_cost_p,starts,replans\n";
  for (const auto& n : s.per_night) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.2f,%.2f,%.2f,%s,%.4f,%.3f,%.3f,%.3f,%d,%d", n.arrive_soc,
                  n.target_soc, n.final_soc, n.target_met ? "true" : "false", n.energy_kwh,
                  n.smart_cost_p, n.naive_cost_p, n.optimal_cost_p, n.starts, n.replans);
    out << date_text(n.date) << ',' << format_rfc3339(n.arrive) << ',' << format_rfc3339(n.depart)
        << ',' << to_string(n.status) << ',' << buf << '\n';
  }
  out.flush();
  return static_cast<bool>(out);
}

// A progress bar on stderr, redrawn when the shown percentage changes.
class ProgressBar {
 public:
  void operator()(int done, int total) {
    int pct = total > 0 ? done * 100 / total : 100;
    if (pct == last_pct_) return;
    last_pct_ = pct;
    constexpr int k_width = 30;
    int filled = pct * k_width / 100;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(k_width - filled), ' ');
    std::fprintf(stderr, "\r[%s] %3d%% %d/%d nights", bar.c_str(), pct, done, total);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  int last_pct_ = -1;
};

void print_human(const backtest::Summary& s, const BacktestArgs& a, const config::Config& cfg,
                 const backtest::Setup& setup) {
  char line[256];
  std::cout << "Backtest " << a.from << " .. " << a.to << " on " << a.prices << " ("
            << cfg.zone.name() << ")\n";
  std::snprintf(line, sizeof line,
                "%s: %.1f kWh, %.1f kW, %.0f%% efficiency; %s; arrive %s with %.0f%%, "
                "leave %s\n\n",
                cfg.vehicle.name.c_str(), setup.vehicle.battery_kwh, setup.vehicle.max_charge_kw,
                setup.vehicle.efficiency * 100,
                std::string(to_string(setup.policy.strategy)).c_str(), a.arrive.c_str(),
                a.arrive_soc, a.depart.c_str());
  std::cout << line;
  std::snprintf(line, sizeof line, "  nights replayed   %d", s.nights);
  std::cout << line;
  if (s.missing_price_nights > 0)
    std::cout << "   (" << s.missing_price_nights << " more skipped: prices missing)";
  std::cout << "\n";
  std::snprintf(line, sizeof line, "  target met        %d of %d\n", s.target_met_nights, s.nights);
  std::cout << line;
  std::snprintf(line, sizeof line, "  energy            %.1f kWh\n\n", s.energy_kwh);
  std::cout << line;
  auto pct = [](std::optional<double> v) {
    if (!v) return std::string();
    char b[48];
    std::snprintf(b, sizeof b, "   %.1f%% less than naive", *v);
    return std::string(b);
  };
  const Money cur(cfg.money.currency, cfg.money.decimal_mark);
  std::cout << "  offpeak (smart)   " << cur.amount(s.smart_cost_p) << pct(s.savings_percent)
            << "\n"
            << "  naive             " << cur.amount(s.naive_cost_p)
            << "   (full power from arrival)\n"
            << "  optimal           " << cur.amount(s.optimal_cost_p)
            << "   (lower bound: every price known in advance)\n";
  if (s.nights > 0) {
    std::cout << "\n  average per kWh   smart "
              << cur.short_rate(s.energy_kwh > 0 ? s.smart_cost_p / s.energy_kwh : 0.0)
              << ", naive "
              << cur.short_rate(s.naive_energy_kwh > 0 ? s.naive_cost_p / s.naive_energy_kwh : 0.0)
              << "\n";
  }
}

}  // namespace

backtest::PublicationRule publication_for(const config::Config& cfg) {
  if (std::holds_alternative<config::SpotTariff>(cfg.tariff.kind) || cfg.money.currency != "GBP")
    return backtest::PublicationRule::day_ahead_europe();
  return backtest::PublicationRule::agile();
}

CLI::App* add_backtest_command(CLI::App& app, BacktestArgs& a) {
  auto* cmd = app.add_subcommand(
      "backtest",
      "Replay the daemon's controller over a price history (CSV) with a virtual clock and compare "
      "its cost with naive and optimal charging. Prices become visible as they are published: "
      "the next day's at 16:00 UK time (Octopus Agile), or at 13:00 CET for the whole next day "
      "with a day-ahead tariff (tibber, entsoe, nordpool, awattar) or a currency other than GBP");
  cmd->add_option("--config,-c", a.config, "Configuration file (YAML)")->required();
  cmd->add_option("--log-level", a.log_level, "Log level on stderr: trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_flag("--json", a.json, "Print one JSON document on stdout");
  cmd->add_option("--prices", a.prices,
                  "CSV of prices (header valid_from_utc,valid_to_utc,p_per_kwh_inc_vat)")
      ->required();
  cmd->add_option("--from", a.from, "First arrival date, YYYY-MM-DD (local)")->required();
  cmd->add_option("--to", a.to, "Last arrival date, YYYY-MM-DD (local), inclusive")->required();
  cmd->add_option("--arrive", a.arrive, "Arrival time, local HH:MM. Default 18:00");
  cmd->add_option("--depart", a.depart, "Departure (ready-by) time, local HH:MM. Default 07:30");
  cmd->add_option("--arrive-soc", a.arrive_soc, "State of charge at arrival, percent. Default 30")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--target", a.target, "Target SoC percent. Default: from the configuration")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--nights-csv", a.nights_csv,
                  "Write one row per night (--house: per stay) to this CSV file");
  cmd->add_flag("--field", a.field,
                "Replay offpeakd's whole loop (poll budget, SoC estimation, learned model, "
                "sessions) against a car that draws less than configured, tapers and whose cloud "
                "lags, over irregular stays; beside it a fixed-interval poller with nameplate "
                "planning, and the same with a charger that switches on at plug-in");
  cmd->add_option("--stays", a.stays,
                  "CSV of stays (header arrive,depart,arrive_soc; RFC 3339, percent). With "
                  "--field: the stays replayed (default: a seeded random pattern of evening "
                  "arrivals); --house: the stays (default: home weekends and 2 random weekdays "
                  "a week); otherwise: the multi-day stays report (see --depart-after-days)");
  cmd->add_option("--seed", a.seed,
                  "--field, --house: seed of the random stays (and --house's forecast). Default 1");
  cmd->add_option("--car-kw", a.car_kw,
                  "--field: what the car really draws from the wall, kW. Default 6.0")
      ->check(CLI::Range(0.5, 50.0));
  cmd->add_option("--car-taper-above", a.car_taper_above,
                  "--field: SoC above which the car tapers, percent (100: no taper). Default 80")
      ->check(CLI::Range(50.0, 100.0));
  cmd->add_option("--cloud-lag", a.cloud_lag,
                  "--field: how often the car's cloud refreshes its SoC (30s, 10m). Default 10m");
  cmd->add_option("--max-per-day", a.max_per_day,
                  "--field: request budget per UTC day. Default: vehicle.poll.max_per_day")
      ->check(CLI::Range(4, 10000));
  add_stays_options(*cmd, a);
  add_house_options(*cmd, a);
  return cmd;
}

int cmd_backtest(const BacktestArgs& a) {
  auto from = parse_date(a.from);
  auto to = parse_date(a.to);
  if (!a.house.empty() && (a.field || a.depart_after_days)) {
    std::cerr << "offpeak: --house is its own backtest; it does not combine with --field or "
                 "--depart-after-days\n";
    return k_exit_usage;
  }
  if (a.field) {
    // Checked before anything is loaded, like the other arguments.
    if (!parse_duration(a.cloud_lag)) {
      std::cerr << "offpeak: --cloud-lag expects a duration such as 10m or 30s, got '"
                << a.cloud_lag << "'\n";
      return k_exit_usage;
    }
  }
  auto arrive = parse_time_of_day(a.arrive, false);
  auto depart = parse_time_of_day(a.depart, false);
  if (!from || !to) {
    std::cerr << "offpeak: --from and --to expect dates YYYY-MM-DD, got '" << a.from << "' and '"
              << a.to << "'\n";
    return k_exit_usage;
  }
  if (*to < *from) {
    std::cerr << "offpeak: --to " << a.to << " is before --from " << a.from << "\n";
    return k_exit_usage;
  }
  if (!arrive || !depart) {
    std::cerr << "offpeak: --arrive and --depart expect a local time HH:MM, got '" << a.arrive
              << "' and '" << a.depart << "'\n";
    return k_exit_usage;
  }
  auto loaded = config::load_config(a.config, config::Environment::from_process());
  if (!loaded.config) {
    for (const auto& e : loaded.errors)
      std::cerr << e.to_string() << "\n";
    std::cerr << "offpeak: " << loaded.errors.size() << " error"
              << (loaded.errors.size() == 1 ? "" : "s") << " in the configuration\n";
    return k_exit_config;
  }
  const config::Config& cfg = *loaded.config;
  std::vector<config::ConfigError> errors;
  auto prices = config::load_price_csv(a.prices, a.prices, errors);
  if (!prices) {
    for (const auto& e : errors)
      std::cerr << e.to_string() << "\n";
    std::cerr << "offpeak: cannot read the prices in " << a.prices << "\n";
    return k_exit_failure;
  }

  if (a.field) return cmd_field_backtest(a, cfg, *prices);

  backtest::Setup setup;
  setup.vehicle = cfg.vehicle.spec;
  setup.policy = cfg.charging;
  setup.zone = cfg.zone;
  setup.observe_charging = cfg.vehicle.poll.charging;
  setup.observe_plugged = cfg.vehicle.poll.plugged;
  backtest::Options options;
  options.publication = publication_for(cfg);
  options.from = *from;
  options.to = *to;
  options.arrive = *arrive;
  options.depart = *depart;
  options.arrive_soc = a.arrive_soc;
  options.target_soc = a.target;
  if (!a.house.empty()) return run_house_backtest(a, cfg, setup, *prices, *from, *to);
  if (a.depart_after_days || !a.stays.empty()) {
    return run_stays_backtest(a, cfg, setup, *prices, *from, *to, *arrive, *depart);
  }
  ProgressBar bar;
  if (isatty(STDERR_FILENO) == 1) options.progress = [&bar](int d, int t) { bar(d, t); };

  backtest::Summary summary = backtest::run(setup, options, *prices);

  if (!a.nights_csv.empty() && !write_nights_csv(a.nights_csv, summary)) {
    std::cerr << "offpeak: cannot write " << a.nights_csv << "\n";
    return k_exit_failure;
  }
  if (summary.nights == 0)
    std::cerr << "offpeak: no night between " << a.from << " and " << a.to
              << " has prices for every slot from arrival to departure\n";
  if (a.json) {
    std::cout << report::to_text(summary_json(summary, a));
  } else {
    print_human(summary, a, cfg, setup);
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
