#include "sources.hpp"

#include <algorithm>

namespace offpeak::daemon {

namespace {
SimulatedCarParams sim_params(const config::Config& cfg) {
  const auto& s = std::get<config::SimulatorSource>(cfg.vehicle.source);
  SimulatedCarParams p;
  p.device_id = s.device_id;
  p.spec = cfg.vehicle.spec;
  p.soc_percent = s.initial_soc;
  p.plugged_in = s.plugged_in;
  if (s.plug_in_at && s.unplug_at) p.pattern = PlugPattern{*s.plug_in_at, *s.unplug_at, cfg.zone};
  return p;
}
}  // namespace

SimulatorSource::SimulatorSource(const config::Config& cfg, const Clock& clock)
    : clock_(clock),
      car_(sim_params(cfg), clock.now()),
      daily_use_soc_(std::get<config::SimulatorSource>(cfg.vehicle.source).daily_use_soc),
      was_plugged_(car_.plugged_in()),
      ever_plugged_(was_plugged_) {}

VehicleState SimulatorSource::advance() {
  // Step through plug transitions so that no trip is skipped. The first plug-in after start
  // is not a return from a trip: initial_soc already says where the car is.
  Instant now = clock_.now();
  for (auto t = car_.next_transition_after(car_.now()); t && *t <= now;
       t = car_.next_transition_after(car_.now())) {
    car_.advance(*t);
    bool plugged = car_.plugged_in();
    if (plugged && !was_plugged_ && ever_plugged_) {
      car_.set_soc(std::max(0.0, car_.soc_percent() - daily_use_soc_));
    }
    was_plugged_ = plugged;
    ever_plugged_ = ever_plugged_ || plugged;
  }
  VehicleState s = car_.advance(now);
  was_plugged_ = car_.plugged_in();
  ever_plugged_ = ever_plugged_ || was_plugged_;
  return s;
}

boost::asio::awaitable<PollResult> SimulatorSource::poll() {
  PollResult r;
  if (allowance_ && *allowance_ <= 0) {
    r.error_kind = "budget_exhausted";
    r.error = "the day's request budget (vehicle.poll.max_per_day) is used up";
    co_return r;
  }
  ++polls_;
  r.state = advance();
  co_return r;
}

void SimulatorSource::switched(Action action) {
  advance();
  if (action == Action::start) {
    car_.start_charging();
  } else {
    car_.stop_charging();
  }
}

void SimulatorSource::current_set(double power_w) {
  advance();  // the energy so far at the old power
  car_.set_power_limit(power_w / 1000.0);
}

ConnectSource::ConnectSource(const config::ConnectSource& cfg, const Clock& clock,
                             std::optional<connect::CachedToken> cached)
    : base_url_(cfg.base_url), client_(cfg, clock, std::move(cached)) {}

boost::asio::awaitable<PollResult> ConnectSource::poll() {
  connect::FetchResult f = co_await client_.fetch_vehicle();
  PollResult r;
  if (f.ok()) {
    r.state = std::move(f.vehicle);
    co_return r;
  }
  r.error_kind = std::string(connect::to_string(f.error.kind));
  r.error = f.error.message;
  r.retry_after = f.error.retry_after;
  r.credentials_refused = f.error.kind == connect::ConnectErrorKind::credentials_refused;
  co_return r;
}

std::string ConnectSource::describe() const {
  return "Orange Power Connect at " + base_url_;
}

}  // namespace offpeak::daemon

namespace offpeak::daemon {

std::unique_ptr<VehicleSource> make_connect_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::ConnectSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  return std::make_unique<ConnectSource>(*c, deps.clock, deps.cached_token);
}

std::unique_ptr<VehicleSource> make_simulator_source(const SourceDeps& deps) {
  if (!std::holds_alternative<config::SimulatorSource>(deps.cfg.vehicle.source)) return nullptr;
  return std::make_unique<SimulatorSource>(deps.cfg, deps.clock);
}

}  // namespace offpeak::daemon
