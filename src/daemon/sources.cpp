#include "sources.hpp"

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
    : clock_(clock), car_(sim_params(cfg), clock.now()) {}

boost::asio::awaitable<PollResult> SimulatorSource::poll() {
  PollResult r;
  r.state = car_.advance(clock_.now());
  co_return r;
}

void SimulatorSource::switched(Action action) {
  car_.advance(clock_.now());
  if (action == Action::start) {
    car_.start_charging();
  } else {
    car_.stop_charging();
  }
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

std::string ConnectSource::describe() const { return "Orange Power Connect at " + base_url_; }

}  // namespace offpeak::daemon
