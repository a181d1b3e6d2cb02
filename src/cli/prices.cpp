#include "prices.hpp"

#include <offpeak/tariffs/agile_feed.hpp>

#include <iostream>
#include <memory>

namespace offpeak::cli {

std::optional<PriceCurve> prices_for(const config::Config& cfg, Instant now, Instant from, Instant to,
                                     bool fetch) {
  auto fallback = config::make_static_tariff(cfg.tariff, cfg.zone);
  const auto* agile = std::get_if<config::OctopusAgileTariff>(&cfg.tariff.kind);
  if (agile == nullptr) return fallback->prices(from, to);
  std::unique_ptr<store::Store> cache;
  std::error_code ec;
  if (std::filesystem::is_directory(cfg.storage.database.parent_path(), ec)) {
    try {
      cache = std::make_unique<store::Store>(cfg.storage.database);
    } catch (const std::exception& e) {
      std::cerr << "offpeak: the price cache " << cfg.storage.database.string()
                << " cannot be used: " << e.what() << "\n";
    }
  }
  PriceCurve known;
  if (fetch) {
    auto r = tariffs::refresh_agile(*agile, cache.get(), now, from, to);
    if (r.error) std::cerr << "offpeak: fetching Agile prices failed: " << *r.error << "\n";
    known = r.known;
  } else if (cache) {
    known = tariffs::cached_agile(*agile, *cache, from, to);
  }
  if (fallback) return known.filled_from(fallback->prices(from, to), from, to);
  if (known.empty()) {
    std::cerr << "offpeak: no Agile prices are known for this time"
              << (fetch ? "" : " (offline: only the daemon's cache is read; try `offpeak tariff show`)")
              << " and the tariff has no `fallback:`\n";
    return std::nullopt;
  }
  return known;
}

}  // namespace offpeak::cli
