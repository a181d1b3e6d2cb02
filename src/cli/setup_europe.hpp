#pragma once
// `offpeak setup` outside Great Britain: the countries it knows (time zone, currency, decimal
// mark, bidding zone, Nord Pool area, aWATTar, VAT), the tariff sources each can use, the
// currencies each source can deliver there, and the tariff file a day-ahead source gets (a
// preset from config/tariffs when one fits, else one written for the country). Private to the
// cli module.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offpeak::cli {

struct SetupArgs;
class Prompter;

struct Country {
  std::string_view code;           // ISO 3166 alpha-2, upper case ("DE")
  std::string_view name;           // "Germany"
  std::string_view timezone;       // "Europe/Berlin"
  std::string_view currency;       // the currency households pay in ("EUR")
  std::string_view locale;         // for the decimal mark ("de_DE")
  std::string_view entsoe_zone;    // the bidding zone's short name ("DE-LU")
  std::string_view nordpool_area;  // "" when Nord Pool has no day-ahead area there
  std::string_view awattar;        // "de" | "at" | ""
  bool tibber = false;             // Tibber sells there
  double vat_percent = 0;          // the usual VAT on electricity (an example to check)
};

// The known countries, GB first. find_country is case-insensitive; nullptr when unknown.
const std::vector<Country>& countries();
const Country* find_country(std::string_view code);
// "GB, DE, AT, ..." for prompts and messages.
std::string country_codes();

// The tariff sources for a country: GB has "preset" only; elsewhere the day-ahead sources that
// cover it ("tibber", "entsoe", "nordpool", "awattar"), then "preset" (a fixed-price preset).
// The first is the suggested one.
std::vector<std::string> sources_for(const Country& country);
// A line per source for the question.
std::string describe_source(const std::string& source);
// The currencies `source` can deliver in `country`, the suggested one first.
std::vector<std::string> currencies_for(const Country& country, const std::string& source);
// Whether the source needs an API token (tibber, entsoe).
bool source_needs_token(const std::string& source);

// The tariff file a day-ahead source gets in `country`: `stem` (the file is
// tariffs/<stem>.yaml); `text` is nullopt when the preset of that name is used as copied,
// else the file's content. The token, when needed, goes in tariffs/<token_file>.
struct SpotTariffFile {
  std::string stem;
  std::optional<std::string> text;
  std::string token_file;
};
// `zone`: the bidding zone / delivery area, one of zones_for(country); "" for the first.
SpotTariffFile spot_tariff_file(const Country& country, const std::string& source,
                                const std::string& zone = "");
// The bidding zones of a country (SE1..SE4, NO1..NO5, DK1, DK2), the suggested one first; one
// element where the country is one zone.
std::vector<std::string> zones_for(const Country& country);

// What ask_region settled: the time zone (empty when --timezone was given), currency and
// locale; `preset` when the tariff is a preset still to be chosen, else the tariff file
// written for a day-ahead source (tariffs/<tariff_stem>.yaml; its text, nullopt for a copied
// preset) and the source's token with the file under tariffs/ it goes in.
struct RegionAnswers {
  std::string timezone;
  std::string currency = "GBP";
  std::string locale;
  bool preset = true;
  std::string tariff_stem;
  std::optional<std::string> tariff_text;
  std::string token, token_file;
};

// The country (flag or question, GB by default), then outside GB the tariff source,
// currency, bidding zone and token. Throws SetupError (usage) for answers given as flags that
// do not fit the country.
RegionAnswers ask_region(const SetupArgs& args, bool interactive, Prompter& ask);

}  // namespace offpeak::cli
