// `vehicle.source.type: homeassistant`: the car's entities read from Home Assistant's REST API
// (GET /api/states/<entity_id>, a long-lived access token), polled within vehicle.poll and the
// day's request budget. `unavailable`/`unknown` states are unknown, never 0.

#include "sources.hpp"

#include <offpeak/net/http_client.hpp>
#include <offpeak/vehicles/readings.hpp>

namespace offpeak::daemon {

namespace {

class HomeAssistantVehicle final : public VehicleSource {
 public:
  HomeAssistantVehicle(const config::HomeAssistantSource& cfg, std::string device_id,
                       const Clock& clock)
      : cfg_(cfg), device_id_(std::move(device_id)), clock_(clock) {}

  boost::asio::awaitable<PollResult> poll() override {
    PollResult r;
    if (allowance_ && *allowance_ < requests_per_poll()) {
      r.error_kind = "budget_exhausted";
      r.error = "the day's request budget (vehicle.poll.max_per_day) is used up";
      co_return r;
    }
    const Instant now = clock_.now();
    struct Entity {
      const std::string* id;
      int kind;  // 0 soc, 1 plugged, 2 charging, 3 range
    };
    std::vector<Entity> entities{{&cfg_.soc_entity, 0}};
    if (cfg_.plugged_entity) entities.push_back({&*cfg_.plugged_entity, 1});
    if (cfg_.charging_entity) entities.push_back({&*cfg_.charging_entity, 2});
    if (cfg_.range_entity) entities.push_back({&*cfg_.range_entity, 3});
    for (const Entity& e : entities) {
      net::ClientRequest req;
      req.url = cfg_.url + "/api/states/" + *e.id;
      req.headers = {{"Authorization", "Bearer " + cfg_.token.reveal()},
                     {"Accept", "application/json"}};
      net::ClientOptions opts;
      opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout);
      opts.ca_file = cfg_.ca_file;
      ++requests_;
      net::HttpResult res = co_await net::async_fetch(std::move(req), opts);
      if (!res.ok()) {
        const net::HttpError& err = res.error;
        if (err.kind == net::HttpErrorKind::http_status && err.status == 401) {
          r.error_kind = "credentials_refused";
          r.credentials_refused = true;
          r.error = "Home Assistant at " + cfg_.url +
                    " refused the token (401): create a long-lived access token in your Home "
                    "Assistant profile and put it in the token file";
        } else if (err.kind == net::HttpErrorKind::http_status && err.status == 404) {
          r.error_kind = "not_found";
          r.error = "Home Assistant at " + cfg_.url + " has no entity " + *e.id +
                    " (404): check vehicle.source (Settings > Entities lists them)";
        } else {
          r.error_kind = std::string(net::to_string(err.kind));
          r.error = "Home Assistant at " + cfg_.url + ": " + err.message;
          r.retry_after = err.retry_after;
        }
        co_return r;
      }
      std::string problem;
      auto st = vehicles::parse_ha_state(res.response->body, problem);
      if (!st) {
        r.error_kind = "bad_answer";
        r.error = "Home Assistant's answer for " + *e.id + " is not a state: " + problem;
        co_return r;
      }
      // The value holds since Home Assistant last heard it (never later than now).
      const Instant at = std::min(now, st->updated_at.value_or(now));
      switch (e.kind) {
        case 0: {
          auto v = vehicles::read_percent(st->state, "");
          if (v.value) {
            readings_.soc(*v.value, at);
          } else {
            readings_.forget_soc(at);  // unavailable/unknown (or junk): not known, never 0
            if (!v.problem.empty()) {
              r.error_kind = "bad_answer";
              r.error = *e.id + ": " + v.problem;
              co_return r;
            }
          }
          break;
        }
        case 1:
        case 2: {
          auto v = vehicles::read_flag(st->state, "", cfg_.plugged_on, cfg_.plugged_off);
          if (e.kind == 1) {
            if (v.value) {
              readings_.plugged(*v.value, at);
            } else {
              readings_.forget_plugged(at);
            }
          } else if (v.value) {
            readings_.charging(*v.value, at);
          }
          break;
        }
        default: {
          auto v = vehicles::read_number(st->state, "", 0, 10000);
          if (v.value) readings_.range_km(*v.value, at);
          break;
        }
      }
    }
    r.state = readings_.state(device_id_, now, cfg_.max_age, &r.soc_stale);
    co_return r;
  }
  std::string describe() const override {
    return "Home Assistant at " + cfg_.url + " (" + cfg_.soc_entity + ")";
  }
  std::int64_t requests_sent() const override { return requests_; }
  void set_request_allowance(std::optional<int> n) override { allowance_ = n; }
  int requests_per_poll() const override {
    return 1 + (cfg_.plugged_entity ? 1 : 0) + (cfg_.charging_entity ? 1 : 0) +
           (cfg_.range_entity ? 1 : 0);
  }
  std::optional<Seconds> max_age() const override { return cfg_.max_age; }

 private:
  config::HomeAssistantSource cfg_;
  std::string device_id_;
  const Clock& clock_;
  vehicles::PushedReadings readings_;
  std::int64_t requests_ = 0;
  std::optional<int> allowance_;
};

}  // namespace

std::unique_ptr<VehicleSource> make_homeassistant_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::HomeAssistantSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  return std::make_unique<HomeAssistantVehicle>(*c, source_device_id(deps.cfg), deps.clock);
}

}  // namespace offpeak::daemon
