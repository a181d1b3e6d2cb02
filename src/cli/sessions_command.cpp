#include "sessions_command.hpp"

#include "prices.hpp"

#include <offpeak/cli/cli.hpp>
#include <offpeak/domain/savings.hpp>
#include <offpeak/report/report.hpp>
#include <offpeak/store/store.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace offpeak::cli {
namespace {

namespace js = boost::json;
using namespace std::chrono;

Instant now_instant() {
  return time_point_cast<Seconds>(system_clock::now());
}

// The recorded sessions with from <= started_at < to; nullopt (reported) when the database
// exists but cannot be read. No database: nothing recorded yet.
std::optional<std::vector<store::SessionRow>> read_sessions(const config::Config& cfg, Instant from,
                                                            Instant to) {
  std::error_code ec;
  if (!std::filesystem::exists(cfg.storage.database, ec)) return std::vector<store::SessionRow>{};
  try {
    store::Store db(cfg.storage.database);
    return db.sessions("", store::TimeRange{from, to, 100000, false});
  } catch (const std::exception& e) {
    std::cerr << "offpeak: cannot read " << cfg.storage.database.string() << ": " << e.what()
              << "\n";
    return std::nullopt;
  }
}

struct Priced {
  store::SessionRow row;
  SessionSaving saving;
};

// The tariff's prices over [from, to) widened to every session's stretch at full power.
PriceCurve prices_covering(const config::Config& cfg, const std::vector<store::SessionRow>& rows,
                           Instant from, Instant to) {
  const double kw = cfg.vehicle.spec.max_charge_kw;
  for (const auto& r : rows) {
    from = std::min(from, r.started_at);
    const auto hours = kw > 0 ? r.energy_kwh / kw : 0.0;
    to = std::max(to, r.started_at + Seconds{static_cast<long long>(hours * 3600) + 3600});
  }
  if (!(from < to)) return {};
  return prices_for(cfg, now_instant(), from, to, false).value_or(PriceCurve{});
}

std::vector<Priced> priced(const config::Config& cfg, std::vector<store::SessionRow> rows,
                           const PriceCurve& prices) {
  std::vector<Priced> out;
  for (auto& r : rows) {
    auto s = session_saving(prices, r.started_at, r.energy_kwh, r.cost_p,
                            cfg.vehicle.spec.max_charge_kw);
    out.push_back({std::move(r), s});
  }
  return out;
}

js::value num(std::optional<double> v, int decimals) {
  return v ? js::value(report::round_to(*v, decimals)) : js::value(nullptr);
}

std::string money_or(const Money& cur, std::optional<double> pence) {
  return pence ? cur.amount(*pence) : std::string("unknown");
}

std::optional<LocalDate> date_arg(const std::string& s, const char* flag) {
  auto d = parse_date(s);
  if (!d) std::cerr << "offpeak: " << flag << " expects a date YYYY-MM-DD, got '" << s << "'\n";
  return d;
}

}  // namespace

int cmd_sessions(const config::Config& cfg, const std::string& from_arg, const std::string& to_arg,
                 bool json) {
  const Money cur(cfg.money.currency, cfg.money.decimal_mark);
  const Instant now = now_instant();
  Instant from = now - days{30};
  Instant to = now + Seconds{1};
  if (!from_arg.empty()) {
    auto d = date_arg(from_arg, "--from");
    if (!d) return k_exit_usage;
    from = cfg.zone.start_of_day(*d);
  }
  if (!to_arg.empty()) {
    auto d = date_arg(to_arg, "--to");
    if (!d) return k_exit_usage;
    to = cfg.zone.start_of_day(LocalDate{sys_days{*d} + days{1}});
  }
  if (!(from < to)) {
    std::cerr << "offpeak: --from must not be after --to\n";
    return k_exit_usage;
  }
  auto rows = read_sessions(cfg, from, to);
  if (!rows) return k_exit_failure;
  const PriceCurve prices = prices_covering(cfg, *rows, from, to);
  const auto sessions = priced(cfg, std::move(*rows), prices);
  if (json) {
    js::array arr;
    for (const auto& p : sessions) {
      const auto& r = p.row;
      arr.push_back(js::object{
          {"id", r.id},
          {"device_id", r.device_id},
          {"plugged_in", format_rfc3339(r.started_at)},
          {"unplugged", r.ended_at ? js::value(format_rfc3339(*r.ended_at)) : js::value(nullptr)},
          {"start_soc", num(r.start_soc, 2)},
          {"end_soc", num(r.end_soc, 2)},
          {"energy_kwh", report::round_to(r.energy_kwh, 4)},
          {"solar_kwh", report::round_to(r.solar_kwh, 4)},
          {"grid_kwh", report::round_to(r.grid_kwh, 4)},
          {"cost_p", report::round_to(r.cost_p, 3)},
          {"cost_at_once_p", num(p.saving.cost_at_once_p, 3)},
          {"saving_p", num(p.saving.saving_p, 3)},
      });
    }
    js::object o{{"from", format_rfc3339(from)},
                 {"to", format_rfc3339(to)},
                 {"full_power_kw", cfg.vehicle.spec.max_charge_kw},
                 {"sessions", std::move(arr)},
                 {"currency", std::string(cur.code())}};
    std::cout << report::to_text(o);
    return k_exit_ok;
  }
  std::cout << "Charging sessions from " << cfg.zone.format(from) << " to " << cfg.zone.format(to)
            << " (" << cfg.zone.name() << "); at once = from plug-in at "
            << cfg.vehicle.spec.max_charge_kw << " kW\n";
  if (sessions.empty()) {
    std::cout << "  none recorded\n";
    return k_exit_ok;
  }
  std::printf("%-22s %-22s %9s %9s %9s %9s %9s %9s\n", "plugged in", "unplugged", "kWh", "solar",
              "grid", "cost", "at once", "saved");
  std::fflush(stdout);
  double kwh = 0, solar = 0, cost = 0, saved = 0;
  for (const auto& p : sessions) {
    const auto& r = p.row;
    char line[320];
    std::snprintf(line, sizeof line, "%-22s %-22s %9.2f %9.2f %9.2f %9s %9s %9s\n",
                  cfg.zone.format(r.started_at).c_str(),
                  r.ended_at ? cfg.zone.format(*r.ended_at).c_str() : "(plugged in)", r.energy_kwh,
                  r.solar_kwh, r.grid_kwh, cur.amount(r.cost_p).c_str(),
                  money_or(cur, p.saving.cost_at_once_p).c_str(),
                  money_or(cur, p.saving.saving_p).c_str());
    std::cout << line;
    kwh += r.energy_kwh;
    solar += r.solar_kwh;
    cost += r.cost_p;
    if (p.saving.saving_p) saved += *p.saving.saving_p;
  }
  char total[256];
  std::snprintf(total, sizeof total,
                "%zu session%s, %.2f kWh (%.2f solar, %.2f grid), cost %s, saved %s\n",
                sessions.size(), sessions.size() == 1 ? "" : "s", kwh, solar, kwh - solar,
                cur.amount(cost).c_str(), cur.amount(saved).c_str());
  std::cout << total;
  return k_exit_ok;
}

int cmd_report(const config::Config& cfg, const std::string& month, bool json) {
  const Money cur(cfg.money.currency, cfg.money.decimal_mark);
  int y = 0;
  unsigned m = 0;
  char tail = 0;
  if (month.size() != 7 || std::sscanf(month.c_str(), "%4d-%2u%c", &y, &m, &tail) != 2 || m < 1 ||
      m > 12 || month[4] != '-') {
    std::cerr << "offpeak: --month expects YYYY-MM, got '" << month << "'\n";
    return k_exit_usage;
  }
  const year_month first{year{y}, std::chrono::month{m}};
  const Instant from = cfg.zone.start_of_day(LocalDate{first / day{1}});
  const Instant to = cfg.zone.start_of_day(LocalDate{(first + months{1}) / day{1}});
  auto rows = read_sessions(cfg, from, to);
  if (!rows) return k_exit_failure;
  const PriceCurve prices = prices_covering(cfg, *rows, from, to);
  const auto sessions = priced(cfg, std::move(*rows), prices);
  std::vector<SessionFigures> figures;
  for (const auto& p : sessions)
    figures.push_back({p.row.energy_kwh, p.row.cost_p, p.saving.cost_at_once_p, p.row.solar_kwh});
  const MonthSummary s = summarize_month(figures, prices.slice(from, to));
  if (json) {
    js::object o{{"month", month},
                 {"sessions", s.sessions},
                 {"energy_kwh", report::round_to(s.energy_kwh, 4)},
                 {"solar_kwh", report::round_to(s.solar_kwh, 4)},
                 {"grid_kwh", report::round_to(s.grid_kwh, 4)},
                 {"cost_p", report::round_to(s.cost_p, 3)},
                 {"cost_at_once_p", report::round_to(s.cost_at_once_p, 3)},
                 {"saving_p", report::round_to(s.saving_p, 3)},
                 {"unpriced_sessions", s.unpriced},
                 {"average_p_per_kwh", num(s.average_p_per_kwh, 3)},
                 {"peak_p_per_kwh", num(s.peak_p_per_kwh, 3)},
                 {"currency", std::string(cur.code())}};
    std::cout << report::to_text(o);
    return k_exit_ok;
  }
  char buf[256];
  std::cout << "Charging in " << month << " (" << cfg.zone.name() << ")\n";
  std::snprintf(buf, sizeof buf,
                "  sessions   %d\n  energy     %.2f kWh (%.2f from the sun, %.2f from the grid)\n"
                "  cost       %s\n",
                s.sessions, s.energy_kwh, s.solar_kwh, s.grid_kwh, cur.amount(s.cost_p).c_str());
  std::cout << buf;
  std::snprintf(buf, sizeof buf, "  at once    %s%s\n  saved      %s\n",
                cur.amount(s.cost_at_once_p).c_str(),
                s.unpriced ? " (sessions without known prices left out)" : "",
                cur.amount(s.saving_p).c_str());
  std::cout << buf;
  if (s.average_p_per_kwh) {
    std::snprintf(buf, sizeof buf, "  average    %.2f %s/kWh", *s.average_p_per_kwh,
                  std::string(cur.minor_unit()).c_str());
    std::cout << buf;
    if (s.peak_p_per_kwh) {
      std::snprintf(buf, sizeof buf, " (the tariff's peak: %.2f %s/kWh)", *s.peak_p_per_kwh,
                    std::string(cur.minor_unit()).c_str());
      std::cout << buf;
    }
    std::cout << "\n";
  } else {
    std::cout << "  average    - (no energy)\n";
  }
  return k_exit_ok;
}

}  // namespace offpeak::cli
