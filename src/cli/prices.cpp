#include "prices.hpp"

#include <offpeak/tariffs/price_feed.hpp>

#include <iostream>
#include <memory>

namespace offpeak::cli {

std::optional<PriceCurve> prices_for(const config::Config& cfg, Instant now, Instant from,
                                     Instant to, bool fetch) {
  auto fallback = config::make_static_tariff(cfg.tariff, cfg.zone);
  auto feed = tariffs::make_price_feed(cfg);
  if (feed == nullptr) return fallback->prices(from, to);
  std::unique_ptr<store::Store> cache;
  std::error_code ec;
  // `plan` (no fetch) only reads an existing cache; `tariff show` may create it.
  bool usable = fetch ? std::filesystem::is_directory(cfg.storage.database.parent_path(), ec)
                      : std::filesystem::exists(cfg.storage.database, ec);
  if (usable) {
    try {
      cache = std::make_unique<store::Store>(cfg.storage.database);
    } catch (const std::exception& e) {
      std::cerr << "offpeak: the price cache " << cfg.storage.database.string()
                << " cannot be used: " << e.what() << "\n";
    }
  }
  PriceCurve known;
  if (fetch) {
    auto r = feed->refresh(cache.get(), now, from, to);
    if (r.error)
      std::cerr << "offpeak: fetching " << feed->label() << " prices failed: " << *r.error << "\n";
    else if (r.fetched == 0 && !r.note.empty())
      std::cerr << "offpeak: " << feed->label() << " prices: " << r.note << "\n";
    known = r.known;
  } else if (cache) {
    known = feed->cached(*cache, from, to);
  }
  if (fallback) return known.filled_from(fallback->prices(from, to), from, to);
  if (known.empty()) {
    std::cerr << "offpeak: no " << feed->label() << " prices are known for this time"
              << (fetch ? ""
                        : " (offline: only the daemon's cache is read; try `offpeak tariff show`)")
              << " and the tariff has no `fallback:`\n";
    return std::nullopt;
  }
  return known;
}

}  // namespace offpeak::cli
