// `offpeak backtest --field`: offpeakd's whole loop against a car that is not its data sheet,
// beside a fixed-interval poller and a charger that switches on at plug-in.

#include "backtest_command.hpp"
#include "prices.hpp"

#include <offpeak/backtest/field.hpp>
#include <offpeak/cli/cli.hpp>
#include <offpeak/config/config.hpp>
#include <offpeak/report/report.hpp>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace offpeak::cli {
namespace {

using namespace std::chrono;
namespace json = boost::json;

std::string num(double v, int decimals) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string label(backtest::FieldStrategy s, const backtest::FieldOptions& o) {
  switch (s) {
    case backtest::FieldStrategy::field:
      return "offpeak (budget " + std::to_string(o.max_per_day) + "/day)";
    case backtest::FieldStrategy::fixed:
      return "fixed " + format_duration(o.poll_plugged) + "/" + format_duration(o.poll_charging) +
             ", nameplate";
    case backtest::FieldStrategy::before:
      return "same, on at plug-in";
  }
  return "";
}

json::object stay_json(const backtest::FieldStay& s) {
  return json::object{
      {"arrive", format_rfc3339(s.stay.arrive)},
      {"depart", format_rfc3339(s.stay.depart)},
      {"arrive_soc", report::round_to(s.stay.arrive_soc, 2)},
      {"ready_by", format_rfc3339(s.ready_by)},
      {"target_soc", s.target_soc},
      {"soc_at_ready_by", report::round_to(s.soc_at_ready_by, 2)},
      {"target_met", s.target_met},
      {"priced", s.priced},
      {"energy_kwh", report::round_to(s.energy_kwh, 3)},
      {"cost_p", report::round_to(s.cost_p, 2)},
      {"peak_kwh", report::round_to(s.peak_kwh, 3)},
      {"above_cheapest_kwh", report::round_to(s.above_cheapest_kwh, 3)},
      {"after_ready_by_kwh", report::round_to(s.after_ready_by_kwh, 3)},
      {"after_ready_by_cost_p", report::round_to(s.after_ready_by_cost_p, 2)},
      {"starts", s.starts},
      {"flips", s.flips},
      {"first_flip", s.first_flip ? json::value(format_rfc3339(*s.first_flip)) : json::value()},
      {"optimal_cost_p", report::round_to(s.optimal_cost_p, 2)},
      {"optimal_energy_kwh", report::round_to(s.optimal_energy_kwh, 3)},
      {"optimal_feasible", s.optimal_feasible}};
}

json::object strategy_json(const backtest::FieldSummary& s) {
  json::array stays;
  for (const auto& st : s.per_stay)
    stays.push_back(stay_json(st));
  return json::object{{"strategy", std::string(to_string(s.strategy))},
                      {"days", s.days},
                      {"polls", s.polls},
                      {"polls_per_day", report::round_to(s.polls_per_day(), 2)},
                      {"requests_per_day", report::round_to(s.requests_per_day(), 2)},
                      {"max_requests_in_a_day", s.max_requests_in_a_day},
                      {"stays", s.stays},
                      {"unpriced_stays", s.unpriced_stays},
                      {"target_met", s.target_met},
                      {"energy_kwh", report::round_to(s.energy_kwh, 3)},
                      {"cost_p", report::round_to(s.cost_p, 2)},
                      {"optimal_cost_p", report::round_to(s.optimal_cost_p, 2)},
                      {"peak_kwh", report::round_to(s.peak_kwh, 3)},
                      {"above_cheapest_kwh", report::round_to(s.above_cheapest_kwh, 3)},
                      {"after_ready_by_kwh", report::round_to(s.after_ready_by_kwh, 3)},
                      {"after_ready_by_cost_p", report::round_to(s.after_ready_by_cost_p, 2)},
                      {"flip_stays", s.flip_stays},
                      {"optimal_energy_kwh", report::round_to(s.optimal_energy_kwh, 3)},
                      {"model", s.model},
                      {"poll_reasons",
                       [&] {
                         json::object o;
                         for (const auto& [why, n] : s.poll_reasons)
                           o[why] = n;
                         return o;
                       }()},
                      {"per_stay", std::move(stays)}};
}

}  // namespace

int cmd_field_backtest(const BacktestArgs& a, const config::Config& cfg, const PriceCurve& prices) {
  const auto from = parse_date(a.from);
  const auto to = parse_date(a.to);
  const auto lag = parse_duration(a.cloud_lag);
  if (!from || !to || !lag) return k_exit_usage;  // checked by cmd_backtest

  backtest::Setup setup;
  setup.vehicle = cfg.vehicle.spec;
  setup.policy = cfg.charging;
  if (a.target) {
    setup.policy.target_soc = *a.target;
    for (auto& d : setup.policy.days)
      d.target_soc.reset();
  }
  setup.zone = cfg.zone;

  backtest::FieldOptions o;
  o.publication = publication_for(cfg);
  o.from = cfg.zone.start_of_day(*from);
  o.to = cfg.zone.start_of_day(LocalDate{sys_days{*to} + days{1}});
  o.car.wall_kw = a.car_kw;
  o.car.taper_above_soc =
      a.car_taper_above < 100.0 ? std::optional<double>(a.car_taper_above) : std::nullopt;
  o.car.cloud_refresh = *lag;
  o.max_per_day = a.max_per_day > 0 ? a.max_per_day : cfg.vehicle.poll.max_per_day;
  o.learn = cfg.vehicle.learn;
  o.poll_charging = cfg.vehicle.poll.charging;
  o.poll_plugged = cfg.vehicle.poll.plugged;
  o.poll_away = cfg.vehicle.poll.away;

  std::string stays_from;
  if (!a.stays.empty()) {
    std::ifstream in(a.stays);
    if (!in) {
      std::cerr << "offpeak: cannot read the stays in " << a.stays << "\n";
      return k_exit_failure;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
      o.stays = backtest::parse_stays_csv(text.str());
    } catch (const std::exception& e) {
      std::cerr << a.stays << ": " << e.what() << "\n";
      return k_exit_failure;
    }
    stays_from = a.stays;
  } else {
    backtest::StayPattern pattern;
    pattern.seed = a.seed;
    o.stays = backtest::random_stays(*from, *to, setup.policy, cfg.zone, pattern);
    stays_from =
        "seed " + std::to_string(a.seed) + ": home " + format_time_of_day(pattern.arrive_from) +
        "-" + format_time_of_day(pattern.arrive_to) + " with " + num(pattern.soc_from, 0) + "-" +
        num(pattern.soc_to, 0) + " %, away " + num(pattern.away_share * 100.0, 0) +
        " % of evenings, leaving within " + format_duration(pattern.leave_within) + " of ready-by";
  }

  // --log-level debug: every command and reading of the replay, as offpeakd would log them.
  if (spdlog::should_log(spdlog::level::debug)) {
    o.on_command = [&o, &cfg](Instant t, const Command& c) {
      spdlog::debug("{} {}: {} charging: {}", to_string(o.strategy), cfg.zone.format(t),
                    to_string(c.action), c.reason);
    };
    o.on_poll = [&o, &cfg](Instant t, const VehicleState& v) {
      spdlog::debug("{} {}: observed SoC {}, {}", to_string(o.strategy), cfg.zone.format(t),
                    v.soc_percent ? num(*v.soc_percent, 1) : std::string("?"),
                    to_string(v.charging_state));
    };
  }
  std::vector<backtest::FieldSummary> results;
  for (auto s : {backtest::FieldStrategy::field, backtest::FieldStrategy::fixed,
                 backtest::FieldStrategy::before}) {
    o.strategy = s;
    if (isatty(STDERR_FILENO) == 1) {
      std::fprintf(stderr, "\r%-40s", label(s, o).c_str());
      std::fflush(stderr);
    }
    results.push_back(backtest::run_field(setup, o, prices));
  }
  if (isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "\r%-40s\r", "");

  const Money money = money_of(cfg);
  if (a.json) {
    json::array arr;
    for (const auto& r : results)
      arr.push_back(strategy_json(r));
    json::object doc{{"from", a.from},
                     {"to", a.to},
                     {"stays", static_cast<std::int64_t>(o.stays.size())},
                     {"car_kw", a.car_kw},
                     {"car_taper_above", a.car_taper_above},
                     {"cloud_lag", format_duration(*lag)},
                     {"target_soc", setup.policy.target_soc},
                     {"currency", std::string(money.code())},
                     {"strategies", std::move(arr)}};
    std::cout << report::to_text(doc);
    return k_exit_ok;
  }

  char line[320];
  std::cout << "Field backtest " << a.from << " .. " << a.to << " on " << a.prices << " ("
            << cfg.zone.name() << ")\n";
  std::snprintf(line, sizeof line,
                "%s: configured %.1f kW; really draws %.1f kW%s, its cloud refreshes every %s\n",
                cfg.vehicle.name.c_str(), cfg.vehicle.spec.max_charge_kw, a.car_kw,
                o.car.taper_above_soc ? (", tapering above " + num(*o.car.taper_above_soc, 0) +
                                         " % to " + num(o.car.taper_end_kw, 1) + " kW")
                                            .c_str()
                                      : "",
                format_duration(*lag).c_str());
  std::cout << line;
  std::cout << "Stays: " << o.stays.size() << " (" << stays_from << "); target "
            << num(setup.policy.target_soc, 0) << " % by "
            << format_time_of_day(setup.policy.ready_by) << "\n\n";
  std::snprintf(line, sizeof line, "  %-28s %9s %9s %8s %8s %9s %10s %10s %6s %10s %8s\n", "",
                "polls/day", "req max", "target", "kWh", "peak kWh", ">cheapest", "after kWh",
                "flips", "cost", (std::string(money.minor_unit()) + "/kWh").c_str());
  std::cout << line;
  for (const auto& r : results) {
    std::snprintf(line, sizeof line,
                  "  %-28s %9.1f %9d %4d/%-3d %8.1f %9.2f %10.2f %10.2f %6d %10s %8s\n",
                  label(r.strategy, o).c_str(), r.polls_per_day(), r.max_requests_in_a_day,
                  r.target_met, r.stays, r.energy_kwh, r.peak_kwh, r.above_cheapest_kwh,
                  r.after_ready_by_kwh, r.flip_stays, money.amount(r.cost_p).c_str(),
                  money.number(r.energy_kwh > 0 ? r.cost_p / r.energy_kwh : 0.0, 2).c_str());
    std::cout << line;
  }
  const auto& best = results.front();
  std::snprintf(
      line, sizeof line, "%.1f kWh for %s, %s", best.optimal_energy_kwh,
      money.amount(best.optimal_cost_p).c_str(),
      money
          .rate(best.optimal_energy_kwh > 0 ? best.optimal_cost_p / best.optimal_energy_kwh : 0.0,
                2)
          .c_str());
  std::cout << "\n  optimum (every price known, the real car, each stay to its target): " << line
            << "\n"
            << "  peak kWh: drawn 16:00-19:00 local; >cheapest: drawn at a price above the "
               "optimum's dearest slot of the stay\n"
            << "  after kWh: drawn after the ready-by (after_ready_by: continue); flips: stays "
               "with a start and a stop within a minute of each other\n"
            << "  learned at the end: " << results.front().model << "\n";
  std::cout << "  why offpeak polled (per day):";
  const char* sep = " ";
  for (const auto& [why, n] : best.poll_reasons) {
    std::cout << sep << why << " " << num(static_cast<double>(n) / best.days, 1);
    sep = "; ";
  }
  std::cout << "\n";
  if (results.front().unpriced_stays > 0)
    std::cout << "  " << results.front().unpriced_stays
              << " stays left out of the totals: a price missing, or running past --to\n";
  return k_exit_ok;
}

}  // namespace offpeak::cli
