// What exported energy earns (`site.export_tariff`, spec solar.md): a static or CSV tariff's
// prices directly, Octopus Agile Outgoing through the Agile feed (its export product), fetched
// off the event loop on the feed's schedule and cached like the import prices. The sun in the
// plan weighs the surplus at these prices; /api/v1/prices serves them beside the import.

#include "service.hpp"

#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/price_feed.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

void Service::export_configured() {
  std::shared_ptr<const tariffs::PriceFeed> feed;
  export_static_.reset();
  if (cfg_.export_tariff) {
    config::Config as_import = cfg_;
    as_import.tariff = *cfg_.export_tariff;
    feed = tariffs::make_price_feed(as_import);  // octopus-agile: the Agile feed
    if (!feed) export_static_ = config::make_static_tariff(*cfg_.export_tariff, cfg_.zone);
  }
  const bool same = feed && export_feed_ && feed->cache_key() == export_feed_->cache_key();
  if (!same) {
    export_feed_ = std::move(feed);
    export_known_ = PriceCurve{};
    export_refresh_ = {};
    export_timer_.cancel();  // a running loop starts over with the new feed (or ends)
  }
  if (export_feed_ && !export_running_) {
    export_running_ = true;
    asio::co_spawn(io_, export_loop(), asio::detached);
  }
}

std::optional<PriceCurve> Service::export_prices(Instant from, Instant to) const {
  if (export_feed_) return export_known_.slice(from, to);
  if (export_static_) return export_static_->prices(from, to);
  if (cfg_.site.export_price != 0.0 && from < to) {
    return PriceCurve({{from, to, cfg_.site.export_price}});
  }
  return std::nullopt;
}

asio::awaitable<void> Service::export_loop() {
  while (!stopping_ && export_feed_) {
    // A local owner: a SIGHUP may replace export_feed_ while a refresh is in flight.
    std::shared_ptr<const tariffs::PriceFeed> feed = export_feed_;
    const Instant now = clock_.now();
    const Instant due = feed->next_refresh(now, export_refresh_, export_known_);
    if (due > now) {
      const bool woke = co_await sleep_until(export_timer_, clock_, due);
      (void)woke;  // cancelled: a reload or stop; the loop condition decides
      continue;
    }
    auto [from, to] = feed->refresh_window(now);
    export_refresh_.last_attempt = now;
    tariffs::FeedRefresh r;
    try {
      const tariffs::PriceFeed* fp = feed.get();  // only trivially destructible captures
      r = co_await offload<tariffs::FeedRefresh>(
          db_pool_, [this, fp, now, from, to] { return fp->refresh(&store_, now, from, to); });
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    if (stopping_) co_return;
    if (feed != export_feed_) continue;  // reloaded meanwhile
    if (r.error) {
      ++export_refresh_.consecutive_failures;
      spdlog::warn("fetching {} export prices failed ({}); using {} cached", feed->label(),
                   *r.error, r.known.empty() ? "nothing" : "what is");
    } else {
      export_refresh_.consecutive_failures = 0;
      export_refresh_.last_success = now;
    }
    if (!r.known.empty() && !(r.known == export_known_.slice(from, to))) {
      export_known_ =
          export_known_.empty() ? r.known : tariffs::merge_prices(export_known_, r.known);
      export_known_ = export_known_.slice(now - hours{48}, now + hours{96});
      auto last = export_known_.last_end();
      spdlog::info("{} export prices: {} fetched in {} request(s); known until {}", feed->label(),
                   r.fetched, r.requests, last ? cfg_.zone.format(*last) : std::string("-"));
      sun_update();
    }
  }
  export_running_ = false;
}

}  // namespace offpeak::daemon
