#include "stays_backtest.hpp"
#include "backtest_command.hpp"
#include "prices.hpp"

#include <offpeak/backtest/stays.hpp>
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

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\n'))
    s.pop_back();
  return s;
}

// Rows of a CSV with the given header, split on commas; an error names FILE:LINE.
bool read_csv(const std::string& file, const std::string& header,
              std::vector<std::vector<std::string>>& rows, std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = file + ": cannot open";
    return false;
  }
  std::string line;
  if (!std::getline(in, line) || trim(line) != header) {
    error = file + ":1: expected the header '" + header + "'";
    return false;
  }
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      cells.push_back(cell);
    if (cells.size() != 3) {
      error = file + ":" + std::to_string(n) + ": expected 3 columns";
      return false;
    }
    cells.push_back(std::to_string(n));  // the line, for errors
    rows.push_back(std::move(cells));
  }
  return true;
}

// valid_from_utc,valid_to_utc,g_per_kwh: half-hourly carbon intensity (gaps unknown).
std::optional<PriceCurve> load_carbon_csv(const std::string& file, std::string& error) {
  std::vector<std::vector<std::string>> rows;
  if (!read_csv(file, "valid_from_utc,valid_to_utc,g_per_kwh", rows, error)) return std::nullopt;
  std::vector<PriceSlot> slots;
  for (const auto& r : rows) {
    const std::string where = file + ":" + r.back() + ": ";
    auto a = parse_rfc3339(r[0]);
    auto b = parse_rfc3339(r[1]);
    char* end = nullptr;
    const double g = std::strtod(r[2].c_str(), &end);
    if (!a || !b || !(*a < *b)) {
      error = where + "expected valid_from_utc < valid_to_utc as RFC 3339 instants";
      return std::nullopt;
    }
    if (end == r[2].c_str() || *end != '\0' || !std::isfinite(g) || g < 0 || g > 5000) {
      error = where + "expected g_per_kwh, a number from 0 to 5000, got '" + r[2] + "'";
      return std::nullopt;
    }
    if (!slots.empty() && *a < slots.back().end) {
      error = where + "rows must be in time order without overlaps";
      return std::nullopt;
    }
    slots.push_back({*a, *b, g});
  }
  return PriceCurve(std::move(slots));
}

json::object run_json(const bt::StayRun& r, int met) {
  return json::object{{"cost_p", report::round_to(r.cost_p, 3)},
                      {"co2_kg", report::round_to(r.co2_kg, 4)},
                      {"energy_kwh", report::round_to(r.energy_kwh, 4)},
                      {"target_met", met},
                      {"starts", r.starts}};
}

std::string pct_over(double v, double base) {
  if (std::abs(base) < 1e-9) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", (v - base) / std::abs(base) * 100.0);
  return b;
}

}  // namespace

void add_stays_options(CLI::App& cmd, BacktestArgs& a) {
  cmd.add_option("--depart-after-days", a.depart_after_days,
                 "Multi-day stays: arrive at --arrive on each date from --from to --to (or only "
                 "on --arrive-on days) with --arrive-soc and leave N days later at --depart "
                 "(or the stays of --stays); reports published prices only, with the price "
                 "forecast, and with --carbon-weight")
      ->check(CLI::Range(1, 30));
  cmd.add_option("--arrive-on", a.arrive_on, "Stays only arrive on this weekday (mon..sun)")
      ->check(CLI::IsMember({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}));
  cmd.add_option("--carbon-csv", a.carbon_csv,
                 "Grid carbon intensity for the stays (header valid_from_utc,valid_to_utc,"
                 "g_per_kwh): emissions are reported, and a carbon-weighted run is added");
  cmd.add_option("--carbon-weight", a.carbon_weight,
                 "p per kg CO2 for the carbon-weighted run. Default 0")
      ->check(CLI::Range(0.0, 10000.0));
}

int run_stays_backtest(const BacktestArgs& a, const config::Config& cfg, const bt::Setup& setup,
                       const PriceCurve& prices, LocalDate from, LocalDate to, TimeOfDay arrive,
                       TimeOfDay depart) {
  std::string error;
  std::vector<bt::Stay> stays;
  if (!a.stays.empty()) {
    std::ifstream in(a.stays);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<bt::Stay> all;
    try {
      if (!in) throw std::runtime_error("cannot open the file");
      all = bt::parse_stays_csv(text.str());
    } catch (const std::exception& e) {
      std::cerr << a.stays << ": " << e.what() << "\noffpeak: cannot read the stays in " << a.stays
                << "\n";
      return k_exit_failure;
    }
    for (const auto& st : all) {  // --from/--to select by local arrival date
      const LocalDate d = cfg.zone.local_date(st.arrive);
      if (!(d < from) && !(to < d)) stays.push_back(st);
    }
  } else {
    std::optional<Weekday> on;
    if (!a.arrive_on.empty()) on = parse_weekday(a.arrive_on);
    stays = bt::regular_stays(cfg.zone, from, to, arrive, depart, *a.depart_after_days,
                              a.arrive_soc, on);
  }
  std::optional<PriceCurve> carbon;
  if (!a.carbon_csv.empty()) {
    carbon = load_carbon_csv(a.carbon_csv, error);
    if (!carbon) {
      std::cerr << error << "\noffpeak: cannot read the carbon intensity in " << a.carbon_csv
                << "\n";
      return k_exit_failure;
    }
  }
  bt::StayOptions o;
  o.publication = publication_for(cfg);
  o.target_soc = a.target.value_or(cfg.charging.target_soc);
  o.carbon_weight_p_per_kg = a.carbon_weight;
  const bt::StaySummary s = bt::run_stays(setup, o, stays, prices, carbon);
  if (s.stays == 0) {
    std::cerr << "offpeak: no stay between " << a.from << " and " << a.to
              << " has prices for every slot from arrival to departure\n";
  }
  if (a.json) {
    json::object out{{"from", a.from},
                     {"to", a.to},
                     {"stays", s.stays},
                     {"skipped", s.skipped},
                     {"target_soc", o.target_soc},
                     {"published_only", run_json(s.published_only, s.published_only_met)},
                     {"forecast", run_json(s.forecast, s.forecast_met)},
                     {"optimal_cost_p", report::round_to(s.optimal_cost_p, 3)},
                     {"optimal_co2_kg", report::round_to(s.optimal_co2_kg, 4)}};
    if (s.carbon_weighted) {
      json::object w = run_json(*s.carbon_weighted, s.carbon_weighted_met);
      w["carbon_weight_p_per_kg"] = a.carbon_weight;
      out["carbon_weighted"] = std::move(w);
      out["optimal_weighted_cost_p"] = report::round_to(*s.optimal_weighted_cost_p, 3);
      out["optimal_weighted_co2_kg"] = report::round_to(*s.optimal_weighted_co2_kg, 4);
    }
    json::array per;
    for (const auto& r : s.per_stay) {
      json::object row{{"arrive", format_rfc3339(r.stay.arrive)},
                       {"depart", format_rfc3339(r.stay.depart)},
                       {"arrive_soc", report::round_to(r.stay.arrive_soc, 2)},
                       {"replayed", r.replayed}};
      if (r.replayed) {
        row["published_only_cost_p"] = report::round_to(r.published_only.cost_p, 3);
        row["forecast_cost_p"] = report::round_to(r.forecast.cost_p, 3);
        row["optimal_cost_p"] = report::round_to(r.optimal_cost_p, 3);
        if (r.carbon_weighted) {
          row["carbon_weighted_cost_p"] = report::round_to(r.carbon_weighted->cost_p, 3);
          row["carbon_weighted_co2_kg"] = report::round_to(r.carbon_weighted->co2_kg, 4);
        }
      }
      per.push_back(std::move(row));
    }
    out["per_stay"] = std::move(per);
    out["currency"] = std::string(money_of(cfg).code());
    std::cout << report::to_text(out);
    return k_exit_ok;
  }
  const Money money = money_of(cfg);
  char line[256];
  std::cout << "Stays backtest " << a.from << " .. " << a.to << " on " << a.prices << " ("
            << cfg.zone.name() << ")\n";
  std::snprintf(line, sizeof line,
                "%s: %.1f kWh, %.1f kW, %.0f%% efficiency; each stay to %.0f%%\n\n",
                cfg.vehicle.name.c_str(), setup.vehicle.battery_kwh, setup.vehicle.max_charge_kw,
                setup.vehicle.efficiency * 100, o.target_soc);
  std::cout << line;
  std::cout << "  stays replayed    " << s.stays;
  if (s.skipped > 0) std::cout << "   (" << s.skipped << " more skipped: prices missing)";
  std::cout << "\n\n";
  const bool with_carbon = s.carbon_weighted.has_value();
  std::snprintf(line, sizeof line, "  %-26s %10s %9s %10s %12s\n", "", "cost", "vs optimum",
                with_carbon ? "kg CO2" : "", "target met");
  std::cout << line;
  auto row = [&](const char* name, const bt::StayRun& r, int met) {
    char co2[32] = "";
    if (with_carbon) std::snprintf(co2, sizeof co2, "%.2f", r.co2_kg);
    char metbuf[32];
    std::snprintf(metbuf, sizeof metbuf, "%d of %d", met, s.stays);
    std::snprintf(line, sizeof line, "  %-26s %10s %9s %10s %12s\n", name,
                  money.amount(r.cost_p).c_str(), pct_over(r.cost_p, s.optimal_cost_p).c_str(), co2,
                  metbuf);
    std::cout << line;
  };
  row("published prices only", s.published_only, s.published_only_met);
  row("with the price forecast", s.forecast, s.forecast_met);
  if (s.carbon_weighted) {
    char name[64];
    const std::string unit = money.code() == "GBP" ? "p" : " " + std::string(money.minor_unit());
    std::snprintf(name, sizeof name, "carbon weight %.0f%s/kg", a.carbon_weight, unit.c_str());
    row(name, *s.carbon_weighted, s.carbon_weighted_met);
  }
  char co2[32] = "";
  if (with_carbon) std::snprintf(co2, sizeof co2, "%.2f", s.optimal_co2_kg);
  std::snprintf(line, sizeof line, "  %-26s %10s %9s %10s\n", "optimum (every price known)",
                money.amount(s.optimal_cost_p).c_str(), "", co2);
  std::cout << line;
  if (s.optimal_weighted_cost_p) {
    std::snprintf(co2, sizeof co2, "%.2f", *s.optimal_weighted_co2_kg);
    std::snprintf(line, sizeof line, "  %-26s %10s %9s %10s\n", "optimum, carbon weighted",
                  money.amount(*s.optimal_weighted_cost_p).c_str(), "", co2);
    std::cout << line;
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
