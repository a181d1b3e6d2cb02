// `currency:` and `locale:` of the main file (spec tariffs-europe.md).
#include "yaml_reader.hpp"

#include <offpeak/domain/money.hpp>

namespace offpeak::config::detail {

void parse_money(const YAML::Node& root, Reader& r, MoneyConfig& out) {
  if (auto n = Reader::child(root, "currency")) {
    if (auto s = r.string(*n, "a currency code such as EUR")) {
      if (find_currency(*s)) {
        out.currency = *s;
      } else {
        r.error_at(*n, "unknown currency " + quoted(*n) + "; expected one of " + currency_codes());
      }
    }
  }
  if (auto n = Reader::child(root, "locale")) {
    if (auto s = r.string(*n, "a locale such as de_DE")) {
      if (auto mark = decimal_mark_of_locale(*s)) {
        out.locale = *s;
        out.decimal_mark = *mark;
      } else {
        r.error_at(*n, "unknown locale " + quoted(*n) +
                           "; expected a language code such as en_GB, de_DE, nl_NL or sv_SE");
      }
    }
  }
}

}  // namespace offpeak::config::detail
