// `vehicle.source.type: mqtt`: SoC, plug, charging and range pushed on topics of the daemon's
// MQTT connection (TeslaMate, Home Assistant's statestream, zigbee2mqtt, OBD dongles). Costs no
// requests; a SoC older than max_age is stale, and so is a retained one (its age is unknown)
// until a live message comes.

#include "sources.hpp"

#include <offpeak/mqtt/protocol.hpp>
#include <offpeak/vehicles/readings.hpp>

#include <spdlog/spdlog.h>

namespace offpeak::daemon {

namespace {

class MqttVehicle final : public VehicleSource {
 public:
  MqttVehicle(const config::MqttVehicleSource& cfg, std::string device_id, const Clock& clock,
              TopicFeed& feed)
      : cfg_(cfg), device_id_(std::move(device_id)), clock_(clock) {
    std::vector<std::string> topics{cfg_.soc.topic};
    for (const auto* v : {&cfg_.plugged, &cfg_.charging, &cfg_.range}) {
      if (*v) topics.push_back((*v)->topic);
    }
    // The handler outlives this source when a reload replaces it by another type.
    std::weak_ptr<int> alive = alive_;
    feed.listen(std::move(topics),
                [this, alive](const std::string& topic, const std::string& payload, bool retained) {
                  if (alive.lock()) on_message(topic, payload, retained);
                });
  }

  boost::asio::awaitable<PollResult> poll() override {
    PollResult r;
    if (!readings_.any()) {
      r.waiting = true;
      r.error_kind = "waiting";
      r.error = "no message on " + mqtt::printable(cfg_.soc.topic) + " yet";
      co_return r;
    }
    r.state = readings_.state(device_id_, clock_.now(), cfg_.max_age, &r.soc_stale);
    co_return r;
  }
  std::string describe() const override {
    return "MQTT topic " + mqtt::printable(cfg_.soc.topic, 200);
  }
  std::int64_t requests_sent() const override { return 0; }
  void set_request_allowance(std::optional<int>) override {}
  int requests_per_poll() const override { return 0; }
  bool pushed() const override { return true; }
  void told_soc(double percent, Instant at) override { readings_.soc(percent, at); }
  std::optional<Seconds> max_age() const override { return cfg_.max_age; }

 private:
  void on_message(const std::string& topic, const std::string& payload, bool retained) {
    const Instant now = clock_.now();
    bool used = false;
    auto report = [&](const std::string& what, const std::string& problem) {
      spdlog::warn("MQTT: {} on {} ignored: {}", what, mqtt::printable(topic), problem);
    };
    if (topic == cfg_.soc.topic) {
      auto v = vehicles::read_percent(payload, cfg_.soc.field);
      if (v.value && retained) {
        // The broker's stored copy may be days old: shown, never planned on as current.
        spdlog::info(
            "MQTT: the SoC {:.0f}% on {} is a retained message of unknown age: stale "
            "until a live message",
            *v.value, mqtt::printable(topic));
        readings_.soc_of_unknown_age(*v.value, now);
      } else if (v.value) {
        readings_.soc(*v.value, now);
      } else if (v.unknown()) {
        spdlog::info("MQTT: {} says the SoC is not known ({})", mqtt::printable(topic),
                     mqtt::printable(payload));
        readings_.forget_soc(now);
      } else {
        report("the SoC", v.problem);
      }
      used = used || v.problem.empty();
    }
    if (cfg_.plugged && topic == cfg_.plugged->topic) {
      auto v =
          vehicles::read_flag(payload, cfg_.plugged->field, cfg_.plugged->on, cfg_.plugged->off);
      if (v.value) {
        readings_.plugged(*v.value, now);
      } else if (v.unknown()) {
        readings_.forget_plugged(now);
      } else {
        report("the plug state", v.problem);
      }
      used = used || v.problem.empty();
    }
    if (cfg_.charging && topic == cfg_.charging->topic) {
      auto v =
          vehicles::read_flag(payload, cfg_.charging->field, cfg_.charging->on, cfg_.charging->off);
      if (v.value) {
        readings_.charging(*v.value, now);
      } else if (!v.unknown()) {
        report("the charging state", v.problem);
      }
      used = used || v.value.has_value();
    }
    if (cfg_.range && topic == cfg_.range->topic) {
      auto v = vehicles::read_number(payload, cfg_.range->field, 0, 10000);
      if (v.value) {
        readings_.range_km(*v.value, now);
      } else if (!v.unknown()) {
        report("the range", v.problem);
      }
      used = used || v.value.has_value();
    }
    if (used) updated();
  }

  config::MqttVehicleSource cfg_;
  std::string device_id_;
  const Clock& clock_;
  vehicles::PushedReadings readings_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<VehicleSource> make_mqtt_source(const SourceDeps& deps) {
  const auto* c = std::get_if<config::MqttVehicleSource>(&deps.cfg.vehicle.source);
  if (!c) return nullptr;
  if (!deps.topics) throw std::logic_error("an mqtt vehicle source needs the MQTT connection");
  return std::make_unique<MqttVehicle>(*c, source_device_id(deps.cfg), deps.clock, *deps.topics);
}

}  // namespace offpeak::daemon
