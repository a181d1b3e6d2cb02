// libFuzzer target for an Octopus Agile page (the public API's JSON): the parser, the pager
// over an injected fetch (every URL answers the same page, so `next` links are followed until
// the loop or page limit), and the rates as a PriceCurve merged into a base curve. None of it
// may crash, throw, leak or execute undefined behaviour, whatever the API sends.
#include <offpeak/tariffs/agile.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace offpeak;
  const std::string body(reinterpret_cast<const char*>(data), size);
  const tariffs::PageResult page = tariffs::parse_rates_page(body);
  if (page.page.has_value() == !page.error.empty()) std::abort();  // exactly one of them
  const Instant t0 = *parse_rfc3339("2024-05-07T00:00:00Z");
  int fetches = 0;
  const tariffs::FetchFunction fetch = [&](const std::string&) {
    ++fetches;
    return tariffs::FetchResult{body, {}};
  };
  const tariffs::FetchRatesResult all = tariffs::fetch_all_rates(fetch, "https://x/first", 4);
  if (fetches > 4) std::abort();
  const PriceCurve curve = tariffs::rates_to_curve(all.rates, t0 + std::chrono::hours{48});
  const PriceCurve base(std::vector<PriceSlot>{{t0, t0 + std::chrono::hours{24}, 20.0}});
  const PriceCurve merged = tariffs::merge_prices(base, curve);
  // As the planner sees it: the window up to a ready-by, in half hours (a rate may span
  // centuries; splitting all of it is nothing offpeak does).
  (void)merged.slice(t0, t0 + std::chrono::hours{48}).split(std::chrono::minutes{30});
  (void)merged.price_at(t0 + std::chrono::hours{1});
  return 0;
}
