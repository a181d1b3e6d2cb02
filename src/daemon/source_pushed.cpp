// `vehicle.source.type: charger` (the SoC an OCPP charger reports in MeterValues, measurand
// SoC) and `none` (nobody reports it: told through the API, MQTT or the CLI, or assumed at
// each plug-in as `arrival_soc`). Both are pushed: no requests.

#include "sources.hpp"

#include <offpeak/vehicles/readings.hpp>

namespace offpeak::daemon {

namespace {

class PushedVehicle final : public VehicleSource {
 public:
  PushedVehicle(std::string device_id, const Clock& clock, Seconds max_age,
                std::optional<double> arrival_soc, bool charger_soc)
      : device_id_(std::move(device_id)),
        clock_(clock),
        max_age_(max_age),
        arrival_soc_(arrival_soc),
        charger_soc_(charger_soc) {}

  boost::asio::awaitable<PollResult> poll() override {
    PollResult r;
    if (!readings_.any()) {
      r.waiting = true;
      r.error_kind = "waiting";
      r.error = charger_soc_ ? "the charger has reported no SoC yet" : "no SoC told yet";
      co_return r;
    }
    r.state = readings_.state(device_id_, clock_.now(), max_age_, &r.soc_stale);
    co_return r;
  }
  std::string describe() const override {
    return charger_soc_ ? "the charger's SoC (OCPP)" : "no source (the SoC is told)";
  }
  std::int64_t requests_sent() const override { return 0; }
  void set_request_allowance(std::optional<int>) override {}
  int requests_per_poll() const override { return 0; }
  bool pushed() const override { return true; }
  void told_soc(double percent, Instant at) override {
    readings_.soc(percent, at);
    updated();
  }
  void charger_plug(Instant at, bool plugged) override {
    readings_.plugged(plugged, at);
    // Plugged in: the assumed SoC until someone tells better.
    if (plugged && arrival_soc_) readings_.soc(*arrival_soc_, at);
    updated();
  }
  void charger_soc(Instant at, double percent) override {
    if (!charger_soc_) return;
    readings_.soc(percent, at);
    updated();
  }
  std::optional<Seconds> max_age() const override { return max_age_; }

 private:
  std::string device_id_;
  const Clock& clock_;
  Seconds max_age_;
  std::optional<double> arrival_soc_;
  bool charger_soc_;
  vehicles::PushedReadings readings_;
};

}  // namespace

std::unique_ptr<VehicleSource> make_charger_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::ChargerVehicleSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  return std::make_unique<PushedVehicle>(source_device_id(deps.cfg), deps.clock, c->max_age,
                                         std::nullopt, true);
}

std::unique_ptr<VehicleSource> make_none_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::NoVehicleSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  // A told SoC is as good as the estimate carried from it: it never turns stale by age.
  return std::make_unique<PushedVehicle>(source_device_id(deps.cfg), deps.clock,
                                         Seconds{365LL * 24 * 3600}, c->arrival_soc, false);
}

}  // namespace offpeak::daemon
