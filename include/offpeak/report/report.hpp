#pragma once
// Renderings of domain values shared by the CLI, the daemon's logs, its API and its database:
// JSON per the CLI contract (../shared/spec/cli.md) and human-readable tables in local time.

#include <offpeak/domain/energy_target.hpp>
#include <offpeak/domain/money.hpp>
#include <offpeak/domain/planner.hpp>
#include <offpeak/domain/price_curve.hpp>
#include <offpeak/domain/time.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace offpeak::report {

// An energy target's progress: {"target_kwh", "delivered_kwh", "progress": "12.3 of 20.0 kWh",
// "metered", "since"}; null without one.
boost::json::value energy_target_json(const std::optional<EnergyProgress>& p);

// `offpeak plan --json`: now, ready_by, soc, target_soc, energy_needed_kwh, feasible, slots
// [{start, end, power_kw, energy_kwh, price_p_per_kwh, cost_p}], total_energy_kwh,
// total_cost_p, explanation; plus runs, shortfall_kwh, expected_soc, charge_now_cost_p.
// An energy target's plan adds target_kwh and delivered_kwh (what was delivered when it was
// made); its soc, target_soc and expected_soc are null when the SoC is unknown.
// Instants are UTC with a `Z`; energies rounded to 4 decimals, money to 3.
boost::json::value plan_json(const Plan& plan);

// `{"slots": [{"start","end","price_p_per_kwh"}, ...]}` (adjacent equal prices merged).
boost::json::value prices_json(const PriceCurve& prices);

// Compact JSON with numbers in plain notation ("8.5", not "8.5E0").
std::string to_json(const boost::json::value& v);
// to_json() followed by a newline: one document for stdout.
std::string to_text(const boost::json::value& v);

// A table of the plan in local time, followed by the explanation. Money in `money`'s
// currency (GBP by default).
std::string plan_table(const Plan& plan, const Zone& zone, const Money& money = Money());

// A table of prices in local time with weekdays; unknown stretches are shown as such. Prices
// finer than an hour (15-minute day-ahead prices) are grouped one local hour per line with
// its quarter-hours side by side (prices_quarter.cpp).
std::string prices_table(const PriceCurve& prices, Instant from, Instant to, const Zone& zone,
                         const Money& money = Money());
std::string quarter_hour_table(const PriceCurve& prices, Instant from, Instant to, const Zone& zone,
                               const Money& money);

// `json` (an object) with "currency": the code, for every document that carries money.
boost::json::value with_currency(boost::json::value json, const Money& money);

// Pence as pounds: 143.14 -> "£1.43", -20 -> "-£0.20".
std::string money(double pence);

// Rounds to `decimals` places (half away from zero).
double round_to(double v, int decimals);

}  // namespace offpeak::report
