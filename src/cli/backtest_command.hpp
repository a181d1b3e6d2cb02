#pragma once
// `offpeak backtest` (contract: ../shared/spec/cli.md). Private to the cli module.

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace offpeak::cli {

struct BacktestArgs {
  std::string config;
  std::string log_level = "warn";
  bool json = false;
  std::string prices;
  std::string from;
  std::string to;
  std::string arrive = "18:00";
  std::string depart = "07:30";
  double arrive_soc = 30.0;
  std::optional<double> target;
  std::string nights_csv;
  // --field: the daemon's whole loop against a car that is not its data sheet.
  bool field = false;
  std::string stays;  // CSV of stays; default: a seeded random pattern
  unsigned seed = 1;
  double car_kw = 6.0;
  double car_taper_above = 80.0;
  std::string cloud_lag = "10m";
  int max_per_day = 0;  // 0: the configuration's vehicle.poll.max_per_day
  // Multi-day stays (stays_backtest.cpp); --stays without --field gives them too.
  std::optional<int> depart_after_days;
  std::string arrive_on;  // --arrive-on mon..sun
  std::string carbon_csv;
  double carbon_weight = 0.0;
  // The solar backtest (house_backtest.cpp): a home's load and PV trace.
  std::string house;
  std::optional<double> export_price;  // default: site.export_price
  std::string export_prices;           // CSV
  std::string forecast = "noisy";      // noisy | persistence
  double forecast_noise = 0.3;
  std::optional<double> pv_scale;
  std::optional<double> kwp;
  std::string house_switch = "modulating";  // modulating | onoff
  bool all_prices_known = false;
  std::optional<double> confidence;  // default: solar_forecast.confidence, else 0.7
};

// Adds the `backtest` subcommand with its options bound to `args`; returns it.
CLI::App* add_backtest_command(CLI::App& app, BacktestArgs& args);

// Runs the backtest; returns the exit status (0, 2 usage, 78 configuration, 1 other).
int cmd_backtest(const BacktestArgs& args);

}  // namespace offpeak::cli

namespace offpeak::config {
struct Config;
}
namespace offpeak {
class PriceCurve;
}
namespace offpeak::backtest {
struct PublicationRule;
}

namespace offpeak::cli {

// The field backtest (`--field`, field_backtest.cpp): the same arguments, after the
// configuration and the prices are loaded.
int cmd_field_backtest(const BacktestArgs& args, const config::Config& cfg,
                       const PriceCurve& prices);

// When the replayed prices become visible: the European day-ahead rule (13:00 CET, the whole
// next day) for a day-ahead tariff (tibber, entsoe, nordpool, awattar) or a currency other than
// GBP; otherwise Octopus Agile's (16:00 UK time, to 23:00 the next day).
backtest::PublicationRule publication_for(const config::Config& cfg);

}  // namespace offpeak::cli
