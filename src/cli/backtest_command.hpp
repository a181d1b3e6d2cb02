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
  // Multi-day stays (stays_backtest.cpp).
  std::optional<int> depart_after_days;
  std::string arrive_on;  // --arrive-on mon..sun
  std::string stays_csv;
  std::string carbon_csv;
  double carbon_weight = 0.0;
};

// Adds the `backtest` subcommand with its options bound to `args`; returns it.
CLI::App* add_backtest_command(CLI::App& app, BacktestArgs& args);

// Runs the backtest; returns the exit status (0, 2 usage, 78 configuration, 1 other).
int cmd_backtest(const BacktestArgs& args);

}  // namespace offpeak::cli
