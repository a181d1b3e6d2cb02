// The daemon's carbon intensity refresh and price forecast: fetched and read off the event
// loop, handed to the controller (planner rules 7 and 8).

#include "service.hpp"

#include <offpeak/domain/price_forecast.hpp>
#include <offpeak/tariffs/carbon_feed.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace offpeak::daemon {

namespace asio = boost::asio;
using namespace std::chrono;

void Service::carbon_configured() {
  if (!cfg_.carbon) {  // removed: no carbon figures any more
    carbon_known_ = PriceCurve{};
    for (auto& lp : loadpoints_)
      lp->controller().set_carbon(std::nullopt);
    carbon_timer_.cancel();  // the loop sees it and ends
    return;
  }
  const config::CarbonConfig& c = *cfg_.carbon;
  if (tariffs::carbon_area(c).key() != tariffs::carbon_area(carbon_fetch_cfg_).key() ||
      c.base_url != carbon_fetch_cfg_.base_url) {
    carbon_refresh_ = {};  // another area or server: fetch at once
    carbon_timer_.cancel();
  }
  if (!carbon_running_) {
    carbon_running_ = true;
    asio::co_spawn(io_, carbon_loop(), asio::detached);
  }
}

asio::awaitable<void> Service::carbon_loop() {
  while (!stopping_ && cfg_.carbon) {
    const Instant now = clock_.now();
    const Instant due = tariffs::next_carbon_refresh(carbon_refresh_, now);
    if (due > now) {
      const bool woke = co_await sleep_until(carbon_timer_, clock_, due);
      (void)woke;  // cancelled: the loop condition sees stopping_
      continue;
    }
    carbon_fetch_cfg_ = *cfg_.carbon;
    const Instant from = now - hours{1};
    const Instant to = now + hours{72};
    carbon_refresh_.last_attempt = now;
    tariffs::CarbonRefresh r;
    try {
      r = co_await offload<tariffs::CarbonRefresh>(db_pool_, [this, now, from, to] {
        return tariffs::refresh_carbon(carbon_fetch_cfg_, &store_, now, from, to);
      });
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    if (stopping_) co_return;
    if (r.error) {
      ++carbon_refresh_.consecutive_failures;
      spdlog::warn("fetching the carbon intensity forecast failed ({}); using {} cached", *r.error,
                   r.known.empty() ? "nothing" : "what is");
    } else {
      carbon_refresh_.consecutive_failures = 0;
      carbon_refresh_.last_success = now;
      auto last = r.known.last_end();
      spdlog::info("carbon intensity ({}{}): {} half-hours{}; known until {}",
                   tariffs::carbon_area(carbon_fetch_cfg_).key(),
                   r.region_name.empty() ? "" : ", " + r.region_name, r.fetched,
                   r.unknown > 0 ? ", " + std::to_string(r.unknown) + " without a value" : "",
                   last ? cfg_.zone.format(*last) : std::string("-"));
    }
    if (!cfg_.carbon) break;  // removed by a reload during the fetch
    if (tariffs::carbon_area(*cfg_.carbon).key() != tariffs::carbon_area(carbon_fetch_cfg_).key() ||
        cfg_.carbon->base_url != carbon_fetch_cfg_.base_url) {
      carbon_refresh_ = {};  // changed by a reload during the fetch: fetch the new one now
      continue;
    }
    carbon_known_ = r.known;
    // Nothing known (yet): no carbon figures at all rather than "0 kg plus unknown".
    if (carbon_known_.empty())
      for (auto& lp : loadpoints_)
        lp->controller().set_carbon(std::nullopt);
    else
      for (auto& lp : loadpoints_)
        lp->controller().set_carbon(carbon_known_);
    kick_controller();
  }
  carbon_running_ = false;
}

asio::awaitable<void> Service::update_price_forecast() {
  std::shared_ptr<const tariffs::PriceFeed> feed = feed_;
  // With a fallback tariff the gaps are already filled by it; without history, nothing.
  if (feed == nullptr || tariff_ || stopping_) {
    price_forecast_.reset();
    for (auto& lp : loadpoints_)
      lp->controller().set_forecast(std::nullopt);
    co_return;
  }
  const Instant now = clock_.now();
  const tariffs::PriceFeed* fp = feed.get();
  PriceCurve history;
  try {
    history = co_await offload<PriceCurve>(
        db_pool_, [this, fp, now] { return fp->cached(store_, now - days{28}, now + days{3}); });
  } catch (const std::exception& e) {
    spdlog::warn("reading the price history for the forecast failed: {}", e.what());
    co_return;
  }
  if (stopping_ || feed != feed_) co_return;
  price_forecast_ = forecast_prices(history, now, now + days{4}, london_, feed->resolution());
  for (auto& lp : loadpoints_)
    lp->controller().set_forecast(price_forecast_);
  kick_controller();
}

}  // namespace offpeak::daemon
