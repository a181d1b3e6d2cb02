// The daemon's tariff prices: the price feed (Agile or a day-ahead source) refreshed off the
// event loop on its schedule, the curve handed to the controller; a failure keeps what is
// cached.

#include "service.hpp"

#include <offpeak/tariffs/agile.hpp>
#include <offpeak/tariffs/agile_feed.hpp>
#include <offpeak/tariffs/price_feed.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

void Service::refresh_prices() {
  Instant now = clock_.now();
  Instant from = now - hours{1};
  Instant to = now + hours{72};
  PriceCurve curve;
  const bool agile = feed_ != nullptr;
  if (agile) {
    curve = agile_known_.slice(from, to);
    // tariff_ is the `fallback:` tariff here (nullptr without one): unknown stays unknown.
    if (tariff_) curve = curve.filled_from(tariff_->prices(from, to), from, to);
  } else if (tariff_) {
    curve = tariff_->prices(from, to);
  }
  Instant known_until = agile_known_.known_until(now);
  if (agile && known_until < lp().controller_.deadline(now).ready_by) {
    std::string msg =
        agile_known_.empty() || known_until <= now
            ? "no " + feed_->label() + " prices known from now"
            : feed_->label() + " prices known only until " + cfg_.zone.format(known_until);
    if (msg != price_note_) {
      if (tariff_) {
        spdlog::info("{}; the fallback tariff covers the rest until they are published", msg);
      } else {
        spdlog::warn(
            "{}; planning only within known prices (add a `fallback:` tariff to plan "
            "beyond them)",
            msg);
      }
    }
    price_note_ = msg;
  } else {
    price_note_.clear();
  }
  for (auto& lp : loadpoints_)
    lp->set_prices(curve);
  export_to_controller();  // a static export tariff moves on with time too
}

asio::awaitable<void> Service::price_loop() {
  while (!stopping_) {
    // A local owner: a SIGHUP may replace feed_ while a refresh is in flight.
    std::shared_ptr<const tariffs::PriceFeed> feed = feed_;
    Instant now = clock_.now();
    Instant next = floor<hours>(now) + hours{1};  // static tariffs: hourly
    if (feed) {
      Instant due = feed->next_refresh(now, agile_refresh_, agile_known_);
      if (due <= now) {
        auto [from, to] = feed->refresh_window(now);
        agile_refresh_.last_attempt = now;
        tariffs::FeedRefresh r;
        try {
          // Only trivially destructible captures (see offload).
          const tariffs::PriceFeed* fp = feed.get();
          r = co_await offload<tariffs::FeedRefresh>(
              db_pool_, [this, fp, now, from, to] { return fp->refresh(&store_, now, from, to); });
        } catch (const std::exception& e) {
          r.error = e.what();
        }
        if (stopping_) co_return;
        if (feed != feed_) continue;  // reloaded meanwhile: start over with the new feed
        if (r.error) {
          ++agile_refresh_.consecutive_failures;
          spdlog::warn("fetching {} prices failed ({}); using {} cached", feed->label(), *r.error,
                       r.known.empty() ? "nothing" : "what is");
        } else {
          agile_refresh_.consecutive_failures = 0;
          agile_refresh_.last_success = now;
          if (!r.note.empty() && r.fetched == 0)
            spdlog::info("{} prices: {}", feed->label(), r.note);
        }
        if (!r.known.empty() && !(r.known == agile_known_.slice(from, to))) {
          agile_known_ =
              agile_known_.empty() ? r.known : tariffs::merge_prices(agile_known_, r.known);
          agile_known_ = agile_known_.slice(now - hours{48}, now + hours{96});
          auto last = agile_known_.last_end();
          spdlog::info("{} prices: {} fetched in {} request(s); known until {}", feed->label(),
                       r.fetched, r.requests, last ? cfg_.zone.format(*last) : std::string("-"));
        }
        co_await update_price_forecast();
        refresh_prices();
        continue;
      }
      next = std::min(next, due);
    }
    if (!co_await sleep_until(price_timer_, clock_, next)) continue;
    refresh_prices();
  }
}

}  // namespace offpeak::daemon
