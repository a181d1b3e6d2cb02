#include <offpeak/report/report.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace offpeak::report {
namespace json = boost::json;

double round_to(double v, int decimals) {
  double f = std::pow(10.0, decimals);
  double r = std::round(v * f) / f;
  return r == 0.0 ? 0.0 : r;  // no "-0"
}

std::string money(double pence) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s£%.2f", pence < -0.005 ? "-" : "", std::abs(pence) / 100.0);
  return buf;
}

json::value plan_json(const Plan& plan) {
  // A plan made with the sun splits its energy (zero totals: made without, or nothing planned).
  const bool sun = plan.total_solar_kwh > 0 || plan.total_grid_kwh > 0;
  json::array slots;
  for (const auto& s : plan.slots) {
    json::object o;
    o["start"] = format_rfc3339(s.start);
    o["end"] = format_rfc3339(s.end);
    o["power_kw"] = round_to(s.power_kw, 3);
    o["energy_kwh"] = round_to(s.energy_kwh, 4);
    if (s.price_p_per_kwh)
      o["price_p_per_kwh"] = *s.price_p_per_kwh;
    else
      o["price_p_per_kwh"] = nullptr;
    o["cost_p"] = round_to(s.cost_p, 3);
    if (s.immediate) o["immediate"] = true;
    if (s.forecast) o["forecast"] = true;
    if (sun) {  // planned with the sun: the part from the surplus and the part from the grid
      o["solar_kwh"] = round_to(s.solar_kwh, 4);
      o["grid_kwh"] = round_to(s.grid_kwh, 4);
    }
    if (plan.total_co2_kg) {
      if (s.carbon_g_per_kwh)
        o["carbon_g_per_kwh"] = *s.carbon_g_per_kwh;
      else
        o["carbon_g_per_kwh"] = nullptr;
      o["co2_kg"] = round_to(s.co2_kg, 4);
    }
    slots.push_back(std::move(o));
  }
  json::array runs;
  for (const auto& r : plan.runs) {
    runs.push_back(json::object{{"start", format_rfc3339(r.start)},
                                {"end", format_rfc3339(r.end)},
                                {"energy_kwh", round_to(r.energy_kwh, 4)},
                                {"cost_p", round_to(r.cost_p, 3)}});
  }
  json::object o;
  o["now"] = format_rfc3339(plan.now);
  o["ready_by"] = format_rfc3339(plan.ready_by);
  o["soc"] = round_to(plan.soc, 2);
  o["target_soc"] = round_to(plan.target_soc, 2);
  o["energy_needed_kwh"] = round_to(plan.energy_needed_kwh, 4);
  o["feasible"] = plan.feasible;
  o["slots"] = std::move(slots);
  o["runs"] = std::move(runs);
  o["total_energy_kwh"] = round_to(plan.total_energy_kwh, 4);
  o["total_cost_p"] = round_to(plan.total_cost_p, 3);
  o["shortfall_kwh"] = round_to(plan.shortfall_kwh, 4);
  o["expected_soc"] = round_to(plan.expected_soc, 2);
  if (plan.charge_now_cost_p)
    o["charge_now_cost_p"] = round_to(*plan.charge_now_cost_p, 3);
  else
    o["charge_now_cost_p"] = nullptr;
  // Carbon (only with carbon intensity data): kg CO2 of the energy at a known intensity.
  if (plan.total_co2_kg) {
    o["total_co2_kg"] = round_to(*plan.total_co2_kg, 4);
    o["unknown_carbon_kwh"] = round_to(plan.unknown_carbon_kwh, 4);
    if (plan.charge_now_co2_kg)
      o["charge_now_co2_kg"] = round_to(*plan.charge_now_co2_kg, 4);
    else
      o["charge_now_co2_kg"] = nullptr;
  }
  if (plan.forecast_kwh > 0) o["forecast_kwh"] = round_to(plan.forecast_kwh, 4);
  if (sun) {
    o["total_solar_kwh"] = round_to(plan.total_solar_kwh, 4);
    o["total_grid_kwh"] = round_to(plan.total_grid_kwh, 4);
    o["export_forgone_p"] = round_to(plan.export_forgone_p, 3);
  }
  o["explanation"] = plan.explanation;
  return o;
}

json::value prices_json(const PriceCurve& prices) {
  json::array slots;
  const PriceCurve merged = prices.merged();
  for (const auto& s : merged.slots()) {
    slots.push_back(json::object{{"start", format_rfc3339(s.start)},
                                 {"end", format_rfc3339(s.end)},
                                 {"price_p_per_kwh", s.price_p_per_kwh}});
  }
  return json::object{{"slots", std::move(slots)}};
}

namespace {

// Numbers as people write them ("8.5", "40", "-0.25"), shortest round-trip form; Boost.JSON
// 1.81 would write "8.5E0".
void write_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, ec == std::errc{} ? p : buf);
}

void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      write_number(out, v.get_double());
      break;
    case json::kind::string:
      out += json::serialize(v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(out, e);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out += ':';
        write(out, kv.value());
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string to_json(const json::value& v) {
  std::string out;
  write(out, v);
  return out;
}

std::string to_text(const json::value& v) {
  return to_json(v) + "\n";
}

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pad(std::string s, std::size_t w) {
  // Width in characters; "£" is two bytes in UTF-8.
  std::size_t len = 0;
  for (unsigned char c : s)
    len += (c & 0xC0) != 0x80;
  if (len < w) s.append(w - len, ' ');
  return s;
}
}  // namespace

std::string plan_table(const Plan& plan, const Zone& zone, const Money& money) {
  std::string out;
  out += "now       " + zone.format(plan.now) + "   SoC " + fmt("%.0f%%", plan.soc) + "\n";
  out += "ready by  " + zone.format(plan.ready_by) + "   target " + fmt("%.0f%%", plan.target_soc) +
         "\n";
  out += "need      " + fmt("%.2f kWh from the grid", plan.energy_needed_kwh) + "\n\n";
  if (plan.slots.empty()) {
    out += "no charging planned\n";
  } else {
    out += pad("start", 26) + pad("end", 12) + pad("kWh", 9) +
           pad(std::string(money.minor_unit()) + "/kWh", 9) + "cost\n";
    for (const auto& s : plan.slots) {
      out += pad(zone.format(s.start), 26) + pad(zone.format(s.end, false), 12) +
             pad(fmt("%.2f", s.energy_kwh), 9) +
             pad(s.price_p_per_kwh ? money.number(*s.price_p_per_kwh, 2) : "?", 9) +
             money.amount(s.cost_p) + (s.immediate ? "  (below min_soc)" : "") + "\n";
    }
    out += pad("total", 38) + pad(fmt("%.2f", plan.total_energy_kwh), 18) +
           money.amount(plan.total_cost_p);
    if (plan.charge_now_cost_p)
      out += "   (charging now: " + money.amount(*plan.charge_now_cost_p) + ")";
    out += "\n";
  }
  out += plan.feasible ? "\nfeasible: yes" : "\nfeasible: NO";
  out += fmt(", SoC at the end about %.0f%%\n", plan.expected_soc);
  out += "\n" + plan.explanation + "\n";
  return out;
}

std::string prices_table(const PriceCurve& prices, Instant from, Instant to, const Zone& zone,
                         const Money& money) {
  int quarters = 0;  // 15-minute prices: one line per hour rather than four
  const PriceCurve in_range = prices.slice(from, to);
  for (const auto& s : in_range.slots())
    quarters += s.end - s.start == std::chrono::minutes{15};
  if (quarters >= 4) return quarter_hour_table(prices, from, to, zone, money);
  std::string out = pad("from", 26) + pad("to", 12) + std::string(money.minor_unit()) + "/kWh\n";
  Instant cur = from;
  auto unknown = [&](Instant a, Instant b) {
    out += pad(zone.format(a), 26) + pad(zone.format(b, false), 12) + "unknown\n";
  };
  const PriceCurve shown = prices.slice(from, to).merged();
  for (const auto& s : shown.slots()) {
    if (cur < s.start) unknown(cur, s.start);
    out += pad(zone.format(s.start), 26) + pad(zone.format(s.end, false), 12) +
           money.number(s.price_p_per_kwh, 2) + "\n";
    cur = s.end;
  }
  if (cur < to) unknown(cur, to);
  return out;
}

}  // namespace offpeak::report
