#include <offpeak/net/http_client.hpp>
#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/agile_feed.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::tariffs {

AgileRefresh refresh_agile(const config::OctopusAgileTariff& tariff, store::Store* store,
                           Instant now, Instant from, Instant to) {
  AgileRefresh out;
  FetchFunction fetch = [](const std::string& url) {
    net::ClientRequest req;
    req.url = url;
    req.headers.emplace_back("Accept", "application/json");
    net::ClientOptions opts;
    opts.timeout = std::chrono::seconds{30};
    opts.max_response_bytes = 4 * 1024 * 1024;
    net::HttpResult r = net::fetch_blocking(req, opts);
    if (r.ok()) return FetchResult{r.response->body, {}};
    return FetchResult{std::nullopt, std::string(net::to_string(r.error.kind)) + ": " + r.error.message};
  };
  std::string url = rates_url(tariff.base_url, tariff.product, tariff.region, from, to);
  spdlog::debug("agile: fetching {}", url);
  FetchRatesResult rates = fetch_all_rates(fetch, url);
  out.pages = rates.pages;
  out.fetched = rates.rates.size();
  out.error = rates.error;
  PriceCurve fetched = rates_to_curve(std::move(rates.rates));
  if (store != nullptr) {
    if (!fetched.empty()) store->upsert_prices(tariff.tariff_code(), fetched.slots(), now);
    out.known = store->load_prices(tariff.tariff_code(), from, to);
  } else {
    out.known = fetched.slice(from, to);
  }
  return out;
}

PriceCurve cached_agile(const config::OctopusAgileTariff& tariff, const store::Store& store,
                        Instant from, Instant to) {
  return store.load_prices(tariff.tariff_code(), from, to);
}

}  // namespace offpeak::tariffs
