#include <offpeak/domain/money.hpp>

#include <array>
#include <cmath>
#include <cstdio>

namespace offpeak {

namespace {

constexpr std::array<Currency, 8> k_currencies = {{
    {"GBP", "£", "p", false},
    {"EUR", "€", "ct", false},
    {"SEK", "kr", "öre", true},
    {"NOK", "kr", "øre", true},
    {"DKK", "kr", "øre", true},
    {"CHF", "CHF ", "ct", false},
    {"PLN", "zł", "gr", true},
    {"CZK", "Kč", "h", true},
}};

}  // namespace

const Currency* find_currency(std::string_view code) {
  for (const Currency& c : k_currencies)
    if (c.code == code) return &c;
  return nullptr;
}

std::string currency_codes() {
  std::string s;
  for (const Currency& c : k_currencies)
    s += (s.empty() ? "" : ", ") + std::string(c.code);
  return s;
}

Money::Money() : currency_(&k_currencies[0]) {}
Money::Money(const Currency& currency, char decimal_mark)
    : currency_(&currency), mark_(decimal_mark) {}
Money::Money(std::string_view code, char decimal_mark)
    : currency_(find_currency(code) ? find_currency(code) : &k_currencies[0]),
      mark_(decimal_mark) {}

std::string Money::number(double value, int decimals) const {
  if (!std::isfinite(value)) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s(buf);
  if (s == "-0" || s.rfind("-0.", 0) == 0) {
    bool zero = s.find_first_of("123456789") == std::string::npos;
    if (zero) s.erase(0, 1);
  }
  if (mark_ != '.') {
    if (auto p = s.find('.'); p != std::string::npos) s[p] = mark_;
  }
  return s;
}

std::string Money::amount(double minor) const {
  std::string n = number(std::fabs(minor) / 100.0, 2);
  const bool negative = minor < 0 && n.find_first_of("123456789") != std::string::npos;
  const std::string sign = negative ? "-" : "";
  if (currency_->symbol_after) return sign + n + " " + std::string(currency_->symbol);
  return sign + std::string(currency_->symbol) + n;
}

std::string Money::short_rate(double minor_per_kwh) const {
  if (currency_->code == "GBP") return number(minor_per_kwh, 2) + "p";
  return number(minor_per_kwh, 2) + " " + std::string(currency_->minor_unit);
}

std::string Money::rate(double minor_per_kwh, int decimals) const {
  return number(minor_per_kwh, decimals) + " " + std::string(currency_->minor_unit) + "/kWh";
}

std::optional<char> decimal_mark_of_locale(std::string_view locale) {
  std::string_view lang = locale.substr(0, locale.find_first_of("_-."));
  static constexpr std::string_view comma[] = {"de", "nl", "fr", "sv", "nb", "nn", "no", "da",
                                               "fi", "pl", "cs", "sk", "es", "it", "pt", "et",
                                               "lv", "lt", "sl", "hr", "hu", "ro", "bg", "el"};
  static constexpr std::string_view dot[] = {"en", "ga", "mt", "C", "POSIX"};
  for (auto l : comma)
    if (l == lang) return ',';
  for (auto l : dot)
    if (l == lang) return '.';
  return std::nullopt;
}

}  // namespace offpeak
