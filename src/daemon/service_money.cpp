// The configured currency against the database (spec tariffs-europe.md): prices and costs are
// stored in minor units without a unit of their own, so the database records the currency it
// was written in (kv key `currency`) and offpeakd never mixes two. offpeak converts nothing:
//  - at start-up, a `currency:` other than the recorded one stops offpeakd (exit 78) with the
//    remedy (set it back, or use a new storage.database);
//  - on SIGHUP, a changed `currency:` is refused and the previous configuration kept.
// A database written before currencies existed (no key, but sessions or plans) is GBP.
#include "service.hpp"

#include <spdlog/spdlog.h>

namespace offpeak::daemon {

void check_database_currency(store::Store& store, const config::MoneyConfig& money, Instant now) {
  std::optional<std::string> recorded = store.get_setting(k_currency_key);
  if (!recorded) {
    const store::StoreStats st = store.stats();
    recorded = st.sessions > 0 || st.plans > 0 ? std::string("GBP") : money.currency;
    store.set_setting(k_currency_key, *recorded, now);
  }
  if (*recorded != money.currency) {
    throw store::StoreError("the database holds prices and costs in " + *recorded +
                            " but currency is " + money.currency +
                            "; offpeak converts nothing: set 'currency: " + *recorded +
                            "' again, or give storage.database a new file for " + money.currency);
  }
}

bool currency_change_refused(const config::Config& current, const config::Config& next) {
  if (next.money.currency == current.money.currency) return false;
  spdlog::error(
      "currency changed from {} to {}: refused (the database holds {}; offpeak converts "
      "nothing; use a new storage.database and restart for {}); keeping the previous "
      "configuration",
      current.money.currency, next.money.currency, current.money.currency, next.money.currency);
  return true;
}

}  // namespace offpeak::daemon
