// `offpeak backtest --house`: the solar backtest on a real home's load and PV trace
// (backtest/house.hpp, docs/backtest.md).

#include "house_backtest.hpp"
#include "prices.hpp"

#include <offpeak/backtest/house.hpp>
#include <offpeak/cli/cli.hpp>
#include <offpeak/report/report.hpp>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace offpeak::cli {
namespace {

namespace json = boost::json;
namespace bt = backtest;

json::object totals_json(const bt::StrategyTotals& s) {
  return json::object{{"cost_p", report::round_to(s.cost_p, 2)},
                      {"grid_kwh", report::round_to(s.grid_kwh, 3)},
                      {"solar_kwh", report::round_to(s.solar_kwh, 3)},
                      {"export_forgone_p", report::round_to(s.export_forgone_p, 2)},
                      {"targets_met", s.targets_met},
                      {"stays", s.stays}};
}

bool read_file(const std::string& file, std::string& text) {
  std::ifstream in(file);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

std::string pct_over(double v, double base) {
  if (std::abs(base) < 1e-9) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", (v - base) / std::abs(base) * 100.0);
  return b;
}

// One row per stay: its times, need and each strategy's cost, grid and solar energy.
bool write_stays_csv(const std::string& file, const bt::HouseSummary& s) {
  std::ofstream out(file);
  if (!out) return false;
  out << "arrive_utc,depart_utc,arrive_soc,replayed,need_kwh";
  for (const char* n : {"offpeak", "grid_only", "pv_mode", "optimal"})
    out << ',' << n << "_cost_p," << n << "_grid_kwh," << n << "_solar_kwh," << n << "_met";
  out << '\n';
  for (const auto& r : s.per_stay) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f,%s,%.4f", r.stay.arrive_soc, r.replayed ? "true" : "false",
                  r.need_kwh);
    out << format_rfc3339(r.stay.arrive) << ',' << format_rfc3339(r.stay.depart) << ',' << buf;
    for (const bt::StrategyTotals* t : {&r.offpeak, &r.grid_only, &r.pv_mode, &r.optimal}) {
      std::snprintf(buf, sizeof buf, ",%.3f,%.4f,%.4f,%s", t->cost_p, t->grid_kwh, t->solar_kwh,
                    t->targets_met > 0 ? "true" : "false");
      out << buf;
    }
    out << '\n';
  }
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

void add_house_options(CLI::App& cmd, BacktestArgs& a) {
  cmd.add_option("--house", a.house,
                 "The solar backtest: CSV of a home's trace (header time_utc,load_kw,pv_kw, any "
                 "regular step; '# kwp: K' names its roof); compares offpeak, grid_only, pv_mode "
                 "and the optimum over the stays from --from to --to");
  cmd.add_option("--export-price", a.export_price,
                 "--house: export price per kWh (minor units). Default: site.export_price");
  cmd.add_option("--export-prices", a.export_prices,
                 "--house: CSV of export prices (header valid_from_utc,valid_to_utc,"
                 "p_per_kwh_inc_vat); gaps at --export-price");
  cmd.add_option("--forecast", a.forecast,
                 "--house: the PV forecast: noisy (the actual PV x a seeded factor per day, "
                 "1 +- --forecast-noise) or persistence (yesterday's PV). Default noisy")
      ->check(CLI::IsMember({"noisy", "persistence"}));
  cmd.add_option("--forecast-noise", a.forecast_noise,
                 "--house: the noisy forecast's daily error, 0..1. Default 0.3")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--pv-scale", a.pv_scale, "--house: multiply the trace's PV by this")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--kwp", a.kwp,
                 "--house: scale the PV to a roof of this many kWp (the file needs '# kwp: K')")
      ->check(CLI::Range(0.01, 1000.0));
  cmd.add_option("--switch", a.house_switch,
                 "--house: the charger: modulating (the plan and the surplus loop set any current "
                 "from switch.min_current_a up) or onoff (full power only). Default modulating")
      ->check(CLI::IsMember({"modulating", "onoff"}));
  cmd.add_option("--confidence", a.confidence,
                 "--house: the share of the forecast surplus offpeak's plan counts on, 0..1. "
                 "Default: solar_forecast.confidence, else 0.7")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_flag("--all-prices-known", a.all_prices_known,
               "--house: every import price visible from the start (instead of as published): "
               "shows what the unpublished prices cost offpeak against the optimum");
}

int run_house_backtest(const BacktestArgs& a, const config::Config& cfg,
                       const backtest::Setup& setup, const PriceCurve& prices, LocalDate from,
                       LocalDate to) {
  std::string text;
  if (!read_file(a.house, text)) {
    std::cerr << "offpeak: cannot read the house trace " << a.house << "\n";
    return k_exit_failure;
  }
  auto parsed = bt::parse_house_csv(text);
  if (!parsed.trace) {
    std::cerr << a.house << ":" << parsed.error << "\n";
    return k_exit_failure;
  }
  bt::HouseTrace trace = std::move(*parsed.trace);
  if (a.kwp && a.pv_scale) {
    std::cerr << "offpeak: give --kwp or --pv-scale, not both\n";
    return k_exit_usage;
  }
  if (a.kwp) {
    if (!trace.kwp) {
      std::cerr << a.house
                << ": --kwp needs the trace's own roof ('# kwp: K' before the "
                   "header); use --pv-scale\n";
      return k_exit_usage;
    }
    trace.scale_pv(*a.kwp / *trace.kwp);
  } else if (a.pv_scale) {
    trace.scale_pv(*a.pv_scale);
  }

  bt::HouseOptions o;
  o.publication =
      a.all_prices_known ? bt::PublicationRule::everything_known() : publication_for(cfg);
  o.target_soc = a.target.value_or(cfg.charging.target_soc);
  o.export_flat_p = a.export_price.value_or(cfg.site.export_price);
  if (!a.export_prices.empty()) {
    std::vector<config::ConfigError> errors;
    auto ex = config::load_price_csv(a.export_prices, a.export_prices, errors);
    if (!ex) {
      for (const auto& e : errors)
        std::cerr << e.to_string() << "\n";
      std::cerr << "offpeak: cannot read the export prices in " << a.export_prices << "\n";
      return k_exit_failure;
    }
    o.export_prices = std::move(*ex);
  }
  o.forecast =
      a.forecast == "persistence" ? bt::PvForecastKind::persistence : bt::PvForecastKind::noisy;
  o.forecast_noise = a.forecast_noise;
  o.confidence = a.confidence.value_or(cfg.solar_forecast ? cfg.solar_forecast->confidence : 0.7);
  o.seed = a.seed;
  const config::CurrentControl& cc = cfg.current;
  o.surplus.enable_delay = cfg.solar.enable_delay;
  o.surplus.disable_delay = cfg.solar.disable_delay;
  o.surplus.max_import_w = cfg.solar.max_import_w;
  o.surplus.min_change_a = cfg.solar.min_change_a;
  o.surplus.modulating = a.house_switch != "onoff";
  o.surplus.min_current_a = cc.min_current_a;
  o.surplus.max_current_a = cc.max_current(cfg.vehicle.spec.max_charge_kw);
  o.surplus.voltage = cc.voltage;
  o.surplus.phases = cc.max_phases();
  o.surplus.auto_phases = cc.phases == config::PhaseMode::automatic;

  std::vector<bt::Stay> stays;
  std::string stays_from;
  if (!a.stays.empty()) {
    std::string st;
    if (!read_file(a.stays, st)) {
      std::cerr << "offpeak: cannot read the stays in " << a.stays << "\n";
      return k_exit_failure;
    }
    try {
      stays = bt::parse_stays_csv(st);
    } catch (const std::exception& e) {
      std::cerr << a.stays << ": " << e.what() << "\n";
      return k_exit_failure;
    }
    // Those arriving from --from to --to (local dates), as the other stays backtests do.
    std::erase_if(stays, [&](const bt::Stay& stay) {
      const LocalDate d = cfg.zone.local_date(stay.arrive);
      return d < from || to < d;
    });
    stays_from = a.stays;
  } else {
    bt::HomePattern pattern;
    pattern.seed = a.seed;
    stays = bt::home_stays(cfg.zone, from, to, pattern);
    stays_from = "seed " + std::to_string(a.seed) +
                 ": at home weekends and 2 random weekdays a week, away " +
                 format_time_of_day(pattern.leave) + "-" + format_time_of_day(pattern.arrive) +
                 " on the others";
  }

  const bt::HouseSummary s = bt::run_house(setup, o, trace, stays, prices);
  if (!a.nights_csv.empty() && !write_stays_csv(a.nights_csv, s)) {
    std::cerr << "offpeak: cannot write " << a.nights_csv << "\n";
    return k_exit_failure;
  }
  if (s.optimal.stays == 0)
    std::cerr << "offpeak: no stay between " << a.from << " and " << a.to
              << " has the house trace and import prices throughout\n";

  if (a.json) {
    json::object strategies{{"offpeak", totals_json(s.offpeak)},
                            {"grid_only", totals_json(s.grid_only)},
                            {"pv_mode", totals_json(s.pv_mode)},
                            {"optimal", totals_json(s.optimal)}};
    json::object out{
        {"from", a.from},
        {"to", a.to},
        {"currency", std::string(money_of(cfg).code())},
        {"target_soc", o.target_soc},
        {"export_price", o.export_flat_p},
        {"forecast", a.forecast},
        {"stays_skipped", s.skipped},
        {"strategies", std::move(strategies)},
        {"optimal_no_sun", totals_json(s.optimal_no_sun)},
        {"optimal_surplus_first_cost_p", report::round_to(s.optimal.surplus_first_cost_p, 2)}};
    if (trace.kwp) out["kwp"] = report::round_to(*trace.kwp, 3);
    std::cout << report::to_text(json::value(std::move(out)));
    return k_exit_ok;
  }

  const Money money = money_of(cfg);
  char line[256];
  std::cout << "Solar backtest " << a.from << " .. " << a.to << ": " << a.house;
  if (trace.kwp) std::cout << " (" << money.number(*trace.kwp, 2) << " kWp)";
  std::cout << ", import " << a.prices << ", export "
            << (a.export_prices.empty() ? money.rate(o.export_flat_p) : a.export_prices) << "\n";
  std::cout << "stays: " << stays_from << "; " << s.optimal.stays << " replayed";
  if (s.skipped > 0) std::cout << ", " << s.skipped << " skipped (trace or prices missing)";
  std::cout << "; target " << money.number(o.target_soc, 0) << " %; forecast " << a.forecast
            << "\n\n";
  std::snprintf(line, sizeof line, "  %-13s %12s %9s %10s %10s %15s %10s\n", "strategy", "cost",
                "vs best", "grid kWh", "solar kWh", "export forgone", "target met");
  std::cout << line;
  auto row = [&](const char* name, const bt::StrategyTotals& t) {
    std::snprintf(line, sizeof line, "  %-13s %12s %9s %10.1f %10.1f %15s %6d/%d\n", name,
                  money.amount(t.cost_p).c_str(), pct_over(t.cost_p, s.optimal.cost_p).c_str(),
                  t.grid_kwh, t.solar_kwh, money.amount(t.export_forgone_p).c_str(), t.targets_met,
                  t.stays);
    std::cout << line;
  };
  row("offpeak", s.offpeak);
  row("grid_only", s.grid_only);
  row("pv_mode", s.pv_mode);
  row("optimal", s.optimal);
  std::cout << "\n  the optimum's draw with the roof's surplus taken first: "
            << money.amount(s.optimal.surplus_first_cost_p)
            << " (the optimum allows importing while the roof exports when export pays more)";
  std::cout << "\n  the optimum from the grid alone: " << money.amount(s.optimal_no_sun.cost_p)
            << " (the sun is worth " << money.amount(s.optimal_no_sun.cost_p - s.optimal.cost_p)
            << " with perfect knowledge)\n";
  std::cout << "\n  cost = grid kWh x import price + solar kWh x export price (the export the "
               "car's solar energy did not earn)\n";
  return k_exit_ok;
}

}  // namespace offpeak::cli
