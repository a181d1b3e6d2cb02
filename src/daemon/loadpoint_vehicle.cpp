// A loadpoint's side of its vehicle source: building the configured one (the registry in
// source_registry.cpp), the loop for pushed sources, and a SoC the owner tells.

#include "loadpoint.hpp"
#include "service.hpp"

#include "mqtt_bridge.hpp"

#include <spdlog/spdlog.h>

namespace offpeak::daemon {
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// Whether a new observation says anything the last one did not.
bool news(const VehicleState& a, const VehicleState& b) {
  return a.observed_at != b.observed_at || a.soc_percent != b.soc_percent ||
         a.plugged_in != b.plugged_in || a.charging_state != b.charging_state ||
         a.range_km != b.range_km;
}

}  // namespace

void Loadpoint::adopt_source() {
  std::optional<connect::CachedToken> cached;
  if (const auto* c = std::get_if<config::ConnectSource>(&cfg_.vehicle.source)) {
    try {
      if (auto t = store_.get_token(store::account_key(c->base_url, c->email))) {
        cached = connect::CachedToken{config::Secret(t->access_token), t->expires_at};
      }
    } catch (const std::exception& e) {
      spdlog::warn("cannot read the cached Connect token: {}", e.what());
    }
  }
  TopicFeed* topics = service_.mqtt_.get();
  source_ = make_source(SourceDeps{cfg_, clock_, std::move(cached), topics});
  last_soc_stale_ = false;
  source_->set_on_update([this] {
    source_updated_ = true;
    poll_timer_.cancel();
  });
}

asio::awaitable<void> Loadpoint::pushed_loop() {
  while (!stopping_ && source_->pushed()) {
    source_updated_ = false;
    PollResult r = co_await source_->poll();
    if (stopping_) co_return;
    const Instant now = clock_.now();
    if (r.state) {
      const bool stale_changed = note_soc_stale(r.soc_stale);
      if (!last_state_ || news(*r.state, *last_state_) || stale_changed) {
        handle_observation(*r.state);
      }
    }
    // Nothing to ask: wake for news, or to notice a SoC turning stale.
    next_poll_at_ = now + cfg_.vehicle.poll.charging;
    next_poll_ = PollDecision{next_poll_at_, "values are pushed by " + source_->describe()};
    update_status();
    if (source_updated_) continue;
    co_await sleep_until(poll_timer_, clock_, next_poll_at_);
  }
}

bool Loadpoint::note_soc_stale(bool stale) {
  if (stale == last_soc_stale_) return false;
  if (stale) {
    spdlog::warn("the SoC from {} is older than {}: stale, not planned on until a new one",
                 source_->describe(), format_duration(source_->max_age().value_or(Seconds{})));
  } else {
    spdlog::info("the SoC from {} is current again", source_->describe());
  }
  last_soc_stale_ = stale;
  return true;
}

bool Loadpoint::tell_soc(double percent, std::string origin, std::string& why) {
  if (!(percent >= 0 && percent <= 100)) {
    why = "expected a SoC percentage 0..100";
    return false;
  }
  const Instant now = clock_.now();
  VehicleState s = last_state_.value_or(VehicleState{});
  s.device_id = device_id();
  s.soc_percent = percent;
  s.observed_at = now;
  s.told = true;
  source_->told_soc(percent, now);
  last_soc_stale_ = false;
  spdlog::info("SoC told through {}: {:.0f}%", origin, percent);
  handle_observation(s);
  return true;
}

bool ServiceApi::tell_soc(double percent, std::string& why) {
  return service_.lp().tell_soc(percent, origin, why);
}

}  // namespace offpeak::daemon
