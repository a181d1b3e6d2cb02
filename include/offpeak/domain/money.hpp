#pragma once
// Money for people (spec tariffs-europe.md): every price and cost inside offpeak is in the
// currency's minor unit (p, ct, öre, ...); people read major units with the currency's usual
// symbol and placement and the configured decimal mark: "£1.23", "€1.23", "12,34 kr",
// "23.4 ct/kWh".

#include <optional>
#include <string>
#include <string_view>

namespace offpeak {

struct Currency {
  std::string_view code;        // ISO 4217 ("EUR")
  std::string_view symbol;      // "€", "kr"
  std::string_view minor_unit;  // "ct", "öre"
  bool symbol_after = false;    // "12,34 kr" rather than "€12.34"
};

// The supported currencies: GBP, EUR, SEK, NOK, DKK, CHF, PLN, CZK. nullptr otherwise.
const Currency* find_currency(std::string_view code);
// "GBP, EUR, ..." for messages.
std::string currency_codes();

class Money {
 public:
  // GBP with '.'.
  Money();
  Money(const Currency& currency, char decimal_mark);
  // Unknown codes fall back to GBP (the config loader rejects them first).
  Money(std::string_view code, char decimal_mark);

  std::string_view code() const { return currency_->code; }
  std::string_view minor_unit() const { return currency_->minor_unit; }
  char decimal_mark() const { return mark_; }

  // A cost given in minor units, in major units: "£1.23", "-€0.40", "12,34 kr".
  std::string amount(double minor) const;
  // A price per kWh in minor units: "23.4 ct/kWh", "-1,2 öre/kWh" (`decimals` places).
  std::string rate(double minor_per_kwh, int decimals = 1) const;
  // A price per kWh as explanations write it: "8.50p" (GBP), "8,50 ct", "45.20 öre".
  std::string short_rate(double minor_per_kwh) const;
  // A plain number with the decimal mark: "23,40".
  std::string number(double value, int decimals) const;

 private:
  const Currency* currency_;
  char mark_ = '.';
};

// The decimal mark of a locale name ("de_DE", "de-DE.UTF-8", "sv", "en_GB"): ',' for the
// languages that write one, '.' for English and others known; nullopt when unknown.
std::optional<char> decimal_mark_of_locale(std::string_view locale);

}  // namespace offpeak
