#include <offpeak/net/http_client.hpp>
#include <offpeak/tariffs/carbon_feed.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::tariffs {

CarbonArea carbon_area(const config::CarbonConfig& c) {
  return CarbonArea{c.region, c.postcode};
}

CarbonRefresh refresh_carbon(const config::CarbonConfig& c, store::Store* store, Instant now,
                             Instant from, Instant to) {
  CarbonRefresh out;
  const CarbonArea area = carbon_area(c);
  net::ClientRequest req;
  req.url = carbon_url(c.base_url, area, now);
  req.headers.emplace_back("Accept", "application/json");
  net::ClientOptions opts;
  opts.timeout = std::chrono::seconds{30};
  opts.max_response_bytes = 4 * 1024 * 1024;
  spdlog::debug("carbon: fetching {}", req.url);
  net::HttpResult r = net::fetch_blocking(req, opts);
  PriceCurve fetched;
  if (!r.ok()) {
    out.error = std::string(net::to_string(r.error.kind)) + ": " + r.error.message;
  } else {
    CarbonParse p = parse_carbon_response(r.response->body);
    if (!p.curve) {
      out.error = p.error;
    } else {
      fetched = std::move(*p.curve);
      out.fetched = fetched.slots().size();
      out.unknown = p.unknown;
      out.region_name = p.region_name;
    }
  }
  if (store != nullptr) {
    if (!fetched.empty()) store->upsert_carbon(area.key(), fetched.slots(), now);
    out.known = store->load_carbon(area.key(), from, to);
  } else {
    out.known = fetched.slice(from, to);
  }
  return out;
}

PriceCurve cached_carbon(const config::CarbonConfig& c, const store::Store& store, Instant from,
                         Instant to) {
  return store.load_carbon(carbon_area(c).key(), from, to);
}

}  // namespace offpeak::tariffs
