#pragma once
// `offpeak backtest --house` (docs/backtest.md): the solar backtest. Private to the cli module.

#include "backtest_command.hpp"

#include <offpeak/backtest/backtest.hpp>
#include <offpeak/config/config.hpp>

namespace offpeak::cli {

// Adds --house, --export-price, --export-prices, --forecast, --forecast-noise, --pv-scale,
// --kwp, --switch.
void add_house_options(CLI::App& cmd, BacktestArgs& a);

// Runs the solar backtest and prints its report; returns the exit status.
int run_house_backtest(const BacktestArgs& a, const config::Config& cfg,
                       const backtest::Setup& setup, const PriceCurve& prices, LocalDate from,
                       LocalDate to);

}  // namespace offpeak::cli
