#include "setup_europe.hpp"
#include "setup_command.hpp"
#include "setup_prompt.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace offpeak::cli {

const std::vector<Country>& countries() {
  // VAT: the usual rate on household electricity, written into generated tariff files as an
  // example to check against the bill.
  static const std::vector<Country> list = {
      {"GB", "Great Britain", "Europe/London", "GBP", "", "", "", "", false, 5},
      {"DE", "Germany", "Europe/Berlin", "EUR", "de_DE", "DE-LU", "", "de", true, 19},
      {"AT", "Austria", "Europe/Vienna", "EUR", "de_AT", "AT", "AT", "at", false, 20},
      {"NL", "the Netherlands", "Europe/Amsterdam", "EUR", "nl_NL", "NL", "NL", "", true, 21},
      {"BE", "Belgium", "Europe/Brussels", "EUR", "nl_BE", "BE", "BE", "", false, 6},
      {"FR", "France", "Europe/Paris", "EUR", "fr_FR", "FR", "FR", "", false, 20},
      {"SE", "Sweden", "Europe/Stockholm", "SEK", "sv_SE", "SE3", "SE3", "", true, 25},
      {"NO", "Norway", "Europe/Oslo", "NOK", "nb_NO", "NO1", "NO1", "", true, 25},
      {"DK", "Denmark", "Europe/Copenhagen", "DKK", "da_DK", "DK1", "DK1", "", false, 25},
      {"FI", "Finland", "Europe/Helsinki", "EUR", "fi_FI", "FI", "FI", "", false, 25.5},
      {"CH", "Switzerland", "Europe/Zurich", "CHF", "", "CH", "", "", false, 8.1},
      {"PL", "Poland", "Europe/Warsaw", "PLN", "pl_PL", "PL", "PL", "", false, 23},
      {"CZ", "Czechia", "Europe/Prague", "CZK", "cs_CZ", "CZ", "", "", false, 21},
  };
  return list;
}

const Country* find_country(std::string_view code) {
  std::string u(code);
  for (auto& c : u)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "UK") u = "GB";
  for (const auto& c : countries())
    if (c.code == u) return &c;
  return nullptr;
}

std::string country_codes() {
  std::string out;
  for (const auto& c : countries())
    out += (out.empty() ? "" : ", ") + std::string(c.code);
  return out;
}

std::vector<std::string> sources_for(const Country& country) {
  if (country.code == "GB") return {"preset"};
  std::vector<std::string> out;
  if (country.tibber) out.emplace_back("tibber");
  out.emplace_back("entsoe");
  if (!country.nordpool_area.empty()) out.emplace_back("nordpool");
  if (!country.awattar.empty()) out.emplace_back("awattar");
  out.emplace_back("preset");
  return out;
}

std::string describe_source(const std::string& source) {
  if (source == "tibber") return "Tibber: your final Tibber prices (needs a Tibber token)";
  if (source == "entsoe")
    return "entsoe: the day-ahead spot price from ENTSO-E plus your contract's fees and VAT "
           "(needs an ENTSO-E token)";
  if (source == "nordpool") return "nordpool: the Nord Pool day-ahead price plus fees and VAT";
  if (source == "awattar") return "awattar: the aWATTar day-ahead price plus fees and VAT";
  return "preset: a fixed-price tariff preset (put in your own prices)";
}

std::vector<std::string> currencies_for(const Country& country, const std::string& source) {
  const std::string own(country.currency);
  if (source == "entsoe" || source == "awattar") return {"EUR"};
  if (source == "nordpool") {
    for (const char* c : {"SEK", "NOK", "DKK", "PLN"})
      if (own == c) return {own, "EUR"};
    return {"EUR"};
  }
  if (source == "tibber" || own == "EUR" || own == "GBP") return {own};
  return {own, "EUR"};
}

bool source_needs_token(const std::string& source) {
  return source == "tibber" || source == "entsoe";
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

}  // namespace

std::vector<std::string> zones_for(const Country& country) {
  if (country.code == "SE") return {"SE3", "SE1", "SE2", "SE4"};
  if (country.code == "NO") return {"NO1", "NO2", "NO3", "NO4", "NO5"};
  if (country.code == "DK") return {"DK1", "DK2"};
  return {std::string(country.entsoe_zone)};
}

SpotTariffFile spot_tariff_file(const Country& country, const std::string& source,
                                const std::string& zone) {
  const std::string z = zone.empty() ? zones_for(country).front() : zone;
  const std::string area = country.nordpool_area.empty() ? "" : z;
  SpotTariffFile f;
  f.token_file = source_needs_token(source) ? source + "-token" : "";
  if (source == "tibber" && country.code == "DE") {
    f.stem = "tibber-de";
    return f;
  }
  if (source == "entsoe" && (country.code == "DE" || country.code == "NL")) {
    f.stem = "entsoe-" + lower(country.code);
    return f;
  }
  f.stem =
      source + "-" + lower(zones_for(country).size() > 1 && source != "tibber" ? z : country.code);
  const std::string cname(country.name);
  std::string y =
      "# Written by `offpeak setup` for " + cname + ". Check it with `offpeak check`.\n";
  if (source == "tibber") {
    y += "# Tibber's final household prices (spot price, fees, levies, margin and VAT) for "
         "today and,\n# from about 13:00 CET, tomorrow.\n";
    y += "type: tibber\nname: Tibber (" + cname + ")\n";
    y += "token_file: " + f.token_file + "      # one line; or the systemd credential " +
         f.token_file + "\n";
    y += "resolution: quarter_hourly    # quarter_hourly | hourly\n";
    y += "# fallback: flat.yaml         # a static tariff for times not yet published\n";
    f.text = y;
    return f;
  }
  y += "# The day-ahead spot price plus what the supplier and the state add.\n";
  y += "#\n# EXAMPLE NUMBERS, ADJUST THEM TO YOUR CONTRACT: the adder (grid fee, levies and the\n"
       "# supplier's margin per kWh, before VAT, in the currency's minor unit) is 0 here and the\n"
       "# VAT is the usual rate; your bill lists the real ones.\n";
  if (source == "entsoe") {
    y += "type: entsoe\nname: Day-ahead " + z + " (ENTSO-E)\n";
    y += "token_file: " + f.token_file + "      # one line; or the systemd credential " +
         f.token_file + "\n";
    y += "zone: " + z + "  # your bidding zone\n";
  } else if (source == "nordpool") {
    y += "type: nordpool\nname: Day-ahead " + area + " (Nord Pool)\n";
    y += "area: " + area + "  # your delivery area\n";
  } else {
    y += "type: awattar\nname: aWATTar " + std::string(country.code) + "\n";
    y += "country: " + std::string(country.awattar) + "\n";
  }
  y += "price:\n";
  y += "  markup_percent: 0   # EXAMPLE: percent of the spot price the supplier adds\n";
  y += "  adder: 0            # EXAMPLE: minor units per kWh before VAT\n";
  y += "  vat_percent: " + number(country.vat_percent) + "    # EXAMPLE: applied last\n";
  y += "# fallback: flat.yaml   # a static tariff for times not yet published\n";
  f.text = y;
  return f;
}

RegionAnswers ask_region(const SetupArgs& args, bool interactive, Prompter& ask) {
  RegionAnswers a;
  auto upper = [](std::string s) {
    for (auto& c : s)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  auto one_of = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v)
      out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  const Country* country = find_country(args.country.empty() ? "GB" : args.country);
  if (!country) {
    throw SetupError(k_exit_usage,
                     "unknown country '" + args.country + "'; expected one of " + country_codes());
  }
  while (interactive && args.country.empty()) {
    country = find_country(ask.ask("Country (" + country_codes() + ")", "GB"));
    if (country) break;
    std::cout << "  one of " << country_codes() << ", please\n";
  }
  if (args.timezone.empty()) a.timezone = std::string(country->timezone);
  a.locale = std::string(country->locale);
  const std::vector<std::string> sources = sources_for(*country);
  std::string source = args.source;
  if (!source.empty() && std::find(sources.begin(), sources.end(), source) == sources.end()) {
    throw SetupError(k_exit_usage, "tariff source '" + source + "' is not offered for " +
                                       std::string(country->name) + "; expected one of " +
                                       one_of(sources));
  }
  if (source.empty() && interactive && sources.size() > 1) {
    std::cout << "Tariff sources for " << country->name << ":\n";
    for (std::size_t i = 0; i < sources.size(); ++i)
      std::cout << "  " << i + 1 << ") " << describe_source(sources[i]) << "\n";
    source = ask.choice("Tariff source", sources, sources.front());
  }
  if (source.empty()) source = "preset";
  const std::vector<std::string> currencies = currencies_for(*country, source);
  if (!args.currency.empty()) {
    a.currency = upper(args.currency);
    if (std::find(currencies.begin(), currencies.end(), a.currency) == currencies.end()) {
      throw SetupError(k_exit_usage, "with " + source + " in " + std::string(country->name) +
                                         " prices are in " + one_of(currencies) + ", not " +
                                         a.currency);
    }
  } else if (interactive && currencies.size() > 1) {
    a.currency = ask.choice("Currency (" + one_of(currencies) + ")", currencies, currencies[0]);
  } else {
    a.currency = currencies.front();
  }
  if (source == "preset") return a;

  const std::vector<std::string> zones = zones_for(*country);
  std::string zone = upper(args.zone);
  if (!zone.empty() && std::find(zones.begin(), zones.end(), zone) == zones.end()) {
    throw SetupError(k_exit_usage, "bidding zone '" + args.zone + "' is not in " +
                                       std::string(country->name) + "; expected one of " +
                                       one_of(zones));
  }
  if (zone.empty() && interactive && zones.size() > 1 && source != "tibber")
    zone = ask.choice("Bidding zone (" + one_of(zones) + ")", zones, zones.front());
  SpotTariffFile f = spot_tariff_file(*country, source, zone);
  a.tariff_stem = f.stem;
  a.tariff_text = f.text;
  a.token_file = f.token_file;
  if (!a.token_file.empty()) {
    const std::string what = source == "tibber" ? "Tibber token" : "ENTSO-E token";
    if (!args.token_file.empty()) {
      a.token = read_password_file(args.token_file, what);
    } else if (interactive) {
      a.token = ask.secret(what + " (not shown)");
    } else {
      throw SetupError(k_exit_usage, "--token-file FILE is needed for " + source +
                                         " (- reads standard input; a token is never taken on "
                                         "the command line)");
    }
    if (a.token.empty()) throw SetupError(k_exit_usage, "an empty " + what + "; nothing written");
  }
  a.preset = false;
  return a;
}

}  // namespace offpeak::cli
