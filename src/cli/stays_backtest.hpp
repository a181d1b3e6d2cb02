#pragma once
// `offpeak backtest` with multi-day stays (--depart-after-days, or --stays without --field) and
// carbon data
// (--carbon-csv, --carbon-weight). Private to the cli module.

#include "backtest_command.hpp"

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/config/config.hpp>

namespace offpeak::cli {

// Adds --depart-after-days, --arrive-on, --carbon-csv, --carbon-weight.
void add_stays_options(CLI::App& cmd, BacktestArgs& a);

// Runs the stays backtest and prints its report; returns the exit status.
int run_stays_backtest(const BacktestArgs& a, const config::Config& cfg,
                       const backtest::Setup& setup, const PriceCurve& prices, LocalDate from,
                       LocalDate to, TimeOfDay arrive, TimeOfDay depart);

}  // namespace offpeak::cli
