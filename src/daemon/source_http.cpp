// `vehicle.source.type: http`: any JSON API (TeslaMateApi, a maker's bridge, an OBD dongle's
// web server) read at dotted field paths, polled within vehicle.poll and the request budget.
// "{secret}" in a header is replaced by the secret only when the request is sent.

#include "sources.hpp"

#include <offpeak/net/http_client.hpp>
#include <offpeak/vehicles/readings.hpp>

namespace offpeak::daemon {

namespace {

class HttpVehicle final : public VehicleSource {
 public:
  HttpVehicle(const config::HttpVehicleSource& cfg, std::string device_id, const Clock& clock)
      : cfg_(cfg), device_id_(std::move(device_id)), clock_(clock) {
    fields_.soc = cfg_.soc_field;
    fields_.plugged = cfg_.plugged_field;
    fields_.charging = cfg_.charging_field;
    fields_.range = cfg_.range_field;
    fields_.on_words = cfg_.plugged_on;
    fields_.off_words = cfg_.plugged_off;
  }

  boost::asio::awaitable<PollResult> poll() override {
    PollResult r;
    if (allowance_ && *allowance_ < 1) {
      r.error_kind = "budget_exhausted";
      r.error = "the day's request budget (vehicle.poll.max_per_day) is used up";
      co_return r;
    }
    net::ClientRequest req;
    req.url = cfg_.url;
    for (const auto& [name, value] : cfg_.headers)
      req.headers.emplace_back(name, vehicles::fill_secret(value, cfg_.secret.reveal()));
    req.headers.emplace_back("Accept", "application/json");
    net::ClientOptions opts;
    opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout);
    opts.ca_file = cfg_.ca_file;
    ++requests_;
    net::HttpResult res = co_await net::async_fetch(std::move(req), opts);
    const Instant now = clock_.now();
    if (!res.ok()) {
      const net::HttpError& err = res.error;
      r.error_kind = std::string(net::to_string(err.kind));
      r.error = err.message;
      r.retry_after = err.retry_after;
      if (err.kind == net::HttpErrorKind::http_status && (err.status == 401 || err.status == 403)) {
        r.credentials_refused = true;
        r.error_kind = "credentials_refused";
        r.error = "the vehicle API refused the request (" + std::to_string(err.status) +
                  "): check the headers and the secret";
      }
      co_return r;
    }
    vehicles::HttpReadings v = vehicles::read_http_document(res.response->body, fields_);
    if (!v.problem.empty() || !v.soc.problem.empty()) {
      r.error_kind = "bad_answer";
      r.error = !v.problem.empty() ? v.problem : "soc_field: " + v.soc.problem;
      co_return r;
    }
    if (v.soc.value) {
      readings_.soc(*v.soc.value, now);
    } else {
      readings_.forget_soc(now);
    }
    if (v.plugged.value) {
      readings_.plugged(*v.plugged.value, now);
    } else if (!fields_.plugged.empty()) {
      readings_.forget_plugged(now);
    }
    if (v.charging.value) readings_.charging(*v.charging.value, now);
    if (v.range_km.value) readings_.range_km(*v.range_km.value, now);
    r.state = readings_.state(device_id_, now, cfg_.max_age, &r.soc_stale);
    co_return r;
  }
  std::string describe() const override { return "the JSON API at " + cfg_.url; }
  std::int64_t requests_sent() const override { return requests_; }
  void set_request_allowance(std::optional<int> n) override { allowance_ = n; }
  int requests_per_poll() const override { return 1; }
  std::optional<Seconds> max_age() const override { return cfg_.max_age; }

 private:
  config::HttpVehicleSource cfg_;
  std::string device_id_;
  const Clock& clock_;
  vehicles::HttpFields fields_;
  vehicles::PushedReadings readings_;
  std::int64_t requests_ = 0;
  std::optional<int> allowance_;
};

}  // namespace

std::unique_ptr<VehicleSource> make_http_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::HttpVehicleSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  return std::make_unique<HttpVehicle>(*c, source_device_id(deps.cfg), deps.clock);
}

}  // namespace offpeak::daemon
